"""LSTM forward and backward over a whole sequence chunk (CPU, numba).

Gate order and equations are PyTorch's (``torch.nn.LSTM``), G = 4H::

    [a_i, a_f, a_g, a_o] = x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Work split: every product and pointwise pass runs inside the time loop, step by step,
while the step's rows are in cache. Forward, per chunk and step: the input projection of
the chunk's rows (:func:`tsrnn.kernels._common.step_input_projection`: an axpy per input
feature for I <= 8, else a BLAS product), the recurrent matmul (one BLAS call, split into
parts where it is large, see :func:`tsrnn.kernels._common.matmul_split_cols`) and one
fused pointwise pass. The time loop runs in parallel over fixed chunks of ``chunk`` batch
rows; each chunk writes only its own rows. The backward pass computes, per chunk and step,
the gate gradients, then the chunk's shares of every weight and bias gradient and its rows'
input gradient (:func:`tsrnn.kernels._common.step_grads`) while the gate gradients are in
cache: one share per parallel task, the shares summed in a fixed order afterwards
(:func:`tsrnn.kernels._common.n_groups`). Results do not depend on the number of threads.

Compile time: the ``prange`` loop body is a call of a plain (serial) kernel for one chunk
(``_lstm_forward_chunk``, ``_lstm_backward_chunk``), so numba's parallel passes see a tiny
loop; numba's automatic parallelization is limited to that loop (``JIT_PRANGE``); and no
slice is assigned from an array inside a kernel (numba compiles a formatted shape-mismatch
error for that, several seconds of a cold start).
"""

from __future__ import annotations

import math

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
from .activations import as_type_of, exact_sigmoid, tanh_, typed_fast_tanh

__all__ = ["lstm_forward", "lstm_backward"]


@njit(**JIT_PRANGE)
def lstm_forward(hs, cs, acts, x, w_ih, w_hh, b_ih, b_hh, chunk, fast):
    """Run one LSTM layer over T steps.

    Parameters
    ----------
    hs : (T+1, B, H) array
        Hidden states. ``hs[0]`` must hold h_0 on entry; ``hs[1:]`` is written (the layer output).
    cs : (T+1, B, H) array
        Cell states, same convention as ``hs``.
    acts : (T, B, 4H) array, written
        Activated gates ``i, f, g, o`` at every step, kept for the backward pass.
    x : (T, B, I) array
        Input, time-major.
    w_ih : (4H, I) array
    w_hh : (4H, H) array
    b_ih, b_hh : (4H,) arrays
    chunk : int
        Batch rows per parallel task.
    fast : bool
        Use the fast tanh/sigmoid of the dtype (:mod:`tsrnn.kernels.activations`).
    """
    B = x.shape[1]
    # C-ordered copies of W^T: OpenBLAS runs the small per-step GEMMs up to 2x faster on them.
    w_ih_t = np.ascontiguousarray(w_ih.T)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        _lstm_forward_chunk(hs, cs, acts, x, w_ih_t, b_ih, w_hh_t, b_hh, b0, min(B, b0 + chunk), fast)


@njit(**JIT)
def _lstm_forward_chunk(hs, cs, acts, x, w_ih_t, b_ih, w_hh_t, b_hh, b0, b1, fast):
    """The time loop of :func:`lstm_forward` for batch rows ``b0:b1``."""
    T = acts.shape[0]
    H = hs.shape[2]
    rec = np.empty((b1 - b0, 4 * H), dtype=hs.dtype)
    for t in range(T):
        step_input_projection(acts[t, b0:b1], x[t, b0:b1], w_ih_t, b_ih)
        matmul_split_cols(rec, hs[t, b0:b1], w_hh_t)
        for bb in range(b1 - b0):
            b = b0 + bb
            # The activation mode is branched on once per row and passed on as a
            # constant, so every loop inside the inlined step is branch-free and vectorizes.
            if fast:
                _lstm_cell_row(acts[t, b], rec[bb], b_hh, cs[t, b], cs[t + 1, b], hs[t + 1, b], H, True)
            else:
                _lstm_cell_row(acts[t, b], rec[bb], b_hh, cs[t, b], cs[t + 1, b], hs[t + 1, b], H, False)


@njit(inline="always", **JIT)
def _lstm_cell_row(a, r, b_hh, c_prev, c_new, h_new, H, fast):
    """One row of one step: gates from pre-activations, new cell and hidden state.

    ``a`` (4H,) holds the input projection on entry and the activated gates on exit; ``r``
    (4H,) the recurrent product; ``c_prev``, ``c_new``, ``h_new`` are (H,) rows.

    Every loop runs over a zero-based index of a gate's own view (``a[2H:3H]`` and so on):
    an offset index such as ``a[2 * H + j]`` carries numba's negative-index wraparound,
    which LLVM cannot prove away, and such loops stayed scalar (2-4x slower).
    """
    if fast:
        # sigmoid(x) = 1/2 + 1/2 tanh(x/2) and tanh(x) = 0 + 1 tanh(1 x): one loop form for the
        # four gates, so the fast tanh (of the dtype: typed_fast_tanh) is inlined (and
        # vectorized) once rather than per gate. In float64 the sigmoid gates thus differ from
        # fast_sigmoid64 by at most 2.3e-16 (absolute).
        half = as_type_of(0.5, a)
        for k in range(4):
            u = as_type_of(0.0, a) if k == 2 else half
            v = as_type_of(1.0, a) if k == 2 else half
            a_k = a[k * H : (k + 1) * H]
            r_k = r[k * H : (k + 1) * H]
            b_k = b_hh[k * H : (k + 1) * H]
            for j in range(H):
                a_k[j] = u + v * typed_fast_tanh(v * (a_k[j] + r_k[j] + b_k[j]))
    else:
        for j in range(4 * H):
            a[j] = a[j] + r[j] + b_hh[j]
        a_if = a[: 2 * H]
        for j in range(2 * H):
            a_if[j] = exact_sigmoid(a_if[j])
        a_g = a[2 * H : 3 * H]
        for j in range(H):
            a_g[j] = math.tanh(a_g[j])
        a_o = a[3 * H : 4 * H]
        for j in range(H):
            a_o[j] = exact_sigmoid(a_o[j])
    a_i = a[:H]
    a_f = a[H : 2 * H]
    a_g = a[2 * H : 3 * H]
    a_o = a[3 * H : 4 * H]
    for j in range(H):
        c = a_f[j] * c_prev[j] + a_i[j] * a_g[j]
        c_new[j] = c
        h_new[j] = a_o[j] * tanh_(c, fast)


@njit(inline="always", **JIT)
def _lstm_grad_row(dg, dc, a, c_prev, c, dh_out, dh, H, fast):
    """One row of one step backwards: gate pre-activation gradients ``dg`` (4H,); updates ``dc`` (H,) in place.

    ``dh_out`` (H,) is the gradient from the layer output, ``dh`` (H,) the one carried from the next step.
    Gates are read and written through zero-based views (see :func:`_lstm_cell_row`).
    """
    a_i = a[:H]
    a_f = a[H : 2 * H]
    a_g = a[2 * H : 3 * H]
    a_o = a[3 * H : 4 * H]
    d_i = dg[:H]
    d_f = dg[H : 2 * H]
    d_g = dg[2 * H : 3 * H]
    d_o = dg[3 * H : 4 * H]
    one = as_type_of(1.0, dg)
    for j in range(H):
        i = a_i[j]
        f = a_f[j]
        g = a_g[j]
        o = a_o[j]
        tc = tanh_(c[j], fast)
        dhv = dh_out[j] + dh[j]
        dcv = dc[j] + dhv * o * (one - tc * tc)
        d_i[j] = dcv * g * i * (one - i)
        d_f[j] = dcv * c_prev[j] * f * (one - f)
        d_g[j] = dcv * i * (one - g * g)
        d_o[j] = dhv * tc * o * (one - o)
        dc[j] = dcv * f


@njit(**JIT_PRANGE)
def lstm_backward(
    dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0, dgates, dhs, dhT, dcT, x, hs, cs, acts, w_ih, w_hh, chunk, fast
):
    """Backpropagate through one LSTM layer over T steps.

    Gradients of the weights are *added* into ``dw_ih, dw_hh, db_ih, db_hh``; ``dx``,
    ``dh0``, ``dc0`` and ``dgates`` are overwritten.

    Parameters
    ----------
    dx : (T, B, I) array, written
    dw_ih : (4H, I) array, accumulated
    dw_hh : (4H, H) array, accumulated
    db_ih, db_hh : (4H,) arrays, accumulated
    dh0, dc0 : (B, H) arrays, written
        Gradient with respect to the initial state.
    dgates : (T, B, 4H) array
        Scratch: gradient of the gate pre-activations.
    dhs : (T, B, H) array
        Gradient of the loss with respect to the layer output ``hs[1:]``.
    dhT, dcT : (B, H) arrays
        Gradient with respect to the final state (zeros when the state is not used).
    x, hs, cs, acts, w_ih, w_hh :
        As given to and written by :func:`lstm_forward`.
    chunk : int
    fast : bool
    """
    _, B, I = x.shape
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
            _lstm_backward_chunk(dx, pw_ih[gi], pw_hh[gi], pb[gi], dh0, dc0, dgates, dhs, dhT, dcT, x, hs, cs, acts,
                                 w_ih, w_hh, b0, b1, fast)  # fmt: skip
    # The shares in a fixed order: the same bits for any thread count (both biases get the same sum).
    for gi in range(ng):
        dw_hh += pw_hh[gi]
        dw_ih += pw_ih[gi]
        db_ih += pb[gi]
        db_hh += pb[gi]


@njit(**JIT)
def _lstm_backward_chunk(dx, pw_ih, pw_hh, pb, dh0, dc0, dgates, dhs, dhT, dcT, x, hs, cs, acts, w_ih, w_hh, b0, b1,
                         fast):  # fmt: skip
    """The time loop of :func:`lstm_backward` for batch rows ``b0:b1``: their input gradient and
    initial-state gradients; their shares of the weight and bias gradients added into
    ``pw_ih``, ``pw_hh``, ``pb`` step by step (:func:`tsrnn.kernels._common.step_grads`)."""
    T = acts.shape[0]
    H = w_hh.shape[1]
    dh = np.empty((b1 - b0, H), dtype=dgates.dtype)
    dc = np.empty((b1 - b0, H), dtype=dgates.dtype)
    for bb in range(b1 - b0):
        for j in range(H):
            dh[bb, j] = dhT[b0 + bb, j]
            dc[bb, j] = dcT[b0 + bb, j]
    for t in range(T - 1, -1, -1):
        for bb in range(b1 - b0):
            b = b0 + bb
            if fast:
                _lstm_grad_row(dgates[t, b], dc[bb], acts[t, b], cs[t, b], cs[t + 1, b], dhs[t, b], dh[bb], H, True)
            else:
                _lstm_grad_row(dgates[t, b], dc[bb], acts[t, b], cs[t, b], cs[t + 1, b], dhs[t, b], dh[bb], H, False)
        dg = dgates[t, b0:b1]
        step_grads(dx, pw_ih, pw_hh, pb, dg, dg, x, hs, w_ih, t, b0, b1)
        matmul_split_inner(dh, dg, w_hh)
    for bb in range(b1 - b0):
        for j in range(H):
            dh0[b0 + bb, j] = dh[bb, j]
            dc0[b0 + bb, j] = dc[bb, j]
