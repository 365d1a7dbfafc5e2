"""Score forecasts of the M4 Hourly test period (414 series, 48 steps) and write experiments/RESULTS.md.

    python experiments/m4_hourly.py [--n-jobs 2] [--epochs 10] [--data ../shared/datasets]

Models: seasonal naive, M4's Naive2, ETS (additive season 24), Theta (season 24), and one
global LSTM and one global GRU trained through ``RNNForecaster``. Every model is fitted on
Hourly-train.csv only (a one-window ``backtest`` whose cutoff is the end of the training
file) and scored on Hourly-test.csv with M4's sMAPE, MASE (m = 24, in-sample scale) and
OWA (relative to Naive2). The official M4 rows are printed beside them: sNaive and Naive2
must match exactly.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn import ETS, Naive2, RNNForecaster, SeasonalNaive, Theta
from tsrnn.backtest import backtest, evaluate
from tsrnn.datasets import load_m4_hourly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

HERE = Path(__file__).resolve().parent


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--series", type=int, default=None, help="first N series only (no RESULTS.md)")
    args = p.parse_args(argv)
    train, test = load_m4_hourly(args.data, args.series)
    full = pd.concat([train, test]).sort_values(["unique_id", "ds"], kind="stable")
    rnn = dict(hidden_size=64, window=96, horizon=48, epochs=args.epochs, batch_size=128, lr=3e-3,
               windows_per_epoch=20000, random_state=0)  # fmt: skip
    models = [
        SeasonalNaive(24, alias="sNaive"),
        Naive2(24),
        ETS(seasonal="add", season_length=24),
        Theta(season_length=24),
        RNNForecaster(cell="lstm", **rnn),
        RNNForecaster(cell="gru", **rnn),
    ]
    t0 = time.perf_counter()
    cv = backtest(models, full, horizon=48, n_windows=1, n_jobs=args.n_jobs)
    seconds = time.perf_counter() - t0
    board = evaluate(cv, metrics=["smape", "mase"], y=full, season_length=24).set_index("model")
    n2 = board.loc["Naive2"]
    board["owa"] = 0.5 * (board.smape / n2.smape + board.mase / n2.mase)
    board = board[["smape", "mase", "owa", "failed_windows"]]
    failures = cv.loc[cv.error != "", ["unique_id", "error"]].drop_duplicates()

    official = pd.read_csv(Path(args.data).resolve().parent / "anchors" / "m4_hourly_official.csv")
    official = official.set_index("method")[["smape_hourly", "mase_hourly", "owa_hourly"]]
    official.columns = ["smape", "mase", "owa"]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        "## M4 Hourly: tsrnn against the official M4 table",
        "",
        f"Made by `python experiments/{Path(__file__).name}{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}` "
        f"on {time.strftime('%Y-%m-%d')} ({machine}); {len(set(cv.unique_id))} series, 48-step test period, "
        f"{seconds:.0f} s for every fit and forecast.",
        "",
        "sMAPE and MASE as M4 defines them (MASE scale: in-sample seasonal naive error, m = 24), averaged over "
        "series; OWA = mean of sMAPE and MASE relative to Naive2.",
        "",
        "| model | sMAPE | MASE | OWA | source |",
        "|---|---|---|---|---|",
    ]
    for name, r in board.sort_values("owa").iterrows():
        lines.append(f"| {name} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.4f} | tsrnn |")
    for name, r in official.iterrows():
        lines.append(f"| {name} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.4f} | official M4 |")
    if len(failures):
        lines += ["", f"{len(failures)} series had errors: " + "; ".join(failures.error.head(5))]
    fallbacks = {}
    for m in models:
        if hasattr(m, "fit_report_"):
            fallbacks[m.name_] = int((m.fit_report_.status != "ok").sum())
    text = "\n".join(lines) + "\n"
    print(text)
    checks = {"sNaive": ("sNaive", 13.912, 1.193), "Naive2": ("Naive2", 18.383, 2.395)}
    for name, (row, s, m) in checks.items():
        ok = np.isclose(round(board.loc[row, "smape"], 3), s) and np.isclose(round(board.loc[row, "mase"], 3), m)
        print(f"{name} reproduces the official sMAPE {s} / MASE {m}: {'yes' if ok else 'NO'}")
    if args.series is None:
        write_section("m4_hourly", text)
        print(f"wrote {HERE / 'RESULTS.md'}")



if __name__ == "__main__":
    main()
