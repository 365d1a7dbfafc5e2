"""One kernel launch per time step: the general recurrent path, any hidden size.

Forward, step t: one thread per (b, j) computes the G recurrent dot products of unit j
(``h_{t-1}[b] . W_hh[g*H + j]``, from a transposed copy of W_hh so that neighbouring
threads read neighbouring addresses), adds the input projection already in ``acts`` and
the bias, and applies the cell (:mod:`._math`). The launch boundary is the barrier
between steps.

Backward, step t: one thread per (b, j) first finishes dh_t[b, j] from the previous
launch's gate gradients (``dgates[t+1, b] . W_hh[:, j]``, the recurrent matmul fused
into the step), then computes the gate gradients of step t. A last launch gives
dh_0. All sums run in index order, so results are deterministic.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np
from numba import cuda

from ._math import cell_math

__all__ = ["step_kernels"]


@cache
def step_kernels(dtype):
    """Per-step kernels of every cell for ``dtype``; see the module docstring."""
    m = cell_math(np.dtype(dtype))
    ZERO = m.ZERO
    lstm_cell, lstm_cell_backward = m.lstm_cell, m.lstm_cell_backward
    gru_cell, gru_cell_backward = m.gru_cell, m.gru_cell_backward
    rnn_cell, rnn_cell_backward = m.rnn_cell, m.rnn_cell_backward

    @cuda.jit
    def recurrent_grad(dh0, dg, w_hh, add):
        """``dh0[b, j] (+)= dg[b, :] . w_hh[:, j]``; dg (B, G*H), w_hh (G*H, H)."""
        idx = cuda.grid(1)
        B = dh0.shape[0]
        H = dh0.shape[1]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            rec = ZERO
            for q in range(dg.shape[1]):
                rec += dg[b, q] * w_hh[q, j]
            if add:
                dh0[b, j] = dh0[b, j] + rec
            else:
                dh0[b, j] = rec

    # ------------------------------------------------------------------ LSTM
    @cuda.jit
    def lstm_forward_step(hs, cs, acts, w_hh_t, b_hh, t, fast):
        idx = cuda.grid(1)
        B = hs.shape[1]
        H = hs.shape[2]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            ri = ZERO
            rf = ZERO
            rg = ZERO
            ro = ZERO
            for k in range(H):
                hk = hs[t, b, k]
                ri += hk * w_hh_t[k, j]
                rf += hk * w_hh_t[k, H + j]
                rg += hk * w_hh_t[k, 2 * H + j]
                ro += hk * w_hh_t[k, 3 * H + j]
            i, fg, g, o, c, h = lstm_cell(
                acts[t, b, j] + ri + b_hh[j],
                acts[t, b, H + j] + rf + b_hh[H + j],
                acts[t, b, 2 * H + j] + rg + b_hh[2 * H + j],
                acts[t, b, 3 * H + j] + ro + b_hh[3 * H + j],
                cs[t, b, j],
                fast,
            )
            cs[t + 1, b, j] = c
            hs[t + 1, b, j] = h
            acts[t, b, j] = i
            acts[t, b, H + j] = fg
            acts[t, b, 2 * H + j] = g
            acts[t, b, 3 * H + j] = o

    @cuda.jit
    def lstm_backward_step(dgates, dc, dhs, dhT, cs, acts, w_hh, t, fast):
        """dc (B, H) holds dc_{t} on entry and dc_{t-1} on exit."""
        idx = cuda.grid(1)
        T = acts.shape[0]
        B = dc.shape[0]
        H = dc.shape[1]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            if t == T - 1:
                dh = dhT[b, j]
            else:
                dh = ZERO
                for q in range(4 * H):
                    dh += dgates[t + 1, b, q] * w_hh[q, j]
            dai, daf, dag, dao, dcp = lstm_cell_backward(
                acts[t, b, j], acts[t, b, H + j], acts[t, b, 2 * H + j], acts[t, b, 3 * H + j],
                cs[t, b, j], cs[t + 1, b, j], dhs[t, b, j] + dh, dc[b, j], fast,
            )  # fmt: skip
            dgates[t, b, j] = dai
            dgates[t, b, H + j] = daf
            dgates[t, b, 2 * H + j] = dag
            dgates[t, b, 3 * H + j] = dao
            dc[b, j] = dcp

    # ------------------------------------------------------------------- GRU
    @cuda.jit
    def gru_forward_step(hs, acts, hn, w_hh_t, b_hh, t, fast):
        idx = cuda.grid(1)
        B = hs.shape[1]
        H = hs.shape[2]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            rr = ZERO
            rz = ZERO
            rn = ZERO
            for k in range(H):
                hk = hs[t, b, k]
                rr += hk * w_hh_t[k, j]
                rz += hk * w_hh_t[k, H + j]
                rn += hk * w_hh_t[k, 2 * H + j]
            hnv = rn + b_hh[2 * H + j]
            r, z, n, h = gru_cell(
                acts[t, b, j] + rr + b_hh[j], acts[t, b, H + j] + rz + b_hh[H + j], acts[t, b, 2 * H + j], hnv,
                hs[t, b, j], fast,
            )  # fmt: skip
            hs[t + 1, b, j] = h
            hn[t, b, j] = hnv
            acts[t, b, j] = r
            acts[t, b, H + j] = z
            acts[t, b, 2 * H + j] = n

    @cuda.jit
    def gru_backward_step(dgx, dgh, carry, dhs, hs, acts, hn, w_hh, t):
        """carry (B, H): dhT on entry at t = T-1; on exit the direct part ``dh_t * z_t`` of dh_{t-1}."""
        idx = cuda.grid(1)
        T = acts.shape[0]
        B = carry.shape[0]
        H = carry.shape[1]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            dh = carry[b, j]
            if t < T - 1:
                rec = ZERO
                for q in range(3 * H):
                    rec += dgh[t + 1, b, q] * w_hh[q, j]
                dh = dh + rec
            dar, daz, dan, danr, dz = gru_cell_backward(
                acts[t, b, j], acts[t, b, H + j], acts[t, b, 2 * H + j], hn[t, b, j], hs[t, b, j], dhs[t, b, j] + dh
            )
            dgx[t, b, j] = dar
            dgx[t, b, H + j] = daz
            dgx[t, b, 2 * H + j] = dan
            dgh[t, b, j] = dar
            dgh[t, b, H + j] = daz
            dgh[t, b, 2 * H + j] = danr
            carry[b, j] = dz

    # ------------------------------------------------------------------- RNN
    @cuda.jit
    def rnn_forward_step(hs, pre, w_hh_t, b_hh, t, nonlinearity, fast):
        idx = cuda.grid(1)
        B = hs.shape[1]
        H = hs.shape[2]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            rec = ZERO
            for k in range(H):
                rec += hs[t, b, k] * w_hh_t[k, j]
            hs[t + 1, b, j] = rnn_cell(pre[t, b, j] + rec + b_hh[j], nonlinearity, fast)

    @cuda.jit
    def rnn_backward_step(dgates, dhs, dhT, hs, w_hh, t, nonlinearity):
        idx = cuda.grid(1)
        T = dgates.shape[0]
        B = dgates.shape[1]
        H = dgates.shape[2]
        if idx < B * H:
            b = idx // H
            j = idx - b * H
            if t == T - 1:
                dh = dhT[b, j]
            else:
                dh = ZERO
                for q in range(H):
                    dh += dgates[t + 1, b, q] * w_hh[q, j]
            dgates[t, b, j] = rnn_cell_backward(hs[t + 1, b, j], dhs[t, b, j] + dh, nonlinearity)

    return SimpleNamespace(
        recurrent_grad=recurrent_grad,
        lstm_forward_step=lstm_forward_step, lstm_backward_step=lstm_backward_step,
        gru_forward_step=gru_forward_step, gru_backward_step=gru_backward_step,
        rnn_forward_step=rnn_forward_step, rnn_backward_step=rnn_backward_step,
    )  # fmt: skip
