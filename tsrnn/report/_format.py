"""Text of the report: dates written to the data's frequency, numbers with one precision per
column, HTML tables, and the facts of the title (data, target, horizon, models).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from ..plotting._common import _decimals, _metric_direction

# Offset names (pandas rule codes without anchors) -> strftime format, checked in this order.
_DATE_FORMATS = (
    (("SM", "SMS"), "%Y-%m-%d"),
    (("Y", "A", "BY", "BA", "YS", "AS", "BYS", "BAS", "YE", "BYE"), "%Y"),
    (("M", "MS", "ME", "BM", "BMS", "BME", "CBM", "CBMS", "CBME"), "%Y-%m"),
    (("W", "D", "B", "C"), "%Y-%m-%d"),
    (("h", "H", "bh", "BH", "cbh", "CBH", "min", "T"), "%Y-%m-%d %H:%M"),
)
_QUARTERS = ("Q", "QS", "QE", "BQ", "BQS", "BQE")
_UNITS = (
    (("Y", "A", "BY", "BA", "YS", "AS", "BYS", "BAS", "YE", "BYE"), "year"),
    (_QUARTERS, "quarter"),
    (("M", "MS", "ME", "BM", "BMS", "BME"), "month"),
    (("W",), "week"), (("D",), "day"), (("B",), "business day"), (("h", "H"), "hour"), (("min", "T"), "minute"),
    (("s", "S"), "second"),
)  # fmt: skip
_INTERVAL = re.compile(r"^.+-(lo|hi)-\d+(\.\d+)?$")


def _rule(freq) -> str:
    """'MS' of <MonthBegin>, 'QS' of <QuarterBegin: startingMonth=1>, 'W' of <Week: weekday=6>."""
    return str(getattr(freq, "name", freq)).split("-")[0]


def time_formatter(axis):
    """A function writing one timestamp of ``axis`` (a TimeAxis) as the frequency needs it.

    Monthly data read 1949-01, quarterly 1949Q1, yearly 1949, daily and weekly 2024-03-01,
    hourly 2024-03-01 13:00; periods as pandas writes them; integer times as integers. A
    time of day other than midnight is always written.
    """
    if axis.kind == "range":
        return lambda t: str(int(t))
    if axis.kind == "period":
        return str
    rule = _rule(axis.freq)
    if rule in _QUARTERS:
        return lambda t: f"{t.year}Q{t.quarter}" if _midnight(t) else f"{t:%Y-%m-%d %H:%M}"
    fmt = next((f for names, f in _DATE_FORMATS if rule in names), "%Y-%m-%d %H:%M:%S")
    return lambda t: t.strftime(fmt) if _midnight(t) or "%H" in fmt else t.strftime("%Y-%m-%d %H:%M")


def _midnight(t) -> bool:
    return t.hour == 0 and t.minute == 0 and t.second == 0


def horizon_text(axis, h) -> str:
    """``12 months``, ``48 hours``, ``7 steps of 15min``."""
    if axis.kind == "range":
        return f"{h} step{'s' * (h != 1)}"
    rule = _rule(axis.freq)
    unit = next((u for names, u in _UNITS if rule in names), None)
    if unit is None or getattr(axis.freq, "n", 1) != 1:
        return f"{h} steps of {axis.freq.freqstr}"
    return f"{h} {unit}{'s' * (h != 1)}"


def html_table(frame: pd.DataFrame, formats=None, cls=None) -> str:
    """A DataFrame as an HTML table; ``formats`` maps a column to a function of its value."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, values):
            if col in formats:
                text = formats[col](v)
            elif isinstance(v, (float, np.floating)):
                text = "" if np.isnan(v) else f"{v:.4g}"
            else:
                text = str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def fixed(digits):
    """A formatter of numbers with ``digits`` decimals (blank for NaN)."""
    return lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(v):,.{digits}f}"


def column_formats(frame: pd.DataFrame, columns) -> dict:
    """One precision per numeric column: four significant digits of its largest value;
    integer columns as integers."""
    out = {}
    for col in columns:
        series = frame[col]
        if pd.api.types.is_integer_dtype(series.dtype):
            out[col] = lambda v: "" if pd.isna(v) else f"{int(v):,}"
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            out[col] = fixed(_decimals(series.to_numpy(dtype=np.float64, na_value=np.nan)))
    return out


def leaderboard_html(board: pd.DataFrame) -> str:
    """The leaderboard: one precision per metric, and a line on which way each metric is better."""
    board = board.reset_index() if "model" not in board.columns and board.index.name == "model" else board
    metrics = [c for c in board.columns if c not in ("model", "rank", "failed_windows", "unique_id")
               and pd.api.types.is_numeric_dtype(board[c].dtype)]  # fmt: skip
    formats = column_formats(board, metrics)
    for col in ("rank", "failed_windows"):
        if col in board.columns:
            formats[col] = lambda v: "" if pd.isna(v) else str(int(v))
    lower = [m for m in metrics if _metric_direction(m) == "lower is better"]
    notes = []
    if lower:
        notes.append(f"<b>Lower is better</b> for {html.escape(', '.join(map(str, lower)))}")
    notes += [f"{html.escape(str(m))}: {_metric_direction(m)} (the interval's nominal level)"
              for m in metrics if m not in lower]  # fmt: skip
    if "rank" in board.columns and metrics:
        notes.append(f"rank 1 is the best by {html.escape(str(metrics[0]))}")
    note = f'<p class="note">{"; ".join(notes)}.</p>' if notes else ""
    return note + html_table(board, formats, cls="leaderboard")


def model_columns(frame, reserved) -> list:
    """Point-forecast columns of a forecast or backtest frame (numeric, not an interval bound)."""
    return [c for c in frame.columns if c not in reserved and not (isinstance(c, str) and _INTERVAL.match(c))
            and pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)]  # fmt: skip
