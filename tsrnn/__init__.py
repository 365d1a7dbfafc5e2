"""tsrnn: Numba-accelerated RNN, LSTM and GRU forecasting, with no torch at runtime.

Importing tsrnn is cheap: it imports neither numba, pandas nor torch and compiles nothing.
Public names load on first use; kernels compile (or load from numba's on-disk cache) the
first time they run.
"""

from __future__ import annotations

import importlib

from ._version import __version__

_FORECASTERS = (
    "RNNForecaster", "Naive", "SeasonalNaive", "Drift", "Mean", "WindowAverage", "SeasonalWindowAverage", "Naive2",
    "ARIMA", "ETS", "AutoETS", "Theta", "Combination", "BaseForecaster", "NotFittedError",
)  # fmt: skip
_LAZY = {
    **{name: ("tsrnn.forecasters", name) for name in _FORECASTERS},
    # The functions; tsrnn/backtest.py keeps the old path (from tsrnn.backtest import backtest).
    "backtest": ("tsrnn.evaluation", "backtest"),
    "evaluate": ("tsrnn.evaluation", "evaluate"),
    "evaluation": ("tsrnn.evaluation", None),
    "metrics": ("tsrnn.metrics", None),
    "datasets": ("tsrnn.datasets", None),
    "load": ("tsrnn._load", "load"),
    "warmup": ("tsrnn._warmup", "warmup"),
    "ModelFileError": ("tsrnn.io", "ModelFileError"),
    "nn": ("tsrnn.nn", None),
    "data": ("tsrnn.data", None),
    "forecasters": ("tsrnn.forecasters", None),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'tsrnn' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
