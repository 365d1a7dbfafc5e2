"""Numba kernels: arrays and scalars in, arrays out. No pandas, no objects, no callables.

Importing this package compiles nothing; each kernel compiles on its first call (or
loads from numba's on-disk cache).
"""

from ._cache import install_cache_locator

install_cache_locator()  # before any kernel is defined: see _cache.py

from .gru import gru_backward, gru_forward  # noqa: E402
from .lstm import lstm_backward, lstm_forward  # noqa: E402
from .rnn import RELU, TANH, rnn_backward, rnn_forward  # noqa: E402

__all__ = [
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "rnn_forward",
    "rnn_backward",
    "TANH",
    "RELU",
]
