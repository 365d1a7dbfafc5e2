"""Launchers: ``<cell>_forward`` / ``<cell>_backward`` over a whole sequence chunk on the GPU.

Same arguments, layout (time-major) and conventions as the CPU kernels of
:mod:`tsrnn.kernels.lstm`, ``gru`` and ``rnn`` (outputs first, the caller allocates,
weight gradients are *added*), with device arrays instead of NumPy arrays, without the
CPU's ``chunk``, and with ``path``:

- ``"auto"`` (default): the persistent kernel (:mod:`._persistent`, one launch for all T
  steps, W_hh in shared memory) where W_hh fits, else one launch per step (:mod:`._step`);
- ``"persistent"``: the persistent kernel, or ``ValueError`` where it does not fit;
- ``"step"``: one launch per step, any H.

Around the recurrence, the input projection, the input gradient and every weight
gradient are one tiled GEMM launch each over all T*B rows (:mod:`._blas`).
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ._blas import add_column_sums, copy, gemm, launch_1d, swap01
from ._math import RELU, TANH
from ._persistent import persistent_kernels, persistent_rows
from ._step import step_kernels

__all__ = [
    "PATHS", "RELU", "TANH", "choose_path", "input_projection", "accumulate_weight_grads", "input_grad",
    "lstm_forward", "lstm_backward", "gru_forward", "gru_backward", "rnn_forward", "rnn_backward",
]  # fmt: skip

PATHS = ("auto", "persistent", "step")


def choose_path(cell, H, dtype, path="auto"):
    """``"persistent"`` or ``"step"``: the recurrent kernel a launcher will use."""
    if path not in PATHS:
        raise ValueError(f"path={path!r} is not known; expected one of {PATHS}")
    fits = persistent_rows(cell, H, dtype) > 0
    if path == "persistent" and not fits:
        raise ValueError(
            f"path='persistent': W_hh of a {cell} layer with H={H} in {np.dtype(dtype)} does not fit in a block's "
            "shared memory; use path='step' or 'auto'"
        )
    if path == "auto":
        return "persistent" if fits else "step"
    return path


def _rows2(a):
    """(T, B, K) -> (T*B, K) view."""
    return a.reshape(a.shape[0] * a.shape[1], a.shape[2])


def input_projection(out, x, w_ih, b_ih):
    """``out = x @ w_ih.T + b_ih`` over all T*B rows: out (T, B, G), x (T, B, I), w_ih (G, I), b_ih (G,)."""
    gemm(_rows2(out), _rows2(x), w_ih, trans_b=True, bias=b_ih)


def accumulate_weight_grads(dw, db, dgates, inp):
    """``dw += dgates.T @ inp`` and ``db += dgates.sum(rows)``: dw (G, K), db (G,), dgates (T, B, G), inp (T, B, K)."""
    d2 = _rows2(dgates)
    gemm(dw, d2, _rows2(inp), trans_a=True, accumulate=True)
    add_column_sums(db, d2)


def input_grad(dx, dgates, w_ih):
    """``dx = dgates @ w_ih`` over all T*B rows: dx (T, B, I), dgates (T, B, G), w_ih (G, I)."""
    gemm(_rows2(dx), _rows2(dgates), w_ih)


def _transposed(w):
    """A C-contiguous device copy of ``w.T`` (2-D)."""
    out = cuda.device_array((w.shape[1], w.shape[0]), dtype=w.dtype)
    swap01(out.reshape(w.shape[1], w.shape[0], 1), w.reshape(w.shape[0], w.shape[1], 1))
    return out


def _persistent_launch(cell, H, B, dtype):
    rows = persistent_rows(cell, H, dtype)
    fwd, bwd = persistent_kernels(cell, H, rows, np.dtype(dtype))
    grid = ((B + rows - 1) // rows, (H, rows))
    return fwd[grid], bwd[grid]


# ---------------------------------------------------------------------------- LSTM
def lstm_forward(hs, cs, acts, x, w_ih, w_hh, b_ih, b_hh, fast, path="auto"):
    """LSTM over T steps: ``hs``/``cs`` (T+1, B, H) with h_0/c_0 in row 0, ``acts`` (T, B, 4H) written.

    See :func:`tsrnn.kernels.lstm.lstm_forward` for the arguments.
    """
    T, B, _ = x.shape
    H = w_hh.shape[1]
    input_projection(acts, x, w_ih, b_ih)
    if choose_path("lstm", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("lstm", H, B, w_hh.dtype)[0](hs, cs, acts, w_hh, b_hh, fast)
        return
    k = step_kernels(np.dtype(w_hh.dtype)).lstm_forward_step[launch_1d(B * H)]
    w_hh_t = _transposed(w_hh)
    for t in range(T):
        k(hs, cs, acts, w_hh_t, b_hh, t, fast)


def lstm_backward(
    dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0, dgates, dhs, dhT, dcT, x, hs, cs, acts, w_ih, w_hh, fast, path="auto"
):
    """Backpropagate through :func:`lstm_forward`; see :func:`tsrnn.kernels.lstm.lstm_backward`."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    if choose_path("lstm", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("lstm", H, B, w_hh.dtype)[1](dgates, dh0, dc0, dhs, dhT, dcT, cs, acts, w_hh, fast)
    else:
        ks = step_kernels(np.dtype(w_hh.dtype))
        grid = launch_1d(B * H)
        copy(dc0, dcT)
        for t in range(T - 1, -1, -1):
            ks.lstm_backward_step[grid](dgates, dc0, dhs, dhT, cs, acts, w_hh, t, fast)
        ks.recurrent_grad[grid](dh0, dgates[0], w_hh, False)
    input_grad(dx, dgates, w_ih)
    accumulate_weight_grads(dw_ih, db_ih, dgates, x)
    accumulate_weight_grads(dw_hh, db_hh, dgates, hs[:T])


# ----------------------------------------------------------------------------- GRU
def gru_forward(hs, acts, hn, x, w_ih, w_hh, b_ih, b_hh, fast, path="auto"):
    """GRU over T steps; see :func:`tsrnn.kernels.gru.gru_forward`."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    input_projection(acts, x, w_ih, b_ih)
    if choose_path("gru", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("gru", H, B, w_hh.dtype)[0](hs, acts, hn, w_hh, b_hh, fast)
        return
    k = step_kernels(np.dtype(w_hh.dtype)).gru_forward_step[launch_1d(B * H)]
    w_hh_t = _transposed(w_hh)
    for t in range(T):
        k(hs, acts, hn, w_hh_t, b_hh, t, fast)


def gru_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dgx, dgh, dhs, dhT, x, hs, acts, hn, w_ih, w_hh, path="auto"):
    """Backpropagate through :func:`gru_forward`; see :func:`tsrnn.kernels.gru.gru_backward`."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    if choose_path("gru", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("gru", H, B, w_hh.dtype)[1](dgx, dgh, dh0, dhs, dhT, hs, acts, hn, w_hh)
    else:
        ks = step_kernels(np.dtype(w_hh.dtype))
        grid = launch_1d(B * H)
        copy(dh0, dhT)  # dh0 carries the direct part of dh from step to step
        for t in range(T - 1, -1, -1):
            ks.gru_backward_step[grid](dgx, dgh, dh0, dhs, hs, acts, hn, w_hh, t)
        ks.recurrent_grad[grid](dh0, dgh[0], w_hh, True)
    input_grad(dx, dgx, w_ih)
    accumulate_weight_grads(dw_ih, db_ih, dgx, x)
    accumulate_weight_grads(dw_hh, db_hh, dgh, hs[:T])


# ----------------------------------------------------------------------------- RNN
def rnn_forward(hs, pre, x, w_ih, w_hh, b_ih, b_hh, nonlinearity, fast, path="auto"):
    """Vanilla RNN over T steps; see :func:`tsrnn.kernels.rnn.rnn_forward`."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    input_projection(pre, x, w_ih, b_ih)
    if choose_path("rnn", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("rnn", H, B, w_hh.dtype)[0](hs, pre, w_hh, b_hh, nonlinearity, fast)
        return
    k = step_kernels(np.dtype(w_hh.dtype)).rnn_forward_step[launch_1d(B * H)]
    w_hh_t = _transposed(w_hh)
    for t in range(T):
        k(hs, pre, w_hh_t, b_hh, t, nonlinearity, fast)


def rnn_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dgates, dhs, dhT, x, hs, w_ih, w_hh, nonlinearity, path="auto"):
    """Backpropagate through :func:`rnn_forward`; see :func:`tsrnn.kernels.rnn.rnn_backward`."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    if choose_path("rnn", H, w_hh.dtype, path) == "persistent":
        _persistent_launch("rnn", H, B, w_hh.dtype)[1](dgates, dh0, dhs, dhT, hs, w_hh, nonlinearity)
    else:
        ks = step_kernels(np.dtype(w_hh.dtype))
        grid = launch_1d(B * H)
        for t in range(T - 1, -1, -1):
            ks.rnn_backward_step[grid](dgates, dhs, dhT, hs, w_hh, t, nonlinearity)
        ks.recurrent_grad[grid](dh0, dgates[0], w_hh, False)
    input_grad(dx, dgates, w_ih)
    accumulate_weight_grads(dw_ih, db_ih, dgates, x)
    accumulate_weight_grads(dw_hh, db_hh, dgates, hs[:T])
