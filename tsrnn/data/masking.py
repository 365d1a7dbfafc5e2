"""Missing values kept as NaN and masked: forward filling, the missing-indicator and NaN-aware window statistics.

With ``RNNForecaster(fill_missing="mask")`` the series keep their NaNs (interior and trailing;
leading ones are dropped when the data is read). The network then reads, at every step, the
value and a missing-indicator:

* a missing value is replaced by the last observed value before it (forward filling, within
  its series): :func:`fill_forward`. In a window scaled by its own statistics that is the last
  observed level, so the network never reads a NaN and the indicator tells it the value was
  filled;
* the window statistics (:func:`masked_window_stats`) ignore the filled values: the level is
  the mean of the observed values among the window's last ``m`` (the last observed value when
  none is), the spread the mean absolute lag-``m`` difference over the pairs whose two values
  are observed;
* a baseline forecast (naive, seasonal naive ...) is made from the filled values, so a
  baseline value that falls on a NaN is the nearest observed value before it;
* a missing target carries no weight in the loss (its value is set to 0, so no NaN reaches it).

Training (:class:`tsrnn.data.masked_windows.MaskedWindowSampler`) and prediction
apply the same rules, so a forecast from a history that ends in NaN is the forecast from its
last observed values, with the indicator set for the steps filled since.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fill_forward", "masked_window_stats", "observed_counts", "usable_samples"]


def fill_forward(values, indptr, season_length=1):
    """Every NaN replaced by the value one season before it, else by the last value before it, in its series.

    Parameters
    ----------
    values : (N,) float array
        Every series concatenated (CSR with ``indptr``).
    indptr : (S + 1,) int array
    season_length : int, default 1
        m. A NaN takes the (observed or filled) value m steps before it, where that lies in
        its series; the others the last (observed or filled) value before them. With m = 1
        that is the last observed value.

    Returns
    -------
    filled : (N,) float array
        The values, NaNs filled; NaNs before a series' first observed value take that first
        value (the nearest observed one). Every filled value depends only on values before it.
    missing : (N,) bool array
        Where ``values`` was NaN.

    Raises
    ------
    ValueError
        When a non-empty series holds no observed value.
    """
    values = np.asarray(values)
    indptr = np.asarray(indptr, dtype=np.int64)
    missing = np.isnan(values)
    if not missing.any():
        return values, missing
    N = values.size
    lengths = np.diff(indptr)
    seg = np.repeat(np.arange(lengths.size), lengths)
    observed = np.flatnonzero(~missing)
    counts = np.bincount(seg[observed], minlength=lengths.size)
    empty = np.flatnonzero((counts == 0) & (lengths > 0))
    if empty.size:
        raise ValueError(f"series at position {int(empty[0])} has no observed value (all {int(lengths[empty[0]])} "
                         "are NaN); a forecast needs at least one")  # fmt: skip
    start = indptr[:-1][seg]
    values = _seasonal_fill(values, missing, start, int(season_length))
    gaps = np.isnan(values)
    # The last known position at or before each one; where it lies in an earlier series, none is yet.
    last = np.maximum.accumulate(np.where(gaps, -1, np.arange(N)))
    first = observed[np.searchsorted(observed, start)]
    return values[np.where(last >= start, last, first)], missing


def _seasonal_fill(values, missing, start, m):
    """``values`` with every NaN whose position less m lies in its series (from ``start``) set to the value there."""
    if m <= 1:
        return values
    values = values.copy()
    todo = np.flatnonzero(missing)
    todo = todo[todo - m >= start[todo]]
    while todo.size:
        # In position order, a season at a time: a NaN one season back is filled before it is read.
        source = values[todo - m]
        ready = ~np.isnan(source)
        if not ready.any():
            break
        values[todo[ready]] = source[ready]
        todo = todo[~ready]
    return values


def masked_window_stats(x, missing, season_length=1):
    """:func:`tsrnn.data.windows.window_stats` of windows with missing values, ignoring them.

    Parameters
    ----------
    x : (B, T) array
        Input windows, missing values filled (:func:`fill_forward`).
    missing : (B, T) bool array
        Which values of ``x`` were missing.
    season_length : int, default 1
        m, as for ``window_stats`` (m >= T reads as 1).

    Returns
    -------
    loc, scale : (B, 1) arrays of the dtype of ``x``
        ``loc``: the mean of the observed values among the last m (the last filled value, i.e.
        the last observed one before, where none is). ``scale``: the mean absolute lag-m
        difference over the pairs of observed values, floored at ``1e-3 * (1 + mean |x|)``
        as ``window_stats``'s (the floor alone where no pair is observed).
    """
    x = np.asarray(x)
    observed = ~np.asarray(missing, dtype=bool)
    T = x.shape[1]
    m = int(season_length) if 1 <= int(season_length) < T else 1
    tail, seen = x[:, -m:], observed[:, -m:]
    count = seen.sum(axis=1, keepdims=True)
    total = np.where(seen, tail, 0).sum(axis=1, keepdims=True)
    loc = np.where(count > 0, total / np.maximum(count, 1), x[:, -1:]).astype(x.dtype, copy=False)
    spread = np.zeros_like(loc)
    if T > m:
        pairs = observed[:, m:] & observed[:, :-m]
        diffs = np.where(pairs, np.abs(x[:, m:] - x[:, :-m]), 0).sum(axis=1, keepdims=True)
        n_pairs = pairs.sum(axis=1, keepdims=True)
        spread = np.where(n_pairs > 0, diffs / np.maximum(n_pairs, 1), 0).astype(x.dtype, copy=False)
    floor = 1e-3 * (1.0 + np.abs(x).mean(axis=1, keepdims=True))
    return loc, np.maximum(spread, floor).astype(x.dtype, copy=False)


def observed_counts(missing, lo, hi):
    """Observed values in ``[lo[k], hi[k])`` of a flat ``missing`` array, for every k.

    Parameters
    ----------
    missing : (N,) bool array
    lo, hi : (K,) int arrays
        Positions, ``0 <= lo <= hi <= N``.

    Returns
    -------
    (K,) int64 array
    """
    seen = np.concatenate([[0], np.cumsum(~np.asarray(missing, dtype=bool), dtype=np.int64)])
    return seen[hi] - seen[lo]


def usable_samples(missing, starts, history, window, horizon, first_target):
    """Which samples have an observed input and an observed target that carries weight.

    Parameters
    ----------
    missing : (N,) bool array
    starts : (n_samples,) int array
        Offset of every sample (its extra history first), as :class:`~tsrnn.data.windows.WindowSampler`'s.
    history, window, horizon : int
    first_target : int
        First input step whose targets carry weight.

    Returns
    -------
    (n_samples,) bool array
        False for a sample whose input window is all missing (nothing to read) or whose
        weighted targets are (nothing to learn): such samples are left out of training.
    """
    begin = starts + history
    inputs = observed_counts(missing, begin, begin + window)
    targets = observed_counts(missing, begin + first_target + 1, begin + window + horizon)
    return (inputs > 0) & (targets > 0)
