"""NumPy-level building blocks over the numba kernels: layers, head, losses, optimizers, TBPTT.

Shapes: B batch, T time, I input features, H hidden, G gates, L layers, O outputs.
"""

from .embedding import Embedding
from .linear import Linear
from .losses import HuberLoss, MAELoss, MSELoss, PinballLoss, get_loss
from .model import RecurrentRegressor, make_recurrent
from .module import Module
from .optim import SGD, Adam, clip_grad_norm
from .recurrent import GRU, LSTM, RNN
from .tbptt import TBPTTTrainer, global_grad_norm, tbptt_gradients

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "Linear",
    "Embedding",
    "Module",
    "RecurrentRegressor",
    "make_recurrent",
    "MSELoss",
    "MAELoss",
    "HuberLoss",
    "PinballLoss",
    "get_loss",
    "Adam",
    "SGD",
    "clip_grad_norm",
    "TBPTTTrainer",
    "tbptt_gradients",
    "global_grad_norm",
]
