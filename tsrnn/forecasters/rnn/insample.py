"""RNNForecaster's in-sample forecasts: at every point of the history, the forecast made with the history cut there.

:func:`predict_insample` gives, for every series and every cut-off ``c`` (the history's first
``c`` values), the forecasts of the next ``horizon`` values that ``predict(y=history[:c])``
gives, as a tidy frame beside ``y``. The network forecasts every cut-off from a window of the
``window`` values before it, scaled by that window's own statistics and read from a zero state,
exactly as it was trained and as ``predict`` forecasts; so the cut-off windows are gathered
and go through the network in batches (one forward pass per batch of windows, never one
``predict`` call per point), through the same code as ``predict`` (:func:`.prediction.predict_members`).

Where the forecast depends only on the last values of a history (the default window scaler,
naive or one-season baselines, logs, differencing) each cut-off reads only those; otherwise
(a per-series scaler, ``baseline="naive2"``, several seasons, ``fill_missing="mask"``, stateful
training) it reads the whole history up to the cut-off, and the work grows with the square of
the series' length.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ...data.csr import Panel
from ...data.time_axis import TimeAxis
from .missing import masks
from .model_space import resolve_baseline, window_baseline

__all__ = ["predict_insample", "first_cutoff"]

#: Cut-off windows per batch, and values read per batch: the memory bound of one forward pass.
_BATCH, _VALUES = 2048, 1 << 22


def first_cutoff(fc) -> int:
    """Values a history needs before in-sample forecasts start: the window (the longest member's), the values
    the baseline reads before it, and the differencing's."""
    reach = max(w + (fc._history(w) if fc.training == "windows" else 0) for w in fc.windows_)
    return reach + int(fc.difference or 0) + int(fc.seasonal_difference or 0)


def _local(fc) -> bool:
    """Whether a forecast reads only the last :func:`first_cutoff` values of its history."""
    several = str(window_baseline(fc)).startswith("seasonal") and any(
        len(fc._window_seasons(w)) > 1 for w in fc.windows_
    )
    # Masked values are filled from a season before, and a season before that ...: the whole history.
    return (fc.training == "windows" and fc.scaler == "window" and resolve_baseline(fc) != "naive2"
            and not several and not masks(fc))  # fmt: skip


def _check(fc, horizon):
    fc.check_is_fitted()
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
    if fc.strategy == "direct" and horizon > fc.horizon:
        raise ValueError(f"horizon={horizon} is beyond the model's horizon={fc.horizon} (a direct model forecasts at "
                         "most that many steps); pass a smaller horizon, or refit with a larger one")  # fmt: skip
    if fc.exog_names_:
        raise ValueError(f"predict_insample does not take a model fitted with regressors X ({fc.exog_names_}); "
                         "refit without X, or backtest it instead")  # fmt: skip


def _cutoffs(fc, panel):
    """(series, cut-off) pairs with a full window: every c from :func:`first_cutoff` to the series' length - 1."""
    start = first_cutoff(fc)
    lengths = panel.lengths
    counts = np.maximum(lengths - start, 0)
    short = np.flatnonzero(counts == 0)
    if short.size == panel.n_series:
        raise ValueError(f"every series is too short for in-sample forecasts: they start after {start} values (the "
                         f"window and what the baseline reads before it); the longest has {int(lengths.max())}")  # fmt: skip
    if short.size:
        names = [panel.ids[i] for i in short[:10]]
        warnings.warn(f"{short.size} series with at most {start} values have no in-sample forecasts: "
                      f"{names}{' ...' if short.size > 10 else ''}", UserWarning, stacklevel=4)  # fmt: skip
    series = np.repeat(np.arange(panel.n_series), counts)
    cut = start + np.arange(series.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return series, cut


def _tail_starts(fc, series, cut):
    """First value of every cut-off's history that its forecast reads (0: the whole history)."""
    if not _local(fc):
        return np.zeros_like(cut)
    return cut - first_cutoff(fc)


def _batches(fc, series, cut, begin):
    """Slices of the cut-offs, each a batch of at most :data:`_BATCH` windows and :data:`_VALUES` values
    (stateful models: one history length per batch, as ``predict`` of one history pads none)."""
    order = np.argsort(cut, kind="stable") if fc.training == "stateful" else np.arange(cut.size)
    sizes = (cut - begin)[order]
    bounds, start, total = [], 0, 0
    for k in range(order.size):
        new_length = fc.training == "stateful" and k > start and cut[order[k]] != cut[order[k - 1]]
        if k > start and (k - start >= _BATCH or total + sizes[k] > _VALUES or new_length):
            bounds.append(order[start:k])
            start, total = k, 0
        total += sizes[k]
    bounds.append(order[start:])
    return bounds


def _cut_panel(panel, stamps, series, cut, begin):
    """The histories ``values[begin:cut]`` of the given series as a Panel (one row per cut-off)."""
    lengths = cut - begin
    offsets = np.repeat(panel.indptr[series] + begin - np.cumsum(lengths) + lengths, lengths)
    values = panel.values[offsets + np.arange(int(lengths.sum()))]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    axis = panel.axis
    starts = pd.Index([stamps[i][b] for i, b in zip(series, begin)])
    ends = pd.Index([stamps[i][c - 1] for i, c in zip(series, cut)])
    cut_axis = TimeAxis(axis.kind, axis.freq, starts, ends, tz=axis.tz, unit=axis.unit, name=axis.name)
    return Panel(ids=[panel.ids[i] for i in series], values=values, indptr=indptr, axis=cut_axis, kind="long",
                 columns=panel.columns)  # fmt: skip


def predict_insample(fc, horizon=1):
    """In-sample forecasts of every fitted series (see ``RNNForecaster.predict_insample``)."""
    _check(fc, horizon)
    horizon = int(horizon)
    panel = fc.panel_
    series, cut = _cutoffs(fc, panel)
    begin = _tail_starts(fc, series, cut)
    stamps = [panel.axis.history(i) for i in range(panel.n_series)]
    forecasts = np.empty((cut.size, horizon))
    for rows in _batches(fc, series, cut, begin):
        part = _cut_panel(panel, stamps, series[rows], cut[rows], begin[rows])
        forecasts[rows] = fc._predict(part, horizon, series[rows])
    return _frame(fc, panel, stamps, series, cut, forecasts)


def _frame(fc, panel, stamps, series, cut, forecasts):
    """Tidy rows ``id, ds, [cutoff,] y, <name>``: every forecast whose target lies in the history."""
    horizon = forecasts.shape[1]
    step = np.tile(np.arange(horizon), cut.size)
    pos = np.repeat(cut, horizon) + step
    owner = np.repeat(series, horizon)
    keep = pos < panel.lengths[owner]
    pos, owner, step, values = pos[keep], owner[keep], step[keep], forecasts.reshape(-1)[keep]
    order = np.lexsort((pos - step, pos, owner)) if horizon > 1 else np.arange(pos.size)
    pos, owner, step, values = pos[order], owner[order], step[order], values[order]
    id_col, time_col, target_col = panel.columns
    ids = np.asarray(panel.ids, dtype=object)[owner]
    ds = _stamps_at(stamps, owner, pos)
    columns = {id_col: ids, time_col: ds}
    if horizon > 1:
        columns["cutoff"] = _stamps_at(stamps, owner, pos - step - 1)
    columns[target_col] = panel.values[panel.indptr[owner] + pos]
    columns[fc.name_] = values
    return pd.DataFrame(columns)


def _stamps_at(stamps, owner, pos):
    """Timestamps of positions ``pos`` of series ``owner``, as one pandas Index."""
    parts = [stamps[i][pos[owner == i]] for i in np.unique(owner)]
    out = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
    return pd.Index(out).rename(None)
