"""A distribution head's forecasts in the data's units: quantiles, prediction intervals and sample paths.

Direct strategy: quantiles and intervals come from every step's exact quantile function
(:meth:`tsrnn.nn.Distribution.quantile`), the median per quantile across the ensemble's members
(as the quantile head's). Recursive strategy: a step's distribution depends on the values fed
back before it, so only the one-step distribution is exact; quantiles and intervals are read
from :data:`INTERVAL_SAMPLES` sample paths seeded by the forecaster's ``random_state``, and the
point forecast is the path of medians (each step's median fed back).
"""

from __future__ import annotations

import numpy as np

from .distribution_head import check_counts
from .prediction import predict_members, quantile_columns
from .sampling import Draw

__all__ = ["INTERVAL_SAMPLES", "distribution_intervals", "distribution_quantiles", "predict_samples", "quantile_frame"]

#: Sample paths a recursive distribution head reads its quantiles and intervals from.
INTERVAL_SAMPLES = 1000


def predict_samples(fc, panel, h, positions, X, num_samples, random_state, static=None):
    """(n, h, S) sample paths of every series in the data's units.

    Direct strategy: every step sampled from its own distribution (marginal samples, not joint
    across steps). Recursive: each step's sample fed back (joint paths). Bit-identical for a
    ``random_state``, whatever the thread count. Members of an ensemble contribute paths in turn
    (path j from member j mod M): a mixture of their distributions.
    """
    if fc.distribution_ is None:
        raise ValueError("num_samples needs a distribution head: fit RNNForecaster(distribution='student_t') "
                         "(or 'normal', 'negative_binomial') to draw sample paths")  # fmt: skip
    check_counts(fc, panel)
    draw = Draw.samples(num_samples, random_state, len(fc.models_))
    return predict_members(fc, panel, h, positions, X, static, draw=draw)


def distribution_quantiles(fc, panel, h, positions, X, q, static=None):
    """(n, h, Q) sorted quantiles ``q`` of every series' forecast distribution, in the data's units."""
    q = tuple(float(v) for v in np.atleast_1d(q if q is not None else (0.1, 0.5, 0.9)))
    if not q or not all(0 < v < 1 for v in q):
        raise ValueError(f"quantiles {list(q)} must each lie strictly between 0 and 1")
    check_counts(fc, panel)
    if fc.strategy == "direct":
        return predict_members(fc, panel, h, positions, X, static, draw=Draw.quantiles(q))
    paths = predict_samples(fc, panel, h, positions, X, INTERVAL_SAMPLES, fc.random_state, static)
    return np.sort(np.moveaxis(np.quantile(paths, q, axis=-1), 0, -1), axis=-1)


def distribution_intervals(fc, panel, h, positions, levels, X, static=None):
    """``(point, lo, hi)``: the median and, per percent level, the central interval's bounds (n, h, L)."""
    q = sorted({0.5, *((100.0 - v) / 200.0 for v in levels), *((100.0 + v) / 200.0 for v in levels)})
    quantiles = distribution_quantiles(fc, panel, h, positions, X, q, static)
    columns = quantile_columns(tuple(q), levels)
    lo = np.stack([quantiles[:, :, i] for i, _ in columns], axis=2)
    hi = np.stack([quantiles[:, :, j] for _, j in columns], axis=2)
    if fc.strategy == "direct":
        return quantiles[:, :, q.index(0.5)], lo, hi
    return fc._predict(panel, h, positions, X, static), lo, hi


def quantile_frame(fc, q, h=None, y=None, ids=None, X=None, static=None):
    """:meth:`RNNForecaster.predict_quantiles`: quantiles ``q`` as columns ``<name>-q-<q>`` in the input's layout."""
    from ...data.panel import from_forecasts
    from ..base import check_finite

    fc.check_is_fitted()
    levels = sorted({float(v) for v in np.atleast_1d(np.asarray(q, dtype=object))}) if q is not None else []
    if not levels or not all(0 < v < 1 for v in levels):
        raise ValueError(f"q={q!r} must be a quantile level or a list of them, each strictly between 0 and 1")
    h = fc._request_h(h)
    panel, positions = fc._request_panel(y, ids)
    values = fc._predict_quantiles(panel, h, positions, X, static, q=levels)
    if fc.distribution_ is None:
        values = values[:, :, _fitted_columns(fc.quantiles_, levels)]
    check_finite(fc, values, panel)
    return from_forecasts(panel, values, h, [f"{fc.name_}-q-{v:g}" for v in levels])


def _fitted_columns(quantiles_, levels):
    """Positions of ``levels`` among a quantile head's fitted quantiles (ValueError naming those it has)."""
    found = [np.flatnonzero(np.isclose(quantiles_, v, rtol=0, atol=1e-9)) for v in levels]
    missing = [v for v, f in zip(levels, found) if not f.size]
    if missing:
        raise ValueError(f"the quantile head was fitted with quantiles={list(quantiles_)}, not {missing}; refit with "
                         "them, or fit a distribution head (distribution='student_t'), which gives any quantile")  # fmt: skip
    return [int(f[0]) for f in found]
