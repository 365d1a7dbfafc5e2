"""LSTM forward and backward over a whole sequence chunk (CPU, numba).

Gate order and equations are PyTorch's (``torch.nn.LSTM``), G = 4H::

    [a_i, a_f, a_g, a_o] = x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Work split: the input projection, the input gradient and every weight gradient are single
GEMMs over all T*B rows. Only the recurrent matmul (one BLAS call per chunk and step) and
one fused pointwise pass sit inside the time loop. The time loop runs in parallel over
fixed chunks of ``chunk`` batch rows; each chunk writes only its own rows, so results do
not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import JIT_PARALLEL
from ._common import accumulate_weight_grads, input_grad, input_projection, n_chunks
from .activations import sigmoid_, tanh_

__all__ = ["lstm_forward", "lstm_backward"]


@njit(**JIT_PARALLEL)
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
        Use the fast rational tanh/sigmoid.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    input_projection(acts, x, w_ih, b_ih)
    w_hh_t = w_hh.T
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        b1 = min(B, b0 + chunk)
        rec = np.empty((b1 - b0, 4 * H), dtype=x.dtype)
        for t in range(T):
            np.dot(hs[t, b0:b1], w_hh_t, rec)
            for bb in range(b1 - b0):
                b = b0 + bb
                for j in range(H):
                    i = sigmoid_(acts[t, b, j] + rec[bb, j] + b_hh[j], fast)
                    f = sigmoid_(acts[t, b, H + j] + rec[bb, H + j] + b_hh[H + j], fast)
                    g = tanh_(acts[t, b, 2 * H + j] + rec[bb, 2 * H + j] + b_hh[2 * H + j], fast)
                    o = sigmoid_(acts[t, b, 3 * H + j] + rec[bb, 3 * H + j] + b_hh[3 * H + j], fast)
                    c = f * cs[t, b, j] + i * g
                    cs[t + 1, b, j] = c
                    hs[t + 1, b, j] = o * tanh_(cs[t + 1, b, j], fast)
                    acts[t, b, j] = i
                    acts[t, b, H + j] = f
                    acts[t, b, 2 * H + j] = g
                    acts[t, b, 3 * H + j] = o


@njit(**JIT_PARALLEL)
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
    T, B, _ = x.shape
    H = w_hh.shape[1]
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        b1 = min(B, b0 + chunk)
        dh = np.empty((b1 - b0, H), dtype=x.dtype)
        dc = np.empty((b1 - b0, H), dtype=x.dtype)
        dh[:, :] = dhT[b0:b1]
        dc[:, :] = dcT[b0:b1]
        for t in range(T - 1, -1, -1):
            for bb in range(b1 - b0):
                b = b0 + bb
                for j in range(H):
                    i = acts[t, b, j]
                    f = acts[t, b, H + j]
                    g = acts[t, b, 2 * H + j]
                    o = acts[t, b, 3 * H + j]
                    tc = tanh_(cs[t + 1, b, j], fast)
                    dhv = dhs[t, b, j] + dh[bb, j]
                    dcv = dc[bb, j] + dhv * o * (1.0 - tc * tc)
                    dgates[t, b, j] = dcv * g * i * (1.0 - i)
                    dgates[t, b, H + j] = dcv * cs[t, b, j] * f * (1.0 - f)
                    dgates[t, b, 2 * H + j] = dcv * i * (1.0 - g * g)
                    dgates[t, b, 3 * H + j] = dhv * tc * o * (1.0 - o)
                    dc[bb, j] = dcv * f
            np.dot(dgates[t, b0:b1], w_hh, dh)
        dh0[b0:b1] = dh
        dc0[b0:b1] = dc
    input_grad(dx, dgates, w_ih)
    accumulate_weight_grads(dw_ih, db_ih, dgates, x)
    accumulate_weight_grads(dw_hh, db_hh, dgates, hs[:T])
