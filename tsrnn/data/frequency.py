"""Frequency of a time index: its kind, inferring its frequency, and checking the grid.

:func:`_index_freq` (a Series' or wide frame's index) and :func:`_long_freq` (the time column
of a long frame, split into series by ``indptr``) return the kind of the timestamps
(``"datetime"``, ``"period"`` or ``"range"``) and their one frequency, or raise a ValueError
that names the first timestamp off the grid: a gap (with the first missing timestamp), an
irregular step, or series of a long frame with different frequencies.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .csr import _within_steps
from .time_axis import _freq_text, fixed_length


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
    return None if freq is None else _canonical(to_offset(freq))


def _canonical(offset):
    """Quarter offsets with pandas' default anchor month: ``QS-OCT`` and ``QS-JAN`` mark the same dates, and
    pandas 2 infers the first where pandas 3 infers the second (the same for QE, BQS, BQE)."""
    month = getattr(offset, "startingMonth", None)
    if month is None or not offset.rule_code.startswith(("Q", "BQ")):
        return offset
    # Starts anchor in January to March (QS-JAN, pandas' default), ends in October to December (QE-DEC).
    first = 10 if offset.rule_code.startswith(("QE", "BQE")) else 1
    canonical = (month - 1) % 3 + first
    if canonical == month:
        return offset
    return type(offset)(n=offset.n, normalize=offset.normalize, startingMonth=canonical)


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
    if fixed_length(freq, times):
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
