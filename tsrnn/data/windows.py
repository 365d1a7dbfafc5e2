"""Training samples from many series as views: (``window`` inputs -> ``horizon`` targets).

All series live in one concatenated array (CSR style, ``indptr``). A sample is identified
by its start offset into that array; ``numpy.lib.stride_tricks.sliding_window_view`` over
the whole array turns a batch of offsets into a batch of spans with one gather, so no
window is ever copied except the ``batch_size`` rows a training step needs.

Two per-sample transforms live here because training and prediction must apply them the
same way (:func:`window_stats`, :func:`baseline_forecast`):

- window scaling: every sample's inputs and targets are shifted by the level of its own
  input window and divided by its own spread, as ES-RNN and RevIN do, instead of one
  location and scale per series. A global model then sees every series, and every part of
  a series whose level drifts, on the same footing.
- a baseline: the targets are the departure from a naive or seasonal-naive forecast made
  at the same step, so a network whose output is zero already forecasts as well as that
  benchmark and learns only the correction.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "BASELINES",
    "WindowSampler",
    "baseline_forecast",
    "history_needed",
    "last_windows",
    "season_choice",
    "season_choice_along",
    "stats_dtype",
    "window_stats",
]

BASELINES = ("seasonal_naive", "seasonal_average", "naive", "drift", None)
_SEASONAL = ("seasonal_naive", "seasonal_average")


def window_stats(x, season_length=1):
    """Location and scale of every input window, as the ``"window"`` scaler uses them.

    The location is the mean of the window's last ``season_length`` values (its current
    level, free of the seasonal swing); the scale is the mean absolute lag-``season_length``
    difference over the window (the in-window error of the seasonal naive forecast: the
    scale of M4's MASE), so a scaled error of 1 is as large as seasonal naive's typical error.
    The scale is floored at ``1e-3 * (1 + mean |x|)`` so a flat window stays finite.

    Parameters
    ----------
    x : (B, T) array
        Input windows (already log-transformed/differenced if the model does that).
    season_length : int, default 1
        m. With m = 1 (or m >= T) the location is the last value and the scale the mean
        absolute first difference.

    Returns
    -------
    loc, scale : (B, 1) arrays of the dtype of ``x``
    """
    x = np.asarray(x)
    T = x.shape[1]
    m = int(season_length) if 1 <= int(season_length) < T else 1
    loc = x[:, -m:].mean(axis=1, keepdims=True)
    spread = np.abs(x[:, m:] - x[:, :-m]).mean(axis=1, keepdims=True) if T > m else np.zeros_like(loc)
    floor = 1e-3 * (1.0 + np.abs(x).mean(axis=1, keepdims=True))
    return loc, np.maximum(spread, floor).astype(x.dtype, copy=False)


def stats_dtype(x, dtype) -> np.dtype:
    """The dtype to compute :func:`window_stats` of ``x`` in: ``dtype``, or float64 where ``x`` is too large for it.

    Window means and mean differences sum up to 10^8 values; in float32 they overflow (and the
    windows scaled by them become NaN) from about 3e30, so such windows are scaled in float64
    and only the scaled values, of order one, are cast to ``dtype``. Data of ordinary
    magnitude keeps ``dtype`` and therefore its results, bit for bit.
    """
    dtype = np.dtype(dtype)
    if dtype == np.float64 or not np.size(x):
        return dtype
    return np.dtype(np.float64) if np.abs(x).max() > np.finfo(dtype).max / 1e8 else dtype


def _seasons(season_length) -> tuple:
    """Season lengths as a tuple of ints, as given (the first is the main one)."""
    if isinstance(season_length, (list, tuple)):
        return tuple(int(m) for m in season_length)
    return (int(season_length),)


def history_needed(season_length, baseline) -> int:
    """Values before a window that its baseline reads: the longest season when there are several, else 0.

    With one season the seasonal-naive forecast of step t reads the window itself (and steps
    before ``m - 1`` are not trained). With several, every step of the window trains, so
    its forecasts reach up to ``max(m)`` values before the window.
    """
    seasons = _seasons(season_length)
    return max(seasons) if baseline in _SEASONAL and len(seasons) > 1 else 0


def _baseline_index(P, W, horizon, m, kind):
    """(W, horizon) index into inputs of length P of the value each baseline forecast repeats.

    The forecasts are made at the last W input steps (t = P - W .. P - 1). Seasonal naive at
    step t repeats the last season: target t + 1 + k (k = 0 .. horizon-1) takes the value
    ``m * ceil((k + 1) / m)`` steps before it. Naive repeats value t. Entries below 0 (steps
    too early for a full season) are clipped to 0 and must not be trained on.
    """
    t = np.arange(P - W, P)[:, None]
    k = np.arange(horizon)[None, :]
    if kind == "naive":
        idx = np.broadcast_to(t, (W, horizon))
    else:
        idx = t + 1 + k - m * ((k + m) // m)
    return np.clip(idx, 0, P - 1)


def _seasonal_average(x, W, horizon, m, last_only):
    """The seasonal-average forecast made at each of the last W steps of x (B, P): see :func:`baseline_forecast`.

    At step t, with K = floor((t + 1) / m) complete seasons in ``x[:, :t + 1]``, target
    t + 1 + k gets the mean of the K values at its phase in those seasons, plus the mean of
    the last season less the mean of all K (the average season re-levelled to the last one).
    K = 1 is seasonal naive; steps with K = 0 (t < m - 1) repeat ``x[:, 0]`` and must not train.
    """
    B, P = x.shape
    t = np.arange(P - W, P)[:, None] if not last_only else np.array([[P - 1]])
    k = np.arange(horizon)[None, :]
    K = (t + 1) // m  # (T, 1)
    cs = np.concatenate([np.zeros((B, 1)), np.cumsum(x, axis=1, dtype=np.float64)], axis=1)
    top, Km = t[:, 0] + 1, np.maximum(K[:, 0], 1)
    last = (cs[:, top] - cs[:, np.clip(top - m, 0, P)]) / m  # (B, T)
    every = (cs[:, top] - cs[:, np.clip(top - Km * m, 0, P)]) / (Km * m)
    first = t + 1 + k - m * ((k + m) // m)  # (T, horizon): the seasonal-naive index
    total = np.zeros((B,) + first.shape)
    for r in range(int(K.max(initial=0))):
        used = (r < K) & (first - r * m >= 0)
        total += np.where(used, x[:, np.clip(first - r * m, 0, P - 1)], 0.0)
    out = total / np.maximum(K, 1) + (last - every)[:, :, None]
    out[:, K[:, 0] == 0] = x[:, :1, None]
    out = out.astype(x.dtype, copy=False)
    return out[:, 0] if last_only else out


def _half_drift(x, W, horizon, last_only):
    """Naive plus half the mean slope so far, made at each of the last W steps of x (B, P): see :func:`baseline_forecast`."""
    P = x.shape[1]
    t = np.arange(P - W, P) if not last_only else np.array([P - 1])
    slope = (x[:, t] - x[:, :1]) / np.maximum(t, 1)  # (B, T): mean first difference over x[:, :t + 1]
    k = np.arange(1, horizon + 1, dtype=x.dtype)
    out = x[:, t, None] + 0.5 * slope[:, :, None] * k
    out = out.astype(x.dtype, copy=False)
    return out[:, 0] if last_only else out


def season_choice(x, seasons):
    """Per row, the season length whose lag-m differences have been smallest, on average, over the row.

    The differences ``|x_j - x_{j-m}|`` are averaged over the same steps for every m (from
    ``max(seasons)`` on), so the lengths compete on equal terms.

    Parameters
    ----------
    x : (B, P) array
        Histories, P > max(seasons).
    seasons : tuple of int

    Returns
    -------
    (B,) int array
        The chosen season length of every row (ties: the first).
    """
    M, P = max(seasons), x.shape[1]
    if P <= M:
        return np.full(x.shape[0], seasons[0], dtype=np.int64)
    errs = np.stack([np.abs(x[:, M:] - x[:, M - m : P - m]).mean(axis=1) for m in seasons])
    return np.asarray(seasons, dtype=np.int64)[np.argmin(errs, axis=0)]


def season_choice_along(values, indptr, seasons):
    """:func:`season_choice` at every position of every series, from its history up to there.

    Parameters
    ----------
    values : (N,) array
        Every series concatenated.
    indptr : (n_series + 1,) int array
    seasons : tuple of int

    Returns
    -------
    (N,) int64 array
        At position p of series i, the season length whose lag differences averaged over
        ``values[indptr[i] + max(seasons) : p + 1]`` are smallest (the first season where that
        range is empty). A window ending at p uses ``choice[p]``: nothing after it is read.
    """
    values = np.asarray(values, dtype=np.float64)
    indptr = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(indptr)
    M, N = max(seasons), values.size
    pos = np.arange(N) - np.repeat(indptr[:-1], lengths)
    valid = pos >= M
    count = np.maximum(pos - M + 1, 0)
    errs = []
    for m in seasons:
        d = np.zeros(N)
        j = np.flatnonzero(valid)
        d[j] = np.abs(values[j] - values[j - m])
        c = np.cumsum(d)
        before = np.concatenate(([0.0], c))[indptr[:-1]]
        c = c - np.repeat(before, lengths)
        errs.append(c)
    errs = np.stack(errs)
    choice = np.asarray(seasons, dtype=np.int64)[np.argmin(errs, axis=0)]
    choice[count == 0] = seasons[0]
    return choice


def baseline_forecast(x, horizon, season_length=1, kind="seasonal_naive", last_only=False, window=None,
                      chosen=None):  # fmt: skip
    """The naive or seasonal-naive forecast made at every step of every window.

    With several season lengths (e.g. ``(24, 168)``: a day and a week of hours), every row
    uses the one given in ``chosen`` (by default :func:`season_choice` over the row): the
    seasonal naive that has explained the series' history best, so series with a weekly
    pattern repeat last week and the others yesterday.

    Parameters
    ----------
    x : (B, P) array
        Inputs: ``window`` values, preceded by :func:`history_needed` values when there are
        several seasons.
    horizon : int
    season_length : int or tuple of int, default 1
        m for ``"seasonal_naive"`` (m = 1 makes it naive).
    kind : {"seasonal_naive", "naive"}
    last_only : bool, default False
        Only the forecast from the last step (the one ``predict`` uses).
    window : int, optional
        Steps the forecasts are made at (the last ``window`` of x); default all of x.
    chosen : (B,) int array, optional
        Season length of every row, with several seasons.

    Returns
    -------
    (B, window, horizon) array, or (B, horizon) with ``last_only``
    """
    P = x.shape[1]
    W = P if window is None else int(window)
    seasons = _seasons(season_length)
    if kind == "drift":
        return _half_drift(x, W, horizon, last_only)
    if kind == "seasonal_average":
        per = [_seasonal_average(x, W, horizon, m, last_only) if 1 < m < P else
               baseline_forecast(x, horizon, 1, "naive", last_only, W) for m in seasons]  # fmt: skip
        if len(seasons) == 1:
            return per[0]
        if chosen is None:
            chosen = season_choice(x, seasons)
        out = per[0].copy()
        for m, ref in zip(seasons[1:], per[1:]):
            out[chosen == m] = ref[chosen == m]
        return out
    if kind == "naive" or len(seasons) == 1:
        idx = _baseline_index(P, W, horizon, seasons[0], kind)
        return x[:, idx[-1]] if last_only else x[:, idx]
    if chosen is None:
        chosen = season_choice(x, seasons)
    out = None
    for m in seasons:
        idx = _baseline_index(P, W, horizon, m, kind)
        ref = x[:, idx[-1]] if last_only else x[:, idx]
        if out is None:
            out = ref.copy()
        else:
            rows = chosen == m
            out[rows] = ref[rows]
    return out


class WindowSampler:
    """Every (``window`` -> ``horizon``) sample of every series, with stride ``step``.

    Targets are given at every input step (the next ``horizon`` values after step t), as
    in MQ-RNN's forking sequences: one forward pass trains ``window`` forecasts. With
    ``target_steps="last"`` only the final step's targets carry weight.

    Parameters
    ----------
    values : (N,) float array
        Every series concatenated (already transformed and scaled).
    indptr : (n_series + 1,) int array
        Series i is ``values[indptr[i]:indptr[i + 1]]``.
    window : int
        Input steps per sample.
    horizon : int
        Target values per step.
    step : int, default 1
        Stride between consecutive samples of one series.
    ends : (n_series,) int array, optional
        Use only ``values[indptr[i]:indptr[i] + ends[i]]`` of each series (the training part).
    target_steps : {"all", "last"}
    scaling : {None, "window"}, default None
        ``"window"``: shift and divide every sample (inputs and targets) by
        :func:`window_stats` of its input window.
    season_length : int or tuple of int, default 1
        m, for the window statistics (the first) and the seasonal-naive baseline (all).
    baseline : {None, "seasonal_naive", "naive"}, default None
        Targets become the departure from this forecast made at the same step (see
        :func:`baseline_forecast`). With one season, steps before ``season_length - 1``,
        whose seasonal-naive forecast would reach before the window, carry no weight; with
        several, every sample also reads the ``max(season_length)`` values before its window.
    covariates : (N, K) float array, optional
        K covariates (exogenous regressors, calendar features) at every position of
        ``values``, already scaled. Input step t of a sample then also receives the
        covariates of the ``horizon`` steps its forecast covers, t + 1 .. t + horizon, step
        after step: x gets ``horizon * K`` more columns, ``x[b, t, 1 + j * K + k]`` being
        covariate k at step t + 1 + j.
    padded : (n_series,) int array, optional
        How many of each series' first values are padding (copies put before a short
        series so that it fills a sample): targets at those positions carry no weight.

    Attributes
    ----------
    starts : (n_samples,) int64 array
        Offset of every sample's first value in ``values`` (its extra history first).
    series : (n_samples,) int64 array
        Series position of every sample.
    first_step : int
        First input step whose targets carry weight (0 unless a seasonal baseline needs a season).
    history : int
        Values read before each window (:func:`history_needed`).
    """

    def __init__(self, values, indptr, window, horizon, step=1, ends=None, target_steps="all", scaling=None,
                 season_length=1, baseline=None, covariates=None, padded=None):  # fmt: skip
        if target_steps not in ("all", "last"):
            raise ValueError(f"target_steps={target_steps!r} is not known; expected 'all' or 'last'")
        if scaling not in (None, "window"):
            raise ValueError(f"scaling={scaling!r} is not known; expected None or 'window'")
        if baseline not in BASELINES:
            raise ValueError(f"baseline={baseline!r} is not known; expected one of {BASELINES}")
        self.values = values
        self.window = int(window)
        self.horizon = int(horizon)
        self.target_steps = target_steps
        self.scaling = scaling
        self.seasons = _seasons(season_length)
        self.baseline = baseline
        self.history = history_needed(self.seasons, baseline)
        m = self.seasons[0]
        single = baseline in _SEASONAL and len(self.seasons) == 1
        self.first_step = m - 1 if single and 1 < m <= self.window else 0
        span = self.history + self.window + self.horizon
        lengths = np.diff(indptr)
        if ends is not None:
            lengths = np.minimum(lengths, ends)
        starts, series = [], []
        for i, n in enumerate(lengths):
            count = (n - span) // step + 1 if n >= span else 0
            if count > 0:
                # Align the last sample with the series' end: the most recent data always trains.
                first = indptr[i] + (n - span) - (count - 1) * step
                starts.append(first + step * np.arange(count, dtype=np.int64))
                series.append(np.full(count, i, dtype=np.int64))
        self.starts = np.concatenate(starts) if starts else np.empty(0, np.int64)
        self.series = np.concatenate(series) if series else np.empty(0, np.int64)
        self._observed_from = None
        if padded is not None and np.any(padded):
            # Absolute position of every sample's series' first real value.
            self._observed_from = (np.asarray(indptr[:-1]) + np.asarray(padded, dtype=np.int64))[self.series]
        self._spans = sliding_window_view(values, span) if values.size >= span else None
        self._choice = None
        if baseline in _SEASONAL and len(self.seasons) > 1:
            self._choice = season_choice_along(values, indptr, self.seasons)
        self._covariates = None
        if covariates is not None:
            covariates = np.asarray(covariates)
            if covariates.ndim != 2 or covariates.shape[0] != values.shape[0]:
                raise ValueError(f"covariates has shape {covariates.shape}; expected (N={values.shape[0]}, K), "
                                 "one row per value")  # fmt: skip
            # (N - horizon + 1, K, horizon): row p holds the covariates of positions p .. p + horizon - 1.
            self._covariates = sliding_window_view(covariates, self.horizon, axis=0) if values.size >= span else None

    def __len__(self) -> int:
        return int(self.starts.size)

    def gather(self, idx, dtype=np.float32):
        """Batch of samples.

        Parameters
        ----------
        idx : (B,) int array
            Sample numbers.

        Returns
        -------
        x : (B, window, 1) array, or (B, window, 1 + horizon * K) with ``covariates``
        y : (B, window, horizon) array
            ``y[b, t]`` = the ``horizon`` values after input step t (less the baseline's).
        weight : (B, window, horizon) array or None
            With ``target_steps="last"`` or a seasonal baseline (0 for the steps that train nothing).
        """
        spans = self._spans[self.starts[idx]]
        H, W = self.history, self.window
        if self.scaling == "window":
            spans = spans.astype(stats_dtype(spans, dtype), copy=False)
            loc, scale = window_stats(spans[:, H : H + W], self.seasons[0])
            spans = ((spans - loc) / scale).astype(dtype, copy=False)
        else:
            spans = spans.astype(dtype, copy=False)
        x = spans[:, H : H + W, None]
        if self._covariates is not None:
            # Input step t (position p) reads the covariates of positions p + 1 .. p + horizon.
            steps = self.starts[idx][:, None] + H + 1 + np.arange(W)
            cov = self._covariates[steps].transpose(0, 1, 3, 2).reshape(len(steps), W, -1)
            x = np.concatenate([x, cov.astype(dtype, copy=False)], axis=2)
        y = sliding_window_view(spans[:, H + 1 :], self.horizon, axis=1)[:, :W]
        if self.baseline is not None:
            chosen = None if self._choice is None else self._choice[self.starts[idx] + H + W - 1]
            y = y - baseline_forecast(spans[:, : H + W], self.horizon, self.seasons, self.baseline, window=W,
                                      chosen=chosen)  # fmt: skip
        weight = None
        if self.target_steps == "last" or self.first_step:
            weight = np.zeros(y.shape, dtype=dtype)
            weight[:, -1 if self.target_steps == "last" else self.first_step :] = 1.0
        if self._observed_from is not None:
            # Target j of input step t sits at position start + H + t + 1 + j: padding there trains nothing.
            pos = (self.starts[idx] + H + 1)[:, None, None] + np.arange(W)[None, :, None] + np.arange(self.horizon)
            real = (pos >= self._observed_from[idx][:, None, None]).astype(dtype)
            weight = real if weight is None else weight * real
        return x, y, weight


def last_windows(values, indptr, window, ends=None, dtype=np.float32):
    """The last ``window`` values of every series (before ``ends`` when given).

    Parameters
    ----------
    values : (N,) array
    indptr : (n_series + 1,) int array
    window : int
    ends : (n_series,) int array, optional

    Returns
    -------
    (n_series, window, 1) array
    """
    n = indptr.size - 1
    out = np.empty((n, window, 1), dtype=dtype)
    for i in range(n):
        stop = indptr[i + 1] if ends is None else indptr[i] + ends[i]
        out[i, :, 0] = values[stop - window : stop]
    return out
