"""Figures of the report, embedded as SVG with real text (readable, searchable, measurable).

Each figure is written at its natural size (width in inches x 96 CSS px) and never scaled up;
the report's page is 1100 CSS px wide and every figure here is at most 11 inches (1056 px),
so a font of F points reads F x 96 / 72 px (9 pt: 12 px).
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

PAGE_WIDTH_PX = 1100
_CSS_PX_PER_INCH = 96


def svg_img(fig, alt) -> str:
    """``<img>`` of a matplotlib figure as an SVG data URL (text kept as text); closes it."""
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tsrnn-report"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    width, height = (fig.get_size_inches() * _CSS_PX_PER_INCH).round().astype(int)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" '
            f'src="data:image/svg+xml;base64,{data}">')  # fmt: skip


def training_figure(models):
    """One panel per fitted RNN: its training (and validation) loss and learning rate."""
    import matplotlib.pyplot as plt

    from ..plotting import plot_history

    n = len(models)
    ncols = min(n, 2)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(11.0 if n > 1 else 7.0, 3.2 * nrows), layout="constrained",
                             squeeze=False)  # fmt: skip
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    handles = {}
    for ax, m in zip(axes, models):
        plot_history(m, ax=ax)
        title = f"{m.name_} training"
        legend = ax.get_legend()
        for handle, text in zip(legend.legend_handles, [t.get_text() for t in legend.get_texts()]):
            if text.startswith("best epoch"):
                title += f" ({text})"
                text = "best epoch"
            handles.setdefault(text, handle)
        legend.remove()
        ax.set_title(title, fontsize=10)
    # One legend for all panels, below them: never over a curve.
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=len(handles), frameon=False)
    return fig


def series_volume(values) -> float:
    """Sum of absolute values, NaN left out."""
    return float(np.nansum(np.abs(np.asarray(values, dtype=np.float64))))
