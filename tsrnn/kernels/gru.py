"""GRU forward and backward over a whole sequence chunk (CPU, numba).

Gate order and equations are PyTorch's (``torch.nn.GRU``), G = 3H::

    r = sigmoid(x_t @ W_ir.T + b_ir + h_{t-1} @ W_hr.T + b_hr)
    z = sigmoid(x_t @ W_iz.T + b_iz + h_{t-1} @ W_hz.T + b_hz)
    n = tanh(x_t @ W_in.T + b_in + r * (h_{t-1} @ W_hn.T + b_hn))
    h_t = (1 - z) * n + z * h_{t-1}

``b_hn`` sits inside the reset gate's product, so the gradient of the hidden-side
pre-activations differs from the input side in the n block; the backward keeps both.
Work split, determinism and compile-time layout as in :mod:`tsrnn.kernels.lstm`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import JIT
from ._common import (
    JIT_PRANGE,
    add_rows,
    matmul_split_cols,
    matmul_split_inner,
    n_chunks,
    n_groups,
    step_grads,
    step_input_projection,
)
from .activations import as_type_of, sigmoid_, tanh_

__all__ = ["gru_forward", "gru_backward"]


@njit(**JIT_PRANGE)
def gru_forward(hs, acts, hn, x, w_ih, w_hh, b_ih, b_hh, chunk, fast):
    """Run one GRU layer over T steps.

    Parameters
    ----------
    hs : (T+1, B, H) array
        Hidden states; ``hs[0]`` holds h_0 on entry, ``hs[1:]`` is written.
    acts : (T, B, 3H) array, written
        Activated gates ``r, z, n`` at every step.
    hn : (T, B, H) array, written
        ``h_{t-1} @ W_hn.T + b_hn`` at every step (needed by the backward pass).
    x : (T, B, I) array
    w_ih : (3H, I) array
    w_hh : (3H, H) array
    b_ih, b_hh : (3H,) arrays
    chunk : int
    fast : bool
    """
    B = x.shape[1]
    # C-ordered copies of W^T: OpenBLAS runs the small per-step GEMMs up to 2x faster on them.
    w_ih_t = np.ascontiguousarray(w_ih.T)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        _gru_forward_chunk(hs, acts, hn, x, w_ih_t, b_ih, w_hh_t, b_hh, b0, min(B, b0 + chunk), fast)


@njit(**JIT)
def _gru_forward_chunk(hs, acts, hn, x, w_ih_t, b_ih, w_hh_t, b_hh, b0, b1, fast):
    """The time loop of :func:`gru_forward` for batch rows ``b0:b1``."""
    T = acts.shape[0]
    H = hs.shape[2]
    rec = np.empty((b1 - b0, 3 * H), dtype=hs.dtype)
    for t in range(T):
        step_input_projection(acts[t, b0:b1], x[t, b0:b1], w_ih_t, b_ih)
        matmul_split_cols(rec, hs[t, b0:b1], w_hh_t)
        for bb in range(b1 - b0):
            b = b0 + bb
            # Branch once per row; the inlined step then has branch-free, vectorizable loops.
            if fast:
                _gru_cell_row(acts[t, b], hn[t, b], rec[bb], b_hh, hs[t, b], hs[t + 1, b], H, True)
            else:
                _gru_cell_row(acts[t, b], hn[t, b], rec[bb], b_hh, hs[t, b], hs[t + 1, b], H, False)


@njit(inline="always", **JIT)
def _gru_cell_row(a, hn, r, b_hh, h_prev, h_new, H, fast):
    """One row of one step: ``a`` (3H,) input projection in, gates r, z, n out; ``hn`` (H,) written.

    Loops index zero-based gate views so that LLVM vectorizes them (see
    :func:`tsrnn.kernels.lstm._lstm_cell_row`).
    """
    for j in range(2 * H):
        a[j] = sigmoid_(a[j] + r[j] + b_hh[j], fast)
    r_n = r[2 * H : 3 * H]
    b_n = b_hh[2 * H : 3 * H]
    for j in range(H):
        hn[j] = r_n[j] + b_n[j]
    a_r = a[:H]
    a_z = a[H : 2 * H]
    a_n = a[2 * H : 3 * H]
    for j in range(H):
        a_n[j] = tanh_(a_n[j] + a_r[j] * hn[j], fast)
    one = as_type_of(1.0, a)
    for j in range(H):
        z = a_z[j]
        h_new[j] = (one - z) * a_n[j] + z * h_prev[j]


@njit(inline="always", **JIT)
def _gru_grad_row(dgx, dgh, dz, dh, a, hn, h_prev, dh_out, H):
    """One row of one step backwards: pre-activation gradients (3H,) of the input and hidden sides.

    The gradient carried from the next step is ``dz + dh`` (H,): ``dz`` its direct part
    through ``z * h_{t-1}``, ``dh`` the part through ``W_hh``. ``dz`` is overwritten with
    the direct part for the previous step; the caller then overwrites ``dh`` with one GEMM.
    Gates are read and written through zero-based views, which LLVM vectorizes."""
    a_r = a[:H]
    a_z = a[H : 2 * H]
    a_n = a[2 * H : 3 * H]
    x_r = dgx[:H]
    x_z = dgx[H : 2 * H]
    x_n = dgx[2 * H : 3 * H]
    h_r = dgh[:H]
    h_z = dgh[H : 2 * H]
    h_n = dgh[2 * H : 3 * H]
    one = as_type_of(1.0, a)
    for j in range(H):
        r = a_r[j]
        z = a_z[j]
        n = a_n[j]
        dhv = dh_out[j] + (dz[j] + dh[j])
        dan = dhv * (one - z) * (one - n * n)
        dar = dan * hn[j] * r * (one - r)
        daz = dhv * (h_prev[j] - n) * z * (one - z)
        x_r[j] = dar
        x_z[j] = daz
        x_n[j] = dan
        h_r[j] = dar
        h_z[j] = daz
        h_n[j] = dan * r
        dz[j] = dhv * z


@njit(**JIT_PRANGE)
def gru_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dgx, dgh, dhs, dhT, x, hs, acts, hn, w_ih, w_hh, chunk):
    """Backpropagate through one GRU layer over T steps.

    Weight gradients are added into ``dw_ih, dw_hh, db_ih, db_hh``; ``dx``, ``dh0``,
    ``dgx`` and ``dgh`` are overwritten.

    Parameters
    ----------
    dx : (T, B, I) array, written
    dw_ih : (3H, I) array, accumulated
    dw_hh : (3H, H) array, accumulated
    db_ih, db_hh : (3H,) arrays, accumulated
    dh0 : (B, H) array, written
    dgx : (T, B, 3H) array
        Scratch: gradient of the input-side pre-activations ``x @ W_ih.T + b_ih``.
    dgh : (T, B, 3H) array
        Scratch: gradient of the hidden-side pre-activations ``h @ W_hh.T + b_hh``.
    dhs : (T, B, H) array
        Gradient with respect to the layer output ``hs[1:]``.
    dhT : (B, H) array
        Gradient with respect to the final hidden state.
    x, hs, acts, hn, w_ih, w_hh :
        As given to and written by :func:`gru_forward`.
    chunk : int
    """
    B, I = x.shape[1], x.shape[2]
    G, H = w_hh.shape
    nc = n_chunks(B, chunk)
    ng = n_groups(nc, G, H + I)
    pw_hh = np.zeros((ng, G, H), dtype=x.dtype)
    pw_ih = np.zeros((ng, G, I), dtype=x.dtype)
    pb_ih = np.zeros((ng, G), dtype=x.dtype)
    pb_hh = np.zeros((ng, G), dtype=x.dtype)
    for gi in prange(ng):
        for ci in range(gi, nc, ng):
            b0 = ci * chunk
            b1 = min(B, b0 + chunk)
            _gru_backward_chunk(dx, pw_ih[gi], pw_hh[gi], pb_ih[gi], pb_hh[gi], dh0, dgx, dgh, dhs, dhT, x, hs, acts,
                                hn, w_ih, w_hh, b0, b1)  # fmt: skip
    # The shares in a fixed order: the same bits for any thread count.
    for gi in range(ng):
        dw_hh += pw_hh[gi]
        dw_ih += pw_ih[gi]
        db_ih += pb_ih[gi]
        db_hh += pb_hh[gi]


@njit(**JIT)
def _gru_backward_chunk(dx, pw_ih, pw_hh, pb_ih, pb_hh, dh0, dgx, dgh, dhs, dhT, x, hs, acts, hn, w_ih, w_hh, b0, b1):
    """The time loop of :func:`gru_backward` for batch rows ``b0:b1`` (see
    :func:`tsrnn.kernels.lstm._lstm_backward_chunk`; the two sides' gate gradients differ here)."""
    T = acts.shape[0]
    H = w_hh.shape[1]
    dz = np.empty((b1 - b0, H), dtype=dgx.dtype)
    dh = np.zeros((b1 - b0, H), dtype=dgx.dtype)
    for bb in range(b1 - b0):
        for j in range(H):
            dz[bb, j] = dhT[b0 + bb, j]
    for t in range(T - 1, -1, -1):
        for bb in range(b1 - b0):
            b = b0 + bb
            _gru_grad_row(dgx[t, b], dgh[t, b], dz[bb], dh[bb], acts[t, b], hn[t, b], hs[t, b], dhs[t, b], H)
        step_grads(dx, pw_ih, pw_hh, pb_ih, dgx[t, b0:b1], dgh[t, b0:b1], x, hs, w_ih, t, b0, b1)
        add_rows(pb_hh, dgh[t, b0:b1])
        # The GEMM writes the recurrent part straight into dh (no separate accumulation pass).
        matmul_split_inner(dh, dgh[t, b0:b1], w_hh)
    for bb in range(b1 - b0):
        for j in range(H):
            dh0[b0 + bb, j] = dz[bb, j] + dh[bb, j]
