"""Smoke runs of the experiment scripts whose full runs are too long for CI."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


@pytest.mark.slow
def test_bench_speed_smoke():
    args = [sys.executable, str(EXPERIMENTS / "bench_speed.py"), "--smoke", "--cells", "gru"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "GEMM peak (2048x2048 numpy matmul) float32" in out and "recursive 48-step forecast" in out and "cold start" in out
    assert "through RNNForecaster(strategy='recursive').predict(h=48)" in out
    assert "gradients bit-identical with 1 and 2 threads (H=8 float32): gru yes" in out
    assert "cold compile of gru (empty cache)" in out
    row = [line for line in out.splitlines() if line.startswith("gru ")]
    assert len(row) == 1
    if importlib.util.find_spec("torch") is not None:
        assert "nan" not in row[0]
