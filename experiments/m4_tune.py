"""Choose RNNForecaster settings on M4 Hourly's validation split; the test period is never read.

    python experiments/m4_tune.py NAME '{"cell": "gru", "epochs": 20}' [--data ../shared/datasets]
    python experiments/m4_tune.py ENSEMBLE_NAME --ensemble RUN1 RUN2 ...
    python experiments/m4_tune.py --table

The validation split holds out the last 48 points of every training series (Hourly-train.csv
only): ``RNNForecaster(horizon=48, **params)`` is fitted on the rest, forecasts those 48
points, and is scored as M4 scores (sMAPE; MASE with the in-sample seasonal-naive scale
of the shortened series, m = 24; OWA against Naive2 on the same split). Each run appends a
row to experiments/m4_tune_results.csv (settings, scores, fit and predict seconds, date,
machine) and keeps its forecasts in ``--pred-dir`` so that ``--ensemble`` can score the
median of several runs (seeds, windows, cells) without refitting. ``--table`` prints the
rows as markdown. experiments/m4_hourly.py reads the CSV into RESULTS.md beside the test
scores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn import Naive2, RNNForecaster, SeasonalNaive
from tsrnn.datasets import load_m4_hourly

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "m4_tune_results.csv"
HORIZON, SEASON = 48, 24
COLUMNS = ["name", "stage", "params", "smape", "mase", "owa", "fit_s", "predict_s", "date", "machine"]
# The code (and defaults) a row was made with; experiments/m4_hourly.py prints the legend (STAGES).
STAGE = "D"
STAGES = {
    "A": "one season (24); defaults then: window 96, 20 epochs of 10,000 windows, batch 128, lr 3e-3 (cosine), "
         "window scaler, log, seasonal-naive baseline",
    "B": "as A, with a day and a week (24, 168) inferred; each window's baseline season chosen on the window alone",
    "C": "as B, the season chosen on the series' history up to the window's end",
    "D": "as C, with the defaults chosen from A-C: window max(2 horizon, 4 m, longest season) = 168, "
         "30 epochs of 10,000 windows, batch 64, lr 5e-3 (cosine)",
}


def validation_split(data_home, n_series=None):
    """(train, valid): every training series without its last 48 points, and those points."""
    train, _ = load_m4_hourly(data_home, n_series)
    last = train.groupby("unique_id", sort=False).ds.transform("max")
    cut = train.ds > last - HORIZON
    return train[~cut].reset_index(drop=True), train[cut].reset_index(drop=True)


def _matrix(frame, col):
    return np.stack([g[col].to_numpy() for _, g in frame.groupby("unique_id", sort=False)])


def score(train, valid, pred):
    """M4's sMAPE, MASE (m = 24) and OWA of ``pred`` (n_series, 48) against ``valid``."""
    hist = [g.y.to_numpy() for _, g in train.groupby("unique_id", sort=False)]
    truth = _matrix(valid, "y")
    scale = np.array([np.mean(np.abs(h[SEASON:] - h[:-SEASON])) for h in hist])

    def sm(f):
        return float(np.mean(200 * np.abs(truth - f) / (np.abs(truth) + np.abs(f))))

    def ma(f):
        return float(np.mean(np.mean(np.abs(truth - f), axis=1) / scale))

    n2 = _matrix(Naive2(SEASON).fit(train).predict(HORIZON), "Naive2")
    s, m = sm(pred), ma(pred)
    return s, m, 0.5 * (s / sm(n2) + m / ma(n2))


def machine():
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def append_row(row):
    frame = pd.DataFrame([row], columns=COLUMNS)
    frame.to_csv(RESULTS_CSV, mode="a", header=not RESULTS_CSV.exists(), index=False)


def run(name, params, data_home, pred_dir, n_series=None):
    train, valid = validation_split(data_home, n_series)
    f = RNNForecaster(horizon=HORIZON, **params)
    t0 = time.perf_counter()
    f.fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fc = f.predict()
    predict_s = time.perf_counter() - t0
    pred = _matrix(fc, f.name_)
    s, m, o = score(train, valid, pred)
    if pred_dir:
        Path(pred_dir).mkdir(parents=True, exist_ok=True)
        np.save(Path(pred_dir) / f"{name}.npy", pred)
    row = [name, STAGE, json.dumps(params, sort_keys=True), round(s, 3), round(m, 3), round(o, 4), round(fit_s, 1),
           round(predict_s, 2), time.strftime("%Y-%m-%d"), machine()]  # fmt: skip
    print(f"{name}: sMAPE {s:.3f} MASE {m:.3f} OWA {o:.4f}  fit {fit_s:.0f} s  predict {predict_s:.2f} s "
          f"(seasons_={f.seasons_}, windows_={f.windows_}, log_={f.log_})", flush=True)  # fmt: skip
    if n_series is None:
        append_row(row)
    return pred


def ensemble(name, members, data_home, pred_dir):
    train, valid = validation_split(data_home)
    preds = [np.load(Path(pred_dir) / f"{m}.npy") for m in members]
    s, m, o = score(train, valid, np.median(preds, axis=0))
    table = pd.read_csv(RESULTS_CSV) if RESULTS_CSV.exists() else pd.DataFrame(columns=COLUMNS)
    rows = table.set_index("name").reindex(members)
    params = json.dumps({"median_of": members})
    append_row([name, STAGE, params, round(s, 3), round(m, 3), round(o, 4), round(float(rows.fit_s.sum()), 1),
                round(float(rows.predict_s.sum()), 2), time.strftime("%Y-%m-%d"), machine()])  # fmt: skip
    print(f"{name} (median of {len(members)}): sMAPE {s:.3f} MASE {m:.3f} OWA {o:.4f}")


def benchmarks(data_home):
    """Seasonal naive and Naive2 on the validation split (the rows to beat)."""
    train, valid = validation_split(data_home)
    for model in (SeasonalNaive(SEASON, alias="sNaive"), Naive2(SEASON)):
        t0 = time.perf_counter()
        pred = _matrix(model.fit(train).predict(HORIZON), model.name_)
        s, m, o = score(train, valid, pred)
        append_row([model.name_, "", json.dumps({}), round(s, 3), round(m, 3), round(o, 4),
                    round(time.perf_counter() - t0, 1), 0.0, time.strftime("%Y-%m-%d"), machine()])  # fmt: skip
        print(f"{model.name_}: sMAPE {s:.3f} MASE {m:.3f} OWA {o:.4f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", nargs="?")
    p.add_argument("params", nargs="*", help="JSON object of RNNForecaster arguments (for a run)")
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--pred-dir", default=os.environ.get("TSRNN_TUNE_PREDS", "/tmp/m4_tune_preds"))
    p.add_argument("--ensemble", nargs="+", metavar="RUN", help="score the median of these runs' forecasts as NAME")
    p.add_argument("--benchmarks", action="store_true", help="score sNaive and Naive2 on the split")
    p.add_argument("--table", action="store_true")
    p.add_argument("--series", type=int, default=None, help="first N series only (a smoke test; no CSV row)")
    args = p.parse_args(argv)
    if args.table:
        table = pd.read_csv(RESULTS_CSV).drop(columns=["machine"])
        print("| " + " | ".join(table.columns) + " |\n|" + "---|" * table.shape[1])
        for row in table.itertuples(index=False):
            print("| " + " | ".join(str(v) for v in row) + " |")
    elif args.benchmarks:
        benchmarks(args.data)
    elif args.ensemble:
        ensemble(args.name, args.ensemble, args.data, args.pred_dir)
    else:
        params = json.loads(args.params[0]) if args.params else {}
        run(args.name, params, args.data, args.pred_dir, args.series)


if __name__ == "__main__":
    sys.exit(main())
