"""RNNForecaster's covariates: regressors X, calendar features and series positions, as arrays the network reads.

``fit_covariates`` standardizes the regressors given to ``fit`` and adds calendar features at
every position of the (differenced) series; ``predict_covariates`` assembles those of every
history and of the ``horizon`` steps after it for ``predict``; ``series_positions`` maps the
series to forecast onto the fitted ones (for a series embedding).
"""

from __future__ import annotations

import numpy as np

from ...data.covariates import align_exog, calendar_features, calendar_names
from .params import check_covariate_strategy

__all__ = ["fit_covariates", "predict_covariates", "series_positions"]


def fit_covariates(fc, panel, X, dptr):
    """(N', K) covariates at every position of the model-space series (CSR ``dptr``), or None.

    Sets ``exog_names_``, ``exog_stats_``, ``exog_history_`` (the raw regressors of the
    fitted history, kept for ``predict``) and ``calendar_names_``.
    """
    fc.exog_names_ = fc.exog_stats_ = fc.exog_history_ = None
    fc.calendar_names_ = []
    uses = [what for what, on in (("regressors X", X is not None), ("calendar_features", fc.calendar_features),
                                  ("series_embedding", fc.series_embedding)) if on]  # fmt: skip
    if uses:
        check_covariate_strategy(fc, " and ".join(uses))
    cols = []
    if X is not None:
        history, fc.exog_names_ = align_exog(panel, X)
        val = int(fc.val_size or 0)
        ptr = panel.indptr
        rows = np.concatenate([np.arange(ptr[i], ptr[i + 1] - val) for i in range(panel.n_series)])
        train = history[rows] if rows.size else history
        std = train.std(axis=0)
        fc.exog_stats_ = np.stack([train.mean(axis=0), np.where(std > 0, std, 1.0)])
        fc.exog_history_ = history
        cols.append((history - fc.exog_stats_[0]) / fc.exog_stats_[1])
    if fc.calendar_features:
        axis = panel.axis
        fc.calendar_names_ = calendar_names(axis.kind, axis.freq)
        if not fc.calendar_names_:
            raise ValueError(
                f"calendar_features=True needs timestamps with a sub-yearly frequency (hourly, daily, weekly, "
                f"monthly, ...); this data has a {axis.kind!r} axis with frequency {axis.freq!r}, which has no "
                "hour, day-of-week or month cycle"
            )
        cols.append(np.concatenate([calendar_features(axis.history(i), axis.kind, axis.freq)
                                    for i in range(panel.n_series)]))  # fmt: skip
    if not cols:
        return None
    covariates = np.concatenate(cols, axis=1)
    # Differencing drops the first values of every series: keep the rows of those that remain.
    ends, kept = panel.indptr[1:], np.diff(dptr)
    return covariates[np.concatenate([np.arange(e - k, e) for e, k in zip(ends, kept)])]


def predict_covariates(fc, panel, positions, X, lengths):
    """Covariates of every series to forecast: a list of (lengths[i] + horizon, K) arrays, or None.

    Regressors of the history come from ``fit`` for fitted series (``positions``), from
    ``X`` for new history; those of the ``horizon`` steps after every series' end from ``X``.
    """
    uses_x = bool(fc.exog_names_)
    if X is not None and not uses_x:
        raise ValueError("X was given to predict, but the model was fitted without regressors; refit with "
                         "fit(y, X=...) to use them, or predict without X")  # fmt: skip
    if uses_x and X is None:
        raise ValueError(f"the model was fitted with regressors {fc.exog_names_}: predict needs X with their "
                         f"values at the {fc.horizon} timestamps after the end of every series")  # fmt: skip
    if not uses_x and not fc.calendar_names_:
        return None
    S, hz, axis = panel.n_series, fc.horizon, panel.axis
    parts = [[] for _ in range(S)]
    if uses_x:
        try:
            future, _ = align_exog(panel, X, h=hz, names=fc.exog_names_)
            if positions is None:
                history, _ = align_exog(panel, X, names=fc.exog_names_)
        except ValueError as exc:
            raise ValueError(f"{exc}. predict needs X at the {hz} timestamps after every series' end (the model's "
                             f"horizon, whatever h){'' if positions is not None else ', and over the history of y'}"
                             ) from None  # fmt: skip
        mean, std = fc.exog_stats_
        fitted_ptr = fc.panel_.indptr
        for row in range(S):
            if positions is None:
                past = history[panel.indptr[row] : panel.indptr[row + 1]]
            else:
                p = int(positions[row])
                past = fc.exog_history_[fitted_ptr[p] : fitted_ptr[p + 1]]
                if len(past) != panel.lengths[row]:
                    raise RuntimeError(f"stored regressors of series {panel.ids[row]!r} ({len(past)} rows) do not "
                                       f"match its history ({int(panel.lengths[row])} values)")  # fmt: skip
            parts[row].append((np.concatenate([past, future[row]]) - mean) / std)
    if fc.calendar_names_:
        for row in range(S):
            stamps = axis.history(row).append(axis.future(row, hz))
            parts[row].append(calendar_features(stamps, axis.kind, axis.freq))
    return [np.concatenate(p, axis=1)[-(int(n) + hz) :] for p, n in zip(parts, lengths)]


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

