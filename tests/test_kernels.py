"""CPU kernel internals: how a backward pass splits its work, checked against the float64 reference."""

import numba
import numpy as np
import pytest
from helpers import assert_close, run_tsrnn
from test_cells import random_case, reference_results

from tsrnn.kernels import _common


def test_n_groups_depends_on_shapes_only():
    n_groups = _common.n_groups.py_func
    budget = _common._PARTIALS_BUDGET
    assert n_groups(5, 80, 20) == 5  # small weights: one parallel task per chunk
    assert n_groups(0, 80, 20) == 0
    assert n_groups(100, 1024, 256) == budget // (1024 * 256)  # large weights: fewer tasks, bounded memory
    assert n_groups(3, 10**7, 10**7) == 1
    assert n_groups(1, 4, 4) == 1


@pytest.mark.parametrize(("cell", "H", "groups"), [("lstm", 256, 16), ("gru", 256, 21), ("rnn_tanh", 512, 16)])
def test_backward_with_more_chunks_than_parallel_tasks_matches_reference(cell, H, groups):
    # Enough chunks of 16 rows that some parallel tasks run two chunks and sum both into one share.
    G = {"lstm": 4, "gru": 3, "rnn_tanh": 1}[cell] * H
    assert _common.n_groups.py_func(groups + 1, G, H) == groups
    B = 16 * (groups + 1)
    m, x, state, dout, dstate = random_case(cell, B, 3, 2, H, 1, np.float64, 11)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    for key in want:
        assert_close(got[key], want[key], atol=1e-10, rtol=1e-10, what=f"{cell} {key}")


# ------------------------------------------------------------------ split per-step products
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_products_equal_numpy(dtype):
    from tsrnn.kernels._common import (
        SMALL_GEMM,
        gemm_view_copy,
        matmul_split_cols,
        matmul_split_inner,
    )

    rng = np.random.default_rng(0)
    # M*N*K above SMALL_GEMM (split into parts, widths not dividing N or K evenly), and below it (one call).
    for M, K, N in ((16, 130, 517), (16, 517, 130), (3, 7, 5)):
        a = rng.standard_normal((M, K)).astype(dtype)
        b = rng.standard_normal((K, N)).astype(dtype)
        assert (M * N * K > SMALL_GEMM) == (M > 3)
        for fn in (matmul_split_cols, matmul_split_inner):
            out = np.full((M, N), np.nan, dtype)
            fn(out, a, b)
            np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4 if dtype == np.float32 else 1e-12,
                                       atol=1e-3 if dtype == np.float32 else 1e-10)  # fmt: skip
    # Strided views (the column blocks the split products hand to BLAS), transposed operands, beta,
    # and the copying fallback used where numba's GEMM entry point is missing.
    from tsrnn.kernels._common import gemm_view

    @numba.njit
    def call(out, a, b, beta, a_t, b_t):
        gemm_view(out, a, b, beta, a_t, b_t)

    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    big = rng.standard_normal((12, 20)).astype(dtype)
    other = rng.standard_normal((12, 20)).astype(dtype)
    a, b = big[:6, 2:7], other[:5, 3:11]  # (6, 5) @ (5, 8), rows strided
    # Single-row operands whose row stride NumPy leaves meaningless: w.T of a (G, 1) w has
    # strides (itemsize, itemsize) and counts as contiguous; BLAS refuses a leading dimension of 1.
    w = rng.standard_normal((9, 1)).astype(dtype)
    row = np.ascontiguousarray(w.T)
    assert row.strides[0] == row.itemsize
    lhs = rng.standard_normal((6, 1)).astype(dtype)
    out = np.full((6, 9), np.nan, dtype)
    call(out, lhs, row, 0.0, False, False)
    np.testing.assert_allclose(out, lhs.astype(np.float64) @ row, **tol)
    out1 = np.full((1, 9), np.nan, dtype)[:, :]
    call(out1, lhs[:1], row, 0.0, False, False)
    np.testing.assert_allclose(out1, lhs[:1].astype(np.float64) @ row, **tol)
    for a_t, b_t in ((False, False), (True, False), (False, True), (True, True)):
        aa = np.ascontiguousarray(a.T)[:, :] if a_t else a
        bb = np.ascontiguousarray(b.T) if b_t else b
        for fn in (call, gemm_view_copy):
            out = np.ones((6, 30), dtype)
            fn(out[:, 4:12], aa, bb, 0.5, a_t, b_t)
            np.testing.assert_allclose(out[:, 4:12], 0.5 + a.astype(np.float64) @ b, **tol)
            assert np.all(out[:, :4] == 1) and np.all(out[:, 12:] == 1)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_split_products_inside_the_cells_match_the_reference(cell, dtype):
    # 16-row chunks: every per-step product (M*N*K = 16*G*H > 1e6) runs split, forward and backward.
    H = 256 if cell == "rnn_tanh" else 160
    G = {"lstm": 4, "gru": 3, "rnn_tanh": 1}[cell] * H
    assert 16 * G * H > _common.SMALL_GEMM
    m, x, state, dout, dstate = random_case(cell, 21, 4, 2, H, 1, dtype, 3)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    tol = dict(atol=1e-10, rtol=1e-10) if dtype == np.float64 else dict(atol=2e-4, rtol=1e-3)
    for key in want:
        assert_close(got[key], want[key], what=f"{cell} {key}", **tol)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
@pytest.mark.parametrize("I", [1, 8, 9, 40])
def test_input_projection_paths_match_the_reference(cell, I):
    # I <= 8: axpy per input feature inside the time loop; I > 8: a BLAS product per step and chunk.
    m, x, state, dout, dstate = random_case(cell, 19, 5, I, 12, 2, np.float64, 5)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    for key in want:
        assert_close(got[key], want[key], atol=1e-10, rtol=1e-10, what=f"{cell} I={I} {key}")
