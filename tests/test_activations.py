"""Scalar activations (tsrnn.kernels.activations): accuracy of the fast forms, dtype dispatch, exact mode."""

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from numba import njit
from test_cells import random_case, reference_results

from helpers import assert_close, run_tsrnn
from tsrnn.kernels.activations import (
    fast_sigmoid64,
    fast_tanh,
    fast_tanh64,
    sigmoid_,
    tanh_,
    typed_fast_sigmoid,
    typed_fast_tanh,
)
from tsrnn.nn import GRU, LSTM, RNN

BOUND = 1e-15  # the documented bound; measured 2.3e-16


@njit(error_model="numpy")
def _apply(fn_code, x, out, fast):
    # One loop per function, the way the kernels call them (inlined into a loop).
    if fn_code == 0:
        for i in range(x.size):
            out[i] = tanh_(x[i], fast)
    else:
        for i in range(x.size):
            out[i] = sigmoid_(x[i], fast)


@njit(error_model="numpy")
def _tanh64_loop(x, out):
    for i in range(x.size):
        out[i] = fast_tanh64(x[i])


@njit(error_model="numpy")
def _sigmoid64_loop(x, out):
    for i in range(x.size):
        out[i] = fast_sigmoid64(x[i])


@njit(error_model="numpy")
def _fast_tanh_loop(x, out):
    for i in range(x.size):
        out[i] = fast_tanh(x[i])


def _tanh64(x):
    out = np.empty_like(x)
    _tanh64_loop(x, out)
    return out


def _sigmoid64(x):
    out = np.empty_like(x)
    _sigmoid64_loop(x, out)
    return out


def _logistic(x):
    """float64 logistic without overflow: exp of a non-positive argument only."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _dense_grid():
    # 10^7 points of [-40, 40] (step 8e-6), plus every float64 near 0 at a steady relative step.
    small = np.geomspace(1e-300, 1.0, 20001)
    return np.concatenate([np.linspace(-40.0, 40.0, 10_000_001), small, -small])


EDGES = np.array([0.0, 1e-300, 5e-324, 2.2250738585072014e-308, 1e-20, 1e-8, 0.17328679513998632, 0.34657359027997264,
                  0.5, 1.0, 19.0, 19.06, 19.1, 20.0, 20.5, 40.0, 354.0, 707.9, 708.0, 708.5, 709.8, 745.2, 1e10, 1e300,
                  1.7976931348623157e308, np.inf])  # fmt: skip
EDGES = np.concatenate([EDGES, -EDGES])


def test_fast_tanh64_within_bound_on_dense_grid():
    x = _dense_grid()
    got = _tanh64(x)
    want = np.tanh(x)
    err = np.abs(got - want)
    assert err.max() <= BOUND, f"max abs error {err.max():.3e} at x = {x[np.argmax(err)]!r}"
    nz = want != 0
    rel = err[nz] / np.abs(want[nz])
    assert rel.max() <= 4 * BOUND, f"max rel error {rel.max():.3e} at x = {x[nz][np.argmax(rel)]!r}"
    assert np.all(np.abs(got) <= 1.0)


def test_fast_sigmoid64_within_bound_on_dense_grid():
    x = _dense_grid()
    got = _sigmoid64(x)
    want = _logistic(x)
    err = np.abs(got - want)
    assert err.max() <= BOUND, f"max abs error {err.max():.3e} at x = {x[np.argmax(err)]!r}"
    rel = err / want  # relative accuracy also for the small values of large negative x
    assert rel.max() <= 4 * BOUND, f"max rel error {rel.max():.3e} at x = {x[np.argmax(rel)]!r}"
    assert np.all((got >= 0.0) & (got <= 1.0))


def test_fast_float64_against_high_precision():
    import mpmath  # in the test extra

    mpmath.mp.dps = 40
    x = np.random.default_rng(0).uniform(-25.0, 25.0, 3000)
    x = np.concatenate([x, x * 1e-3, EDGES[np.isfinite(EDGES) & (np.abs(EDGES) < 50)]])
    t = _tanh64(x)
    s = _sigmoid64(x)
    for xi, ti, si in zip(x.tolist(), t.tolist(), s.tolist()):
        mx = mpmath.mpf(xi)
        assert abs(ti - float(mpmath.tanh(mx))) <= BOUND, xi
        assert abs(si - float(1 / (1 + mpmath.exp(-mx)))) <= BOUND, xi


def test_fast_tanh64_edge_cases():
    got = _tanh64(EDGES)
    want = np.tanh(EDGES)
    np.testing.assert_allclose(got, want, rtol=4 * BOUND, atol=0.0)
    # Tiny arguments (|x| < 1e-16): tanh(x) = x exactly, signed zeros kept.
    for v in (0.0, 1e-300, 5e-324, 2.2250738585072014e-308, 1e-20, 1e-17):
        for s in (1.0, -1.0):
            (r,) = _tanh64(np.array([s * v]))
            assert r == s * v and math.copysign(1.0, r) == s
    # Exact limits from 19.1 on (np.tanh is 1.0 there as well).
    big = np.array([19.1, 20.0, 40.0, 800.0, 1e300, np.inf])
    assert np.all(_tanh64(big) == 1.0) and np.all(_tanh64(-big) == -1.0)
    nan = _tanh64(np.array([np.nan, -np.nan]))
    assert np.all(np.isnan(nan))


def test_fast_sigmoid64_edge_cases():
    got = _sigmoid64(EDGES)
    want = _logistic(EDGES)
    # Absolute error within the bound everywhere; relative too, down to the subnormals.
    assert np.all(np.abs(got - want) <= BOUND)
    normal = want > 1e-307
    np.testing.assert_allclose(got[normal], want[normal], rtol=4 * BOUND, atol=0.0)
    assert _sigmoid64(np.array([0.0]))[0] == 0.5 and _sigmoid64(np.array([-0.0]))[0] == 0.5
    big = np.array([40.0, 708.0, 800.0, 1e300, np.inf])
    assert np.all(_sigmoid64(big) == 1.0)
    assert np.all(_sigmoid64(-np.array([708.0, 708.5, 745.2, 800.0, 1e300, np.inf])) == 0.0)
    assert np.all(np.isnan(_sigmoid64(np.array([np.nan, -np.nan]))))


def test_tanh_and_sigmoid_dispatch_on_dtype():
    x64 = np.random.default_rng(1).uniform(-30.0, 30.0, 10001)
    x32 = x64.astype(np.float32)
    out64, out32 = np.empty_like(x64), np.empty_like(x32)
    # float64, fast: the float64 forms, bit for bit.
    _apply(0, x64, out64, True)
    np.testing.assert_array_equal(out64, _tanh64(x64))
    _apply(1, x64, out64, True)
    np.testing.assert_array_equal(out64, _sigmoid64(x64))
    # float32, fast: unchanged, the clamped rational form in float32.
    _apply(0, x32, out32, True)
    ref32 = np.empty_like(x32)
    _fast_tanh_loop(x32, ref32)
    np.testing.assert_array_equal(out32, ref32)
    _fast_tanh_loop(np.float32(0.5) * x32, ref32)
    _apply(1, x32, out32, True)
    np.testing.assert_array_equal(out32, np.float32(0.5) + np.float32(0.5) * ref32)
    assert out32.dtype == np.float32
    # Exact mode: libm's tanh (the one Python's math.tanh calls) and the logistic from exp.
    _apply(0, x64, out64, False)
    np.testing.assert_array_equal(out64, [math.tanh(v) for v in x64.tolist()])
    _apply(1, x64, out64, False)
    np.testing.assert_allclose(out64, _logistic(x64), rtol=1e-15, atol=0.0)
    # The pure-Python fallbacks of the dispatchers pick the same forms.
    assert typed_fast_tanh(0.3) == _tanh64(np.array([0.3]))[0]
    assert typed_fast_sigmoid(-2.0) == _sigmoid64(np.array([-2.0]))[0]
    assert typed_fast_tanh(np.float32(0.3)) == fast_tanh(np.float32(0.3))


def test_fast_float64_loop_vectorizes():
    # Branch-free by design: a loop over an array must compile to vector operations on doubles.
    for fn in (_tanh64_loop, _sigmoid64_loop):
        fn(np.zeros(4), np.zeros(4))
        llvm = fn.inspect_llvm(fn.signatures[0])
        assert re.search(r"<\d+ x double>", llvm), f"{fn.__name__} did not vectorize"


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_float64_layers_fast_by_default_and_exact_mode_matches_reference(cell):
    m, x, state, dout, dstate = random_case(cell, 21, 9, 3, 11, 2, np.float64, 5)
    assert m._fast  # float64 on the CPU: the fast float64 activations by default
    want = reference_results(cell, m, x, state, dout, dstate)
    fast = run_tsrnn(cell, m, x, state, dout, dstate)
    m._fast = False  # exact mode (what TSRNN_FAST_ACTIVATIONS_FLOAT64=0 selects)
    exact = run_tsrnn(cell, m, x, state, dout, dstate)
    for key in want:
        assert_close(exact[key], want[key], atol=1e-10, rtol=1e-10, what=f"exact {cell} {key}")
        assert_close(fast[key], want[key], atol=1e-10, rtol=1e-10, what=f"fast {cell} {key}")
        assert_close(fast[key], exact[key], atol=1e-13, rtol=1e-12, what=f"fast vs exact {cell} {key}")


def test_env_flag_selects_exact_float64():
    code = (
        "import numpy as np; from tsrnn.nn import GRU, LSTM, RNN; "
        "print([c(2, 3, dtype=d)._fast for c in (LSTM, GRU, RNN) for d in (np.float64, np.float32)])"
    )
    env = dict(os.environ, TSRNN_FAST_ACTIVATIONS_FLOAT64="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([False, True] * 3)
    assert all(c(2, 3, dtype=d)._fast for c in (LSTM, GRU, RNN) for d in (np.float64, np.float32))
