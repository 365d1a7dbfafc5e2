"""Closed-loop (recursive) forecasts of a :class:`tsrnn.nn.CovariateRegressor`: covariates fed step by step.

A recursive model with covariates reads, at every step it feeds back, its own last
prediction beside the covariates of the next step (known-ahead regressors, calendar
features, static covariates, the series' position). Those change at every step, so this
loop runs one ``model.forward`` call per step (as :func:`tsrnn.nn.recursive.closed_loop`
does for models on the GPU) rather than the compiled loop of models without covariates,
whose kernels take the fed-back value as the only input.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_positive_int

__all__ = ["covariate_closed_loop"]


def covariate_closed_loop(model, first, state, steps, history, lag, extra):
    """Continue a forecast from the end of an input window, feeding every prediction back with the next covariates.

    Step ``k`` predicts ``value_k = y_k + history[-lag]`` (the baseline term only where
    ``lag > 0``; ``history`` grows by ``value_k``); before the next step, the input
    ``[value_k, extra[:, k]]`` runs through the model to give ``y_{k+1}``. ``y_0 = first``.

    Parameters
    ----------
    model : CovariateRegressor
        With one output (a one-step model).
    first : (B, 1) array
        The head's output at the last step of the window.
    state : recurrent state after the window
        As returned by ``model.forward`` (not modified).
    steps : int
        Values to predict per series.
    history : (B, S, 1) float64 array
        Last S values of every series in the space the model predicts in.
    lag : (B,) int array
        Baseline lag of every series, 0 <= lag <= S (0: no baseline term).
    extra : (B, steps - 1, I - 1) array
        The inputs beside the fed-back value at every later step (its covariates).

    Returns
    -------
    pred : (B, steps, 1) float64 array
    """
    steps = check_positive_int(steps, "steps")
    if model.output_size != 1:
        raise ValueError(f"a closed loop feeds one value back per step; the model has {model.output_size} outputs")
    first = np.asarray(first, dtype=np.float64)
    B = first.shape[0]
    history = check_array(history, "history", (B, None, 1), np.float64, letters="BSO")
    extra = check_array(extra, "extra", (B, steps - 1, model.input_size - 1), model.dtype, letters="BKI")
    lag = np.asarray(lag, dtype=np.int64)
    S = history.shape[1]
    if lag.shape != (B,) or lag.min(initial=0) < 0 or lag.max(initial=0) > S:
        raise ValueError(f"lag must be a ({B},) array with values in [0, S={S}]")
    hist = np.empty((B, S + steps), dtype=np.float64)
    hist[:, :S] = history[:, :, 0]
    pred = np.empty((B, steps, 1), dtype=np.float64)
    rows = np.arange(B)
    y = first[:, 0]
    for k in range(steps):
        value = y + np.where(lag > 0, hist[rows, S + k - np.maximum(lag, 1)], 0.0)
        hist[:, S + k] = pred[:, k, 0] = value
        if k + 1 < steps:
            x = np.concatenate([value.astype(model.dtype)[:, None, None], extra[:, k : k + 1]], axis=2)
            out, state = model.forward(x, state)
            y = out[:, -1, 0].astype(np.float64)
    return pred
