"""The parts of a layer that run over all T*B rows, as CUDA kernels, plus small array helpers.

- :func:`gemm`: ``C (=|+=) op(A) @ op(B) (+ bias)``, a shared-memory tiled matmul. It is the
  input projection (``x @ W_ih.T + b_ih``), the input gradient (``dgates @ W_ih``) and
  every weight gradient (``dgates.T @ inp``), each one launch over all T*B rows.
- :func:`add_column_sums`: ``db += d.sum(rows)`` in a fixed order (rows in order up to
  :data:`ROWS_PER_PART` rows, else fixed blocks of rows and then the blocks in order), so
  the bias gradient has the same bits on every run.
- :func:`copy`, :func:`fill`, :func:`swap01` (batch-first <-> time-major), :func:`multiply`.

Every kernel is one thread per output element, with no warp intrinsics (the CUDA
simulator has none), and each output is summed in a fixed order: results are
deterministic.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import cuda, from_dtype

__all__ = ["TILE", "gemm", "add_column_sums", "copy", "fill", "swap01", "multiply", "flat", "launch_1d"]

#: Edge of the square GEMM tile: TILE x TILE threads per block, two TILE x (TILE+1) shared tiles.
TILE = 16
#: Threads per block of the one-thread-per-element kernels.
THREADS = 128
#: Rows summed by one thread in the first stage of :func:`add_column_sums`.
ROWS_PER_PART = 256


def launch_1d(n, threads=THREADS):
    """``(blocks, threads)`` covering ``n`` elements: blocks of ``threads``, fewer (whole warps) for small ``n``."""
    threads = max(32, min(threads, 32 * ((n + 31) // 32)))
    return max(1, (n + threads - 1) // threads), threads


def flat(a):
    """1-D view of a C-contiguous device array."""
    return a.reshape(a.size)


@cache
def _gemm_kernel(dtype, trans_a, trans_b, accumulate, with_bias, tile):
    nb_t = from_dtype(np.dtype(dtype))
    ZERO = np.dtype(dtype).type(0)
    PADDED = tile + 1  # shared array shapes must be plain constants, not expressions

    @cuda.jit
    def gemm_kernel(c, a, b, bias):
        # sa[m, k] and sb[k, n] tiles; +1 column so transposed stores avoid bank conflicts.
        sa = cuda.shared.array((tile, PADDED), nb_t)
        sb = cuda.shared.array((tile, PADDED), nb_t)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        m0 = cuda.blockIdx.y * tile
        n0 = cuda.blockIdx.x * tile
        row = m0 + ty
        col = n0 + tx
        M = c.shape[0]
        N = c.shape[1]
        K = a.shape[0] if trans_a else a.shape[1]
        acc = ZERO
        for k0 in range(0, K, tile):
            # Loads are arranged so that consecutive tx read consecutive addresses.
            if trans_a:
                ka = k0 + ty
                ma = m0 + tx
                sa[tx, ty] = a[ka, ma] if (ka < K and ma < M) else ZERO
            else:
                ka = k0 + tx
                sa[ty, tx] = a[row, ka] if (row < M and ka < K) else ZERO
            if trans_b:
                kb = k0 + tx
                nb = n0 + ty
                sb[tx, ty] = b[nb, kb] if (nb < N and kb < K) else ZERO
            else:
                kb = k0 + ty
                sb[ty, tx] = b[kb, col] if (kb < K and col < N) else ZERO
            cuda.syncthreads()
            for q in range(tile):
                acc += sa[ty, q] * sb[q, tx]
            cuda.syncthreads()
        if row < M and col < N:
            if with_bias:
                acc += bias[col]
            if accumulate:
                c[row, col] += acc
            else:
                c[row, col] = acc

    return gemm_kernel


def gemm(c, a, b, *, trans_a=False, trans_b=False, accumulate=False, bias=None, tile=None):
    """``c = op(a) @ op(b) (+ bias)``, or ``c += ...`` with ``accumulate``.

    Parameters
    ----------
    c : (M, N) device array, written or accumulated
    a : (M, K) device array, or (K, M) with ``trans_a``
    b : (K, N) device array, or (N, K) with ``trans_b``
    bias : (N,) device array, optional
        Added to every row.
    tile : int, optional
        Tile edge; by default :data:`TILE`, or ``TILE // 2`` when M or N is smaller than
        :data:`TILE` (skinny products such as the input gradient for I = 1 then waste
        fewer threads).
    """
    M, N = c.shape
    if tile is None:
        tile = TILE if min(M, N) >= TILE else TILE // 2
    kernel = _gemm_kernel(np.dtype(c.dtype), bool(trans_a), bool(trans_b), bool(accumulate), bias is not None, tile)
    grid = (max(1, (N + tile - 1) // tile), max(1, (M + tile - 1) // tile))
    kernel[grid, (tile, tile)](c, a, b, c[0] if bias is None else bias)


@cache
def _colsum_kernels(dtype):
    ZERO = np.dtype(dtype).type(0)

    @cuda.jit
    def partial_sums(part, d, rows_per_part):
        g = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        p = cuda.blockIdx.y
        R = d.shape[0]
        if g < d.shape[1]:
            s = ZERO
            end = (p + 1) * rows_per_part
            if end > R:
                end = R
            for r in range(p * rows_per_part, end):
                s += d[r, g]
            part[p, g] = s

    @cuda.jit
    def add_parts(db, part):
        g = cuda.grid(1)
        if g < db.shape[0]:
            s = db[g]
            for p in range(part.shape[0]):
                s += part[p, g]
            db[g] = s

    @cuda.jit
    def add_rows(db, d):
        g = cuda.grid(1)
        if g < db.shape[0]:
            s = db[g]
            for r in range(d.shape[0]):
                s += d[r, g]
            db[g] = s

    return partial_sums, add_parts, add_rows


def add_column_sums(db, d, rows_per_part=ROWS_PER_PART):
    """``db += d.sum(axis=0)`` in a fixed order.

    Up to ``rows_per_part`` rows, one thread per column adds the rows in order; above, fixed
    blocks of rows are summed first, then the blocks in order. (The CPU kernels sum per
    batch chunk and step instead, so the two devices' bias gradients may differ in the last
    bits.)

    Parameters
    ----------
    db : (G,) device array, accumulated
    d : (R, G) device array
    """
    R, G = d.shape
    partial_sums, add_parts, add_rows = _colsum_kernels(np.dtype(d.dtype))
    if R <= rows_per_part:
        add_rows[launch_1d(G)](db, d)
        return
    parts = (R + rows_per_part - 1) // rows_per_part
    part = cuda.device_array((parts, G), dtype=d.dtype)
    partial_sums[(max(1, (G + THREADS - 1) // THREADS), parts), THREADS](part, d, rows_per_part)
    add_parts[launch_1d(G)](db, part)


@cuda.jit
def _copy_kernel(dst, src):
    i = cuda.grid(1)
    if i < dst.shape[0]:
        dst[i] = src[i]


@cuda.jit
def _fill_kernel(dst, value):
    i = cuda.grid(1)
    if i < dst.shape[0]:
        dst[i] = value


@cuda.jit
def _multiply_kernel(out, a, b):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = a[i] * b[i]


@cuda.jit
def _swap01_kernel(out, inp):
    # out[j, i, k] = inp[i, j, k], one thread per element of out (coalesced writes).
    idx = cuda.grid(1)
    J, I, K = out.shape
    if idx < J * I * K:
        k = idx % K
        rest = idx // K
        i = rest % I
        j = rest // I
        out[j, i, k] = inp[i, j, k]


def copy(dst, src):
    """``dst[...] = src`` for C-contiguous device arrays of the same shape (device to device)."""
    if dst.size:
        _copy_kernel[launch_1d(dst.size)](flat(dst), flat(src))


def fill(dst, value):
    """``dst[...] = value`` for a C-contiguous device array."""
    if dst.size:
        _fill_kernel[launch_1d(dst.size)](flat(dst), np.dtype(dst.dtype).type(value))


def multiply(out, a, b):
    """``out = a * b`` elementwise, C-contiguous device arrays of one shape."""
    if out.size:
        _multiply_kernel[launch_1d(out.size)](flat(out), flat(a), flat(b))


def swap01(out, inp):
    """``out = inp.transpose(1, 0, 2)`` into a C-contiguous (J, I, K) device array."""
    if out.size:
        _swap01_kernel[launch_1d(out.size)](out, inp)
