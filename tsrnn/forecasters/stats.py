"""Local statistical forecasters on statsmodels: ARIMA, ETS and Theta, one model per series.

Each class fits one statsmodels model to every series of the panel, each on its own float64
array (no time index: statsmodels never sees the timestamps, so integer, datetime and period
axes behave alike). A series that cannot be modelled does not stop the fit: it is forecast
by a simple fallback (``"naive"``, ``"seasonal_naive"`` or ``"mean"``), reported in ONE
aggregated ``UserWarning`` per fit and in the per-series table ``fit_report_``. The reasons:

* the series is shorter than the model needs (status ``"fallback"``);
* the series is constant: every model's forecast is that value (status ``"fallback"``);
* statsmodels raises, or forecasts non-finite values (status ``"fallback"``);
* ARIMA and ETS only: the likelihood optimiser reports that it did not converge
  (``mle_retvals["converged"]`` False; status ``"not_converged"``).

With ``fallback=None`` there is no fallback: errors and non-finite forecasts raise, naming
the series, and non-converged fits keep statsmodels' estimates (still warned about).

statsmodels' own ConvergenceWarning, ValueWarning and numerical warnings are silenced while
it runs: the outcome of every series is in ``fit_report_`` instead.

Saving: statsmodels results objects cannot be written without pickle, so a saved model holds
only the training history (as every tsrnn model does) and loading re-fits every series.
statsmodels' estimators are deterministic, so the loaded model forecasts bit-identically.

The machinery all three share (the per-series loop, fallbacks, ``fit_report_``, warnings,
intervals, saving) is :class:`tsrnn.forecasters.stats_base._StatsForecaster`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive_int
from .base import register
from .stats_base import (
    _ATTRIBUTES,
    _COMMON_PARAMS,
    _CONVERGE_NOTE,
    _FIT_NOTES,
    _check_bool,
    _check_choice,
    _mle_converged,
    _StatsForecaster,
)

__all__ = ["ARIMA", "ETS", "Theta"]

_ARIMA_TRENDS = (None, "n", "c", "t", "ct")
_ETS_COMPONENTS = (None, "add", "mul")
_THETA_METHODS = ("auto", "additive", "multiplicative")


# --------------------------------------------------------------------------------------------
# ARIMA
# --------------------------------------------------------------------------------------------


def _check_order(value, name, size, letters):
    ok = isinstance(value, (tuple, list)) and len(value) == size
    ok = ok and all(not isinstance(v, (bool, np.bool_)) and isinstance(v, (int, np.integer)) and v >= 0 for v in value)
    if not ok:
        raise ValueError(f"{name} must be {size} non-negative integers ({letters}), got {value!r}")
    return tuple(int(v) for v in value)


@register
class ARIMA(_StatsForecaster):
    __doc__ = f"""Seasonal ARIMA, one model per series, on ``statsmodels.tsa.arima.model.ARIMA``.

    statsmodels' ARIMA class is the state-space SARIMAX estimator (exact likelihood by the
    Kalman filter, L-BFGS) with ARIMA's defaults: stationarity and invertibility enforced,
    and a constant when the model has no integration.
    {_FIT_NOTES.format(converge=_CONVERGE_NOTE)}
    Parameters
    ----------
    order : tuple of 3 int, default (1, 0, 0)
        (p, d, q): autoregressive order, differences, moving-average order.
    seasonal_order : tuple of 4 int, default (0, 0, 0, 0)
        (P, D, Q, s): the seasonal orders and the season length s (0, or at least 2).
    trend : {{None, "n", "c", "t", "ct"}}, default None
        Deterministic trend: none, constant, linear, both. None: statsmodels' default, "c"
        without integration (d + D = 0) and "n" with it. Trend terms of lower order than
        d + D are refused (differencing would remove them).
    {_COMMON_PARAMS.format(name="ARIMA", season="s")}

    {_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn.forecasters.stats import ARIMA
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0) + 5, index=pd.date_range("2024-01-01", periods=60, freq="D"))
    >>> f = ARIMA(order=(2, 0, 0)).fit(y)
    >>> f.fit_report_.status.tolist()
    ['ok']
    >>> f.predict(3).round(3).tolist()
    [5.913, 5.996, 5.97]
    """

    _model_name = "ARIMA"

    def __init__(self, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0), trend=None, alias=None, fallback="naive"):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.alias = alias
        self.fallback = fallback

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(order=(1, 0, 0))

    def _check_model_params(self):
        _, d, _ = _check_order(self.order, "order", 3, "p, d, q")
        P, D, Q, s = _check_order(self.seasonal_order, "seasonal_order", 4, "P, D, Q, s")
        if s == 1 or (s == 0 and P + D + Q > 0):
            raise ValueError(
                f"seasonal_order={self.seasonal_order!r} has season length s={s}; expected s >= 2 "
                "(or s = 0 with P = D = Q = 0 for no seasonal part)"
            )
        _check_choice(self.trend, "trend", _ARIMA_TRENDS)
        lowest = {"c": 0, "ct": 0, "t": 1}.get(self.trend)
        if lowest is not None and lowest < d + D:
            raise ValueError(
                f"trend={self.trend!r} has a term of order {lowest}, which the model's d + D = {d + D} differences "
                f"remove; expected a trend of order >= {d + D} ('t' when d + D = 1, 'n' or None otherwise)"
            )

    def _season_length(self):
        return max(int(self.seasonal_order[3]), 1)

    def _season_source(self):
        return "seasonal_order[3]"

    def _spec(self):
        (p, d, q), (P, D, Q, s) = self.order, self.seasonal_order
        return f"ARIMA({p},{d},{q})" + (f"({P},{D},{Q},{s})" if s else "")

    def _min_length(self):
        (p, d, q), (P, D, Q, s) = self.order, self.seasonal_order
        n_trend = {"n": 0, "c": 1, "t": 1, "ct": 2}.get(self.trend, 1 if d + D == 0 else 0)
        n_params = p + q + P + Q + n_trend + 1  # + 1: the innovation variance
        need = d + D * s + max(n_params, p + P * s, q + Q * s) + 1
        return max(need, 2 * s) if P + D + Q > 0 else need

    def _fit_one(self, y):
        from statsmodels.tsa.arima.model import ARIMA as SMARIMA

        return SMARIMA(y, order=tuple(self.order), seasonal_order=tuple(self.seasonal_order), trend=self.trend).fit()

    def _converged(self, results):
        return _mle_converged(results)

    def _forecast_one(self, results, h):
        return results.forecast(h)

    def _interval_one(self, results, h, alpha):
        return results.get_forecast(h).conf_int(alpha=alpha)


# --------------------------------------------------------------------------------------------
# ETS
# --------------------------------------------------------------------------------------------


@register
class ETS(_StatsForecaster):
    __doc__ = f"""Exponential smoothing state-space model (ETS), one per series, on statsmodels' ``ETSModel``.

    ``statsmodels.tsa.exponential_smoothing.ets.ETSModel``: the innovations state-space form
    (Hyndman et al.), fitted by maximum likelihood with estimated initial states; multiplicative
    components need strictly positive series (others go to the fallback).
    {_FIT_NOTES.format(converge=_CONVERGE_NOTE)}
    Parameters
    ----------
    trend : {{None, "add", "mul"}}, default None
    damped_trend : bool, default False
        Damp the trend (needs a trend).
    seasonal : {{None, "add", "mul"}}, default None
        Seasonal component (needs ``season_length >= 2``).
    season_length : int, default 1
        Season length m.
    error : {{"add", "mul"}}, default "add"
    {_COMMON_PARAMS.format(name="ETS", season="season_length")}

    {_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn.forecasters.stats import ETS
    >>> y = pd.Series(np.arange(40.0) + np.sin(np.arange(40)), index=pd.RangeIndex(40))
    >>> ETS(trend="add").fit(y).predict(2).index.tolist()
    [40, 41]
    """

    _model_name = "ETS"

    def __init__(
        self, trend=None, damped_trend=False, seasonal=None, season_length=1, error="add", alias=None, fallback="naive"
    ):
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.error = error
        self.alias = alias
        self.fallback = fallback

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(trend="add")

    def _check_model_params(self):
        _check_choice(self.error, "error", ("add", "mul"))
        _check_choice(self.trend, "trend", _ETS_COMPONENTS)
        _check_choice(self.seasonal, "seasonal", _ETS_COMPONENTS)
        _check_bool(self.damped_trend, "damped_trend")
        if self.damped_trend and self.trend is None:
            raise ValueError("damped_trend=True needs a trend; got trend=None (expected 'add' or 'mul')")
        m = check_positive_int(self.season_length, "season_length")
        if self.seasonal is not None and m < 2:
            raise ValueError(f"seasonal={self.seasonal!r} needs season_length >= 2, got season_length={m}")

    def _season_length(self):
        return int(self.season_length)

    def _season_source(self):
        return "season_length"

    def _spec(self):
        code = {None: "N", "add": "A", "mul": "M"}
        trend = code[self.trend] + ("d" if self.damped_trend else "")
        return f"ETS({code[self.error]},{trend},{code[self.seasonal]})" + (
            f"[{self.season_length}]" if self.seasonal else ""
        )

    def _min_length(self):
        m = int(self.season_length)
        # smoothing weights and initial states: level, trend (+ damping), m seasonal states
        n_params = 2 + 2 * (self.trend is not None) + bool(self.damped_trend) + (1 + m) * (self.seasonal is not None)
        return max(n_params + 1, 2 * m) if self.seasonal else n_params + 1

    def _fit_one(self, y):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(
            y,
            error=self.error,
            trend=self.trend,
            damped_trend=bool(self.damped_trend),
            seasonal=self.seasonal,
            seasonal_periods=int(self.season_length) if self.seasonal else None,
        )
        return model.fit(disp=False)

    def _converged(self, results):
        return _mle_converged(results)

    def _forecast_one(self, results, h):
        return results.forecast(h)

    def _interval_one(self, results, h, alpha):
        # statsmodels' analytic ETS intervals fail on plain arrays; its simulation is the
        # general method anyway (exact for multiplicative models). Seeded: same bits each run.
        sims = results.simulate(h, anchor="end", repetitions=2000, rng=np.random.default_rng(0))
        return np.quantile(np.asarray(sims).reshape(h, -1), [alpha / 2, 1 - alpha / 2], axis=1).T


# --------------------------------------------------------------------------------------------
# Theta
# --------------------------------------------------------------------------------------------


@register
class Theta(_StatsForecaster):
    __doc__ = f"""The Theta method (Assimakopoulos and Nikolopoulos), one per series, on statsmodels' ``ThetaModel``.

    ``statsmodels.tsa.forecasting.theta.ThetaModel`` with theta = 2: a linear trend (OLS) and
    simple exponential smoothing, combined, on the series deseasonalised by classical
    decomposition when a seasonality test (90 %) finds a season.
    {_FIT_NOTES.format(converge="")}
    Parameters
    ----------
    season_length : int, default 1
        Season length m used to deseasonalise (1: none).
    deseasonalize : bool, default True
        Test for seasonality and deseasonalise the series if found (needs ``season_length >= 2``).
    method : {{"auto", "additive", "multiplicative"}}, default "auto"
        Deseasonalisation: "auto" is multiplicative for strictly positive series, additive otherwise.
    {_COMMON_PARAMS.format(name="Theta", season="season_length")}

    {_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn.forecasters.stats import Theta
    >>> y = pd.Series(np.arange(30.0) + np.sin(np.arange(30)), index=pd.RangeIndex(30))
    >>> Theta().fit(y).fit_report_.status.tolist()
    ['ok']
    """

    _model_name = "Theta"

    def __init__(self, season_length=1, deseasonalize=True, method="auto", alias=None, fallback="naive"):
        self.season_length = season_length
        self.deseasonalize = deseasonalize
        self.method = method
        self.alias = alias
        self.fallback = fallback

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(season_length=1)

    def _check_model_params(self):
        check_positive_int(self.season_length, "season_length")
        _check_bool(self.deseasonalize, "deseasonalize")
        _check_choice(self.method, "method", _THETA_METHODS)

    def _season_length(self):
        return int(self.season_length)

    def _season_source(self):
        return "season_length"

    def _seasonal(self):
        return bool(self.deseasonalize) and int(self.season_length) > 1

    def _spec(self):
        return f"Theta[{self.season_length}]" if self._seasonal() else "Theta"

    def _min_length(self):
        return max(3, 2 * int(self.season_length)) if self._seasonal() else 3

    def _fit_one(self, y):
        from statsmodels.tsa.forecasting.theta import ThetaModel

        model = ThetaModel(y, period=int(self.season_length), deseasonalize=bool(self._seasonal()), method=self.method)
        return model.fit()

    def _forecast_one(self, results, h):
        return np.asarray(results.forecast(h))

    def _interval_one(self, results, h, alpha):
        return np.asarray(results.prediction_intervals(h, alpha=alpha))
