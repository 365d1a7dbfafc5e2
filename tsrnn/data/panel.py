"""Panel: the three pandas layouts a forecaster accepts, as one CSR array, and back.

``to_panel`` reads

* a ``pd.Series`` (one series) indexed by a DatetimeIndex, PeriodIndex or integer index;
* a long ``pd.DataFrame`` with columns ``unique_id``, ``ds``, ``y`` (Nixtla's convention;
  the names are configurable and other columns are ignored);
* a wide ``pd.DataFrame`` (any frame without the id and time columns), one column per series;

checks it (regular time grid, one shared frequency, no inf, no NaN unless asked to fill) and
returns a :class:`Panel`: every series concatenated into one float64 array ``values`` with
offsets ``indptr``, plus a :class:`TimeAxis` that knows each series' first and last timestamp
and how to continue it. ``from_forecasts`` turns an array of forecasts back into the layout
the user passed in, indexed by the timestamps that follow each series.

Missing values, in every layout:

* leading NaNs are dropped: the series starts at its first observed value;
* interior and trailing NaNs are an error, unless ``fill_missing="interpolate"``: interior
  NaNs are then filled linearly and trailing NaNs carry the last observed value forward,
  so the series still ends where the user's data ends;
* a missing timestamp (a gap in the grid) is always an error: it reports the first missing
  timestamp. Insert the missing rows with NaN values to have them interpolated.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from .._validation import check_positive_int

__all__ = ["Panel", "TimeAxis", "from_forecasts", "to_panel"]

_KINDS = ("datetime", "period", "range")
_FILL_MISSING = (None, "interpolate")


# --------------------------------------------------------------------------------------------
# Time axis
# --------------------------------------------------------------------------------------------


class TimeAxis:
    """Where every series of a panel starts and ends, and how its time index continues.

    Parameters
    ----------
    kind : {"datetime", "period", "range"}
        The type of time index.
    freq : pandas DateOffset, pandas period offset or int
        The step between two timestamps: a DateOffset that keeps its anchoring
        (``"W-SUN"``, ``"MS"``, ``"QS-JAN"``, ...) for ``"datetime"``, the PeriodIndex's
        offset for ``"period"`` and a positive int for ``"range"``.
    starts, ends : pd.Index, shape (n_series,)
        First and last timestamp of every series (DatetimeIndex, PeriodIndex or int64 Index).
    tz : str or tzinfo, optional
        Time zone of a ``"datetime"`` axis; ``None`` for naive timestamps.
    unit : str, optional
        Resolution of a ``"datetime"`` axis (``"s"``, ``"ms"``, ``"us"`` or ``"ns"``), kept so that
        forecasts carry the same dtype as the input.
    name : hashable, optional
        Name of the input's time index (or time column), given to the indexes built here.
    """

    def __init__(self, kind, freq, starts, ends, tz=None, unit=None, name=None):
        if kind not in _KINDS:
            raise ValueError(f"TimeAxis kind must be one of {_KINDS}, got {kind!r}")
        if len(starts) != len(ends):
            raise ValueError(f"TimeAxis needs as many starts as ends, got {len(starts)} and {len(ends)}")
        self.kind = kind
        self.freq = int(freq) if kind == "range" else freq
        self.tz = tz
        self.unit = unit
        self.name = name
        self.starts = _as_time_index(starts, kind)
        self.ends = _as_time_index(ends, kind)

    @property
    def n_series(self) -> int:
        """Number of series on the axis."""
        return len(self.ends)

    def __repr__(self) -> str:
        return f"TimeAxis(kind={self.kind!r}, freq={_freq_text(self.kind, self.freq)!r}, n_series={self.n_series})"

    def future(self, i, h) -> pd.Index:
        """The ``h`` timestamps that follow series ``i``.

        Parameters
        ----------
        i : int
            Position of the series on the axis.
        h : int
            Horizon, >= 1.

        Returns
        -------
        pd.Index, shape (h,)
            A DatetimeIndex with ``freq`` set, a PeriodIndex, or a RangeIndex.
        """
        h = check_positive_int(h, "h")
        end = self.ends[i]
        if self.kind == "datetime":
            return pd.date_range(start=end, periods=h + 1, freq=self.freq, unit=self.unit, name=self.name)[1:]
        if self.kind == "period":
            return pd.period_range(start=end + 1, periods=h, name=self.name)
        step = self.freq
        return pd.RangeIndex(int(end) + step, int(end) + step * (h + 1), step, name=self.name)

    def futures(self, positions, h) -> pd.Index:
        """The ``h`` timestamps that follow each of several series, concatenated.

        Equal to ``future(positions[0], h).append(future(positions[1], h))...`` (without ``freq``),
        computed without a loop over series where the frequency allows it.

        Parameters
        ----------
        positions : array_like of int, shape (S,)
            Positions of the series on the axis.
        h : int
            Horizon, >= 1.

        Returns
        -------
        pd.Index, shape (S * h,)
            Series after series, ``h`` timestamps each.
        """
        h = check_positive_int(h, "h")
        positions = np.asarray(positions, dtype=np.int64)
        steps = np.tile(np.arange(1, h + 1, dtype=np.int64), len(positions))
        ends = self.ends[positions]
        if self.kind == "range":
            return pd.Index(np.repeat(ends.to_numpy(np.int64), h) + self.freq * steps, name=self.name)
        if self.kind == "period":
            return (ends.repeat(h) + steps).rename(self.name)
        if isinstance(self.freq, Tick):
            offsets = pd.to_timedelta(steps * pd.Timedelta(self.freq).value, unit="ns")
            return (ends.repeat(h) + offsets).as_unit(self.unit).rename(self.name)
        # Calendar offsets (months, weeks, business days...) have no fixed length: index a grid.
        first, last = ends.min(), ends.max()
        span = len(pd.date_range(start=first, end=last, freq=self.freq, unit=self.unit))
        grid = pd.date_range(start=first, periods=span + h, freq=self.freq, unit=self.unit, name=self.name)
        where = grid.get_indexer(ends)
        if (where < 0).any():
            # Series whose ends lie on different lattices of a multiple offset (e.g. "2MS").
            parts = [self.future(int(p), h) for p in positions]
            return parts[0].append(parts[1:]).rename(self.name)
        return grid[(where[:, None] + np.arange(1, h + 1)).ravel()]

    def history(self, i) -> pd.Index:
        """The timestamps of series ``i``, one per value.

        Parameters
        ----------
        i : int
            Position of the series on the axis.

        Returns
        -------
        pd.Index, shape (T_i,)
        """
        start, end = self.starts[i], self.ends[i]
        if self.kind == "datetime":
            return pd.date_range(start=start, end=end, freq=self.freq, unit=self.unit, name=self.name)
        if self.kind == "period":
            return pd.period_range(start=start, end=end, name=self.name)
        return pd.RangeIndex(int(start), int(end) + self.freq, self.freq, name=self.name)

    def subset(self, positions) -> TimeAxis:
        """The axis of the series at ``positions`` (array_like of int, shape (S,)), in that order."""
        positions = np.asarray(positions, dtype=np.int64)
        return TimeAxis(
            self.kind,
            self.freq,
            self.starts[positions],
            self.ends[positions],
            tz=self.tz,
            unit=self.unit,
            name=self.name,
        )

    def to_json(self) -> dict:
        """A JSON-serialisable description; :meth:`from_json` rebuilds an axis with identical futures.

        Raises
        ------
        ValueError
            If the frequency or the time zone has no string form that reads back the same.
        """
        if self.kind == "datetime":
            freq = self.freq.freqstr
            try:
                same = to_offset(freq) == self.freq
            except ValueError:
                same = False
            if not same:
                raise ValueError(
                    f"the frequency {self.freq!r} cannot be saved: its string {freq!r} does not read back as the "
                    "same offset. Use a standard pandas frequency such as 'D', 'W-SUN', 'MS' or 'h'"
                )
            starts = [ts.isoformat() for ts in self.starts]
            ends = [ts.isoformat() for ts in self.ends]
        elif self.kind == "period":
            freq = self.ends.freqstr
            starts = [str(p) for p in self.starts]
            ends = [str(p) for p in self.ends]
        else:
            freq = int(self.freq)
            starts = [int(v) for v in self.starts]
            ends = [int(v) for v in self.ends]
        name = self.name.item() if isinstance(self.name, np.generic) else self.name
        if not (name is None or isinstance(name, (str, int, float, bool))):
            name = str(name)
        return {
            "kind": self.kind,
            "freq": freq,
            "tz": _tz_text(self.tz),
            "unit": self.unit,
            "name": name,
            "starts": starts,
            "ends": ends,
        }

    @classmethod
    def from_json(cls, d) -> TimeAxis:
        """Rebuild an axis from :meth:`to_json`'s dict."""
        missing = [k for k in ("kind", "freq", "starts", "ends") if k not in d]
        if missing:
            raise ValueError(f"TimeAxis.from_json: missing keys {missing}; found {sorted(d)}")
        kind, tz, unit = d["kind"], d.get("tz"), d.get("unit")
        if kind == "datetime":
            freq = to_offset(d["freq"])
            starts, ends = (_read_timestamps(d[key], tz, unit) for key in ("starts", "ends"))
        elif kind == "period":
            starts, ends = (pd.PeriodIndex([pd.Period(p, freq=d["freq"]) for p in d[k]]) for k in ("starts", "ends"))
            freq = ends.freq
        elif kind == "range":
            freq = int(d["freq"])
            starts, ends = (pd.Index(np.asarray(d[key], dtype=np.int64)) for key in ("starts", "ends"))
        else:
            raise ValueError(f"TimeAxis.from_json: kind must be one of {_KINDS}, got {kind!r}")
        return cls(kind, freq, starts, ends, tz=tz, unit=unit, name=d.get("name"))


def _as_time_index(values, kind) -> pd.Index:
    if kind == "datetime":
        return pd.DatetimeIndex(values)
    if kind == "period":
        return pd.PeriodIndex(values)
    return pd.Index(np.asarray(values, dtype=np.int64))


def _tz_text(tz):
    if tz is None:
        return None
    text = getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)
    try:
        pd.Timestamp(0, tz=text)
    except Exception:  # noqa: BLE001 - any failure means it cannot be read back
        raise ValueError(
            f"the time zone {tz!r} cannot be saved as text; use an IANA name such as 'Europe/Berlin' or 'UTC'"
        ) from None
    return text


def _read_timestamps(texts, tz, unit) -> pd.DatetimeIndex:
    if tz is None:
        index = pd.to_datetime(texts, format="ISO8601")
    else:
        index = pd.to_datetime(texts, format="ISO8601", utc=True).tz_convert(tz)
    return index.as_unit(unit) if unit else index


def _freq_text(kind, freq) -> str:
    if kind == "range":
        return f"step {freq}"
    return getattr(freq, "freqstr", str(freq))


# --------------------------------------------------------------------------------------------
# Panel
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# pandas -> Panel
# --------------------------------------------------------------------------------------------


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
          Leading NaNs of a column mean the series starts later; every column must end on
          the last row.
    id_col, time_col, target_col : hashable
        Column names of a long frame.
    sort : bool
        Sort timestamps (within each series for a long frame) instead of refusing unsorted ones.
    fill_missing : {None, "interpolate"}
        ``None`` refuses NaN after a series' first value. ``"interpolate"`` fills interior NaNs
        linearly and carries the last value forward over trailing NaNs.

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
        raise ValueError(f"fill_missing must be None or 'interpolate', got {fill_missing!r}")
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


def _time_kind(index, what) -> str:
    if isinstance(index, pd.DatetimeIndex):
        return "datetime"
    if isinstance(index, pd.PeriodIndex):
        return "period"
    if not isinstance(index, pd.MultiIndex) and index.dtype.kind in "iu":
        return "range"
    raise ValueError(
        f"{what} has type {type(index).__name__} with dtype {index.dtype}; expected datetimes (a DatetimeIndex, "
        "e.g. from pd.to_datetime), periods (PeriodIndex) or integers (RangeIndex)"
    )


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


def _within_steps(indptr, n) -> np.ndarray:
    """Mask of shape (n - 1,): True where rows k and k + 1 belong to the same series."""
    within = np.ones(max(n - 1, 0), dtype=bool)
    within[indptr[1:-1][indptr[1:-1] > 0] - 1] = False
    return within


def _segment_of(indptr, n) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))[:n]


# --------------------------------------------------------------------------------------------
# Missing and non-finite values
# --------------------------------------------------------------------------------------------


def _clean(times, values, indptr, labels, fill_missing, wide):
    """Refuse inf, drop leading NaNs, then refuse or fill the remaining NaNs."""
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
    leading = (counted[1:] - before[seg]) == 0
    if leading.any():
        keep = ~leading
        times, values, nan, seg = times[keep], values[keep], nan[keep], seg[keep]
        indptr = np.zeros_like(indptr)
        np.cumsum(np.bincount(seg, minlength=len(labels)), out=indptr[1:])
    if not nan.any():
        return times, values, indptr
    if fill_missing is None:
        r = int(np.flatnonzero(nan)[0])
        s, end = int(seg[r]), int(indptr[seg[r] + 1])
        if wide and nan[r:end].all():
            raise ValueError(
                f"{labels[s]} ends at {times[r - 1]}, before the frame's last timestamp {times[end - 1]} "
                f"(its last {end - r} values are NaN). Every column of a wide frame must end on the last row: "
                "pass a long DataFrame (unique_id, ds, y) for series that end earlier, or "
                "fill_missing='interpolate' to carry the last value forward"
            )
        raise ValueError(
            f"{labels[s]} has a missing value (NaN) at {times[r]} (its first); pass fill_missing='interpolate' to "
            "fill NaNs linearly (trailing ones carry the last value forward), or fill them yourself"
        )
    values = values.copy()
    for s in np.unique(seg[nan]):
        part = values[indptr[s] : indptr[s + 1]]
        ok = np.flatnonzero(~np.isnan(part))
        # np.interp holds the last value past the final observation: trailing NaNs carry forward.
        part[:] = np.interp(np.arange(len(part)), ok, part[ok])
    return times, values, indptr


# --------------------------------------------------------------------------------------------
# Frequency
# --------------------------------------------------------------------------------------------


def _infer_offset(times):
    """``pd.infer_freq`` as an offset, or None (also for fewer than 3 timestamps)."""
    if len(times) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3.1 warns that infer_freq will return an offset; to_offset accepts both.
        warnings.filterwarnings("ignore", message="A future version of pandas will return a BaseOffset")
        try:
            freq = pd.infer_freq(times)
        except (TypeError, ValueError):
            return None
    return None if freq is None else to_offset(freq)


def _guess_offset(times):
    """The most common frequency of short runs of ``times``: a guess to explain an irregular index."""
    n = len(times)
    if n < 3:
        return None
    firsts = np.unique(np.linspace(0, n - 3, min(n - 2, 25)).astype(np.int64))
    guesses = [f for f in (_infer_offset(times[k : k + 3]) for k in firsts) if f is not None]
    if not guesses:
        return None
    best = Counter(f.freqstr for f in guesses).most_common(1)[0][0]
    return to_offset(best)


def _lattice(times, kind, freq):
    """Integer positions of ``times`` and the step between consecutive ones; -1 marks off-grid times."""
    if kind == "range":
        return np.asarray(times, dtype=np.int64), int(freq)
    if kind == "period":
        return times.asi8, int(times.freq.n)
    if isinstance(freq, Tick):
        return times.as_unit("ns").asi8, int(pd.Timedelta(freq).value)
    base = freq.base
    grid = pd.date_range(start=times.min(), end=times.max(), freq=base, unit=times.unit)
    return grid.get_indexer(times).astype(np.int64), int(freq.n)


def _first_off_grid(times, indptr, kind, freq):
    """``(row, reason)`` of the first timestamp off the grid (reason "off", "gap" or "step"), or None."""
    pos, step = _lattice(times, kind, freq)
    off = np.flatnonzero(pos < 0) if kind == "datetime" else np.array([], dtype=np.int64)
    d = np.diff(pos)
    bad = np.flatnonzero(_within_steps(indptr, len(times)) & (d != step))
    candidates = []
    if off.size:
        candidates.append((int(off[0]), "off"))
    if bad.size:
        k = int(bad[0])
        gap = d[k] > step and d[k] % step == 0 and pos[k] >= 0 and pos[k + 1] >= 0
        candidates.append((k, "gap" if gap else "step"))
    return min(candidates) if candidates else None


def _grid_error(label, times, row, reason, kind, freq, source=""):
    text = _freq_text(kind, freq)
    if reason == "off":
        return ValueError(
            f"{label} has timestamp {times[row]}, which is not on the grid of frequency {text}{source}; "
            "every timestamp must fall on one regular grid"
        )
    if reason == "gap":
        missing = times[row] + (1 if kind == "period" else freq)
        return ValueError(
            f"{label} has a gap: no value at {missing} (the first missing timestamp, between {times[row]} and "
            f"{times[row + 1]}; frequency {text}{source}). Add the missing timestamps, e.g. with NaN values "
            "and fill_missing='interpolate'"
        )
    return ValueError(
        f"{label} has irregular timestamps: the step from {times[row]} to {times[row + 1]} does not match the "
        f"frequency {text}{source}. Resample the data onto a regular grid first"
    )


def _index_freq(index, label):
    """Kind and frequency of a Series' or wide frame's (sorted, unique) index."""
    kind = _time_kind(index, label)
    one = np.array([0, len(index)], dtype=np.int64)
    if kind == "datetime":
        if index.freq is not None:
            return kind, index.freq
        if len(index) < 3:
            raise ValueError(
                f"the frequency of {label} cannot be inferred from {len(index)} timestamp(s) and its index has "
                "no freq; pass at least 3 timestamps or set one, e.g. y.index.freq = 'D' (or y.asfreq('D'))"
            )
        freq = _infer_offset(index)
        if freq is None:
            raise _irregular(index, one, label)
        return kind, freq
    if kind == "period":
        freq = index.freq
    elif isinstance(index, pd.RangeIndex):
        return kind, int(index.step) if len(index) > 1 else 1
    else:
        steps = np.diff(index.to_numpy(np.int64))
        freq = int(steps.min()) if steps.size else 1
    found = _first_off_grid(index, one, kind, freq)
    if found is not None:
        raise _grid_error(label, index, *found, kind, freq)
    return kind, freq


def _irregular(times, indptr, label) -> ValueError:
    guess = _guess_offset(times)
    if guess is not None:
        found = _first_off_grid(times, indptr, "datetime", guess)
        if found is not None:
            return _grid_error(label, times, *found, "datetime", guess, " (guessed from its timestamps)")
    shown = ", ".join(str(t) for t in times[:4])
    return ValueError(
        f"{label} has irregular timestamps: no frequency could be inferred (first timestamps: {shown}, ...). "
        "Resample it onto a regular grid first, e.g. y.resample('D').mean()"
    )


def _long_freq(times, indptr, labels):
    """Kind and the one frequency shared by all series of a long frame."""
    kind = _time_kind(times, "the time column")
    lengths = np.diff(indptr)
    source = None
    if kind == "period":
        freq = times.freq
    elif kind == "range":
        freq = 1
        for s in np.flatnonzero(lengths >= 2):
            freq, source = int(np.diff(np.asarray(times[indptr[s] : indptr[s + 1]])).min()), int(s)
            break
    else:
        long_enough = np.flatnonzero(lengths >= 3)
        if long_enough.size == 0:
            raise ValueError(
                f"the frequency cannot be inferred: every series has fewer than 3 timestamps "
                f"(longest: {int(lengths.max())}); give at least one series 3 or more"
            )
        source = int(long_enough[0])
        own = times[indptr[source] : indptr[source + 1]]
        freq = _infer_offset(own)
        if freq is None:
            raise _irregular(own, np.array([0, len(own)], dtype=np.int64), labels[source])
    found = _first_off_grid(times, indptr, kind, freq)
    if found is None:
        return kind, freq
    row, reason = found
    s = int(np.searchsorted(indptr, row, side="right") - 1)
    own = times[indptr[s] : indptr[s + 1]]
    own_freq = _own_freq(own, kind)
    if source is not None and own_freq is not None and own_freq != freq:
        raise ValueError(
            f"{labels[source]} and {labels[s]} have different frequencies ({_freq_text(kind, freq)} and "
            f"{_freq_text(kind, own_freq)}); all series of a long frame must share one frequency"
        )
    origin = f", that of {labels[source]}" if source is not None and source != s else ""
    raise _grid_error(labels[s], times, row, reason, kind, freq, origin)


def _own_freq(times, kind):
    if kind == "datetime":
        return _infer_offset(times)
    if kind == "range" and len(times) >= 2:
        steps = np.diff(np.asarray(times, dtype=np.int64))
        return int(steps[0]) if (steps == steps[0]).all() else None
    return None


# --------------------------------------------------------------------------------------------
# forecasts -> pandas
# --------------------------------------------------------------------------------------------


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
        * kind "wide": indexed by the common future index, one column per series id.

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
    if values.ndim == 2:
        if values.shape != (n, h):
            raise ValueError(f"forecasts has shape {values.shape}; expected (S={n}, h={h})")
        if isinstance(name, (list, tuple)):
            raise ValueError(f"name must be a single column name for 2-D forecasts, got {name!r}")
        names = None
    elif values.ndim == 3:
        if values.shape[:2] != (n, h):
            raise ValueError(f"forecasts has shape {values.shape}; expected (S={n}, h={h}, Q)")
        if not isinstance(name, (list, tuple)) or len(name) != values.shape[2]:
            raise ValueError(
                f"name must be a list of {values.shape[2]} column names for forecasts of shape {values.shape}, "
                f"got {name!r}"
            )
        names = list(name)
    else:
        raise ValueError(f"forecasts has {values.ndim} dimensions (shape {values.shape}); expected (S, h) or (S, h, Q)")

    axis = panel.axis
    if panel.kind == "series":
        index = axis.future(int(positions[0]), h)
        if names is None:
            return pd.Series(values[0], index=index, name=name)
        return pd.DataFrame(values[0], index=index, columns=names)
    if panel.kind == "long":
        id_col, time_col = panel.columns[0], panel.columns[1]
        out_names = [name] if names is None else names
        clash = [c for c in out_names if c in (id_col, time_col)]
        if clash:
            raise ValueError(
                f"forecast column name(s) {clash} clash with the id/time columns ({id_col!r}, {time_col!r})"
            )
        out = pd.DataFrame(
            {
                id_col: pd.Index(panel.ids)[positions].repeat(h),
                time_col: axis.futures(positions, h),
            }
        )
        flat = values.reshape(n * h, -1)
        for q, col in enumerate(out_names):
            out[col] = flat[:, q]
        return out
    if names is not None:
        raise ValueError(
            f"forecasts of shape {values.shape} hold {values.shape[2]} outputs per step (e.g. quantiles), which a "
            "wide frame (one column per series) cannot hold; pass the data as a long DataFrame or a Series"
        )
    ends = axis.ends[positions]
    if (ends != ends[0]).any():
        raise ValueError("the series of a wide panel must all end at the same time to share one forecast index")
    index = axis.future(int(positions[0]), h)
    return pd.DataFrame(values.T, index=index, columns=pd.Index([panel.ids[p] for p in positions]))
