"""RNNForecaster: a global RNN, LSTM or GRU forecaster over pandas, trained with tsrnn's kernels.

This module holds the parameters and the pandas-facing flow (fit: transforms, then training;
predict: the members' forecasts, back through the transforms). The rest lives in rooms beside
it: :mod:`.params` (checks), :mod:`.training`, :mod:`.prediction`, :mod:`.covariates`,
:mod:`.persistence` (model files); season inference and the window rule in
:mod:`tsrnn.data.seasons`; batches in :mod:`tsrnn.data.samples`; the epoch loop in
:class:`tsrnn.nn.TrainingLoop`.
"""

from __future__ import annotations

import numpy as np

from ..._threads import single_blas_thread
from ...data.samples import csr_prefix
from ...data.seasons import default_window
from ...data.transforms import fit_scaler, scale
from ...data.windows import history_needed
from ..base import BaseForecaster, register
from .covariates import fit_covariates
from .distribution_head import check_counts, n_params
from .distribution_predict import distribution_intervals, distribution_quantiles, predict_samples, quantile_frame
from .docs import PREDICT_INSAMPLE_DOC, RNN_FORECASTER_DOC
from .file_checks import check_saved_state
from .auto_rules import resolve_epochs
from .fit_setup import check_lengths, fit_log_and_seasons
from .insample import predict_insample
from .magnitude import check_model_range
from .missing import check_mask, observed_origins, observed_values, with_gaps
from .model_space import back, forward, resolve_baseline, window_baseline
from .params import CELL_NAMES, check_params
from .persistence import load_state, save_state, upgrade_params
from .prediction import (
    forecast_member,
    point_of_quantiles,
    predict_members,
    quantile_columns,
)
from .static import fit_static
from .training import train_members, validation_set

__all__ = ["RNNForecaster"]


@register
class RNNForecaster(BaseForecaster):
    __doc__ = RNN_FORECASTER_DOC

    _supports_exog = True
    _supports_static = True

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        window=None,
        horizon=24,
        season_length=None,
        strategy="direct",
        training="windows",
        tbptt=None,
        step=1,
        target_steps="all",
        scaler="window",
        log="auto",
        baseline="auto",
        difference=0,
        seasonal_difference=None,
        loss="mse",
        epochs="auto",
        batch_size=64,
        lr=5e-3,
        lr_schedule="cosine",
        optimizer="adam",
        clip_norm=1.0,
        weight_decay=0.0,
        dropout=0.0,
        val_size=0,
        patience=10,
        lr_patience=4,
        lr_factor=0.5,
        min_lr=1e-5,
        windows_per_epoch=10000,
        n_ensemble=1,
        verbose=False,
        random_state=None,
        dtype="float32",
        init="orthogonal",
        alias=None,
        fill_missing=None,
        sort=False,
        warm_start=False,
        device="cpu",
        quantiles=None,
        calendar_features=False,
        series_embedding=None,
        short_series="drop",
        past_covariates=None,
        distribution=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.window = window
        self.horizon = horizon
        self.season_length = season_length
        self.strategy = strategy
        self.training = training
        self.tbptt = tbptt
        self.step = step
        self.target_steps = target_steps
        self.scaler = scaler
        self.log = log
        self.baseline = baseline
        self.difference = difference
        self.seasonal_difference = seasonal_difference
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.clip_norm = clip_norm
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.val_size = val_size
        self.patience = patience
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.min_lr = min_lr
        self.windows_per_epoch = windows_per_epoch
        self.n_ensemble = n_ensemble
        self.verbose = verbose
        self.random_state = random_state
        self.dtype = dtype
        self.init = init
        self.alias = alias
        self.fill_missing = fill_missing
        self.sort = sort
        self.warm_start = warm_start
        self.device = device
        self.quantiles = quantiles
        self.calendar_features = calendar_features
        self.series_embedding = series_embedding
        self.short_series = short_series
        self.past_covariates = past_covariates
        self.distribution = distribution

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(cell="gru", hidden_size=8, window=24, horizon=4, epochs=2, batch_size=32, random_state=0)

    @property
    def _model_name(self):
        return CELL_NAMES.get(str(self.cell).lower(), "RNN")

    def _default_h(self):
        return self.horizon

    def _check_params(self):
        return check_params(self)

    # ------------------------------------------------------ derived settings
    @property
    def _out_size(self):
        return self.horizon if self.strategy == "direct" else 1

    @property
    def _head_width(self):
        """Outputs per forecast step: the Q quantiles, the distribution's P parameters, or 1."""
        return len(self.quantiles_) if getattr(self, "quantiles_", None) else n_params(self)

    @property
    def _n_covariates(self):
        """K: regressors plus calendar features per step."""
        return len(getattr(self, "exog_names_", None) or []) + len(getattr(self, "calendar_names_", None) or [])

    @property
    def _np_dtype(self):
        return np.dtype(self.dtype)

    @property
    def _series_scaler(self):
        return None if self.scaler == "window" else self.scaler

    def _member_windows(self, seasons):
        n = int(self.n_ensemble)
        if self.window is None:
            return [default_window(self.horizon, seasons)] * n
        if isinstance(self.window, (list, tuple)):
            return [int(self.window[i % len(self.window)]) for i in range(n)]
        return [int(self.window)] * n

    def _window_seasons(self, window):
        """Season lengths the window statistics and the baseline use: all, or (1,) when the main one outgrows the window."""
        return tuple(self.seasons_) if self.season_length_ <= window else (1,)

    def _history(self, window):
        """Values read before each window (the multi-season baseline's reach)."""
        return history_needed(self._window_seasons(window), window_baseline(self))

    # ------------------------------------------------------------- transforms
    @property
    def baseline_(self):
        """The baseline in use (``baseline`` with "auto" resolved from the fitted seasons)."""
        return resolve_baseline(self)

    def _diff(self, values, indptr):
        """Data units -> model space before scaling (:func:`.model_space.forward`, logs included)."""
        return forward(self, values, indptr)

    def _undiff(self, forecasts, tails):
        return back(self, forecasts, tails)

    # -------------------------------------------------------------------- fit
    def _fit(self, panel, X=None, static=None):
        cell = check_params(self)
        self.train_windows_ = 0
        check_counts(self, panel)
        fit_log_and_seasons(self, panel)
        check_mask(self, X, static)
        windows = self._member_windows(self.seasons_)
        values, missing = observed_values(self, panel)
        dvals, dptr, _ = self._diff(values, panel.indptr)
        lengths = np.diff(dptr)
        train_len = lengths - int(self.val_size or 0)
        # Training windows of the first member's window (what baseline="auto" weighs, before any padding).
        self.train_windows_ = int(np.maximum(train_len - windows[0] - self._out_size + 1, 0).sum())
        self.epochs_ = resolve_epochs(self.epochs, train_len, windows[0], self._out_size, self.train_windows_,
                                      self.windows_per_epoch)
        check_lengths(self, panel, windows, train_len)
        train_vals, train_ptr = csr_prefix(dvals, dptr, np.maximum(train_len, 0))
        stats = fit_scaler(self._series_scaler, train_vals, train_ptr)
        check_model_range(self, panel, dvals, dptr, stats)
        z = with_gaps(scale(dvals, dptr, stats), missing)
        self.n_series_ = panel.n_series
        fit_static(self, panel, static)
        covariates = fit_covariates(self, panel, X, dptr)
        val_set = observed_origins(self, validation_set(self, z, dptr, lengths, covariates))
        with single_blas_thread():
            models, history, best_epochs = train_members(self, cell, windows, z, dptr, train_len, val_set, covariates)
        self.models_ = models
        self.model_ = models[0]
        self.windows_ = windows
        self.history_ = history
        self.best_epoch_ = best_epochs[0]
        self.scaler_stats_ = stats
        self.n_series_ = panel.n_series
        return self

    # ---------------------------------------------------------------- predict
    def _forecast_member(self, model, window, histories, h, covs=None, series=None):
        """One network's forecasts in the model space (:func:`.prediction.forecast_member`)."""
        return forecast_member(self, model, window, histories, h, covs, series)

    def _predict(self, panel, h, positions=None, X=None, static=None):
        check_counts(self, panel)
        result = predict_members(self, panel, h, positions, X, static)
        if self.distribution_ is not None:
            return result[:, :, 0]  # the median: of every member's distribution, then across members
        return result if self.quantiles_ is None else point_of_quantiles(self.quantiles_, result)

    def _predict_quantiles(self, panel, h, positions=None, X=None, static=None, q=None):
        """(n, h, Q) sorted quantile forecasts of a quantile head (or a distribution head's ``q``), in the data's units."""
        if self.distribution_ is not None:
            return distribution_quantiles(self, panel, h, positions, X, q, static)
        if self.quantiles_ is None:
            raise ValueError("this RNNForecaster has no quantile head: fit it with quantiles=[...] or distribution=...")
        return predict_members(self, panel, h, positions, X, static)

    def predict_quantiles(self, q, h=None, y=None, ids=None, X=None, static=None):
        """Quantile forecasts of a distribution head (any ``q``) or a quantile head (its fitted ``quantiles``).

        Parameters
        ----------
        q : float or list of float
            Levels in (0, 1), e.g. ``[0.1, 0.5, 0.9]``.
        h, y, ids, X, static
            As for :meth:`predict`.

        Returns
        -------
        pandas.DataFrame
            One column ``<name>-q-<q>`` per level (e.g. ``GRU-q-0.9``), ascending, in the
            layout of the input (a long frame: beside ``unique_id`` and ``ds``; a Series: indexed
            by time; a wide frame cannot hold several columns per series and raises ValueError).
            With the direct strategy, each step's exact quantiles (the median across members);
            recursive: quantiles of 1,000 sample paths seeded by ``random_state``.
        """
        return quantile_frame(self, q, h, y, ids, X, static)

    @property
    def _draws_samples(self):
        return self.distribution is not None

    def _predict_samples(self, panel, h, positions, num_samples, random_state, X=None, static=None):
        """(n, h, S) sample paths in the data's units (:mod:`.sampling`)."""
        return predict_samples(self, panel, h, positions, X, num_samples, random_state, static)

    def predict_insample(self, horizon=1):
        return predict_insample(self, horizon)

    predict_insample.__doc__ = PREDICT_INSAMPLE_DOC

    # -------------------------------------------------------------- intervals
    def _interval_methods(self):
        probabilistic = self.quantiles is not None or self.distribution is not None
        return ("quantile", "conformal") if probabilistic else ("conformal",)

    def _predict_with_intervals(self, panel, h, positions, levels, method, windows, X=None, static=None):
        """Point forecasts and interval bounds from one pass: a quantile head's sorted quantiles give both."""
        if method == "quantile" and self.quantiles is None and self.distribution is None:
            raise ValueError("interval_method='quantile' needs a quantile head: fit RNNForecaster(quantiles=[...]), e.g. "
                             "quantiles=[0.1, 0.5, 0.9] for 80% intervals, or distribution='student_t'; or use "
                             "interval_method='conformal'")  # fmt: skip
        chosen = self._interval_methods()[0] if method is None else method
        if chosen == "conformal" and (self.exog_names_ or self.static_numeric_ or self.static_categorical_):
            raise ValueError("conformal intervals refit the model at earlier cut-offs, which this model cannot do with "
                             "regressors X or static covariates; fit it with quantiles=[...] and use "
                             "interval_method='quantile'")  # fmt: skip
        if chosen != "quantile":
            return super()._predict_with_intervals(panel, h, positions, levels, method, windows, X=X, static=static)
        if self.distribution_ is not None:
            return distribution_intervals(self, panel, h, positions, levels, X, static)
        columns = quantile_columns(self.quantiles_, levels)
        quantiles = self._predict_quantiles(panel, h, positions, X, static)
        lo = np.stack([quantiles[:, :, i] for i, _ in columns], axis=2)
        hi = np.stack([quantiles[:, :, j] for _, j in columns], axis=2)
        return point_of_quantiles(self.quantiles_, quantiles), lo, hi

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        return save_state(self)

    @classmethod
    def _from_saved(cls, header, arrays, max_bytes=None):
        return super()._from_saved(upgrade_params(header), arrays, max_bytes)

    def _check_saved(self, header, arrays, budget):
        check_saved_state(self, header, arrays, budget)

    def _load_state(self, header, arrays):
        load_state(self, header, arrays)
