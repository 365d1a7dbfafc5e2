"""Training figures: loss per epoch (training and validation) and the learning rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _CUTOFF_COLOR, _axes, _floats, _line

__all__ = ["plot_history"]


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


def _log_scale(ax):
    """A log y axis labelled with plain numbers (0.7, 1, 0.002), not superscripts too small to read."""
    from matplotlib.ticker import LogFormatter

    class PlainLog(LogFormatter):
        def _num_to_string(self, x, vmin, vmax):
            return f"{x:g}"

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(PlainLog())
    ax.yaxis.set_minor_formatter(PlainLog(labelOnlyBase=False))


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
        _log_scale(ax)
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
            _log_scale(twin)
        twin.set_ylabel("learning rate")
    ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="best")
    if title:
        ax.set_title(title)
    return ax
