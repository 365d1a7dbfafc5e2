"""Score forecasts of the M4 Hourly test period (414 series, 48 steps) and write experiments/RESULTS.md.

    python experiments/m4_hourly.py [--n-jobs 2] [--seed 0] [--data ../shared/datasets]

Models: seasonal naive, M4's Naive2, ETS (additive season 24), Theta (season 24), fitted per
series through a one-window ``backtest`` whose cutoff is the end of the training file; and
``RNNForecaster`` as a user gets it, one global model fitted on the long DataFrame of all 414
training series (integer time axis; the season length is inferred):

- ``RNNForecaster(cell="lstm", horizon=48)`` and ``RNNForecaster(cell="gru", horizon=48)``,
  every other argument at its default (``random_state`` fixed for a reproducible table);
- the ensemble recipe, ``ENSEMBLE`` below.

Every model sees Hourly-train.csv only and is scored once on Hourly-test.csv with M4's
sMAPE, MASE (m = 24, in-sample scale) and OWA (relative to Naive2). The settings were chosen
on the validation split (experiments/m4_tune.py: the last 48 points of every training
series); its table is copied from experiments/m4_tune_results.csv into the same section.
The official M4 rows are printed beside them: sNaive and Naive2 must match exactly.
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

from tsrnn import ETS, Naive2, RNNForecaster, SeasonalNaive, Theta
from tsrnn.backtest import backtest, evaluate
from tsrnn.datasets import load_m4_hourly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

HERE = Path(__file__).resolve().parent
# The documented ensemble recipe (chosen on the validation split; see m4_tune_results.csv).
ENSEMBLE = dict(cell="lstm", n_ensemble=4, window=[168, 336])


def rnn_models():
    return [
        ("LSTM (defaults)", dict(cell="lstm")),
        ("GRU (defaults)", dict(cell="gru")),
        ("LSTM ensemble " + json.dumps({k: v for k, v in ENSEMBLE.items() if k != "cell"}), ENSEMBLE),
    ]


def fit_rnn(params, train, horizon, seed):
    f = RNNForecaster(horizon=horizon, random_state=seed, **params)
    t0 = time.perf_counter()
    f.fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fc = f.predict()
    return f, fc, fit_s, time.perf_counter() - t0


def score(pred, truth, hist, season=24):
    sm = float(np.mean(200 * np.abs(truth - pred) / (np.abs(truth) + np.abs(pred))))
    scale = np.array([np.mean(np.abs(h[season:] - h[:-season])) for h in hist])
    return sm, float(np.mean(np.mean(np.abs(truth - pred), axis=1) / scale))


def validation_table():
    from m4_tune import STAGES

    path = HERE / "m4_tune_results.csv"
    if not path.exists():
        return []
    tab = pd.read_csv(path, keep_default_na=False)
    lines = [
        "Validation split (`python experiments/m4_tune.py NAME PARAMS`): the last 48 points of each training series "
        "held out, the test file unread; OWA against Naive2 on the same split. One row per run, in the order run; "
        "each run is `RNNForecaster(horizon=48, **params)` with the code and defaults of its stage; ensembles are "
        "the median of the runs named. Stages: "
        + "; ".join(f"{k}: {v}" for k, v in STAGES.items())
        + ".",
        "",
        "| run | stage | params | sMAPE | MASE | OWA | fit s | predict s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in tab.itertuples(index=False):
        lines.append(f"| {r.name} | {r.stage} | `{r.params}` | {float(r.smape):.3f} | {float(r.mase):.3f} | "
                     f"{float(r.owa):.4f} | {float(r.fit_s):.0f} | {float(r.predict_s):.2f} |")  # fmt: skip
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--series", type=int, default=None, help="first N series only (no RESULTS.md)")
    p.add_argument("--skip-stats", action="store_true", help="leave out ETS and Theta (slow)")
    p.add_argument("--epochs", type=int, default=None, help="override epochs (smoke tests only; no RESULTS.md)")
    args = p.parse_args(argv)
    train, test = load_m4_hourly(args.data, args.series)
    full = pd.concat([train, test]).sort_values(["unique_id", "ds"], kind="stable")
    stats = [SeasonalNaive(24, alias="sNaive"), Naive2(24)]
    if not args.skip_stats:
        stats += [ETS(seasonal="add", season_length=24), Theta(season_length=24)]
    t0 = time.perf_counter()
    cv = backtest(stats, full, horizon=48, n_windows=1, n_jobs=args.n_jobs)
    stats_s = time.perf_counter() - t0
    board = evaluate(cv, metrics=["smape", "mase"], y=full, season_length=24).set_index("model")
    rows = {name: (r.smape, r.mase, np.nan, np.nan) for name, r in board.iterrows()}

    order = list(dict.fromkeys(train.unique_id))
    truth = np.stack([g.y.to_numpy() for _, g in test.groupby("unique_id", sort=False)])
    hist = [g.y.to_numpy() for _, g in train.groupby("unique_id", sort=False)]
    notes = []
    for name, params in rnn_models():
        if args.epochs:
            params = {**params, "epochs": args.epochs}
        f, fc, fit_s, predict_s = fit_rnn(params, train, 48, args.seed)
        assert list(fc.unique_id.unique()) == order
        pred = np.stack([g[f.name_].to_numpy() for _, g in fc.groupby("unique_id", sort=False)])
        rows[name] = (*score(pred, truth, hist), fit_s, predict_s)
        notes.append(f"{name}: seasons_={f.seasons_}, windows_={f.windows_}, log_={f.log_}")
        print(f"{name}: sMAPE {rows[name][0]:.3f} MASE {rows[name][1]:.3f} fit {fit_s:.0f} s predict "
              f"{predict_s:.2f} s ({notes[-1]})", flush=True)  # fmt: skip

    n2 = rows["Naive2"]
    table = pd.DataFrame(rows, index=["smape", "mase", "fit_s", "predict_s"]).T
    table["owa"] = 0.5 * (table.smape / n2[0] + table.mase / n2[1])
    official = pd.read_csv(Path(args.data).resolve().parent / "anchors" / "m4_hourly_official.csv")
    official = official.set_index("method")[["smape_hourly", "mase_hourly", "owa_hourly"]]
    official.columns = ["smape", "mase", "owa"]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        "## M4 Hourly: tsrnn against the official M4 table",
        "",
        f"Made by `python experiments/{Path(__file__).name}{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}` "
        f"on {time.strftime('%Y-%m-%d')} ({machine}, shared with other jobs: times are indicative); "
        f"{len(order)} series, 48-step test period, scored once. RNN rows: one global `RNNForecaster(horizon=48, "
        f"random_state={args.seed}, ...)` fitted on the long DataFrame of all training series (integer time axis, "
        "season length inferred), every argument not shown at its default; fit and predict seconds are wall time "
        f"for all series. sNaive, Naive2, ETS and Theta: one backtest call, {stats_s:.0f} s in all "
        f"({args.n_jobs} processes).",
        "",
        "sMAPE and MASE as M4 defines them (MASE scale: in-sample seasonal naive error, m = 24), averaged over "
        "series; OWA = mean of sMAPE and MASE relative to Naive2.",
        "",
        "| model | sMAPE | MASE | OWA | fit s | predict s | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in table.sort_values("owa").iterrows():
        fit = "" if np.isnan(r.fit_s) else f"{r.fit_s:.0f}"
        pred = "" if np.isnan(r.predict_s) else f"{r.predict_s:.2f}"
        lines.append(f"| {name} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.4f} | {fit} | {pred} | tsrnn |")
    for name, r in official.iterrows():
        lines.append(f"| {name} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.4f} | | | official M4 |")
    lines += ["", "Fitted: " + "; ".join(notes) + ".", ""]
    lines += validation_table()
    text = "\n".join(lines) + "\n"
    print(text)
    checks = {"sNaive": (13.912, 1.193), "Naive2": (18.383, 2.395)}
    for name, (s, m) in checks.items():
        ok = np.isclose(round(table.loc[name, "smape"], 3), s) and np.isclose(round(table.loc[name, "mase"], 3), m)
        print(f"{name} reproduces the official sMAPE {s} / MASE {m}: {'yes' if ok else 'NO'}")
    if args.series is None and args.epochs is None:
        write_section("m4_hourly", text)
        print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
