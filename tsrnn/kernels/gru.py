"""GRU forward and backward over a whole sequence chunk (CPU, numba).

Gate order and equations are PyTorch's (``torch.nn.GRU``), G = 3H::

    r = sigmoid(x_t @ W_ir.T + b_ir + h_{t-1} @ W_hr.T + b_hr)
    z = sigmoid(x_t @ W_iz.T + b_iz + h_{t-1} @ W_hz.T + b_hz)
    n = tanh(x_t @ W_in.T + b_in + r * (h_{t-1} @ W_hn.T + b_hn))
    h_t = (1 - z) * n + z * h_{t-1}

``b_hn`` sits inside the reset gate's product, so the gradient of the hidden-side
pre-activations differs from the input side in the n block; the backward keeps both.
Work split and determinism as in :mod:`tsrnn.kernels.lstm`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import JIT_PARALLEL
from ._common import accumulate_weight_grads, input_grad, input_projection, n_chunks
from .activations import sigmoid_, tanh_

__all__ = ["gru_forward", "gru_backward"]


@njit(**JIT_PARALLEL)
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
    T, B, _ = x.shape
    H = w_hh.shape[1]
    input_projection(acts, x, w_ih, b_ih)
    w_hh_t = w_hh.T
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        b1 = min(B, b0 + chunk)
        rec = np.empty((b1 - b0, 3 * H), dtype=x.dtype)
        for t in range(T):
            np.dot(hs[t, b0:b1], w_hh_t, rec)
            for bb in range(b1 - b0):
                b = b0 + bb
                for j in range(H):
                    r = sigmoid_(acts[t, b, j] + rec[bb, j] + b_hh[j], fast)
                    z = sigmoid_(acts[t, b, H + j] + rec[bb, H + j] + b_hh[H + j], fast)
                    hnv = rec[bb, 2 * H + j] + b_hh[2 * H + j]
                    n = tanh_(acts[t, b, 2 * H + j] + r * hnv, fast)
                    hs[t + 1, b, j] = (1.0 - z) * n + z * hs[t, b, j]
                    hn[t, b, j] = hnv
                    acts[t, b, j] = r
                    acts[t, b, H + j] = z
                    acts[t, b, 2 * H + j] = n


@njit(**JIT_PARALLEL)
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
    T, B, _ = x.shape
    H = w_hh.shape[1]
    for ci in prange(n_chunks(B, chunk)):
        b0 = ci * chunk
        b1 = min(B, b0 + chunk)
        dh = np.empty((b1 - b0, H), dtype=x.dtype)
        rec = np.empty((b1 - b0, H), dtype=x.dtype)
        dh[:, :] = dhT[b0:b1]
        for t in range(T - 1, -1, -1):
            for bb in range(b1 - b0):
                b = b0 + bb
                for j in range(H):
                    r = acts[t, b, j]
                    z = acts[t, b, H + j]
                    n = acts[t, b, 2 * H + j]
                    dhv = dhs[t, b, j] + dh[bb, j]
                    dan = dhv * (1.0 - z) * (1.0 - n * n)
                    dar = dan * hn[t, b, j] * r * (1.0 - r)
                    daz = dhv * (hs[t, b, j] - n) * z * (1.0 - z)
                    dgx[t, b, j] = dar
                    dgx[t, b, H + j] = daz
                    dgx[t, b, 2 * H + j] = dan
                    dgh[t, b, j] = dar
                    dgh[t, b, H + j] = daz
                    dgh[t, b, 2 * H + j] = dan * r
                    dh[bb, j] = dhv * z
            np.dot(dgh[t, b0:b1], w_hh, rec)
            for bb in range(b1 - b0):
                for j in range(H):
                    dh[bb, j] += rec[bb, j]
        dh0[b0:b1] = dh
    input_grad(dx, dgx, w_ih)
    accumulate_weight_grads(dw_ih, db_ih, dgx, x)
    accumulate_weight_grads(dw_hh, db_hh, dgh, hs[:T])
