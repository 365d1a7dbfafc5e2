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
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .._validation import check_positive_int
from .base import BaseForecaster, register

__all__ = ["ARIMA", "ETS", "Theta"]

_FALLBACKS = ("naive", "seasonal_naive", "mean", None)
_ARIMA_TRENDS = (None, "n", "c", "t", "ct")
_ETS_COMPONENTS = (None, "add", "mul")
_THETA_METHODS = ("auto", "additive", "multiplicative")
#: Series named in a warning; the rest are counted.
_MAX_LISTED = 10
#: Steps forecast at fit time to catch non-finite forecasts early (at least two seasons).
_PROBE_STEPS = 12


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _fallback_forecast(y, h, kind, season_length):
    """The fallback forecast of one series.

    Parameters
    ----------
    y : ndarray, shape (T,)
        The history, T >= 1.
    h : int
        Steps ahead.
    kind : {"naive", "seasonal_naive", "mean"}
        Last value; last season repeated (the last value when T < ``season_length``); mean.
    season_length : int
        Season length m of ``"seasonal_naive"``.

    Returns
    -------
    ndarray, shape (h,)
    """
    if kind == "mean":
        return np.full(h, y.mean())
    if kind == "seasonal_naive" and 1 < season_length <= y.size:
        return np.resize(y[-season_length:], h)
    return np.full(h, y[-1])


@contextmanager
def _quiet_statsmodels():
    """Silence statsmodels' convergence, specification and numerical warnings while it runs."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning, ValueWarning

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        for category in (ConvergenceWarning, ValueWarning, EstimationWarning, RuntimeWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        yield


def _with_series(exc, message):
    """``exc``'s class with ``message`` when it can be built from one string, else RuntimeError."""
    try:
        new = type(exc)(message)
    except Exception:  # noqa: BLE001 - exotic exception signatures: keep the message, change the class
        new = RuntimeError(message)
    return new if str(new) == message else RuntimeError(message)


def _check_choice(value, name, choices):
    if not any(value is c or (c is not None and isinstance(value, str) and value == c) for c in choices):
        raise ValueError(f"{name}={value!r} is not known; expected one of {list(choices)}")


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_stacklevel():
    """``stacklevel`` that points a warning at the first caller outside tsrnn (fit, predict, backtests)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _mle_converged(results):
    """statsmodels' own verdict on its likelihood optimiser (True when it gives none)."""
    return bool((getattr(results, "mle_retvals", None) or {}).get("converged", True))


def _series_list(names):
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


# --------------------------------------------------------------------------------------------
# The shared local-model machinery
# --------------------------------------------------------------------------------------------


class _StatsForecaster(BaseForecaster):
    """One statsmodels model per series; subclasses say how to check, fit and forecast one.

    Subclasses define ``_check_model_params()``, ``_season_length()``, ``_min_length()``,
    ``_spec()``, ``_fit_one(y) -> results`` and ``_forecast_one(results, h) -> (h,) array``,
    and may override ``_converged(results)``.
    """

    _global = False

    # ------------------------------------------------------------- subclass hooks
    def _converged(self, results) -> bool:
        return True

    # ------------------------------------------------------------- validation
    def _check_params(self):
        self._check_model_params()
        _check_choice(self.fallback, "fallback", _FALLBACKS)
        if self.alias is not None and not isinstance(self.alias, str):
            raise ValueError(f"alias must be a string or None, got {self.alias!r} ({type(self.alias).__name__})")
        if self.fallback == "seasonal_naive" and self._season_length() < 2:
            raise ValueError(
                f"fallback='seasonal_naive' needs a season length of at least 2, but this {type(self).__name__} "
                f"has {self._season_length()} ({self._season_source()}); use fallback='naive' or set a season"
            )

    # -------------------------------------------------------------------- fit
    def _fit(self, panel):
        self._check_params()
        results, rows, failed = [], [], []
        for i in range(panel.n_series):
            y = np.array(panel.values[panel.indptr[i] : panel.indptr[i + 1]], dtype=np.float64)
            start = time.perf_counter()
            res, status, message = self._fit_series(y, panel.ids[i])
            rows.append((panel.ids[i], status, message, time.perf_counter() - start))
            results.append(res)
            if status != "ok":
                failed.append((panel.ids[i], status, message))
        self._results = results
        self.fit_report_ = pd.DataFrame(rows, columns=["unique_id", "status", "message", "seconds"])
        if failed:
            self._warn_failed(failed, panel.n_series)
        return self

    def _fit_series(self, y, uid):
        """``(results or None, status, message)`` of one series; None means: use the fallback."""
        need = self._min_length()
        if y.size < need:
            message = f"too short: {y.size} values, {self._spec()} needs at least {need}"
            self._raise_without_fallback(uid, message)
            return None, "fallback", message
        if y.min() == y.max():
            return None, "fallback", f"constant series (every value is {y[0]!r}): forecast that value"
        try:
            with _quiet_statsmodels():
                res = self._fit_one(y)
                probe = np.asarray(self._forecast_one(res, max(_PROBE_STEPS, 2 * self._season_length())))
        except Exception as exc:  # noqa: BLE001 - statsmodels raises many types (ValueError, LinAlgError, ...)
            message = f"statsmodels raised {type(exc).__name__}: {exc}"
            if self.fallback is None:
                raise _with_series(exc, f"{self._spec()} failed on series {uid!r}: {exc}") from exc
            return None, "fallback", message
        if not np.all(np.isfinite(probe)):
            message = f"non-finite forecasts (first: {probe[~np.isfinite(probe)][0]})"
            self._raise_without_fallback(uid, message)
            return None, "fallback", message
        if not self._converged(res):
            if self.fallback is None:
                return res, "not_converged", "the optimiser did not converge; statsmodels' estimates kept"
            return None, "not_converged", "the optimiser did not converge"
        return res, "ok", ""

    def _raise_without_fallback(self, uid, message):
        """With ``fallback=None``, raise ValueError: the model cannot forecast series ``uid``."""
        if self.fallback is None:
            raise ValueError(f"{self._spec()} cannot forecast series {uid!r}: {message}")

    def _warn_failed(self, failed, n_series):
        listed = [f"{uid!r} ({status}: {_shorten(message)})" for uid, status, message in failed]
        action = (
            "fallback=None: non-converged fits keep statsmodels' estimates, constant series forecast their value"
            if self.fallback is None
            else f"they are forecast by the {self.fallback!r} fallback"
        )
        warnings.warn(
            f"{self.name_}: {len(failed)} of {n_series} series were not fitted cleanly and {action}: "
            f"{_series_list(listed)}. See fit_report_ for every series",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )

    # ---------------------------------------------------------------- predict
    def _predict(self, panel, h, positions):
        if positions is None:
            raise RuntimeError(f"{type(self).__name__} is a local model: _predict needs the fitted series' positions")
        out = np.empty((panel.n_series, h), dtype=np.float64)
        bad = []
        kind = self.fallback or "naive"
        m = self._season_length()
        for row, pos in enumerate(positions):
            y = panel.values[panel.indptr[row] : panel.indptr[row + 1]]
            res = self._results[int(pos)]
            if res is None:
                out[row] = _fallback_forecast(y, h, kind, m)
                continue
            with _quiet_statsmodels():
                out[row] = np.asarray(self._forecast_one(res, h), dtype=np.float64)
            if not np.all(np.isfinite(out[row])):
                uid = panel.ids[row]
                if self.fallback is None:
                    raise ValueError(f"{self._spec()} forecasts non-finite values for series {uid!r} at h={h}")
                bad.append(repr(uid))
                out[row] = _fallback_forecast(y, h, kind, m)
        if bad:
            warnings.warn(
                f"{self.name_}: {len(bad)} series have non-finite forecasts at h={h} and are forecast by the "
                f"{self.fallback!r} fallback: {_series_list(bad)}",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
        return out

    # -------------------------------------------------------------- intervals
    def _interval_methods(self):
        return ("conformal", "model")

    def _model_intervals(self, panel, h, positions, point, levels, method):
        """statsmodels' own prediction intervals; fallback series get random-walk intervals."""
        from scipy.stats import norm

        if positions is None:
            raise RuntimeError(f"{type(self).__name__} is a local model: intervals need the fitted series' positions")
        lo = np.empty((panel.n_series, h, len(levels)))
        hi = np.empty_like(lo)
        steps = np.sqrt(np.arange(1, h + 1))
        for row, pos in enumerate(positions):
            res = self._results[int(pos)]
            for k, level in enumerate(levels):
                alpha = 1.0 - level / 100.0
                if res is None:
                    y = panel.values[panel.indptr[row] : panel.indptr[row + 1]]
                    sigma = float(np.std(np.diff(y))) if y.size > 2 else 0.0
                    half = norm.ppf(1 - alpha / 2) * sigma * steps
                    lo[row, :, k], hi[row, :, k] = point[row] - half, point[row] + half
                    continue
                with _quiet_statsmodels():
                    bounds = np.asarray(self._interval_one(res, h, alpha), dtype=np.float64)
                lo[row, :, k], hi[row, :, k] = bounds[:, 0], bounds[:, 1]
        return lo, hi

    def _interval_one(self, results, h, alpha):
        """(h, 2) array of lower and upper bounds at level ``1 - alpha``."""
        raise NotImplementedError

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        # JSON has no tuples: remember which parameters were tuples so get_params() round-trips.
        tuples = sorted(name for name, value in self.get_params().items() if isinstance(value, tuple))
        return {"tuple_params": tuples}, {}

    def _load_state(self, header, arrays):
        for name in header.get("tuple_params", []):
            setattr(self, name, tuple(getattr(self, name)))
        # Results objects are not saved (they would need pickle): re-fit from the saved history.
        self._fit(self.panel_)


def _shorten(text, width=80):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


_FIT_NOTES = """
    Every series gets its own statsmodels model, fitted on its values alone (no time index).
    A series that is too short, constant, makes statsmodels raise or gets non-finite
    forecasts is forecast by ``fallback`` instead;{converge} one ``UserWarning`` per fit
    names the affected series (at most 10) and ``fit_report_`` lists every series' outcome.
    ``predict(y=new_history)`` fits a fresh copy on the new history.

    Saved models hold no statsmodels objects (they would need pickle): :func:`tsrnn.load`
    re-fits every series from the saved history. The estimators are deterministic, so the
    loaded model forecasts bit-identically to the saved one (loading costs a fit).
"""

_CONVERGE_NOTE = """ so is one whose
    likelihood optimiser does not converge (status "not_converged"; with ``fallback=None``
    statsmodels' estimates are kept);"""

_COMMON_PARAMS = """alias : str, optional
        Column name of the forecasts (default: "{name}").
    fallback : {{"naive", "seasonal_naive", "mean", None}}, default "naive"
        Forecast of the series the model cannot fit: the last value, the last season
        repeated (season length {season}; the last value for series shorter than a season),
        or the mean of the history. None: no fallback; errors raise naming the series."""

_ATTRIBUTES = """Attributes
    ----------
    fit_report_ : pandas.DataFrame, shape (n_series, 4)
        One row per series: ``unique_id``, ``status`` ("ok", "fallback" or "not_converged"),
        ``message`` (why, empty when "ok") and ``seconds`` (time spent fitting it)."""


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
