"""Closed-loop (recursive) forecasting in one compiled call, for every cell (CPU, numba).

A recursive forecast feeds each one-step prediction back as the next input. Run step by step
from Python, each step is a layer call and a head call: argument checks, dispatch into
numba, a parallel-region launch, small allocations, about 45 us per step at B=1, where the
arithmetic of an LSTM step at H=64 takes about 1 us. These kernels run all steps, all
layers, the head and the fed-back value inside one call:

    for k in 0..steps-1:
        value = y + history[S + k - lag]      (lag 0: no baseline term)
        pred[k] = value; history[S + k] = value
        if k < steps - 1:
            h = cell(value, h) through every layer;  y = head(h_L)

``y`` on entry (``first``) is the head's output at the last step of the input window,
``h`` (and ``c``) the layers' state there: the window itself runs through the ordinary
layer kernels (:func:`tsrnn.kernels.lstm.lstm_forward` and the others), and only the closed
loop runs here.

Arithmetic is that of the layer kernels: the same inlined cell rows (:mod:`.lstm`,
:mod:`.gru`, :mod:`.rnn`), the same fast/exact activation flag, values added to the
baseline and stored in float64, fed back in the model's dtype (as the step-by-step loop for
models on the GPU, :func:`tsrnn.nn.recursive.closed_loop`, does), the input projection
through the layer kernels' own :func:`tsrnn.kernels._common.step_input_projection`. The
recurrent and head products of a chunk of ``n`` rows run in axpy form
(:func:`_matmul_small`, no BLAS call, whose fixed cost would dominate) when ``n`` is at
most :data:`SMALL_ROWS` and through BLAS otherwise; so results can differ in the last bits
from a loop of one layer call per step, but depend only on the shapes and ``chunk``, never
on the number of threads.

Series are independent, so work splits into fixed chunks of ``chunk`` rows, each run through
all its steps with no barrier. A kernel call runs chunks ``c0:c1`` in order; the caller
hands ranges of chunks to threads (the kernels release the GIL). A ``prange`` driver was
measured first: it added 6.8 s to the 2.8 s cold compile of the LSTM kernel, for a loop
that runs a handful of independent tasks.

Weights come stacked per layer and transposed (C-ordered ``(K, G)``), see
:func:`tsrnn.nn.recursive.closed_loop`, which builds them from the model's layers and
checks the shapes of the other arguments.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._config import JIT
from ._common import add_bias_rows, matmul_split_cols, step_input_projection
from .gru import _gru_cell_row
from .lstm import _lstm_cell_row
from .rnn import RELU, _rnn_cell_row

__all__ = ["lstm_recursive", "gru_recursive", "rnn_recursive", "SMALL_ROWS"]

#: Chunks of at most this many rows multiply in axpy form inside the kernel; larger ones call BLAS.
SMALL_ROWS = 4


@njit(inline="always", **JIT)
def _matmul_small(out, inp, w_t):
    """``out = inp @ w_t`` for (n, K) @ (K, G): row by row, one axpy over G per input column.

    The inner loop runs over the contiguous G outputs with no reduction, so it vectorizes
    without reassociating (results do not depend on the vector width).
    """
    n, K = inp.shape
    G = w_t.shape[1]
    for bb in range(n):
        o = out[bb]
        x = inp[bb]
        for j in range(G):
            o[j] = 0
        for k in range(K):
            xk = x[k]
            w = w_t[k]
            for j in range(G):
                o[j] += xk * w[j]


@njit(**JIT)
def _matmul(out, inp, w_t):
    """``out = inp @ w_t`` (out (n, G), inp (n, K), w_t (K, G), C-ordered): axpy form for small n, else BLAS."""
    if inp.shape[0] <= SMALL_ROWS:
        _matmul_small(out, inp, w_t)
    else:
        matmul_split_cols(out, inp, w_t)


@njit(inline="always", **JIT)
def _feed_back(pred, hist, lag, y, inp, b0, k):
    """Step ``k`` of rows ``b0:b0+n``: ``value = y + hist[S + k - lag]`` (float64), stored in
    ``pred`` and ``hist`` and written, in the model's dtype, into ``inp`` (the next input)."""
    n, O = y.shape
    S = hist.shape[1] - pred.shape[1]
    for bb in range(n):
        b = b0 + bb
        lg = lag[b]
        for o in range(O):
            v = np.float64(y[bb, o])
            if lg > 0:
                v += hist[b, S + k - lg, o]
            hist[b, S + k, o] = v
            pred[b, k, o] = v
            inp[bb, o] = v


@njit(**JIT)
def _lstm_recursive_chunk(pred, hist, lag, first, h, c, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                          b0, b1, fast):  # fmt: skip
    L, _, H = h.shape
    n = b1 - b0
    steps = pred.shape[1]
    dt = h.dtype
    a = np.empty((n, 4 * H), dtype=dt)
    rec = np.empty((n, 4 * H), dtype=dt)
    inp = np.empty((n, w_ih0_t.shape[0]), dtype=dt)
    y = first[b0:b1].copy()
    for k in range(steps):
        _feed_back(pred, hist, lag, y, inp, b0, k)
        if k + 1 == steps:
            break
        for layer in range(L):
            hl = h[layer, b0:b1]
            cl = c[layer, b0:b1]
            # The input projection as the layer kernels compute it (same function, same bits).
            if layer == 0:
                step_input_projection(a, inp, w_ih0_t, b_ih[0])
            else:
                step_input_projection(a, h[layer - 1, b0:b1], w_ihu_t[layer - 1], b_ih[layer])
            _matmul(rec, hl, w_hh_t[layer])
            bh = b_hh[layer]
            for bb in range(n):
                # c and h are updated in place: each element is read before it is written.
                if fast:
                    _lstm_cell_row(a[bb], rec[bb], bh, cl[bb], cl[bb], hl[bb], H, True)
                else:
                    _lstm_cell_row(a[bb], rec[bb], bh, cl[bb], cl[bb], hl[bb], H, False)
        _matmul(y, h[L - 1, b0:b1], head_w_t)
        add_bias_rows(y, head_b)


@njit(**JIT)
def lstm_recursive(pred, hist, lag, first, h, c, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b, chunk, c0, c1,
                   fast):  # fmt: skip
    """Closed-loop forecast of LSTM layers and a linear head (see the module docstring).

    Parameters
    ----------
    pred : (B, steps, O) float64 array, written
    hist : (B, S + steps, O) float64 array
        ``hist[:, :S]`` holds the last S values of every series (read for the baseline term);
        ``hist[:, S:]`` is written.
    lag : (B,) int64 array
        Baseline lag per series, 1 <= lag <= S; 0 for no baseline term.
    first : (B, O) array
        Head output at the last window step.
    h, c : (L, B, H) arrays
        State after the window; overwritten (scratch).
    w_ih0_t : (I, 4H) array, I == O
    w_ihu_t : (L-1, H, 4H) array
    w_hh_t : (L, H, 4H) array
    b_ih, b_hh : (L, 4H) arrays
    head_w_t : (H, O) array
    head_b : (O,) array
    chunk : int
        Rows per chunk; chunk ``ci`` is rows ``ci*chunk : (ci+1)*chunk``.
    c0, c1 : int
        The chunks this call runs.
    fast : bool
    """
    B = pred.shape[0]
    for ci in range(c0, c1):
        b0 = ci * chunk
        _lstm_recursive_chunk(pred, hist, lag, first, h, c, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                              b0, min(B, b0 + chunk), fast)  # fmt: skip


@njit(**JIT)
def _gru_recursive_chunk(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                         b0, b1, fast):  # fmt: skip
    L, _, H = h.shape
    n = b1 - b0
    steps = pred.shape[1]
    dt = h.dtype
    a = np.empty((n, 3 * H), dtype=dt)
    rec = np.empty((n, 3 * H), dtype=dt)
    hn = np.empty(H, dtype=dt)
    inp = np.empty((n, w_ih0_t.shape[0]), dtype=dt)
    y = first[b0:b1].copy()
    for k in range(steps):
        _feed_back(pred, hist, lag, y, inp, b0, k)
        if k + 1 == steps:
            break
        for layer in range(L):
            hl = h[layer, b0:b1]
            # The input projection as the layer kernels compute it (same function, same bits).
            if layer == 0:
                step_input_projection(a, inp, w_ih0_t, b_ih[0])
            else:
                step_input_projection(a, h[layer - 1, b0:b1], w_ihu_t[layer - 1], b_ih[layer])
            _matmul(rec, hl, w_hh_t[layer])
            bh = b_hh[layer]
            for bb in range(n):
                # h is updated in place: each element is read before it is written.
                if fast:
                    _gru_cell_row(a[bb], hn, rec[bb], bh, hl[bb], hl[bb], H, True)
                else:
                    _gru_cell_row(a[bb], hn, rec[bb], bh, hl[bb], hl[bb], H, False)
        _matmul(y, h[L - 1, b0:b1], head_w_t)
        add_bias_rows(y, head_b)


@njit(**JIT)
def gru_recursive(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b, chunk, c0, c1,
                  fast):  # fmt: skip
    """Closed-loop forecast of GRU layers and a linear head; arguments as :func:`lstm_recursive`
    (gate width 3H, no cell state)."""
    B = pred.shape[0]
    for ci in range(c0, c1):
        b0 = ci * chunk
        _gru_recursive_chunk(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                             b0, min(B, b0 + chunk), fast)  # fmt: skip


@njit(**JIT)
def _rnn_recursive_chunk(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                         nonlinearity, b0, b1, fast):  # fmt: skip
    L, _, H = h.shape
    n = b1 - b0
    steps = pred.shape[1]
    dt = h.dtype
    a = np.empty((n, H), dtype=dt)
    rec = np.empty((n, H), dtype=dt)
    inp = np.empty((n, w_ih0_t.shape[0]), dtype=dt)
    y = first[b0:b1].copy()
    for k in range(steps):
        _feed_back(pred, hist, lag, y, inp, b0, k)
        if k + 1 == steps:
            break
        for layer in range(L):
            hl = h[layer, b0:b1]
            # The input projection as the layer kernels compute it (same function, same bits).
            if layer == 0:
                step_input_projection(a, inp, w_ih0_t, b_ih[0])
            else:
                step_input_projection(a, h[layer - 1, b0:b1], w_ihu_t[layer - 1], b_ih[layer])
            _matmul(rec, hl, w_hh_t[layer])
            bh = b_hh[layer]
            for bb in range(n):
                if nonlinearity == RELU:
                    _rnn_cell_row(a[bb], rec[bb], bh, hl[bb], H, True, False)
                elif fast:
                    _rnn_cell_row(a[bb], rec[bb], bh, hl[bb], H, False, True)
                else:
                    _rnn_cell_row(a[bb], rec[bb], bh, hl[bb], H, False, False)
        _matmul(y, h[L - 1, b0:b1], head_w_t)
        add_bias_rows(y, head_b)


@njit(**JIT)
def rnn_recursive(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b, nonlinearity,
                  chunk, c0, c1, fast):  # fmt: skip
    """Closed-loop forecast of vanilla RNN layers and a linear head; arguments as
    :func:`lstm_recursive` (gate width H, no cell state), plus ``nonlinearity``
    (:data:`tsrnn.kernels.rnn.TANH` or ``RELU``)."""
    B = pred.shape[0]
    for ci in range(c0, c1):
        b0 = ci * chunk
        _rnn_recursive_chunk(pred, hist, lag, first, h, w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh, head_w_t, head_b,
                             nonlinearity, b0, min(B, b0 + chunk), fast)  # fmt: skip
