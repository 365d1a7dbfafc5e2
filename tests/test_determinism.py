"""Same inputs and seed give bit-identical results whatever the thread count."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).parent / "determinism_worker.py"


def _run(tmp_path, threads):
    out = tmp_path / f"threads{threads}.npz"
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, str(WORKER), str(out)], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return np.load(out)


@pytest.mark.slow
def test_one_and_two_threads_bit_identical(tmp_path):
    one = _run(tmp_path, 1)
    two = _run(tmp_path, 2)
    assert int(one["threads"]) == 1 and int(two["threads"]) == 2
    keys = [k for k in one.files if k != "threads"]
    assert len(keys) == 2 * (3 * 3 + 2)
    for key in keys:
        a, b = one[key], two[key]
        assert a.dtype == b.dtype and a.shape == b.shape, key
        assert a.tobytes() == b.tobytes(), f"{key} differs between 1 and 2 threads"
