"""Point metrics, ``metric(y, yhat, *, y_train=None, season_length=None) -> float``, M4's OWA and the registry."""

from __future__ import annotations

import numpy as np

from ._checks import _pair, _scales, _train_list

# --------------------------------------------------------------------------------------------
# point metrics: metric(y, yhat, *, y_train=None, season_length=None) -> float
# --------------------------------------------------------------------------------------------


def mae(y, yhat, *, y_train=None, season_length=None) -> float:
    """Mean absolute error.

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
        Actuals and forecasts.
    y_train, season_length
        Ignored (accepted for the common signature).

    Returns
    -------
    float
        ``mean |y - yhat|`` per series, then the mean over series.

    Examples
    --------
    >>> mae([1.0, 2.0, 4.0], [2.0, 2.0, 1.0])
    1.3333333333333333
    """
    a, b = _pair(y, yhat)
    return float(np.mean(np.mean(np.abs(a - b), axis=1)))


def rmse(y, yhat, *, y_train=None, season_length=None) -> float:
    """Root mean squared error, per series, then averaged over series.

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
    y_train, season_length
        Ignored.

    Returns
    -------
    float
        ``sqrt(mean (y - yhat)^2)`` per series, then the mean over series (not the RMSE of all
        values pooled).

    Examples
    --------
    >>> rmse([[0.0, 0.0], [0.0, 0.0]], [[3.0, 3.0], [1.0, 1.0]])
    2.0
    """
    a, b = _pair(y, yhat)
    return float(np.mean(np.sqrt(np.mean((a - b) ** 2, axis=1))))


def mape(y, yhat, *, y_train=None, season_length=None) -> float:
    """Mean absolute percentage error, in percent.

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
        ``y`` must have no zero.
    y_train, season_length
        Ignored.

    Returns
    -------
    float
        ``100 * mean |y - yhat| / |y|`` per series, then the mean over series.

    Raises
    ------
    ValueError
        If ``y`` has a zero (the percentage error is undefined there).

    Examples
    --------
    >>> mape([100.0, 200.0], [110.0, 150.0])
    17.5
    """
    a, b = _pair(y, yhat)
    if np.any(a == 0):
        bad = tuple(int(i) for i in np.argwhere(a == 0)[0])
        raise ValueError(f"mape is undefined where y is 0 (first at index {bad}); use smape or mae instead")
    return float(np.mean(np.mean(100.0 * np.abs(a - b) / np.abs(a), axis=1)))


def smape(y, yhat, *, y_train=None, season_length=None) -> float:
    """Symmetric mean absolute percentage error as M4 defines it, in percent (0 to 200).

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
    y_train, season_length
        Ignored.

    Returns
    -------
    float
        ``mean 200 |y - yhat| / (|y| + |yhat|)`` per series, then the mean over series. A step
        where both ``y`` and ``yhat`` are 0 counts as 0 (a perfect forecast).

    Examples
    --------
    >>> smape([100.0, 0.0], [300.0, 0.0])
    50.0
    """
    a, b = _pair(y, yhat)
    den = np.abs(a) + np.abs(b)
    terms = np.divide(200.0 * np.abs(a - b), den, out=np.zeros_like(den), where=den > 0)
    return float(np.mean(np.mean(terms, axis=1)))


def mase(y, yhat, y_train=None, season_length=None) -> float:
    """Mean absolute scaled error (M4): MAE over the in-sample seasonal-naive MAE.

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
    y_train : array_like, shape (T,), or list of S arrays of shape (T_s,)
        In-sample history of each series (more than ``season_length`` values).
    season_length : int
        The lag m of the scale (24 for M4 Hourly, 1 for non-seasonal data).

    Returns
    -------
    float
        ``mean |y - yhat| / mean_t |x_t - x_{t-m}|`` per series (x = its ``y_train``), then the
        mean over series.

    Raises
    ------
    ValueError
        If ``y_train`` or ``season_length`` is missing, or a training series has a zero scale
        (naming its position).

    Examples
    --------
    >>> mase([5.0, 7.0], [6.0, 6.0], y_train=[1.0, 2.0, 4.0], season_length=1)
    0.6666666666666666
    """
    a, b = _pair(y, yhat)
    series = _train_list(y_train, a.shape[0], np.ndim(y) == 1, season_length, "mase")
    scale = _scales(series, int(season_length), 1, "mase", np.ndim(y) == 1)
    return float(np.mean(np.mean(np.abs(a - b), axis=1) / scale))


def rmsse(y, yhat, y_train=None, season_length=None) -> float:
    """Root mean squared scaled error (M5): RMSE over the in-sample seasonal-naive RMSE.

    Parameters
    ----------
    y, yhat : array_like, shape (h,) or (S, h)
    y_train : array_like, shape (T,), or list of S arrays of shape (T_s,)
        In-sample history of each series (more than ``season_length`` values).
    season_length : int
        The lag m of the scale (1 for the M5 definition).

    Returns
    -------
    float
        ``sqrt(mean (y - yhat)^2 / mean_t (x_t - x_{t-m})^2)`` per series, then the mean over series.

    Raises
    ------
    ValueError
        As :func:`mase`.

    Examples
    --------
    >>> rmsse([5.0, 7.0], [6.0, 6.0], y_train=[1.0, 3.0, 5.0], season_length=1)
    0.5
    """
    a, b = _pair(y, yhat)
    series = _train_list(y_train, a.shape[0], np.ndim(y) == 1, season_length, "rmsse")
    scale = _scales(series, int(season_length), 2, "rmsse", np.ndim(y) == 1)
    return float(np.mean(np.sqrt(np.mean((a - b) ** 2, axis=1) / scale)))


# --------------------------------------------------------------------------------------------
# M4's overall weighted average
# --------------------------------------------------------------------------------------------


def owa(smape, mase, smape_naive2, mase_naive2) -> float:
    """M4's overall weighted average: sMAPE and MASE relative to the Naive2 benchmark.

    Parameters
    ----------
    smape, mase : float
        The method's sMAPE and MASE, each already averaged over all series (as returned by
        :func:`smape` and :func:`mase` on (S, h) arrays).
    smape_naive2, mase_naive2 : float
        The same figures for Naive2 on the same series; must be positive.

    Returns
    -------
    float
        ``(smape / smape_naive2 + mase / mase_naive2) / 2``: 1 is Naive2's accuracy, lower is better.

    Examples
    --------
    >>> round(owa(13.912, 1.193, 18.383, 2.395), 4)  # M4 Hourly, seasonal naive
    0.6275
    """
    figures = {"smape": smape, "mase": mase, "smape_naive2": smape_naive2, "mase_naive2": mase_naive2}
    vals = {}
    for name, v in figures.items():
        arr = np.asarray(v, dtype=np.float64) if isinstance(v, (int, float, np.number)) else None
        if arr is None or not np.isfinite(arr):
            raise ValueError(f"{name} must be a finite number (an average over series), got {v!r}")
        vals[name] = float(arr)
    for name in ("smape_naive2", "mase_naive2"):
        if vals[name] <= 0:
            raise ValueError(f"{name} must be positive to scale by, got {vals[name]}")
    return 0.5 * (vals["smape"] / vals["smape_naive2"] + vals["mase"] / vals["mase_naive2"])


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

#: Point metrics by name, all callable as ``metric(y, yhat, *, y_train=None, season_length=None)``.
METRICS = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "mase": mase,
    "rmsse": rmsse,
}


def get_metric(name):
    """A point metric by name (or a callable, returned as it is).

    Parameters
    ----------
    name : str or callable
        A key of :data:`METRICS` (case-insensitive), or a function following the convention
        ``metric(y, yhat, *, y_train=None, season_length=None) -> float``.

    Returns
    -------
    callable

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.

    Examples
    --------
    >>> get_metric("smape") is smape
    True
    """
    if callable(name):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key not in METRICS:
        raise ValueError(
            f"unknown metric {name!r}; expected one of {sorted(METRICS)} or a callable "
            "metric(y, yhat, *, y_train=None, season_length=None)"
        )
    return METRICS[key]
