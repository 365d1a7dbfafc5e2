"""Shared pieces of the plotting functions: axes, time values, column parsing, bands and lines.

Every plotting module draws through these helpers: :func:`_axes` (the Axes to draw on),
:class:`_Time` (plottable x values of a time index), :func:`_format_time_axis` (date or
integer ticks), the parsing of forecast and interval columns (``<model>-lo-<level>`` /
``<model>-hi-<level>``), and the colours shared by every figure. matplotlib is imported
inside the functions that need it, never at module level.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

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


def _legend_outside(ax):
    """The legend to the right of the Axes, clear of the data (constrained layout makes room)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _line(ax, x, y, **kwargs):
    """A line that stays visible with a single point."""
    if len(x) == 1:
        kwargs.setdefault("marker", "o")
        kwargs.setdefault("markersize", 4)
    return ax.plot(x, y, **kwargs)[0]


# --------------------------------------------------------------------------------------------
# numbers: one number of decimals per quantity, and which way a metric is better
# --------------------------------------------------------------------------------------------


def _decimals(values, significant=4, most=4):
    """Decimals that give the largest finite ``|value|`` ``significant`` digits (0..``most``)."""
    arr = np.abs(np.asarray(values, dtype=np.float64))
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        return 0
    return int(min(most, max(0, significant - 1 - int(np.floor(np.log10(arr.max()))))))


def _metric_direction(metric):
    """How to read a metric column of a leaderboard: which way is better."""
    match = re.fullmatch(r"coverage_(\d+(?:\.\d+)?)", str(metric))
    if match:
        return f"best near {float(match[1]) / 100:g}"
    return "lower is better"
