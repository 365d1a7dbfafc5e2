"""Training samples of series with missing values: :class:`MaskedWindowSampler`.

A :class:`~tsrnn.data.windows.WindowSampler` over series that keep their NaNs, with the rules
of :mod:`tsrnn.data.masking`: the values are filled (a season back, else the last value), the
window statistics ignore the filled ones, every input step also carries the missing-indicator,
and missing targets weigh nothing. RNNForecaster trains with it under ``fill_missing="mask"``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .masking import fill_forward, masked_window_stats, usable_samples
from .windows import WindowSampler, _seasons, baseline_forecast, stats_dtype

__all__ = ["MaskedWindowSampler", "masked_gather"]


class MaskedWindowSampler(WindowSampler):
    """:class:`~tsrnn.data.windows.WindowSampler` of values that may hold NaN (see :mod:`tsrnn.data.masking`).

    Takes WindowSampler's parameters (not ``covariates``). Samples whose input window holds no
    observed value, or whose weighted targets are all missing, are left out. :meth:`gather`
    gives x of shape (B, window, 2): the scaled value (filled where missing) and the
    missing-indicator (1.0 where it was NaN); y is 0 and weight 0 at missing targets, so no
    NaN reaches a loss.
    """

    def __init__(self, values, indptr, window, horizon, step=1, ends=None, target_steps="all", scaling=None,
                 season_length=1, baseline=None, covariates=None, padded=None):  # fmt: skip
        if covariates is not None:
            raise ValueError("MaskedWindowSampler takes no covariates")
        filled, missing = fill_forward(np.asarray(values, dtype=np.float64), indptr, _seasons(season_length)[0])
        super().__init__(filled.astype(np.asarray(values).dtype, copy=False), indptr, window, horizon, step, ends,
                         target_steps, scaling, season_length, baseline, None, padded)  # fmt: skip
        first = self.window - 1 if target_steps == "last" else self.first_step
        keep = usable_samples(missing, self.starts, self.history, self.window, self.horizon, first)
        self.starts, self.series = self.starts[keep], self.series[keep]
        if self._observed_from is not None:
            self._observed_from = self._observed_from[keep]
        self._missing = missing
        span = self.history + self.window + self.horizon
        self._missing_spans = sliding_window_view(missing, span) if missing.size >= span else None

    def gather(self, idx, dtype=np.float32):
        """Batch of samples: x (B, window, 2), y and weight (B, window, horizon); see the class docstring."""
        return masked_gather(self, idx, dtype)


def masked_gather(sampler, idx, dtype):
    """:meth:`MaskedWindowSampler.gather`: the indicator input, masked targets.

    Returns
    -------
    x : (B, window, 2) array
        The scaled (filled) value and the missing-indicator (1.0 where the value was NaN).
    y : (B, window, horizon) array
        Targets less the baseline, 0 where the target is missing.
    weight : (B, window, horizon) array
        0 for missing targets (and as ``gather`` gives it otherwise).
    """
    s = sampler
    starts = s.starts[idx]
    spans, miss = s._spans[starts], s._missing_spans[starts]
    H, W = s.history, s.window
    if s.scaling == "window":
        spans = spans.astype(stats_dtype(spans, dtype), copy=False)
        loc, scale = masked_window_stats(spans[:, H : H + W], miss[:, H : H + W], s.seasons[0])
        spans = ((spans - loc) / scale).astype(dtype, copy=False)
    else:
        spans = spans.astype(dtype, copy=False)
    x = np.stack([spans[:, H : H + W], miss[:, H : H + W].astype(dtype)], axis=2)
    y = sliding_window_view(spans[:, H + 1 :], s.horizon, axis=1)[:, :W]
    if s.baseline is not None:
        chosen = None if s._choice is None else s._choice[starts + H + W - 1]
        y = y - baseline_forecast(spans[:, : H + W], s.horizon, s.seasons, s.baseline, window=W, chosen=chosen)
    lost = sliding_window_view(miss[:, H + 1 :], s.horizon, axis=1)[:, :W]
    y = np.where(lost, 0, y).astype(dtype, copy=False)
    weight = (~lost).astype(dtype)
    if s.target_steps == "last":
        weight[:, :-1] = 0
    elif s.first_step:
        weight[:, : s.first_step] = 0
    if s._observed_from is not None:
        pos = (starts + H + 1)[:, None, None] + np.arange(W)[None, :, None] + np.arange(s.horizon)
        weight *= pos >= s._observed_from[idx][:, None, None]
    return x, y, weight
