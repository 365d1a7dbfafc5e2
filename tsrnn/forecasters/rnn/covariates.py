"""RNNForecaster's covariates: regressors X, calendar features and series positions, as arrays the network reads.

``fit_covariates`` standardizes the regressors given to ``fit`` and adds calendar features at
every position of the (differenced) series; ``predict_covariates`` assembles those of every
history and of the ``horizon`` steps after it for ``predict``; ``series_positions`` maps the
series to forecast onto the fitted ones (for a series embedding).
"""

from __future__ import annotations

import numpy as np

from ...data.covariates import (
    align_exog,
    calendar_features,
    calendar_names,
    exog_columns,
    lag_rows,
)
from .params import check_covariate_strategy

__all__ = ["fit_covariates", "predict_covariates", "series_positions"]


def _past_names(fc, X):
    """The past-only columns of X (``past_covariates``), checked against X's columns."""
    past = list(fc.past_covariates or [])
    if past and X is None:
        raise ValueError(f"past_covariates={past} names columns of X, but fit was given no X; pass fit(y, X=...) "
                         "with those columns over y's history")  # fmt: skip
    return past


def fit_covariates(fc, panel, X, dptr):
    """(N', K) covariates at every position of the model-space series (CSR ``dptr``), or None.

    Columns: the known-ahead regressors, the calendar features, then the past-only
    regressors (``past_covariates``) moved ``fc._out_size`` steps later, so that the block of
    the forecast steps an input step reads holds their values up to that step only.
    Sets ``exog_names_`` (known-ahead first, then past-only), ``past_names_``,
    ``exog_stats_``, ``exog_history_`` (the raw regressors of the fitted history, kept for
    ``predict``) and ``calendar_names_``.
    """
    fc.exog_names_ = fc.exog_stats_ = fc.exog_history_ = None
    fc.calendar_names_, fc.past_names_ = [], []
    past = _past_names(fc, X)
    uses = [what for what, on in (("regressors X", X is not None), ("calendar_features", fc.calendar_features),
                                  ("series_embedding", fc.series_embedding)) if on]  # fmt: skip
    if uses:
        check_covariate_strategy(fc, " and ".join(uses))
    cols, lagged = [], None
    if X is not None:
        history, found = align_exog(panel, X)
        unknown = [c for c in past if c not in found]
        if unknown:
            raise ValueError(f"past_covariates names {unknown}, which X does not have; X's regressor columns are "
                             f"{found}")  # fmt: skip
        names = [c for c in found if c not in past] + past
        history = history[:, [found.index(c) for c in names]]
        fc.exog_names_, fc.past_names_ = names, past
        val = int(fc.val_size or 0)
        ptr = panel.indptr
        rows = np.concatenate([np.arange(ptr[i], ptr[i + 1] - val) for i in range(panel.n_series)])
        train = history[rows] if rows.size else history
        std = train.std(axis=0)
        fc.exog_stats_ = np.stack([train.mean(axis=0), np.where(std > 0, std, 1.0)])
        fc.exog_history_ = history
        scaled = (history - fc.exog_stats_[0]) / fc.exog_stats_[1]
        n_future = len(names) - len(past)
        cols.append(scaled[:, :n_future])
        lagged = lag_rows(scaled[:, n_future:], ptr, fc._out_size) if past else None
    if fc.calendar_features:
        cols.append(_fit_calendar(fc, panel))
    if lagged is not None:
        cols.append(lagged)
    if not cols:
        return None
    covariates = np.concatenate(cols, axis=1)
    # Differencing drops the first values of every series: keep the rows of those that remain.
    ends, kept = panel.indptr[1:], np.diff(dptr)
    return covariates[np.concatenate([np.arange(e - k, e) for e, k in zip(ends, kept)])]


def _fit_calendar(fc, panel):
    axis = panel.axis
    fc.calendar_names_ = calendar_names(axis.kind, axis.freq)
    if not fc.calendar_names_:
        raise ValueError(
            f"calendar_features=True needs timestamps with a sub-yearly frequency (hourly, daily, weekly, "
            f"monthly, ...); this data has a {axis.kind!r} axis with frequency {axis.freq!r}, which has no "
            "hour, day-of-week or month cycle"
        )
    return np.concatenate([calendar_features(axis.history(i), axis.kind, axis.freq) for i in range(panel.n_series)])


def _check_x_given(fc, X, positions, future, past):
    """Errors for an X that predict needs but did not get, or got without a use for it."""
    if X is not None and not fc.exog_names_:
        raise ValueError("X was given to predict, but the model was fitted without regressors; refit with "
                         "fit(y, X=...) to use them, or predict without X")  # fmt: skip
    if X is not None or not fc.exog_names_:
        return
    if future:
        raise ValueError(f"the model was fitted with regressors {fc.exog_names_}: predict needs X with the values "
                         f"of {future} at the {fc.horizon} timestamps after the end of every series"
                         f"{f' (the past-only {past} are read from the history)' if past else ''}")  # fmt: skip
    if positions is None:
        raise ValueError(f"the model's regressors {past} are past-only: predict(y=...) needs X with their values over "
                         "y's history (no future rows are read)")  # fmt: skip


def _regressor_rows(fc, panel, positions, X, steps, future):
    """Raw regressors of every history ((n_i, K) arrays) and of the ``steps`` after it ((S, steps, Kf), or None)."""
    names = fc.exog_names_
    try:
        ahead = align_exog(panel, X, h=steps, names=names, use=future)[0] if future else None
        if positions is None:
            history, _ = align_exog(panel, X, names=names)
        elif X is not None and not future:
            extra = [c for c in exog_columns(panel, X) if c not in names]  # an X that is not read is still checked
            if extra:
                raise ValueError(f"X has regressor columns {extra} the model was not fitted with ({names})")
    except ValueError as exc:
        why = "the model's horizon, whatever h" if fc.strategy == "direct" else "h"
        what = f"at the {steps} timestamps after every series' end ({why})" if future else ""
        over = "over the history of y" if positions is None else ""
        raise ValueError(f"{exc}. predict needs X {' and '.join(w for w in (what, over) if w)}"
                         f"{f'; past-only {fc.past_names_} need no future rows' if fc.past_names_ else ''}") from None
    pasts = []
    fitted_ptr = fc.panel_.indptr
    for row in range(panel.n_series):
        if positions is None:
            past = history[panel.indptr[row] : panel.indptr[row + 1]]
        else:
            p = int(positions[row])
            past = fc.exog_history_[fitted_ptr[p] : fitted_ptr[p + 1]]
            if len(past) != panel.lengths[row]:
                raise RuntimeError(f"stored regressors of series {panel.ids[row]!r} ({len(past)} rows) do not "
                                   f"match its history ({int(panel.lengths[row])} values)")  # fmt: skip
        pasts.append(past)
    return pasts, ahead


def predict_covariates(fc, panel, positions, X, lengths, steps=None):
    """Covariates of every series to forecast: a list of (lengths[i] + steps, K) arrays, or None.

    Regressors of the history come from ``fit`` for fitted series (``positions``), from
    ``X`` for new history; the known-ahead ones of the ``steps`` after every series' end
    (default: the horizon) from ``X``. Past-only regressors are read over the history only.
    """
    steps = int(fc.horizon if steps is None else steps)
    past = list(getattr(fc, "past_names_", None) or [])
    future = [c for c in (fc.exog_names_ or []) if c not in past]
    _check_x_given(fc, X, positions, future, past)
    if not fc.exog_names_ and not fc.calendar_names_:
        return None
    S, axis, block = panel.n_series, panel.axis, fc._out_size
    parts = [[] for _ in range(S)]
    if fc.exog_names_:
        histories, ahead = _regressor_rows(fc, panel, positions, X, steps, future)
        mean, std = fc.exog_stats_
        Kf = len(future)
        for row, hist in enumerate(histories):
            scaled = (hist - mean) / std
            if Kf:
                parts[row].append(np.concatenate([scaled[:, :Kf], (ahead[row] - mean[:Kf]) / std[:Kf]]))
            if past:
                # Row q holds the past-only values of q - block: up to the history's last value for q < n + block.
                at = np.maximum(np.arange(len(hist) + steps) - block, 0)
                parts[row].append(scaled[at, Kf:])
    for row in range(S):
        if fc.calendar_names_:
            stamps = axis.history(row).append(axis.future(row, steps))
            parts[row].insert(1 if future else 0, calendar_features(stamps, axis.kind, axis.freq))
    return [np.concatenate(p, axis=1)[-(int(n) + steps) :] for p, n in zip(parts, lengths)]


def series_positions(fc, panel, positions):
    """Positions of the panel's series among the fitted ones (for ``series_embedding``)."""
    if positions is not None:
        return np.asarray(positions, dtype=np.int64)
    lookup = {k: i for i, k in enumerate(fc.panel_.ids)}
    unknown = [k for k in panel.ids if k not in lookup]
    if unknown:
        raise ValueError(f"series_embedding: the series {unknown[:10]} were not seen in fit, so they have no "
                         "learned vector; forecast only fitted series or refit")  # fmt: skip
    return np.array([lookup[k] for k in panel.ids], dtype=np.int64)

