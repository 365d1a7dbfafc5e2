"""BaseForecaster: the fit/predict contract every tsrnn model shares.

Public ``fit``/``predict`` validate and convert pandas input into a :class:`~tsrnn.data.panel.Panel`
(CSR-style arrays plus a time axis), then call the private ``_fit(panel)`` /
``_predict(panel, h)`` that a model writes; the forecasts come back in the layout the user
gave (Series, long or wide DataFrame). scikit-learn conventions: ``__init__`` stores its
arguments unchanged, validation happens in ``fit``, learned state ends in ``_``, ``fit``
returns ``self``, ``get_params``/``set_params`` make ``sklearn.base.clone`` work.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
import warnings

import numpy as np

from ..data.panel import Panel, TimeAxis, from_forecasts, to_panel
from .intervals import check_levels, conformal_intervals, interval_names, stack_intervals
from .sample_frame import samples_frame

__all__ = ["BaseForecaster", "NotFittedError", "check_finite", "register", "registered"]

_REGISTRY: dict[str, type] = {}


def register(cls):
    """Class decorator: make a forecaster known to :func:`tsrnn.load` and the contract tests."""
    _REGISTRY[cls.__name__] = cls
    return cls


def registered() -> dict:
    """``{class name: class}`` of the forecasters registered so far (:func:`tsrnn.forecasters.forecaster_classes`
    imports the built-in ones first)."""
    return dict(_REGISTRY)


# Forecasters being fitted, by id, with the thread fitting each: fit from a second thread is refused.
_FITS: dict[int, int] = {}
_FITS_LOCK = threading.Lock()


@contextlib.contextmanager
def _fitting(model):
    """Mark ``model`` as being fitted by this thread; RuntimeError if another thread is fitting it."""
    key, me = id(model), threading.get_ident()
    with _FITS_LOCK:
        owner = _FITS.get(key)
        if owner is not None and owner != me:
            raise RuntimeError(_busy_message(model, "fit"))
        _FITS[key] = me
    try:
        yield
    finally:
        if owner is None:
            with _FITS_LOCK:
                _FITS.pop(key, None)


def _check_not_fitting(model, what):
    owner = _FITS.get(id(model))
    if owner is not None and owner != threading.get_ident():
        raise RuntimeError(_busy_message(model, what))


def _busy_message(model, what):
    return (f"{type(model).__name__}.{what} was called while another thread is fitting the same object; its "
            "weights would mix. Fit one object per thread (sklearn.base.clone(model) or "
            "type(model)(**model.get_params())), or wait for the fit to finish")  # fmt: skip


def check_finite(model, forecasts, panel, on_nonfinite="raise") -> None:
    """Raise ValueError (or warn, with ``on_nonfinite="warn"``) naming the series whose forecasts are NaN or inf.

    Parameters
    ----------
    model : BaseForecaster
    forecasts : (n, h) or (n, h, C) array
    panel : Panel
        The n series forecast.
    on_nonfinite : {"raise", "warn"}
    """
    values = np.asarray(forecasts, dtype=np.float64).reshape(len(forecasts), -1)
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if not bad.size:
        return
    names = [panel.ids[i] for i in bad[:5]]
    ranges = [_value_range(panel, i) for i in bad[:2]]
    message = (f"{model.name_} forecast NaN or infinite values for {bad.size} series: {names}"
               f"{' ...' if bad.size > 5 else ''} (their histories range over {'; '.join(ranges)}); the data's "
               "magnitude is beyond what the model's arithmetic can forecast: rescale it (divide it by a power of "
               "ten and multiply the forecasts back)")  # fmt: skip
    if on_nonfinite == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        return
    raise ValueError(message)


def _value_range(panel, i) -> str:
    values = panel.values[panel.indptr[i] : panel.indptr[i + 1]]
    if not values.size:
        return "no values"
    return f"{panel.ids[i]!r}: {float(values.min()):.4g} to {float(values.max()):.4g}"


class NotFittedError(ValueError, AttributeError):
    """Raised when ``predict`` or ``save`` is called before ``fit`` (as scikit-learn's)."""


class BaseForecaster:
    """Base class of tsrnn's forecasters.

    Subclasses define ``__init__`` (storing every argument as an attribute of the same
    name), ``_fit(panel)`` and ``_predict(panel, h, positions) -> (n_series, h) array``, and
    may override ``_default_h``, ``_save_state``, ``_load_state``, ``_params_to_save`` and ``_test_params``.

    ``positions`` tells ``_predict`` which fitted series ``panel`` holds (an int array into
    the fitted panel's series), or is None when ``panel`` is new history given to
    ``predict(y=...)`` (only global models see that case).
    """

    #: Column name of the forecasts when no ``alias`` is given.
    _model_name = "Forecaster"
    #: True for one model over all series (predict(y=...) reuses it); False for one model per
    #: series (predict(y=...) fits a fresh copy on the new history).
    _global = True
    #: True for models whose ``_fit`` and ``_predict`` take exogenous regressors ``X``.
    _supports_exog = False
    #: True for models whose ``_fit`` and ``_predict`` take per-series static covariates ``static``.
    _supports_static = False

    # -------------------------------------------------------------- parameters
    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True) -> dict:
        """Parameters given to ``__init__`` (scikit-learn's estimator API)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set parameters by name; unknown names raise ValueError. Returns self."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; valid parameters: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k, inspect._empty) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    @property
    def name_(self) -> str:
        """Column name of the forecasts: ``alias`` if set, else the model's name."""
        alias = getattr(self, "alias", None)
        return alias if alias else self._model_name

    # ---------------------------------------------------------------- fit/predict
    def _to_panel(self, y, what="y") -> Panel:
        return to_panel(
            y,
            id_col=getattr(self, "id_col", "unique_id"),
            time_col=getattr(self, "time_col", "ds"),
            target_col=getattr(self, "target_col", "y"),
            sort=getattr(self, "sort", False),
            fill_missing=getattr(self, "fill_missing", None),
        )

    def fit(self, y, X=None, static=None):
        """Fit the model to one or many series.

        Parameters
        ----------
        y : pandas.Series, or DataFrame (long with ``unique_id, ds, y``, or wide: one column per series)
            The training history. Many series train one global model.
        X : pandas.Series or DataFrame, optional
            Exogenous regressors known in advance, in the layout of ``y``: for a Series ``y``
            a Series or DataFrame indexed by the same timestamps (one column per regressor);
            for a long ``y`` a long DataFrame with the id and time columns and one column per
            regressor (see :mod:`tsrnn.data.covariates`). Rows are matched by series and
            timestamp, so X may also hold the future rows. Only models that use regressors
            accept it (``RNNForecaster``); the others raise ValueError.
        static : pandas.DataFrame, optional
            Static covariates: one row per series, the id column (``unique_id``) and one
            column per covariate, categorical (object, category, string, bool) or numeric
            (see :mod:`tsrnn.data.static`). Only models that use them accept it
            (``RNNForecaster``); the others raise ValueError.

        Returns
        -------
        self
        """
        panel = self._to_panel(y)
        if X is not None:
            self._check_exog_supported()
        if static is not None:
            self._check_static_supported()
        return self._fit_panel(panel, X=X, static=static)

    def _check_exog_supported(self):
        if not self._supports_exog:
            raise ValueError(
                f"{type(self).__name__} does not use exogenous regressors X; fit and predict it without X "
                "(RNNForecaster accepts X)"
            )

    def _check_static_supported(self):
        if not self._supports_static:
            raise ValueError(f"{type(self).__name__} does not use static covariates; fit and predict it without "
                             "static (RNNForecaster accepts static)")  # fmt: skip

    def _fit_panel(self, panel: Panel, X=None, static=None):
        """Fit on an already validated panel (used by backtests, which slice panels directly)."""
        extra = {k: v for k, v in (("X", X), ("static", static)) if v is not None}
        with _fitting(self):
            self._fit(panel, **extra)
            self.panel_ = panel
        return self

    def check_is_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless :meth:`fit` has run."""
        if not hasattr(self, "panel_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(y) before predict or save"
            )

    def _default_h(self):
        return None

    def predict(self, h=None, y=None, ids=None, level=None, interval_method=None, calibration_windows=None, X=None,
                on_nonfinite="raise", static=None, num_samples=None, random_state=None):
        """Forecast the next ``h`` steps of every series.

        Parameters
        ----------
        h : int, optional
            Steps ahead; the model's ``horizon`` when omitted (where it has one).
        y : pandas object, optional
            New history to forecast from, in any layout ``fit`` accepts (for example the
            same series with newer data). By default, the history given to ``fit``.
        ids : list, optional
            Forecast only these series of the fitted data.
        level : float or list of float, optional
            Prediction interval levels in percent, e.g. ``[80, 95]``: adds the columns
            ``<name>-lo-<level>`` and ``<name>-hi-<level>`` (Nixtla's naming).
        interval_method : {"conformal", "model", "quantile"}, optional
            "conformal" (the default for most models): split-conformal intervals from
            rolling-origin errors, calibrated per horizon step (see
            :mod:`tsrnn.forecasters.intervals`; this refits the model ``calibration_windows``
            times). "model": the model's own analytic intervals (statsmodels models).
            "quantile": a quantile head's own forecasts (``RNNForecaster(quantiles=...)``).
        calibration_windows : int, optional
            Forecast origins per series for conformal calibration.
        on_nonfinite : {"raise", "warn"}, default "raise"
            What a forecast or interval bound that is NaN or infinite does (data at the edge of
            float64's range, a log-scale forecast whose exponential overflows): "raise" raises
            ValueError naming the series; "warn" returns it with a RuntimeWarning naming them.
            Forecasts are never non-finite silently.
        X : pandas.Series or DataFrame, optional
            The regressors over the forecast period, for a model fitted with ``X``, in the
            layout ``fit`` took them (rows matched by series and timestamp; extra rows are
            ignored, so the ``X`` given to ``fit`` may simply extend into the future). With
            ``y``, X must also cover y's history. Models that use no regressors raise
            ValueError.
        static : pandas.DataFrame, optional
            Static covariates of the series of a new history ``y`` (as ``fit`` takes them), for
            a model fitted with ``static``; without it, the series of ``y`` must have been in
            ``fit``, whose static values they keep. Only with ``y``.
        num_samples : int, optional
            Draw this many sample paths S instead of a point forecast (models with a
            distribution head, ``RNNForecaster(distribution=...)``; others raise ValueError).
            Returns a long DataFrame ``unique_id, ds, sample, <name_>`` (the input's id and
            time column names), S x h rows per series, path by path.
        random_state : int, numpy.random.Generator or None
            Seeds the sample paths: the same seed gives bit-identical samples.

        Returns
        -------
        pandas.Series or DataFrame
            The layout of the input: a Series indexed by the next ``h`` timestamps; a long
            DataFrame ``unique_id, ds, <name_>``; or a wide DataFrame indexed by the next
            ``h`` timestamps with one column per series. With ``level``, a DataFrame with the
            interval columns beside the point forecast (Series and long layouts). With
            ``num_samples``, the long frame of sample paths described there.
        """
        self.check_is_fitted()
        _check_not_fitting(self, "predict")
        if on_nonfinite not in ("raise", "warn"):
            raise ValueError(f"on_nonfinite={on_nonfinite!r} is not known; expected 'raise' or 'warn'")
        h = self._request_h(h)
        if X is not None:
            self._check_exog_supported()
        if static is not None:
            self._check_static_supported()
        if y is not None and ids is None and not self._global:  # (y with ids: _request_panel refuses it)
            # A local model's parameters belong to the series it was fitted on: new history, new fit.
            return type(self)(**self.get_params()).fit(y).predict(h, level=level, interval_method=interval_method,
                                                                  calibration_windows=calibration_windows,
                                                                  on_nonfinite=on_nonfinite, num_samples=num_samples,
                                                                  random_state=random_state)  # fmt: skip
        panel, positions = self._request_panel(y, ids)
        extra = {"X": X} if self._supports_exog else {}
        if self._supports_static:
            extra["static"] = static
        if num_samples is not None:
            if level is not None:
                raise ValueError("give either level (intervals) or num_samples (sample paths), not both")
            samples = self._predict_samples(panel, h, positions, num_samples, random_state, **extra)
            check_finite(self, samples, panel, on_nonfinite)
            return samples_frame(panel, samples, self.name_)
        if level is None:
            forecasts = self._checked(self._predict(panel, h, positions, **extra), panel, h)
            check_finite(self, forecasts, panel, on_nonfinite)
            return from_forecasts(panel, forecasts, h, self.name_)
        levels = check_levels(level)
        forecasts, lo, hi = self._predict_with_intervals(panel, h, positions, levels, interval_method,
                                                         calibration_windows, **extra)  # fmt: skip
        forecasts = self._checked(forecasts, panel, h)
        check_finite(self, np.concatenate([forecasts[:, :, None], lo, hi], axis=2), panel, on_nonfinite)
        return from_forecasts(panel, stack_intervals(forecasts, lo, hi, levels), h, interval_names(self.name_, levels))

    @property
    def _draws_samples(self) -> bool:
        """Whether ``predict(num_samples=...)`` works for this model as configured."""
        return False

    def _request_h(self, h) -> int:
        """``h`` of a forecast request (the model's default when None), or a clear error."""
        if h is None:
            h = self._default_h()
            if h is None:
                raise ValueError(f"{type(self).__name__}.predict needs h (how many steps to forecast)")
        if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, np.integer)) or h < 1:
            raise ValueError(f"h must be a positive integer, got {h!r}")
        return int(h)

    def _request_panel(self, y, ids):
        """``(panel, positions)`` a request forecasts: the fitted series, a subset of them (``ids``) or new history
        ``y`` (positions None)."""
        if y is not None and ids is not None:
            raise ValueError("give either y (new history) or ids (a subset of the fitted series), not both")
        panel = self.panel_ if y is None else self._to_panel(y)
        if ids is not None:
            positions = self._positions(ids)
            return panel.subset(positions), positions
        return panel, (np.arange(panel.n_series) if y is None else None)

    def _predict_samples(self, panel, h, positions, num_samples, random_state, **extra):
        """(n, h, S) sample paths; only models with a distribution head draw them."""
        raise ValueError(f"{type(self).__name__} does not draw sample paths (num_samples); fit "
                         "RNNForecaster(distribution='student_t') (or 'normal', 'negative_binomial') for them")  # fmt: skip

    def _checked(self, forecasts, panel, h):
        forecasts = np.asarray(forecasts, dtype=np.float64)
        if forecasts.shape[:2] != (panel.n_series, h):
            raise RuntimeError(
                f"{type(self).__name__}._predict returned shape {forecasts.shape}, expected ({panel.n_series}, {h})"
            )
        return forecasts

    def _predict_with_intervals(self, panel, h, positions, levels, method, windows, X=None, static=None):
        """Point forecasts and interval bounds in one call, so no state is kept between calls.

        Parameters
        ----------
        panel : Panel
        h : int
        positions : (n,) int array or None
            As for ``_predict``.
        levels : list of float
            Ascending percent levels.
        method : str or None
            The interval method (None: the model's default, the first of ``_interval_methods()``).
        windows : int or None
            Calibration windows of conformal intervals.
        X : pandas object, optional
            Regressors, for models that take them.
        static : pandas.DataFrame, optional
            Static covariates, for models that take them.

        Returns
        -------
        point : (n, h) array
        lo, hi : (n, h, L) arrays

        The default forecasts with ``_predict`` and bounds the forecast with
        ``_predict_intervals``; a model whose intervals come from the same computation as its
        point forecast (a quantile head) overrides this.
        """
        extra = {"X": X} if self._supports_exog else {}
        if self._supports_static:
            extra["static"] = static
        point = self._checked(self._predict(panel, h, positions, **extra), panel, h)
        lo, hi = self._predict_intervals(panel, h, positions, point, levels, method, windows)
        return point, lo, hi

    def _interval_methods(self):
        """Interval methods this model offers; the first is the default."""
        return ("conformal",)

    def _predict_intervals(self, panel, h, positions, point, levels, method, windows):
        """``(lo, hi)``, each (n_series, h, L), for ascending percent ``levels``."""
        methods = self._interval_methods()
        method = methods[0] if method is None else method
        if method not in methods:
            raise ValueError(f"interval_method={method!r} is not available for {type(self).__name__}; "
                             f"choose from {list(methods)}")  # fmt: skip
        if method == "conformal":
            return conformal_intervals(self, panel, h, point, levels, windows)
        return self._model_intervals(panel, h, positions, point, levels, method)

    def _model_intervals(self, panel, h, positions, point, levels, method):  # pragma: no cover - overridden
        raise NotImplementedError

    def _positions(self, ids):
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
            ids = [ids]
        lookup = {k: i for i, k in enumerate(self.panel_.ids)}
        unknown = [i for i in ids if i not in lookup]
        if unknown:
            shown = list(self.panel_.ids[:5]) + (["..."] if len(self.panel_.ids) > 5 else [])
            raise ValueError(f"ids {unknown} were not seen in fit; the fitted series are {shown}")
        return np.array([lookup[i] for i in ids], dtype=np.int64)

    def fit_predict(self, y, h=None, level=None, X=None, static=None):
        """``fit(y, X, static)`` then ``predict(h, level=level, X=X)``: X then spans the history and the forecast period."""
        return self.fit(y, X=X, static=static).predict(h, level=level, X=X)

    # --------------------------------------------------------------- save/load
    def _save_state(self) -> tuple[dict, dict]:
        """Model-specific ``(header, arrays)`` to save; override in subclasses."""
        return {}, {}

    def _load_state(self, header: dict, arrays: dict) -> None:
        """Restore what :meth:`_save_state` returned; override in subclasses."""

    def _params_to_save(self) -> dict:
        """The parameters as a model file stores them (JSON values); ``_from_saved`` reads them back."""
        return self.get_params()

    def save(self, path):
        """Save the fitted model to one file (weights as npy arrays, JSON header; no pickle).

        The file is written atomically: a crash mid-write leaves any existing file intact.

        Parameters
        ----------
        path : str or PathLike

        Returns
        -------
        pathlib.Path
        """
        from .._version import __version__
        from ..io import write_model_file

        self.check_is_fitted()
        params = self._params_to_save()
        try:
            json.dumps(params, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"cannot save {type(self).__name__}: its parameters must be plain JSON values ({exc}); "
                "for example pass random_state as an int"
            ) from None
        panel_header, arrays = _panel_to_saved(self.panel_)
        model_header, model_arrays = self._save_state()
        overlap = set(arrays) & set(model_arrays)
        if overlap:
            raise RuntimeError(f"array names {sorted(overlap)} used twice")
        arrays.update(model_arrays)
        header = {
            "class": type(self).__name__,
            "tsrnn_version": __version__,
            "params": params,
            "panel": panel_header,
            "state": model_header,
        }
        return write_model_file(path, header, arrays)

    def _check_saved(self, header: dict, arrays: dict, budget: int) -> None:
        """Check a file's ``state`` against its arrays before :meth:`_load_state` allocates anything.

        ``budget`` is the number of bytes loading may still allocate; raise ValueError naming the
        field. Override in subclasses whose header settings size what loading builds.
        """

    @classmethod
    def _from_saved(cls, header: dict, arrays: dict, max_bytes: int | None = None):
        from ..io import DEFAULT_MAX_BYTES

        try:
            model = cls(**header["params"])
        except TypeError as exc:
            raise ValueError(f"the file's parameters do not fit {cls.__name__}: {exc}") from None
        model.panel_ = _panel_from_saved(header["panel"], arrays)
        state = header.get("state", {})
        if not isinstance(state, dict):
            raise ValueError(f"the header's state is a {type(state).__name__}; expected an object")
        budget = (DEFAULT_MAX_BYTES if max_bytes is None else max_bytes) - sum(a.nbytes for a in arrays.values())
        model._check_saved(state, arrays, budget)
        model._load_state(state, arrays)
        return model


def _panel_to_saved(panel: Panel):
    header = {
        "ids": [i.item() if isinstance(i, np.generic) else i for i in panel.ids],
        "kind": panel.kind,
        "name": panel.name if isinstance(panel.name, (str, int, float, type(None))) else str(panel.name),
        "columns": list(panel.columns),
        "axis": panel.axis.to_json(),
    }
    arrays = {"panel.values": panel.values, "panel.indptr": panel.indptr}
    return header, arrays


def _panel_from_saved(header: dict, arrays: dict) -> Panel:
    values = arrays["panel.values"]
    indptr = arrays["panel.indptr"]
    ids = header["ids"]
    if values.ndim != 1 or values.dtype.kind not in "fiu" or indptr.dtype.kind not in "iu" or not isinstance(ids, list):
        raise ValueError(f"the file's series table has values {values.dtype}{list(values.shape)}, indptr "
                         f"{indptr.dtype}{list(indptr.shape)} and ids of type {type(ids).__name__}; expected 1-D "
                         "numeric values, 1-D integer indptr and a list of ids")  # fmt: skip
    if len(set(map(json.dumps, ids))) != len(ids) or not all(isinstance(i, (str, int, float)) for i in ids):
        raise ValueError("the file's panel.ids are not distinct str or numbers")
    if indptr.ndim != 1 or indptr.size != len(ids) + 1 or indptr[0] != 0 or indptr[-1] != values.size:
        raise ValueError("the file's series table is inconsistent (indptr does not match the values and ids)")
    if np.any(np.diff(indptr) < 0):
        raise ValueError("the file's series table is inconsistent (indptr decreases)")
    return Panel(
        ids=list(ids),
        values=values.astype(np.float64, copy=False),
        indptr=indptr.astype(np.int64, copy=False),
        axis=TimeAxis.from_json(header["axis"]),
        kind=header["kind"],
        name=header["name"],
        columns=tuple(header["columns"]),
    )
