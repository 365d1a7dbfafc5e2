"""Vanilla (Elman) RNN forward and backward over a whole sequence chunk (CPU, numba).

PyTorch's ``torch.nn.RNN``, G = H::

    h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh),   act = tanh or relu

``nonlinearity`` is an integer code (:data:`TANH` or :data:`RELU`) rather than a
callable, so that no Python object crosses into compiled code.
Work split, determinism and compile-time layout as in :mod:`tsrnn.kernels.lstm`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import JIT
from ._common import (
    JIT_PRANGE,
    matmul_split_cols,
    matmul_split_inner,
    n_chunks,
    n_groups,
    step_grads,
    step_input_projection,
)
from .activations import as_type_of, tanh_

__all__ = ["rnn_forward", "rnn_backward", "TANH", "RELU"]

TANH = 0
RELU = 1


@njit(**JIT_PRANGE)
def rnn_forward(hs, pre, x, w_ih, w_hh, b_ih, b_hh, nonlinearity, chunk, fast):
    """Run one vanilla RNN layer over T steps.

    Parameters
    ----------
    hs : (T+1, B, H) array
        Hidden states; ``hs[0]`` holds h_0 on entry, ``hs[1:]`` is written.
    pre : (T, B, H) array
        Scratch for the input projection (the backward pass needs only ``hs``).
    x : (T, B, I) array
    w_ih : (H, I) array
    w_hh : (H, H) array
    b_ih, b_hh : (H,) arrays
    nonlinearity : int
        :data:`TANH` (0) or :data:`RELU` (1).
    chunk : int
    fast : bool
    """
    B = x.shape[1]
    # C-ordered copies of W^T: OpenBLAS runs the small per-step GEMMs up to 2x faster on them.
    w_ih_t = np.ascontiguousarray(w_ih.T)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        _rnn_forward_chunk(hs, pre, x, w_ih_t, b_ih, w_hh_t, b_hh, nonlinearity, b0, min(B, b0 + chunk), fast)


@njit(**JIT)
def _rnn_forward_chunk(hs, pre, x, w_ih_t, b_ih, w_hh_t, b_hh, nonlinearity, b0, b1, fast):
    """The time loop of :func:`rnn_forward` for batch rows ``b0:b1``."""
    T = pre.shape[0]
    H = hs.shape[2]
    rec = np.empty((b1 - b0, H), dtype=hs.dtype)
    for t in range(T):
        step_input_projection(pre[t, b0:b1], x[t, b0:b1], w_ih_t, b_ih)
        matmul_split_cols(rec, hs[t, b0:b1], w_hh_t)
        for bb in range(b1 - b0):
            b = b0 + bb
            # Branch once per row; the inlined step then has a branch-free, vectorizable loop.
            if nonlinearity == RELU:
                _rnn_cell_row(pre[t, b], rec[bb], b_hh, hs[t + 1, b], H, True, False)
            elif fast:
                _rnn_cell_row(pre[t, b], rec[bb], b_hh, hs[t + 1, b], H, False, True)
            else:
                _rnn_cell_row(pre[t, b], rec[bb], b_hh, hs[t + 1, b], H, False, False)


@njit(inline="always", **JIT)
def _rnn_cell_row(p, r, b_hh, h_new, H, relu, fast):
    """One row of one step: ``h_new = act(p + r + b_hh)`` over (H,) rows."""
    zero = as_type_of(0.0, p)
    for j in range(H):
        a = p[j] + r[j] + b_hh[j]
        if relu:
            h_new[j] = a if a > zero else zero
        else:
            h_new[j] = tanh_(a, fast)


@njit(inline="always", **JIT)
def _rnn_grad_row(dg, h, dh_out, dh, H, relu):
    """One row of one step backwards: ``dg`` (H,) gradient of the pre-activation, from the
    step's output ``h`` and the gradients ``dh_out`` (layer output) and ``dh`` (next step)."""
    zero = as_type_of(0.0, dg)
    one = as_type_of(1.0, dg)
    for j in range(H):
        dhv = dh_out[j] + dh[j]
        if relu:
            dg[j] = dhv if h[j] > zero else zero
        else:
            dg[j] = dhv * (one - h[j] * h[j])


@njit(**JIT_PRANGE)
def rnn_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dgates, dhs, dhT, x, hs, w_ih, w_hh, nonlinearity, chunk):
    """Backpropagate through one vanilla RNN layer over T steps.

    Weight gradients are added into ``dw_ih, dw_hh, db_ih, db_hh``; ``dx``, ``dh0`` and
    ``dgates`` are overwritten.

    Parameters
    ----------
    dx : (T, B, I) array, written
    dw_ih : (H, I) array, accumulated
    dw_hh : (H, H) array, accumulated
    db_ih, db_hh : (H,) arrays, accumulated
    dh0 : (B, H) array, written
    dgates : (T, B, H) array
        Scratch: gradient of the pre-activations.
    dhs : (T, B, H) array
        Gradient with respect to the layer output ``hs[1:]``.
    dhT : (B, H) array
        Gradient with respect to the final hidden state.
    x, hs, w_ih, w_hh, nonlinearity :
        As given to and written by :func:`rnn_forward`.
    chunk : int
    """
    B, I = x.shape[1], x.shape[2]
    G, H = w_hh.shape
    nc = n_chunks(B, chunk)
    ng = n_groups(nc, G, H + I)
    pw_hh = np.zeros((ng, G, H), dtype=x.dtype)
    pw_ih = np.zeros((ng, G, I), dtype=x.dtype)
    pb = np.zeros((ng, G), dtype=x.dtype)
    for gi in prange(ng):
        for ci in range(gi, nc, ng):
            b0 = ci * chunk
            b1 = min(B, b0 + chunk)
            _rnn_backward_chunk(dx, pw_ih[gi], pw_hh[gi], pb[gi], dh0, dgates, dhs, dhT, x, hs, w_ih, w_hh,
                                nonlinearity, b0, b1)  # fmt: skip
    # The shares in a fixed order: the same bits for any thread count (both biases get the same sum).
    for gi in range(ng):
        dw_hh += pw_hh[gi]
        dw_ih += pw_ih[gi]
        db_ih += pb[gi]
        db_hh += pb[gi]


@njit(**JIT)
def _rnn_backward_chunk(dx, pw_ih, pw_hh, pb, dh0, dgates, dhs, dhT, x, hs, w_ih, w_hh, nonlinearity, b0, b1):
    """The time loop of :func:`rnn_backward` for batch rows ``b0:b1`` (see :func:`tsrnn.kernels.lstm._lstm_backward_chunk`)."""
    T = dgates.shape[0]
    H = w_hh.shape[1]
    dh = np.empty((b1 - b0, H), dtype=dgates.dtype)
    for bb in range(b1 - b0):
        for j in range(H):
            dh[bb, j] = dhT[b0 + bb, j]
    for t in range(T - 1, -1, -1):
        for bb in range(b1 - b0):
            b = b0 + bb
            if nonlinearity == RELU:
                _rnn_grad_row(dgates[t, b], hs[t + 1, b], dhs[t, b], dh[bb], H, True)
            else:
                _rnn_grad_row(dgates[t, b], hs[t + 1, b], dhs[t, b], dh[bb], H, False)
        dg = dgates[t, b0:b1]
        step_grads(dx, pw_ih, pw_hh, pb, dg, dg, x, hs, w_ih, t, b0, b1)
        matmul_split_inner(dh, dg, w_hh)
    for bb in range(b1 - b0):
        for j in range(H):
            dh0[b0 + bb, j] = dh[bb, j]
