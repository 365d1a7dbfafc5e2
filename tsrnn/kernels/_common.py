"""GEMM helpers shared by the cell kernels: the parts of a layer that run over many rows.

Layout inside kernels is time-major: ``x`` is ``(T, B, I)``, hidden states ``(T+1, B, H)``.
With that layout the rows of one batch chunk at one time step are contiguous, so the
recurrent matmul of a chunk is a plain BLAS call on views, without copies.

The largest GEMM of a backward pass, the recurrent weight gradient, runs inside the parallel
loop: each chunk gathers its rows into contiguous blocks after its time loop and adds its
share with one GEMM (:func:`add_chunk_weight_grad`). The shares are added in a fixed order
(:func:`n_groups`), so the result does not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.cpu_options import ParallelOptions
from numba.extending import overload

from .._config import JIT, JIT_PARALLEL

__all__ = [
    "JIT_PRANGE",
    "input_projection",
    "accumulate_weight_grads",
    "input_grad",
    "n_chunks",
    "n_groups",
    "gather_chunk",
    "keep_step",
    "chunk_bias_grad",
    "chunk_input_side",
    "add_chunk_weight_grad",
    "accumulate_bias_grad",
    "SMALL_GEMM",
    "matmul_split_cols",
    "matmul_split_inner",
]

#: Options for the kernels with a ``prange`` loop: :data:`tsrnn._config.JIT_PARALLEL`, with
#: numba's automatic parallelization limited to the explicit ``prange``. Otherwise every
#: array expression and ``np.zeros`` outside the loop becomes a parallel region of its own:
#: seconds of compile time each, and thread start-ups for tiny operations.
JIT_PRANGE = dict(
    JIT_PARALLEL,
    parallel=ParallelOptions(
        {
            "comprehension": False,
            "reduction": False,
            "inplace_binop": False,
            "setitem": False,
            "numpy": False,
            "stencil": False,
            "fusion": False,
            "prange": True,
        }
    )
    if JIT_PARALLEL.get("parallel")
    else False,
)

# Elements of per-group weight-gradient partials a backward pass may allocate (see n_groups).
_PARTIALS_BUDGET = 1 << 22


@njit(**JIT)
def n_chunks(B, chunk):
    """Number of fixed batch chunks of ``chunk`` rows (the last may be shorter)."""
    return (B + chunk - 1) // chunk


@njit(**JIT)
def n_groups(n_chunks_, G, K):
    """Parallel tasks of a backward pass: one per chunk, fewer when the per-task weight
    gradient partials (``G x K`` each) would pass :data:`_PARTIALS_BUDGET` elements.

    Task ``g`` runs chunks ``g, g + n_groups, ...`` in that order and sums their weight
    gradients into its own partial. Depends on the shapes only, never on the thread count.
    """
    return min(n_chunks_, max(1, _PARTIALS_BUDGET // max(1, G * K)))


@njit(**JIT)
def gather_chunk(buf, T, b0, b1):
    """Rows ``b0:b1`` of steps ``0..T-1`` of a time-major ``(T' >= T, B, K)`` array, as one
    contiguous ``(T*n, K)`` block (row ``t*n + bb`` is step ``t``, batch row ``b0 + bb``)."""
    K = buf.shape[2]
    n = b1 - b0
    out = np.empty((T * n, K), dtype=buf.dtype)
    for t in range(T):
        for bb in range(n):
            src = buf[t, b0 + bb]
            dst = out[t * n + bb]
            for k in range(K):
                dst[k] = src[k]
    return out


@njit(inline="always", **JIT)
def keep_step(dgc_t, step, t):
    """Copy one step's (n, G) gate gradients of a chunk, transposed, into columns ``t*n : (t+1)*n``
    of its (G, T*n) block (the layout of the weight-gradient GEMM's left operand)."""
    n, G = step.shape
    c0 = t * n
    for k in range(G):
        dst = dgc_t[k, c0 : c0 + n]
        for bb in range(n):
            dst[bb] = step[bb, k]


@njit(**JIT)
def chunk_bias_grad(pb, dg, b0, b1):
    """``pb += dg[:, b0:b1].sum(rows)``: one chunk's share of a bias gradient, rows in a fixed order."""
    T, _, G = dg.shape
    for t in range(T):
        for b in range(b0, b1):
            row = dg[t, b]
            for k in range(G):
                pb[k] += row[k]


@njit(**JIT)
def chunk_input_side(dx, pw_ih, pb, dg, x, w_ih, b0, b1):
    """The input side of one chunk's backward pass, run inside the parallel loop.

    From the chunk's gate gradients ``dg[:, b0:b1]`` (``dg`` (T, B, G), the gradient of
    ``x @ w_ih.T + b_ih``): ``pb += `` their sum over rows (its share of the input bias
    gradient), ``pw_ih += `` their product with ``x[:, b0:b1]`` (its share of the input weight
    gradient), and ``dx[:, b0:b1] = dg[:, b0:b1] @ w_ih`` (the input gradient of its rows).
    As serial passes over all T*B rows after the parallel loop these cost LSTM at H=64 about
    a tenth of its backward pass.
    """
    T = dg.shape[0]
    n = b1 - b0
    g = gather_chunk(dg, T, b0, b1)
    G = g.shape[1]
    for r in range(T * n):
        row = g[r]
        for k in range(G):
            pb[k] += row[k]
    part = np.dot(g.T, gather_chunk(x, T, b0, b1))
    I = pw_ih.shape[1]
    for k in range(G):
        for i in range(I):
            pw_ih[k, i] += part[k, i]
    d = np.dot(g, w_ih)
    for t in range(T):
        for bb in range(n):
            src = d[t * n + bb]
            dst = dx[t, b0 + bb]
            for i in range(I):
                dst[i] = src[i]


@njit(**JIT)
def add_chunk_weight_grad(pw, dgc_t, inp, b0, b1):
    """``pw += dgc_t @ inp[:T, b0:b1]``: one chunk's share of a weight gradient, one GEMM.

    ``dgc_t`` (G, T*n) is the chunk's gate gradients, transposed (:func:`keep_step`); ``inp``
    (T' >= T, B, K) the time-major array the weights multiplied, whose rows are gathered
    (:func:`gather_chunk`). Operands are C-ordered with an output buffer: the same ``np.dot``
    specialization as the per-step recurrent GEMM, so no other one is compiled.
    """
    n = b1 - b0
    part = np.empty(pw.shape, dtype=pw.dtype)
    np.dot(dgc_t, gather_chunk(inp, dgc_t.shape[1] // n, b0, b1), part)
    G, K = pw.shape
    for g in range(G):
        for k in range(K):
            pw[g, k] += part[g, k]


@njit(**JIT)
def input_projection(out, x, w_ih, b_ih):
    """``out = x @ w_ih.T + b_ih`` as one GEMM over all T*B rows.

    Parameters
    ----------
    out : (T, B, G) array, written
    x : (T, B, I) array
    w_ih : (G, I) array
    b_ih : (G,) array
    """
    T, B, I = x.shape
    G = w_ih.shape[0]
    o2 = out.reshape((T * B, G))
    np.dot(x.reshape((T * B, I)), w_ih.T, o2)
    for r in range(T * B):
        for j in range(G):
            o2[r, j] += b_ih[j]


@njit(**JIT)
def accumulate_weight_grads(dw, db, dgates, inp):
    """``dw += dgates.T @ inp`` and ``db += dgates.sum(rows)``, one GEMM over all T*B rows.

    Parameters
    ----------
    dw : (G, K) array, accumulated
    db : (G,) array, accumulated
    dgates : (T, B, G) array, gradient of the pre-activations
    inp : (T, B, K) array, what the weights multiplied (layer input or previous hidden state)
    """
    T, B, G = dgates.shape
    K = inp.shape[2]
    dw += np.dot(dgates.reshape((T * B, G)).T, inp.reshape((T * B, K)))
    accumulate_bias_grad(db, dgates)


@njit(**JIT)
def accumulate_bias_grad(db, dgates):
    """``db += dgates.sum(rows)`` over all T*B rows, in a fixed row order."""
    T, B, G = dgates.shape
    d2 = dgates.reshape((T * B, G))
    for r in range(T * B):
        for j in range(G):
            db[j] += d2[r, j]


@njit(**JIT)
def input_grad(dx, dgates, w_ih):
    """``dx = dgates @ w_ih`` over all T*B rows.

    Parameters
    ----------
    dx : (T, B, I) array, written
    dgates : (T, B, G) array
    w_ih : (G, I) array
    """
    T, B, G = dgates.shape
    I = w_ih.shape[1]
    np.dot(dgates.reshape((T * B, G)), w_ih, dx.reshape((T * B, I)))


# ----------------------------------------------------------------------------- small GEMMs
#: Largest M*N*K that one per-step product is given to BLAS as. OpenBLAS (0.3.2x and later,
#: x86-64) runs a GEMM with M*N*K <= 1e6 through its "small matrix" kernel, which does not
#: pack the operands; above that it packs both on every call. At the M of a batch chunk
#: (16 rows) the packed path ran at half the speed (measured on this project's machine,
#: float32: 50 vs 107-112 GFLOP/s for the recurrent product at H=128 and H=256, LSTM and GRU
#: alike). So per-step products larger than this are split into parts below it. Elsewhere
#: (another BLAS) the split costs a few extra calls and nothing else.
SMALL_GEMM = 1_000_000


def _xxgemm(dtype):
    """numba's own BLAS GEMM entry point (the one ``np.dot`` lowers to), or None where this numba lacks it."""
    try:
        from numba.np.linalg import _BLAS

        _BLAS()  # loads scipy's BLAS, as np.dot does
        return _BLAS.numba_xxgemm(dtype)
    except Exception:  # noqa: BLE001 - an internal of numba; fall back to np.dot on copies
        return None


_GEMM = {"float32": (_xxgemm(types.float32), ord("s")), "float64": (_xxgemm(types.float64), ord("d"))}


@njit(**JIT)
def gemm_view_copy(out, a, b, beta):
    """:func:`gemm_view` through ``np.dot`` on contiguous copies (where numba's GEMM entry point is missing)."""
    r = np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))
    M, N = r.shape
    for i in range(M):
        for j in range(N):
            out[i, j] = r[i, j] + beta * out[i, j]


def gemm_view(out, a, b, beta):
    """``out = a @ b + beta * out`` on row-major views whose rows may be strided (columns unit-stride)."""


@overload(gemm_view)
def _ol_gemm_view(out, a, b, beta):
    fn, kind = _GEMM[str(out.dtype)]
    dt = out.dtype
    if fn is None:

        def copy_impl(out, a, b, beta):
            gemm_view_copy(out, a, b, beta)

        return copy_impl

    def impl(out, a, b, beta):
        M, K = a.shape
        N = b.shape[1]
        isz = a.itemsize
        ab = np.empty(2, dtype=dt)
        ab[0] = 1
        ab[1] = beta
        # Row-major out = a @ b is column-major out^T = b^T @ a^T: BLAS sees b first.
        fn(kind, ord("n"), ord("n"), N, M, K, ab[0:].ctypes, b.ctypes, b.strides[0] // isz, a.ctypes,
           a.strides[0] // isz, ab[1:].ctypes, out.ctypes, out.strides[0] // isz)  # fmt: skip

    return impl


@njit(**JIT)
def matmul_split_cols(out, a, b):
    """``out = a @ b`` for (M, K) @ (K, N), C-ordered rows; one ``np.dot`` when M*N*K <= :data:`SMALL_GEMM`,
    else in column blocks of ``b`` and ``out`` below that size (the per-step recurrent product)."""
    M, K = a.shape
    N = b.shape[1]
    parts = (M * N * K + SMALL_GEMM - 1) // SMALL_GEMM
    if parts <= 1:
        np.dot(a, b, out)
        return
    width = (N + parts - 1) // parts
    for j0 in range(0, N, width):
        j1 = min(N, j0 + width)
        gemm_view(out[:, j0:j1], a, b[:, j0:j1], 0.0)


@njit(**JIT)
def matmul_split_inner(out, a, b):
    """``out = a @ b`` for (M, K) @ (K, N); one ``np.dot`` when M*N*K <= :data:`SMALL_GEMM`, else summed over
    blocks of K below that size, in a fixed order (the per-step product of the backward pass, K = G)."""
    M, K = a.shape
    N = b.shape[1]
    parts = (M * N * K + SMALL_GEMM - 1) // SMALL_GEMM
    if parts <= 1:
        np.dot(a, b, out)
        return
    width = (K + parts - 1) // parts
    for k0 in range(0, K, width):
        k1 = min(K, k0 + width)
        gemm_view(out, a[:, k0:k1], b[k0:k1], 0.0 if k0 == 0 else 1.0)
