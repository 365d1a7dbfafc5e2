"""Score every tsrnn baseline on M4 Hourly and set the figures beside the organisers' published ones.

    python experiments/m4_baselines_check.py [--data ../shared/datasets] [--anchors ../shared/anchors]

Reads M4's wide CSVs (m4/Hourly-train.csv, m4/Hourly-test.csv) from ``--data`` or
``$TSRNN_DATA_HOME`` (default ../shared/datasets) as one long DataFrame (unique_id, ds, y;
ds is the integer step), fits each baseline with the public API, forecasts 48 hours, and
prints sMAPE, MASE (m = 24) and OWA (relative to tsrnn's Naive2), averaged over the 414
series as M4 does, next to the official figures (anchors/m4_hourly_official.csv) where M4
published the same method. Naive, sNaive and Naive2 should agree to the 3 decimals published.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.forecasters import Drift, Mean, Naive, Naive2, SeasonalNaive, SeasonalWindowAverage, WindowAverage
from tsrnn.metrics import mase, owa, smape

# tsrnn model name -> row of the official table.
OFFICIAL_NAMES = {"Naive": "Naive", "SeasonalNaive": "sNaive", "Naive2": "Naive2"}


def read_m4_long(path: Path) -> pd.DataFrame:
    """Long frame (unique_id, ds, y) from an M4 wide CSV (first column the id, then V2, V3, ... padded with NaN)."""
    wide = pd.read_csv(path, index_col=0)
    long = wide.stack().dropna().reset_index()  # pandas 3's stack keeps the NaN padding
    long.columns = ["unique_id", "column", "y"]
    long["ds"] = long["column"].str[1:].astype(np.int64) - 2
    return long[["unique_id", "ds", "y"]]


def main(argv=None):
    default_data = os.environ.get("TSRNN_DATA_HOME", str(Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=default_data)
    p.add_argument("--anchors", default=str(Path(default_data).parent / "anchors"))
    args = p.parse_args(argv)
    root = Path(args.data) / "m4"
    train = read_m4_long(root / "Hourly-train.csv")
    test = read_m4_long(root / "Hourly-test.csv")
    ids = list(dict.fromkeys(train.unique_id))
    history = [g.to_numpy() for _, g in train.groupby("unique_id", sort=False).y]
    truth = test.set_index(["unique_id", "ds"]).y.unstack().loc[ids].to_numpy()
    h = truth.shape[1]
    official_path = Path(args.anchors) / "m4_hourly_official.csv"
    official = pd.read_csv(official_path).set_index("method") if official_path.exists() else None

    models = [
        Naive(),
        SeasonalNaive(season_length=24),
        Naive2(season_length=24),
        Drift(),
        Mean(),
        WindowAverage(window=24),
        SeasonalWindowAverage(season_length=24, window=7),
    ]
    scores = {}
    for model in models:
        t0 = time.perf_counter()
        fc = model.fit(train).predict(h)
        seconds = time.perf_counter() - t0
        assert fc.unique_id.tolist()[::h] == ids
        pred = fc[model.name_].to_numpy().reshape(len(ids), h)
        scores[repr(model)] = (
            model.name_,
            smape(truth, pred),
            mase(truth, pred, y_train=history, season_length=24),
            seconds,
        )
    naive2 = scores[repr(Naive2(season_length=24))]

    print(f"M4 Hourly: {len(ids)} series, h = {h}, MASE with m = 24; OWA relative to tsrnn's Naive2")
    print(f"{datetime.date.today()}, {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, pandas {pd.__version__}")  # fmt: skip
    print()
    print(
        f"{'model':50} {'sMAPE':>8} {'MASE':>7} {'OWA':>7}   {'M4 sMAPE':>8} {'MASE':>7} {'OWA':>7} {'fit+predict':>12}"
    )
    for label, (name, s, m, seconds) in scores.items():
        line = f"{label:50} {s:8.3f} {m:7.3f} {owa(s, m, naive2[1], naive2[2]):7.4f}   "
        ref = OFFICIAL_NAMES.get(name)
        if official is not None and ref in official.index:
            row = official.loc[ref]
            line += f"{row.smape_hourly:8.3f} {row.mase_hourly:7.3f} {row.owa_hourly:7.4f}"
        else:
            line += f"{'':8} {'':7} {'':7}"
        print(line + f" {seconds:10.2f} s")


if __name__ == "__main__":
    main()
