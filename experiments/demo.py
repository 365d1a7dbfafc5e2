"""Demo: train a small LSTM with tsrnn's building blocks and forecast one day ahead.

Runs in under a minute on a laptop (the first run also compiles the kernels, ~30 s; later
runs load them from numba's cache). Data: a noisy daily-seasonal hourly series generated
here, so the demo needs no download.

    python experiments/demo.py
"""

from __future__ import annotations

import time

import numpy as np

from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer


def make_series(n=24 * 60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    daily = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(4 * np.pi * t / 24 + 1.0)
    return 10.0 + 3.0 * daily + 0.02 * t / 24 + 0.3 * rng.standard_normal(n)


def windows(z, window, horizon):
    """Inputs z[s:s+window], targets: the next ``horizon`` values after every step."""
    n = len(z) - window - horizon + 1
    x = np.stack([z[s : s + window] for s in range(n)])[..., None]
    y = np.stack([[z[s + t + 1 : s + t + 1 + horizon] for t in range(window)] for s in range(n)])
    return x.astype(np.float32), y.astype(np.float32)


def main():
    horizon, window = 24, 48
    series = make_series()
    train, test = series[:-horizon], series[-horizon:]
    mean, std = train.mean(), train.std()
    z = (train - mean) / std
    x, y = windows(z, window, horizon)

    model = RecurrentRegressor("lstm", input_size=1, hidden_size=32, output_size=horizon, seed=0)
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=3e-3), clip_norm=1.0)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for epoch in range(40):
        order = rng.permutation(len(x))
        losses = [trainer.step(x[order[b : b + 64]], y[order[b : b + 64]]) for b in range(0, len(x), 64)]
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1}: train MSE (scaled) {np.mean(losses):.4f}")
    print(f"trained {model.num_parameters} parameters in {time.perf_counter() - t0:.1f} s")

    pred, _ = model.forward(z[None, -window:, None].astype(np.float32))
    forecast = pred[0, -1] * std + mean
    naive = train[-24:]  # seasonal naive: repeat the last day
    mae = np.mean(np.abs(forecast - test))
    mae_naive = np.mean(np.abs(naive - test))
    print(f"next-24h MAE: LSTM {mae:.3f}, seasonal naive {mae_naive:.3f}")


if __name__ == "__main__":
    main()
