"""pandas -> Panel: reading the three layouts a forecaster accepts, checking and filling them.

``to_panel`` reads

* a ``pd.Series`` (one series) indexed by a DatetimeIndex, PeriodIndex or integer index;
* a long ``pd.DataFrame`` with columns ``unique_id``, ``ds``, ``y`` (Nixtla's convention;
  the names are configurable and other columns are ignored);
* a wide ``pd.DataFrame`` (any frame without the id and time columns), one column per series;

checks it (numeric target, sorted unique timestamps, no inf, no NaN unless asked to fill; the
regular time grid and the one shared frequency are checked by :mod:`tsrnn.data.frequency`)
and assembles a :class:`~tsrnn.data.csr.Panel`.

Missing values, in every layout:

* leading NaNs are dropped: the series starts at its first observed value;
* in a wide frame, a column's trailing NaNs are dropped too: the series ends at its last
  observed value (columns may start and end at different rows, as a pivot of a long frame
  gives), exactly as the same series in a long frame without those rows;
* other interior and trailing NaNs are an error, unless ``fill_missing="interpolate"``:
  interior NaNs are then filled linearly and trailing NaNs (of a Series or a long frame)
  carry the last observed value forward, so the series still ends where the user's data ends;
  or ``fill_missing="mask"``: they stay NaN in the panel (:mod:`tsrnn.data.masking`);
* a missing timestamp (a gap in the grid) is always an error: it reports the first missing
  timestamp. Insert the missing rows with NaN values to have them interpolated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .csr import Panel, _segment_of, _within_steps
from .frequency import _index_freq, _long_freq, _time_kind
from .time_axis import TimeAxis

__all__ = ["to_panel"]

_FILL_MISSING = (None, "interpolate", "mask")


def to_panel(y, *, id_col="unique_id", time_col="ds", target_col="y", sort=False, fill_missing=None) -> Panel:
    """Read a Series, a long frame or a wide frame into a :class:`Panel`.

    Parameters
    ----------
    y : pd.Series or pd.DataFrame
        * Series: one series, indexed by a DatetimeIndex, PeriodIndex or integer index
          (RangeIndex, or integers with a constant step).
        * Long DataFrame (has ``id_col`` or ``time_col``): one row per (series, timestamp),
          columns ``id_col``, ``time_col`` (datetime64, period or integer) and ``target_col``;
          other columns are ignored. Series may differ in length, start and end but must share
          one frequency. Series are ordered by first appearance of their id.
        * Wide DataFrame (any other frame): one column per series, indexed as a Series.
          Leading NaNs of a column mean the series starts later, trailing NaNs that it ends
          earlier (it is forecast from its own last value, as in a long frame).
    id_col, time_col, target_col : hashable
        Column names of a long frame.
    sort : bool
        Sort timestamps (within each series for a long frame) instead of refusing unsorted ones.
    fill_missing : {None, "interpolate", "mask"}
        ``None`` refuses NaN between a series' first and last value (and after the last,
        except in a wide frame). ``"interpolate"`` fills interior NaNs linearly and carries
        the last value forward over the trailing NaNs of a Series or a long frame. ``"mask"``
        keeps them as NaN (for a model that masks them: ``RNNForecaster(fill_missing="mask")``).

    Returns
    -------
    Panel

    Raises
    ------
    ValueError
        On empty input, a non-numeric or boolean target, inf, NaN (unless filled), duplicate or
        unsorted timestamps, irregular timestamps or gaps, disagreeing frequencies, missing
        long-frame columns, or an input that is not a Series or DataFrame.
    """
    if fill_missing not in _FILL_MISSING:
        raise ValueError(f"fill_missing must be None, 'interpolate' or 'mask', got {fill_missing!r}")
    if not isinstance(sort, (bool, np.bool_)):
        raise ValueError(f"sort must be True or False, got {sort!r}")
    columns = (id_col, time_col, target_col)
    if isinstance(y, pd.Series):
        return _series_panel(y, bool(sort), fill_missing, columns)
    if isinstance(y, pd.DataFrame):
        if id_col in y.columns or time_col in y.columns:
            return _long_panel(y, bool(sort), fill_missing, columns)
        return _wide_panel(y, bool(sort), fill_missing, columns)
    seen = f"{type(y).__module__}.{type(y).__name__}"
    raise ValueError(f"y must be a pandas Series (one series) or DataFrame (long or wide), got {seen}")


def _series_panel(y, sort, fill_missing, columns) -> Panel:
    label = "the series" if y.name is None else f"series {y.name!r}"
    if len(y) == 0:
        raise ValueError(f"{label} is empty; expected at least one value")
    values = _numeric(y, f"{label} has dtype {y.dtype}")
    index, order = _checked_index(y.index, label, sort)
    if order is not None:
        values = values[order]
    kind, freq = _index_freq(index, label)
    ids = [0 if y.name is None else y.name]
    indptr = np.array([0, len(values)], dtype=np.int64)
    times, values, indptr = _clean(index, values, indptr, [label], fill_missing, wide=False)
    return _assemble(ids, times, values, indptr, kind, freq, "series", y.name, columns, index.name)


def _wide_panel(y, sort, fill_missing, columns) -> Panel:
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise ValueError(f"the DataFrame is empty (shape {y.shape}); expected at least one row and one column")
    if y.columns.has_duplicates:
        twice = y.columns[y.columns.duplicated()][0]
        raise ValueError(f"column {twice!r} appears more than once; series names must be unique")
    hint = (
        f"; a wide frame holds one numeric column per series. If this is a long frame, name its columns "
        f"with id_col=, time_col= and target_col= (expected {columns[0]!r}, {columns[1]!r}, {columns[2]!r})"
    )
    for col in y.columns:
        _numeric(y[col], f"column {col!r} has dtype {y[col].dtype}", hint)
    data = y.to_numpy(dtype=np.float64, na_value=np.nan)
    index, order = _checked_index(y.index, "the frame's index", sort)
    if order is not None:
        data = data[order]
    kind, freq = _index_freq(index, "the frame's index")
    n_rows, n_cols = data.shape
    ids = y.columns.tolist()
    values = np.ascontiguousarray(data.T).ravel()
    indptr = np.arange(n_cols + 1, dtype=np.int64) * n_rows
    times = index.take(np.tile(np.arange(n_rows), n_cols))
    labels = [f"column {c!r}" for c in ids]
    times, values, indptr = _clean(times, values, indptr, labels, fill_missing, wide=True)
    return _assemble(ids, times, values, indptr, kind, freq, "wide", None, columns, index.name)


def _long_panel(y, sort, fill_missing, columns) -> Panel:
    id_col, time_col, target_col = columns
    missing = [c for c in columns if c not in y.columns]
    if missing:
        raise ValueError(
            f"the long DataFrame lacks column(s) {missing}; found {list(y.columns)}. A long frame needs "
            f"{id_col!r} (series id), {time_col!r} (timestamp) and {target_col!r} (value); pass "
            "id_col=, time_col=, target_col= to name others (for a single series, pass a Series indexed by time)"
        )
    if len(y) == 0:
        raise ValueError(f"the long DataFrame is empty (columns {list(y.columns)}); expected at least one row")
    values = _numeric(y[target_col], f"target column {target_col!r} has dtype {y[target_col].dtype}")
    codes, uniques = pd.factorize(y[id_col])
    if (codes < 0).any():
        row = y.index[np.flatnonzero(codes < 0)[0]]
        raise ValueError(f"id column {id_col!r} has a missing id (at row {row!r}); every row needs a series id")
    ids = list(uniques.tolist())
    times = _time_column(y[time_col], time_col)
    _check_duplicate_pairs(y, id_col, time_col)
    key = _time_key(times)
    order = np.lexsort((key, codes)) if sort else np.argsort(codes, kind="stable")
    codes, times, values, key = codes[order], times.take(order), values[order], key[order]
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=len(ids)), out=indptr[1:])
    within = _within_steps(indptr, len(times))
    unsorted = np.flatnonzero(within & (np.diff(key) <= 0))
    if unsorted.size:
        k = unsorted[0]
        raise ValueError(
            f"timestamps of series {ids[codes[k]]!r} are not in increasing order ({times[k]} comes before "
            f"{times[k + 1]}); pass sort=True to sort them"
        )
    labels = [f"series {i!r}" for i in ids]
    times, values, indptr = _clean(times, values, indptr, labels, fill_missing, wide=False)
    kind, freq = _long_freq(times, indptr, labels)
    return _assemble(ids, times, values, indptr, kind, freq, "long", None, columns, time_col)


def _assemble(ids, times, values, indptr, kind, freq, layout, name, columns, time_name) -> Panel:
    starts, ends = times[indptr[:-1]], times[indptr[1:] - 1]
    tz = getattr(times, "tz", None)
    unit = times.unit if kind == "datetime" else None
    axis = TimeAxis(kind, freq, starts, ends, tz=tz, unit=unit, name=time_name)
    return Panel(ids=ids, values=values, indptr=indptr, axis=axis, kind=layout, name=name, columns=tuple(columns))


def _numeric(column, seen, hint="") -> np.ndarray:
    dtype = column.dtype
    if getattr(dtype, "kind", "O") not in "iuf":
        raise ValueError(f"{seen}; expected a numeric dtype (int or float; booleans are not accepted){hint}")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _checked_index(index, label, sort):
    """Return the index sorted (with the sorting order, or None) after the type and duplicate checks."""
    kind = _time_kind(index, label if label.endswith("index") else f"the index of {label}")
    if kind != "range" and index.hasnans:
        raise ValueError(f"{label} has a missing timestamp (NaT) at position {int(np.flatnonzero(index.isna())[0])}")
    if index.has_duplicates:
        raise ValueError(f"{label} has duplicate timestamps: {index[index.duplicated()][0]} appears more than once")
    if index.is_monotonic_increasing:
        return index, None
    if sort:
        order = np.argsort(_time_key(index), kind="stable")
        return index.take(order), order
    k = int(np.flatnonzero(np.diff(_time_key(index)) < 0)[0])
    raise ValueError(
        f"timestamps of {label} are not in increasing order ({index[k]} comes before {index[k + 1]}); "
        "pass sort=True to sort them"
    )


def _time_column(column, time_col) -> pd.Index:
    if isinstance(column.dtype, pd.PeriodDtype):
        times = pd.PeriodIndex(column)
    elif column.dtype.kind == "M":
        times = pd.DatetimeIndex(column)
    elif column.dtype.kind in "iu":
        times = pd.Index(column.to_numpy(np.int64))
    elif getattr(column.dtype, "kind", "O") in "iu":  # nullable Int64
        if column.isna().any():
            raise ValueError(f"time column {time_col!r} has a missing value at row {column.index[column.isna()][0]!r}")
        times = pd.Index(column.to_numpy(np.int64))
    else:
        raise ValueError(
            f"time column {time_col!r} has dtype {column.dtype}; expected datetime64 (convert with "
            "pd.to_datetime), period or integer timestamps"
        )
    if times.hasnans:
        row = column.index[column.isna()][0]
        raise ValueError(f"time column {time_col!r} has a missing timestamp (NaT) at row {row!r}")
    return times


def _check_duplicate_pairs(y, id_col, time_col) -> None:
    dup = y.duplicated([id_col, time_col], keep=False)
    if dup.any():
        first = np.flatnonzero(dup.to_numpy())[0]
        sid, ts = y[id_col].iloc[first], y[time_col].iloc[first]
        rows = y.index[dup & (y[id_col] == sid) & (y[time_col] == ts)].tolist()
        raise ValueError(
            f"duplicate ({id_col}, {time_col}) pair: ({sid!r}, {ts}) appears {len(rows)} times (rows {rows}); "
            "each series may have one value per timestamp"
        )


def _time_key(times) -> np.ndarray:
    """int64 keys that sort like the timestamps."""
    if isinstance(times, pd.DatetimeIndex):
        return times.as_unit("ns").asi8
    if isinstance(times, pd.PeriodIndex):
        return times.asi8
    return np.asarray(times, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Missing and non-finite values
# --------------------------------------------------------------------------------------------


def _clean(times, values, indptr, labels, fill_missing, wide):
    """Refuse inf, drop leading NaNs (and a wide column's trailing ones), then refuse or fill the rest."""
    inf = np.isinf(values)
    if inf.any():
        r = int(np.flatnonzero(inf)[0])
        s = int(np.searchsorted(indptr, r, side="right") - 1)
        raise ValueError(f"{labels[s]} has an infinite value ({values[r]}) at {times[r]}; expected finite numbers")
    nan = np.isnan(values)
    if not nan.any():
        return times, values, indptr
    seg = _segment_of(indptr, len(values))
    counted = np.concatenate([[0], np.cumsum(~nan)])
    before = counted[indptr[:-1]]
    total = counted[indptr[1:]] - before
    if (total == 0).any():
        s = int(np.flatnonzero(total == 0)[0])
        raise ValueError(f"{labels[s]} has no values (all NaN); expected at least one number")
    outside = (counted[1:] - before[seg]) == 0
    if wide:
        # A wide column's trailing NaNs are rows it does not have (a pivot of series that end
        # earlier): it ends at its last value, as the same series in a long frame would.
        outside |= nan & ((counted[indptr[1:]][seg] - counted[1:]) == 0)
    if outside.any():
        keep = ~outside
        times, values, nan, seg = times[keep], values[keep], nan[keep], seg[keep]
        indptr = np.zeros_like(indptr)
        np.cumsum(np.bincount(seg, minlength=len(labels)), out=indptr[1:])
    if not nan.any() or fill_missing == "mask":
        return times, values, indptr
    if fill_missing is None:
        r = int(np.flatnonzero(nan)[0])
        raise ValueError(
            f"{labels[int(seg[r])]} has a missing value (NaN) at {times[r]} (its first); pass "
            "fill_missing='interpolate' to fill NaNs linearly (trailing ones carry the last value forward), or fill "
            "them yourself"
        )
    values = values.copy()
    for s in np.unique(seg[nan]):
        part = values[indptr[s] : indptr[s + 1]]
        ok = np.flatnonzero(~np.isnan(part))
        # np.interp holds the last value past the final observation: trailing NaNs carry forward.
        part[:] = np.interp(np.arange(len(part)), ok, part[ok])
    return times, values, indptr
