"""Shared helpers for the tests: building tsrnn layers from torch-style parameter dicts."""

from __future__ import annotations

import numpy as np

from tsrnn.nn import GRU, LSTM, RNN


def layer_for(cell, I, H, L, dtype, params=None, seed=0):
    """A tsrnn layer for ``cell`` in {"rnn_tanh", "rnn_relu", "lstm", "gru"}, optionally loaded with ``params``."""
    if cell == "lstm":
        m = LSTM(I, H, L, dtype=dtype, seed=seed)
    elif cell == "gru":
        m = GRU(I, H, L, dtype=dtype, seed=seed)
    else:
        m = RNN(I, H, L, dtype=dtype, seed=seed, nonlinearity=cell.split("_")[1])
    if params is not None:
        m.load_state_dict(params)
    return m


def ref_cell(cell):
    """(reference cell name, nonlinearity) for tests/reference.py."""
    if cell.startswith("rnn"):
        return "rnn", cell.split("_")[1]
    return cell, "tanh"


def run_tsrnn(cell, m, x, state, dout, dstate):
    """Forward + backward; returns a dict with the same keys as torch_helpers.run_torch."""
    m.zero_grad()
    out, fin = m.forward(x, state)
    dx, d0 = m.backward(dout, dstate, return_dstate=True)
    res = {"out": out, "dx": dx}
    if cell == "lstm":
        res.update(h=fin[0], c=fin[1], dh0=d0[0], dc0=d0[1])
    else:
        res.update(h=fin, dh0=d0)
    for name, g in m.grads.items():
        res[f"grad.{name}"] = g.copy()
    return res


def assert_close(got, want, atol, rtol, what=""):
    """``|got - want| <= atol + rtol * |want|`` elementwise (llm.c's check), with a useful message."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    err = np.abs(got - want)
    bound = atol + rtol * np.abs(want)
    worst = np.argmax(err - bound) if err.size else 0
    assert np.all(err <= bound), (
        f"{what}: max abs error {err.max():.3e}; worst at {np.unravel_index(worst, err.shape)}: "
        f"got {got.flat[worst]!r}, want {want.flat[worst]!r}"
    )


def assert_gradients_match_finite_differences(model, x, G, rng, input_points, eps=1e-6):
    """``model.backward(G)`` against central differences of ``sum(model.forward(x)[0] * G)``.

    Checks up to six entries of every parameter (chosen by ``rng``) and the input gradient at
    ``input_points`` ((b, t, c) triples of ``x``), each to rel 1e-5 / abs 1e-7. Returns the
    input gradient.
    """
    import pytest

    def value():
        return float(np.sum(model.forward(x)[0] * G))

    model.zero_grad()
    model.forward(x)
    dx = model.backward(G)
    for params, grads in model.parameters():
        for j in rng.choice(params.size, size=min(6, params.size), replace=False):
            old = params[j]
            params[j] = old + eps
            up = value()
            params[j] = old - eps
            down = value()
            params[j] = old
            assert grads[j] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)
    for b, t, c in input_points:
        old = x[b, t, c]
        x[b, t, c] = old + eps
        up = value()
        x[b, t, c] = old - eps
        down = value()
        x[b, t, c] = old
        assert dx[b, t, c] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)
    return dx
