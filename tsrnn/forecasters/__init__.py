"""Forecasters with one fit/predict contract over pandas (see :mod:`tsrnn.forecasters.base`)."""

from .auto_ets import AutoETS
from .base import BaseForecaster, NotFittedError, registered
from .baselines import Drift, Mean, Naive, Naive2, SeasonalNaive, SeasonalWindowAverage, WindowAverage
from .combination import Combination
from .rnn import RNNForecaster
from .stats import ARIMA, ETS, Theta


def forecaster_classes() -> dict:
    """``{class name: class}`` of every registered forecaster (the built-in ones are imported above)."""
    return registered()


__all__ = [
    "ARIMA",
    "AutoETS",
    "BaseForecaster",
    "Combination",
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
