"""RNNForecaster's prediction: each network's forecast from the last window, the ensemble's median, quantiles.

:func:`forecast_member` runs one network on the model-space histories (window scaling,
baseline, the recursive closed loop; a direct forecast runs the network on groups of series,
:meth:`tsrnn.nn.RecurrentRegressor.forward_last`, so its memory does not grow with their
number); :func:`predict_members` takes a panel through the
forecaster's transforms and back and returns the point forecasts, or the sorted quantiles of
a quantile head; :func:`validation_loss` scores a network on held-out origins during training.
"""

from __future__ import annotations

import numpy as np

from ..._threads import single_blas_thread
from ...data.samples import covariate_inputs, pad_left, with_series_features
from ...data.transforms import fit_scaler, scale, unscale
from ...data.windows import baseline_forecast, season_choice, stats_dtype
from .covariates import predict_covariates
from .distribution_head import input_window_stats, params_in_series_space
from .magnitude import check_model_range
from .missing import masked_windows, masks, observed_values, value_only, with_gaps
from .model_space import window_baseline
from .sampling import Draw, combine_members, recursive_paths
from .static import predict_series_table, series_table

__all__ = ["check_h", "forecast_member", "predict_members", "validation_loss", "quantile_columns"]


def check_h(fc, h):
    """A direct model forecasts at most its ``horizon``."""
    if fc.strategy == "direct" and h > fc.horizon:
        raise ValueError(
            f"h={h} is beyond the model's horizon={fc.horizon}; refit with a larger horizon or strategy='recursive'"
        )


def forecast_member(fc, model, window, histories, h, covs=None, series=None, draw=None, member=(0, 1)):
    """One network's forecasts in the series-scaled (and differenced) space.

    Parameters
    ----------
    fc : RNNForecaster
    model : RecurrentRegressor or CovariateRegressor
    window : int
        The member's input window.
    histories : list of 1-D arrays
        Series-scaled history of every series to forecast from.
    h : int
    covs : list of (n_i + horizon, K) arrays, optional
        Covariates of every history step and of the ``horizon`` steps after it.
    series : (n, C) array, optional
        Per-series input columns (static covariates, the series position for
        ``series_embedding``; :func:`.static.series_table`).
    draw : tsrnn.forecasters.rnn.sampling.Draw, optional
        What a distribution head gives (required for one): quantiles, samples or parameters.
    member : (int, int)
        This network's position in the ensemble and the ensemble's size (for ``draw``).

    Returns
    -------
    pred : (n, h) float64 array, or (n, h, Q) for a quantile head (unsorted), or (n, h, K) for a
        distribution head (``draw``'s values; ``(dist, params)`` for ``Draw.parameters()``)
    loc, scale : (n, 1) arrays
        Statistics of each input window (0 and 1 unless ``scaler="window"``).
    """
    check_h(fc, h)
    prep = member_inputs(fc, window, histories, h, covs, series)
    n, loc, scale_, base = len(histories), prep.loc, prep.scale, prep.base
    if fc.strategy == "recursive":
        out, state = model.forward(prep.inputs)
        extra = None if covs is None and series is None else _loop_inputs(fc, h, histories, covs, series)
        if fc.distribution_ is not None:
            paths = recursive_paths(fc, model, out[:, -1, :], state, h, prep.full.astype(np.float64),
                                    _lags(fc, n, prep.seasons, prep.chosen), loc, scale_, draw, *member,
                                    extra)  # fmt: skip
            return paths, loc, scale_
        pred = _closed_loop(fc, model, out, state, h, prep.full, prep.seasons, prep.chosen, extra)
        return pred * scale_ + loc, loc, scale_
    last = last_outputs(model, prep.inputs)
    if fc.distribution_ is not None:
        raw = last.reshape(n, fc.horizon, -1)[:, :h].reshape(n, -1)
        dist, params = params_in_series_space(fc, raw, loc, scale_, base)
        return draw.marginal(dist, params, *member), loc, scale_
    if fc.quantiles_ is not None:
        pred = last.reshape(n, fc.horizon, -1)[:, :h].astype(np.float64)
        if base is not None:
            pred += base[:, :, None]
        return pred * scale_[..., None] + loc[..., None], loc, scale_
    pred = last[:, :h].astype(np.float64)
    if base is not None:
        pred += base
    return pred * scale_ + loc, loc, scale_


def last_outputs(model, inputs):
    """(n, O) outputs at the last input step: :meth:`RecurrentRegressor.forward_last` (groups of series) if it has it."""
    if hasattr(model, "forward_last"):
        return model.forward_last(inputs)
    return model.forward(inputs)[0][:, -1]


class MemberInputs:
    """What :func:`forecast_member` computes before the network runs: it depends on the data only.

    Attributes
    ----------
    inputs : (n, length, I) array
        The network's input windows (indicators, covariates and series columns after the values).
    full : (n, pre + length) array
        Window-scaled values, ``pre`` of them before each window for the baseline.
    loc, scale : (n, 1) arrays
        Each window's statistics.
    base : (n, h) array or None
        The baseline forecast (direct strategy), in the window-scaled space.
    seasons : tuple of int
    chosen : (n,) int64 array or None
        Each series' season, when the baseline chooses among several.
    """

    def __init__(self, inputs, full, loc, scale, base, seasons, chosen):
        self.inputs, self.full, self.loc, self.scale = inputs, full, loc, scale
        self.base, self.seasons, self.chosen = base, seasons, chosen


def member_inputs(fc, window, histories, h, covs=None, series=None):
    """:class:`MemberInputs` of one network's forecast from ``histories`` (arguments as :func:`forecast_member`)."""
    seasons = fc._window_seasons(window)
    flags = None
    if masks(fc):
        full, loc, scale_, length, flags = masked_windows(fc, window, histories, seasons)
    else:
        full, loc, scale_, length = _scaled_windows(fc, window, histories, seasons)
    chosen = None
    baseline = window_baseline(fc)
    if baseline in ("seasonal_naive", "seasonal_average") and len(seasons) > 1:
        # Each series' whole history picks its season, as every training window's history did.
        chosen = np.array([season_choice(s[None, :], seasons)[0] for s in histories], dtype=np.int64)
    inputs = np.ascontiguousarray(full[:, full.shape[1] - length :])[:, :, None]
    if flags is not None:
        inputs = np.concatenate([inputs, flags], axis=2)
    if covs is not None:
        # A recursive model's window reads the covariates up to the first forecast step; the loop the rest.
        window_covs = covs if fc.strategy == "direct" else [c[: s.size + 1] for c, s in zip(covs, histories)]
        inputs = np.concatenate([inputs, covariate_inputs(window_covs, length, fc._out_size, fc._np_dtype)], axis=2)
    if series is not None:
        inputs = with_series_features(inputs, series)
    base = None
    if baseline is not None and fc.strategy != "recursive":
        base = baseline_forecast(full, fc.horizon, seasons, baseline, last_only=True, window=length,
                                 chosen=chosen)[:, :h]  # fmt: skip
    return MemberInputs(inputs, full, loc, scale_, base, seasons, chosen)


def _scaled_windows(fc, window, histories, seasons):
    """The last values of every history (the values before the window too), window-scaled, and their statistics.

    Returns
    -------
    full : (n, pre + length) array
        ``pre`` values the baseline reads before the window, then the ``length`` input steps.
    loc, scale : (n, 1) arrays
    length : int
    """
    dtype = fc._np_dtype
    n = len(histories)
    pre = fc._history(window) if fc.training == "windows" else 0
    length = max(max(s.size for s in histories) if fc.training == "stateful" else window, 1)
    windowed = fc.scaler == "window"
    full = pad_left(histories, pre + length, np.float64, edge=windowed)[:, :, 0]
    # Statistics in float64 only where the data's magnitude needs it (stats_dtype): same bits otherwise.
    full = full.astype(stats_dtype(full, dtype) if windowed else dtype, copy=False)
    if windowed:
        loc, scale_ = input_window_stats(fc, full[:, pre:], seasons[0])
        full = ((full - loc) / scale_).astype(dtype, copy=False)
    else:
        loc, scale_ = np.zeros((n, 1), dtype), np.ones((n, 1), dtype)
    return full, loc, scale_, length


def _lags(fc, n, seasons, chosen):
    """(n,) one-step baseline lag of every series: each next step's baseline is the value ``lag`` steps before it."""
    baseline = window_baseline(fc)
    if baseline is None:
        return np.zeros(n, dtype=np.int64)
    if baseline == "naive":
        return np.ones(n, dtype=np.int64)
    if chosen is not None:
        return chosen
    return np.full(n, seasons[0], dtype=np.int64)


def _loop_inputs(fc, h, histories, covs, series):
    """(n, h - 1, C) inputs beside the fed-back value at forecast steps 2 .. h: next step's covariates, series columns."""
    n, dtype = len(histories), fc._np_dtype
    parts = []
    if covs is not None:
        parts.append(np.stack([c[s.size + 1 : s.size + h] for c, s in zip(covs, histories)]).astype(dtype))
    if series is not None:
        parts.append(np.broadcast_to(np.asarray(series, dtype=dtype)[:, None, :], (n, h - 1, series.shape[1])))
    return np.ascontiguousarray(np.concatenate(parts, axis=2))


def _closed_loop(fc, model, out, state, h, full, seasons, chosen, extra=None):
    """(n, h) recursive forecasts: every step fed back, with the one-step baseline of each next step added.

    ``extra`` (n, h - 1, C): the other inputs of every fed-back step (a model with covariates).
    """
    from ...nn.recursive import closed_loop

    lag = _lags(fc, full.shape[0], seasons, chosen)
    if extra is not None:  # covariates or static inputs (fill_missing="mask" refuses both)
        from ...nn.covariate_loop import covariate_closed_loop

        return covariate_closed_loop(model, out[:, -1, :], state, h, full.astype(np.float64)[:, :, None], lag,
                                     extra)[:, :, 0]  # fmt: skip
    return closed_loop(value_only(fc, model), out[:, -1, :], state, h, full.astype(np.float64)[:, :, None], lag)[:, :, 0]


def predict_members(fc, panel, h, positions=None, X=None, static=None, draw=None):
    """Forecasts of every series of ``panel`` in the data's units: the median over the ensemble's networks.

    Parameters
    ----------
    fc : RNNForecaster
    panel : tsrnn.data.Panel
    h : int
    positions : (n,) int array, optional
        The panel's series among the fitted ones (None: new history).
    X : pandas object, optional
        Regressors, for a model fitted with them.
    static : pandas.DataFrame, optional
        Static covariates of new series (with new history only).
    draw : tsrnn.forecasters.rnn.sampling.Draw, optional
        For a distribution head: its quantiles (default: the median) or sample paths.

    Returns
    -------
    (n, h) float64 array, or (n, h, Q) sorted along the last axis for a quantile head or a
        distribution head's quantiles (the median per quantile across members first, then
        sorted: quantiles never cross), or (n, h, S) sample paths (the members' paths
        interleaved: path j comes from member j mod M, a mixture of the members).
    """
    if fc.distribution_ is not None and draw is None:
        draw = Draw.quantiles((0.5,))
    check_h(fc, h)
    values, missing = observed_values(fc, panel)
    dvals, dptr, tails = fc._diff(values, panel.indptr)
    stats = fit_scaler(fc._series_scaler, dvals, dptr)
    check_model_range(fc, panel, dvals, dptr, stats)
    z = with_gaps(scale(dvals, dptr, stats), missing)
    histories = [z[dptr[i] : dptr[i + 1]] for i in range(panel.n_series)]
    covs = predict_covariates(fc, panel, positions, X, np.diff(dptr), h if fc.strategy == "recursive" else None)
    series = predict_series_table(fc, panel, positions, static)
    forecasts = []
    with single_blas_thread():
        for i, (model, window) in enumerate(zip(fc.models_, fc.windows_)):
            pred, _, _ = forecast_member(fc, model, window, histories, h, covs, series, draw, (i, len(fc.models_)))
            pred = fc._undiff(unscale(pred, stats), tails)
            if fc.log_:
                with np.errstate(over="ignore"):
                    pred = np.exp(pred)
            forecasts.append(pred)
    if draw is not None:
        result = combine_members(draw, forecasts)
        return np.sort(result, axis=-1) if draw.kind == "quantiles" else result
    result = forecasts[0] if len(forecasts) == 1 else np.median(forecasts, axis=0)
    return result if fc.quantiles_ is None else np.sort(result, axis=-1)


def point_of_quantiles(quantiles_, result):
    """(n, h) point forecast from (n, h, Q) sorted quantiles: the 0.5 quantile, else the median of the Q."""
    if 0.5 in quantiles_:
        return result[:, :, quantiles_.index(0.5)]
    return np.median(result, axis=-1)


def validation_loss(fc, model, window, val_set, loss):
    """Validation loss in the space the network trains in (window-scaled with the "window" scaler)."""
    series = series_table(fc, val_set[3])
    if fc.distribution_ is not None:
        return distribution_validation_loss(fc, model, window, val_set, series)
    pred, loc, scale_ = forecast_member(fc, model, window, val_set[0], fc.horizon, val_set[2], series)
    dtype = fc._np_dtype
    target = ((val_set[1] - loc) / scale_).astype(dtype)
    # Missing targets (fill_missing="mask") weigh nothing.
    weight = np.isfinite(target).astype(dtype) if masks(fc) else None
    if weight is not None:
        target = np.where(weight > 0, target, 0).astype(dtype)
    if fc.quantiles_ is not None:
        pred = ((pred - loc[..., None]) / scale_[..., None]).astype(dtype)
        return float(loss.pinball(pred, target, weight)[0])
    pred = ((pred - loc) / scale_).astype(dtype)
    return float(loss(pred, target, weight)[0])


def distribution_validation_loss(fc, model, window, val_set, series):
    """A distribution head's validation loss: the mean NLL (direct strategy) of the held-out values in the
    series-scaled space, or (recursive: multi-step NLLs need paths) the mean absolute error of the path of
    medians in the window-scaled space."""
    if fc.strategy == "direct":
        (dist, params), _, _ = forecast_member(fc, model, window, val_set[0], fc.horizon, val_set[2], series,
                                               Draw.parameters())  # fmt: skip
        return float(np.mean(dist.nll(params, val_set[1])))
    pred, loc, scale_ = forecast_member(fc, model, window, val_set[0], fc.horizon, val_set[2], series,
                                        Draw.quantiles((0.5,)))  # fmt: skip
    return float(np.mean(np.abs(pred[:, :, 0] - val_set[1]) / scale_))


def _level_text(level) -> str:
    """A percent level as text: ``80`` rather than ``80.00000000000001``."""
    v = round(float(level), 9)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def quantile_columns(quantiles_, levels) -> list:
    """For every percent level L, the positions of quantiles (100 - L) / 200 and (100 + L) / 200 in ``quantiles_``.

    Raises
    ------
    ValueError
        When a level's quantiles were not fitted, naming the levels the model can give.
    """
    q = np.asarray(quantiles_)
    columns = []
    for level in levels:
        lo, hi = (100.0 - level) / 200.0, (100.0 + level) / 200.0
        found = [np.flatnonzero(np.isclose(q, v, rtol=0, atol=1e-9)) for v in (lo, hi)]
        if not all(f.size for f in found):
            pairs = [v for v in q if v < 0.5 and np.isclose(q, 1 - v, rtol=0, atol=1e-9).any()]
            offered = [_level_text(100 * (1 - 2 * v)) for v in pairs]
            raise ValueError(
                f"level={_level_text(level)} needs the quantiles {lo:g} and {hi:g}, but the model was fitted with "
                f"quantiles={list(quantiles_)} (levels it can give: {offered}); refit with those quantiles "
                "or use interval_method='conformal'"
            )
        columns.append((int(found[0][0]), int(found[1][0])))
    return columns
