"""RNNForecaster's model space: logs, seasonal adjustment and differencing, forward for fit and predict, and back.

The network sees every series as ``log`` (when fitted so), less its seasonal figure (with
``baseline="naive2"``), differenced (``difference``, ``seasonal_difference``), then scaled.
:func:`forward` takes values there from the data's units and :func:`back` brings forecasts
back; both are functions of the history they are given, so fit and predict (and new
series) go through the same steps.
"""

from __future__ import annotations

import numpy as np

from ...data.seasonal_adjust import reseasonalize, seasonal_adjust
from ...data.transforms import difference, undifference

__all__ = ["resolve_baseline", "window_baseline", "to_model_space", "forward", "back"]


def resolve_baseline(fc) -> object:
    """The baseline a fitted forecaster uses: ``fc.baseline``, with ``"auto"`` resolved from its seasons.

    "auto": "seasonal_naive" when several season lengths are modelled (sub-daily data with a
    weekly cycle: each window repeats the season that explained its series best, the M4 Hourly
    recipe), else "naive" (one season or none: yearly, quarterly, monthly, weekly, daily);
    None for ``training="stateful"``. Measured on the validation periods of the shared
    benchmark sets (experiments/frequencies.py, LSTM, MASE, seeds 0 / 1), "naive" beat
    "seasonal_naive" on all four seasonal sets (M1 monthly 1.465 / 1.398 against 1.596 (seed
    0), M3 quarterly 1.216 / 1.205 against 1.315, M1 quarterly 1.802 against 1.858, M4 weekly
    2.583 against 2.742), and beat "naive2" (seasonal adjustment of every seasonal series: M1
    monthly 1.572, M3 quarterly 1.280) and adjustment of the strongly seasonal ones only
    (1.537 / 1.617 and 1.333 / 1.294): with a few noisy seasons per series, the network
    forecasts the season better from the raw window than from a repeated or estimated one.
    """
    if fc.baseline != "auto":
        return fc.baseline
    if fc.training == "stateful":
        return None  # stateful training runs along whole series, without windows or baselines
    seasons = getattr(fc, "seasons_", None) or (1,)
    return "seasonal_naive" if len(seasons) > 1 else "naive"


def window_baseline(fc):
    """The per-window baseline the samples use: "naive" for "naive2" (the series are already adjusted)."""
    kind = resolve_baseline(fc)
    return "naive" if kind == "naive2" else kind


def to_model_space(fc, values):
    """Log (if fitted so) of the values, checking that they allow it."""
    if not fc.log_:
        return values
    if np.any(values <= 0):
        i = int(np.argmax(values <= 0))
        raise ValueError(
            f"the model was fitted on the log scale (log={fc.log!r}: every training value was positive), but "
            f"the history has the value {float(values[i])!r}; refit with log=False to forecast data with zeros or "
            "negatives"
        )
    return np.log(values)


def forward(fc, values, indptr):
    """Values (data units) to the model space before scaling: ``(values, indptr, tails)``; ``tails`` for :func:`back`."""
    values = to_model_space(fc, values)
    season = None
    if resolve_baseline(fc) == "naive2" and fc.season_length_ > 1:
        values, figures, lengths = seasonal_adjust(values, indptr, fc.season_length_)
        season = (figures, lengths)
    D = 1 if fc.seasonal_difference else 0
    dvals, dptr, tails = difference(values, indptr, d=fc.difference, m=fc.seasonal_difference, D=D)
    return dvals, dptr, (tails, season)


def back(fc, forecasts, tails):
    """Unscaled model-space forecasts (n, h) or (n, h, Q) back to the data's units (before the exponential)."""
    tails, season = tails
    D = 1 if fc.seasonal_difference else 0
    out = undifference(forecasts, tails, d=fc.difference, m=fc.seasonal_difference, D=D)
    return out if season is None else reseasonalize(out, *season)
