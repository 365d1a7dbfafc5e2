"""The machinery shared by the statsmodels forecasters of :mod:`tsrnn.forecasters.stats`.

:class:`_StatsForecaster` fits one statsmodels model per series, forecasts the series it
cannot fit by a fallback, keeps the per-series ``fit_report_``, warns once per fit, gives
statsmodels' own intervals and re-fits on load; ARIMA, ETS and Theta only say how to check,
fit and forecast one series. The behaviour is described in :mod:`tsrnn.forecasters.stats`.
Also here: the docstring parts the three classes share.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

from .base import BaseForecaster

__all__ = ["_StatsForecaster"]

_FALLBACKS = ("naive", "seasonal_naive", "mean", None)
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
