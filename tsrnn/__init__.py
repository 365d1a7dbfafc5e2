"""tsrnn: Numba-accelerated RNN, LSTM and GRU forecasting, with no torch at runtime.

Importing tsrnn is cheap: it imports neither numba nor torch and compiles nothing.
Kernels compile (or load from numba's on-disk cache) the first time they run.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "nn"]


def __getattr__(name):
    if name == "nn":
        import importlib

        return importlib.import_module(".nn", __name__)
    raise AttributeError(f"module 'tsrnn' has no attribute {name!r}")
