"""Forecast figures: a series' history with its forecasts and intervals, and backtests.

``plot_forecast`` selects one series from Series, long or wide inputs (history, forecast and
optional actuals) and draws the end of its history, its forecasts and their intervals;
``plot_backtest`` draws every fold of a :func:`tsrnn.backtest.backtest` result for one series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import (
    _ACTUAL_COLOR,
    _CUTOFF_COLOR,
    _CV_COLUMNS,
    _HISTORY_COLOR,
    _axes,
    _floats,
    _format_time_axis,
    _legend_outside,
    _line,
    _pick_levels,
    _pick_models,
    _shade,
    _show,
    _split_columns,
    _Time,
)

__all__ = ["plot_backtest", "plot_forecast"]


# --------------------------------------------------------------------------------------------
# plot_forecast: selecting one series from Series / long / wide inputs
# --------------------------------------------------------------------------------------------


def _is_long(obj, id_col, time_col):
    return isinstance(obj, pd.DataFrame) and id_col in obj.columns and time_col in obj.columns


def _resolve_id(inputs, unique_id, id_col, time_col):
    """The series id to plot: ``unique_id`` checked, or the only id of the long inputs."""
    long = [(what, obj) for what, obj in inputs if _is_long(obj, id_col, time_col)]
    if not long:
        return unique_id
    if unique_id is None:
        what, obj = long[0]
        ids = pd.unique(obj[id_col])
        if len(ids) != 1:
            raise ValueError(
                f"{what} holds {len(ids)} series; pass unique_id= one of {_show(ids)}"
                if len(ids)
                else f"{what} is empty; expected at least one row"
            )
        unique_id = ids[0]
    for what, obj in long:
        if not (obj[id_col] == unique_id).any():
            raise ValueError(
                f"unique_id={unique_id!r} is not in {what}; available: {_show(pd.unique(obj[id_col]))}"
            )
    return unique_id


def _one_series(obj, what, unique_id, id_col, time_col):
    """Rows of one series as a DataFrame indexed by time (sorted), and whether it was wide."""
    if isinstance(obj, pd.Series):
        frame = obj.to_frame(name=obj.name)
    elif not isinstance(obj, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas Series or DataFrame, got {type(obj).__name__}")
    elif _is_long(obj, id_col, time_col):
        frame = obj.loc[obj[id_col] == unique_id].drop(columns=id_col).set_index(time_col)
    elif id_col in obj.columns:
        raise ValueError(f"{what} has a {id_col!r} column but no {time_col!r} column; expected both (a long frame)")
    elif time_col in obj.columns:
        frame = obj.set_index(time_col)
    else:
        frame = obj
    if len(frame) == 0:
        raise ValueError(f"{what} is empty; expected at least one value")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()][0]
        raise ValueError(f"{what} has the time {dup!r} more than once; expected one row per time (select one series)")
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    return frame


def _value_column(frame, what, unique_id, target_col):
    """The one value column of a history/actual frame."""
    if frame.shape[1] == 1:
        return frame.columns[0]
    for name in (unique_id, target_col):
        if name is not None and name in frame.columns:
            return name
    raise ValueError(
        f"{what} has columns {_show(frame.columns)}; expected a Series, a long frame with a {target_col!r} column, "
        "or a wide frame together with unique_id= (one of its columns)"
    )


def _history_part(history, unique_id, tail_default, tail, id_col, time_col, target_col):
    frame = _one_series(history, "history", unique_id, id_col, time_col)
    col = _value_column(frame, "history", unique_id, target_col)
    if tail is None:
        tail = tail_default
    elif isinstance(tail, (bool, np.bool_)) or not isinstance(tail, (int, np.integer)) or tail < 1:
        raise ValueError(f"tail must be a positive integer (points of history to show), got {tail!r}")
    frame = frame.iloc[-int(tail) :]
    return frame, col


def _forecast_part(forecast, unique_id, id_col, time_col, target_col):
    """Forecast rows of the series, its model columns, intervals, and an actual column if any."""
    frame = _one_series(forecast, "forecast", unique_id, id_col, time_col)
    if isinstance(forecast, pd.Series):
        name = "forecast" if forecast.name is None else forecast.name
        return frame.set_axis([name], axis=1), [name], {}, None
    wide = not _is_long(forecast, id_col, time_col) and unique_id is not None and unique_id in frame.columns
    if wide:
        # One column per series (a wide forecast): the model's name is not in the frame.
        return frame[[unique_id]].set_axis(["forecast"], axis=1), ["forecast"], {}, None
    models, intervals = _split_columns(frame, {id_col, time_col, target_col, "cutoff", "error"}, "forecast")
    actual_col = target_col if target_col in frame.columns else None
    return frame, models, intervals, actual_col


def plot_forecast(history, forecast, actual=None, *, ax=None, tail=None, unique_id=None, model=None, level=None,
                  title=None, id_col="unique_id", time_col="ds", target_col="y"):  # fmt: skip
    """Plot the end of a series' history, its forecasts, their prediction intervals and actuals.

    Parameters
    ----------
    history : pandas.Series or DataFrame
        The series' past: a Series indexed by time; a long frame (``id_col``, ``time_col``,
        ``target_col``); or a wide frame indexed by time, one column per series.
    forecast : pandas.Series or DataFrame
        What ``predict`` returns: a Series (named after the model) indexed by the next
        timestamps; a frame indexed by time with one column per model plus optional interval
        columns ``<model>-lo-<level>`` / ``<model>-hi-<level>``; a long frame (``id_col``,
        ``time_col``, one column per model, intervals); or a wide frame (one column per series,
        drawn as "forecast"). A ``target_col`` column is drawn as the actuals when ``actual``
        is None.
    actual : pandas.Series or DataFrame, optional
        Observed values to compare with, in the layouts of ``history``; drawn where they fall
        between the first history point shown and the last forecast.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    tail : int, optional
        History points shown (default: 5 x the forecast length).
    unique_id : hashable, optional
        The series to plot from long or wide inputs (required when they hold several series);
        Series inputs are taken as that series.
    model : str or list of str, optional
        Forecast columns to draw (default: all).
    level : float or list of float, optional
        Interval levels to shade (default: every level found, lighter for wider).
    title : str, optional
        Default: the series id when one was selected.
    id_col, time_col, target_col : str
        Column names of long frames.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        On inputs that are not pandas objects, empty or duplicated data, a missing or ambiguous
        ``unique_id``, unknown model names or levels, or time values of different kinds.
    """
    ax = _axes(ax, (10, 4))
    inputs = [("history", history), ("forecast", forecast)] + ([("actual", actual)] if actual is not None else [])
    unique_id = _resolve_id(inputs, unique_id, id_col, time_col)
    fc, models, intervals, fc_actual = _forecast_part(forecast, unique_id, id_col, time_col, target_col)
    models = _pick_models(models, model, "forecast")
    levels = _pick_levels(intervals, models, level)
    hist, hist_col = _history_part(history, unique_id, 5 * len(fc), tail, id_col, time_col, target_col)

    t_hist, t_fc = _Time(hist.index, "history"), _Time(fc.index, "forecast")
    t_hist.check_same(t_fc)
    times = [t_hist, t_fc]
    _line(ax, t_hist.values, _floats(hist[hist_col], "history"), color=_HISTORY_COLOR, lw=1.2, label="history")
    for i, name in enumerate(models):
        color = f"C{i}"
        _line(ax, t_fc.values, _floats(fc[name], f"forecast column {name!r}"), color=color, lw=1.5, label=str(name))
        _shade(ax, t_fc.values, fc, name, levels[name], intervals.get(name, {}), color)

    if actual is not None or fc_actual is not None:
        if actual is not None:
            act = _one_series(actual, "actual", unique_id, id_col, time_col)
            values = act[_value_column(act, "actual", unique_id, target_col)]
        else:
            values = fc[fc_actual]
        t_act = _Time(values.index, "actual")
        t_hist.check_same(t_act)
        keep = (t_act.values >= t_hist.values[0]) & (t_act.values <= t_fc.values[-1])
        if keep.any():
            _line(ax, t_act.values[keep], _floats(values, "actual")[keep], color=_ACTUAL_COLOR, lw=1.2, ls="--",
                  marker=".", label="actual")  # fmt: skip
            times.append(t_act)

    _format_time_axis(ax, times)
    if hist.index.name is not None:
        ax.set_xlabel(str(hist.index.name))
    if hist_col is not None and not (unique_id is not None and hist_col == unique_id):
        ax.set_ylabel(str(hist_col))
    title = str(unique_id) if title is None and unique_id is not None else title
    if title:
        ax.set_title(title)
    _legend_outside(ax)
    return ax


# --------------------------------------------------------------------------------------------
# plot_backtest
# --------------------------------------------------------------------------------------------


def plot_backtest(cv, *, unique_id=None, models=None, ax=None, title=None):
    """Plot a backtest of one series: actuals, every fold's forecasts, and the cutoffs.

    Parameters
    ----------
    cv : pandas.DataFrame
        What :func:`tsrnn.backtest.backtest` returns: ``unique_id, cutoff, ds, y``, one column
        per model (optionally interval columns ``<model>-lo-<level>``/``-hi-``) and ``error``.
    unique_id : hashable, optional
        The series to plot (required when ``cv`` holds several).
    models : str or list of str, optional
        Model columns to draw (default: all). Each model keeps one colour across folds.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Default: the series id.

    Returns
    -------
    matplotlib.axes.Axes
        Lines: the actuals over the backtest span, then one line per fold and model;
        dashed vertical lines at every cutoff (the last time each fit saw).

    Raises
    ------
    ValueError
        On a frame without the backtest columns, an empty frame, a missing or ambiguous
        ``unique_id``, or unknown model names.
    """
    if not isinstance(cv, pd.DataFrame) or not set(_CV_COLUMNS) <= set(cv.columns):
        seen = list(cv.columns) if isinstance(cv, pd.DataFrame) else type(cv).__name__
        raise ValueError(f"cv must be the DataFrame backtest returns, with columns {list(_CV_COLUMNS)}; got {seen}")
    if len(cv) == 0:
        raise ValueError("cv is empty; expected the rows of at least one backtest window")
    available, intervals = _split_columns(cv, set(_CV_COLUMNS) | {"error"}, "cv")
    chosen = _pick_models(available, models, "cv")
    levels = _pick_levels(intervals, chosen, None)
    unique_id = _resolve_id([("cv", cv)], unique_id, "unique_id", "ds")
    ax = _axes(ax, (10, 4))

    rows = cv.loc[cv["unique_id"] == unique_id]
    truth = rows.drop_duplicates("ds").sort_values("ds", kind="stable")
    t_truth = _Time(truth["ds"], "cv['ds']")
    _line(ax, t_truth.values, _floats(truth["y"], "cv['y']"), color=_HISTORY_COLOR, lw=1.2, label="actual")
    cutoffs = pd.unique(rows["cutoff"].sort_values(kind="stable"))
    for k, cutoff in enumerate(cutoffs):
        fold = rows.loc[rows["cutoff"] == cutoff].sort_values("ds", kind="stable")
        x = _Time(fold["ds"], "cv['ds']").values
        for i, name in enumerate(chosen):
            first = k == 0
            _line(ax, x, _floats(fold[name], f"cv[{name!r}]"), color=f"C{i}", lw=1.5,
                  label=str(name) if first else "_nolegend_")  # fmt: skip
            _shade(ax, x, fold, name, levels[name], intervals.get(name, {}), f"C{i}", label=first)
    t_cut = _Time(pd.Index(cutoffs), "cv['cutoff']")
    t_truth.check_same(t_cut)
    for k, x in enumerate(t_cut.values):
        ax.axvline(x, color=_CUTOFF_COLOR, ls="--", lw=0.9, label="cutoff" if k == 0 else "_nolegend_")

    _format_time_axis(ax, [t_truth, t_cut])
    ax.set_xlabel("ds")
    ax.set_ylabel("y")
    ax.set_title(str(unique_id) if title is None else title)
    _legend_outside(ax)
    return ax
