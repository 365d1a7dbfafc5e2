"""Saving figures: ``save_figure`` writes the figure of an Axes, Figure or array of Axes as a PNG, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._atomic import atomic_write

__all__ = ["save_figure"]


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
