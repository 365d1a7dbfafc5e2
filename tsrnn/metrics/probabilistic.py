"""Probabilistic metrics: CRPS from sample paths or quantiles, and the scaled scores of M4's and M5's uncertainty tracks.

Shapes as in :mod:`tsrnn.metrics`: ``h`` steps per series, ``S`` series, ``N`` samples per
step, ``Q`` quantiles. Every score is computed per series (its mean over the ``h`` steps),
then averaged over series, as M4 averages; lower is better.

- :func:`crps`: the continuous ranked probability score of an empirical distribution (the
  samples), exact for it: ``mean_i |x_i - y| - 1/2 mean_ij |x_i - x_j|``.
- :func:`quantile_crps`: CRPS read from quantile forecasts, ``2 * mean_q pinball_q``; on an
  even grid of quantiles it converges to the CRPS (the form GluonTS and utilsforecast report).
- :func:`scaled_crps`, :func:`scaled_quantile_crps`, :func:`scaled_pinball`: each series' score divided by its in-sample
  seasonal-naive mean absolute error, as MASE scales point errors. :func:`scaled_pinball`
  with ``season_length=1`` is M5's SPL (M5 weighted series by sales; pass ``weights``).
- :func:`acd`: M4's absolute coverage difference, ``|coverage - level|``, beside MSIS
  (:func:`tsrnn.metrics.msis`).
"""

from __future__ import annotations

import numpy as np

from ._checks import _finite, _scales, _train_list
from .intervals import _interval, coverage

__all__ = ["acd", "crps", "quantile_crps", "scaled_crps", "scaled_pinball", "scaled_quantile_crps"]

#: The nine quantiles M5's uncertainty track scored (median, and the 50/67/95/99% intervals).
M5_QUANTILES = (0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995)


def _samples(y, samples) -> tuple[np.ndarray, np.ndarray]:
    """Actuals as (S, h) and samples as (S, h, N), after checking they match."""
    a = _finite(y, "y")
    x = _finite(samples, "samples")
    if a.ndim not in (1, 2):
        raise ValueError(f"y has shape {a.shape}; expected (h,) for one series or (S, h) for S series")
    if x.ndim != a.ndim + 1 or x.shape[:-1] != a.shape:
        raise ValueError(f"samples has shape {x.shape}; expected y's shape {a.shape} plus one axis of N samples, "
                         f"e.g. {a.shape + (100,)}")  # fmt: skip
    return np.atleast_2d(a), x.reshape((-1,) + x.shape[-2:]) if a.ndim == 1 else x


def _crps_per_step(a, x) -> np.ndarray:
    """(S, h) CRPS of each step's empirical distribution; sorted samples give the pair term in O(N log N)."""
    n = x.shape[-1]
    xs = np.sort(x, axis=-1)
    spread = np.abs(xs - a[..., None]).mean(axis=-1)
    # mean_ij |x_i - x_j| = 2 / N^2 * sum_i (2i - N - 1) x_(i), i = 1..N over the sorted samples
    weights = (2.0 * np.arange(1, n + 1) - n - 1.0) / (n * n)
    pair = 2.0 * (xs @ weights)
    return spread - 0.5 * pair


def _quantile_loss(a, f, q) -> np.ndarray:
    """(S, h) mean pinball loss over the Q quantiles."""
    diff = a[..., None] - f
    return np.maximum(q * diff, (q - 1.0) * diff).mean(axis=-1)


def _quantiles(a, q_pred, quantiles) -> tuple[np.ndarray, np.ndarray]:
    f = _finite(q_pred, "q_pred")
    q = _finite(quantiles, "quantiles")
    if q.ndim != 1:
        raise ValueError(f"quantiles has shape {q.shape}; expected (Q,)")
    if np.any((q <= 0) | (q >= 1)):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {q.tolist()}")
    if f.shape != a.shape + q.shape:
        raise ValueError(f"q_pred has shape {f.shape}; expected y's shape {a.shape} plus one axis of Q={q.size} "
                         f"quantiles: {a.shape + q.shape}")  # fmt: skip
    return f, q


def _series_mean(per_step, weights, name) -> float:
    per_series = per_step.mean(axis=1)
    if weights is None:
        return float(per_series.mean())
    w = _finite(weights, "weights")
    if w.shape != per_series.shape or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"{name}: weights has shape {w.shape}; expected {per_series.shape}, one non-negative weight "
                         "per series, not all zero")  # fmt: skip
    return float(per_series @ w / w.sum())


def crps(y, samples) -> float:
    """Continuous ranked probability score of sample paths (exact for the empirical distribution).

    Parameters
    ----------
    y : array_like, shape (h,) or (S, h)
        Actuals.
    samples : array_like, shape (h, N) or (S, h, N)
        N draws of every step (sample paths or marginal samples; CRPS scores each step's
        marginal either way).

    Returns
    -------
    float
        ``mean_i |x_i - y| - 1/2 mean_ij |x_i - x_j|`` per step, averaged over steps, then over
        series. In the data's units; with one sample it is the absolute error.

    Examples
    --------
    >>> crps([0.0], [[-1.0, 1.0]])
    0.5
    >>> crps([2.0, 4.0], [[2.0], [1.0]])
    1.5
    """
    a, x = _samples(y, samples)
    return float(_crps_per_step(a, x).mean(axis=1).mean())


def quantile_crps(y, q_pred, quantiles) -> float:
    """CRPS read from quantile forecasts: twice the mean pinball loss over the quantiles.

    Parameters
    ----------
    y : array_like, shape (h,) or (S, h)
    q_pred : array_like, shape (h, Q) or (S, h, Q)
        ``q_pred[..., j]`` forecasts quantile ``quantiles[j]``.
    quantiles : array_like, shape (Q,)

    Returns
    -------
    float
        ``2 * mean_j pinball_j``: the CRPS's quantile form (``2 * integral of pinball_q dq``) on
        the given grid; on 0.05, 0.1, ..., 0.95 it is within a few percent of :func:`crps`.

    Examples
    --------
    >>> round(quantile_crps([10.0, 10.0], [[8.0, 12.0], [11.0, 13.0]], [0.1, 0.9]), 6)
    0.8
    """
    a = _finite(y, "y")
    if a.ndim not in (1, 2):
        raise ValueError(f"y has shape {a.shape}; expected (h,) for one series or (S, h) for S series")
    f, q = _quantiles(a, q_pred, quantiles)
    return float(2.0 * _quantile_loss(np.atleast_2d(a), f.reshape((-1,) + f.shape[-2:]), q).mean(axis=1).mean())


def scaled_crps(y, samples, *, y_train, season_length, weights=None) -> float:
    """CRPS of sample paths over each series' in-sample seasonal-naive MAE (MASE's scale).

    Parameters
    ----------
    y, samples
        As :func:`crps`.
    y_train : array_like (for 1-D ``y``) or list of S arrays
        In-sample history of every series.
    season_length : int
        Lag m of the scale ``mean |x_t - x_{t-m}|``.
    weights : array_like, shape (S,), optional
        Series weights of the final average (equal by default).

    Examples
    --------
    >>> scaled_crps([0.0], [[-1.0, 1.0]], y_train=[0.0, 2.0, 0.0], season_length=1)
    0.25
    """
    a, x = _samples(y, samples)
    one_d = np.ndim(y) == 1
    series = _train_list(y_train, a.shape[0], one_d, season_length, "scaled_crps")
    scale = _scales(series, int(season_length), 1, "scaled_crps", one_d)
    return _series_mean(_crps_per_step(a, x) / scale[:, None], weights, "scaled_crps")


def scaled_pinball(y, q_pred, quantiles=M5_QUANTILES, *, y_train, season_length=1, weights=None) -> float:
    """Scaled pinball loss (M5's SPL): mean pinball over quantiles and steps, over the in-sample naive MAE.

    Parameters
    ----------
    y : array_like, shape (h,) or (S, h)
    q_pred : array_like, shape (h, Q) or (S, h, Q)
    quantiles : array_like, shape (Q,), default :data:`M5_QUANTILES`
    y_train : array_like or list of S arrays
        In-sample history of every series (M5 started it at the first non-zero sale; pass it cut
        so for that rule).
    season_length : int, default 1
        Lag of the scale (M5: 1).
    weights : array_like, shape (S,), optional
        Series weights (M5's WSPL weighted by dollar sales); equal by default.

    Examples
    --------
    >>> round(scaled_pinball([10.0, 10.0], [[8.0, 12.0], [11.0, 13.0]], [0.1, 0.9], y_train=[1.0, 3.0, 5.0]), 6)
    0.2
    """
    return _scaled_quantile_loss(y, q_pred, quantiles, y_train, season_length, weights, "scaled_pinball")


def scaled_quantile_crps(y, q_pred, quantiles, *, y_train, season_length, weights=None) -> float:
    """:func:`quantile_crps` over each series' in-sample seasonal-naive MAE: :func:`scaled_crps` read from quantiles.

    Twice :func:`scaled_pinball` with the same ``season_length``.

    Examples
    --------
    >>> round(scaled_quantile_crps([10.0, 10.0], [[8.0, 12.0], [11.0, 13.0]], [0.1, 0.9], y_train=[1.0, 3.0, 5.0],
    ...                            season_length=1), 6)
    0.4
    """
    return 2.0 * _scaled_quantile_loss(y, q_pred, quantiles, y_train, season_length, weights, "scaled_crps")


def _scaled_quantile_loss(y, q_pred, quantiles, y_train, season_length, weights, metric) -> float:
    """Mean pinball over quantiles and steps per series, over its lag-``season_length`` in-sample MAE; then the mean."""
    a = _finite(y, "y")
    if a.ndim not in (1, 2):
        raise ValueError(f"y has shape {a.shape}; expected (h,) for one series or (S, h) for S series")
    f, q = _quantiles(a, q_pred, quantiles)
    one_d = a.ndim == 1
    a2 = np.atleast_2d(a)
    series = _train_list(y_train, a2.shape[0], one_d, season_length, metric)
    scale = _scales(series, int(season_length), 1, metric, one_d)
    per_step = _quantile_loss(a2, f.reshape((-1,) + f.shape[-2:]), q)
    return _series_mean(per_step / scale[:, None], weights, metric)


def acd(y, lo, hi, level) -> float:
    """Absolute coverage difference (M4): ``|coverage - level / 100|``.

    Parameters
    ----------
    y, lo, hi : array_like, shape (h,) or (S, h)
    level : float
        The intervals' nominal level in percent.

    Examples
    --------
    >>> round(acd([1.0, 5.0, 3.0, 2.0], [0.0, 0.0, 0.0, 2.0], [2.0, 2.0, 4.0, 3.0], 95), 3)
    0.2
    """
    if not 0 < float(level) < 100:
        raise ValueError(f"level must be in (0, 100) percent, got {level!r}")
    _interval(lo, hi)
    return abs(coverage(y, lo, hi) - float(level) / 100.0)
