"""RNNForecaster's ``fill_missing="mask"``: NaN targets masked out of the loss, NaN inputs filled and flagged.

The rules (forward filling, the missing-indicator input, NaN-aware window statistics, baselines
from the filled values) are :mod:`tsrnn.data.masking`'s. Here they meet the forecaster:

* :func:`observed_values`: the data filled forward in its own units, so the model-space
  transforms (log, seasonal adjustment, a per-series scaler) see finite values, with the
  positions that were missing; :func:`with_gaps` puts the NaNs back in the model space, where
  training (:class:`tsrnn.data.masked_windows.MaskedWindowSampler`) and prediction (:func:`masked_windows`)
  fill them again by the same rule;
* the network reads one more input, the indicator (:func:`indicator_inputs`; model files
  check it); the recursive strategy's closed loop feeds back observed values, whose indicator
  is 0, through :func:`value_only`, the network without the indicator's input weights.
"""

from __future__ import annotations

import numpy as np

from ...data.masking import fill_forward, masked_window_stats
from ...data.samples import pad_left
from ...data.windows import stats_dtype

__all__ = ["masks", "indicator_inputs", "check_mask", "observed_values", "with_gaps", "masked_windows",
           "value_only", "observed_origins"]  # fmt: skip


def masks(fc) -> bool:
    """Whether the RNNForecaster ``fc`` masks missing values (``fill_missing="mask"``)."""
    return getattr(fc, "fill_missing", None) == "mask"


def indicator_inputs(fc) -> int:
    """Inputs the missing-indicator adds to the network: 1 with ``fill_missing="mask"``, else 0."""
    return 1 if masks(fc) else 0


def check_mask(fc, X=None, static=None) -> None:
    """Refuse settings ``fill_missing="mask"`` does not combine with, naming them.

    Raises
    ------
    ValueError
        For stateful training, differencing, covariates (``X``, static covariates, calendar
        features, a series embedding) or a GPU.
    """
    if not masks(fc):
        return
    from ...nn.device import resolve_device

    clashes = []
    if fc.training != "windows":
        clashes.append(f"training={fc.training!r} (use 'windows')")
    if fc.difference or fc.seasonal_difference:
        clashes.append(f"difference={fc.difference!r}, seasonal_difference={fc.seasonal_difference!r} (use 0 and "
                       "None; the window scaler and baseline handle trends)")  # fmt: skip
    if X is not None or static is not None or fc.calendar_features or fc.series_embedding:
        clashes.append("covariates (X, static, calendar_features, series_embedding)")
    if resolve_device(fc.device) != "cpu":
        clashes.append(f"device={fc.device!r} (use 'cpu')")
    if clashes:
        raise ValueError("fill_missing='mask' does not combine with " + "; ".join(clashes) + ". Fill the NaNs "
                         "with fill_missing='interpolate' to use these settings")  # fmt: skip


def observed_values(fc, panel):
    """``(values, missing)``: the panel's values, NaNs filled forward with ``"mask"``, and where they were (or None)."""
    if not masks(fc):
        return panel.values, None
    return fill_forward(panel.values, panel.indptr)


def with_gaps(z, missing):
    """The model-space values ``z`` with NaN again where the data was missing (``missing`` None: ``z`` itself)."""
    if missing is None or not missing.any():
        return z
    z = np.array(z, dtype=np.float64)
    z[missing] = np.nan
    return z


def masked_windows(fc, window, histories, seasons):
    """:func:`.prediction._scaled_windows` of histories holding NaN, and the indicator of the input steps.

    Parameters
    ----------
    fc : RNNForecaster
    window : int
    histories : list of 1-D arrays
        Model-space histories, NaN where the data was missing (each with an observed value).
    seasons : tuple of int

    Returns
    -------
    full : (n, pre + window) array
        Filled forward, then window-scaled by :func:`tsrnn.data.masking.masked_window_stats`.
    loc, scale : (n, 1) arrays
    length : int
        ``window``.
    flags : (n, window, 1) array
        1.0 at the input steps whose value was missing.
    """
    dtype = fc._np_dtype
    pre, length = fc._history(window), window
    ptr = np.concatenate([[0], np.cumsum([s.size for s in histories])]).astype(np.int64)
    values, missing = fill_forward(np.concatenate(histories), ptr, seasons[0])
    filled = [values[a:b] for a, b in zip(ptr[:-1], ptr[1:])]
    gaps = [missing[a:b].astype(np.float64) for a, b in zip(ptr[:-1], ptr[1:])]
    full = pad_left(filled, pre + length, np.float64, edge=True)[:, :, 0]
    flags = pad_left(gaps, pre + length, np.float64)[:, pre:]
    if fc.scaler == "window":
        full = full.astype(stats_dtype(full, dtype), copy=False)
        loc, scale_ = masked_window_stats(full[:, pre:], flags[:, :, 0] > 0, seasons[0])
        full = ((full - loc) / scale_).astype(dtype, copy=False)
    else:
        full = full.astype(dtype, copy=False)
        loc, scale_ = np.zeros((len(histories), 1), dtype), np.ones((len(histories), 1), dtype)
    return full, loc, scale_, length, flags.astype(dtype)


def value_only(fc, model):
    """``model`` (a RecurrentRegressor reading ``[value, indicator]``) without the indicator's input weights.

    The closed loop of the recursive strategy feeds back one value per step, whose indicator
    is 0: ``W_ih [v, 0] = W_ih[:, :1] v``, so this network of one input gives the same
    forecasts. Returns ``model`` itself without ``"mask"``.
    """
    if not masks(fc):
        return model
    from ...nn import RecurrentRegressor

    state = model.state_dict()
    state["rnn.weight_ih_l0"] = np.ascontiguousarray(state["rnn.weight_ih_l0"][:, :1])
    out = RecurrentRegressor(str(fc.cell).lower(), 1, fc.hidden_size, model.output_size, fc.num_layers,
                             dtype=fc._np_dtype, seed=0, init="torch", dropout=fc.dropout)  # fmt: skip
    out.load_state_dict(state)
    return out.train(model.rnn.training)


def observed_origins(fc, val_set):
    """The validation origins (:func:`tsrnn.data.samples.validation_origins`) with an observed target, or None."""
    if val_set is None or not masks(fc):
        return val_set
    histories, targets, covs, series = val_set
    keep = np.flatnonzero(~np.isnan(targets).all(axis=1))
    if not keep.size:
        return None
    return [histories[k] for k in keep], targets[keep], None if covs is None else [covs[k] for k in keep], series[keep]
