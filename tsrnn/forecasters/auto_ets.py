"""AutoETS: the ETS model of lowest AICc per series (error, trend, damping and season chosen).

Each series gets every candidate of :class:`AutoETS`'s search space that its data allow, each
fitted by statsmodels' ``ETSModel`` exactly as :class:`tsrnn.ETS` fits it, and keeps the one
with the lowest AICc (the selection rule of R's ``forecast::ets`` and statsforecast's
``AutoETS``). Everything else (fallbacks, ``fit_report_``, warnings, intervals, saving) is
:class:`tsrnn.forecasters.stats_base._StatsForecaster`'s.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._threads import single_blas_thread
from .._validation import check_positive_int
from .base import register
from .stats import ETS
from .stats_base import (
    _COMMON_PARAMS,
    _CONVERGE_NOTE,
    _FIT_NOTES,
    _PROBE_STEPS,
    _check_bool,
    _StatsForecaster,
)

__all__ = ["AutoETS"]

_LETTERS = {"A": "add", "M": "mul", "N": None}
_ALLOWED = ("ZAM", "ZNAM", "ZNAM")
_PARTS = ("error", "trend", "season")


@dataclass
class _Choice:
    """The chosen candidate of one series: its tsrnn.ETS twin, statsmodels' results and AICc."""

    model: ETS
    results: object
    aicc: float
    converged: bool

    @property
    def spec(self) -> str:
        return self.model._spec()


def _n_params(error, trend, damped, seasonal, m):
    """Parameters statsmodels estimates: smoothing weights and initial states (its ``k_params``)."""
    has_trend, has_season = trend is not None, seasonal is not None
    weights = 1 + has_trend + bool(damped) + has_season
    return weights + 1 + has_trend + m * has_season


def _needs(candidate, m):
    """Values one candidate needs: AICc defined (n > k + 1, k counting the variance too), 2 seasons if seasonal."""
    need = _n_params(*candidate, m) + 3
    return max(need, 2 * m) if candidate[3] is not None else need


@register
class AutoETS(_StatsForecaster):
    __doc__ = f"""Automatic ETS: per series, the exponential smoothing model of lowest AICc.

    Every series is fitted with each candidate ETS model its data allow, by statsmodels'
    ``ETSModel`` exactly as :class:`tsrnn.ETS` fits it (maximum likelihood, estimated initial
    states), and keeps the one with the lowest AICc (``results.aicc``), as R's
    ``forecast::ets`` and statsforecast's ``AutoETS`` choose.

    Candidate space (``model="ZZZ"``, ``damped=None``): error {{A, M}} x trend {{N, A, Ad}} x
    season {{N, A, M}} (season N only when ``season_length == 1``), without the combinations
    R's ``ets`` drops as numerically unstable (additive error with a multiplicative trend or
    season): 6 candidates without a season, 15 with one. A candidate is skipped before fitting
    when the series

    * is not strictly positive and the candidate has a multiplicative part;
    * has too few values: AICc needs n > k + 1, where k counts the smoothing weights, the
      initial states (level, trend, m seasonal) and the error variance, as statsmodels counts
      them; a seasonal candidate also needs at least 2 * m values.

    The others are fitted; one whose fit raises, whose AICc is not finite or whose optimiser
    does not converge is not eligible, and the eligible candidate of lowest AICc whose
    forecasts are finite is chosen (ties: the first in the order above). When no candidate
    converged, the best non-converged one is reported as "not_converged".
    {_FIT_NOTES.format(converge=_CONVERGE_NOTE)}
    A loaded model re-fits only the model chosen at fit time for each series (saved by name).
    Cost: up to 15 fits per series instead of one.

    Parameters
    ----------
    season_length : int, default 1
        Season length m (1: no seasonal candidates).
    model : str, default "ZZZ"
        Three letters, error, trend and season, as statsforecast spells them: "Z" chooses,
        "A" (additive), "M" (multiplicative) and "N" (none; not for the error) fix the part.
        A multiplicative trend is only fitted when asked for ("M"); additive error with a
        multiplicative trend or season is refused.
    damped : {{None, True, False}}, default None
        None tries damped and undamped trends; True only damped ones (no "N" trend); False
        only undamped ones.
    {_COMMON_PARAMS.format(name="AutoETS", season="season_length")}

    Attributes
    ----------
    chosen_ : pandas.Series, shape (n_series,)
        The chosen model of every series by ``unique_id``, as ``ETS(error,trend,season)[m]``
        (e.g. "ETS(M,Ad,M)[12]", "ETS(A,N,N)"); None where the fallback forecasts it.
    fit_report_ : pandas.DataFrame, shape (n_series, 6)
        One row per series: ``unique_id``, ``status`` ("ok", "fallback" or "not_converged"),
        ``message`` (why, empty when "ok"), ``seconds`` (time spent on all its candidates),
        ``model`` (as ``chosen_``) and ``aicc`` (the chosen model's; NaN for the fallback).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn import AutoETS
    >>> t = np.arange(48)
    >>> noise = np.random.default_rng(0).normal(0, 1, 48)
    >>> y = pd.Series(50 + 2.0 * t + noise, index=pd.date_range("2020-01", periods=48, freq="MS"))
    >>> f = AutoETS(season_length=12).fit(y)
    >>> f.chosen_.tolist()
    ['ETS(A,A,N)']
    >>> f.predict(3).round(1).tolist()
    [146.5, 148.6, 150.6]
    """

    _model_name = "AutoETS"

    def __init__(self, season_length=1, model="ZZZ", damped=None, alias=None, fallback="naive"):
        self.season_length = season_length
        self.model = model
        self.damped = damped
        self.alias = alias
        self.fallback = fallback

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(season_length=1)

    # ------------------------------------------------------------- validation
    def _check_model_params(self):
        m = check_positive_int(self.season_length, "season_length")
        model = self.model
        if not isinstance(model, str) or len(model) != 3 or any(c not in ok for c, ok in zip(model, _ALLOWED)):
            raise ValueError(
                f"model must be three letters (error, trend, season), error one of Z/A/M and trend and season "
                f"one of Z/N/A/M (e.g. 'ZZZ', 'MAM', 'ANN'), got {model!r}"
            )
        if self.damped is not None:
            _check_bool(self.damped, "damped")
        error, trend, season = model
        if self.damped and trend == "N":
            raise ValueError(f"damped=True needs a trend, but model={model!r} fixes trend 'N'; use 'Z', 'A' or 'M'")
        if season in "AM" and m < 2:
            raise ValueError(f"model={model!r} fixes a season ({season!r}), which needs season_length >= 2, got {m}")
        if error == "A" and "M" in (trend, season):
            raise ValueError(
                f"model={model!r} has additive error with a multiplicative part, which R's ets and statsforecast "
                "exclude as numerically unstable; use error 'M' or 'Z'"
            )

    def _season_length(self):
        return int(self.season_length)

    def _season_source(self):
        return "season_length"

    def _spec(self):
        m = int(self.season_length)
        damped = "" if self.damped is None else f", damped={self.damped}"
        return f"AutoETS({self.model}{damped})" + (f"[{m}]" if m > 1 else "")

    # ------------------------------------------------------------- the search space
    def _space(self):
        """Every ``(error, trend, damped, seasonal)`` the parameters allow, in search order."""
        error, trend, season = self.model
        m = int(self.season_length)
        errors = ("add", "mul") if error == "Z" else (_LETTERS[error],)
        trends = (None, "add") if trend == "Z" else (_LETTERS[trend],)
        seasons = ((None, "add", "mul") if m > 1 else (None,)) if season == "Z" else (_LETTERS[season],)
        damps = (False, True) if self.damped is None else (bool(self.damped),)
        out = []
        for e, t, d, s in itertools.product(errors, trends, damps, seasons):
            if (d and t is None) or (e == "add" and "mul" in (t, s)):
                continue
            out.append((e, t, d, s))
        return out

    def _min_length(self):
        m = int(self.season_length)
        return min(_needs(c, m) for c in self._space())

    def _candidates(self, y):
        """The candidates of the search space that series ``y`` (shape (T,)) can be fitted with."""
        m, positive = int(self.season_length), bool(y.min() > 0)
        return [
            c
            for c in self._space()
            if (positive or "mul" not in (c[0], c[1], c[3])) and y.size >= _needs(c, m)
        ]

    def _ets(self, candidate):
        error, trend, damped, seasonal = candidate
        return ETS(trend=trend, damped_trend=damped, seasonal=seasonal, season_length=int(self.season_length),
                   error=error)  # fmt: skip

    # -------------------------------------------------------------------- fit
    def _fit(self, panel):
        # statsmodels' L-BFGS-B on these small problems is faster with one BLAS thread (1.3-2x on 2 shared cores)
        with single_blas_thread():
            super()._fit(panel)
        specs = [None if res is None else res.spec for res in self._results]
        self.fit_report_["model"] = pd.Series(specs, dtype=object)
        self.fit_report_["aicc"] = [np.nan if res is None else res.aicc for res in self._results]
        self.chosen_ = pd.Series(specs, index=pd.Index(panel.ids, name="unique_id"), name="model", dtype=object)
        return self

    def _fit_series(self, y, uid):
        self._uid = uid
        if y.size >= self._min_length() and y.min() < y.max() and not self._candidates(y):
            message = f"no candidate of {self._spec()} fits this series (a multiplicative part needs positive values)"
            self._raise_without_fallback(uid, message)
            return None, "fallback", message
        return super()._fit_series(y, uid)

    def _fit_one(self, y):
        saved = getattr(self, "_saved_choices", None)
        candidates = [saved[self._uid]] if saved and saved.get(self._uid) else self._candidates(y)
        fitted, errors = [], []
        for order, candidate in enumerate(candidates):
            model = self._ets(candidate)
            try:
                res = model._fit_one(y)
            except Exception as exc:  # noqa: BLE001 - statsmodels raises many types; the candidate is skipped
                errors.append(f"{model._spec()}: {type(exc).__name__}: {exc}")
                continue
            aicc = float(res.aicc)
            if np.isfinite(aicc):
                converged = bool(model._converged(res))
                fitted.append((not converged, aicc, order, _Choice(model, res, aicc, converged)))
        probe = max(_PROBE_STEPS, 2 * int(self.season_length))
        for *_, choice in sorted(fitted, key=lambda item: item[:3]):
            if np.all(np.isfinite(np.asarray(choice.results.forecast(probe)))):
                return choice
        raise ValueError(
            f"none of the {len(candidates)} candidate ETS models gave a finite AICc and finite forecasts"
            + (f" (first error: {errors[0]})" if errors else "")
        )

    def _converged(self, results):
        return results.converged

    def _forecast_one(self, results, h):
        return results.results.forecast(h)

    def _interval_one(self, results, h, alpha):
        return results.model._interval_one(results.results, h, alpha)

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        header, arrays = super()._save_state()
        header["chosen"] = [None if res is None else res.spec for res in self._results]
        return header, arrays

    def _check_saved(self, header, arrays, budget):
        self._check_params()
        chosen = header.get("chosen")
        known = {self._ets(c)._spec() for c in self._space()}
        if not isinstance(chosen, list) or len(chosen) != len(self.panel_.ids):
            raise ValueError(f"the file's state.chosen must list one model per series ({len(self.panel_.ids)})")
        bad = [c for c in chosen if c is not None and (not isinstance(c, str) or c not in known)]
        if bad:
            raise ValueError(f"the file's state.chosen has {bad[0]!r}, not a model of {self._spec()}'s search space")

    def _load_state(self, header, arrays):
        by_spec = {self._ets(c)._spec(): c for c in self._space()}
        self._saved_choices = {uid: by_spec.get(spec) for uid, spec in zip(self.panel_.ids, header["chosen"])}
        try:
            super()._load_state(header, arrays)
        finally:
            del self._saved_choices
