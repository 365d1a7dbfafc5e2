"""``tsrnn.warmup``: compile (or load from numba's cache) every kernel a model needs, ahead of time."""

from __future__ import annotations

import time

import numpy as np

__all__ = ["warmup"]


def warmup(cells=("lstm", "gru", "rnn"), dtypes=("float32",), recursive=False) -> dict:
    """Compile the kernels of the given cells and dtypes now, so the first ``fit`` does not wait.

    Runs one tiny forward, backward and optimizer step per (cell, dtype). With numba's
    on-disk cache warm this takes well under a second; cold, it compiles (seconds per cell).

    Parameters
    ----------
    cells : iterable of {"lstm", "gru", "rnn"}
    dtypes : iterable of {"float32", "float64"}
    recursive : bool, default False
        Also compile the closed-loop kernel of recursive forecasts
        (``RNNForecaster(strategy="recursive")``, :meth:`tsrnn.nn.RecurrentRegressor.forecast`).

    Returns
    -------
    dict
        ``{(cell, dtype): seconds}`` spent on each.
    """
    from .nn import Adam, RecurrentRegressor, TBPTTTrainer

    timings = {}
    for cell in cells:
        for dtype in dtypes:
            dt = np.dtype(dtype)
            t0 = time.perf_counter()
            model = RecurrentRegressor(cell, 1, 2, 1, dtype=dt, seed=0)
            trainer = TBPTTTrainer(model, "mse", Adam(model.parameters()), clip_norm=1.0)
            x = np.zeros((2, 3, 1), dtype=dt)
            trainer.step(x, x)
            _warm_gather(dt)
            if recursive:
                model.forecast(x, 2)
            timings[(cell, dt.name)] = time.perf_counter() - t0
    return timings


def _warm_gather(dtype):
    """Compile the fused window gather of training batches (:mod:`tsrnn.data.fused_gather`) for ``dtype``."""
    from .kernels.fused import gather_windows

    spans = np.zeros((2, 4), dtype=dtype)
    x, y = np.empty((2, 2, 1), dtype=dtype), np.empty((2, 2, 2), dtype=dtype)
    ones = np.ones(2, dtype=dtype)
    gather_windows(spans, ones, ones, True, 0, np.zeros((1, 2, 2), np.int64), np.zeros(2, np.int64), True, x, y)
