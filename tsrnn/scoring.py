"""Scoring a backtest: :func:`evaluate` turns :func:`tsrnn.backtest`'s frame into a leaderboard.

Three kinds of metric, by what they read from the frame:

- point metrics (:data:`tsrnn.metrics.METRICS`): the model's column against ``y``;
- interval metrics, one column per level L (``coverage_80``...): the ``MODEL-lo-L`` and
  ``MODEL-hi-L`` bounds;
- distribution metrics, one column each: "crps", "scaled_crps" and "spl" read every bound of
  the model as a quantile (level L gives the quantiles ``(100 - L) / 200`` and
  ``(100 + L) / 200``) and use the quantile form of the CRPS (``2 * mean pinball``, as
  utilsforecast and GluonTS report it); with ``samples=`` (the long frame of sample paths
  ``backtest(..., num_samples=N)`` returns), "crps" and "scaled_crps" are the exact CRPS of
  the samples instead.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .data.panel import to_panel

__all__ = ["evaluate"]

_INTERVAL_COL = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")
_INTERVAL_METRICS = ("coverage", "width", "msis", "pinball", "acd")
_DISTRIBUTION_METRICS = ("crps", "scaled_crps", "spl")


def _interval_levels(columns):
    """``{model: [level text, ...]}`` for every model with both bounds of a level in ``columns``."""
    found = {}
    for c in columns:
        m = _INTERVAL_COL.match(str(c))
        if m and m["side"] == "lo" and f"{m['model']}-hi-{m['level']}" in columns:
            found.setdefault(m["model"], []).append(m["level"])
    return {k: sorted(v, key=float) for k, v in found.items()}


def evaluate(cv, metrics=("mae", "rmse", "smape"), y=None, season_length=None, by="model", samples=None):
    """Score a backtest: a leaderboard of every model, optionally per series.

    Parameters
    ----------
    cv : pandas.DataFrame
        Output of :func:`backtest`.
    metrics : sequence of str
        Point metrics from :data:`tsrnn.metrics.METRICS` (e.g. "mae", "rmse", "smape",
        "mase", "rmsse"); for backtests run with ``level=``, "coverage", "width", "msis",
        "acd" (M4's absolute coverage difference) and "pinball", reported per level as
        ``coverage_80``, ``width_80``... ("pinball": the mean pinball loss of the two bounds
        read as the quantiles ``(100 - L) / 200`` and ``(100 + L) / 200`` of level L); and the
        distribution scores "crps", "scaled_crps" (CRPS over the in-sample seasonal-naive MAE,
        as MASE scales) and "spl" (M5's scaled pinball loss over every bound, lag-1 scale).
        Without ``samples`` the CRPS is the quantile form over all the model's bounds (more
        levels give a finer grid: level=[10, 20, ..., 90] reads 18 quantiles).
    y : pandas object, optional
        The history given to the backtest; needed by scaled metrics (mase, rmsse, msis,
        scaled_crps, spl), whose scale is computed on each fold's training data only.
    season_length : int, optional
        Seasonal lag of mase/rmsse/msis/scaled_crps (required by them).
    by : {"model", "series"}
        One row per model (metrics averaged over series and cutoffs, ranked by the first
        metric), or one row per (unique_id, model).
    samples : pandas.DataFrame, optional
        Sample paths of the same backtest: columns ``unique_id``, ``cutoff``, ``ds``,
        ``sample`` and one per model (``backtest(..., num_samples=N)``'s second frame). Models
        present in it get the exact sample CRPS.

    Returns
    -------
    pandas.DataFrame
    """
    from .metrics import get_metric

    if by not in ("model", "series"):
        raise ValueError(f"by={by!r} is not known; expected 'model' or 'series'")
    required = {"unique_id", "cutoff", "ds", "y"}
    if not isinstance(cv, pd.DataFrame) or not required <= set(cv.columns):
        raise ValueError(f"cv must be the DataFrame backtest returns, with columns {sorted(required)} and one per model")
    models = [c for c in cv.columns if c not in required | {"error"} and not _INTERVAL_COL.match(str(c))]
    if not models:
        raise ValueError("cv has no model columns")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    lower = [str(m).lower() for m in metrics]
    interval_metrics = [m for m in lower if m in _INTERVAL_METRICS]
    dist_metrics = [m for m in lower if m in _DISTRIBUTION_METRICS]
    fns = {m: get_metric(m) for m in metrics if str(m).lower() not in _INTERVAL_METRICS + _DISTRIBUTION_METRICS}
    levels = _interval_levels(set(cv.columns))
    draws = _sample_draws(samples, models) if samples is not None else {}
    _check_metric_needs(interval_metrics, dist_metrics, levels, draws, y, season_length, lower)
    history = stamps = None
    if y is not None:
        panel = to_panel(y)
        history = {k: panel.series(i) for i, k in enumerate(panel.ids)}
        stamps = {k: panel.axis.history(i) for i, k in enumerate(panel.ids)}
    all_levels = sorted({x for v in levels.values() for x in v}, key=float)
    names = list(fns) + [f"{m}_{lv}" for m in interval_metrics for lv in all_levels] + dist_metrics
    context = {"fns": fns, "levels": levels, "interval_metrics": interval_metrics, "dist_metrics": dist_metrics,
               "history": history, "stamps": stamps, "season_length": season_length, "draws": draws}
    rows = _score_rows(cv, models, context)
    scores = pd.DataFrame(rows).reindex(columns=["unique_id", "cutoff", "model", *names])
    if by == "series":
        return scores.groupby(["unique_id", "model"], sort=False)[names].mean().reset_index()
    board = scores.groupby("model", sort=False)[names].mean()
    board["failed_windows"] = scores.groupby("model", sort=False)[names[0]].apply(lambda s: int(s.isna().sum()))
    board = board.sort_values(names[0], kind="stable")
    board.insert(0, "rank", np.arange(1, len(board) + 1))
    return board.reset_index()


def _check_metric_needs(interval_metrics, dist_metrics, levels, draws, y, season_length, metrics):
    if interval_metrics and not levels:
        raise ValueError(f"metrics {interval_metrics} need interval columns: run backtest(..., level=[80, 95])")
    if dist_metrics and not levels and not draws:
        raise ValueError(f"metrics {dist_metrics} need a forecast distribution: run backtest(..., level=[10, 20, ..., "
                         "90]) for quantiles, or pass samples= (sample paths of the backtest)")  # fmt: skip
    scaled = [m for m in metrics if m in ("mase", "rmsse", "msis", "scaled_crps", "spl")]
    if scaled and (y is None or (season_length is None and scaled != ["spl"])):
        raise ValueError(f"metrics {scaled} scale errors by the in-sample seasonal naive error: pass y= (the history "
                         "given to backtest) and season_length=")  # fmt: skip


def _sample_draws(samples, models):
    """``{(unique_id, cutoff): {model: (h, N) array}}`` from the long frame of sample paths."""
    need = {"unique_id", "cutoff", "ds", "sample"}
    if not isinstance(samples, pd.DataFrame) or not need <= set(samples.columns):
        raise ValueError(f"samples must be a DataFrame with columns {sorted(need)} and one per model (backtest(..., "
                         "num_samples=N) returns it)")  # fmt: skip
    present = [m for m in models if m in samples.columns]
    if not present:
        raise ValueError(f"samples has none of the backtest's model columns {models}")
    draws = {}
    for key, g in samples.groupby(["unique_id", "cutoff"], sort=False):
        g = g.sort_values(["ds", "sample"], kind="stable")
        h = g["ds"].nunique()
        draws[key] = {m: g[m].to_numpy(dtype=np.float64).reshape(h, -1) for m in present}
    return draws


def _bounds(g, model, levels):
    """(quantile levels (Q,), quantile forecasts (h, Q)) from every bound of ``model`` in the group."""
    qs, cols = [], []
    for lv in levels:
        alpha = (100.0 - float(lv)) / 200.0
        qs += [alpha, 1.0 - alpha]
        cols += [g[f"{model}-lo-{lv}"].to_numpy(dtype=np.float64), g[f"{model}-hi-{lv}"].to_numpy(dtype=np.float64)]
    return np.asarray(qs), np.stack(cols, axis=-1)


def _score_rows(cv, models, ctx):
    """One dict of scores per (series, cutoff, model) of ``cv``, for :func:`evaluate`.

    ``ctx`` holds the point metrics by name (``fns``), ``levels`` (``{model: [level text]}``),
    every series' values and timestamps (``history``, ``stamps``; None without ``y``) and the
    sample draws. A failed forecast (a NaN) scores NaN.
    """
    rows = []
    for (uid, cutoff), g in cv.groupby(["unique_id", "cutoff"], sort=False):
        actual = g["y"].to_numpy(dtype=np.float64)
        train = None
        if ctx["history"] is not None:
            if uid not in ctx["history"]:
                raise ValueError(f"series {uid!r} of cv is not in y")
            train = ctx["history"][uid][: ctx["stamps"][uid].get_loc(cutoff) + 1]
        for model in models:
            fc = g[model].to_numpy(dtype=np.float64)
            row = {"unique_id": uid, "cutoff": cutoff, "model": model}
            failed = np.isnan(fc).any()
            for name, fn in ctx["fns"].items():
                row[name] = np.nan if failed else float(fn(actual, fc, y_train=train, season_length=ctx["season_length"]))
            _interval_scores(row, g, model, actual, train, failed, ctx)
            _distribution_scores(row, g, model, actual, train, failed, ctx, ctx["draws"].get((uid, cutoff)))
            rows.append(row)
    return rows


def _interval_scores(row, g, model, actual, train, failed, ctx):
    from .metrics import acd, coverage, interval_width, msis, pinball

    for lv in ctx["levels"].get(model, []):
        lo = g[f"{model}-lo-{lv}"].to_numpy(dtype=np.float64)
        hi = g[f"{model}-hi-{lv}"].to_numpy(dtype=np.float64)
        bad = failed or np.isnan(lo).any() or np.isnan(hi).any()
        for m in ctx["interval_metrics"]:
            if bad:
                row[f"{m}_{lv}"] = np.nan
            elif m == "coverage":
                row[f"{m}_{lv}"] = coverage(actual, lo, hi)
            elif m == "width":
                row[f"{m}_{lv}"] = interval_width(lo, hi)
            elif m == "acd":
                row[f"{m}_{lv}"] = acd(actual, lo, hi, float(lv))
            elif m == "pinball":
                alpha = (100.0 - float(lv)) / 200.0
                row[f"{m}_{lv}"] = pinball(actual, np.stack([lo, hi], axis=-1), [alpha, 1.0 - alpha])
            else:
                row[f"{m}_{lv}"] = msis(actual, lo, hi, y_train=train, season_length=ctx["season_length"],
                                        level=float(lv))  # fmt: skip


def _distribution_scores(row, g, model, actual, train, failed, ctx, draws):
    from .metrics import (
        crps,
        quantile_crps,
        scaled_crps,
        scaled_pinball,
        scaled_quantile_crps,
    )

    if not ctx["dist_metrics"]:
        return
    x = None if draws is None else draws.get(model)
    levels = ctx["levels"].get(model, [])
    qs, qf = _bounds(g, model, levels) if levels else (None, None)
    bad = failed or (x is None and (qf is None or np.isnan(qf).any())) or (x is not None and np.isnan(x).any())
    for m in ctx["dist_metrics"]:
        if bad or (m == "spl" and qf is None):
            row[m] = np.nan
        elif m == "crps":
            row[m] = crps(actual, x) if x is not None else quantile_crps(actual, qf, qs)
        elif m == "scaled_crps" and x is not None:
            row[m] = scaled_crps(actual, x, y_train=train, season_length=ctx["season_length"])
        elif m == "scaled_crps":
            row[m] = scaled_quantile_crps(actual, qf, qs, y_train=train, season_length=ctx["season_length"])
        else:
            row[m] = scaled_pinball(actual, qf, qs, y_train=train, season_length=1)

