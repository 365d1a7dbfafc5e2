"""One self-contained HTML report of a forecasting comparison (figures embedded, no external files).

The page is 1100 CSS px wide. Its title names the data, the target, the horizon and the
models; the leaderboard has one precision per metric and says which way is better; dates
are written to the data's frequency (monthly 1949-01, hourly 2024-03-01 13:00); figures are
SVG with real text, at least 10 px high at the page's width, with their legends outside the
data; many series are shown as small multiples of the most voluminous ones plus a table.

:mod:`~tsrnn.report._format` writes the text and tables, :mod:`~tsrnn.report._figures`
embeds the figures.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import pandas as pd

from ._figures import PAGE_WIDTH_PX, svg_img, training_figure
from ._format import fixed, horizon_text, html_table, model_columns
from ._sections import (
    _CV_RESERVED,
    backtest_section,
    forecast_section,
    leaderboard_section,
    series_section,
    summary,
    versions,
)

__all__ = ["write_report"]

_CSS = f"""
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:{PAGE_WIDTH_PX}px;
color:#222;font-size:16px}}
h1{{font-size:1.6em;margin-bottom:.2em}}h2{{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:1.6em}}
table{{border-collapse:collapse;margin:.6em 0}}td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:right;
font-variant-numeric:tabular-nums}}
th{{background:#f4f4f4}}td:first-child,th:first-child{{text-align:left}}
img{{max-width:100%;height:auto;margin:.4em 0;display:block}}
.facts{{margin:.2em 0 0;font-size:1.05em}}.small{{color:#666;font-size:.9em}}.note{{margin:.4em 0}}
"""


def write_report(path, *, y, cv=None, leaderboard=None, forecasts=None, models=(), timings=None, title=None,
                 data=None, target=None, horizon=None, model_names=None, max_series=6, max_models=4,
                 max_backtest_series=2, id_col="unique_id", time_col="ds", target_col="y"):  # fmt: skip
    """Write one self-contained HTML file comparing forecasters.

    Parameters
    ----------
    path : str or PathLike
        Output file; written atomically.
    y : pandas.Series or DataFrame
        The history (any layout ``fit`` accepts: Series, long, wide).
    cv : pandas.DataFrame, optional
        Output of :func:`tsrnn.backtest.backtest`: small multiples of the backtest (one panel
        per model) of the ``max_backtest_series`` most voluminous series.
    leaderboard : pandas.DataFrame, optional
        Output of :func:`tsrnn.backtest.evaluate`, one row per model.
    forecasts : pandas object, optional
        Future forecasts in the layout of ``y`` (Series/long/wide), one column per model.
    models : sequence of fitted forecasters, optional
        RNN forecasters contribute their training curves.
    timings : dict, optional
        ``{"stage": seconds}`` shown in a table.
    title : str, optional
        The page's heading (default: built from ``data``, ``target`` and ``horizon``). The
        line under it always names the data, target, horizon and models.
    data : str, optional
        What the data is: a file name or the frame's name (default: ``y.attrs["name"]``,
        else the Series' name, else "the data").
    target : str, optional
        The forecast variable (default: the Series' name, or ``target_col`` of a long frame).
    horizon : int, optional
        Steps forecast (default: read from ``forecasts`` or ``cv``).
    model_names : list of str, optional
        Default: the leaderboard's models, else those of ``cv`` or ``forecasts``.
    max_series : int, default 6
        Series drawn in the forecast grid (the most voluminous: largest sum of |y|).
    max_models : int, default 4
        Models drawn in each forecast panel (the best of the leaderboard); every model's
        forecasts are in the table.
    max_backtest_series : int, default 2
        Series whose backtest is drawn (one panel per model).
    id_col, time_col, target_col : str
        Column names of a long ``y`` and ``forecasts``.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from ..data.panel import to_panel

    panel = to_panel(y, id_col=id_col, time_col=time_col, target_col=target_col)
    cols = (id_col, time_col, target_col)
    names = _model_names(model_names, leaderboard, cv, forecasts, models, cols, panel.kind)
    heading, facts = _heading(title, y, panel, data, target, _horizon(horizon, forecasts, cv, cols), names, cols)
    parts = [f"<h1>{html.escape(heading)}</h1>", f'<p class="facts">{facts}</p>',
             f'<p class="small">Made {time.strftime("%Y-%m-%d %H:%M")} by tsrnn.</p>',
             "<h2>Data</h2>", html_table(summary(panel), cls="summary")]  # fmt: skip
    if leaderboard is not None:
        parts += leaderboard_section(leaderboard)
    if forecasts is not None:
        parts += forecast_section(y, forecasts, panel, names, max_series, max_models, cols)
    if panel.n_series > 1:
        parts += series_section(y, panel, cv, cols, max_series)
    if cv is not None:
        parts += backtest_section(y, cv, panel, max_backtest_series, cols)
    curves = [m for m in models if getattr(m, "history_", None) is not None]
    if curves:
        parts += ["<h2>Training curves</h2>", svg_img(training_figure(curves), "training curves")]
    if timings:
        frame = pd.DataFrame(list(timings.items()), columns=["stage", "seconds"])
        parts += ["<h2>Timings</h2>", html_table(frame, {"seconds": fixed(1)})]
    parts += ["<h2>Versions</h2>", html_table(versions())]
    doc = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(heading)}</title>'
           f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")  # fmt: skip
    return _write_atomic(Path(path), doc)


# --------------------------------------------------------------------------------------------
# the title: data, target, horizon, models
# --------------------------------------------------------------------------------------------


def _model_names(given, leaderboard, cv, forecasts, models, cols, kind):
    if given is not None:
        return [str(m) for m in given]
    if leaderboard is not None and "model" in leaderboard.columns:
        return [str(m) for m in leaderboard["model"]]
    if cv is not None:
        return [str(m) for m in model_columns(cv, _CV_RESERVED)]
    if isinstance(forecasts, pd.Series):
        return [str(forecasts.name)]
    if isinstance(forecasts, pd.DataFrame) and kind != "wide":  # a wide frame's columns are series
        return [str(m) for m in model_columns(forecasts, cols)]
    return [str(getattr(m, "name_", type(m).__name__)) for m in models]


def _horizon(given, forecasts, cv, cols):
    if given is not None:
        return int(given)
    if isinstance(forecasts, pd.DataFrame) and cols[0] in forecasts.columns:
        return int(forecasts.groupby(cols[0], sort=False).size().max())
    if isinstance(forecasts, pd.DataFrame):  # NaN outside a ragged wide frame's columns
        return int(forecasts.notna().sum().max())
    if isinstance(forecasts, pd.Series):
        return int(len(forecasts))
    if cv is not None and len(cv):
        return int(cv.groupby(["unique_id", "cutoff"], sort=False).size().max())
    return None


def _heading(title, y, panel, data, target, h, names, cols):
    """The page's heading and the line under it (HTML) naming data, target, horizon, models."""
    if data is None:
        data = y.attrs.get("name") if hasattr(y, "attrs") else None
        data = data if data is not None else (y.name if isinstance(y, pd.Series) and y.name is not None else None)
    data = "the data" if data is None else str(data)
    if target is None:
        target = {"series": panel.name, "long": cols[2]}.get(panel.kind)
    target = "values" if target is None else str(target)
    horizon = horizon_text(panel.axis, h) if h is not None else None
    if title is None:
        title = f"{data}: forecasts of {target}" + (f", {horizon} ahead" if horizon else "")
    facts = [("data", data), ("target", target)]
    facts += [("horizon", horizon)] if horizon else []
    facts += [("models", ", ".join(names))] if names else []
    line = " · ".join(f"{k} <b>{html.escape(v)}</b>" for k, v in facts)
    return title, line


def _write_atomic(path: Path, text: str) -> Path:
    from .._atomic import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:
        fh.write(text.encode("utf-8"))
    return path
