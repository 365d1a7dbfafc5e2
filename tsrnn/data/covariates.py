"""Covariates aligned with a panel: exogenous regressors X and calendar features.

``X`` comes in the layout of ``y``: for a Series ``y``, a Series or DataFrame indexed by the
same timestamps (one column per regressor); for a long ``y``, a long DataFrame with the id
and time columns and one column per regressor. Rows are matched by (series, timestamp), so
X may hold more rows than needed (for example the future rows), never fewer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .panel import Panel

__all__ = ["calendar_features", "calendar_names", "align_exog", "exog_columns", "lag_rows"]


_APPROX_DAYS = {"W": 7, "SM": 15, "M": 30, "Q": 91, "Y": 365, "A": 365, "B": 1, "C": 1}


def _step_days(axis_kind, freq):
    """Approximate sampling step in days (None when unknown)."""
    if axis_kind == "period":
        freq = pd.tseries.frequencies.to_offset(freq.freqstr if hasattr(freq, "freqstr") else str(freq))
    try:
        return pd.Timedelta(freq) / pd.Timedelta(days=1)
    except (ValueError, TypeError):
        code = (getattr(freq, "rule_code", "") or "").upper()
        for prefix in ("SM", "W", "M", "Q", "Y", "A", "B", "C"):
            if code.startswith(prefix):
                return _APPROX_DAYS[prefix]
    return None


def _calendar_parts(axis_kind, freq):
    """Calendar cycles longer than the sampling step: subset of hour, dayofweek, month."""
    if axis_kind == "range":
        return []
    days = _step_days(axis_kind, freq)
    if days is None:
        return []
    parts = []
    if days < 1:
        parts.append("hour")
    if days < 7:
        parts.append("dayofweek")
    if days < 365:
        parts.append("month")
    return parts


_PERIODS = {"hour": 24.0, "dayofweek": 7.0, "month": 12.0}


def calendar_names(axis_kind, freq) -> list:
    """Names of the calendar features :func:`calendar_features` makes for this axis."""
    return [f"{p}_{f}" for p in _calendar_parts(axis_kind, freq) for f in ("sin", "cos")]


def calendar_features(index: pd.Index, axis_kind, freq) -> np.ndarray:
    """Sine/cosine encodings of hour of day, day of week and month of year.

    Only cycles longer than the sampling step are included (hourly data: all three; daily:
    day of week and month; monthly and quarterly: month; yearly and integer axes: none).

    Parameters
    ----------
    index : pd.DatetimeIndex or pd.PeriodIndex, shape (n,)
    axis_kind : {"datetime", "period", "range"}
    freq : pandas offset

    Returns
    -------
    (n, F) float64 array, F = 2 * number of cycles
    """
    parts = _calendar_parts(axis_kind, freq)
    if not parts:
        return np.zeros((len(index), 0))
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    cols = []
    for p in parts:
        if p == "hour":
            v = index.hour + index.minute / 60.0
        elif p == "dayofweek":
            v = index.day_of_week
        else:
            v = index.month - 1
        angle = 2 * np.pi * np.asarray(v, dtype=np.float64) / _PERIODS[p]
        cols += [np.sin(angle), np.cos(angle)]
    return np.stack(cols, axis=1)


def _exog_frame(X, panel: Panel):
    """X as a DataFrame indexed by (series id, timestamp), plus its regressor names."""
    id_col, time_col, _ = panel.columns
    if panel.kind == "wide":
        raise ValueError("covariates X need y as a Series or a long DataFrame (unique_id, ds, y), not a wide frame")
    if panel.kind == "series":
        if isinstance(X, pd.Series):
            X = X.to_frame(X.name if X.name is not None else "x")
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a pandas Series or DataFrame indexed by time like y, got {type(X).__name__}")
        frame = X.copy()
        frame.index = pd.MultiIndex.from_arrays([[panel.ids[0]] * len(X), X.index])
    else:
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a long DataFrame with columns {id_col!r}, {time_col!r} and one per regressor, "
                             f"got {type(X).__name__}")  # fmt: skip
        missing = [c for c in (id_col, time_col) if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the column(s) {missing}; expected {id_col!r}, {time_col!r} and one per "
                             f"regressor, found {list(X.columns)}")  # fmt: skip
        frame = X.set_index([id_col, time_col])
    if frame.shape[1] == 0:
        raise ValueError("X has no regressor columns")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise ValueError(f"X column(s) {bad} are not numeric; regressors must be numbers")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()][0]
        raise ValueError(f"X has duplicate rows for series {dup[0]!r} at {dup[1]}")
    return frame.astype(np.float64), [str(c) for c in frame.columns]


def exog_columns(panel: Panel, X) -> list:
    """The regressor names of ``X`` (checked as :func:`align_exog` checks it: layout, numbers, no duplicates)."""
    return _exog_frame(X, panel)[1]


def align_exog(panel: Panel, X, h=None, names=None, use=None):
    """Regressors of every series at its history timestamps, or at its next ``h`` timestamps.

    Parameters
    ----------
    panel : Panel
    X : pandas object
        In the layout of ``y`` (see the module docstring).
    h : int, optional
        None: align with the history (returns (N, F), rows like ``panel.values``). An int:
        align with the ``h`` timestamps after every series' end (returns (S, h, F)).
    names : list of str, optional
        Expected regressor names (those seen in ``fit``); X must have no other columns.
    use : list of str, optional
        The columns to align, a subset of ``names`` that X must hold (default: all of
        ``names``); the others may be absent (past-only regressors over the future).

    Returns
    -------
    values : array
    names : list of str

    Raises
    ------
    ValueError
        Missing rows (naming the series and the first missing timestamp), missing or extra
        columns, non-numeric or non-finite values.
    """
    frame, found = _exog_frame(X, panel)
    if names is not None:
        use = list(names) if use is None else list(use)
        missing = [c for c in use if c not in found]
        extra = [c for c in found if c not in names]
        if missing or extra:
            raise ValueError(f"X has regressor columns {found}; the model was fitted with {list(names)} "
                             f"(missing {missing}, unexpected {extra})")  # fmt: skip
        frame, found = frame[use], use
    parts = []
    for i, uid in enumerate(panel.ids):
        stamps = panel.axis.history(i) if h is None else panel.axis.future(i, h)
        key = pd.MultiIndex.from_arrays([[uid] * len(stamps), stamps])
        rows = frame.reindex(key)
        holes = rows.isna().any(axis=1).to_numpy()
        if holes.any():
            first = stamps[int(np.argmax(holes))]
            what = "history" if h is None else f"next {h} steps"
            raise ValueError(f"X has no (or NaN) values for series {uid!r} at {first} ({int(holes.sum())} of the "
                             f"{len(stamps)} timestamps of its {what} are missing)")  # fmt: skip
        parts.append(rows.to_numpy(dtype=np.float64))
    values = np.concatenate(parts) if h is None else np.stack(parts)
    if not np.all(np.isfinite(values)):
        raise ValueError("X contains inf")
    return values, found


def lag_rows(values, indptr, lag):
    """Rows of every series moved ``lag`` positions later: row p holds row p - lag of its own series.

    The first ``lag`` rows of every series repeat its first row (nothing is known before it).

    Parameters
    ----------
    values : (N, F) array
        Rows of every series, CSR with ``indptr``.
    indptr : (S + 1,) int array
    lag : int

    Returns
    -------
    (N, F) array
    """
    out = np.empty_like(values)
    for i in range(indptr.size - 1):
        a, b = int(indptr[i]), int(indptr[i + 1])
        if b == a:
            continue
        src = np.maximum(np.arange(a, b) - lag, a)
        out[a:b] = values[src]
    return out
