"""Seasonal adjustment per series: M4's seasonality test and classical decomposition, additive in model space.

RNNForecaster's ``baseline="naive2"`` removes each series' seasonal figure before the
network sees it and adds it back to the forecasts, as M4's Naive2 and Theta benchmarks do
(and ES-RNN with its learned seasonality): the network then forecasts a seasonally adjusted
series from a naive baseline, instead of learning a noisy seasonal pattern from a few
seasons of a short series. On the log scale (positive data) the additive figure is
multiplicative on the data.

The figure is a function of the history it is computed from: ``fit`` adjusts every training
series with its own figure, ``predict`` recomputes it from the history it is given, so new
series are adjusted the same way.
"""

from __future__ import annotations

import numpy as np

__all__ = ["seasonal_figure", "seasonal_adjust", "reseasonalize"]

#: One-sided 90% normal quantile of M4's seasonality test.
_TCRIT = 1.645


def is_seasonal(x, m) -> bool:
    """M4's 90% autocorrelation test at lag ``m`` of ``x`` (T,): needs ``T >= 3m``, ``m > 1``, a non-constant x."""
    n = x.size
    if m <= 1 or n < 3 * m:
        return False
    dev = x - x.mean()
    denom = float(dev @ dev)
    if not denom > 0:
        return False
    acf = np.array([dev[: n - k] @ dev[k:] for k in range(1, m + 1)]) / denom
    limit = _TCRIT * np.sqrt((1.0 + 2.0 * np.sum(acf[: m - 1] ** 2)) / n)
    return bool(abs(acf[m - 1]) > limit)


def seasonal_figure(x, m) -> np.ndarray:
    """Additive seasonal figure (m,) of ``x`` (T,) by classical decomposition; zeros when M4's test finds no season.

    The trend is the centred moving average of order m (2 x m for even m); the departures
    from it are averaged per position ``t % m`` (counted from ``x[0]``) and centred to sum 0.
    """
    x = np.asarray(x, dtype=np.float64)
    if not is_seasonal(x, m):
        return np.zeros(max(int(m), 1))
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = weights.size // 2
    trend = np.convolve(x, weights, mode="valid")
    steps = np.arange(half, x.size - half)
    detrended = x[half : x.size - half] - trend
    figure = np.bincount(steps % m, weights=detrended, minlength=m)
    figure /= np.bincount(steps % m, minlength=m)
    figure -= figure.mean()
    return figure


def seasonal_adjust(values, indptr, m):
    """Every series less its seasonal figure.

    Parameters
    ----------
    values : (N,) float array
        Every series concatenated (model space: log, if the model takes logs).
    indptr : (n_series + 1,) int array
    m : int
        Season length.

    Returns
    -------
    adjusted : (N,) float64 array
    figures : (n_series, m) float64 array
        The figure of every series (zeros for those not seasonal), position 0 at its first value.
    lengths : (n_series,) int array
        Values of every series: the forecast after the last is at position ``lengths[i]``.
    """
    values = np.asarray(values, dtype=np.float64)
    indptr = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(indptr)
    m = max(int(m), 1)
    figures = np.zeros((lengths.size, m))
    adjusted = values.copy()
    for i in range(lengths.size):
        a, b = indptr[i], indptr[i + 1]
        figures[i] = seasonal_figure(values[a:b], m) if m > 1 else 0.0
        adjusted[a:b] -= figures[i][np.arange(b - a) % m]
    return adjusted, figures, lengths


def reseasonalize(forecasts, figures, lengths) -> np.ndarray:
    """Forecasts (n, h) or (n, h, Q) made after ``lengths`` values, plus each step's seasonal figure."""
    forecasts = np.asarray(forecasts, dtype=np.float64)
    m = figures.shape[1]
    h = forecasts.shape[1]
    steps = (np.asarray(lengths)[:, None] + np.arange(h)[None, :]) % m
    season = np.take_along_axis(figures, steps, axis=1)
    return forecasts + (season[:, :, None] if forecasts.ndim == 3 else season)
