"""Training windows per second of a default RNNForecaster fit: the fused path (issue 19) against the NumPy one.

Usage::

    python experiments/bench_fit.py                 # LSTM and GRU, 3 alternating repeats, writes RESULTS.md
    python experiments/bench_fit.py --repeats 1 --cells lstm --no-write
    python experiments/bench_fit.py --profile       # also a cProfile of one fused epoch

Both paths run in this one process on the same data: ``tsrnn._config.FUSED_TRAINING`` is
switched between fits (False is the NumPy path, what ``TSRNN_UNFUSED=1`` selects). Each
repeat fits both, in alternating order; the figure is the median over repeats of the
windows trained per second of training time (the loop's per-epoch seconds), and the ratio
of the two medians. The two fits' forecasts are compared (bit-identical with ``target_steps="all"``). Not part of CI.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import platform
import pstats
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tsrnn._config as config
from tsrnn.datasets import make_trend_seasonal
from tsrnn.forecasters import RNNForecaster


def data(n_series, length):
    """Hourly series with a daily cycle and a trend (seasons inferred: 24 and 168, the default hourly setup)."""
    return make_trend_seasonal(n=length, n_series=n_series, period=24, noise=0.3, level=10.0, random_state=0)


def fit(df, cell, fused, args, target_steps="all"):
    """One default fit; returns (windows per second of training, forecasts)."""
    config.FUSED_TRAINING = fused
    fc = RNNForecaster(cell=cell, horizon=args.horizon, epochs=args.epochs, windows_per_epoch=args.windows,
                       target_steps=target_steps, random_state=0).fit(df)  # fmt: skip
    seconds = float(fc.history_["seconds"].sum())
    # Every configuration here has far more windows than windows_per_epoch: each epoch trains that many.
    return args.epochs * args.windows / seconds, fc.predict().iloc[:, -1].to_numpy()


def measure(df, cell, target_steps, args):
    warm = argparse.Namespace(**{**vars(args), "windows": 640, "epochs": 1})
    fit(df, cell, True, warm, target_steps)  # compile, warm the caches
    fit(df, cell, False, warm, target_steps)
    rates = {True: [], False: []}
    diff = 0.0
    for r in range(args.repeats):
        order = (False, True) if r % 2 == 0 else (True, False)
        forecasts = {}
        for fused in order:
            rate, forecasts[fused] = fit(df, cell, fused, args, target_steps)
            rates[fused].append(rate)
        diff = max(diff, float(np.max(np.abs(forecasts[True] / forecasts[False] - 1))))
    config.FUSED_TRAINING = True
    return float(np.median(rates[False])), float(np.median(rates[True])), diff


def profile(df, cell, args, fused):
    """A line on one epoch's cProfile: total, the recurrent kernels' share, the largest other items."""
    config.FUSED_TRAINING = fused
    prof = cProfile.Profile()
    prof.enable()
    RNNForecaster(cell=cell, horizon=args.horizon, epochs=1, windows_per_epoch=args.windows,
                  target_steps=args.target_steps[0], random_state=0).fit(df)  # fmt: skip
    prof.disable()
    config.FUSED_TRAINING = True
    stats = pstats.Stats(prof).stats
    total = sum(v[2] for v in stats.values())
    names = (f"{cell}_forward", f"{cell}_backward")
    kernel = {k for k in stats if k[0].endswith(f"kernels/{cell}.py") and k[2] in names}
    others = sorted(((v[2], k) for k, v in stats.items() if k not in kernel), reverse=True)[:6]
    share = sum(stats[k][2] for k in kernel) / total
    items = ", ".join(f"{Path(k[0]).name}:{k[2]} {t:.2f} s" if k[0] != "~" else f"{k[2]} {t:.2f} s" for t, k in others)
    return (f"- {'after' if fused else 'before'}: {total:.2f} s, recurrent kernels {share:.0%}; largest other items "
            f"(own time): {items}")  # fmt: skip


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    p.add_argument("--series", type=int, default=100)
    p.add_argument("--length", type=int, default=800)
    p.add_argument("--horizon", type=int, default=48)
    p.add_argument("--windows", type=int, default=10000, help="windows per epoch (the default fit's)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--target-steps", nargs="+", default=["all"], choices=["all", "last"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    df = data(args.series, args.length)
    load0 = os.getloadavg()[0]
    rows = []
    for cell, target_steps in [(c, t) for c in args.cells for t in args.target_steps]:
        before, after, diff = measure(df, cell, target_steps, args)
        rows.append(f"| {cell.upper()} | {target_steps} | {before:,.0f} | {after:,.0f} | {after / before:.2f}x | "
                    f"{diff:.1e} |")  # fmt: skip
        print(rows[-1], flush=True)
    load1 = os.getloadavg()[0]
    today = datetime.date.today().isoformat()
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy "
               f"{np.__version__}; load average {load0:.2f} at the start, {load1:.2f} at the end")  # fmt: skip
    text = "\n".join([
        "## Fused training step: windows per second of a default fit (`python experiments/bench_fit.py`)",
        "",
        (f"Made on {today} ({machine}). Default `RNNForecaster(horizon={args.horizon})` (hidden 64, window 168, "
        f"batch 64, float32, seasonal-naive baseline with seasons 24 and 168), {args.series} synthetic hourly series "
        f"of {args.length} values, {args.windows:,} windows per epoch, {args.epochs} epoch(s); median of "
        f"{args.repeats} alternating runs of each path in one process (training seconds from the fit's history). "
        "'before': the NumPy path (`TSRNN_UNFUSED=1`); 'after': the fused path. 'max rel. diff.': the two fits' "
        "forecasts compared: their largest relative difference (0: bit-identical)."),
        "",
        "| cell | target_steps | before (windows/s) | after (windows/s) | ratio | forecasts' max rel. diff. |",
        "|---|---|---|---|---|---|",
        *rows,
    ])  # fmt: skip
    if args.profile:
        text += (f"\n\nOne epoch of the {args.cells[0].upper()} fit under cProfile ({args.target_steps[0]} steps; "
                 "profiling inflates the Python side):\n\n")  # fmt: skip
        text += "\n".join(profile(df, args.cells[0], args, fused) for fused in (False, True))
    print(text)
    if not args.no_write:
        from _results import write_section

        write_section("fused_fit", text)


if __name__ == "__main__":
    main()
