"""Truncated BPTT: chunking changes nothing in the forward pass; with k = T it is full BPTT."""

import numpy as np
import pytest

from tsrnn.nn import GRU, LSTM, RNN, MSELoss, RecurrentRegressor, tbptt_gradients
from tsrnn.nn.tbptt import TBPTTTrainer

CELLS = ("lstm", "gru", "rnn")


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
@pytest.mark.parametrize("k", [1, 3, 5, 16])
def test_chunked_forward_equals_unchunked(cls, k):
    rng = np.random.default_rng(k)
    m = cls(2, 6, num_layers=2, dtype=np.float64, seed=4)
    x = rng.standard_normal((5, 16, 2))
    full, final = m.forward(x)
    state, outs = None, []
    for s in range(0, 16, k):
        out, state = m.forward(x[:, s : s + k], state)
        outs.append(out)
    np.testing.assert_array_equal(np.concatenate(outs, axis=1), full)
    for a, b in zip(state if isinstance(state, tuple) else (state,), final if isinstance(final, tuple) else (final,)):
        np.testing.assert_array_equal(a, b)


def _data(dtype=np.float64, B=4, T=12):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, 2)).astype(dtype)
    y = rng.standard_normal((B, T, 3)).astype(dtype)
    return x, y


@pytest.mark.parametrize("cell", CELLS)
def test_k_equal_T_is_full_bptt(cell):
    x, y = _data()
    m = RecurrentRegressor(cell, 2, 5, 3, num_layers=2, dtype=np.float64, seed=1)
    m.zero_grad()
    loss_tbptt, _ = tbptt_gradients(m, "mse", x, y, k=12)
    g_tbptt = [g.copy() for _, g in m.parameters()]

    m.zero_grad()
    pred, _ = m.forward(x)
    loss_full, dpred = MSELoss()(pred, y)
    m.backward(dpred)
    assert loss_tbptt == pytest.approx(loss_full, rel=1e-14)
    for a, (_, b) in zip(g_tbptt, m.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
def test_truncation_cuts_gradient_at_chunk_boundaries(cell):
    """k < T: the gradient equals the sum of chunk gradients, each from a constant initial state."""
    x, y = _data()
    k = 5
    m = RecurrentRegressor(cell, 2, 5, 3, dtype=np.float64, seed=2)
    m.zero_grad()
    loss_tbptt, _ = tbptt_gradients(m, "mse", x, y, k=k)
    g_tbptt = np.concatenate([g.copy() for _, g in m.parameters()])

    # Same thing by hand: forward the whole prefix to get each chunk's start state, then
    # backpropagate each chunk alone with its share of the mean loss.
    m.zero_grad()
    total = 0.0
    state = None
    for s in range(0, 12, k):
        e = min(12, s + k)
        pred, new_state = m.forward(x[:, s:e], state)
        value, d = MSELoss()(pred, y[:, s:e])
        share = (e - s) / 12
        total += value * share
        m.backward(d * share)
        state = new_state
    g_hand = np.concatenate([g for _, g in m.parameters()])
    np.testing.assert_allclose(g_tbptt, g_hand, rtol=1e-12, atol=1e-14)
    assert loss_tbptt == pytest.approx(total, rel=1e-14)

    # And it differs from full BPTT (the cut is real).
    m.zero_grad()
    tbptt_gradients(m, "mse", x, y, k=12)
    g_full = np.concatenate([g for _, g in m.parameters()])
    assert np.abs(g_full - g_tbptt).max() > 1e-6


def test_stateful_trainer_carries_state_across_calls():
    x, y = _data(B=3, T=20)
    m = RecurrentRegressor("gru", 2, 4, 3, dtype=np.float64, seed=0)

    class NoOpt:
        def step(self):
            pass

    trainer = TBPTTTrainer(m, "mse", NoOpt(), mode="stateful", k=5)
    trainer.step(x[:, :10], y[:, :10])
    trainer.step(x[:, 10:], y[:, 10:])
    _, final = m.rnn.forward(x)
    np.testing.assert_allclose(trainer.state, final, rtol=0, atol=0)
    assert trainer.steps == 4
    with pytest.raises(ValueError, match="x has 2 streams but the carried state has 3"):
        trainer.step(x[:2, :5], y[:2, :5])
    trainer.reset_state()
    trainer.step(x[:2, :5], y[:2, :5])


def test_masked_targets_are_ignored():
    x, y = _data()
    w = np.ones_like(y)
    w[:, :6] = 0
    y_changed = y.copy()
    y_changed[:, :6] = 1e3
    m = RecurrentRegressor("lstm", 2, 5, 3, dtype=np.float64, seed=1)
    m.zero_grad()
    a, _ = tbptt_gradients(m, "mse", x, y, k=4, weight=w)
    ga = np.concatenate([g.copy() for _, g in m.parameters()])
    m.zero_grad()
    b, _ = tbptt_gradients(m, "mse", x, y_changed, k=4, weight=w)
    gb = np.concatenate([g.copy() for _, g in m.parameters()])
    assert a == b
    np.testing.assert_array_equal(ga, gb)


def test_dropout_between_layers_gradients_and_modes():
    """Dropout masks layer outputs in training mode only; gradients still match finite differences."""
    rng = np.random.default_rng(0)
    m = LSTM(2, 4, num_layers=3, dtype=np.float64, seed=5, dropout=0.5)
    x = rng.standard_normal((3, 6, 2))
    eval_out, _ = m.forward(x)
    m.train()
    train_out, _ = m.forward(x)
    assert np.abs(train_out - eval_out).max() > 1e-3
    # Fix the masks: reuse the rng state so every forward in the check draws the same masks.
    state = m._dropout_rng.bit_generator.state

    def objective():
        m._dropout_rng.bit_generator.state = state
        out, _ = m.forward(x)
        return float(np.sum(out * np.cos(out)))

    m._dropout_rng.bit_generator.state = state
    out, _ = m.forward(x)
    m.zero_grad()
    m.backward(np.cos(out) - out * np.sin(out))
    w = m.params["weight_ih_l1"]
    eps = 1e-6
    for idx in [(0, 0), (5, 3), (15, 1)]:
        old = w[idx]
        w[idx] = old + eps
        fp = objective()
        w[idx] = old - eps
        fm = objective()
        w[idx] = old
        assert abs((fp - fm) / (2 * eps) - m.grads["weight_ih_l1"][idx]) < 1e-7
    m.eval()
    np.testing.assert_array_equal(m.forward(x)[0], eval_out)
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\), got 1.0"):
        LSTM(1, 2, dropout=1.0)
