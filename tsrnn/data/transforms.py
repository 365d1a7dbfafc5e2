"""Per-series scaling and differencing for many series stored CSR-style.

Many series live in one array with an offsets index: ``values`` of shape (N,) holds
every series one after the other and ``indptr`` of shape (S+1,) marks where each
begins, so series ``i`` is ``values[indptr[i]:indptr[i + 1]]``.

Shape letters: N total observations, S series, h forecast horizon, Q quantiles,
K the number of history values kept per series to undo differencing.

The forward path is ``difference`` then ``fit_scaler``/``scale``; forecasts come back
through ``unscale`` then ``undifference``. Every statistic this module returns is a
plain float64 array, so it saves with ``np.savez`` or as a JSON list without pickle.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALERS", "fit_scaler", "scale", "unscale", "difference", "undifference"]

SCALERS = ("standard", "minmax", "robust", None)

_SHOW = 10  # at most this many offending series are named in an error message


# --------------------------------------------------------------------------- checks


def _as_float64(value, name: str, ndim: int | tuple[int, ...], finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 ndarray of rank ``ndim`` (int or float input; no bool, no objects)."""
    ranks = (ndim,) if isinstance(ndim, int) else ndim
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} has dtype {arr.dtype}; expected real numbers (float64, or ints/floats cast to it)")
    if arr.ndim not in ranks:
        want = " or ".join(str(r) for r in ranks)
        raise ValueError(f"{name} has {arr.ndim} dimensions (shape {arr.shape}); expected {want}")
    arr = arr.astype(np.float64, copy=False)
    if finite and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {bad}: {arr[bad]}); expected finite values")
    return arr


def _check_csr(values, indptr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a CSR pair and return ``(values, indptr, lengths)`` as float64, int64, int64."""
    values = _as_float64(values, "values", 1)
    ptr = np.asarray(indptr)
    if ptr.dtype.kind not in "iu" or ptr.ndim != 1 or ptr.size < 1:
        raise ValueError(
            f"indptr has dtype {ptr.dtype} and shape {ptr.shape}; expected int64 of shape (S+1,) "
            "(offsets of each series in values, starting at 0)"
        )
    ptr = ptr.astype(np.int64, copy=False)
    if ptr[0] != 0 or ptr[-1] != values.shape[0]:
        raise ValueError(
            f"indptr runs from {ptr[0]} to {ptr[-1]}; expected it to run from 0 to len(values) = {values.shape[0]}"
        )
    lengths = np.diff(ptr)
    if np.any(lengths < 0):
        i = int(np.argmax(lengths < 0))
        raise ValueError(
            f"indptr decreases at position {i} ({ptr[i]} -> {ptr[i + 1]}); expected non-decreasing offsets"
        )
    return values, ptr, lengths


def _name_series(positions: np.ndarray, lengths: np.ndarray) -> str:
    """'positions [..] (lengths [..])', capped at ``_SHOW`` series."""
    shown = positions[:_SHOW]
    more = f" and {positions.size - _SHOW} more" if positions.size > _SHOW else ""
    return f"positions {shown.tolist()}{more} (lengths {lengths[shown].tolist()})"


def _check_stats(stats, n_series: int | None) -> np.ndarray:
    stats = _as_float64(stats, "stats", 2)
    if stats.shape[1] != 2 or (n_series is not None and stats.shape[0] != n_series):
        want = "S" if n_series is None else f"S={n_series}"
        raise ValueError(f"stats has shape {stats.shape}; expected ({want}, 2): one (loc, scale) row per series")
    if np.any(stats[:, 1] == 0):
        i = int(np.argmax(stats[:, 1] == 0))
        raise ValueError(f"stats has scale 0 for the series at position {i}; expected non-zero scales (see fit_scaler)")
    return stats


def _check_order(d, m, D) -> tuple[int, int | None, int]:
    for name, value, allowed in (("d", d, (0, 1, 2)), ("D", D, (0, 1))):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if m is not None:
        if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)) or m < 2:
            raise ValueError(f"m (season length) must be an integer >= 2 or None, got {m!r}")
        m = int(m)
    if D and m is None:
        raise ValueError(f"seasonal differencing D={D} needs the season length m (an integer >= 2), got m=None")
    return int(d), m, int(D)


# --------------------------------------------------------------------------- scaling


def _segment_quantile(sorted_values: np.ndarray, indptr: np.ndarray, lengths: np.ndarray, q: float) -> np.ndarray:
    """Per-series quantile with linear interpolation (NumPy's default) of values sorted within each series."""
    pos = indptr[:-1] + q * (lengths - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, indptr[1:] - 1)
    frac = pos - lo
    return sorted_values[lo] + frac * (sorted_values[hi] - sorted_values[lo])


def fit_scaler(kind, values, indptr) -> np.ndarray:
    """Fit one location and scale per series.

    Parameters
    ----------
    kind : {"standard", "minmax", "robust", None}
        ``"standard"``: mean and population standard deviation (ddof=0).
        ``"minmax"``: minimum and range (max - min), so each series maps onto [0, 1].
        ``"robust"``: median and interquartile range (75th - 25th percentile, linear interpolation).
        ``None``: location 0 and scale 1 (no scaling).
    values : ndarray of shape (N,)
        All series concatenated; ints and floats are read as float64. Must be finite.
    indptr : ndarray of int64, shape (S+1,)
        Offsets: series ``i`` is ``values[indptr[i]:indptr[i+1]]``. Every series must be non-empty.

    Returns
    -------
    stats : ndarray of float64, shape (S, 2)
        Column 0 is the location, column 1 the scale. Nothing else is returned and no warning
        is raised: a scale that comes out zero or not finite (a constant series, an IQR of zero,
        an overflowing range) is replaced by 1, and a constant series keeps its value as location
        (exactly, with no rounding from the mean), so it scales to all zeros.

    Raises
    ------
    ValueError
        For an unknown ``kind`` (the message lists the valid ones), malformed ``values`` or
        ``indptr``, or empty series (named by position).

    Examples
    --------
    >>> values = np.array([1.0, 2.0, 3.0, 10.0, 10.0])
    >>> fit_scaler("minmax", values, np.array([0, 3, 5]))
    array([[ 1.,  2.],
           [10.,  1.]])
    """
    if kind not in SCALERS:
        raise ValueError(f"unknown scaler {kind!r}; expected one of {SCALERS}")
    values, indptr, lengths = _check_csr(values, indptr)
    n_series = lengths.shape[0]
    stats = np.empty((n_series, 2), dtype=np.float64)
    if kind is None:
        stats[:, 0], stats[:, 1] = 0.0, 1.0
        return stats
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"cannot fit a {kind!r} scaler to empty series: {_name_series(empty, lengths)}; "
            "expected every series to have at least one value"
        )
    if n_series == 0:
        return stats
    starts = indptr[:-1]
    lo = np.minimum.reduceat(values, starts)
    hi = np.maximum.reduceat(values, starts)
    if kind == "standard":
        ids = np.repeat(np.arange(n_series), lengths)
        with np.errstate(over="ignore", invalid="ignore"):
            loc = np.bincount(ids, weights=values, minlength=n_series) / lengths
            centred = values - loc[ids]
            spread = np.sqrt(np.bincount(ids, weights=centred * centred, minlength=n_series) / lengths)
    elif kind == "minmax":
        loc = lo
        with np.errstate(over="ignore", invalid="ignore"):
            spread = hi - lo
    else:
        ids = np.repeat(np.arange(n_series), lengths)
        sorted_values = values[np.lexsort((values, ids))]
        loc = _segment_quantile(sorted_values, indptr, lengths, 0.5)
        with np.errstate(over="ignore", invalid="ignore"):
            q75 = _segment_quantile(sorted_values, indptr, lengths, 0.75)
            spread = q75 - _segment_quantile(sorted_values, indptr, lengths, 0.25)
    constant = lo == hi
    stats[:, 0] = np.where(constant, lo, loc)
    stats[:, 1] = np.where(constant | (spread == 0) | ~np.isfinite(spread), 1.0, spread)
    return stats


def scale(values, indptr, stats) -> np.ndarray:
    """Scale every series with its own statistics: ``(values - loc) / scale``.

    Parameters
    ----------
    values : ndarray of shape (N,)
        All series concatenated (read as float64).
    indptr : ndarray of int64, shape (S+1,)
        Offsets of each series in ``values``.
    stats : ndarray of float64, shape (S, 2)
        Location and scale per series, as returned by :func:`fit_scaler`.

    Returns
    -------
    ndarray of float64, shape (N,)
        A new array laid out like ``values`` (same ``indptr``).
    """
    values, indptr, lengths = _check_csr(values, indptr)
    stats = _check_stats(stats, lengths.shape[0])
    return (values - np.repeat(stats[:, 0], lengths)) / np.repeat(stats[:, 1], lengths)


def unscale(x, stats) -> np.ndarray:
    """Undo :func:`scale` on per-series arrays: ``x * scale + loc``, row by row.

    Parameters
    ----------
    x : ndarray of shape (S,) or (S, ...)
        One row per series, e.g. forecasts of shape (S, h) or quantile forecasts (S, h, Q);
        the statistics broadcast over every trailing axis. NaN passes through.
    stats : ndarray of float64, shape (S, 2)
        Location and scale per series, as returned by :func:`fit_scaler`.

    Returns
    -------
    ndarray of float64, the shape of ``x``
    """
    if np.ndim(x) == 0:
        raise ValueError(f"x is a scalar ({x!r}); expected an array of shape (S,) or (S, ...), one row per series")
    x = _as_float64(x, "x", np.ndim(x), finite=False)
    stats = _as_float64(stats, "stats", 2)
    if stats.shape[1] != 2 or stats.shape[0] != x.shape[0]:
        raise ValueError(
            f"stats has shape {stats.shape} for x of shape {x.shape}; expected (S={x.shape[0]}, 2): "
            "one (loc, scale) row per row of x"
        )
    trailing = (1,) * (x.ndim - 1)
    return x * stats[:, 1].reshape(-1, *trailing) + stats[:, 0].reshape(-1, *trailing)


# --------------------------------------------------------------------------- differencing


def _lag_difference(values: np.ndarray, indptr: np.ndarray, lengths: np.ndarray, lag: int):
    """``y_t - y_{t-lag}`` within each series (each series loses its first ``lag`` values)."""
    position = np.arange(values.shape[0]) - np.repeat(indptr[:-1], lengths)
    keep = position >= lag
    out = values[lag:] - values[:-lag] if values.shape[0] > lag else values[:0]
    new_lengths = lengths - lag
    new_indptr = np.concatenate(([0], np.cumsum(new_lengths))).astype(np.int64)
    return out[keep[lag:]], new_indptr, new_lengths


def difference(values, indptr, d=0, m=None, D=0):
    """Difference every series: seasonally first (``y_t - y_{t-m}``, D times), then ordinarily d times.

    Parameters
    ----------
    values : ndarray of shape (N,)
        All series concatenated (read as float64). Must be finite.
    indptr : ndarray of int64, shape (S+1,)
        Offsets of each series in ``values``.
    d : {0, 1, 2}
        Order of ordinary differencing.
    m : int >= 2, optional
        Season length; required when ``D`` is 1, checked but unused when ``D`` is 0.
    D : {0, 1}
        Order of seasonal differencing.

    Returns
    -------
    new_values : ndarray of float64, shape (N - S*K,)
        The differenced series, concatenated; each is ``K = D*m + d`` values shorter.
    new_indptr : ndarray of int64, shape (S+1,)
        Offsets of the differenced series.
    tails : ndarray of float64, shape (S, K)
        The history :func:`undifference` needs. Columns ``0 .. D*m-1`` hold the last ``m``
        values of the original series (oldest first, only when ``D`` is 1); column ``D*m + j``
        holds the last value of the series after the seasonal step and ``j`` ordinary
        differences (``j = 0 .. d-1``). Being a plain array it stores as is:
        ``np.savez(path, tails=tails)`` and ``np.load(path)["tails"]``, or
        ``json.dumps(tails.tolist())`` and ``np.asarray(json.loads(text), dtype=np.float64).reshape(S, K)``
        (the reshape matters when S or K is 0).

    Raises
    ------
    ValueError
        For ``d`` not in {0, 1, 2}, ``D`` not in {0, 1}, ``D`` without ``m``, ``m < 2``, malformed
        input, or series of at most ``K`` values (named by position and length), which would be empty.

    Examples
    --------
    >>> new_values, new_indptr, tails = difference(np.array([1.0, 3.0, 6.0, 5.0, 5.0]), np.array([0, 3, 5]), d=1)
    >>> new_values, new_indptr, tails
    (array([2., 3., 0.]), array([0, 2, 3]), array([[6.],
           [5.]]))
    """
    d, m, D = _check_order(d, m, D)
    values, indptr, lengths = _check_csr(values, indptr)
    removed = D * (m or 0) + d
    short = np.flatnonzero(lengths <= removed)
    if short.size:
        raise ValueError(
            f"series at {_name_series(short, lengths)} are too short to difference with d={d}, D={D}, m={m}: "
            f"that removes {removed} values, so each series needs at least {removed + 1}"
        )
    tails = np.empty((lengths.shape[0], removed), dtype=np.float64)
    if D:
        tails[:, :m] = values[indptr[1:, None] - m + np.arange(m)]
        values, indptr, lengths = _lag_difference(values, indptr, lengths, m)
    for j in range(d):
        tails[:, D * (m or 0) + j] = values[indptr[1:] - 1]
        values, indptr, lengths = _lag_difference(values, indptr, lengths, 1)
    if removed == 0:
        values, indptr = values.copy(), indptr.copy()
    return values, indptr, tails


def undifference(forecasts, tails, d=0, m=None, D=0) -> np.ndarray:
    """Turn forecasts of the differenced series back into forecasts of the original series.

    Ordinary differences are integrated first (a running sum from each stored last value),
    then seasonal ones: ``y_{T+k} = y_{T+k-m} + s_{T+k}``, which uses the stored history for
    ``k <= m`` and earlier forecasts beyond it, so any horizon ``h`` works.

    Parameters
    ----------
    forecasts : ndarray of shape (S, h) or (S, h, Q)
        Future values of the differenced series, on its scale (unscale them first). Each
        quantile column is integrated on its own; note that a running sum of per-step quantiles
        is not in general the quantile of the sum, so wider bands should come from sample paths.
        NaN passes through (and spreads forward, as integration does).
    tails : ndarray of float64, shape (S, K)
        The history returned by :func:`difference` with the same ``d``, ``m``, ``D``; ``K = D*m + d``.
    d, m, D
        The differencing orders given to :func:`difference`.

    Returns
    -------
    ndarray of float64, the shape of ``forecasts``
        The forecasts on the original (undifferenced) scale.

    Examples
    --------
    >>> undifference(np.array([[1.0, 1.0], [0.0, -2.0]]), np.array([[6.0], [5.0]]), d=1)
    array([[7., 8.],
           [5., 3.]])
    """
    d, m, D = _check_order(d, m, D)
    out = _as_float64(forecasts, "forecasts", (2, 3), finite=False)
    n_series, h = out.shape[:2]
    k = D * (m or 0) + d
    tails = _as_float64(tails, "tails", 2)
    if tails.shape != (n_series, k):
        raise ValueError(
            f"tails has shape {tails.shape}; expected (S={n_series}, K={k}) for forecasts of shape {out.shape} "
            f"and d={d}, D={D}, m={m} (K = D*m + d)"
        )
    if k == 0:
        return out.copy()
    squeeze = out.ndim == 2
    if squeeze:
        out = out[:, :, None]
    for j in reversed(range(d)):
        out = tails[:, D * (m or 0) + j, None, None] + np.cumsum(out, axis=1)
    if D:
        # Steps m apart share a seasonal position: integrate along blocks of m steps at once.
        blocks = -(-h // m)
        padded = np.zeros((n_series, blocks * m, out.shape[2]))
        padded[:, :h] = out
        n_paths = out.shape[2]
        padded = padded.reshape(n_series, blocks, m, n_paths)
        padded = tails[:, None, :m, None] + np.cumsum(padded, axis=1)
        out = padded.reshape(n_series, blocks * m, n_paths)[:, :h]
    return out[:, :, 0] if squeeze else out
