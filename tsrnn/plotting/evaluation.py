"""Evaluation figures: a leaderboard of models, and the residuals of one forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _CUTOFF_COLOR, _axes, _decimals, _floats, _format_time_axis, _line, _metric_direction, _Time

__all__ = ["plot_leaderboard", "plot_residuals"]


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
        One bar per model (``ax.patches`` top to bottom), each labelled with its value (with
        the same decimals for every bar: four significant digits of the largest) and, when a
        model failed on some windows, their number. The x label says which way is better.

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
    digits = _decimals(values)
    for i, v in enumerate(values):
        text = "no value" if np.isnan(v) else f"{v:.{digits}f}"
        if failed is not None and failed[i]:
            text += f" ({failed[i]} failed)"
        labels.append(text)
    ax.bar_label(bars, labels=labels, padding=3)
    ax.margins(x=0.2)
    ax.set_xlabel(f"{metric} ({_metric_direction(metric)})")
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
