"""The sections of the report: data summary, leaderboard, forecasts, series, backtests, versions.

Each returns HTML (a list of fragments, or a DataFrame for the plain tables).
"""

from __future__ import annotations

import html
import os
import platform

import numpy as np
import pandas as pd

from ..plotting._common import _decimals
from ._figures import svg_img
from ._format import column_formats, fixed, html_table, leaderboard_html, model_columns, time_formatter

_CV_RESERVED = ("unique_id", "cutoff", "ds", "y", "error")
_TABLE_ROWS = 30


def summary(panel) -> pd.DataFrame:
    """Series, observations, lengths, frequency, first and last time, value range."""
    lengths, axis = panel.lengths, panel.axis
    when = time_formatter(axis)
    freq = axis.freq.freqstr if hasattr(axis.freq, "freqstr") else str(axis.freq)
    values = panel.values
    number = fixed(_decimals(values))
    return pd.DataFrame(
        [("series", f"{panel.n_series:,}"), ("observations", f"{int(lengths.sum()):,}"),
         ("length (min / max)", f"{lengths.min():,} / {lengths.max():,}"), ("frequency", freq),
         ("from", when(min(axis.starts))), ("to", when(max(axis.ends))),
         ("values (min / mean / max)", " / ".join(number(v) for v in (values.min(), values.mean(), values.max())))],
        columns=["", "value"],
    )  # fmt: skip


def leaderboard_section(board):
    """The leaderboard table (one precision per metric, which way is better) and its bar chart."""
    from ..plotting import plot_leaderboard

    ax = plot_leaderboard(board)
    return ["<h2>Leaderboard</h2>", leaderboard_html(board), svg_img(ax.figure, "leaderboard")]


def forecast_section(y, forecasts, panel, names, max_series, max_models, cols):
    """Small multiples of the most voluminous series (the best models), and a table."""
    from ..plotting import plot_forecast_grid

    id_col, time_col, target_col = cols
    available = _forecast_models(forecasts, panel, cols)
    shown = None
    if available is not None:
        shown = ([m for m in names if m in available] + [m for m in available if m not in names])[:max_models]
    fig, ids = plot_forecast_grid(y, forecasts, max_series=max_series, model=shown, id_col=id_col,
                                  time_col=time_col, target_col=target_col)  # fmt: skip
    notes = []
    if panel.n_series > len(ids):
        notes.append(f"the {len(ids)} most voluminous of {panel.n_series:,} series (largest sum of |{target_col}|)")
    if shown is not None and len(shown) < len(available):
        where = "in the table below" if panel.kind == "series" else "scored per series in the Series table"
        notes.append(f"the {len(shown)} best models of the leaderboard ({', '.join(shown)}); every model {where}")
    parts = ["<h2>Forecasts</h2>"]
    if notes:
        parts.append(f'<p class="note">Drawn: {html.escape("; ".join(notes))}.</p>')
    parts.append(svg_img(fig, "forecasts"))
    if panel.kind == "series" and available:
        parts.append(_forecast_table(forecasts, available, panel))
    return parts


def _forecast_models(forecasts, panel, cols):
    """Model columns of the forecasts, or None for a Series or a wide frame (no model columns)."""
    if isinstance(forecasts, pd.Series) or panel.kind == "wide":
        return None
    return list(model_columns(forecasts, cols))


def _forecast_table(forecasts, models, panel):
    """One row per forecast time, one column per model, one precision for all."""
    frame = forecasts[models]
    when = time_formatter(panel.axis)
    table = pd.DataFrame({"time": [when(t) for t in _times(frame.index, panel.axis)]})
    for m in models:
        table[str(m)] = frame[m].to_numpy()
    number = fixed(_decimals(frame.to_numpy(dtype=np.float64, na_value=np.nan)))
    return html_table(table, {str(m): number for m in models}, cls="forecasts")


def _times(values, axis):
    return [pd.Timestamp(t) for t in values] if axis.kind == "datetime" else list(values)


def series_section(y, panel, cv, cols, max_series):
    """A table of the most voluminous series: length, span, volume, drawn or not, backtest MAE per model."""
    from ..plotting import largest_series

    id_col, time_col, target_col = cols
    order = largest_series(y, id_col=id_col, time_col=time_col, target_col=target_col)
    position = {uid: k for k, uid in enumerate(panel.ids)}
    when = time_formatter(panel.axis)
    rows = []
    for rank, uid in enumerate(order[:_TABLE_ROWS]):
        k = position[uid]
        values = panel.series(k)
        rows.append({"series": str(uid), "observations": len(values), "from": when(panel.axis.starts[k]),
                     "to": when(panel.axis.ends[k]), f"sum |{target_col}|": float(np.abs(values).sum()),
                     "in the grid": "yes" if rank < max_series else ""})  # fmt: skip
    table = pd.DataFrame(rows)
    mae_cols = []
    if cv is not None:
        mae = _backtest_mae(cv)
        for m in mae.columns:
            col = f"{m} MAE"
            table[col] = [mae[m].get(uid, np.nan) for uid in order[:_TABLE_ROWS]]
            mae_cols.append(col)
    formats = column_formats(table, [c for c in table.columns if c not in ("series", "from", "to", "in the grid")])
    shown = min(len(order), _TABLE_ROWS)
    note = f"The {shown} most voluminous of {len(order):,} series" if shown < len(order) else f"All {shown} series"
    note += f", largest sum of |{html.escape(str(target_col))}| first"
    if mae_cols:
        note += "; backtest MAE per model (<b>lower is better</b>)"
    return ["<h2>Series</h2>", f'<p class="note">{note}.</p>', html_table(table, formats, cls="series")]


def _backtest_mae(cv) -> pd.DataFrame:
    """Mean absolute error of every model per series (rows: unique_id)."""
    models = model_columns(cv, _CV_RESERVED)
    errors = pd.DataFrame({m: (cv["y"] - cv[m]).abs() for m in models})
    errors["unique_id"] = cv["unique_id"].to_numpy()
    return errors.groupby("unique_id", sort=False).mean()


def backtest_section(y, cv, panel, max_backtest_series, cols):
    """Small multiples (one panel per model) of the backtest of the most voluminous series."""
    from ..plotting import largest_series, plot_backtest_grid

    in_cv = set(pd.unique(cv["unique_id"]))
    if panel.kind == "series":
        ids = list(pd.unique(cv["unique_id"]))[:1]
    else:
        order = largest_series(y, id_col=cols[0], time_col=cols[1], target_col=cols[2])
        ids = [u for u in order if u in in_cv][:max_backtest_series]
    models = model_columns(cv, _CV_RESERVED)
    parts = ["<h2>Backtests</h2>"]
    if len(in_cv) > len(ids):
        parts.append(f'<p class="note">Drawn: the {len(ids)} most voluminous of {len(in_cv):,} series; '
                     "the Series table has every model's error per series.</p>")  # fmt: skip
    for uid in ids:
        fig, _ = plot_backtest_grid(cv, unique_id=uid, models=models)
        parts.append(svg_img(fig, f"backtest {uid}"))
    failed = cv.loc[cv["error"] != "", ["unique_id", "cutoff", "error"]].drop_duplicates()
    if len(failed):
        when = time_formatter(panel.axis)
        failed = failed.assign(cutoff=[when(t) for t in _times(failed["cutoff"], panel.axis)])
        parts += ["<h3>Failures</h3>", html_table(failed)]
    return parts


def versions() -> pd.DataFrame:
    """Python, tsrnn and its dependencies, and the machine."""
    from importlib.metadata import PackageNotFoundError, version

    rows = [("python", platform.python_version())]
    for pkg in ("tsrnn", "numba", "numpy", "pandas", "statsmodels", "matplotlib"):
        try:
            rows.append((pkg, version(pkg)))
        except PackageNotFoundError:
            rows.append((pkg, "not installed"))
    rows.append(("machine", f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"))
    return pd.DataFrame(rows, columns=["component", "version"])
