"""ETTh1, univariate OT, input 336, horizon 96: RNNForecaster on the standard split, scored as the literature scores.

    python experiments/ett.py [--data ../shared/datasets] [--split valid|test] [--params '{"cell": "gru"}']
                              [--name NAME] [--seeds 0,1,2]

The split of Informer/Autoformer/DLinear: the first 12 months (8,640 hours) train, the next
4 months (2,880) validate, the next 4 months test; OT is z-normalised with the training
mean and standard deviation. Every forecast origin of the scored period counts (stride 1):
each takes the 336 hours before it (reaching back into the previous part) and forecasts the
next 96, all inside the scored period, so 2,785 windows; MSE and MAE are averaged over
windows and steps, on the normalised scale.

``RNNForecaster(horizon=96, window=336, **params)`` is fitted once, on the training part
only, and forecasts every window in one ``predict(y=...)`` call (each window a series of a
long DataFrame). ``--split valid`` scores the validation period (to choose settings);
``--split test`` scores the test period and writes the table to experiments/RESULTS.md
(section ``ett``), beside the published figures. With ``--seeds`` one model is fitted per
seed and each scored, then their median forecast (the ensemble recipe).
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

from tsrnn import RNNForecaster
from tsrnn.datasets import load_etth1

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

HERE = Path(__file__).resolve().parent
LOG_CSV = HERE / "ett_results.csv"
INPUT, HORIZON = 336, 96
TRAIN, VALID, TEST = 12 * 30 * 24, 4 * 30 * 24, 4 * 30 * 24
# Univariate ETTh1 OT, horizon 96, MSE on the normalised scale: the targets issue 9 quotes
# (not re-derived here).
PUBLISHED = [
    ("DLinear (published, as quoted in issue 9)", 0.053, None),
    ("ARIMA (published, as quoted in issue 9)", 0.058, None),
]


def load_ot(data_home):
    """OT z-normalised with the training part's mean and standard deviation (population, as sklearn's), and its hours."""
    frame = load_etth1(data_home).iloc[: TRAIN + VALID + TEST]
    ot = frame["OT"].to_numpy(np.float64)
    mu, sd = ot[:TRAIN].mean(), ot[:TRAIN].std()
    return (ot - mu) / sd, frame.index


def windows_frame(z, dates, start, stop):
    """Every origin t in [start, stop - HORIZON]: the INPUT values before t, as one series each."""
    origins = np.arange(start, stop - HORIZON + 1)
    idx = origins[:, None] - INPUT + np.arange(INPUT)[None, :]
    frame = pd.DataFrame({
        "unique_id": np.repeat(np.arange(origins.size), INPUT),
        "ds": dates[idx.ravel()],
        "y": z[idx].ravel(),
    })  # fmt: skip
    truth = z[origins[:, None] + np.arange(HORIZON)[None, :]]
    return frame, truth


def references(z, split):
    """MSE and MAE of two references computed here on ``split``: the last value, and a ridge
    regression from the 336 inputs to the 96 outputs (both centred on the last input value),
    fitted on every training window -- a DLinear-like linear model, to calibrate how hard a
    period is (the validation period is about twice as hard as the test period for both)."""
    def frame(lo, hi):
        o = np.arange(lo, hi - HORIZON + 1)
        x = z[o[:, None] - INPUT + np.arange(INPUT)]
        return x, z[o[:, None] + np.arange(HORIZON)]

    x, y = frame(INPUT, TRAIN)
    xc, yc = x - x[:, -1:], y - x[:, -1:]
    w = np.linalg.solve(xc.T @ xc + 100.0 * np.eye(INPUT), xc.T @ yc)
    start = TRAIN if split == "valid" else TRAIN + VALID
    x, y = frame(start, start + (VALID if split == "valid" else TEST))
    out = {}
    for name, pred in (("last value (reference)", np.repeat(x[:, -1:], HORIZON, axis=1)),
                       ("ridge linear on the window (reference)", (x - x[:, -1:]) @ w + x[:, -1:])):
        out[name] = (float(np.mean((pred - y) ** 2)), float(np.mean(np.abs(pred - y))))
    return out


def fit_predict(params, z, dates, split, seed):
    train = pd.DataFrame({"unique_id": "OT", "ds": dates[:TRAIN], "y": z[:TRAIN]})
    f = RNNForecaster(horizon=HORIZON, window=INPUT, random_state=seed, **params)
    t0 = time.perf_counter()
    f.fit(train)
    fit_s = time.perf_counter() - t0
    start = TRAIN if split == "valid" else TRAIN + VALID
    frame, truth = windows_frame(z, dates, start, start + (VALID if split == "valid" else TEST))
    t0 = time.perf_counter()
    fc = f.predict(y=frame)
    predict_s = time.perf_counter() - t0
    pred = fc[f.name_].to_numpy().reshape(truth.shape)
    return pred, truth, fit_s, predict_s, f


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--split", choices=("valid", "test"), default="valid")
    p.add_argument("--params", default="{}", help="JSON object of RNNForecaster arguments")
    p.add_argument("--name", default=None)
    p.add_argument("--seeds", default="0")
    args = p.parse_args(argv)
    params = json.loads(args.params)
    seeds = [int(s) for s in args.seeds.split(",")]
    z, dates = load_ot(args.data)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    name = args.name or ("RNNForecaster " + json.dumps(params, sort_keys=True))
    rows, preds = [], []
    for seed in seeds:
        pred, truth, fit_s, predict_s, f = fit_predict(params, z, dates, args.split, seed)
        preds.append(pred)
        mse, mae = float(np.mean((pred - truth) ** 2)), float(np.mean(np.abs(pred - truth)))
        rows.append((f"{name} seed {seed}", mse, mae, fit_s, predict_s))
        print(f"{args.split} {name} seed {seed}: MSE {mse:.4f} MAE {mae:.4f} fit {fit_s:.0f} s predict {predict_s:.1f} s "
              f"({truth.shape[0]} windows; seasons_={f.seasons_}, windows_={f.windows_}, log_={f.log_})", flush=True)  # fmt: skip
    if len(seeds) > 1:
        med = np.median(preds, axis=0)
        mse, mae = float(np.mean((med - truth) ** 2)), float(np.mean(np.abs(med - truth)))
        rows.append((f"{name} median of {len(seeds)} seeds", mse, mae, sum(r[3] for r in rows),
                     sum(r[4] for r in rows)))  # fmt: skip
        print(f"{args.split} {name} median of {len(seeds)}: MSE {mse:.4f} MAE {mae:.4f}")
    for ref, (mse, mae) in references(z, args.split).items():
        print(f"{args.split} {ref}: MSE {mse:.4f} MAE {mae:.4f}")
    log = pd.DataFrame(rows, columns=["model", "mse", "mae", "fit_s", "predict_s"]).assign(
        split=args.split, params=json.dumps(params, sort_keys=True), date=time.strftime("%Y-%m-%d"), machine=machine)
    log.to_csv(LOG_CSV, mode="a", header=not LOG_CSV.exists(), index=False)
    if args.split == "test":
        write_results(args, machine, z)


def write_results(args, machine, z):
    log = pd.read_csv(LOG_CSV)
    lines = [
        "## ETTh1 univariate (OT), input 336, horizon 96",
        "",
        f"Made by `python experiments/ett.py {' '.join(sys.argv[1:])}` on {time.strftime('%Y-%m-%d')} ({machine}). "
        "Standard split (12/4/4 months), OT z-normalised with training statistics, every origin of the test period "
        "(2,785 windows, stride 1); MSE and MAE on the normalised scale. Settings were chosen on the validation "
        "period (rows marked valid); the test period was scored once per final setting. Fit and predict seconds are wall time on a machine shared with other jobs (indicative only); the same seed gives the same figures on a rerun (seed 0 of the recipe: 0.0944 in both validation runs).",
        "",
        "| model | split | MSE | MAE | fit s | predict s | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in log.itertuples(index=False):
        lines.append(f"| {r.model} | {r.split} | {r.mse:.4f} | {r.mae:.4f} | {r.fit_s:.0f} | {r.predict_s:.1f} | tsrnn |")
    for split in ("valid", "test"):
        for name, (mse, mae) in references(z, split).items():
            lines.append(f"| {name} | {split} | {mse:.4f} | {mae:.4f} | | | computed here |")
    for name, mse, mae in PUBLISHED:
        lines.append(f"| {name} | test | {mse:.3f} | {'' if mae is None else f'{mae:.3f}'} | | | published |")
    write_section("ett", "\n".join(lines) + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
