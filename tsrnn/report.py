"""One self-contained HTML report of a forecasting comparison (images embedded, no external files)."""

from __future__ import annotations

import base64
import html
import io
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}.grid{display:grid;grid-template-columns:1fr 1fr;gap:.6em}
.small{color:#666;font-size:.9em}
"""


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig, alt) -> str:
    import matplotlib.pyplot as plt

    data = _png(fig)
    plt.close(fig)
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, floatfmt="{:.4g}") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cells = []
        for v in r:
            if isinstance(v, (float, np.floating)):
                text = "" if np.isnan(v) else floatfmt.format(v)
            else:
                text = str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _versions() -> pd.DataFrame:
    from importlib.metadata import PackageNotFoundError, version

    rows = [("python", platform.python_version())]
    for pkg in ("tsrnn", "numba", "numpy", "pandas", "statsmodels", "matplotlib"):
        try:
            rows.append((pkg, version(pkg)))
        except PackageNotFoundError:
            rows.append((pkg, "not installed"))
    rows.append(("machine", f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"))
    return pd.DataFrame(rows, columns=["component", "version"])


def _summary(y_panel) -> pd.DataFrame:
    lengths = y_panel.lengths
    axis = y_panel.axis
    first = min(axis.starts)
    last = max(axis.ends)
    freq = axis.freq.freqstr if hasattr(axis.freq, "freqstr") else str(axis.freq)
    return pd.DataFrame(
        [
            ("series", y_panel.n_series),
            ("observations", int(lengths.sum())),
            ("length (min / max)", f"{lengths.min()} / {lengths.max()}"),
            ("frequency", freq),
            ("from", str(first)),
            ("to", str(last)),
            ("values (min / mean / max)",
             f"{y_panel.values.min():.4g} / {y_panel.values.mean():.4g} / {y_panel.values.max():.4g}"),
        ],
        columns=["", "value"],
    )


def write_report(path, *, y, cv=None, leaderboard=None, forecasts=None, models=(), timings=None,
                 title="tsrnn forecast report", max_series=3):  # fmt: skip
    """Write one self-contained HTML file comparing forecasters.

    Parameters
    ----------
    path : str or PathLike
        Output file; written atomically.
    y : pandas.Series or DataFrame
        The history (any layout ``fit`` accepts).
    cv : pandas.DataFrame, optional
        Output of :func:`tsrnn.backtest.backtest`: one backtest plot per model.
    leaderboard : pandas.DataFrame, optional
        Output of :func:`tsrnn.backtest.evaluate`.
    forecasts : pandas object, optional
        Future forecasts in the layout of ``y`` (Series/long/wide), one column per model.
    models : sequence of fitted forecasters, optional
        RNN forecasters contribute their training curves.
    timings : dict, optional
        ``{"stage": seconds}`` shown in a table.
    title : str
    max_series : int
        At most this many series get their own plots.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from . import plotting
    from .data.panel import to_panel

    panel = to_panel(y)
    ids = panel.ids[:max_series]
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="small">Made {time.strftime("%Y-%m-%d %H:%M")} by tsrnn.</p>',
             "<h2>Data</h2>", _table(_summary(panel))]  # fmt: skip
    if leaderboard is not None:
        parts += ["<h2>Leaderboard</h2>", _table(leaderboard)]
        ax = plotting.plot_leaderboard(leaderboard)
        parts.append(_img(ax.figure, "leaderboard"))
    if forecasts is not None:
        parts.append("<h2>Forecasts</h2>")
        for uid in ids:
            kw = {} if panel.kind == "series" else {"unique_id": uid}
            hist, fc = _select(y, forecasts, panel, uid)
            ax = plotting.plot_forecast(hist, fc, title=f"Forecast: {uid}" if panel.kind != "series" else "Forecast",
                                        **kw)  # fmt: skip
            parts.append(_img(ax.figure, f"forecast {uid}"))
    if cv is not None:
        model_cols = [c for c in cv.columns if c not in ("unique_id", "cutoff", "ds", "y", "error")]
        parts.append("<h2>Backtests</h2>")
        for uid in list(dict.fromkeys(cv.unique_id))[:max_series]:
            figs = []
            for model in model_cols:
                ax = plotting.plot_backtest(cv, unique_id=uid, models=[model], title=f"{model}: {uid}")
                figs.append(_img(ax.figure, f"backtest {model} {uid}"))
            parts.append('<div class="grid">' + "".join(figs) + "</div>")
        errors = cv.loc[cv.error != "", ["unique_id", "cutoff", "error"]].drop_duplicates()
        if len(errors):
            parts += ["<h3>Failures</h3>", _table(errors)]
    curves = [m for m in models if getattr(m, "history_", None) is not None]
    if curves:
        parts.append("<h2>Training curves</h2>")
        figs = [_img(plotting.plot_history(m, title=f"{m.name_} training").figure, f"training {m.name_}")
                for m in curves]  # fmt: skip
        parts.append('<div class="grid">' + "".join(figs) + "</div>")
    if timings:
        parts += ["<h2>Timings</h2>", _table(pd.DataFrame(list(timings.items()), columns=["stage", "seconds"]),
                                             "{:.2f}")]  # fmt: skip
    parts += ["<h2>Versions</h2>", _table(_versions())]
    doc = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
           f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")  # fmt: skip
    return _write_atomic(Path(path), doc)


def _select(y, forecasts, panel, uid):
    """History and forecast of one series, as the plotting functions take them."""
    if panel.kind == "series":
        return y, forecasts
    if panel.kind == "wide":
        return y[uid], forecasts[[uid]].rename(columns={uid: "forecast"})
    return y, forecasts


def _write_atomic(path: Path, text: str) -> Path:
    from ._atomic import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:
        fh.write(text.encode("utf-8"))
    return path
