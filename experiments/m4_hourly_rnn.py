"""Fit one global LSTM on all 414 M4 Hourly series through the pandas API, forecast 48 h, score it.

    python experiments/m4_hourly_rnn.py [--epochs 10] [--series 414] [--data ../shared/datasets]

Reads M4's wide CSVs (Hourly-train.csv, Hourly-test.csv) from ``--data`` or
``$TSRNN_DATA_HOME`` (default ../shared/datasets), turns them into a long DataFrame
(unique_id, ds, y; M4 Hourly has no timestamps, so ds is the integer step;
see tsrnn.datasets.load_m4_hourly), fits
``RNNForecaster`` in one call with a progress bar, predicts every series in one call, and
prints sMAPE and MASE (m = 24) beside the seasonal-naive benchmark and the official table.
Accuracy work belongs to the accuracy issue; this script shows the API carries the full data set.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster
from tsrnn.datasets import load_m4_hourly


def smape(y, f):
    return np.mean(200 * np.abs(y - f) / (np.abs(y) + np.abs(f)), axis=1)


def mase(train_list, y, f, m=24):
    scale = np.array([np.mean(np.abs(t[m:] - t[:-m])) for t in train_list])
    return np.mean(np.abs(y - f), axis=1) / scale


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--series", type=int, default=None, help="first N series only")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--windows-per-epoch", type=int, default=20000)
    args = p.parse_args(argv)
    train, test = load_m4_hourly(args.data, args.series)
    print(f"M4 Hourly: {train.unique_id.nunique()} series, {len(train)} training rows")

    f = RNNForecaster(
        cell="lstm", hidden_size=64, window=96, horizon=48, step=1, epochs=args.epochs, batch_size=128, lr=3e-3,
        windows_per_epoch=args.windows_per_epoch, verbose=True, random_state=0,
    )  # fmt: skip
    t0 = time.perf_counter()
    f.fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fc = f.predict()
    pred_s = time.perf_counter() - t0

    order = list(dict.fromkeys(train.unique_id))
    pred = np.stack([g[f.name_].to_numpy() for _, g in fc.groupby("unique_id", sort=False)])
    truth = np.stack([g.y.to_numpy() for _, g in test.groupby("unique_id", sort=False)])
    assert list(fc.unique_id.unique()) == order == list(test.unique_id.unique())
    hist = [g.y.to_numpy() for _, g in train.groupby("unique_id", sort=False)]
    snaive = np.stack([h[-24:].tolist() * 2 for h in hist])
    print(f"fit {fit_s:.1f} s ({len(f.history_)} epochs), predict {pred_s:.2f} s for {len(order)} series")
    print(f"{'model':8} {'sMAPE':>8} {'MASE':>8}")
    print(f"{'LSTM':8} {smape(truth, pred).mean():8.3f} {mase(hist, truth, pred).mean():8.3f}")
    print(f"{'sNaive':8} {smape(truth, snaive).mean():8.3f} {mase(hist, truth, snaive).mean():8.3f}")
    official = Path(args.data).parent / "anchors" / "m4_hourly_official.csv"
    if official.exists() and args.series is None:
        tab = pd.read_csv(official).set_index("method")
        print("official (M4 organisers):", ", ".join(f"{m} sMAPE {tab.loc[m, 'smape_hourly']:.3f}"
                                                     for m in ("sNaive", "Theta", "RNN") if m in tab.index))  # fmt: skip
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}")


if __name__ == "__main__":
    main()
