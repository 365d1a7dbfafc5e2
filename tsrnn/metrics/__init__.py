"""Forecast accuracy metrics over arrays, averaged the way the M4 competition averages them.

Shapes: ``h`` is the horizon (steps scored per series), ``S`` the number of series, ``Q`` the
number of quantiles. Every point metric takes the actuals ``y`` and forecasts ``yhat`` as two
arrays of one shape, ``(h,)`` for one series or ``(S, h)`` for S series of one horizon, and
returns a float: the metric of each series over its ``h`` steps, then the plain mean over the
``S`` series (as M4 does; for MAE, MAPE and sMAPE this equals the mean over all values, for
RMSE, MASE and RMSSE it does not).

Signature convention (what :func:`get_metric` hands out, what backtest's evaluate calls)::

    metric(y, yhat, *, y_train=None, season_length=None) -> float

Every metric in :data:`METRICS` accepts these keywords and ignores those it does not need;
the scaled metrics (:func:`mase`, :func:`rmsse`) require both. ``y_train`` is the in-sample
history of each series: one array of shape ``(T,)`` for a 1-D ``y``, a list of ``S`` arrays
(lengths may differ) for a 2-D ``y``.

The interval and quantile metrics (:func:`pinball`, :func:`coverage`, :func:`interval_width`,
:func:`msis`, :func:`acd`) and the probabilistic scores (:func:`crps` of sample paths,
:func:`quantile_crps`, :func:`scaled_crps`, M5's :func:`scaled_pinball`;
:mod:`tsrnn.metrics.probabilistic`) take other arguments and are not in :data:`METRICS`; :func:`owa` combines already averaged
figures.

Every function refuses NaN and inf, mismatched shapes and empty arrays with a ValueError that
names the argument.
"""

from __future__ import annotations

from .intervals import coverage, interval_width, msis, pinball
from .point import METRICS, get_metric, mae, mape, mase, owa, rmse, rmsse, smape
from .probabilistic import (
    M5_QUANTILES,
    acd,
    crps,
    quantile_crps,
    scaled_crps,
    scaled_pinball,
    scaled_quantile_crps,
)

__all__ = [
    "M5_QUANTILES",
    "METRICS",
    "acd",
    "crps",
    "coverage",
    "get_metric",
    "interval_width",
    "mae",
    "mape",
    "mase",
    "msis",
    "owa",
    "pinball",
    "quantile_crps",
    "rmse",
    "rmsse",
    "scaled_crps",
    "scaled_pinball",
    "scaled_quantile_crps",
    "smape",
]
