"""Figures for forecasts, backtests, training curves, leaderboards and residuals (matplotlib).

Every function draws on the Axes it is given (``ax=``) or on a new pyplot figure, and returns
the Axes it drew on (``plot_residuals``: an array of three), so figures can be composed,
restyled and saved by the caller; nothing is shown (no ``plt.show()``) and no global
``rcParams`` is changed. A figure made here is a pyplot figure (it displays in notebooks):
close it with ``plt.close(ax.figure)`` when drawing many. ``save_figure`` writes a PNG
atomically.

matplotlib is imported on first use, so ``import tsrnn.plotting`` stays cheap.

Inputs follow the package's pandas layouts (see :mod:`tsrnn.data.panel`): a Series indexed
by time; a long DataFrame ``unique_id, ds, <value columns>``; or a wide DataFrame indexed by
time with one column per series. Prediction intervals are columns ``<model>-lo-<level>`` and
``<model>-hi-<level>`` (Nixtla's naming), e.g. ``GRU-lo-80`` and ``GRU-hi-80``. Datetime and
period indexes are drawn as dates, integer indexes as integers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._atomic import atomic_write

__all__ = ["plot_backtest", "plot_forecast", "plot_history", "plot_leaderboard", "plot_residuals", "save_figure"]

_INTERVAL = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")
_CV_COLUMNS = ("unique_id", "cutoff", "ds", "y")
_HISTORY_COLOR = "black"
_ACTUAL_COLOR = "0.35"
_CUTOFF_COLOR = "0.5"


# --------------------------------------------------------------------------------------------
# helpers: axes, time values, column parsing
# --------------------------------------------------------------------------------------------


def _axes(ax, figsize):
    """``ax`` checked, or the Axes of a new pyplot figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


class _Time:
    """Plottable x values of a time index: datetime64 (UTC for tz-aware data) or numbers."""

    def __init__(self, index, what):
        idx = pd.Index(index)
        if isinstance(idx, pd.PeriodIndex):
            idx = idx.to_timestamp()
        self.tz = None
        if isinstance(idx, pd.DatetimeIndex):
            self.kind = "datetime"
            self.tz = idx.tz
            if idx.tz is not None:
                # Drawn as UTC instants; the tick formatter shows them in the data's time zone.
                idx = idx.tz_convert("UTC").tz_localize(None)
        elif pd.api.types.is_numeric_dtype(idx.dtype) and not pd.api.types.is_bool_dtype(idx.dtype):
            self.kind = "integer" if pd.api.types.is_integer_dtype(idx.dtype) else "number"
        else:
            raise ValueError(
                f"{what} has time values of dtype {idx.dtype} (first: {idx[:3].tolist()}); expected datetimes, "
                "periods or numbers"
            )
        self.values = idx.to_numpy()
        self.what = what

    def check_same(self, other):
        """Raise unless ``other`` can share an x axis with this one."""
        numeric = ("integer", "number")
        same_kind = self.kind == other.kind or (self.kind in numeric and other.kind in numeric)
        if not same_kind or str(self.tz) != str(other.tz):
            raise ValueError(
                f"{self.what} and {other.what} have different kinds of time values ({self._text()} and "
                f"{other._text()}); expected both dates (same time zone) or both numbers"
            )

    def _text(self):
        return f"{self.kind}, tz={self.tz}" if self.kind == "datetime" else self.kind


def _format_time_axis(ax, times):
    """Date ticks for datetime data, integer ticks for integer data (on this Axes only)."""
    kinds = {t.kind for t in times}
    if "datetime" in kinds:
        from matplotlib import dates as mdates

        tz = times[0].tz
        locator = mdates.AutoDateLocator(tz=tz)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
    elif kinds == {"integer"}:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _floats(column, what):
    """A pandas column as a float64 array (NaN for missing values)."""
    if not (pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)):
        raise ValueError(f"{what} has dtype {column.dtype}; expected numbers")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _show(values, limit=10):
    values = list(values)
    more = f" ... ({len(values)} in all)" if len(values) > limit else ""
    return f"{values[:limit]}{more}"


def _split_columns(frame, reserved, what):
    """Point-forecast columns and interval columns ``{model: {level: (lo, hi)}}`` of a frame."""
    models, found = [], {}
    for col in frame.columns:
        if col in reserved:
            continue
        match = _INTERVAL.match(col) if isinstance(col, str) else None
        if match:
            sides = found.setdefault(match["model"], {}).setdefault(float(match["level"]), {})
            sides[match["side"]] = col
        elif pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(frame[col].dtype):
            models.append(col)
    intervals = {}
    for model, levels in found.items():
        if model not in models:
            raise ValueError(
                f"{what} has interval columns for {model!r} but no point-forecast column {model!r}; "
                f"point-forecast columns: {models}"
            )
        for level, sides in levels.items():
            if set(sides) != {"lo", "hi"}:
                have = next(iter(sides.values()))
                raise ValueError(
                    f"{what} has {have!r} without its pair; expected both {model}-lo-{level:g} and {model}-hi-{level:g}"
                )
        intervals[model] = {lv: (s["lo"], s["hi"]) for lv, s in levels.items()}
    return models, intervals


def _pick_models(available, models, what):
    """The requested model names (all when None), checked against ``available``."""
    if not available:
        raise ValueError(f"{what} has no numeric forecast column; expected one column per model")
    if models is None:
        return list(available)
    chosen = [models] if isinstance(models, str) or not isinstance(models, (list, tuple, pd.Index)) else list(models)
    if not chosen:
        raise ValueError(f"models is empty; expected names among {available}")
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise ValueError(f"model(s) {unknown} not found in {what}; available: {available}")
    return chosen


def _pick_levels(intervals, models, level):
    """``{model: [levels, widest first]}`` of the intervals to shade."""
    out = {}
    wanted = None
    if level is not None:
        items = level if isinstance(level, (list, tuple)) else [level]
        try:
            wanted = [float(v) for v in items]
        except (TypeError, ValueError):
            raise ValueError(f"level must be a number or a list of numbers (e.g. 80 or [80, 95]), got {level!r}") from None
    for model in models:
        have = intervals.get(model, {})
        if wanted is None:
            out[model] = sorted(have, reverse=True)
            continue
        missing = [v for v in wanted if v not in have]
        if missing:
            raise ValueError(
                f"no interval columns for {model!r} at level(s) {[f'{v:g}' for v in missing]}; levels found: "
                f"{[f'{v:g}' for v in sorted(have)] or 'none'} (columns named '{model}-lo-<level>', '{model}-hi-<level>')"
            )
        out[model] = sorted(set(wanted), reverse=True)
    return out


def _shade(ax, x, frame, model, levels, columns, color, label=True):
    """One translucent band per level, widest first and lightest."""
    alphas = np.linspace(0.12, 0.3, len(levels)) if len(levels) > 1 else [0.22]
    for lv, alpha in zip(levels, alphas):
        lo, hi = columns[lv]
        text = f"{model} {lv:g}%" if label else "_nolegend_"
        ax.fill_between(x, _floats(frame[lo], lo), _floats(frame[hi], hi), color=color, alpha=alpha, lw=0,
                        label=text)  # fmt: skip


def _line(ax, x, y, **kwargs):
    """A line that stays visible with a single point."""
    if len(x) == 1:
        kwargs.setdefault("marker", "o")
        kwargs.setdefault("markersize", 4)
    return ax.plot(x, y, **kwargs)[0]


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
    ax.legend(loc="best")
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
    ax.legend(loc="best")
    return ax


# --------------------------------------------------------------------------------------------
# plot_history
# --------------------------------------------------------------------------------------------


def _training_frame(history):
    if isinstance(history, pd.DataFrame):
        return history, None
    frame = getattr(history, "history_", None)
    if frame is None:
        if hasattr(type(history), "fit"):
            raise ValueError(f"{type(history).__name__} has no history_: fit it first (only RNNForecaster has one)")
        raise ValueError(f"history must be a fitted RNNForecaster or its history_ DataFrame, got {type(history).__name__}")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"history.history_ is a {type(frame).__name__}; expected a DataFrame")
    return frame, getattr(history, "best_epoch_", None)


def plot_history(history, *, ax=None, title=None):
    """Plot training (and validation) loss per epoch, and the learning rate on a twin axis.

    Parameters
    ----------
    history : RNNForecaster or pandas.DataFrame
        A fitted forecaster, or its ``history_``: one row per epoch with columns ``epoch``,
        ``train_loss`` and optionally ``val_loss`` (drawn when it has values) and ``lr``.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        The loss Axes (log scale when every loss is positive). The learning rate is on a
        twin Axes sharing its x axis (``ax.figure.axes``); a dotted vertical line marks the
        best validation epoch.

    Raises
    ------
    ValueError
        On an unfitted forecaster, a frame without ``epoch``/``train_loss``, or no rows.
    """
    frame, best = _training_frame(history)
    missing = [c for c in ("epoch", "train_loss") if c not in frame.columns]
    if missing:
        raise ValueError(f"history has columns {list(frame.columns)}; missing {missing} (expected RNNForecaster.history_)")
    if len(frame) == 0:
        raise ValueError("history has no rows; expected one row per training epoch")
    ax = _axes(ax, (7, 4))
    epoch = _floats(frame["epoch"], "history['epoch']")
    train = _floats(frame["train_loss"], "history['train_loss']")
    val = _floats(frame["val_loss"], "history['val_loss']") if "val_loss" in frame.columns else None
    has_val = val is not None and np.isfinite(val).any()

    handles = [_line(ax, epoch, train, color="C0", lw=1.5, label="train loss")]
    losses = train[np.isfinite(train)]
    if has_val:
        handles.append(_line(ax, epoch, val, color="C1", lw=1.5, label="validation loss"))
        losses = np.concatenate([losses, val[np.isfinite(val)]])
        best = epoch[np.nanargmin(val)] if best is None else best
        handles.append(ax.axvline(best, color=_CUTOFF_COLOR, ls=":", lw=1, label=f"best epoch ({best:g})"))
    if losses.size and (losses > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    lr = _floats(frame["lr"], "history['lr']") if "lr" in frame.columns else None
    if lr is not None and np.isfinite(lr).any():
        twin = ax.twinx()
        handles.append(_line(twin, epoch, lr, color="C2", lw=1, ls="--", label="learning rate"))
        finite = lr[np.isfinite(lr)]
        if (finite > 0).all():
            twin.set_yscale("log")
        twin.set_ylabel("learning rate")
    ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="best")
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------------
# plot_leaderboard
# --------------------------------------------------------------------------------------------


def _metric_columns(board):
    """Numeric metric columns of a leaderboard, in order (those after ``rank`` when present)."""
    cols = list(board.columns)
    start = cols.index("rank") + 1 if "rank" in cols else 0
    return [c for c in cols[start:] if c not in ("model", "rank", "failed_windows", "unique_id")
            and pd.api.types.is_numeric_dtype(board[c].dtype)]  # fmt: skip


def plot_leaderboard(board, metric=None, *, ax=None, title=None):
    """Plot one metric per model as horizontal bars, best (lowest) at the top.

    Parameters
    ----------
    board : pandas.DataFrame
        What :func:`tsrnn.backtest.evaluate` returns: ``model, rank, <metrics...>,
        failed_windows``, one row per model.
    metric : str, optional
        The column to plot (default: the first metric column after ``rank``). Lower is
        better, as for every tsrnn metric; models without a value go last.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One bar per model (``ax.patches`` top to bottom), each labelled with its value and,
        when a model failed on some windows, their number.

    Raises
    ------
    ValueError
        On a frame without a ``model`` column, no rows, several rows per model, or an
        unknown or non-numeric metric.
    """
    if not isinstance(board, pd.DataFrame):
        raise ValueError(f"board must be the DataFrame evaluate returns, got {type(board).__name__}")
    if "model" not in board.columns and board.index.name == "model":
        board = board.reset_index()
    if "model" not in board.columns:
        raise ValueError(f"board has columns {list(board.columns)}; expected a 'model' column (evaluate's output)")
    if len(board) == 0:
        raise ValueError("board has no rows; expected one row per model")
    if board["model"].duplicated().any():
        dup = board.loc[board["model"].duplicated(), "model"].iloc[0]
        raise ValueError(
            f"board has several rows for model {dup!r} (a per-series board?); expected one row per model "
            "(evaluate(..., by='model'))"
        )
    metrics = _metric_columns(board)
    if metric is None:
        if not metrics:
            raise ValueError(f"board has no numeric metric column; columns: {list(board.columns)}")
        metric = metrics[0]
    elif metric not in metrics:
        raise ValueError(f"metric={metric!r} is not a metric column of board; available: {metrics}")

    ordered = board.sort_values(metric, kind="stable", na_position="last")
    values = _floats(ordered[metric], f"board[{metric!r}]")
    failed = ordered["failed_windows"].fillna(0).astype(int).to_numpy() if "failed_windows" in ordered else None
    n = len(ordered)
    ax = _axes(ax, (7, 1.2 + 0.45 * n))
    bars = ax.barh(np.arange(n), np.nan_to_num(values, nan=0.0), color="C0", height=0.6)
    ax.set_yticks(np.arange(n), labels=[str(m) for m in ordered["model"]])
    ax.invert_yaxis()
    labels = []
    for i, v in enumerate(values):
        text = "no value" if np.isnan(v) else f"{v:.4g}"
        if failed is not None and failed[i]:
            text += f" ({failed[i]} failed)"
        labels.append(text)
    ax.bar_label(bars, labels=labels, padding=3)
    ax.margins(x=0.2)
    ax.set_xlabel(str(metric))
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------------
# plot_residuals
# --------------------------------------------------------------------------------------------


def _vector(values, what):
    """(float64 array of shape (T,), index or None) of a Series or 1-D array_like."""
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{what} is a DataFrame; expected a Series or a 1-D array (select one column)")
    if isinstance(values, pd.Series):
        return _floats(values, what), values.index
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} could not be read as numbers; expected a Series or a 1-D array") from None
    if arr.ndim != 1:
        raise ValueError(f"{what} has shape {arr.shape}; expected a 1-D array (T,)")
    return arr, None


def _acf(x, lags):
    """Sample autocorrelation at lags 1..lags of x (T,), NaN for a constant series."""
    d = x - x.mean()
    denom = float(d @ d)
    if denom == 0.0:
        return np.full(lags, np.nan)
    return np.array([float(d[:-k] @ d[k:]) / denom for k in range(1, lags + 1)])


def _residual_axes(axes):
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(10, 6), layout="constrained")
        panels = fig.subplot_mosaic([["time", "time"], ["hist", "acf"]])
        return np.array([panels["time"], panels["hist"], panels["acf"]], dtype=object)
    from matplotlib.axes import Axes

    arr = np.asarray(axes, dtype=object).ravel()
    if arr.size != 3 or not all(isinstance(a, Axes) for a in arr):
        raise ValueError(f"axes must be 3 matplotlib Axes (time, histogram, autocorrelation), got {axes!r}")
    return arr


def plot_residuals(actual, predicted, *, lags=None, axes=None, title=None):
    """Plot residuals ``actual - predicted``: over time, as a histogram, and their autocorrelation.

    Parameters
    ----------
    actual, predicted : pandas.Series or array_like, shape (T,)
        Observed and forecast values. Two Series must have the same index; the time panel
        uses it (positions 0..T-1 for arrays). Pairs with a NaN (e.g. failed windows) are left
        out of the histogram and the autocorrelation.
    lags : int, optional
        Autocorrelation lags 1..lags (default: ``min(10 log10(n), n - 1)``, n finite residuals).
    axes : sequence of 3 matplotlib Axes, optional
        Where to draw the time, histogram and autocorrelation panels (default: a new figure).
    title : str, optional
        Figure title.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (3,)
        The time, histogram and autocorrelation panels. The autocorrelation bars come with
        dashed lines at ``±1.96 / sqrt(n)``, the approximate 95% band of white noise.

    Raises
    ------
    ValueError
        On inputs of different lengths or indexes, non-numeric or non 1-D data, fewer than
        2 finite residuals, or ``lags`` not in 1..n-1.
    """
    a, a_index = _vector(actual, "actual")
    p, p_index = _vector(predicted, "predicted")
    if a.shape != p.shape:
        raise ValueError(f"actual has {a.size} values and predicted {p.size}; expected the same length")
    if a_index is not None and p_index is not None and not a_index.equals(p_index):
        raise ValueError("actual and predicted are Series with different indexes; align them first (e.g. .loc)")
    index = a_index if a_index is not None else p_index
    resid = a - p
    finite = resid[np.isfinite(resid)]
    n = finite.size
    if n < 2:
        raise ValueError(f"there are {n} finite residuals (of {resid.size}); expected at least 2")
    if lags is None:
        lags = max(1, min(int(10 * np.log10(n)), n - 1))
    elif isinstance(lags, (bool, np.bool_)) or not isinstance(lags, (int, np.integer)) or not 1 <= lags <= n - 1:
        raise ValueError(f"lags must be an integer in 1..{n - 1} (n - 1 finite residuals), got {lags!r}")
    ax_time, ax_hist, ax_acf = panels = _residual_axes(axes)

    t = _Time(index if index is not None else pd.RangeIndex(resid.size), "actual")
    _line(ax_time, t.values, resid, color="C0", lw=1, label="residual")
    ax_time.axhline(0.0, color=_CUTOFF_COLOR, lw=0.8)
    _format_time_axis(ax_time, [t])
    ax_time.set_title("residuals over time")
    ax_time.set_ylabel("actual - predicted")

    ax_hist.hist(finite, bins="auto", color="C0", alpha=0.8)
    ax_hist.set_title("histogram")
    ax_hist.set_xlabel("residual")
    ax_hist.set_ylabel("count")

    k = np.arange(1, int(lags) + 1)
    ax_acf.bar(k, _acf(finite, int(lags)), width=0.4, color="C0")
    band = 1.96 / np.sqrt(n)
    for y in (band, -band):
        ax_acf.axhline(y, color=_CUTOFF_COLOR, ls="--", lw=0.9)
    ax_acf.axhline(0.0, color="black", lw=0.8)
    ax_acf.set_title("autocorrelation")
    ax_acf.set_xlabel("lag")
    ax_acf.set_ylabel("acf")
    from matplotlib.ticker import MaxNLocator

    ax_acf.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        ax_time.get_figure().suptitle(title)
    return panels


# --------------------------------------------------------------------------------------------
# save_figure
# --------------------------------------------------------------------------------------------


def _figure_of(obj):
    """The root Figure of an Axes, a Figure/SubFigure, or a sequence of Axes of one figure."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    if isinstance(obj, (list, tuple, np.ndarray)):
        figs = {id(_figure_of(a)): _figure_of(a) for a in np.asarray(obj, dtype=object).ravel()}
        if len(figs) != 1:
            raise ValueError(f"ax_or_fig holds Axes of {len(figs)} figures; expected Axes of one figure")
        return next(iter(figs.values()))
    if isinstance(obj, Axes):
        obj = obj.figure
    while isinstance(obj, SubFigure):
        obj = obj.figure
    if not isinstance(obj, Figure):
        raise ValueError(f"ax_or_fig must be a matplotlib Axes, Figure or array of Axes, got {type(obj).__name__}")
    return obj


def save_figure(ax_or_fig, path, dpi=100):
    """Write a figure as a PNG file, atomically (a temporary file in the same folder, then renamed).

    Parameters
    ----------
    ax_or_fig : matplotlib Axes, Figure, or array of Axes
        What the plotting functions return; the whole figure is saved.
    path : str or os.PathLike
        Target file, ending in ``.png``; its folder must exist. An existing file is replaced
        only once the new one is complete.
    dpi : float, default 100

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        On something that is not a figure, a path not ending in ``.png``, a missing folder,
        or a dpi that is not a positive number.
    """
    fig = _figure_of(ax_or_fig)
    try:
        target = Path(os.fspath(path))
    except TypeError:
        raise ValueError(f"path must be a str or os.PathLike, got {type(path).__name__}") from None
    if target.suffix.lower() != ".png":
        raise ValueError(f"path {str(target)!r} does not end in .png; save_figure writes PNG files")
    if isinstance(dpi, (bool, np.bool_)) or not isinstance(dpi, (int, float, np.integer, np.floating)) or not (
        np.isfinite(dpi) and dpi > 0
    ):
        raise ValueError(f"dpi must be a positive number, got {dpi!r}")
    if not target.parent.is_dir():
        raise ValueError(f"folder {str(target.parent)!r} of path does not exist; create it first")
    with atomic_write(target) as fh:
        fig.savefig(fh, format="png", dpi=float(dpi))
    return target
