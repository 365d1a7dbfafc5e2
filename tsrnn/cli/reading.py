"""Reading the input file of ``tsrnn forecast`` and ``tsrnn backtest``.

The file's columns are checked together and every problem found is reported (one line
each); the data then goes through the library's own checks (:func:`tsrnn.data.panel.to_panel`)
series by series, so that a file with problems in several series lists them all.
Inside the command the data is a long frame ``unique_id, ds, y`` (or a Series for one
series); :meth:`Input.user_names` gives outputs the file's own column names back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.panel import to_panel
from .messages import UserError

__all__ = ["Input", "read_input", "read_table", "YEARS"]

#: Whole numbers in a time column that all lie in this range are read as years.
YEARS = (1000, 2999)
FILL_CHOICES = ("none", "interpolate", "zero")


@dataclass
class Input:
    """The data of one command: ``y`` as the forecasters take it, and the file's column names."""

    y: object  # pd.Series (one series, indexed by time) or long DataFrame (unique_id, ds, y)
    time_col: str
    target: str
    id_col: str | None
    source: str

    def user_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (a forecast or a backtest) with the file's column names instead of ``unique_id, ds, y``."""
        if self.id_col is None:
            frame = frame.drop(columns=["unique_id"], errors="ignore")
        names = {"unique_id": self.id_col, "ds": self.time_col, "y": self.target}
        return frame.rename(columns={k: v for k, v in names.items() if v is not None and k in frame.columns})

    def lengths(self) -> pd.Series:
        """Values per series (from its first non-missing value), indexed by series id."""
        frame = self.long()
        started = frame["y"].notna().groupby(frame["unique_id"], sort=False).cummax()
        return started.groupby(frame["unique_id"], sort=False).sum().astype(int)

    def long(self) -> pd.DataFrame:
        if isinstance(self.y, pd.Series):
            return pd.DataFrame({"unique_id": self.y.name, "ds": self.y.index, "y": self.y.to_numpy()})
        return self.y

    def without(self, ids) -> Input:
        """The same input without the series ``ids`` (there is always another one left)."""
        frame = self.y[~self.y["unique_id"].isin(list(ids))].reset_index(drop=True)
        return Input(frame, self.time_col, self.target, self.id_col, self.source)


def read_table(path) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame, or :class:`UserError` in one line."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"input file {str(path)!r} does not exist")
    if path.is_dir():
        raise UserError(f"input {str(path)!r} is a folder; expected a CSV or Parquet file")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        return pd.read_parquet(path) if parquet else pd.read_csv(path)
    except ImportError:
        raise UserError(f"reading {path.name} (Parquet) needs pyarrow: pip install pyarrow") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UserError(f"cannot read {path.name} as {'Parquet' if parquet else 'CSV'}: {first}") from None


def read_input(path, time_col, target, id_col=None, fill_missing="none") -> Input:
    """Read, check and (if asked) fill the input file; every problem found is reported together."""
    df = read_table(path)
    name = Path(path).name
    missing = [c for c in (time_col, target, id_col) if c and c not in df.columns]
    if missing:
        raise UserError(f"column(s) {missing} not in {name}; its columns are {list(df.columns)} "
                        "(name yours with --time-col, --target, --id-col)")  # fmt: skip
    problems = []
    values = _target(df[target], target, problems)
    times = _times(df[time_col], time_col, problems)
    if id_col and df[id_col].isna().any():
        problems.append(f"id column {id_col!r} is empty at {_rows(df[id_col].isna())}; every row needs a series id")
    if problems:
        raise UserError(*problems)
    ids = df[id_col].to_numpy() if id_col else np.full(len(df), target, dtype=object)
    frame = pd.DataFrame({"unique_id": ids, "ds": times, "y": values})
    if id_col is None:
        _check_one_series(frame, df, time_col, target, name)
    codes = pd.factorize(frame["unique_id"])[0]
    frame = frame.assign(_series=codes).sort_values(["_series", "ds"], kind="stable").drop(columns="_series")
    frame = _fill(frame.reset_index(drop=True), fill_missing)
    if id_col is None:
        y = pd.Series(frame["y"].to_numpy(), index=pd.Index(frame["ds"], name=time_col), name=target)
    else:
        y = frame
    return Input(y, time_col, target, id_col, name)


def _rows(mask, limit=5) -> str:
    """'row 3' or 'rows [3, 8, ...] (12 in all)': 1-based data rows of ``mask``."""
    rows = (np.flatnonzero(np.asarray(mask)) + 1).tolist()
    if len(rows) == 1:
        return f"row {rows[0]}"
    return f"rows {rows[:limit]}{f' ... ({len(rows)} in all)' if len(rows) > limit else ''}"


def _target(column, name, problems):
    if pd.api.types.is_bool_dtype(column):
        problems.append(f"target column {name!r} holds true/false values; expected numbers")
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() & column.notna()
    if bad.any():
        problems.append(f"target column {name!r} is not numeric (for example {column[bad].iloc[0]!r}) at "
                        f"{_rows(bad)}")  # fmt: skip
        return None
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _times(column, name, problems):
    """The time column as datetimes, years (a yearly PeriodIndex) or integer steps; None after a problem."""
    if column.isna().any():
        problems.append(f"time column {name!r} is empty at {_rows(column.isna())}; every row needs a timestamp")
        return None
    if isinstance(column.dtype, (pd.PeriodDtype, pd.DatetimeTZDtype)) or column.dtype.kind == "M":
        return pd.Index(column)
    if pd.api.types.is_bool_dtype(column):
        problems.append(f"time column {name!r} holds true/false values; expected dates, years or integer steps")
        return None
    if pd.api.types.is_numeric_dtype(column):
        return _numeric_times(column, name, problems)
    try:
        parsed = pd.to_datetime(column, format="mixed", errors="coerce")
    except (ValueError, TypeError) as exc:  # e.g. mixed time zones
        problems.append(f"cannot parse the dates in column {name!r}: {str(exc).splitlines()[0]}")
        return None
    bad = parsed.isna()
    if bad.any():
        problems.append(f"cannot parse the dates in column {name!r}: {column[bad].iloc[0]!r} at {_rows(bad)} "
                        "is not a date")  # fmt: skip
        return None
    return pd.Index(parsed)


def _numeric_times(column, name, problems):
    values = column.to_numpy(dtype=np.float64)
    whole = np.isfinite(values) & (values == np.round(values))
    if not whole.all():
        problems.append(f"time column {name!r} holds fractional numbers (for example {float(values[~whole][0])!r} at "
                        f"{_rows(~whole)}); expected dates, years such as 1700, or integer steps")  # fmt: skip
        return None
    if values.min() >= YEARS[0] and values.max() <= YEARS[1]:
        return pd.PeriodIndex(pd.Series(values.astype(np.int64)).astype(str), freq="Y")
    return values.astype(np.int64)


def _check_one_series(frame, df, time_col, target, name):
    """Without --id-col the file is one series: repeated timestamps mean several series."""
    dup = pd.Index(frame["ds"]).duplicated()
    if not dup.any():
        return
    first = frame["ds"].iloc[int(np.flatnonzero(dup)[0])]
    count = int((frame["ds"] == first).sum())
    candidates = [c for c in df.columns if c not in (time_col, target) and not df.duplicated([c, time_col]).any()]
    maybe = f" (perhaps {candidates[0]!r})" if candidates else ""
    raise UserError(
        f"column {time_col!r} has duplicate timestamps ({first} appears {count} times, {int(dup.sum())} repeats in "
        f"all): if {name} holds several series, name the column that tells them apart with --id-col{maybe}"
    )


def _fill(frame, fill_missing):
    """Check every series with the library's rules; fill missing values as asked. Lists all bad series."""
    if fill_missing == "zero":
        started = frame["y"].notna().groupby(frame["unique_id"], sort=False).cummax()
        frame = frame.assign(y=frame["y"].where(~started | frame["y"].notna(), 0.0))
    how = "interpolate" if fill_missing == "interpolate" else None
    try:
        panel = to_panel(frame, fill_missing=how)
    except ValueError as first:
        problems = []
        for _, part in frame.groupby("unique_id", sort=False):
            try:
                to_panel(part, fill_missing=how)
            except ValueError as exc:
                problems.append(str(exc))
        raise UserError(*(problems or [str(first)])) from None
    if how is None:
        return frame
    # The library's filled values (interior NaNs interpolated, trailing ones carried forward).
    ids = np.repeat(np.asarray(panel.ids, dtype=object), panel.lengths)
    times = panel.axis.history(0).append([panel.axis.history(i) for i in range(1, panel.n_series)])
    return pd.DataFrame({"unique_id": ids, "ds": times, "y": panel.values})
