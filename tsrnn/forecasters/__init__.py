"""Forecasters with one fit/predict contract over pandas (see :mod:`tsrnn.forecasters.base`)."""

from .base import BaseForecaster, NotFittedError, forecaster_classes
from .rnn import RNNForecaster

__all__ = ["BaseForecaster", "NotFittedError", "RNNForecaster", "forecaster_classes"]
