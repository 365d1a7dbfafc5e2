"""Forecasters with one fit/predict contract over pandas (see :mod:`tsrnn.forecasters.base`)."""

from .base import BaseForecaster, NotFittedError, forecaster_classes
from .baselines import Drift, Mean, Naive, Naive2, SeasonalNaive, SeasonalWindowAverage, WindowAverage
from .rnn import RNNForecaster
from .stats import ARIMA, ETS, Theta

__all__ = [
    "ARIMA",
    "BaseForecaster",
    "Drift",
    "ETS",
    "Mean",
    "Naive",
    "Naive2",
    "NotFittedError",
    "RNNForecaster",
    "SeasonalNaive",
    "SeasonalWindowAverage",
    "Theta",
    "WindowAverage",
    "forecaster_classes",
]
