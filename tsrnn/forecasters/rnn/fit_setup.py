"""RNNForecaster's fit setup: the log and season decisions, and which series are long enough to train on."""

from __future__ import annotations

import warnings

import numpy as np

from ...data.seasons import infer_seasons
from .auto_rules import resolve_log
from .distribution_head import is_counts
from .model_space import window_baseline
from .training import min_train_length

__all__ = ["check_lengths", "fit_log_and_seasons"]


def fit_log_and_seasons(fc, panel):
    """Set ``log_``, ``seasons_`` and ``season_length_`` from the parameters and the data."""
    # NaN (fill_missing="mask") is neither positive nor not: only the observed values decide.
    if fc.log is True and np.any(panel.values <= 0):
        raise ValueError(
            f"log=True needs positive data, but the minimum value is {float(np.nanmin(panel.values))!r}; "
            "use log='auto' or log=False"
        )
    fc.log_ = resolve_log(fc.log, panel.values, np.diff(panel.indptr), counts=is_counts(fc))
    if fc.season_length is None:
        fc.seasons_ = tuple(int(m) for m in infer_seasons(panel))
    elif isinstance(fc.season_length, (list, tuple)):
        fc.seasons_ = tuple(int(m) for m in fc.season_length)
    else:
        fc.seasons_ = (int(fc.season_length),)
    fc.season_length_ = fc.seasons_[0]
    windows = fc._member_windows(fc.seasons_)
    seasonal_baseline = str(window_baseline(fc)).startswith("seasonal")
    if fc.season_length_ > min(windows) and (fc.scaler == "window" or seasonal_baseline):
        warnings.warn(
            f"season_length={fc.season_length_} is longer than window={min(windows)}: the window statistics "
            "and the seasonal-naive baseline of that window use m=1 (naive); give a longer window or a "
            "season_length",
            UserWarning,
            stacklevel=5,
        )

def check_lengths(fc, panel, windows, train_len):
    """Error when no series is long enough to train on; warn naming those left out."""
    val = int(fc.val_size or 0)
    out = fc._out_size
    need = min(w + fc._history(w) for w in windows) + out
    parts = ("history + " if need > min(windows) + out else "") + "window + " + ("horizon" if out > 1 else "1")
    if fc.short_series == "pad" and fc.training == "windows" and min_train_length(fc) < need:
        need, parts = min_train_length(fc), ("horizon" if out > 1 else "1") + " + 2 (short_series='pad')"
    short = np.flatnonzero(train_len < need)
    if short.size == panel.n_series:
        raise ValueError(
            f"every series is too short: training needs {parts} = {need} values "
            f"per series (after differencing{' and holding out val_size' if val else ''}); the longest has "
            f"{int(train_len.max())}"
        )
    if short.size:
        names = [panel.ids[i] for i in short[:10]]
        warnings.warn(
            f"{short.size} series shorter than {parts.replace('horizon', str(out))} = {need} training values are "
            f"left out of training: {names}{' ...' if short.size > 10 else ''}",
            UserWarning,
            stacklevel=5,
        )
