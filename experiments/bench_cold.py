"""Cold start of a default fit: seconds from an empty numba cache to a first forecast.

Usage::

    python experiments/bench_cold.py            # 3 runs per cell, table into RESULTS.md (section "cold")
    python experiments/bench_cold.py --runs 1 --no-write

Each run is a fresh process with ``NUMBA_CACHE_DIR`` pointing at an empty folder: it
imports tsrnn, then fits ``RNNForecaster(horizon=48, cell=...)`` (every other parameter at
its default: window 168, hidden 64, seasonal-naive baseline; one epoch of 640 windows, so
that compiling, not training, is what is timed) on 20 synthetic hourly series of 800
values with timestamps, and forecasts. "cold" is the fit plus predict in that process; a
second process with the same, now filled, cache times the same work again ("warm"): cold
minus warm is the compile time a new user waits for once. The issue's target (issue 19):
cold under 20 s for the default cell. Not part of CI; needs a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def worker(cell):
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd

    import tsrnn

    imported = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    n, length = 20, 800
    t = np.arange(length)
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2024-01-01", periods=length, freq="h"),
                            "y": 10 + np.sin(2 * np.pi * t / 24 + i) + 0.1 * rng.standard_normal(length)})
              for i in range(n)]  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    t0 = time.perf_counter()
    fc = tsrnn.RNNForecaster(horizon=48, cell=cell, epochs=1, windows_per_epoch=640, random_state=0).fit(df)
    fc.predict()
    return {"import_s": imported, "fit_predict_s": time.perf_counter() - t0}


def run(cell, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, __file__, "--worker", cell], env=env, capture_output=True, text=True,
                         timeout=600, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker)))
        return
    load0 = os.getloadavg()[0]
    rows = []
    for cell in a.cells:
        cold, warm = [], []
        for _ in range(a.runs):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(run(cell, cache)["fit_predict_s"])
                warm.append(run(cell, cache)["fit_predict_s"])
            print(f"{cell}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s", flush=True)
        rows.append((cell, statistics.median(cold), statistics.median(warm)))
    import numba
    import numpy

    lines = ["## Cold start of a default fit (`python experiments/bench_cold.py`)", "",
             f"Made on {time.strftime('%Y-%m-%d %H:%M')} ({platform.machine()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, numba {numba.__version__}, numpy {numpy.__version__}; load average "
             f"{load0:.2f} at the start, {os.getloadavg()[0]:.2f} at the end). First `RNNForecaster(horizon=48, "
             "cell=...)` fit (one epoch of 640 windows) and predict on 20 hourly series in a fresh process with an "
             f"empty numba cache (cold), then again in a second process with that cache (warm); median of {a.runs} "
             "runs. Target (issue 19): cold under 20 s.", "",
             "| cell | cold: fit + predict, s | warm, s | compile (cold - warm), s |", "|---|---|---|---|"]  # fmt: skip
    for cell, c, w in rows:
        lines.append(f"| {cell} | {c:.1f} | {w:.1f} | {c - w:.1f} |")
    text = "\n".join(lines)
    print(text)
    if not a.no_write:
        sys.path.insert(0, str(HERE))
        from _results import write_section

        write_section("cold", text)


if __name__ == "__main__":
    main()
