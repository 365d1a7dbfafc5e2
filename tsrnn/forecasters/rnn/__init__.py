"""RNNForecaster, in rooms: the forecaster (parameters and the pandas flow) and its training, prediction,
covariates, parameter checks and model files, each in a module of its own.

``infer_season_length``, ``infer_seasons`` and ``default_window`` (now in :mod:`tsrnn.data.seasons`)
stay importable from here, as before the split; so do the old private names of the covariate
network and the horizon pinball loss (now :class:`tsrnn.nn.CovariateRegressor` and
:class:`tsrnn.nn.HorizonPinballLoss`), loaded on first use so that importing the forecasters
does not import numba.
"""

from ...data.seasons import default_window, infer_season_length, infer_seasons
from .forecaster import RNNForecaster

__all__ = ["RNNForecaster", "infer_season_length", "infer_seasons", "default_window"]

_MOVED = {"_CovariateRegressor": ("covariate_model", "CovariateRegressor"),
          "_HorizonPinball": ("losses", "HorizonPinballLoss")}  # fmt: skip


def __getattr__(name):
    if name in _MOVED:
        import importlib

        module, attr = _MOVED[name]
        return getattr(importlib.import_module(f"tsrnn.nn.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
