"""M4 Hourly 95% prediction intervals: a distribution head's samples against the quantile head and conformal intervals.

    python experiments/m4_hourly_intervals.py [--data ../shared/datasets] [--seed 0] [--samples 1000]

Every model is ``RNNForecaster(horizon=48, random_state=seed, ...)`` with every other argument
at its default, fitted once on Hourly-train.csv (all 414 series) and scored once on
Hourly-test.csv with M4's uncertainty-track measures for 95% intervals:

- MSIS (mean scaled interval score: width plus 2/0.05 times the misses, over the in-sample
  seasonal-naive MAE with m = 24; :func:`tsrnn.metrics.msis`),
- coverage and ACD (|coverage - 0.95|; :func:`tsrnn.metrics.acd`),
- the CRPS where there are samples, in its quantile form on q = 0.01 ... 0.99 of the samples
  (:func:`tsrnn.metrics.quantile_crps`), scaled as MASE scales; the exact sample CRPS
  (:func:`tsrnn.metrics.scaled_crps`) is printed too, but a Student-t fitted to logs (df near
  2, then exponentiated) has draws so extreme that it is not a useful figure there,

with the point forecast's OWA (against Naive2) for context. The rows:

- ``distribution="student_t"`` (``--distributions student_t,normal`` adds others): the 2.5% and 97.5% quantiles of ``--samples``
  sample paths (``predict(num_samples=...)``), and the exact quantiles of the head (``level=95``);
- ``quantiles=[0.025, 0.5, 0.975]``: the quantile head (``interval_method="quantile"``);
- the default point model with conformal intervals (``interval_method="conformal"``: the model
  refitted at earlier cut-offs, its errors there calibrating the interval);
- seasonal naive with conformal intervals, M4's reference point.

``--series N`` makes a smoke run (no RESULTS.md); ``--epochs E`` sets every network's budget
(the distribution heads train on a NumPy float64 likelihood, outside the fused step: at the
default 30 epochs a Student-t fit of M4 Hourly runs over half an hour on 2 cores). Writes the section
``m4_hourly_intervals`` of experiments/RESULTS.md with machine and date.
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

from tsrnn import Naive2, RNNForecaster, SeasonalNaive
from tsrnn.datasets import load_m4_hourly
from tsrnn.metrics import acd, coverage, mase, msis, owa, scaled_crps, scaled_quantile_crps, smape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

H, M, LEVEL = 48, 24, 95


def matrix(frame, col):
    return np.stack([g[col].to_numpy(dtype=np.float64) for _, g in frame.groupby("unique_id", sort=False)])


def point_scores(pred, truth, hist):
    """M4's sMAPE and MASE (m = 24) of point forecasts."""
    return smape(truth, pred), mase(truth, pred, y_train=hist, season_length=M)


def scores(name, point, lo, hi, truth, hist, naive2, fit_s, samples=None):
    scale = np.array([np.mean(np.abs(h[M:] - h[:-M])) for h in hist])
    row = {"model": name, "MSIS": msis(truth, lo, hi, y_train=hist, season_length=M, level=LEVEL),
           "coverage": coverage(truth, lo, hi), "ACD": acd(truth, lo, hi, LEVEL),
           "width (scaled)": float(np.mean(np.mean(hi - lo, axis=1) / scale)), "CRPS (scaled)": np.nan,
           "OWA": owa(*point_scores(point, truth, hist), *naive2), "fit s": fit_s}  # fmt: skip
    if samples is not None:
        # The quantile form on q = 0.01 .. 0.99 of the samples: a Student-t fitted to logs has tails so heavy
        # (df near 2, then exp) that the samples' exact CRPS is dominated by a few astronomic draws.
        q = np.arange(1, 100) / 100.0
        qf = np.moveaxis(np.quantile(samples, q, axis=2), 0, 2)
        row["CRPS (scaled)"] = scaled_quantile_crps(truth, qf, q, y_train=hist, season_length=M)
        row["sample CRPS (scaled, exact)"] = scaled_crps(truth, samples, y_train=hist, season_length=M)
    print("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    return row


def fitted(params, train, seed, epochs):
    f = RNNForecaster(horizon=H, random_state=seed, **params, **({"epochs": epochs} if epochs else {}))
    t0 = time.perf_counter()
    f.fit(train)
    return f, time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", "../shared/datasets"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--series", type=int, default=None, help="first N series only (smoke run, no RESULTS.md)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of every network (default: RNNForecaster's)")
    p.add_argument("--distributions", default="student_t", help="comma-separated heads, e.g. student_t,normal")
    a = p.parse_args(argv)
    train, test = load_m4_hourly(a.data, a.series)
    truth = matrix(test, "y")
    hist = [g.y.to_numpy() for _, g in train.groupby("unique_id", sort=False)]
    naive2 = point_scores(matrix(Naive2(M).fit(train).predict(H), "Naive2"), truth, hist)
    rows = []
    for dist in a.distributions.split(","):
        f, fit_s = fitted({"distribution": dist}, train, a.seed, a.epochs)
        paths = f.predict(num_samples=a.samples, random_state=a.seed)
        s = np.stack([g.pivot(index="sample", columns="ds", values=f.name_).to_numpy().T
                      for _, g in paths.groupby("unique_id", sort=False)])  # fmt: skip
        lo, hi = np.quantile(s, [0.025, 0.975], axis=2)
        median = np.median(s, axis=2)
        rows.append(scores(f"distribution={dist!r}, {a.samples} samples", median, lo, hi, truth, hist, naive2, fit_s,
                           s))  # fmt: skip
        fc = f.predict(level=LEVEL)
        rows.append(scores(f"distribution={dist!r}, exact quantiles", matrix(fc, f.name_),
                           matrix(fc, f"{f.name_}-lo-{LEVEL}"), matrix(fc, f"{f.name_}-hi-{LEVEL}"), truth, hist,
                           naive2, fit_s))  # fmt: skip
    f, fit_s = fitted({"quantiles": [0.025, 0.5, 0.975]}, train, a.seed, a.epochs)
    fc = f.predict(level=LEVEL, interval_method="quantile")
    rows.append(scores("quantiles=[0.025, 0.5, 0.975]", matrix(fc, f.name_), matrix(fc, f"{f.name_}-lo-{LEVEL}"),
                       matrix(fc, f"{f.name_}-hi-{LEVEL}"), truth, hist, naive2, fit_s))  # fmt: skip
    t0 = time.perf_counter()
    f, fit_s = fitted({}, train, a.seed, a.epochs)
    fc = f.predict(level=LEVEL, interval_method="conformal")
    rows.append(scores("default, conformal", matrix(fc, f.name_), matrix(fc, f"{f.name_}-lo-{LEVEL}"),
                       matrix(fc, f"{f.name_}-hi-{LEVEL}"), truth, hist, naive2, time.perf_counter() - t0))  # fmt: skip
    t0 = time.perf_counter()
    sn = SeasonalNaive(M).fit(train)
    fc = sn.predict(H, level=LEVEL, interval_method="conformal")
    rows.append(scores("SeasonalNaive(24), conformal", matrix(fc, sn.name_), matrix(fc, f"{sn.name_}-lo-{LEVEL}"),
                       matrix(fc, f"{sn.name_}-hi-{LEVEL}"), truth, hist, naive2, time.perf_counter() - t0))  # fmt: skip
    if a.series:
        return
    table = pd.DataFrame(rows).drop(columns=["sample CRPS (scaled, exact)"], errors="ignore")
    head = "| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns) + "\n"
    body = "".join("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |\n"
                   for r in table.itertuples(index=False))  # fmt: skip
    text = (f"## M4 Hourly 95% intervals (`python experiments/m4_hourly_intervals.py`)\n\n"
            f"Test period, scored once; every model `RNNForecaster(horizon=48, random_state={a.seed}"
            + (f", epochs={a.epochs}" if a.epochs else "") + ")` with one argument changed (command: "
            f"`python experiments/m4_hourly_intervals.py {' '.join(argv or sys.argv[1:])}`); {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}. MSIS and ACD as M4 defined them (m = 24); width in units of the in-sample "
            "seasonal-naive MAE; CRPS in its quantile form (q = 0.01 ... 0.99 of the 1,000 sample paths), scaled the same way; OWA of the point forecast (the "
            "median).\n\n" + head + body)  # fmt: skip
    print(text)
    write_section("m4_hourly_intervals", text)


if __name__ == "__main__":
    main()
