"""A small LSTM and a small GRU fitted to a noisy sine lower the loss at least 10x."""

import numpy as np
import pytest

from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer


def noisy_sine_windows(n=96, T=24, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + T + 1)
    series = np.sin(2 * np.pi * t / 16) + 0.05 * rng.standard_normal(t.size)
    starts = np.arange(n)
    x = np.stack([series[s : s + T] for s in starts])[..., None]
    y = np.stack([series[s + 1 : s + T + 1] for s in starts])[..., None]  # next value at every step
    return x.astype(np.float32), y.astype(np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("mode", ["windows", "stateful"])
def test_noisy_sine_loss_drops_tenfold(cell, mode):
    x, y = noisy_sine_windows()
    model = RecurrentRegressor(cell, 1, 16, 1, seed=0)
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=1e-2), mode=mode, k=8, clip_norm=1.0)
    first = None
    losses = []
    for epoch in range(60):
        trainer.reset_state()
        for b in range(0, len(x), 32):
            # Stateful mode walks each window as one stream of 3 chunks of 8 steps.
            losses.append(trainer.step(x[b : b + 32], y[b : b + 32]))
        if first is None:
            first = losses[0]
    final = float(np.mean(losses[-3:]))
    assert np.isfinite(final)
    assert final < first / 10, f"{cell}/{mode}: loss {first:.4f} -> {final:.4f}"


def test_training_is_reproducible_for_a_seed():
    x, y = noisy_sine_windows(n=32)

    def train():
        model = RecurrentRegressor("gru", 1, 8, 1, seed=123)
        trainer = TBPTTTrainer(model, "huber", Adam(model.parameters(), lr=1e-2), clip_norm=1.0)
        for _ in range(5):
            trainer.step(x, y)
        return np.concatenate([p.copy() for p, _ in model.parameters()])

    np.testing.assert_array_equal(train(), train())
