"""What a recurrent network reads: training batches, validation origins and prediction inputs, as arrays.

RNNForecaster's data side, apart from the sliding windows themselves
(:class:`tsrnn.data.windows.WindowSampler`): epochs of sampled window batches or of whole
series streams, forecast origins in every series' held-out tail, and the left-padded
histories and covariate blocks fed at prediction. Series live in CSR form (``values``,
``indptr``), as everywhere in :mod:`tsrnn.data`. No network and no forecaster here.
"""

from __future__ import annotations

import numpy as np

from .fused_gather import FusedGather

__all__ = [
    "csr_prefix",
    "pad_left",
    "with_series_column",
    "with_series_features",
    "covariate_inputs",
    "repeat_targets",
    "window_batches",
    "stream_batches",
    "validation_origins",
    "pad_short_series",
]


def csr_prefix(values, indptr, ends):
    """The first ``ends[i]`` values of every series, as a new CSR pair ``(values, indptr)``."""
    parts = [values[indptr[i] : indptr[i] + ends[i]] for i in range(indptr.size - 1)]
    new_ptr = np.zeros(indptr.size, dtype=np.int64)
    new_ptr[1:] = np.cumsum(ends)
    return (np.concatenate(parts) if parts else values[:0]), new_ptr


def pad_left(series_list, length, dtype, edge=False):
    """(n, length, 1) array of the last ``length`` values of each series, padded on the left.

    Padded with zeros, or with ``edge`` with each series' first value (so that window
    statistics of a short history are those of its own values).
    """
    out = np.zeros((len(series_list), length, 1), dtype=dtype)
    for i, s in enumerate(series_list):
        s = s[-length:]
        if s.size:
            out[i, length - s.size :, 0] = s
            if edge:
                out[i, : length - s.size, 0] = s[0]
    return out


def with_series_column(x, series):
    """(B, T, I + 1) inputs: ``x`` (B, T, I) with the series position of every row appended at every step."""
    return with_series_features(x, np.asarray(series)[:, None])


def with_series_features(x, rows):
    """(B, T, I + C) inputs: ``x`` (B, T, I) with each row's C per-series values (``rows``, (B, C)) at every step."""
    rows = np.asarray(rows).astype(x.dtype)
    columns = np.broadcast_to(rows[:, None, :], (x.shape[0], x.shape[1], rows.shape[1]))
    return np.concatenate([x, columns], axis=2)


def _blocks(c, horizon, length):
    """(length, horizon * K): row t holds rows t + 1 .. t + horizon of ``c`` (n, K), zeros past its end."""
    from numpy.lib.stride_tricks import sliding_window_view

    K = c.shape[1]
    rows = np.zeros((length + horizon, K))
    take = min(len(c), length + horizon)
    rows[:take] = c[:take]
    return sliding_window_view(rows[1:], horizon, axis=0)[:length].transpose(0, 2, 1).reshape(length, horizon * K)


def covariate_inputs(covs, length, horizon, dtype):
    """(n, length, horizon * K) inputs of the last ``length`` steps of every series from its covariates.

    Parameters
    ----------
    covs : list of (n_i + horizon, K) arrays
        Covariates of every history step and of the ``horizon`` steps after it.
    length : int
        Input steps (the window).
    horizon : int

    Returns
    -------
    (n, length, horizon * K) array
        Step t of the window (position p of the series) holds the covariates of positions
        p + 1 .. p + horizon, step after step, as :class:`tsrnn.data.windows.WindowSampler`
        gives them in training; positions before the series' start are zeros.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    K = covs[0].shape[1]
    need = length + horizon - 1
    out = np.zeros((len(covs), length, horizon * K), dtype=dtype)
    for i, c in enumerate(covs):
        rows = np.zeros((need, K))
        tail = c[-need:]
        rows[need - len(tail) :] = tail
        out[i] = sliding_window_view(rows, horizon, axis=0).transpose(0, 2, 1).reshape(length, horizon * K)
    return out


def repeat_targets(batches, n_quantiles):
    """The ``batches`` epoch generator with targets and weights repeated ``n_quantiles`` times along the last axis.

    A head that emits Q quantiles per forecast step has Q times the outputs; the trainer
    wants targets of the output's shape (:class:`tsrnn.nn.HorizonPinballLoss` reads one copy).
    """

    def epoch():
        for x, y, w in batches():
            yield x, np.repeat(y, n_quantiles, axis=-1), None if w is None else np.repeat(w, n_quantiles, axis=-1)

    return epoch


def window_batches(sampler, rng, batch_size, windows_per_epoch, dtype, table=None, reuse=False):
    """Epochs of batches of sampled windows.

    Parameters
    ----------
    sampler : tsrnn.data.windows.WindowSampler
    rng : numpy.random.Generator
        Draws every epoch's windows (a fresh permutation per epoch).
    batch_size : int
    windows_per_epoch : int or None
        At most this many windows per epoch, drawn uniformly; None: every window.
    dtype : numpy dtype
    table : (S, C) array, optional
        Per-series input columns (static covariates, the series position for a series
        embedding) appended to every step of each window of that series.
    reuse : bool
        Write every batch into the same buffers where the sampler allows it
        (:class:`tsrnn.data.fused_gather.FusedGather`): a batch is then valid until the next one
        is drawn. For a consumer that uses each batch at once, as the training loop does.

    Returns
    -------
    epoch : callable
        ``epoch()`` yields ``(x, y, weight)`` batches: x (B, T, I), y and weight (B, T, O).
    n_batches : int
        Batches per epoch.
    """
    n = len(sampler)
    per_epoch = n if windows_per_epoch is None else min(n, int(windows_per_epoch))
    fused = FusedGather.for_sampler(sampler, dtype, batch_size) if reuse else None

    def epoch():
        order = rng.permutation(n)[:per_epoch]
        for b in range(0, order.size, batch_size):
            idx = order[b : b + batch_size]
            x, y, w = sampler.gather(idx, dtype) if fused is None else fused.gather(idx)
            if table is not None:
                x = with_series_features(x, table[sampler.series[idx]])
            yield x, y, w

    return epoch, -(-per_epoch // batch_size)


def stream_batches(z, dptr, train_len, out, window, rng, batch_size, dtype, reset, covariates=None, table=None):
    """Epochs of whole-series streams for stateful training, right-aligned and zero-padded on the left.

    Parameters
    ----------
    z : (N,) array
        Scaled values of every series (CSR with ``dptr``).
    dptr : (S + 1,) int array
    train_len : (S,) int array
        Training values of every series (its first ``train_len[i]``).
    out : int
        Targets per step: the values 1 .. out steps ahead.
    window : int
        Series shorter than ``window + out`` training values are left out.
    rng : numpy.random.Generator
    batch_size : int
    dtype : numpy dtype
    reset : callable
        Called before every epoch and batch (the trainer's ``reset_state``): each batch of
        streams starts from a zero state.
    covariates : (N, K) array, optional
        Covariates at every position (CSR with ``dptr``): step t of a stream also holds those
        of positions t + 1 .. t + out, step-major, as :func:`covariate_inputs` gives them.
    table : (S, C) array, optional
        Per-series columns appended to every step (see :func:`window_batches`).

    Returns
    -------
    epoch : callable
        ``epoch()`` yields ``(x, y, weight)``: x (B, L, I), y and weight (B, L, out), with
        I = 1 + out * K + C.
    n_batches : int
    """
    use = np.flatnonzero(train_len >= window + out)
    L = int(train_len[use].max())
    K = 0 if covariates is None else covariates.shape[1]
    C = 0 if table is None else table.shape[1]
    x = np.zeros((use.size, L, 1 + out * K + C), dtype=dtype)
    y = np.zeros((use.size, L, out), dtype=dtype)
    w = np.zeros((use.size, L, out), dtype=dtype)
    for row, i in enumerate(use):
        s = z[dptr[i] : dptr[i] + train_len[i]]
        n = s.size
        pad = L - n
        x[row, pad:, 0] = s
        if K:
            x[row, pad:, 1 : 1 + out * K] = _blocks(covariates[dptr[i] : dptr[i + 1]], out, n)
        if C:
            x[row, :, 1 + out * K :] = table[i]
        for j in range(out):
            # Target of step t is s[t + 1 + j]; valid while t + 1 + j < n.
            y[row, pad : L - 1 - j, j] = s[1 + j :]
            w[row, pad : L - 1 - j, j] = 1.0

    def epoch():
        reset()
        order = rng.permutation(use.size)
        for b in range(0, order.size, batch_size):
            idx = np.sort(order[b : b + batch_size])
            reset()
            yield x[idx], y[idx], w[idx]

    return epoch, -(-use.size // batch_size)


def validation_origins(z, dptr, lengths, val_size, horizon, covariates=None):
    """Forecast origins inside the last ``val_size`` values of every series, ``horizon`` apart.

    Parameters
    ----------
    z : (N,) array
        Scaled values (CSR with ``dptr``).
    dptr : (S + 1,) int array
    lengths : (S,) int array
    val_size, horizon : int
    covariates : (N, K) array, optional
        Covariates at every position.

    Returns
    -------
    tuple or None
        ``(histories, targets, covariates, series)``: the history before every origin (list
        of 1-D arrays), the (n_origins, horizon) targets after it, the covariates of every
        history and of the ``horizon`` steps after it (None without covariates), and the
        series position of every origin. None when no series has an origin.
    """
    histories, targets, covs, series = [], [], [], []
    for i in range(dptr.size - 1):
        n = lengths[i]
        s = z[dptr[i] : dptr[i] + n]
        for origin in range(n - val_size, n - horizon + 1, horizon):
            if origin < 1:
                continue
            histories.append(s[:origin])
            targets.append(s[origin : origin + horizon])
            series.append(i)
            if covariates is not None:
                covs.append(covariates[dptr[i] : dptr[i] + origin + horizon])
    if not histories:
        return None
    return histories, np.stack(targets), (covs if covariates is not None else None), np.array(series, np.int64)


def pad_short_series(values, indptr, train_len, need, min_length, covariates=None):
    """Put copies of its first value before every series with ``min_length <= train_len < need`` values.

    So that a short series fills a training sample of ``need`` values (history, window and
    horizon) instead of being left out; :class:`tsrnn.data.windows.WindowSampler`'s
    ``padded`` then gives its padded targets no weight. Prediction pads short histories the
    same way (:func:`pad_left` with ``edge=True``).

    Parameters
    ----------
    values : (N,) array
        Every series (CSR with ``indptr``), training part first.
    indptr : (S + 1,) int array
    train_len : (S,) int array
        Training values of every series.
    need : int
    min_length : int
        Series with fewer training values stay as they are (and are left out of training).
    covariates : (N, K) array, optional
        Padded with copies of each series' first row.

    Returns
    -------
    values, indptr, train_len, padded, covariates
        The padded CSR pair, the new training lengths, the (S,) number of values put before
        every series, and the padded covariates (None without).
    """
    train_len = np.asarray(train_len, dtype=np.int64)
    padded = np.where((train_len >= min_length) & (train_len < need), need - train_len, 0).astype(np.int64)
    if not padded.any():
        return values, indptr, train_len, padded, covariates
    parts, cov_parts = [], []
    for i in range(indptr.size - 1):
        s = values[indptr[i] : indptr[i + 1]]
        parts.append(np.concatenate([np.full(padded[i], s[0], dtype=values.dtype), s]) if padded[i] else s)
        if covariates is not None:
            c = covariates[indptr[i] : indptr[i + 1]]
            cov_parts.append(np.concatenate([np.repeat(c[:1], padded[i], axis=0), c]) if padded[i] else c)
    new_ptr = np.zeros_like(indptr)
    new_ptr[1:] = np.cumsum(np.diff(indptr) + padded)
    new_cov = np.concatenate(cov_parts) if covariates is not None else None
    return np.concatenate(parts), new_ptr, train_len + padded, padded, new_cov
