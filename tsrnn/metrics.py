"""Forecast accuracy metrics over arrays, averaged the way the M4 competition averages them.

Shapes: ``h`` is the horizon (steps scored per series), ``S`` the number of series, ``Q`` the
number of quantiles. Every point metric takes the actuals ``y`` and forecasts ``yhat`` as two
arrays of one shape, ``(h,)`` for one series or ``(S, h)`` for S series of one horizon, and
returns a float: the metric of each series over its ``h`` steps, then the plain mean over the
``S`` series (as M4 does; for MAE, MAPE and sMAPE this equals the mean over all values, for
RMSE, MASE and RMSSE it does not).

Signature convention (what :func:`get_metric` hands out, what backtest's evaluate calls)::

    metric(y, yhat, *, y_train=None, season_length=None) -> float

Every metric in :data:`METRICS` accepts these keywords and ignores those it does not need;
the scaled metrics (:func:`mase`, :func:`rmsse`) require both. ``y_train`` is the in-sample
history of each series: one array of shape ``(T,)`` for a 1-D ``y``, a list of ``S`` arrays
(lengths may differ) for a 2-D ``y``.

The interval and quantile metrics (:func:`pinball`, :func:`coverage`, :func:`interval_width`)
take other arguments and are not in :data:`METRICS`; :func:`owa` combines already averaged
figures.

Every function refuses NaN and inf, mismatched shapes and empty arrays with a ValueError that
names the argument.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive_int

__all__ = [
    "METRICS",
    "coverage",
    "get_metric",
    "interval_width",
    "mae",
    "mape",
    "mase",
    "msis",
    "owa",
    "pinball",
    "rmse",
    "rmsse",
    "smape",
]


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _finite(value, name) -> np.ndarray:
    """``value`` as a float64 array, refusing non-numbers, empty arrays, NaN and inf."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} could not be read as an array of numbers ({exc})") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected at least one value")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {bad}: {arr[bad]}); metrics need finite values")
    return arr


def _pair(y, yhat, names=("y", "yhat")) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64 of shape (S, h) (S = 1 for 1-D input), after checking they match."""
    a = _finite(y, names[0])
    b = _finite(yhat, names[1])
    if a.ndim not in (1, 2):
        raise ValueError(f"{names[0]} has shape {a.shape}; expected (h,) for one series or (S, h) for S series")
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} has shape {a.shape} but {names[1]} has shape {b.shape}; expected the same shape")
    return np.atleast_2d(a), np.atleast_2d(b)


def _train_list(y_train, n_series, one_d, season_length, metric) -> list[np.ndarray]:
    """The in-sample series as a list of S finite 1-D arrays longer than ``season_length``."""
    if y_train is None:
        raise ValueError(f"{metric} needs y_train, the in-sample history its errors are scaled by")
    if season_length is None:
        raise ValueError(f"{metric} needs season_length, the lag m of the naive scale (1 for non-seasonal data)")
    check_positive_int(season_length, "season_length")
    if one_d:
        series = [_finite(y_train, "y_train")]
        if series[0].ndim != 1:
            raise ValueError(f"y_train has shape {series[0].shape}; expected (T,) for a 1-D y")
    else:
        if isinstance(y_train, np.ndarray) and y_train.ndim == 1 and y_train.dtype != object:
            raise ValueError(f"y_train has shape {y_train.shape}; expected a list of S={n_series} arrays for a 2-D y")
        try:
            series = list(y_train)
        except TypeError:
            raise ValueError(f"y_train must be a list of S={n_series} arrays, got {type(y_train).__name__}") from None
        if len(series) != n_series:
            raise ValueError(
                f"y_train holds {len(series)} series but y has {n_series}; expected one history per series"
            )
        series = [_finite(s, f"y_train[{i}]") for i, s in enumerate(series)]
        for i, s in enumerate(series):
            if s.ndim != 1:
                raise ValueError(f"y_train[{i}] has shape {s.shape}; expected a 1-D history (T,)")
    for i, s in enumerate(series):
        if s.size <= season_length:
            label = "y_train" if one_d else f"y_train[{i}]"
            raise ValueError(
                f"{label} has {s.size} values; {metric} with season_length={season_length} needs more than "
                f"{season_length} to compute its scale"
            )
    return series


def _scales(series, m, power, metric, one_d) -> np.ndarray:
    """Per-series in-sample scale: mean of |x_t - x_{t-m}| ** power."""
    scale = np.array([np.mean(np.abs(s[m:] - s[:-m]) ** power) for s in series])
    zero = np.flatnonzero(scale == 0)
    if zero.size:
        which = "y_train" if one_d else f"y_train[{int(zero[0])}]"
        more = "" if zero.size == 1 else f" (and {zero.size - 1} more series: positions {zero[1:6].tolist()}...)"
        raise ValueError(
            f"{metric} is undefined: {which} has a zero scale (x_t == x_(t-{m}) at every step, e.g. a constant "
            f"series){more}; use a scale-free metric such as mae or smape for it"
        )
    return scale


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
# quantiles and intervals
# --------------------------------------------------------------------------------------------


def pinball(y, q_pred, quantiles) -> float:
    """Pinball (quantile) loss, averaged over steps, series and quantiles.

    Parameters
    ----------
    y : array_like, shape (h,) or (S, h)
        Actuals.
    q_pred : array_like, shape (h, Q) or (S, h, Q)
        Forecast quantiles: ``q_pred[..., j]`` is the forecast of quantile ``quantiles[j]``.
    quantiles : array_like, shape (Q,)
        Levels strictly between 0 and 1.

    Returns
    -------
    float
        ``mean over j of mean_t max(q_j (y - f_j), (q_j - 1)(y - f_j))``, per series, then the mean
        over series. For ``quantiles=[0.5]`` it is half the MAE of the median forecast.

    Examples
    --------
    >>> pinball([10.0, 10.0], [[8.0, 12.0], [11.0, 13.0]], [0.1, 0.9])
    0.4
    """
    a = _finite(y, "y")
    f = _finite(q_pred, "q_pred")
    q = _finite(quantiles, "quantiles")
    if a.ndim not in (1, 2):
        raise ValueError(f"y has shape {a.shape}; expected (h,) for one series or (S, h) for S series")
    if q.ndim != 1:
        raise ValueError(f"quantiles has shape {q.shape}; expected (Q,)")
    if np.any((q <= 0) | (q >= 1)):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {q.tolist()}")
    if f.shape != a.shape + q.shape:
        raise ValueError(
            f"q_pred has shape {f.shape}; expected y's shape {a.shape} plus one axis of Q={q.size} quantiles: "
            f"{a.shape + q.shape}"
        )
    diff = a[..., None] - f
    loss = np.maximum(q * diff, (q - 1.0) * diff)
    return float(np.mean(np.mean(loss, axis=(-2, -1))))


def _interval(lo, hi) -> tuple[np.ndarray, np.ndarray]:
    lo_, hi_ = _pair(lo, hi, names=("lo", "hi"))
    if np.any(hi_ < lo_):
        bad = tuple(int(i) for i in np.argwhere(hi_ < lo_)[0])
        raise ValueError(
            f"hi is below lo at index {bad} ({hi_[bad]} < {lo_[bad]}) of the (S, h) arrays; expected lo <= hi"
        )
    return lo_, hi_


def coverage(y, lo, hi) -> float:
    """Share of actuals inside their prediction interval (bounds included).

    Parameters
    ----------
    y, lo, hi : array_like, shape (h,) or (S, h)
        Actuals and the interval's lower and upper bounds (``lo <= hi``).

    Returns
    -------
    float
        Between 0 and 1: the share of steps with ``lo <= y <= hi`` per series, then the mean
        over series; compare it with the interval's nominal level (0.8 for an 80% interval).

    Examples
    --------
    >>> coverage([1.0, 5.0, 3.0, 2.0], [0.0, 0.0, 0.0, 2.0], [2.0, 2.0, 4.0, 3.0])
    0.75
    """
    lo_, hi_ = _interval(lo, hi)
    a, _ = _pair(y, lo, names=("y", "lo"))
    inside = (a >= lo_) & (a <= hi_)
    return float(np.mean(np.mean(inside, axis=1)))


def interval_width(lo, hi) -> float:
    """Mean width of prediction intervals.

    Parameters
    ----------
    lo, hi : array_like, shape (h,) or (S, h)
        Lower and upper bounds (``lo <= hi``).

    Returns
    -------
    float
        ``mean (hi - lo)`` per series, then the mean over series (in the data's units).

    Examples
    --------
    >>> interval_width([0.0, 1.0], [2.0, 4.0])
    2.5
    """
    lo_, hi_ = _interval(lo, hi)
    return float(np.mean(np.mean(hi_ - lo_, axis=1)))


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


def msis(y, lo, hi, *, y_train, season_length, level=95.0) -> float:
    """Mean scaled interval score (M4): interval width plus penalties for misses, over the in-sample scale.

    Per series: ``mean_t[(hi - lo) + 2/a * (lo - y) * [y < lo] + 2/a * (y - hi) * [y > hi]]``
    divided by the in-sample seasonal-naive MAE, with ``a = 1 - level / 100``; then the mean
    over series. Lower is better.

    Parameters
    ----------
    y, lo, hi : array_like, shape (h,) or (S, h)
        Actuals and the interval bounds.
    y_train : array_like (for 1-D input) or list of S arrays
        In-sample history of every series.
    season_length : int
        Seasonal lag m of the scale.
    level : float, default 95
        The interval's level in percent (M4 used 95).

    Examples
    --------
    >>> round(msis([3.0, 5.0], [2.0, 2.0], [4.0, 4.0], y_train=[1.0, 2.0, 3.0, 4.0], season_length=1, level=80), 3)
    7.0
    """
    if not 0 < level < 100:
        raise ValueError(f"level must be in (0, 100) percent, got {level!r}")
    a_ = 1.0 - level / 100.0
    lo_, hi_ = _interval(lo, hi)
    act, _ = _pair(y, lo, names=("y", "lo"))
    one_d = np.ndim(y) == 1
    m = check_positive_int(season_length, "season_length") if season_length is not None else None
    if m is None:
        raise ValueError("msis needs season_length (the seasonal lag of the in-sample scale)")
    train = _train_list(y_train, act.shape[0], one_d, m, "msis")
    scale = _scales(train, m, 1, "msis", one_d)
    score = (hi_ - lo_) + 2 / a_ * (lo_ - act) * (act < lo_) + 2 / a_ * (act - hi_) * (act > hi_)
    return float(np.mean(np.mean(score, axis=1) / scale))
