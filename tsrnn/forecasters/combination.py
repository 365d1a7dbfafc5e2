"""Combination: the mean, weighted mean or median of several forecasters' point forecasts.

Forecast combinations are the oldest reliable way to beat their members (M3, M4: the mean of
exponential smoothing and Theta beats each; the N-BEATS and ES-RNN ensembles are means and
medians). :class:`Combination` fits copies of its members on the same data and combines their
forecasts per series and step; it is a forecaster like any other (``predict``, new history,
backtests, conformal intervals, save/load).
"""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager

import numpy as np

from ..data.panel import Panel
from .base import BaseForecaster, register, registered

__all__ = ["Combination"]

_HOWS = ("mean", "median")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _clone(member):
    """A fresh, unfitted copy of a forecaster built from its parameters (as ``sklearn.base.clone``)."""
    return type(member)(**copy.deepcopy(member.get_params()))


def _reworded(exc, message):
    """``exc``'s class with ``message`` when it can be built from one string, else RuntimeError."""
    try:
        new = type(exc)(message)
    except Exception:  # noqa: BLE001 - exotic exception signatures: keep the message, change the class
        new = RuntimeError(message)
    return new if str(new) == message else RuntimeError(message)


@contextmanager
def _member_errors(i, member):
    """Re-raise a member's error with its position and name in front, keeping its class."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - any member error, reworded, same class where possible
        raise _reworded(exc, f"Combination member {i} ({member.name_}): {exc}") from exc


def _same_history(fitted: Panel, panel: Panel, positions) -> bool:
    """True when ``panel`` holds exactly the fitted series at ``positions`` (values and lengths)."""
    if positions is None:
        return False
    if panel is fitted:
        return True
    if not np.array_equal(fitted.lengths[positions], panel.lengths):
        return False
    return np.array_equal(fitted.subset(positions).values, panel.values, equal_nan=True)


def _check_members(models):
    """``models`` as a list of forecasters, or ValueError."""
    if isinstance(models, BaseForecaster) or not isinstance(models, (list, tuple)):
        raise ValueError(
            f"models must be a list of forecasters, got {type(models).__name__}; wrap one model in a list, "
            "e.g. Combination([ETS(), Theta()])"
        )
    if not models:
        raise ValueError("models is empty; expected at least one forecaster, e.g. Combination([ETS(), Theta()])")
    for i, m in enumerate(models):
        if isinstance(m, type) and issubclass(m, BaseForecaster):
            raise ValueError(f"models[{i}] is the class {m.__name__}; pass an instance: {m.__name__}(...)")
        if not isinstance(m, BaseForecaster):
            raise ValueError(
                f"models[{i}] is a {type(m).__name__} ({m!r}); expected a tsrnn forecaster such as Naive() or "
                "RNNForecaster(...)"
            )
        if isinstance(m, Combination):
            raise ValueError(
                f"models[{i}] is itself a Combination; nested combinations are not supported: pass its members "
                "directly (a weighted mean of means is a mean with weights)"
            )
    return list(models)


def _check_weights(weights, n_models, how):
    """Normalised weights (M,) summing to 1, or None; ValueError on bad input."""
    if weights is None:
        return None
    if how != "mean":
        raise ValueError(f"weights apply to how='mean' only; got how={how!r} with weights={weights!r}")
    try:
        w = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"weights must be a list of {n_models} numbers, got {weights!r}") from None
    if w.ndim != 1 or w.size != n_models:
        raise ValueError(f"weights must hold one number per model ({n_models}), got shape {w.shape}: {weights!r}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be finite and >= 0, got {weights!r}")
    total = w.sum()
    if total <= 0:
        raise ValueError(f"weights must not all be zero, got {weights!r}; give at least one model a positive weight")
    return w / total


# --------------------------------------------------------------------------------------------
# The forecaster
# --------------------------------------------------------------------------------------------


@register
class Combination(BaseForecaster):
    """The mean, weighted mean or median of several forecasters' point forecasts.

    ``fit`` fits a fresh copy of every member (built from its parameters, as
    ``sklearn.base.clone`` does: the objects passed in are never changed) on the same data,
    and on the regressors ``X`` for the members that take them (``RNNForecaster``).
    ``predict(h)`` forecasts with every member and combines the forecasts per series and
    step: F of shape (M, n_series, h) becomes ``sum_m w_m F[m]`` (``how="mean"``; ``w``
    the weights normalised to sum 1, or 1/M each) or the median over m (``how="median"``).

    Parameters
    ----------
    models : list of forecasters
        M >= 1 unfitted tsrnn forecasters of any class but Combination (nested combinations
        are refused: pass the inner members directly). Two members of one class are fine.
    how : {"mean", "median"}, default "mean"
        The combination: the (weighted) mean, or the median, which ignores one wild member
        (M >= 3).
    weights : list of M float, optional
        Weights of ``how="mean"``, >= 0 and not all zero; normalised to sum 1. None: equal
        weights.
    alias : str, optional
        Column name of the forecasts (default "Combination").

    Attributes
    ----------
    models_ : list of forecasters
        The fitted copies of ``models``, in order.
    weights_ : ndarray, shape (M,), or None
        The normalised weights (None for equal weights or the median).
    fitted_with_X_ : bool
        Whether ``fit`` was given regressors ``X``.

    Notes
    -----
    Behaviour follows the members':

    * ``predict(h)``: ``h`` must suit every member: an ``RNNForecaster`` with the direct
      strategy forecasts at most its ``horizon``, and its error comes back naming it
      ("Combination member 2 (GRU): h=30 is beyond the model's horizon=24 ..."). Without
      ``h``, the smallest ``horizon`` of the members that have one.
    * New history (``predict(y=...)``, backtests with ``refit=False``): global members
      (``RNNForecaster``) forecast it with their fitted weights; local members (baselines,
      ARIMA, ETS, Theta) are refitted on it, as they would be alone.
    * The combination counts as a global model when any member is one (a backtest then runs
      it on all series of a fold at once), else as a local one.
    * Intervals: ``predict(level=...)`` gives split-conformal intervals of the combination
      itself (it is refitted at earlier cut-offs; see :mod:`tsrnn.forecasters.intervals`),
      not a blend of the members' intervals.
    * The data is read by the Combination (``unique_id, ds, y`` for long frames); members'
      own reading options (``fill_missing``, ``sort``) are not used.
    * Saving writes every member's class, parameters and state in the header and its arrays
      under ``member<i>.``: :func:`tsrnn.load` rebuilds each with its own class, and the
      loaded combination forecasts bit-identically.

    See Also
    --------
    tsrnn.forecasters.ETS, tsrnn.forecasters.Theta : the classic statistical members.
    tsrnn.forecasters.RNNForecaster : ``n_ensemble`` averages networks within one model.
    tsrnn.backtest.backtest : score the combination beside its members.

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import Combination, Drift, Naive
    >>> y = pd.Series([1.0, 4.0, 2.0, 7.0])
    >>> Combination([Naive(), Drift()]).fit(y).predict(2)
    4    8.0
    5    9.0
    Name: Combination, dtype: float64
    >>> Combination([Naive(), Drift()], weights=[3, 1]).fit(y).predict(2)
    4    7.5
    5    8.0
    Name: Combination, dtype: float64

    The statistical pair of M4's benchmarks with a network, on monthly data (skipped here:
    the network trains for a few seconds):

    >>> from tsrnn.forecasters import ETS, RNNForecaster, Theta
    >>> combo = Combination([ETS(trend="add", damped_trend=True), Theta(season_length=12),
    ...                      RNNForecaster(horizon=12, season_length=12, random_state=0)], how="median")
    >>> combo.fit(monthly).predict(12)  # doctest: +SKIP
    """

    _model_name = "Combination"

    def __init__(self, models, how="mean", weights=None, alias=None):
        self.models = models
        self.how = how
        self.weights = weights
        self.alias = alias

    @classmethod
    def _test_params(cls):
        """Fast members for the contract tests."""
        from .baselines import Drift, Naive, SeasonalNaive

        return {"models": [Naive(), SeasonalNaive(season_length=12), Drift()], "weights": [2.0, 1.0, 1.0]}

    def __repr__(self) -> str:
        # The base repr compares every parameter with its default, which an array of weights cannot answer.
        shown = [repr(self.models)]
        if not (isinstance(self.how, str) and self.how == "mean"):
            shown.append(f"how={self.how!r}")
        shown += [f"{k}={getattr(self, k)!r}" for k in ("weights", "alias") if getattr(self, k) is not None]
        return f"Combination({', '.join(shown)})"

    # ------------------------------------------------------------ members
    def _members(self) -> list:
        fitted = getattr(self, "models_", None)
        if fitted is not None:
            return fitted
        return list(self.models) if isinstance(self.models, (list, tuple)) else []

    @property
    def _global(self):
        return any(getattr(m, "_global", True) for m in self._members())

    @property
    def _supports_exog(self):
        return any(getattr(m, "_supports_exog", False) for m in self._members())

    def _check_params(self):
        """``(members, normalised weights or None)``, or ValueError."""
        members = _check_members(self.models)
        if not (isinstance(self.how, str) and self.how in _HOWS):
            raise ValueError(f"how={self.how!r} is not known; expected one of {list(_HOWS)}")
        if self.alias is not None and not (isinstance(self.alias, str) and self.alias):
            raise ValueError(f"alias must be a non-empty string or None, got {self.alias!r}")
        return members, _check_weights(self.weights, len(members), self.how)

    def _default_h(self):
        horizons = [h for h in (m._default_h() for m in self._members()) if h is not None]
        return min(horizons) if horizons else None

    # ---------------------------------------------------------------- fit
    def _fit(self, panel, X=None):
        members, weights = self._check_params()
        fitted = []
        for i, model in enumerate(members):
            member = _clone(model)
            with _member_errors(i, member):
                if X is not None and member._supports_exog:
                    member._fit_panel(panel, X=X)
                else:
                    member._fit_panel(panel)
            fitted.append(member)
        self.models_ = fitted
        self.weights_ = weights
        self.fitted_with_X_ = X is not None
        return self

    # ------------------------------------------------------------ predict
    def _member_forecast(self, i, member, panel, h, positions, X):
        """(n, h) forecasts of one member; a local member is refitted on history it was not fitted on."""
        with _member_errors(i, member):
            if not member._global and not _same_history(member.panel_, panel, positions):
                member = _clone(member)._fit_panel(panel)
                positions = np.arange(panel.n_series)
            extra = {"X": X} if member._supports_exog else {}
            return member._checked(member._predict(panel, h, positions, **extra), panel, h)

    def _predict(self, panel, h, positions, X=None):
        forecasts = np.stack([self._member_forecast(i, m, panel, h, positions, X)
                              for i, m in enumerate(self.models_)])  # fmt: skip
        if self.how == "median":
            return np.median(forecasts, axis=0)
        if self.weights_ is None:
            return forecasts.mean(axis=0)
        return np.sum(self.weights_[:, None, None] * forecasts, axis=0)

    def _predict_with_intervals(self, panel, h, positions, levels, method, windows, X=None):
        if self.fitted_with_X_:
            raise ValueError(
                "conformal intervals refit the combination at earlier cut-offs, which it cannot do with regressors "
                "X; fit it without X for intervals"
            )
        return super()._predict_with_intervals(panel, h, positions, levels, method, windows, X=X)

    # ---------------------------------------------------------- save/load
    def _params_to_save(self):
        models = []
        for i, member in enumerate(self._members()):
            params = member._params_to_save()
            try:
                json.dumps(params, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"cannot save Combination: member {i} ({member.name_}) has parameters that are not plain JSON "
                    f"values ({exc}); for example pass random_state as an int"
                ) from None
            models.append({"class": type(member).__name__, "params": params})
        weights = None if self.weights is None else [float(w) for w in np.asarray(self.weights, dtype=np.float64)]
        return {"models": models, "how": self.how, "weights": weights, "alias": self.alias}

    def _save_state(self):
        states, arrays = [], {}
        for i, member in enumerate(self.models_):
            state, member_arrays = member._save_state()
            states.append(state)
            arrays.update({f"member{i}.{name}": value for name, value in member_arrays.items()})
        return {"members": states, "fitted_with_X": bool(self.fitted_with_X_)}, arrays

    @classmethod
    def _from_saved(cls, header, arrays, max_bytes=None):
        params = dict(header["params"])
        specs = params.pop("models", None)
        state = header.get("state")
        states = state.get("members") if isinstance(state, dict) else None
        if not isinstance(specs, list) or not specs or not isinstance(states, list) or len(states) != len(specs):
            raise ValueError("the file's Combination header must list its members (params 'models' and state "
                             "'members', one entry each)")  # fmt: skip
        members = [_load_member(i, spec, member_state, header["panel"], arrays, max_bytes)
                   for i, (spec, member_state) in enumerate(zip(specs, states))]  # fmt: skip
        try:
            model = cls(models=[_clone(m) for m in members], **params)
        except TypeError as exc:
            raise ValueError(f"the file's parameters do not fit Combination: {exc}") from None
        _, model.weights_ = model._check_params()
        model.panel_ = members[0].panel_
        for member in members:
            member.panel_ = model.panel_
        model.models_ = members
        model.fitted_with_X_ = bool(state.get("fitted_with_X", False))
        return model


def _load_member(i, spec, state, panel_header, arrays, max_bytes=None):
    """Member ``i`` of a saved Combination, rebuilt by its own class from its entries and ``member<i>.`` arrays."""
    if not isinstance(spec, dict) or not isinstance(spec.get("params"), dict) or not isinstance(state, dict):
        raise ValueError(f"member {i} of the file's Combination is {spec!r}; expected {{'class': ..., 'params': {{}}}}")
    classes = registered()
    name = spec.get("class")
    if name not in classes or name == "Combination":
        known = sorted(set(classes) - {"Combination"})
        raise ValueError(f"member {i} of the file's Combination names the class {name!r}; expected one of {known}")
    prefix = f"member{i}."
    own = {key[len(prefix) :]: value for key, value in arrays.items() if key.startswith(prefix)}
    own.update({key: arrays[key] for key in ("panel.values", "panel.indptr")})
    sub_header = {"class": name, "params": spec["params"], "panel": panel_header, "state": state}
    return classes[name]._from_saved(sub_header, own, max_bytes)
