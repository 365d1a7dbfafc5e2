"""Helpers shared by the cell kernels: per-step products of one batch chunk, and the BLAS GEMM they call.

Layout inside kernels is time-major: ``x`` is ``(T, B, I)``, hidden states ``(T+1, B, H)``.
With that layout the rows of one batch chunk at one time step are contiguous, so the
recurrent matmul of a chunk is a plain BLAS call on views, without copies.

Every product of a forward pass runs inside the parallel time loop: at each step, each chunk
computes the input projection of its rows (:func:`step_input_projection`: an axpy per input
feature for I <= 8, else a BLAS product) right before the step's pointwise pass reads it,
then their recurrent product.

Every gradient of a backward pass is computed inside the parallel loop: at each step, each
chunk adds its share of the weight and bias gradients and writes the input gradient of its
rows (:func:`step_grads`) while the step's gate gradients are in cache. Each parallel task
keeps its own shares, added in a fixed order afterwards (:func:`n_groups`), so the result
does not depend on the number of threads.

Every matrix product goes through :func:`gemm_view`, one call of the BLAS GEMM that numba's
``np.dot`` uses, on strided views and without ``np.dot``'s compile cost; per-step products
larger than :data:`SMALL_GEMM` are split (:func:`matmul_split_cols`, :func:`matmul_split_inner`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.cpu_options import ParallelOptions
from numba.extending import overload

from .._config import JIT, JIT_PARALLEL

__all__ = [
    "JIT_PRANGE",
    "step_input_projection",
    "n_chunks",
    "n_groups",
    "SMALL_GEMM",
    "matmul_split_cols",
    "matmul_split_inner",
    "matmul_tn_acc",
    "step_grads",
    "gemm_view",
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
def step_grads(dx, pw_ih, pw_hh, pb, dgx, dgh, x, hs, w_ih, t, b0, b1):
    """One step of one chunk's backward pass, after its gate gradients: the chunk's shares
    of the weight gradients, ``pw_hh += dgh.T @ hs[t, b0:b1]`` and
    ``pw_ih += dgx.T @ x[t, b0:b1]``, of the input-side bias gradient, ``pb += dgx.sum(rows)``,
    and the input gradient of its rows, ``dx[t, b0:b1] = dgx @ w_ih``.

    ``dgx`` and ``dgh`` (n, G) are the gradients of the input-side and hidden-side
    pre-activations (the same array except for the GRU). Per-step products of a 16-row
    chunk stay under :data:`SMALL_GEMM` (or are split to), where BLAS runs them unpacked
    at near peak; as one GEMM per chunk over all steps they needed the gradients transposed
    and gathered first (LSTM H=64: 1.4 ms against 1.0 ms for the recurrent weight gradient).
    """
    matmul_tn_acc(pw_hh, dgh, hs[t, b0:b1])
    matmul_tn_acc(pw_ih, dgx, x[t, b0:b1])
    gemm_view(dx[t, b0:b1], dgx, w_ih, 0.0, False, False)
    add_rows(pb, dgx)


@njit(inline="always", **JIT)
def add_rows(pb, dg):
    """``pb += dg.sum(rows)`` for (n, G) ``dg``, rows in order."""
    n, G = dg.shape
    for bb in range(n):
        row = dg[bb]
        for k in range(G):
            pb[k] += row[k]


@njit(**JIT)
def matmul_tn_acc(out, a, b):
    """``out += a.T @ b`` for a (K, M), b (K, N), out (M, N); split along M into parts under :data:`SMALL_GEMM`."""
    K, M = a.shape
    N = b.shape[1]
    parts = max(1, (M * N * K + SMALL_GEMM - 1) // SMALL_GEMM)
    width = (M + parts - 1) // parts
    for g0 in range(0, M, width):
        g1 = min(M, g0 + width)
        gemm_view(out[g0:g1], a[:, g0:g1], b, 1.0, True, False)


@njit(**JIT)
def step_input_projection(a, x, w_ih_t, b_ih):
    """``a = x @ w_ih_t + b_ih`` for one step of one chunk: a (n, G), x (n, I), w_ih_t (I, G) C-ordered.

    Run inside the parallel time loop, right before the step's pointwise pass reads it (as
    one serial GEMM over all T*B rows ahead of the loop it cost LSTM at H=64 0.16 ms, a sixth
    of its forward pass). Few input features (I <= 8, a first layer) take an axpy per feature
    and no BLAS call; more take :func:`matmul_split_cols`.
    """
    n, I = x.shape
    G = w_ih_t.shape[1]
    if I <= 8:
        for bb in range(n):
            o = a[bb]
            xr = x[bb]
            for j in range(G):
                o[j] = b_ih[j]
            for i in range(I):
                xi = xr[i]
                w = w_ih_t[i]
                for j in range(G):
                    o[j] += xi * w[j]
    else:
        matmul_split_cols(a, x, w_ih_t)
        add_bias_rows(a, b_ih)


@njit(inline="always", **JIT)
def add_bias_rows(a, b):
    """``a[r] += b`` for every row of (n, G) ``a``."""
    n, G = a.shape
    for bb in range(n):
        o = a[bb]
        for j in range(G):
            o[j] += b[j]


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
def gemm_view_copy(out, a, b, beta, a_t, b_t):
    """:func:`gemm_view` through ``np.dot`` on contiguous copies (where numba's GEMM entry point is missing)."""
    aa = np.ascontiguousarray(a.T) if a_t else np.ascontiguousarray(a)
    bb = np.ascontiguousarray(b.T) if b_t else np.ascontiguousarray(b)
    r = np.dot(aa, bb)
    M, N = r.shape
    for i in range(M):
        for j in range(N):
            out[i, j] = r[i, j] + beta * out[i, j]


@njit(inline="always", **JIT)
def _leading_dim(m):
    """BLAS's leading dimension of a row-major view: its row stride in elements. A single row's
    stride means nothing (NumPy keeps whatever it had, e.g. 1 for ``w.T`` of a (G, 1) ``w``,
    and calls the array contiguous); BLAS then needs at least the row's length."""
    if m.shape[0] > 1:
        return m.strides[0] // m.itemsize
    return max(1, m.shape[1])


def gemm_view(out, a, b, beta, a_t, b_t):
    """``out = op(a) @ op(b) + beta * out``, ``op(m)`` = ``m.T`` where ``a_t``/``b_t`` is true.

    Operands are 2-D views whose rows may be strided but whose elements within a row are
    contiguous (C-ordered blocks, column blocks of them, time-major slices): BLAS takes them
    with their row strides, without copies. numba's ``np.dot`` calls the same BLAS entry
    point, but only on contiguous arrays, and its lowering (shape and layout checks, one
    version per layout combination) costs several tenths of a second of compile time in
    every kernel that uses it; this is one external call.
    """


@overload(gemm_view)
def _ol_gemm_view(out, a, b, beta, a_t, b_t):
    fn, kind = _GEMM[str(out.dtype)]
    dt = out.dtype
    if fn is None:

        def copy_impl(out, a, b, beta, a_t, b_t):
            gemm_view_copy(out, a, b, beta, a_t, b_t)

        return copy_impl

    def impl(out, a, b, beta, a_t, b_t):
        M = a.shape[1] if a_t else a.shape[0]
        K = a.shape[0] if a_t else a.shape[1]
        N = b.shape[0] if b_t else b.shape[1]
        ab = np.empty(2, dtype=dt)
        ab[0] = 1
        ab[1] = beta
        # Row-major out = op(a) @ op(b) is column-major out^T = op(b)^T @ op(a)^T, and a
        # row-major m read column-major is m^T: BLAS takes b first, transposed where b_t.
        fn(kind, ord("t") if b_t else ord("n"), ord("t") if a_t else ord("n"), N, M, K, ab[0:].ctypes, b.ctypes,
           _leading_dim(b), a.ctypes, _leading_dim(a), ab[1:].ctypes, out.ctypes, _leading_dim(out))  # fmt: skip

    return impl


@njit(**JIT)
def matmul_split_cols(out, a, b):
    """``out = a @ b`` for (M, K) @ (K, N), rows unit-stride; one BLAS call when M*N*K <= :data:`SMALL_GEMM`,
    else one per column block of ``b`` and ``out`` below that size (the per-step recurrent product)."""
    M, K = a.shape
    N = b.shape[1]
    parts = max(1, (M * N * K + SMALL_GEMM - 1) // SMALL_GEMM)
    width = (N + parts - 1) // parts
    for j0 in range(0, N, width):
        j1 = min(N, j0 + width)
        gemm_view(out[:, j0:j1], a, b[:, j0:j1], 0.0, False, False)


@njit(**JIT)
def matmul_split_inner(out, a, b):
    """``out = a @ b`` for (M, K) @ (K, N); one BLAS call when M*N*K <= :data:`SMALL_GEMM`, else summed over
    blocks of K below that size, in a fixed order (the per-step product of the backward pass, K = G)."""
    M, K = a.shape
    N = b.shape[1]
    parts = max(1, (M * N * K + SMALL_GEMM - 1) // SMALL_GEMM)
    width = (K + parts - 1) // parts
    for k0 in range(0, K, width):
        k1 = min(K, k0 + width)
        gemm_view(out, a[:, k0:k1], b[k0:k1], 0.0 if k0 == 0 else 1.0, False, False)
