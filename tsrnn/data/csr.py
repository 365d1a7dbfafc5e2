"""Panel: many series in one CSR array (``values`` + ``indptr``), and cutting it.

:class:`Panel` is the container every layer of tsrnn works on: all series concatenated into
one float64 array, offsets into it, and the :class:`~tsrnn.data.time_axis.TimeAxis` of the
series. :func:`slice_panel` cuts every series to a range of its values (the training part of a
backtest fold or of a calibration window). The small row helpers at the end are shared by the
readers of :mod:`tsrnn.data.from_pandas` and the grid checks of :mod:`tsrnn.data.frequency`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .time_axis import TimeAxis

__all__ = ["Panel", "slice_panel"]


@dataclass(eq=False)
class Panel:
    """Many series in one array, CSR style.

    Attributes
    ----------
    ids : list
        Series ids in order (as given: str or int). For a Series: ``[name]``, or ``[0]`` if unnamed.
    values : np.ndarray, shape (N,), float64
        Every series concatenated, each in time order.
    indptr : np.ndarray, shape (n_series + 1,), int64
        Series ``i`` is ``values[indptr[i]:indptr[i + 1]]``.
    axis : TimeAxis
        Start, end and frequency of every series.
    kind : {"series", "long", "wide"}
        The layout the data came in, and the layout :func:`from_forecasts` gives back.
    name : hashable
        The Series' name (kind ``"series"``), else None.
    columns : tuple of (hashable, hashable, hashable)
        ``(id_col, time_col, target_col)`` used to read a long frame, reused to write one.
    """

    ids: list
    values: np.ndarray
    indptr: np.ndarray
    axis: TimeAxis
    kind: str
    name: object = None
    columns: tuple = ("unique_id", "ds", "y")

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.indptr) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Number of values of every series, shape (n_series,), int64."""
        return np.diff(self.indptr)

    def series(self, i) -> np.ndarray:
        """Series ``i`` as a view of ``values``, shape (T_i,)."""
        return self.values[self.indptr[i] : self.indptr[i + 1]]

    def subset(self, positions) -> Panel:
        """The series at ``positions`` (array_like of int, shape (S,)), in that order, as a new Panel."""
        positions = _check_positions(positions, self.n_series)
        lengths = self.lengths[positions]
        indptr = np.zeros(len(positions) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        rows = np.repeat(self.indptr[positions] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return Panel(
            ids=[self.ids[p] for p in positions],
            values=self.values[rows],
            indptr=indptr,
            axis=self.axis.subset(positions),
            kind=self.kind,
            name=self.name,
            columns=self.columns,
        )


def _check_positions(positions, n_series) -> np.ndarray:
    if positions is None:
        return np.arange(n_series, dtype=np.int64)
    arr = np.asarray(positions)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"positions must be a 1-D sequence of integers, got {positions!r}")
    arr = arr.astype(np.int64)
    if arr.size == 0:
        raise ValueError("positions is empty; expected at least one series position")
    bad = (arr < 0) | (arr >= n_series)
    if bad.any():
        raise ValueError(
            f"position {int(arr[bad][0])} is out of range; the panel has {n_series} series (0..{n_series - 1})"
        )
    return arr


def slice_panel(panel: Panel, starts, stops, positions=None) -> Panel:
    """Series ``positions`` restricted to ``values[start:stop]`` each, with a matching time axis.

    Parameters
    ----------
    panel : Panel
        The panel to cut, with ``n_series`` series.
    starts, stops : array_like of int, shape (n_series,)
        Indexed by a series' position in ``panel`` (not in ``positions``): series ``p`` keeps its
        values ``starts[p]`` (inclusive) to ``stops[p]`` (exclusive), counted from its first
        value; ``0 <= starts[p] < stops[p] <= panel.lengths[p]``.
    positions : array_like of int, shape (S,), optional
        The series to keep, in that order (default: all, S = n_series).

    Returns
    -------
    Panel
        S series; series ``k`` is ``panel.series(p)[starts[p]:stops[p]]`` with ``p = positions[k]``,
        so ``values`` has shape ``(sum(stops[p] - starts[p]),)`` and ``indptr`` shape (S + 1,).
        Its time axis starts and ends at the timestamps of the kept values; ids follow
        ``positions``; ``kind``, ``name`` and ``columns`` are those of ``panel``.
    """
    positions = np.arange(panel.n_series) if positions is None else np.asarray(positions)
    parts, new_starts, new_ends = [], [], []
    for p in positions:
        a, b = int(starts[p]), int(stops[p])
        parts.append(panel.series(p)[a:b])
        stamps = panel.axis.history(int(p))
        new_starts.append(stamps[a])
        new_ends.append(stamps[b - 1])
    indptr = np.zeros(len(positions) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in parts], out=indptr[1:])
    ax = panel.axis
    axis = TimeAxis(ax.kind, ax.freq, new_starts, new_ends, tz=ax.tz, unit=ax.unit, name=ax.name)
    return Panel(
        ids=[panel.ids[p] for p in positions],
        values=np.concatenate(parts) if parts else panel.values[:0],
        indptr=indptr,
        axis=axis,
        kind=panel.kind,  # the layout y came in: X given to backtest is read in the same layout
        name=panel.name,
        columns=panel.columns,
    )


# --------------------------------------------------------------------------------------------
# CSR rows
# --------------------------------------------------------------------------------------------


def _within_steps(indptr, n) -> np.ndarray:
    """Mask of shape (n - 1,): True where rows k and k + 1 belong to the same series."""
    within = np.ones(max(n - 1, 0), dtype=bool)
    within[indptr[1:-1][indptr[1:-1] > 0] - 1] = False
    return within


def _segment_of(indptr, n) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))[:n]
