"""NumPy-level building blocks over the numba kernels: layers, head, losses, optimizers, TBPTT."""

from .recurrent import GRU, LSTM, RNN

__all__ = ["RNN", "LSTM", "GRU"]
