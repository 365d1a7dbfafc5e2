"""Per-batch training glue in compiled form: a batch's window gather and a loss with its gradient.

These replace NumPy expressions of :class:`tsrnn.data.windows.WindowSampler` and of
:mod:`tsrnn.nn.losses` on the training path, element for element with the same
arithmetic in the same dtype (float32 stays float32, the loss is in float64), so their
outputs are bit-identical to the NumPy path's; reductions (sums over the batch) stay in
NumPy, whose pairwise summation a loop would not reproduce bit for bit.

Each kernel is one serial loop over the batch, writing into buffers its caller allocates
once per fit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._config import JIT_EXACT as _JIT
from .activations import as_type_of

__all__ = ["HUBER", "MAE", "MSE", "gather_windows", "loss_grad", "round_trip_forecast"]

#: Loss codes of :func:`loss_grad`.
MSE, MAE, HUBER = 0, 1, 2


@njit(inline="always", **_JIT)
def _elementwise(kind, d, delta):
    """Loss and d loss / d pred of one element with error ``d = pred - target`` (float64)."""
    if kind == MSE:
        return d * d, 2.0 * d
    if kind == MAE:
        g = 1.0 if d > 0 else (-1.0 if d < 0 else 0.0)
        return abs(d), g
    a = abs(d)
    loss = 0.5 * d * d if a < delta else delta * (a - 0.5 * delta)
    return loss, min(max(d, -delta), delta)


@njit(**_JIT)
def loss_grad(kind, pred, target, weight, weighted, delta, total, share, dpred, elem):
    """Elementwise loss terms and the gradient of the mean loss, as :class:`tsrnn.nn.MSELoss` and kin compute them.

    Parameters
    ----------
    kind : int
        :data:`MSE`, :data:`MAE` or :data:`HUBER`.
    pred : (N,) float32 or float64 array
    target : (N,) array of pred's dtype
    weight : (N,) array
        Read only when ``weighted``.
    weighted : bool
    delta : float
        Huber's threshold.
    total : float
        The loss's denominator: N, or the weights' sum (float64, as the NumPy loss sums it).
    share : float
        Factor the gradient is multiplied by in pred's dtype (the chunk's share of the batch).
    dpred : (N,) array of pred's dtype, written
        ``(weight * dloss / total)`` rounded to pred's dtype, times ``share``.
    elem : (N,) float64 array, written
        ``weight * loss`` of every element (``loss`` without weights), for the caller to sum.

    Returns
    -------
    bad_pred, bad_target, bad_weight, bad_grad : int
        Counts of non-finite predictions, of non-finite targets that count, of non-finite
        or negative weights, and of gradients that overflow pred's dtype; the outputs are
        meaningful only when all are 0.
    """
    n = pred.shape[0]
    bad_pred = 0
    bad_target = 0
    bad_weight = 0
    bad_grad = 0
    s = as_type_of(share, dpred)
    # One pass: the checks ride along, and the outputs are thrown away when one fails.
    for i in range(n):
        p = np.float64(pred[i])
        if not math.isfinite(p):
            bad_pred += 1
        if weighted:
            w = np.float64(weight[i])
            if not (math.isfinite(w) and w >= 0):
                bad_weight += 1
            y = 0.0
            if w > 0:
                y = np.float64(target[i])
                if not math.isfinite(y):
                    bad_target += 1
            loss, dl = _elementwise(kind, p - y, delta)
            elem[i] = w * loss
            dpred[i] = as_type_of((w * dl) / total, dpred) * s
            if not math.isfinite(dpred[i]):
                bad_grad += 1
        else:
            y = np.float64(target[i])
            if not math.isfinite(y):
                bad_target += 1
            loss, dl = _elementwise(kind, p - y, delta)
            elem[i] = loss
            dpred[i] = as_type_of(dl / total, dpred) * s
            if not math.isfinite(dpred[i]):
                bad_grad += 1
    return bad_pred, bad_target, bad_weight, bad_grad


@njit(**_JIT)
def gather_windows(spans, loc, scale, scaled, history, table, row_table, has_baseline, x, y):
    """Inputs and baseline-relative targets of a batch of windows, as :meth:`WindowSampler.gather` makes them.

    Parameters
    ----------
    spans : (B, P + horizon) array of the batch's dtype
        Every sample's values: ``history`` values, the window (W), the horizon.
    loc, scale : (B,) arrays of the batch's dtype
        Window statistics; read only when ``scaled``.
    scaled : bool
        Shift and divide every value by its row's ``loc`` and ``scale`` first.
    history : int
        Values before each window.
    table : (S, W, horizon) int64 array
        Per season kind, the position in ``spans[b, :P]`` of the value the baseline
        forecast of target j at input step t repeats.
    row_table : (B,) int64 array
        The table of every row.
    has_baseline : bool
        Subtract the baseline forecast from the targets.
    x : (B, W, 1) array, written
    y : (B, W, horizon) array, written
        ``y[b, t, j]`` = value ``history + t + 1 + j`` of the row, less its baseline.
    """
    B, L = spans.shape
    W, horizon = y.shape[1], y.shape[2]
    row = spans[0].copy()
    for b in range(B):
        if scaled:
            for p in range(L):
                row[p] = (spans[b, p] - loc[b]) / scale[b]
        else:
            for p in range(L):
                row[p] = spans[b, p]
        for t in range(W):
            x[b, t, 0] = row[history + t]
        tab = table[row_table[b]]
        for t in range(W):
            base = history + 1 + t
            if has_baseline:
                for j in range(horizon):
                    y[b, t, j] = row[base + j] - row[tab[t, j]]
            else:
                for j in range(horizon):
                    y[b, t, j] = row[base + j]
    return x, y


@njit(**_JIT)
def round_trip_forecast(out, base, has_base, loc, scale, pred):
    """A direct forecast taken to the data's window scale and back, as the validation loss computes it.

    ``pred[i, j]`` is ``(((out + base) * scale + loc) - loc) / scale`` of row i and step j,
    in float64 (every operand converted exactly), rounded to pred's dtype: the NumPy
    expressions of :func:`tsrnn.forecasters.rnn.prediction.validation_loss`, one rounding
    per operation, so the values are bit-identical.

    Parameters
    ----------
    out : (n, h) float32 or float64 array
        The head's output at the last step (any strides).
    base : (n, h) array
        The baseline forecast; read only when ``has_base``.
    has_base : bool
    loc, scale : (n,) arrays
        Each row's window statistics.
    pred : (n, h) array, written
    """
    n, h = pred.shape
    for i in range(n):
        lo = np.float64(loc[i])
        sc = np.float64(scale[i])
        for j in range(h):
            p = np.float64(out[i, j])
            if has_base:
                p = p + np.float64(base[i, j])
            p = p * sc + lo
            pred[i, j] = as_type_of((p - lo) / sc, pred)
    return pred
