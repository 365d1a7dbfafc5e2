"""Persistent recurrent kernels: one launch for all T steps, W_hh kept in shared memory.

Each block owns ``rows`` batch rows and all H units of the layer: thread (j, bb) is unit j
of row ``blockIdx.x * rows + bb``. Because a block holds every unit of its rows, the
dependency of step t on the whole of h_{t-1} stays inside the block, and
``cuda.syncthreads()`` is the only barrier needed: no grid-wide synchronization, no
cooperative launch, no warp intrinsics (so the CUDA simulator runs the same code).

W_hh is read from global memory once per launch instead of once per step: the forward
kernel stores it transposed (``sw[k, q] = W_hh[q, k]``) so that neighbouring units read
neighbouring shared-memory words, the backward kernel in its natural layout for the same
reason. h_{t-1} (forward) or the gate gradients of step t+1 (backward) of the block's rows
sit beside it; the LSTM cell state and the GRU carry stay in registers.

Shared array shapes must be compile-time constants in numba, so the kernels are built
by a factory for each (cell, H, rows, dtype), and only where they fit the 48 KiB of
static shared memory a block may use (:func:`persistent_rows`). Sums run in the same
order as in the per-step kernels (:mod:`._step`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import cuda, from_dtype

from ._math import cell_math

__all__ = ["SHARED_BYTES", "MAX_THREADS", "GATES", "persistent_rows", "persistent_kernels"]

#: Static shared memory one block may use on every CUDA GPU numba supports.
SHARED_BYTES = 48 * 1024
#: Most threads (H * rows) per block of a persistent kernel.
MAX_THREADS = 512
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_ROW_CHOICES = (8, 4, 2, 1)


def shared_bytes(cell, H, rows, dtype) -> int:
    """Shared memory of the larger (backward) kernel: W_hh and ``rows`` rows of gate gradients."""
    G = GATES[cell]
    return (G * H * H + rows * G * H) * np.dtype(dtype).itemsize


def persistent_rows(cell, H, dtype) -> int:
    """Batch rows per block for the persistent kernels, or 0 when W_hh does not fit.

    The most rows in (8, 4, 2, 1) such that ``H * rows <= MAX_THREADS`` and the kernels'
    shared arrays fit in :data:`SHARED_BYTES`. It depends on (cell, H, dtype) only, so a
    layer compiles one pair of kernels whatever its batch sizes.
    """
    for rows in _ROW_CHOICES:
        if H * rows <= MAX_THREADS and shared_bytes(cell, H, rows, dtype) <= SHARED_BYTES:
            return rows
    return 0


@cache
def persistent_kernels(cell, H, rows, dtype):
    """``(forward, backward)`` persistent kernels for one cell, hidden size, rows per block and dtype.

    Launch both as ``kernel[ceil(B / rows), (H, rows)](...)``. Arguments (time-major device arrays):

    - lstm: ``forward(hs, cs, acts, w_hh, b_hh, fast)``;
      ``backward(dgates, dh0, dc0, dhs, dhT, dcT, cs, acts, w_hh, fast)``
    - gru: ``forward(hs, acts, hn, w_hh, b_hh, fast)``;
      ``backward(dgx, dgh, dh0, dhs, dhT, hs, acts, hn, w_hh)``
    - rnn: ``forward(hs, pre, w_hh, b_hh, nonlinearity, fast)``;
      ``backward(dgates, dh0, dhs, dhT, hs, w_hh, nonlinearity)``

    Same meaning as the per-step launchers in :mod:`.cells`, which call these.
    """
    dtype = np.dtype(dtype)
    if persistent_rows(cell, H, dtype) < rows or rows < 1:
        raise ValueError(f"persistent {cell} kernels with H={H}, rows={rows}, {dtype} do not fit in shared memory")
    return {"lstm": _lstm, "gru": _gru, "rnn": _rnn}[cell](H, rows, dtype)


def _lstm(H, BB, dtype):
    nb_t = from_dtype(dtype)
    m = cell_math(dtype)
    ZERO = m.ZERO
    lstm_cell, lstm_cell_backward = m.lstm_cell, m.lstm_cell_backward
    GH = 4 * H
    NT = H * BB

    @cuda.jit
    def forward(hs, cs, acts, w_hh, b_hh, fast):
        sw = cuda.shared.array((H, GH), nb_t)
        sh = cuda.shared.array((BB, H), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, GH * H, NT):
            q = e // H
            k = e - q * H
            sw[k, q] = w_hh[q, k]
        T = acts.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < hs.shape[1]
        c = ZERO
        if active:
            sh[bb, j] = hs[0, b, j]
            c = cs[0, b, j]
        cuda.syncthreads()
        for t in range(T):
            h = ZERO
            if active:
                ri = ZERO
                rf = ZERO
                rg = ZERO
                ro = ZERO
                for k in range(H):
                    hk = sh[bb, k]
                    ri += hk * sw[k, j]
                    rf += hk * sw[k, H + j]
                    rg += hk * sw[k, 2 * H + j]
                    ro += hk * sw[k, 3 * H + j]
                i, fg, g, o, c, h = lstm_cell(
                    acts[t, b, j] + ri + b_hh[j],
                    acts[t, b, H + j] + rf + b_hh[H + j],
                    acts[t, b, 2 * H + j] + rg + b_hh[2 * H + j],
                    acts[t, b, 3 * H + j] + ro + b_hh[3 * H + j],
                    c,
                    fast,
                )
                cs[t + 1, b, j] = c
                hs[t + 1, b, j] = h
                acts[t, b, j] = i
                acts[t, b, H + j] = fg
                acts[t, b, 2 * H + j] = g
                acts[t, b, 3 * H + j] = o
            cuda.syncthreads()
            if active:
                sh[bb, j] = h
            cuda.syncthreads()

    @cuda.jit
    def backward(dgates, dh0, dc0, dhs, dhT, dcT, cs, acts, w_hh, fast):
        sw = cuda.shared.array((GH, H), nb_t)
        sdg = cuda.shared.array((BB, GH), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, GH * H, NT):
            q = e // H
            k = e - q * H
            sw[q, k] = w_hh[q, k]
        T = acts.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < dh0.shape[0]
        dc = ZERO
        if active:
            dc = dcT[b, j]
        cuda.syncthreads()
        for tt in range(T):
            t = T - 1 - tt
            dai = ZERO
            daf = ZERO
            dag = ZERO
            dao = ZERO
            if active:
                if tt == 0:
                    dh = dhT[b, j]
                else:
                    dh = ZERO
                    for q in range(GH):
                        dh += sdg[bb, q] * sw[q, j]
                dai, daf, dag, dao, dc = lstm_cell_backward(
                    acts[t, b, j], acts[t, b, H + j], acts[t, b, 2 * H + j], acts[t, b, 3 * H + j],
                    cs[t, b, j], cs[t + 1, b, j], dhs[t, b, j] + dh, dc, fast,
                )  # fmt: skip
                dgates[t, b, j] = dai
                dgates[t, b, H + j] = daf
                dgates[t, b, 2 * H + j] = dag
                dgates[t, b, 3 * H + j] = dao
            cuda.syncthreads()
            if active:
                sdg[bb, j] = dai
                sdg[bb, H + j] = daf
                sdg[bb, 2 * H + j] = dag
                sdg[bb, 3 * H + j] = dao
            cuda.syncthreads()
        if active:
            dh = ZERO
            for q in range(GH):
                dh += sdg[bb, q] * sw[q, j]
            dh0[b, j] = dh
            dc0[b, j] = dc

    return forward, backward


def _gru(H, BB, dtype):
    nb_t = from_dtype(dtype)
    m = cell_math(dtype)
    ZERO = m.ZERO
    gru_cell, gru_cell_backward = m.gru_cell, m.gru_cell_backward
    GH = 3 * H
    NT = H * BB

    @cuda.jit
    def forward(hs, acts, hn, w_hh, b_hh, fast):
        sw = cuda.shared.array((H, GH), nb_t)
        sh = cuda.shared.array((BB, H), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, GH * H, NT):
            q = e // H
            k = e - q * H
            sw[k, q] = w_hh[q, k]
        T = acts.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < hs.shape[1]
        h = ZERO
        if active:
            h = hs[0, b, j]
            sh[bb, j] = h
        cuda.syncthreads()
        for t in range(T):
            if active:
                rr = ZERO
                rz = ZERO
                rn = ZERO
                for k in range(H):
                    hk = sh[bb, k]
                    rr += hk * sw[k, j]
                    rz += hk * sw[k, H + j]
                    rn += hk * sw[k, 2 * H + j]
                hnv = rn + b_hh[2 * H + j]
                r, z, n, h = gru_cell(
                    acts[t, b, j] + rr + b_hh[j], acts[t, b, H + j] + rz + b_hh[H + j], acts[t, b, 2 * H + j], hnv,
                    h, fast,
                )  # fmt: skip
                hs[t + 1, b, j] = h
                hn[t, b, j] = hnv
                acts[t, b, j] = r
                acts[t, b, H + j] = z
                acts[t, b, 2 * H + j] = n
            cuda.syncthreads()
            if active:
                sh[bb, j] = h
            cuda.syncthreads()

    @cuda.jit
    def backward(dgx, dgh, dh0, dhs, dhT, hs, acts, hn, w_hh):
        sw = cuda.shared.array((GH, H), nb_t)
        sdg = cuda.shared.array((BB, GH), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, GH * H, NT):
            q = e // H
            k = e - q * H
            sw[q, k] = w_hh[q, k]
        T = acts.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < dh0.shape[0]
        carry = ZERO
        if active:
            carry = dhT[b, j]
        cuda.syncthreads()
        for tt in range(T):
            t = T - 1 - tt
            dar = ZERO
            daz = ZERO
            danr = ZERO
            if active:
                dh = carry
                if tt > 0:
                    rec = ZERO
                    for q in range(GH):
                        rec += sdg[bb, q] * sw[q, j]
                    dh = dh + rec
                dar, daz, dan, danr, carry = gru_cell_backward(
                    acts[t, b, j], acts[t, b, H + j], acts[t, b, 2 * H + j], hn[t, b, j], hs[t, b, j], dhs[t, b, j] + dh
                )
                dgx[t, b, j] = dar
                dgx[t, b, H + j] = daz
                dgx[t, b, 2 * H + j] = dan
                dgh[t, b, j] = dar
                dgh[t, b, H + j] = daz
                dgh[t, b, 2 * H + j] = danr
            cuda.syncthreads()
            if active:
                sdg[bb, j] = dar
                sdg[bb, H + j] = daz
                sdg[bb, 2 * H + j] = danr
            cuda.syncthreads()
        if active:
            rec = ZERO
            for q in range(GH):
                rec += sdg[bb, q] * sw[q, j]
            dh0[b, j] = carry + rec

    return forward, backward


def _rnn(H, BB, dtype):
    nb_t = from_dtype(dtype)
    m = cell_math(dtype)
    ZERO = m.ZERO
    rnn_cell, rnn_cell_backward = m.rnn_cell, m.rnn_cell_backward
    NT = H * BB

    @cuda.jit
    def forward(hs, pre, w_hh, b_hh, nonlinearity, fast):
        sw = cuda.shared.array((H, H), nb_t)
        sh = cuda.shared.array((BB, H), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, H * H, NT):
            q = e // H
            k = e - q * H
            sw[k, q] = w_hh[q, k]
        T = pre.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < hs.shape[1]
        if active:
            sh[bb, j] = hs[0, b, j]
        cuda.syncthreads()
        for t in range(T):
            h = ZERO
            if active:
                rec = ZERO
                for k in range(H):
                    rec += sh[bb, k] * sw[k, j]
                h = rnn_cell(pre[t, b, j] + rec + b_hh[j], nonlinearity, fast)
                hs[t + 1, b, j] = h
            cuda.syncthreads()
            if active:
                sh[bb, j] = h
            cuda.syncthreads()

    @cuda.jit
    def backward(dgates, dh0, dhs, dhT, hs, w_hh, nonlinearity):
        sw = cuda.shared.array((H, H), nb_t)
        sdg = cuda.shared.array((BB, H), nb_t)
        j = cuda.threadIdx.x
        bb = cuda.threadIdx.y
        for e in range(bb * H + j, H * H, NT):
            q = e // H
            k = e - q * H
            sw[q, k] = w_hh[q, k]
        T = dgates.shape[0]
        b = cuda.blockIdx.x * BB + bb
        active = b < dh0.shape[0]
        cuda.syncthreads()
        for tt in range(T):
            t = T - 1 - tt
            da = ZERO
            if active:
                if tt == 0:
                    dh = dhT[b, j]
                else:
                    dh = ZERO
                    for q in range(H):
                        dh += sdg[bb, q] * sw[q, j]
                da = rnn_cell_backward(hs[t + 1, b, j], dhs[t, b, j] + dh, nonlinearity)
                dgates[t, b, j] = da
            cuda.syncthreads()
            if active:
                sdg[bb, j] = da
            cuda.syncthreads()
        if active:
            dh = ZERO
            for q in range(H):
                dh += sdg[bb, q] * sw[q, j]
            dh0[b, j] = dh

    return forward, backward
