"""Closed-loop forecasts in one kernel call (tsrnn.nn.recursive.closed_loop) against the float64 reference."""

import numba
import numpy as np
import pytest

from tests.reference import stacked_forward
from tsrnn.nn import RecurrentRegressor
from tsrnn.nn.recursive import closed_loop


def reference_closed_loop(model, x, steps, history, lag):
    """The closed loop written step by step on the float64 NumPy reference cells."""
    cell = model.cell
    params = {k: v.astype(np.float64) for k, v in model.rnn.state_dict().items()}
    w, b = (model.head.params[k].astype(np.float64) for k in ("weight", "bias"))
    L, B, H = model.rnn.num_layers, x.shape[0], model.rnn.hidden_size
    zeros = np.zeros((L, B, H))
    state = (zeros, zeros.copy()) if cell == "lstm" else zeros
    nl = getattr(model.rnn, "nonlinearity", "tanh")
    out, state, _ = stacked_forward(cell, x.astype(np.float64), params, L, state, nl)
    y = out[:, -1] @ w.T + b
    hist = [history[:, i] for i in range(history.shape[1])]
    pred = np.empty((B, steps, y.shape[1]))
    for k in range(steps):
        base = np.stack([hist[len(hist) - lg][i] if lg > 0 else np.zeros(y.shape[1]) for i, lg in enumerate(lag)])
        value = y + base
        hist.append(value)
        pred[:, k] = value
        out, state, _ = stacked_forward(cell, value[:, None, :], params, L, state, nl)
        y = out[:, -1] @ w.T + b
    return pred


def run(model, x, steps, history=None, lag=None):
    out, state = model.forward(x)
    return closed_loop(model, out[:, -1], state, steps, history, lag)


CASES = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]


@pytest.mark.parametrize("cell,nl", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,L", [(1, 1), (3, 2), (37, 1)])
def test_closed_loop_matches_the_reference(cell, nl, dtype, B, L):
    # B=1 and 3 run the in-kernel axpy products, B=37 three chunks of BLAS products in parallel.
    kw = {"nonlinearity": nl} if cell == "rnn" else {}
    m = RecurrentRegressor(cell, 1, 12, 1, num_layers=L, dtype=dtype, seed=3, **kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, 20, 1)).astype(dtype)
    history = rng.standard_normal((B, 24, 1))
    lag = rng.integers(0, 25, B)  # 0 = no baseline term for that series
    got = run(m, x, 30, history, lag)
    want = reference_closed_loop(m, x, 30, history, lag)
    assert got.dtype == np.float64 and got.shape == (B, 30, 1)
    # float32 runs the fast activations (error <= 4e-7 per call) and float32 rounding through 30 fed-back steps.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 if dtype == np.float64 else 2e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_closed_loop_exact_activations_float32(cell):
    m = RecurrentRegressor(cell, 1, 8, 1, seed=1)
    m.rnn._fast = False
    x = np.random.default_rng(1).standard_normal((2, 10, 1)).astype(np.float32)
    got = run(m, x, 12)
    want = reference_closed_loop(m, x, 12, np.zeros((2, 1, 1)), np.zeros(2, dtype=np.int64))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_closed_loop_feeds_several_outputs_back():
    m = RecurrentRegressor("gru", 3, 8, 3, num_layers=2, dtype=np.float64, seed=2)
    x = np.random.default_rng(2).standard_normal((4, 9, 3))
    hist = np.random.default_rng(3).standard_normal((4, 5, 3))
    lag = np.array([0, 1, 5, 2])
    np.testing.assert_allclose(run(m, x, 7, hist, lag), reference_closed_loop(m, x, 7, hist, lag), atol=1e-11)


def test_closed_loop_matches_step_by_step_layer_calls():
    # The same loop through the public forward, one call per step (16-row chunks: the BLAS path). The head is
    # NumPy's matmul there and a BLAS GEMM in the kernel, so the last bits may differ.
    m = RecurrentRegressor("lstm", 1, 16, 1, num_layers=2, seed=0)
    x = np.random.default_rng(0).standard_normal((40, 30, 1)).astype(np.float32)
    out, state = m.forward(x)
    got = closed_loop(m, out[:, -1], state, 10)
    y, want = out[:, -1], []
    for _ in range(10):
        want.append(y.astype(np.float64))
        y, state = m.forward(y[:, None, :], state)
        y = y[:, -1]
    np.testing.assert_allclose(got, np.stack(want, axis=1), rtol=0, atol=1e-6)


def test_closed_loop_does_not_depend_on_thread_count():
    m = RecurrentRegressor("gru", 1, 32, 1, seed=0)
    x = np.random.default_rng(0).standard_normal((50, 24, 1)).astype(np.float32)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(m, x, 20)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run(m, x, 20)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


def test_closed_loop_leaves_the_state_alone():
    m = RecurrentRegressor("lstm", 1, 8, 1, seed=0)
    out, (h, c) = m.forward(np.ones((2, 5, 1), np.float32))
    h0, c0 = h.copy(), c.copy()
    closed_loop(m, out[:, -1], (h, c), 5)
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(c, c0)


def test_closed_loop_errors_speak_to_the_user():
    m = RecurrentRegressor("gru", 1, 4, 2, seed=0)
    with pytest.raises(ValueError, match=r"input_size must equal output_size; got input_size=1, output_size=2"):
        closed_loop(m, np.zeros((1, 2), np.float32), None, 3)
    m = RecurrentRegressor("gru", 1, 4, 1, seed=0)
    first = np.zeros((2, 1), np.float32)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1, got 0"):
        closed_loop(m, first, None, 0)
    with pytest.raises(ValueError, match=r"lag must lie in \[0, S=3\]"):
        closed_loop(m, first, None, 3, np.zeros((2, 3, 1)), [1, 4])
    with pytest.raises(ValueError, match=r"lag has positive entries but no history"):
        closed_loop(m, first, None, 3, None, [1, 1])
    with pytest.raises(ValueError, match=r"first has dtype float64; expected float32"):
        closed_loop(m, first.astype(np.float64), None, 3)
    with pytest.raises(ValueError, match=r"state"):
        closed_loop(m, first, np.zeros((1, 3, 4), np.float32), 3)


def test_forecast_method_runs_window_and_closed_loop():
    m = RecurrentRegressor("rnn", 1, 8, 1, num_layers=2, dtype=np.float64, seed=4)
    x = np.random.default_rng(4).standard_normal((3, 11, 1))
    want = reference_closed_loop(m, x, 6, np.zeros((3, 1, 1)), np.zeros(3, dtype=np.int64))
    np.testing.assert_allclose(m.forecast(x, 6), want, atol=1e-11)
    with pytest.raises(ValueError, match=r"input_size must equal output_size"):
        RecurrentRegressor("rnn", 2, 8, 1, seed=0).forecast(np.zeros((1, 3, 2), np.float32), 2)
