"""Prediction intervals: split-conformal from rolling-origin residuals, for any forecaster.

Calibration cuts ``n_windows`` forecast origins from the end of every series' history, refits
a fresh copy of the model on the data before each origin (no look-ahead), and collects the
absolute errors of its ``h``-step forecasts. Errors are divided by each series' scale (the
mean absolute one-step change of its history, as in MASE) so that series of different sizes
can be pooled; the pooled errors of horizon step j give the conformal quantile q_j(level), and
the interval of series i at step j is ``forecast +- q_j * scale_i``. Pooling across series
makes the calibration usable with few windows; calibrating per step lets intervals widen
with the horizon.
"""

from __future__ import annotations

import math

import numpy as np

from ..data.panel import slice_panel

__all__ = ["check_levels", "interval_names", "conformal_intervals", "series_scale"]


def check_levels(level) -> list:
    """Levels as a sorted list of floats in (0, 100); ``level=80`` means an 80% interval."""
    if isinstance(level, (int, float, np.integer, np.floating)) and not isinstance(level, bool):
        level = [level]
    try:
        levels = sorted({float(v) for v in level})
    except (TypeError, ValueError):
        raise ValueError(f"level must be a number or a list of numbers in (0, 100), got {level!r}") from None
    bad = [v for v in levels if not (0 < v < 100)]
    if not levels or bad:
        raise ValueError(f"level must hold numbers strictly between 0 and 100 (percent), got {level!r}")
    return levels


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def interval_names(name: str, levels) -> list:
    """Column names in Nixtla's order: point, lo (widest first), hi (narrowest first)."""
    lo = [f"{name}-lo-{_fmt(v)}" for v in sorted(levels, reverse=True)]
    hi = [f"{name}-hi-{_fmt(v)}" for v in sorted(levels)]
    return [name, *lo, *hi]


def stack_intervals(point, lo, hi, levels):
    """(n, h, 1 + 2L) array in the order of :func:`interval_names`.

    Parameters
    ----------
    point : (n, h) array
    lo, hi : (n, h, L) arrays, L levels in ascending order
    """
    order = np.argsort(levels)
    lo_cols = [lo[:, :, k] for k in order[::-1]]
    hi_cols = [hi[:, :, k] for k in order]
    return np.stack([point, *lo_cols, *hi_cols], axis=2)


def series_scale(values) -> float:
    """Mean absolute one-step change of a series (1.0 when it is zero or undefined)."""
    if values.size < 2:
        return 1.0
    s = float(np.mean(np.abs(np.diff(values))))
    return s if np.isfinite(s) and s > 0 else 1.0


def conformal_intervals(model, panel, h, point, levels, n_windows=None):
    """Split-conformal intervals around ``point`` for every series of ``panel``.

    Parameters
    ----------
    model : BaseForecaster
        Its parameters are used to refit fresh copies; the model itself is not changed.
    panel : Panel
        The history the forecasts were made from.
    h : int
    point : (n_series, h) array
        The point forecasts.
    levels : list of float
        Percent levels in (0, 100), ascending.
    n_windows : int, optional
        Calibration origins per series, ``h`` steps apart (default: 2 for 15 or more series,
        else as many as needed for about 30 errors per step, at most 10, and no more than the
        shortest series allows).

    Returns
    -------
    lo, hi : (n_series, h, L) arrays
    """
    lengths = panel.lengths
    S = panel.n_series
    max_windows = int((lengths.min() - 2) // h)
    if n_windows is None:
        n_windows = 2 if S >= 15 else min(10, math.ceil(30 / S))
        n_windows = max(1, min(n_windows, max_windows))
    if max_windows < n_windows or n_windows < 1:
        raise ValueError(
            f"conformal intervals need {n_windows} calibration windows of h={h} steps plus 2 values of history per "
            f"series; the shortest series has {int(lengths.min())} values. Lower h or pass fewer windows"
        )
    scales = np.array([series_scale(panel.series(i)) for i in range(S)])
    errors = []
    for k in range(n_windows, 0, -1):
        cut = lengths - k * h
        train = slice_panel(panel, np.zeros(S, dtype=np.int64), cut)
        fresh = type(model)(**model.get_params())
        if "verbose" in fresh.get_params():
            fresh.set_params(verbose=False)
        fresh._fit_panel(train)
        fc = np.asarray(fresh._predict(train, h, np.arange(S)), dtype=np.float64)[:, :h]
        actual = np.stack([panel.series(i)[cut[i] : cut[i] + h] for i in range(S)])
        errors.append(np.abs(actual - fc) / scales[:, None])
    errors = np.concatenate(errors, axis=0)  # (n_windows * S, h)
    n = errors.shape[0]
    q = np.empty((h, len(levels)))
    for li, level in enumerate(levels):
        # Split-conformal quantile: the ceil((n + 1) * level)-th smallest error.
        rank = min(n, math.ceil((n + 1) * level / 100.0))
        q[:, li] = np.sort(errors, axis=0)[rank - 1]
    width = q[None, :, :] * scales[:, None, None]
    return point[:, :, None] - width, point[:, :, None] + width
