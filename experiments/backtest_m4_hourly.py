"""Backtest baselines, statsmodels models and a global LSTM on M4 Hourly series in one call, then rank them.

    python experiments/backtest_m4_hourly.py [--series 20] [--windows 3] [--n-jobs 2] [--data ../shared/datasets]

Each model is fitted at 3 cutoffs per series (48-step windows counted back from the end of
the training file), sees only data up to its cutoff, and is scored with sMAPE, MASE
(m = 24) and MAE; the leaderboard is ranked by sMAPE.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from tsrnn import ARIMA, ETS, Naive, Naive2, RNNForecaster, SeasonalNaive, Theta
from tsrnn.backtest import backtest, evaluate
from tsrnn.datasets import load_m4_hourly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--series", type=int, default=20)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args(argv)
    train, _ = load_m4_hourly(args.data, args.series)
    models = [
        Naive(),
        SeasonalNaive(24),
        Naive2(24),
        ETS(trend="add", damped_trend=True),
        Theta(season_length=24),
        ARIMA(order=(2, 0, 1)),
        RNNForecaster(cell="lstm", hidden_size=32, window=96, horizon=48, epochs=args.epochs, lr=3e-3,
                      windows_per_epoch=5000, random_state=0),
    ]  # fmt: skip
    t0 = time.perf_counter()
    cv = backtest(models, train, horizon=48, n_windows=args.windows, n_jobs=args.n_jobs)
    seconds = time.perf_counter() - t0
    board = evaluate(cv, metrics=["smape", "mase", "mae"], y=train, season_length=24)
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(board.to_string(index=False))
    failed = cv[cv.error != ""]
    summary = (f"{args.series} series x {args.windows} windows x {len(models)} models in {seconds:.1f} s; "
               f"{failed.groupby(['unique_id', 'cutoff']).ngroups} failed (series, cutoff) pairs")  # fmt: skip
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}"
    print(f"# {summary}\n# {machine}")
    lines = ["## Backtest of seven models on M4 Hourly series (one call)", "",
             f"`python experiments/backtest_m4_hourly.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`: "
             f"{summary}; {machine}. Windows of 48 steps cut from the end of the training file; ranked by sMAPE.",
             "", "| model | rank | sMAPE | MASE | MAE |", "|---|---|---|---|---|"]  # fmt: skip
    for _, r in board.iterrows():
        lines.append(f"| {r.model} | {r['rank']} | {r.smape:.3f} | {r.mase:.3f} | {r.mae:.1f} |")
    write_section("backtest_m4_hourly", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
