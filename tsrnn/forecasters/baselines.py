"""Benchmark forecasters: naive, seasonal naive, drift, mean, window averages and M4's Naive2.

Each is a local model (one forecast rule per series) with no learned state beyond the
training panel itself: ``fit`` checks the parameters and that every series is long enough,
``predict(h)`` computes the forecasts from the last values of each series, vectorised over
the CSR arrays of the panel. ``h`` has no default: pass it to ``predict``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_positive_int
from ..data.seasonal_adjust import is_seasonal
from .base import BaseForecaster, register

__all__ = ["Drift", "Mean", "Naive", "Naive2", "SeasonalNaive", "SeasonalWindowAverage", "WindowAverage"]


def _tails(panel, k) -> np.ndarray:
    """The last ``k`` values of every series, shape (S, k) (every series has at least k)."""
    return panel.values[panel.indptr[1:, None] - k + np.arange(k)]


def _seasonal_repeat(last_season, h) -> np.ndarray:
    """(S, h) forecasts repeating each row of ``last_season`` (S, m), whose last column is the last step."""
    m = last_season.shape[1]
    return last_season[:, np.arange(h) % m]


class _Baseline(BaseForecaster):
    """Shared fit/validation of the baselines; subclasses define ``_min_length`` and ``_predict``."""

    _global = False

    @classmethod
    def _test_params(cls):
        return {}

    def _default_h(self):
        return None

    def _check_params(self) -> None:
        if self.alias is not None and not (isinstance(self.alias, str) and self.alias):
            raise ValueError(f"alias must be a non-empty string or None, got {self.alias!r}")

    def _min_length(self) -> int:
        """Fewest values a series needs for this method."""
        return 1

    def _fit(self, panel):
        self._check_params()
        need = self._min_length()
        lengths = panel.lengths
        short = np.flatnonzero(lengths < need)
        if short.size:
            shown = ", ".join(f"{panel.ids[i]!r} has {int(lengths[i])}" for i in short[:5])
            more = f" (and {short.size - 5} more)" if short.size > 5 else ""
            raise ValueError(f"{self!r} needs at least {need} values per series; series {shown}{more}")
        return self

    def _load_state(self, header, arrays):
        # A loaded file's parameters and history pass the checks fit makes (a season or window longer than the
        # stored series is refused here, not at predict).
        self._fit(self.panel_)


def _mean_of_large(x):
    """Row means of (n, T) ``x`` whose plain sum overflows: scaled by each row's largest magnitude first."""
    top = np.abs(x).max(axis=1, keepdims=True)
    top = np.where((top > 0) & np.isfinite(top), top, 1.0)
    return (x / top).mean(axis=1) * top[:, 0]


def _finite_mean(x):
    """Row means of (n, T) ``x``; rows near float64's limit (5e306 and up), whose sum overflows, are scaled first.

    Rows whose plain mean is finite keep it bit for bit.
    """
    with np.errstate(over="ignore"):
        means = x.mean(axis=1)
    bad = ~np.isfinite(means)
    if bad.any():
        means[bad] = _mean_of_large(x[bad])
    return means


@register
class Naive(_Baseline):
    """Naive forecast: every step repeats the last observed value.

    Parameters
    ----------
    alias : str, optional
        Column name of the forecasts (default "Naive").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import Naive
    >>> y = pd.Series([1.0, 3.0, 2.0, 5.0], index=pd.date_range("2024-01-01", periods=4, freq="D"))
    >>> Naive().fit(y).predict(2)
    2024-01-05    5.0
    2024-01-06    5.0
    Freq: D, Name: Naive, dtype: float64
    """

    _model_name = "Naive"

    def __init__(self, alias=None):
        self.alias = alias

    def _predict(self, panel, h, positions):
        return np.repeat(panel.values[panel.indptr[1:] - 1, None], h, axis=1)


@register
class SeasonalNaive(_Baseline):
    """Seasonal naive forecast: every step repeats the value one season earlier.

    Parameters
    ----------
    season_length : int
        Steps per season m (24 for hourly data with a daily cycle, 12 for monthly data).
        Every series needs at least m values.
    alias : str, optional
        Column name of the forecasts (default "SeasonalNaive").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import SeasonalNaive
    >>> y = pd.Series([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    >>> SeasonalNaive(season_length=3).fit(y).predict(4)
    6    10.0
    7    20.0
    8    30.0
    9    10.0
    Name: SeasonalNaive, dtype: float64
    """

    _model_name = "SeasonalNaive"

    def __init__(self, season_length, alias=None):
        self.season_length = season_length
        self.alias = alias

    @classmethod
    def _test_params(cls):
        return {"season_length": 12}

    def _check_params(self):
        super()._check_params()
        check_positive_int(self.season_length, "season_length")

    def _min_length(self):
        return int(self.season_length)

    def _predict(self, panel, h, positions):
        return _seasonal_repeat(_tails(panel, int(self.season_length)), h)


@register
class Drift(_Baseline):
    """Random walk with drift: the last value plus the average step of the history, per step ahead.

    ``yhat_{T+k} = y_T + k (y_T - y_1) / (T - 1)``: the line through the first and last values,
    extended. Every series needs at least 2 values.

    Parameters
    ----------
    alias : str, optional
        Column name of the forecasts (default "Drift").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import Drift
    >>> y = pd.Series([1.0, 4.0, 2.0, 7.0])
    >>> Drift().fit(y).predict(2)
    4     9.0
    5    11.0
    Name: Drift, dtype: float64
    """

    _model_name = "Drift"

    def __init__(self, alias=None):
        self.alias = alias

    def _min_length(self):
        return 2

    def _predict(self, panel, h, positions):
        first = panel.values[panel.indptr[:-1]]
        last = panel.values[panel.indptr[1:] - 1]
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: check_finite names the series
            slope = (last - first) / (panel.lengths - 1)
        return last[:, None] + slope[:, None] * np.arange(1, h + 1)


@register
class Mean(_Baseline):
    """Historic mean: every step forecasts the mean of the whole history.

    Parameters
    ----------
    alias : str, optional
        Column name of the forecasts (default "Mean").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import Mean
    >>> y = pd.DataFrame({"unique_id": ["a", "a", "b", "b", "b"], "ds": [1, 2, 1, 2, 3],
    ...                   "y": [1.0, 3.0, 2.0, 4.0, 9.0]})
    >>> Mean().fit(y).predict(2)
      unique_id  ds  Mean
    0         a   3   2.0
    1         a   4   2.0
    2         b   4   5.0
    3         b   5   5.0
    """

    _model_name = "Mean"

    def __init__(self, alias=None):
        self.alias = alias

    def _predict(self, panel, h, positions):
        with np.errstate(over="ignore"):  # sums beyond float64: recomputed scaled below
            means = np.add.reduceat(panel.values, panel.indptr[:-1]) / panel.lengths
        for i in np.flatnonzero(~np.isfinite(means)):
            means[i] = _mean_of_large(panel.values[panel.indptr[i] : panel.indptr[i + 1]][None, :])[0]
        return np.repeat(means[:, None], h, axis=1)


@register
class WindowAverage(_Baseline):
    """Moving average: every step forecasts the mean of the last ``window`` values.

    Parameters
    ----------
    window : int
        Number of most recent values averaged; every series needs at least that many.
    alias : str, optional
        Column name of the forecasts (default "WindowAverage").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import WindowAverage
    >>> y = pd.DataFrame({"a": [1.0, 2.0, 3.0, 7.0], "b": [5.0, 5.0, 1.0, 2.0]},
    ...                  index=pd.date_range("2024-01-01", periods=4, freq="h"))
    >>> WindowAverage(window=2).fit(y).predict(2)
                           a    b
    2024-01-01 04:00:00  5.0  1.5
    2024-01-01 05:00:00  5.0  1.5
    """

    _model_name = "WindowAverage"

    def __init__(self, window, alias=None):
        self.window = window
        self.alias = alias

    @classmethod
    def _test_params(cls):
        return {"window": 5}

    def _check_params(self):
        super()._check_params()
        check_positive_int(self.window, "window")

    def _min_length(self):
        return int(self.window)

    def _predict(self, panel, h, positions):
        means = _finite_mean(_tails(panel, int(self.window)))
        return np.repeat(means[:, None], h, axis=1)


@register
class SeasonalWindowAverage(_Baseline):
    """Seasonal moving average: each step forecasts the mean of the same season position over the last ``window`` seasons.

    Parameters
    ----------
    season_length : int
        Steps per season m.
    window : int
        Number of most recent seasons averaged; every series needs at least ``window * m`` values.
    alias : str, optional
        Column name of the forecasts (default "SeasonalWindowAverage").

    Examples
    --------
    >>> import pandas as pd
    >>> from tsrnn.forecasters import SeasonalWindowAverage
    >>> y = pd.Series([9.0, 1.0, 10.0, 3.0, 20.0])
    >>> SeasonalWindowAverage(season_length=2, window=2).fit(y).predict(3)
    5     2.0
    6    15.0
    7     2.0
    Name: SeasonalWindowAverage, dtype: float64
    """

    _model_name = "SeasonalWindowAverage"

    def __init__(self, season_length, window, alias=None):
        self.season_length = season_length
        self.window = window
        self.alias = alias

    @classmethod
    def _test_params(cls):
        return {"season_length": 12, "window": 2}

    def _check_params(self):
        super()._check_params()
        check_positive_int(self.season_length, "season_length")
        check_positive_int(self.window, "window")

    def _min_length(self):
        return int(self.season_length) * int(self.window)

    def _predict(self, panel, h, positions):
        m, w = int(self.season_length), int(self.window)
        seasons = _tails(panel, m * w).reshape(panel.n_series, w, m)
        return _seasonal_repeat(_finite_mean(seasons.transpose(0, 2, 1).reshape(-1, w)).reshape(-1, m), h)


# --------------------------------------------------------------------------------------------
# M4's Naive2
# --------------------------------------------------------------------------------------------


#: M4's 90% seasonality test, shared with RNNForecaster's seasonal adjustment (tsrnn.data.seasonal_adjust).
_seasonality_test = is_seasonal


def _seasonal_indices(x, m) -> np.ndarray:
    """Seasonal indices (m,) of classical multiplicative decomposition (R's ``decompose``).

    Index ``j`` belongs to the steps ``t`` with ``t % m == j``, counting from the first value of
    ``x`` (T,) (T >= 2m). The trend is the centred moving average of order m (2xm for even m);
    the ratios ``x / trend`` are averaged per position, then scaled to average 1.
    """
    if m % 2 == 0:
        weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        weights = np.ones(m) / m
    half = weights.size // 2
    trend = np.convolve(x, weights, mode="valid")
    steps = np.arange(half, x.size - half)
    ratios = x[half : x.size - half] / trend
    figure = np.bincount(steps % m, weights=ratios, minlength=m) / np.bincount(steps % m, minlength=m)
    return figure / figure.mean()


@register
class Naive2(_Baseline):
    """M4's Naive2: the naive forecast of the seasonally adjusted series, reseasonalised.

    For each series (T values) M4's seasonality test runs at lag m: seasonal when
    ``T >= 3m`` and the lag-m autocorrelation exceeds ``1.645 sqrt((1 + 2 sum_{k<m} acf_k^2) / T)``
    (90%, one-sided). A seasonal series gets the seasonal indices of a classical
    multiplicative decomposition (centred moving average of order m, 2xm for even m; ratios
    to it averaged per season position; normalised to mean 1); the forecast is the last
    value divided by its index, times the index of each future position. Any other series
    gets the plain naive forecast.

    Parameters
    ----------
    season_length : int
        Steps per season m (M4: 24 hourly, 12 monthly, 4 quarterly, 1 for yearly, which makes
        Naive2 the naive forecast).
    alias : str, optional
        Column name of the forecasts (default "Naive2").

    Notes
    -----
    Multiplicative decomposition needs positive data: a series the test finds seasonal but
    with a value <= 0 gets the plain naive forecast, with a warning.

    M4's R code computes the autocorrelations with R's default ``lag.max = 10 log10(T)``, so
    a series with ``3m <= T < 10^(m/10)`` (hourly: 72 to 251 values) is never found seasonal
    there. That code path never ran on M4 data (its hourly series have 700 or 960 values);
    here the test follows the stated definition for every ``T >= 3m``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn.forecasters import Naive2
    >>> y = pd.Series(np.tile([1.0, 2.0, 3.0, 2.0], 4) * np.repeat([10.0, 11.0, 12.0, 13.0], 4))
    >>> Naive2(season_length=4).fit(y).predict(4).round(3)
    16    13.803
    17    26.875
    18    39.665
    19    26.000
    Name: Naive2, dtype: float64
    """

    _model_name = "Naive2"

    def __init__(self, season_length, alias=None):
        self.season_length = season_length
        self.alias = alias

    @classmethod
    def _test_params(cls):
        return {"season_length": 12}

    def _check_params(self):
        super()._check_params()
        check_positive_int(self.season_length, "season_length")

    def _predict(self, panel, h, positions):
        m = int(self.season_length)
        last = panel.values[panel.indptr[1:] - 1]
        out = np.repeat(last[:, None], h, axis=1)
        not_positive = []
        for i in range(panel.n_series):
            x = panel.series(i)
            if not _seasonality_test(x, m):
                continue
            if x.min() <= 0:
                not_positive.append(panel.ids[i])
                continue
            index = _seasonal_indices(x, m)
            n = x.size
            out[i] = x[-1] / index[(n - 1) % m] * index[(n + np.arange(h)) % m]
        if not_positive:
            warnings.warn(
                f"Naive2: {len(not_positive)} seasonal series have values <= 0, which multiplicative "
                f"decomposition cannot adjust; they get the plain naive forecast: {not_positive[:10]}"
                f"{' ...' if len(not_positive) > 10 else ''}",
                UserWarning,
                stacklevel=3,
            )
        return out
