"""Panel forecasts -> pandas: forecasts back in the layout the user passed in.

``from_forecasts`` turns an array of forecasts (one row per series, ``h`` steps, optionally
several outputs per step such as quantiles) into a Series, a long frame or a wide frame,
indexed by the timestamps that follow each series (:meth:`TimeAxis.futures
<tsrnn.data.time_axis.TimeAxis.futures>`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_positive_int
from .csr import _check_positions

__all__ = ["from_forecasts"]


def from_forecasts(panel, forecasts, h, name, positions=None):
    """Forecasts as pandas, in the layout the panel was read from.

    Parameters
    ----------
    panel : Panel
        The panel the forecasts continue.
    forecasts : array_like, shape (S, h) or (S, h, Q)
        One row per series at ``positions`` (all series when ``positions`` is None); a third
        axis holds Q quantiles (or other named outputs).
    h : int
        Horizon, >= 1.
    name : hashable or list of hashable
        Column (or Series) name of a 2-D ``forecasts``; a list of Q names for a 3-D one.
    positions : array_like of int, shape (S,), optional
        Positions of the series in ``panel`` that ``forecasts`` belong to.

    Returns
    -------
    pd.Series or pd.DataFrame
        * kind "series": a Series named ``name`` (a DataFrame with Q columns for 3-D forecasts)
          indexed by the h timestamps after the series' end;
        * kind "long": columns ``id_col``, ``time_col`` and ``name`` (or the Q names), h rows per
          series in panel order;
        * kind "wide": one column per series id, indexed by the common future index; series
          that end at different times (a ragged wide frame) are indexed by the union of their
          next timestamps, each column NaN outside its own h steps.

    Raises
    ------
    ValueError
        On a shape that does not match ``positions`` and ``h``, a name that does not match the
        number of outputs, or quantile (3-D) forecasts for a wide panel.
    """
    h = check_positive_int(h, "h")
    positions = _check_positions(positions, panel.n_series)
    values = np.asarray(forecasts)
    if values.dtype.kind not in "iuf":
        raise ValueError(f"forecasts has dtype {values.dtype}; expected numbers")
    n = len(positions)
    names = _output_names(values, n, h, name)

    axis = panel.axis
    if panel.kind == "series":
        index = axis.future(int(positions[0]), h)
        if names is None:
            return pd.Series(values[0], index=index, name=name)
        return pd.DataFrame(values[0], index=index, columns=names)
    if panel.kind == "long":
        return _long_frame(panel, values, positions, h, [name] if names is None else names)
    if names is not None:
        raise ValueError(
            f"forecasts of shape {values.shape} hold {values.shape[2]} outputs per step (e.g. quantiles), which a "
            "wide frame (one column per series) cannot hold; pass the data as a long DataFrame or a Series"
        )
    columns = pd.Index([panel.ids[p] for p in positions])
    ends = axis.ends[positions]
    if (ends == ends[0]).all():
        return pd.DataFrame(values.T, index=axis.future(int(positions[0]), h), columns=columns)
    # Columns that end at different times (a ragged wide frame): each column holds its own h
    # next timestamps, NaN elsewhere, as a pivot of the long forecasts would.
    out = {}
    for k, p in enumerate(positions):
        out[k] = pd.Series(values[k], index=axis.future(int(p), h))
    frame = pd.DataFrame(out).sort_index()
    frame.columns = columns
    frame.index.name = axis.name
    return frame


def _output_names(values, n, h, name):
    """The Q output names of 3-D ``values`` (S, h, Q), or None for 2-D ones (S, h), after the shape checks."""
    if values.ndim == 2:
        if values.shape != (n, h):
            raise ValueError(f"forecasts has shape {values.shape}; expected (S={n}, h={h})")
        if isinstance(name, (list, tuple)):
            raise ValueError(f"name must be a single column name for 2-D forecasts, got {name!r}")
        return None
    if values.ndim == 3:
        if values.shape[:2] != (n, h):
            raise ValueError(f"forecasts has shape {values.shape}; expected (S={n}, h={h}, Q)")
        if not isinstance(name, (list, tuple)) or len(name) != values.shape[2]:
            raise ValueError(
                f"name must be a list of {values.shape[2]} column names for forecasts of shape {values.shape}, "
                f"got {name!r}"
            )
        return list(name)
    raise ValueError(f"forecasts has {values.ndim} dimensions (shape {values.shape}); expected (S, h) or (S, h, Q)")


def _long_frame(panel, values, positions, h, out_names) -> pd.DataFrame:
    """Long frame of ``values`` (S, h) or (S, h, Q): id and time columns, then one column per name."""
    id_col, time_col = panel.columns[0], panel.columns[1]
    clash = [c for c in out_names if c in (id_col, time_col)]
    if clash:
        raise ValueError(
            f"forecast column name(s) {clash} clash with the id/time columns ({id_col!r}, {time_col!r})"
        )
    out = pd.DataFrame(
        {
            id_col: pd.Index(panel.ids)[positions].repeat(h),
            time_col: panel.axis.futures(positions, h),
        }
    )
    flat = values.reshape(len(positions) * h, -1)
    for q, col in enumerate(out_names):
        out[col] = flat[:, q]
    return out
