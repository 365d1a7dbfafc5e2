"""Small multiples: forecasts of many series, and a backtest of one series model by model.

``plot_forecast_grid`` draws up to ``max_series`` series (the most voluminous: largest sum of
absolute values, when there are more) in a grid of panels, one per series, each drawn by
:func:`~tsrnn.plotting.forecasts.plot_forecast`; ``plot_backtest_grid`` draws one backtested
series in one panel per model, on a shared y axis. Both put a single legend below the panels,
outside the data, and size the figure for readable text: at its natural size (width in
inches x 96 px) tick labels are at least 10 px high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _CV_COLUMNS, _show
from .forecasts import _is_long, plot_backtest, plot_forecast

__all__ = ["largest_series", "plot_backtest_grid", "plot_forecast_grid"]

_FIG_WIDTH = 11.0  # inches: 1056 px at 96 px per inch, within a report page of 1100 px
_PANEL_HEIGHT = 2.6
_LEGEND_HEIGHT = 0.5


def _positive_int(value, name, meaning):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer ({meaning}), got {value!r}")
    return int(value)


def largest_series(history, max_series=None, *, id_col="unique_id", time_col="ds", target_col="y"):
    """Series ids ordered by volume (sum of absolute values, largest first), at most ``max_series``.

    Parameters
    ----------
    history : pandas.Series or DataFrame
        A Series (one series: its ``name``), a long frame (``id_col``, ``time_col``,
        ``target_col``) or a wide frame (one column per series).
    max_series : int, optional
        Keep this many (default: all). Ties keep the order of the data.
    id_col, time_col, target_col : str
        Column names of long frames.

    Returns
    -------
    list
        Series ids; ``[name]`` for a Series.
    """
    if max_series is not None:
        max_series = _positive_int(max_series, "max_series", "series to keep")
    if isinstance(history, pd.Series):
        return [history.name]
    if not isinstance(history, pd.DataFrame):
        raise ValueError(f"history must be a pandas Series or DataFrame, got {type(history).__name__}")
    if _is_long(history, id_col, time_col):
        if target_col not in history.columns:
            raise ValueError(f"history has no {target_col!r} column; columns: {_show(history.columns)}")
        ids = pd.unique(history[id_col])
        volume = history[target_col].abs().groupby(history[id_col], sort=False).sum().reindex(ids)
    else:
        numeric = history.select_dtypes("number")
        if numeric.shape[1] == 0:
            raise ValueError(f"history has no numeric column; columns: {_show(history.columns)}")
        volume = numeric.abs().sum()
    if len(volume) == 0:
        raise ValueError("history holds no series; expected at least one")
    order = np.argsort(-volume.to_numpy(dtype=np.float64, na_value=0.0), kind="stable")
    ids = list(volume.index[order])
    return ids if max_series is None else ids[:max_series]


def _grid(n, ncols, title):
    """A figure of ``n`` panels in ``ncols`` columns (unused cells hidden) and its Axes, flat."""
    import matplotlib.pyplot as plt

    if ncols is None:
        ncols = 1 if n == 1 else 2 if n in (2, 4) else 3
    ncols = min(_positive_int(ncols, "ncols", "panels per row"), n)
    nrows = -(-n // ncols)
    height = nrows * (_PANEL_HEIGHT if ncols > 1 else _PANEL_HEIGHT * 1.3) + _LEGEND_HEIGHT + (0.4 if title else 0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(_FIG_WIDTH, height), layout="constrained", squeeze=False)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig, axes[:n]


def _shared_legend(fig, axes):
    """One legend below the panels, outside the data: each label once, in order of appearance."""
    handles = {}
    for ax in axes:
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=min(len(handles), 6),
                   frameon=False)  # fmt: skip


def _tidy_panel(ax):
    """Fewer, smaller-footprint ticks so that a narrow panel's labels never collide."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(labelsize=9)
    ax.title.set_fontsize(10)
    ax.set_xlabel("")


def plot_forecast_grid(history, forecasts, *, max_series=6, ncols=None, tail=None, model=None, level=None,
                       title=None, id_col="unique_id", time_col="ds", target_col="y"):  # fmt: skip
    """Plot the forecasts of up to ``max_series`` series as small multiples, one panel per series.

    Parameters
    ----------
    history : pandas.Series or DataFrame
        The past: a Series (one series), a long frame (``id_col``, ``time_col``,
        ``target_col``) or a wide frame indexed by time, one column per series.
    forecasts : pandas.Series or DataFrame
        What ``predict`` returns for that history, in any layout
        :func:`~tsrnn.plotting.plot_forecast` takes (long: one column per model, optional
        interval columns ``<model>-lo-<level>``/``-hi-``; wide: one column per series).
    max_series : int, default 6
        At most this many panels. With more series, the most voluminous are drawn (largest
        sum of absolute values of the history), largest first.
    ncols : int, optional
        Panels per row (default: 1 for one series, 2 for two or four, else 3).
    tail, model, level : optional
        As in :func:`~tsrnn.plotting.plot_forecast`: history points shown per panel (default
        5 x the forecast length), forecast columns to draw (default all), interval levels.
    title : str, optional
        Figure title (default: none).
    id_col, time_col, target_col : str
        Column names of long frames.

    Returns
    -------
    fig : matplotlib.figure.Figure
        11 inches wide; panels titled by series id and one legend below them.
    ids : list
        The series drawn, in panel order (``[name]`` of a Series history, which may be None).

    Raises
    ------
    ValueError
        On a ``max_series`` or ``ncols`` that is not a positive integer, and on everything
        :func:`~tsrnn.plotting.plot_forecast` refuses (e.g. a series missing from ``forecasts``).
    """
    ids = largest_series(history, max_series, id_col=id_col, time_col=time_col, target_col=target_col)
    fig, axes = _grid(len(ids), ncols, title)
    single = isinstance(history, pd.Series)
    for ax, uid in zip(axes, ids):
        kw = {} if single else {"unique_id": uid}
        plot_forecast(history, forecasts, ax=ax, tail=tail, model=model, level=level, id_col=id_col,
                      time_col=time_col, target_col=target_col, title=None if uid is None else str(uid), **kw)  # fmt: skip
        _tidy_panel(ax)
    _shared_legend(fig, axes)
    return fig, ids


def plot_backtest_grid(cv, *, unique_id=None, models=None, ncols=None, title=None):
    """Plot a backtest of one series as small multiples, one panel per model, on one y scale.

    Parameters
    ----------
    cv : pandas.DataFrame
        What :func:`tsrnn.backtest.backtest` returns.
    unique_id : hashable, optional
        The series (required when ``cv`` holds several).
    models : list of str, optional
        Model columns, one panel each, in this order (default: all, in column order).
    ncols : int, optional
        Panels per row (default: 1 for one model, 2 for two or four, else 3).
    title : str, optional
        Figure title (default: the series id).

    Returns
    -------
    fig : matplotlib.figure.Figure
    models : list of str
        The model drawn in each panel.
    """
    if not isinstance(cv, pd.DataFrame) or not set(_CV_COLUMNS) <= set(cv.columns):
        seen = list(cv.columns) if isinstance(cv, pd.DataFrame) else type(cv).__name__
        raise ValueError(f"cv must be the DataFrame backtest returns, with columns {list(_CV_COLUMNS)}; got {seen}")
    if models is None:
        from ._common import _split_columns

        models, _ = _split_columns(cv, set(_CV_COLUMNS) | {"error"}, "cv")
    models = [models] if isinstance(models, str) else list(models)
    if not models:
        raise ValueError("cv has no model column; expected one column per model")
    if unique_id is None:
        ids = pd.unique(cv["unique_id"])
        unique_id = ids[0] if len(ids) == 1 else unique_id
    fig, axes = _grid(len(models), ncols, str(unique_id) if title is None and unique_id is not None else title)
    for ax, name in zip(axes, models):
        plot_backtest(cv, unique_id=unique_id, models=[name], ax=ax, title=str(name))
        _tidy_panel(ax)
        ax.set_ylabel("")
        # Every panel draws its model in the same colour: the shared legend names the role.
        for artist in [*ax.lines, *ax.collections]:
            label = artist.get_label()
            if label == str(name):
                artist.set_label("forecast")
            elif label.startswith(f"{name} ") and label.endswith("%"):
                artist.set_label(f"{label[len(str(name)) + 1:]} interval")
    if len(axes) > 1:
        low = min(ax.get_ylim()[0] for ax in axes)
        high = max(ax.get_ylim()[1] for ax in axes)
        for ax in axes:
            ax.set_ylim(low, high)
    _shared_legend(fig, axes)
    return fig, models
