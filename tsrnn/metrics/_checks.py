"""Input checks and in-sample scales shared by every metric (arrays in, float64 (S, h) out)."""

from __future__ import annotations

import numpy as np

from .._validation import check_positive_int


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
