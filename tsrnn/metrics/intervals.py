"""Quantile and interval metrics: pinball, coverage, width and M4's MSIS."""

from __future__ import annotations

import numpy as np

from .._validation import check_positive_int
from ._checks import _finite, _pair, _scales, _train_list

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
