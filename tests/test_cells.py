"""Kernels against the float64 NumPy reference (tests/reference.py) and finite differences."""

import numpy as np
import pytest
import reference as ref
from helpers import assert_close, layer_for, ref_cell, run_tsrnn
from hypothesis import given, settings
from hypothesis import strategies as st

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")


def random_case(cell, B, T, I, H, L, dtype, seed):
    rng = np.random.default_rng(seed)
    m = layer_for(cell, I, H, L, dtype, seed=seed)
    # Non-zero biases so every bias path is exercised.
    for name, p in m.params.items():
        if name.startswith("bias"):
            p[...] = rng.uniform(-0.5, 0.5, p.shape)
    x = rng.standard_normal((B, T, I)).astype(dtype)
    n_state = 2 if cell == "lstm" else 1
    states = [rng.standard_normal((L, B, H)).astype(dtype) * 0.5 for _ in range(n_state)]
    dstates = [rng.standard_normal((L, B, H)).astype(dtype) for _ in range(n_state)]
    state = tuple(states) if cell == "lstm" else states[0]
    dstate = tuple(dstates) if cell == "lstm" else dstates[0]
    dout = rng.standard_normal((B, T, H)).astype(dtype)
    return m, x, state, dout, dstate


def reference_results(cell, m, x, state, dout, dstate):
    name, nl = ref_cell(cell)
    p64 = {k: v.astype(np.float64) for k, v in m.params.items()}
    cast = lambda s: tuple(a.astype(np.float64) for a in s) if isinstance(s, tuple) else s.astype(np.float64)  # noqa: E731
    out, fin, caches = ref.stacked_forward(name, x.astype(np.float64), p64, m.num_layers, cast(state), nl)
    dx, grads, d0 = ref.stacked_backward(name, dout.astype(np.float64), cast(dstate), caches)
    res = {"out": out, "dx": dx}
    if cell == "lstm":
        res.update(h=fin[0], c=fin[1], dh0=d0[0], dc0=d0[1])
    else:
        res.update(h=fin, dh0=d0)
    res.update({f"grad.{k}": v for k, v in grads.items()})
    return res


@settings(max_examples=12, deadline=None)
@given(
    cell=st.sampled_from(CELLS),
    B=st.integers(1, 40),
    T=st.integers(1, 12),
    I=st.integers(1, 4),
    H=st.integers(1, 12),
    L=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_float64_matches_reference(cell, B, T, I, H, L, seed):
    m, x, state, dout, dstate = random_case(cell, B, T, I, H, L, np.float64, seed)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    for key in want:
        assert_close(got[key], want[key], atol=1e-10, rtol=1e-10, what=f"{cell} {key}")


@pytest.mark.parametrize("cell", CELLS)
def test_float32_close_to_float64_reference(cell):
    # float32 kernels use the fast rational tanh/sigmoid: still within float32 rounding noise.
    m, x, state, dout, dstate = random_case(cell, 19, 15, 3, 10, 2, np.float32, 7)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    for key in want:
        assert got[key].dtype == np.float32
        assert_close(got[key], want[key], atol=2e-5, rtol=1e-4, what=f"{cell} {key}")


def _objective(cell, m, x, state, R, Rs):
    out, fin = m.forward(x, state)
    fins = fin if isinstance(fin, tuple) else (fin,)
    return float(np.sum(out * R) + sum(np.sum(f * r) for f, r in zip(fins, Rs)))


@pytest.mark.parametrize("cell", CELLS)
def test_central_finite_differences(cell):
    """Every parameter entry, the input and the initial state, in float64: relative error < 1e-6."""
    B, T, I, H, L = 3, 5, 2, 4, 2
    m, x, state, R, dstate = random_case(cell, B, T, I, H, L, np.float64, 11)
    Rs = dstate if isinstance(dstate, tuple) else (dstate,)
    analytic = run_tsrnn(cell, m, x, state, R, dstate)
    eps = 1e-6

    def check(array, grad, what):
        num = np.empty_like(array)
        for idx in np.ndindex(array.shape):
            old = array[idx]
            array[idx] = old + eps
            fp = _objective(cell, m, x, state, R, Rs)
            array[idx] = old - eps
            fm = _objective(cell, m, x, state, R, Rs)
            array[idx] = old
            num[idx] = (fp - fm) / (2 * eps)
        # Relative to the gradient's scale; entries near zero are judged against that scale.
        rel = np.abs(num - grad).max() / max(np.abs(grad).max(), 1e-12)
        assert rel < 1e-6, f"{cell} {what}: relative error {rel:.2e}"

    for name, p in m.params.items():
        check(p, analytic[f"grad.{name}"], name)
    check(x, analytic["dx"], "x")
    states = state if isinstance(state, tuple) else (state,)
    d0 = ("dh0", "dc0") if cell == "lstm" else ("dh0",)
    for s, key in zip(states, d0):
        check(s, analytic[key], key)


def test_forward_returns_fresh_arrays():
    # The layer output is a fresh array: later forwards must not change earlier results.
    m = layer_for("lstm", 2, 3, 1, np.float64)
    x = np.ones((2, 4, 2))
    out1, _ = m.forward(x)
    keep = out1.copy()
    m.forward(x * 2)
    np.testing.assert_array_equal(out1, keep)
