"""TimeAxis: where every series of a panel starts and ends, and how its time index continues.

A :class:`TimeAxis` holds the kind of time index (datetime, period or integer range), its
frequency and the first and last timestamp of every series. It builds the timestamps of a
series' history and of the ``h`` steps after its end, and saves itself as JSON (saved models
keep it, so that a loaded model forecasts on the same dates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from .._validation import check_positive_int

__all__ = ["TimeAxis"]

_KINDS = ("datetime", "period", "range")



def fixed_length(freq, times) -> bool:
    """Whether steps of ``freq`` last a fixed time on ``times``: ticks (hours, minutes...), but not days of
    time-zone-aware data, which pandas 2 treats as 24 h ticks while a day across a daylight-saving change lasts
    23 or 25 h (pandas 3's days are calendar days already)."""
    if not isinstance(freq, Tick):
        return False
    return not (isinstance(freq, pd.offsets.Day) and getattr(times, "tz", None) is not None)

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
        if fixed_length(self.freq, ends):
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
