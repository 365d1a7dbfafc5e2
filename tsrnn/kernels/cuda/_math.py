"""Cell math as CUDA device functions, shared by the forward and backward kernels.

Every per-step and persistent kernel calls these, so one cell's equations are written
once. They are built per dtype by :func:`cell_math`: the constants are of the array's
dtype, so float32 kernels never promote to float64 (slow on most GPUs) through a literal
``1.0``. The equations and operation order are those of the CPU kernels
(:mod:`tsrnn.kernels.lstm`, ``gru``, ``rnn``), and the fast tanh is the same clamped
rational form (:mod:`tsrnn.kernels.activations`).
"""

from __future__ import annotations

import math
from functools import cache
from types import SimpleNamespace

import numpy as np
from numba import cuda

from .. import activations as _cpu

__all__ = ["cell_math", "RELU", "TANH"]

TANH = 0
RELU = 1


@cache
def cell_math(dtype):
    """Device functions of every cell for ``dtype`` (float32 or float64).

    Returns
    -------
    SimpleNamespace
        ``tanh_, sigmoid_, lstm_cell, lstm_cell_backward, gru_cell, gru_cell_backward,
        rnn_cell, rnn_cell_backward`` and the constants ``ZERO, ONE``.
    """
    f = np.dtype(dtype).type
    ZERO, HALF, ONE = f(0.0), f(0.5), f(1.0)
    CLAMP = f(_cpu._CLAMP)
    A1, A3, A5, A7 = f(_cpu._A1), f(_cpu._A3), f(_cpu._A5), f(_cpu._A7)
    A9, A11, A13 = f(_cpu._A9), f(_cpu._A11), f(_cpu._A13)
    B0, B2, B4, B6 = f(_cpu._B0), f(_cpu._B2), f(_cpu._B4), f(_cpu._B6)

    @cuda.jit(device=True)
    def fast_tanh(x):
        # The CPU kernels' form; NaN in gives NaN out. Comparisons rather than min/max: the
        # CUDA target built into numba 0.68 fails to compile min/max of two scalars.
        c = x
        if c > CLAMP:
            c = CLAMP
        elif c < -CLAMP:
            c = -CLAMP
        x2 = c * c
        p = x2 * A13 + A11
        p = x2 * p + A9
        p = x2 * p + A7
        p = x2 * p + A5
        p = x2 * p + A3
        p = x2 * p + A1
        q = x2 * B6 + B4
        q = x2 * q + B2
        q = x2 * q + B0
        r = c * p / q
        return r if x == x else x

    @cuda.jit(device=True)
    def tanh_(x, fast):
        if fast:
            return fast_tanh(x)
        return math.tanh(x)

    @cuda.jit(device=True)
    def sigmoid_(x, fast):
        if fast:
            return HALF + HALF * fast_tanh(HALF * x)
        if x >= ZERO:
            return ONE / (ONE + math.exp(-x))
        e = math.exp(x)
        return e / (ONE + e)

    # ------------------------------------------------------------------ LSTM
    @cuda.jit(device=True)
    def lstm_cell(ai, af, ag, ao, c_prev, fast):
        """Pre-activations and c_{t-1} -> gates i, f, g, o, c_t, h_t."""
        i = sigmoid_(ai, fast)
        fg = sigmoid_(af, fast)
        g = tanh_(ag, fast)
        o = sigmoid_(ao, fast)
        c = fg * c_prev + i * g
        h = o * tanh_(c, fast)
        return i, fg, g, o, c, h

    @cuda.jit(device=True)
    def lstm_cell_backward(i, fg, g, o, c_prev, c, dh, dc, fast):
        """Gates, states and the incoming dh, dc -> gradients of the 4 pre-activations, dc_{t-1}."""
        tc = tanh_(c, fast)
        dcv = dc + dh * o * (ONE - tc * tc)
        dai = dcv * g * i * (ONE - i)
        daf = dcv * c_prev * fg * (ONE - fg)
        dag = dcv * i * (ONE - g * g)
        dao = dh * tc * o * (ONE - o)
        return dai, daf, dag, dao, dcv * fg

    # ------------------------------------------------------------------- GRU
    @cuda.jit(device=True)
    def gru_cell(ar, az, xn, hn, h_prev, fast):
        """``ar, az``: full pre-activations; ``xn``: input side of n; ``hn = W_hn h + b_hn`` -> r, z, n, h_t."""
        r = sigmoid_(ar, fast)
        z = sigmoid_(az, fast)
        n = tanh_(xn + r * hn, fast)
        h = (ONE - z) * n + z * h_prev
        return r, z, n, h

    @cuda.jit(device=True)
    def gru_cell_backward(r, z, n, hn, h_prev, dh):
        """-> (dar, daz, dan, dan * r, dh * z): input-side gradients, the hidden-side n gradient, direct dh_{t-1}."""
        dan = dh * (ONE - z) * (ONE - n * n)
        dar = dan * hn * r * (ONE - r)
        daz = dh * (h_prev - n) * z * (ONE - z)
        return dar, daz, dan, dan * r, dh * z

    # ------------------------------------------------------------------- RNN
    @cuda.jit(device=True)
    def rnn_cell(a, nonlinearity, fast):
        if nonlinearity == RELU:
            return a if a > ZERO else ZERO
        return tanh_(a, fast)

    @cuda.jit(device=True)
    def rnn_cell_backward(h, dh, nonlinearity):
        if nonlinearity == RELU:
            return dh if h > ZERO else ZERO
        return dh * (ONE - h * h)

    return SimpleNamespace(
        ZERO=ZERO, ONE=ONE, tanh_=tanh_, sigmoid_=sigmoid_,
        lstm_cell=lstm_cell, lstm_cell_backward=lstm_cell_backward,
        gru_cell=gru_cell, gru_cell_backward=gru_cell_backward,
        rnn_cell=rnn_cell, rnn_cell_backward=rnn_cell_backward,
    )  # fmt: skip
