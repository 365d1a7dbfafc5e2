"""NumPy-level building blocks over the numba kernels: layers, head, losses, optimizers, TBPTT, the epoch loop.

Shapes: B batch, T time, I input features, H hidden, G gates, L layers, O outputs.
"""

from .covariate_model import CovariateRegressor
from .device import resolve_device
from .distributions import Distribution, NegativeBinomial, Normal, StudentT, get_distribution
from .embedding import Embedding
from .horizon_distribution import HorizonDistributionLoss
from .linear import Linear
from .loop import TrainingLoop
from .losses import (
    HorizonPinballLoss,
    HuberLoss,
    MAELoss,
    MSELoss,
    PinballLoss,
    get_loss,
)
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
    "CovariateRegressor",
    "make_recurrent",
    "MSELoss",
    "MAELoss",
    "HuberLoss",
    "PinballLoss",
    "HorizonPinballLoss",
    "get_loss",
    "Distribution",
    "Normal",
    "StudentT",
    "NegativeBinomial",
    "get_distribution",
    "HorizonDistributionLoss",
    "Adam",
    "SGD",
    "clip_grad_norm",
    "TBPTTTrainer",
    "tbptt_gradients",
    "global_grad_norm",
    "TrainingLoop",
    "resolve_device",
]
