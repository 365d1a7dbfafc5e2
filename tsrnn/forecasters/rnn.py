"""RNNForecaster: a global RNN, LSTM or GRU forecaster over pandas, trained with tsrnn's kernels."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from .._threads import single_blas_thread
from .._validation import check_positive_int
from ..data.covariates import align_exog, calendar_features, calendar_names
from ..data.transforms import SCALERS, difference, fit_scaler, scale, undifference, unscale
from ..data.windows import BASELINES, WindowSampler, baseline_forecast, history_needed, season_choice, window_stats
from .base import BaseForecaster, register

__all__ = ["RNNForecaster", "infer_season_length", "infer_seasons", "default_window"]

_CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
_OPTIMIZERS = ("adam", "adamw", "sgd")
_RNN_SCALERS = (*SCALERS, "window")
_LR_SCHEDULES = ("cosine", "plateau")
_LOG = ("auto", True, False)
# Calendar periods tried on an integer time axis (quarterly, working week, week, monthly,
# hourly, weekly-of-year, minutes, 15-minute).
_SEASON_CANDIDATES = (4, 5, 7, 12, 24, 52, 60, 96)
_ANCHORED_SEASON = {"W": 52, "M": 12, "MS": 12, "ME": 12, "BM": 12, "BMS": 12, "BME": 12, "SM": 24, "SMS": 24,
                    "SME": 24, "Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4, "BQE": 4, "A": 1, "AS": 1, "Y": 1,
                    "YS": 1, "YE": 1, "BA": 1, "BY": 1, "BYS": 1, "BYE": 1, "B": 5, "C": 5}  # fmt: skip


def infer_season_length(panel) -> int:
    """Season length m of a panel: from its frequency, or from the autocorrelation on an integer axis.

    Timestamps give a calendar cycle: a day for steps shorter than a day (hourly 24,
    15-minute 96, ...), a week for daily data (7; business days 5), a year for weekly (52),
    monthly (12) and quarterly (4) data, 1 for yearly data. An integer axis (M4, for
    example) has no calendar: the candidates 4, 5, 7, 12, 24, 52, 60 and 96 are tried, and
    the one whose lag-m autocorrelation of the first differences (averaged over the series,
    each over its last 2,000 values) peaks: a local peak (above lags m - 1 and m + 1) above
    the 95% noise band 2 / sqrt(T). Of those, the shortest whose peak reaches 80% of the
    highest wins (a season's multiples peak too); none: 1 (no season).

    Parameters
    ----------
    panel : tsrnn.data.Panel

    Returns
    -------
    int
    """
    axis = panel.axis
    if axis.kind != "range":
        freq = axis.freq
        code = (getattr(freq, "rule_code", None) or str(freq)).split("-")[0]
        if code in _ANCHORED_SEASON:
            return _ANCHORED_SEASON[code]
        try:
            step = pd.Timedelta(freq)
        except (TypeError, ValueError):
            step = None
        if step is not None and step > pd.Timedelta(0):
            day = pd.Timedelta(days=1)
            if step == day:
                return 7
            if step < day and day % step == pd.Timedelta(0):
                return int(day // step)
    return _acf_season(panel)


def _acf_season(panel) -> int:
    # First differences: a trend or a slowly drifting level would otherwise smear the peaks.
    series = [np.diff(panel.values[panel.indptr[i] : panel.indptr[i + 1]][-2001:]) for i in range(panel.n_series)]
    peaks = {}
    for m in _SEASON_CANDIDATES:
        rows, sizes = [], []
        for s in series:
            if s.size < 3 * m:
                continue
            d = s - s.mean()
            den = float(d @ d)
            if den <= 0:
                continue
            rows.append([float(d[k:] @ d[:-k]) / den for k in (m - 1, m, m + 1)])
            sizes.append(s.size)
        if not rows:
            continue
        before, r, after = np.mean(rows, axis=0)
        if r > before and r > after and r > 2 / np.sqrt(np.median(sizes)):
            peaks[m] = r
    if not peaks:
        return 1
    # Multiples of a season peak too: the shortest peak nearly as high as the highest wins.
    best = max(peaks.values())
    return min(m for m, r in peaks.items() if r >= 0.8 * best)


# Season lengths read as a day of sub-daily steps on an integer axis (hours, quarter hours).
_DAYS_ON_INTEGER_AXIS = (24, 96)


def infer_seasons(panel) -> tuple:
    """Season lengths of a panel: the main one (:func:`infer_season_length`), then a week if it applies.

    When the main season is a day of sub-daily steps (timestamps under a day apart, or a
    season of 24 or 96 on an integer axis, read as hours or quarter hours, as M4 Hourly's),
    a week of them (7 m: 168 for hourly data) is added, provided the median series holds at
    least three weeks. The seasonal-naive baseline then picks, for every window, the season
    whose lag differences have been smallest over the series' history up to the window's end
    (:func:`tsrnn.data.windows.season_choice`), so a series without a weekly pattern keeps
    repeating its last day.

    Parameters
    ----------
    panel : tsrnn.data.Panel

    Returns
    -------
    tuple of int
    """
    m = infer_season_length(panel)
    if m <= 1:
        return (m,)
    if panel.axis.kind == "range":
        is_day = m in _DAYS_ON_INTEGER_AXIS
    else:
        try:
            step = pd.Timedelta(panel.axis.freq)
        except (TypeError, ValueError):
            step = None
        is_day = step is not None and pd.Timedelta(0) < step < pd.Timedelta(days=1)
    if is_day and np.median(panel.lengths) >= 3 * 7 * m:
        return (m, 7 * m)
    return (m,)


def default_window(horizon, seasons) -> int:
    """The ``window`` used when none is given: ``max(2 * horizon, 4 * m, max(seasons), 16)``.

    Two horizons of history for a direct forecast, four main seasons (m, the first of
    ``seasons``) for the window statistics and the network to see the pattern repeat, and
    the longest season in full (a week, for hourly data with a weekly season). M4 Hourly
    (horizon 48, seasons 24 and 168): 168. On its validation split (experiments/m4_tune.py)
    a window of 168 gave OWA 0.443 against 0.452 for 96, at twice the fit time.

    Parameters
    ----------
    horizon : int
    seasons : int or tuple of int

    Returns
    -------
    int
    """
    seasons = tuple(seasons) if isinstance(seasons, (list, tuple)) else (int(seasons),)
    return int(max(2 * int(horizon), 4 * int(seasons[0]), max(int(m) for m in seasons), 16))


def _csr_prefix(values, indptr, ends):
    """The first ``ends[i]`` values of every series, as a new CSR pair."""
    parts = [values[indptr[i] : indptr[i] + ends[i]] for i in range(indptr.size - 1)]
    new_ptr = np.zeros(indptr.size, dtype=np.int64)
    new_ptr[1:] = np.cumsum(ends)
    return (np.concatenate(parts) if parts else values[:0]), new_ptr


def _pad_left(series_list, length, dtype, edge=False):
    """(n, length, 1) array of the last ``length`` values of each series, padded on the left.

    Padded with zeros, or with ``edge`` with each series' first value (so that window
    statistics of a short history are those of its own values).
    """
    out = np.zeros((len(series_list), length, 1), dtype=dtype)
    for i, s in enumerate(series_list):
        s = s[-length:]
        if s.size:
            out[i, length - s.size :, 0] = s
            if edge:
                out[i, : length - s.size, 0] = s[0]
    return out


def _check_quantiles(quantiles) -> tuple:
    """``quantiles`` as a sorted tuple of distinct floats in (0, 1)."""
    bad = ValueError(f"quantiles={quantiles!r} must be a non-empty list of distinct numbers strictly between 0 and 1, "
                     "e.g. [0.1, 0.5, 0.9]")  # fmt: skip
    if isinstance(quantiles, (str, bytes)) or not hasattr(quantiles, "__iter__"):
        raise bad
    try:
        q = [float(v) for v in quantiles]
    except (TypeError, ValueError):
        raise bad from None
    if not q or len(set(q)) != len(q) or not all(0 < v < 1 for v in q):
        raise bad
    return tuple(sorted(q))


class _HorizonPinball:
    """Pinball loss of a head that emits ``horizon * Q`` values per step, step-major (``j * Q + k``).

    The trainer wants targets of the output's shape, so the targets (and weights) arrive
    repeated Q times along the last axis (``np.repeat(y, Q, axis=-1)``); this reads one
    copy and hands :class:`tsrnn.nn.PinballLoss` the (..., horizon, Q) view. It is a plain
    callable, so a model on a GPU evaluates it on host copies of the output.
    """

    def __init__(self, quantiles):
        from ..nn import PinballLoss

        self.pinball = PinballLoss(quantiles)
        self.n_quantiles = len(quantiles)

    def __call__(self, pred, target, weight=None):
        shape = pred.shape[:-1] + (pred.shape[-1] // self.n_quantiles, self.n_quantiles)
        y = np.asarray(target).reshape(shape)[..., 0]
        w = None if weight is None else np.asarray(weight).reshape(shape)[..., 0]
        value, dpred = self.pinball(pred.reshape(shape), y, w)
        return value, dpred.reshape(pred.shape)


def _level_text(level) -> str:
    """A percent level as text: ``80`` rather than ``80.00000000000001``."""
    v = round(float(level), 9)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _with_series_column(x, series):
    """(B, T, I + 1) inputs: ``x`` with the series position of every row appended at every step."""
    column = np.broadcast_to(np.asarray(series).astype(x.dtype)[:, None, None], (x.shape[0], x.shape[1], 1))
    return np.concatenate([x, column], axis=2)


def _covariate_inputs(covs, length, horizon, dtype):
    """(n, length, horizon * K) inputs of the last ``length`` steps of every series from its covariates.

    Parameters
    ----------
    covs : list of (n_i + horizon, K) arrays
        Covariates of every history step and of the ``horizon`` steps after it.
    length : int
        Input steps (the window).
    horizon : int

    Returns
    -------
    (n, length, horizon * K) array
        Step t of the window (position p of the series) holds the covariates of positions
        p + 1 .. p + horizon, step after step, as :class:`tsrnn.data.windows.WindowSampler`
        gives them in training; positions before the series' start are zeros.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    K = covs[0].shape[1]
    need = length + horizon - 1
    out = np.zeros((len(covs), length, horizon * K), dtype=dtype)
    for i, c in enumerate(covs):
        rows = np.zeros((need, K))
        tail = c[-need:]
        rows[need - len(tail) :] = tail
        out[i] = sliding_window_view(rows, horizon, axis=0).transpose(0, 2, 1).reshape(length, horizon * K)
    return out


def _repeat_targets(batches, n_quantiles):
    """The ``batches`` epoch generator with targets and weights repeated for a quantile head."""

    def epoch():
        for x, y, w in batches():
            yield x, np.repeat(y, n_quantiles, axis=-1), None if w is None else np.repeat(w, n_quantiles, axis=-1)

    return epoch


class _CovariateRegressor:
    """Recurrent layers and a dense head, with the covariates of the forecast steps fed to the head too.

    The inputs of step t are ``[z_t, c_{t+1}, ..., c_{t+horizon}, series]``: the scaled
    value, the K covariates of each step the forecast covers (step-major, ``horizon * K``
    columns, as :class:`tsrnn.data.windows.WindowSampler` gives them) and, with an
    embedding, one column holding the series' position. The recurrent layers read
    ``[z_t, c_{t+1}, e_series]`` (``e_series`` the series' learned vector, D values); the
    linear head reads ``[h_t, c_{t+1}, ..., c_{t+horizon}]``, so the forecast of step
    t + j has the covariates of step t + j at hand directly (a regressor's linear effect
    is one weight) while the state carries what the past covariates did. The embedding's
    gradient is the recurrent layers' input gradient dx of its D columns, summed over the
    steps. The trainer, the optimizer and ``state_dict`` see one model (CPU only).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    n_covariates : int
        K.
    horizon : int
        Forecast steps whose covariates every input step holds.
    hidden_size, output_size, num_layers : int
    dtype : numpy dtype
    seed : numpy.random.Generator, int or None
    init : str
    dropout : float
    n_series : int
        Rows of the embedding table.
    embedding_dim : int
        D; 0 for no embedding.
    """

    device = "cpu"

    def __init__(self, cell, n_covariates, horizon, hidden_size, output_size, num_layers, dtype, seed, init, dropout,
                 n_series, embedding_dim):  # fmt: skip
        from ..nn import Embedding, Linear
        from ..nn.model import make_recurrent

        if isinstance(seed, np.random.Generator):
            rnn_rng, head_rng, emb_rng = seed.spawn(3)
        else:
            rnn_rng, head_rng, emb_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
        self.n_covariates, self.horizon, self.dim = int(n_covariates), int(horizon), int(embedding_dim)
        self.rnn = make_recurrent(cell, 1 + self.n_covariates + self.dim, hidden_size, num_layers, dtype, rnn_rng, init,
                                  dropout=dropout)  # fmt: skip
        self.head = Linear(hidden_size + self.horizon * self.n_covariates, output_size, dtype=dtype, seed=head_rng)
        self.embedding = Embedding(n_series, self.dim, dtype=dtype, seed=emb_rng) if self.dim else None
        self.dtype = self.rnn.dtype
        self.hidden_size = int(hidden_size)

    @property
    def input_size(self) -> int:
        return 1 + self.horizon * self.n_covariates + (1 if self.dim else 0)

    @property
    def output_size(self) -> int:
        return self.head.params["weight"].shape[0]

    def _modules(self):
        return [("rnn", self.rnn), ("head", self.head)] + ([("embedding", self.embedding)] if self.dim else [])

    def forward(self, x, state=None):
        B, T, _ = x.shape
        K, F = self.n_covariates, self.horizon * self.n_covariates
        parts = [x[:, :, : 1 + K]]
        if self.dim:
            vectors = self.embedding.forward(np.rint(x[:, 0, -1]).astype(np.int64))
            parts.append(np.broadcast_to(vectors[:, None, :], (B, T, self.dim)))
        h, state = self.rnn.forward(np.ascontiguousarray(np.concatenate(parts, axis=2), dtype=self.dtype), state)
        self._shape = x.shape
        head_in = np.concatenate([h, x[:, :, 1 : 1 + F]], axis=2) if F else h
        return self.head.forward(np.ascontiguousarray(head_in, dtype=self.dtype)), state

    __call__ = forward

    def backward(self, dy, dstate=None):
        """Gradients of the head, the layers and the embedding; returns dx, shaped like the inputs."""
        K, F = self.n_covariates, self.horizon * self.n_covariates
        d_head = self.head.backward(dy)
        d_rnn = self.rnn.backward(np.ascontiguousarray(d_head[:, :, : self.hidden_size]), dstate)
        dx = np.zeros(self._shape, dtype=d_rnn.dtype)
        dx[:, :, : 1 + K] = d_rnn[:, :, : 1 + K]
        dx[:, :, 1 : 1 + F] += d_head[:, :, self.hidden_size :]
        if self.dim:
            self.embedding.backward(d_rnn[:, :, 1 + K :].sum(axis=1))
        return dx

    def train(self, mode=True):
        self.rnn.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self) -> None:
        for _, module in self._modules():
            module.zero_grad()

    def parameters(self) -> list:
        return [pair for _, module in self._modules() for pair in module.parameters()]

    @property
    def num_parameters(self) -> int:
        return sum(module.num_parameters for _, module in self._modules())

    def state_dict(self) -> dict:
        return {f"{name}.{k}": v for name, module in self._modules() for k, v in module.state_dict().items()}

    def load_state_dict(self, state) -> None:
        """Load :meth:`state_dict`'s arrays; on any mismatch (ValueError) the model is left as it was."""
        names = [name for name, _ in self._modules()]
        bad = [k for k in state if k.split(".", 1)[0] not in names]
        if bad:
            raise ValueError(f"state_dict has keys {bad}; expected names starting with {[n + '.' for n in names]}")
        saved = self.state_dict()
        try:
            for name, module in self._modules():
                module.load_state_dict({k[len(name) + 1 :]: v for k, v in state.items() if k.startswith(name + ".")})
        except ValueError:
            for name, module in self._modules():
                module.load_state_dict({k[len(name) + 1 :]: v for k, v in saved.items() if k.startswith(name + ".")})
            raise


@register
class RNNForecaster(BaseForecaster):
    """Global recurrent forecaster (LSTM, GRU or vanilla RNN) for one or many series.

    One network is trained on every series given to ``fit``, on samples of ``window`` past
    values, each with the next ``horizon`` values as targets at every input step.
    ``predict`` feeds each series' most recent ``window`` values.

    The defaults are the settings that won on M4 Hourly's validation split (the last 48
    points of every training series, never the test period; experiments/m4_tune.py, results
    in experiments/RESULTS.md): log of positive data; every sample scaled by its own input
    window (level of its last season, seasonal-naive error as the unit) rather than by
    whole-series statistics; the network forecasting the correction to a seasonal-naive
    forecast, whose season (a day or a week, for hourly data) each series' history picks; a
    window of at least two horizons, four seasons and the longest season; a cosine
    learning-rate decay over a fixed budget of sampled windows. Together they took the
    validation OWA of a global LSTM from about 0.77 (whole-series scaling, no baseline) to
    0.44; ``n_ensemble`` adds a median over networks. Scored once on the M4 Hourly test
    period with every argument at its default, a global LSTM reaches OWA 0.414 and a GRU
    0.420 (M4's winner: 0.440); the ensemble recipe ``n_ensemble=4, window=[168, 336]``
    0.408 (experiments/m4_hourly.py).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
    hidden_size : int, default 64
    num_layers : int, default 1
    window : int, list of int, or None, default None
        Input steps per training sample (and history fed at prediction in "windows"
        training). None: :func:`default_window`, ``max(2 * horizon, 4 * m, max(seasons), 16)``
        with m the main season (168 for M4 Hourly: a week of hours): four seasons let the
        window statistics and the network see the pattern repeat, and a whole week the
        weekly one. A list gives the members of an ensemble (``n_ensemble``) their windows
        in turn.
    horizon : int, default 24
        Steps the model forecasts. ``predict(h)`` accepts ``h <= horizon`` with
        ``strategy="direct"``, any ``h`` with ``"recursive"``.
    season_length : int, list of int, or None, default None
        Season length m, used by the window rule, the ``"window"`` scaler and the
        seasonal-naive baseline; 1 means no season. A list gives several, the main one
        first (e.g. ``[24, 168]``, a day and a week of hours): the window rule and the window
        statistics use the first, and the seasonal-naive baseline of every window uses the
        one that has explained its series best so far. None: :func:`infer_seasons` (the main season
        from the frequency of timestamps, hourly 24, daily 7, monthly 12..., or from the
        autocorrelation on an integer axis; plus a week for sub-daily data with three weeks
        of history). Fitted values: ``season_length_`` (main) and ``seasons_`` (all).
    strategy : {"direct", "recursive"}, default "direct"
        "direct": a head emits all ``horizon`` values at once. "recursive": a one-step model
        fed its own predictions, any ``h``.
    training : {"windows", "stateful"}, default "windows"
        "windows": each sample starts from a zero state (full BPTT inside the window).
        "stateful": truncated BPTT along each whole series, ``tbptt`` steps per chunk; the
        prediction then carries the state over the full history. Stateful training has no
        windows: it needs a per-series ``scaler`` and ``baseline=None``.
    tbptt : int, optional
        Chunk length of stateful training (default: ``window``).
    step : int, default 1
        Stride between training samples of one series.
    target_steps : {"all", "last"}, default "all"
        Train on the forecasts made at every input step of a window (MQ-RNN's forking
        sequences: ``window`` forecasts per forward pass), or only the last.
    scaler : {"window", "standard", "minmax", "robust", None}, default "window"
        "window": every sample, inputs and targets, is shifted by the mean of its input
        window's last season and divided by the window's mean absolute seasonal difference
        (:func:`tsrnn.data.windows.window_stats`), as ES-RNN and RevIN normalise windows
        rather than whole series; the last window of each series is scaled the same way at
        prediction and the forecast scaled back. On M4 Hourly's validation split this took
        OWA from 0.69 (standard) to 0.54 with the baseline below. The others: one location
        and scale per series, fitted on the training part and inverted on output.
    log : {"auto", True, False}, default "auto"
        Model the logarithm of the data (before differencing and scaling) and exponentiate
        the forecasts. "auto": when every value given to ``fit`` is positive. Errors then
        become relative, as sMAPE and MASE measure them, and multiplicative seasons
        additive. Fitted value: ``log_``.
    baseline : {"seasonal_naive", "naive", None}, default "seasonal_naive"
        The network forecasts the departure from this forecast (made in the scaled space at
        the same step) instead of the values themselves: an untrained network is then as
        good as seasonal naive, a hard benchmark on hourly data, and training learns the
        correction. With several season lengths each window repeats the season whose lag
        differences have been smallest over its series' history up to the window's end (on
        M4 Hourly's validation split this rule alone, without a network, scores OWA 0.50
        against seasonal naive's 0.63); every sample then also reads the
        ``max(season_length)`` values before its window. The main season must fit in the window (else m = 1 is used
        for the window statistics and baseline, with a warning).
        The default suits many series of a clearly seasonal kind (M4 Hourly). For a long
        horizon over a weakly seasonal series prefer "naive": on ETTh1's validation period
        (oil temperature, horizon 96 = four days) a GRU scored MSE 0.094 with "naive"
        against 0.141 with "seasonal_naive" (experiments/ett_results.csv).
    difference : int, default 0
        Order of ordinary differencing (0, 1 or 2), undone on output.
    seasonal_difference : int, optional
        Season length m for one seasonal difference ``y_t - y_{t-m}`` (applied first).
    loss : {"mse", "mae", "huber"}, default "mse"
    epochs : int, default 30
        Passes of ``windows_per_epoch`` sampled windows each: 30 epochs of 10,000 windows
        (about 4,700 Adam steps at batch 64) are the default budget. On M4 Hourly's
        validation split they gave OWA 0.438 against 0.443 for 20 epochs, for 1.5 times the
        time (a default LSTM fit on all 414 series: about two to three minutes on 2 cores).
        The budget is fixed, not a number of passes over the data: on a single series of a
        few thousand windows it means dozens of passes, which overfit. On ETTh1 (8,209
        training windows) 10 epochs of 2,000 windows (about 2.4 passes) beat the default
        budget by a wide margin on the validation period (LSTM with ``baseline="naive"``:
        MSE 0.106 against 0.147): with little data, lower ``windows_per_epoch`` or
        ``epochs``, or hold out ``val_size`` for early stopping.
    batch_size : int, default 64
        At a fixed number of windows, 64 (twice the steps of 128) improved OWA on the M4
        validation split; smaller batches use the cores less well.
    lr : float, default 5e-3
        Peak learning rate of Adam (5e-3 beat 3e-3 and 1e-2 on the M4 validation split).
    lr_schedule : {"cosine", "plateau"}, default "cosine"
        "cosine": the learning rate decays from ``lr`` to ``min_lr`` along a half cosine over
        the ``epochs`` (step by step), a fixed budget with no schedule to tune. "plateau":
        multiplied by ``lr_factor`` after ``lr_patience`` epochs without improvement of the
        monitored loss (validation loss with ``val_size``, else training loss).
    optimizer : {"adam", "adamw", "sgd"}, default "adam"
        "adamw" uses decoupled weight decay; "sgd" uses momentum 0.9.
    clip_norm : float or None, default 1.0
        Clip gradients to this global L2 norm.
    weight_decay : float, default 0
    dropout : float, default 0
        Between stacked layers.
    val_size : int, default 0
        Last values of every series held out for validation (early stopping and, with
        ``lr_schedule="plateau"``, the learning-rate schedule watch the validation loss);
        at least ``horizon``. 0: no validation.
    patience : int, default 10
        Epochs without validation improvement before stopping; the best weights are restored.
    lr_patience : int, default 4
        Epochs without improvement before the learning rate is multiplied by ``lr_factor``
        (``lr_schedule="plateau"``).
    lr_factor : float, default 0.5
    min_lr : float, default 1e-5
        Floor of the plateau schedule and end point of the cosine one.
    windows_per_epoch : int or None, default 10000
        Train on a fresh random subset of at most this many windows per epoch, drawn
        uniformly over every window of every series; None: every window. With the default,
        ``epochs * windows_per_epoch`` bounds the training cost whatever the data size
        (a default fit on the 414 M4 Hourly series takes about two minutes on 2 cores).
    n_ensemble : int, default 1
        Train this many networks (each with its own seed, and its own window when
        ``window`` is a list) and forecast their median. Fit time grows in proportion.
    verbose : bool, default False
        Show a tqdm progress bar with epoch, loss and validation loss.
    random_state : int or None
        Seeds weights, dropout and shuffling: same value, bit-identical results.
    dtype : {"float32", "float64"}, default "float32"
    init : {"orthogonal", "torch"}, default "orthogonal"
    alias : str, optional
        Column name of the forecasts (default: "LSTM", "GRU" or "RNN").
    fill_missing : {None, "interpolate"}, default None
        How to treat NaN in the input (None: error).
    sort : bool, default False
        Sort unsorted timestamps instead of raising.
    warm_start : bool, default False
        When fitting again, start from the previous fit's weights (if the architecture is
        unchanged) instead of a fresh initialization; backtests use it to refit cheaply.
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where the network trains: "cuda" keeps parameters, optimizer state and activations
        on an NVIDIA GPU for the whole fit (error when numba finds none); "auto" uses a GPU
        when there is one. Forecasts come back as pandas either way.
    quantiles : list of float, optional
        Q quantile levels in (0, 1), e.g. ``[0.1, 0.5, 0.9]``: the head then emits
        ``horizon * Q`` values per step, read as (horizon, Q), and trains on the pinball loss
        (``loss`` is not used). Every transform in front of the network (log, per-series or
        window scaling, the baseline, which shifts all Q outputs alike) is increasing, so the
        quantiles of the scaled residual map onto quantiles of the data. At prediction the Q
        outputs of every step are sorted (no quantile crossing; an ensemble first takes the
        median of its members per quantile). The point forecast is the 0.5 quantile when
        ``quantiles`` holds it, else the median of the Q outputs. ``predict(level=L)`` then
        defaults to ``interval_method="quantile"``: the bounds of level L are the learned
        quantiles ``(100 - L) / 200`` and ``(100 + L) / 200`` (80: 0.1 and 0.9; 95: 0.025 and
        0.975), which must be among ``quantiles`` (else ValueError naming them; no
        interpolation). ``interval_method="conformal"`` stays available. Needs
        ``strategy="direct"`` and no differencing (a running sum of quantiles is not a
        quantile of the sum).
    calendar_features : bool, default False
        Feed calendar features of the forecast steps: sine and cosine of the hour of day,
        day of week and month of year, those cycles longer than the sampling step
        (:func:`tsrnn.data.covariates.calendar_features`; hourly data: 6 features). Needs
        timestamps (not an integer axis) with a sub-yearly frequency.
    series_embedding : int, optional
        D: give every series of a global model a learned vector of D values
        (:class:`tsrnn.nn.Embedding`) as extra input at every step, trained with the network
        (its gradient is the recurrent layers' input gradient of those columns). ``predict``
        then only forecasts series seen in ``fit``.

    Covariates (regressors ``X`` given to ``fit``, calendar features, the series vector)
    follow the direct strategy's forking sequences: input step t forecasts steps
    t + 1 .. t + horizon. The recurrent layers read ``[y_t, c_{t+1}, e]`` (the scaled value,
    the K covariates of the next step, the series vector), so the state follows what the
    covariates have done; the linear head reads ``[h_t, c_{t+1}, ..., c_{t+horizon}]``, the
    hidden state and the covariates of every step it forecasts (``horizon * K`` values), as
    MQ-RNN's decoder reads the future covariates. Feeding them to the head rather than only
    to the layers matters: a state of ``hidden_size`` values cannot carry ``horizon * K``
    future values through its nonlinearity, while the head gives the regressor of step
    t + j a direct weight (on y = 3 x + noise, a GRU with 16 units fed the future X only
    through its inputs did not beat the model without X). Regressors are standardized per
    column with the mean and standard deviation of the training rows (``exog_stats_``);
    calendar features are already in [-1, 1]. ``predict`` therefore needs ``X`` at the
    ``horizon`` timestamps after every series' end, whatever ``h``, and the history's
    regressors (those stored from ``fit``, or from ``X`` when ``y`` is given). Covariates need
    ``strategy="direct"``, ``training="windows"`` and the CPU.

    Attributes
    ----------
    model_ : tsrnn.nn.RecurrentRegressor
        The trained network (the first member of an ensemble).
    models_ : list of tsrnn.nn.RecurrentRegressor
        Every member (``n_ensemble`` networks).
    windows_ : list of int
        The window of every member.
    season_length_ : int
        Main season length used (given or inferred).
    seasons_ : tuple of int
        Every season length used.
    log_ : bool
        Whether the data were modelled on the log scale.
    history_ : pandas.DataFrame
        One row per epoch: epoch, train_loss, val_loss, lr, seconds (and member, for an ensemble).
    scaler_stats_ : (n_series, 2) array
        Per-series location and scale fitted on the training part (0 and 1 with the
        "window" scaler, whose statistics belong to each window).
    best_epoch_ : int
        Epoch whose weights were kept (of the first member).
    quantiles_ : tuple of float or None
        The sorted quantile levels of the head (None: a point head).
    exog_names_ : list of str or None
        Regressor columns of the ``X`` given to ``fit`` (None: fitted without X).
    exog_stats_ : (2, k) array or None
        Mean and standard deviation of every regressor over the training rows.
    calendar_names_ : list of str
        The calendar features fed (empty unless ``calendar_features``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsrnn import RNNForecaster
    >>> idx = pd.date_range("2024-01-01", periods=200, freq="h")
    >>> y = pd.Series(np.sin(np.arange(200) * 2 * np.pi / 24), index=idx)
    >>> f = RNNForecaster(cell="gru", hidden_size=16, window=24, horizon=6, epochs=2, random_state=0).fit(y)
    >>> f.predict().index[0]
    Timestamp('2024-01-09 08:00:00')
    """

    _supports_exog = True

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        window=None,
        horizon=24,
        season_length=None,
        strategy="direct",
        training="windows",
        tbptt=None,
        step=1,
        target_steps="all",
        scaler="window",
        log="auto",
        baseline="seasonal_naive",
        difference=0,
        seasonal_difference=None,
        loss="mse",
        epochs=30,
        batch_size=64,
        lr=5e-3,
        lr_schedule="cosine",
        optimizer="adam",
        clip_norm=1.0,
        weight_decay=0.0,
        dropout=0.0,
        val_size=0,
        patience=10,
        lr_patience=4,
        lr_factor=0.5,
        min_lr=1e-5,
        windows_per_epoch=10000,
        n_ensemble=1,
        verbose=False,
        random_state=None,
        dtype="float32",
        init="orthogonal",
        alias=None,
        fill_missing=None,
        sort=False,
        warm_start=False,
        device="cpu",
        quantiles=None,
        calendar_features=False,
        series_embedding=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.window = window
        self.horizon = horizon
        self.season_length = season_length
        self.strategy = strategy
        self.training = training
        self.tbptt = tbptt
        self.step = step
        self.target_steps = target_steps
        self.scaler = scaler
        self.log = log
        self.baseline = baseline
        self.difference = difference
        self.seasonal_difference = seasonal_difference
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.clip_norm = clip_norm
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.val_size = val_size
        self.patience = patience
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.min_lr = min_lr
        self.windows_per_epoch = windows_per_epoch
        self.n_ensemble = n_ensemble
        self.verbose = verbose
        self.random_state = random_state
        self.dtype = dtype
        self.init = init
        self.alias = alias
        self.fill_missing = fill_missing
        self.sort = sort
        self.warm_start = warm_start
        self.device = device
        self.quantiles = quantiles
        self.calendar_features = calendar_features
        self.series_embedding = series_embedding

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(cell="gru", hidden_size=8, window=24, horizon=4, epochs=2, batch_size=32, random_state=0)

    @property
    def _model_name(self):
        return _CELL_NAMES.get(str(self.cell).lower(), "RNN")

    def _default_h(self):
        return self.horizon

    # ------------------------------------------------------------- validation
    def _check_params(self):
        from ..kernels.cuda._device import resolve_device

        resolve_device(self.device)  # clear error for "cuda" without a GPU, before any work
        cell = str(self.cell).lower() if isinstance(self.cell, str) else self.cell
        if cell not in _CELL_NAMES:
            raise ValueError(f"cell={self.cell!r} is not known; expected one of {sorted(_CELL_NAMES)}")
        check_positive_int(self.hidden_size, "hidden_size")
        check_positive_int(self.num_layers, "num_layers")
        if isinstance(self.window, (list, tuple)):
            if not self.window:
                raise ValueError("window=[] is empty; expected an integer >= 1, a list of them, or None")
            for w in self.window:
                check_positive_int(w, "window")
        elif self.window is not None:
            check_positive_int(self.window, "window")
        check_positive_int(self.horizon, "horizon")
        if isinstance(self.season_length, (list, tuple)):
            if not self.season_length:
                raise ValueError("season_length=[] is empty; expected an integer >= 1, a list of them, or None")
            for m in self.season_length:
                check_positive_int(m, "season_length")
        elif self.season_length is not None:
            check_positive_int(self.season_length, "season_length")
        check_positive_int(self.step, "step")
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_ensemble, "n_ensemble")
        if self.strategy not in ("direct", "recursive"):
            raise ValueError(f"strategy={self.strategy!r} is not known; expected 'direct' or 'recursive'")
        if self.training not in ("windows", "stateful"):
            raise ValueError(f"training={self.training!r} is not known; expected 'windows' or 'stateful'")
        if self.tbptt is not None:
            check_positive_int(self.tbptt, "tbptt")
        if self.scaler not in _RNN_SCALERS:
            raise ValueError(f"scaler={self.scaler!r} is not known; expected one of {_RNN_SCALERS}")
        if not any(self.log is v for v in _LOG) and self.log != "auto":
            raise ValueError(f"log={self.log!r} is not known; expected 'auto', True or False")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline={self.baseline!r} is not known; expected one of {BASELINES}")
        if self.training == "stateful" and (self.scaler == "window" or self.baseline is not None):
            raise ValueError(
                f"training='stateful' runs along whole series, without windows: it needs a per-series scaler and no "
                f"baseline (got scaler={self.scaler!r}, baseline={self.baseline!r}); pass for example "
                "scaler='standard', baseline=None"
            )
        if self.lr_schedule not in _LR_SCHEDULES:
            raise ValueError(f"lr_schedule={self.lr_schedule!r} is not known; expected one of {_LR_SCHEDULES}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r} is not known; expected one of {_OPTIMIZERS}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype={self.dtype!r} is not supported; expected 'float32' or 'float64'")
        if self.val_size:
            check_positive_int(self.val_size, "val_size")
            if self.val_size < self.horizon:
                raise ValueError(f"val_size={self.val_size} must be at least horizon={self.horizon} (or 0: no validation)")
        for name in ("lr", "lr_factor", "min_lr"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        if not self.lr_factor < 1:
            raise ValueError(f"lr_factor must be below 1, got {self.lr_factor!r}")
        check_positive_int(self.patience, "patience")
        check_positive_int(self.lr_patience, "lr_patience")
        if self.windows_per_epoch is not None:
            check_positive_int(self.windows_per_epoch, "windows_per_epoch")
        self._check_probabilistic_and_covariate_params()
        return cell

    def _check_probabilistic_and_covariate_params(self):
        self.quantiles_ = None if self.quantiles is None else _check_quantiles(self.quantiles)
        if self.quantiles_ is not None:
            if self.strategy != "direct":
                raise ValueError(f"quantiles need strategy='direct' (one head emits every step's quantiles), got "
                                 f"strategy={self.strategy!r}")  # fmt: skip
            if self.difference or self.seasonal_difference:
                raise ValueError(
                    f"quantiles cannot be combined with difference={self.difference!r} or seasonal_difference="
                    f"{self.seasonal_difference!r}: integrating per-step quantiles does not give quantiles of the "
                    "series; use the default window scaler and baseline instead"
                )
        if not isinstance(self.calendar_features, (bool, np.bool_)):
            raise ValueError(f"calendar_features must be True or False, got {self.calendar_features!r}")
        if self.series_embedding is not None:
            check_positive_int(self.series_embedding, "series_embedding")

    def _check_covariate_strategy(self, what):
        from ..kernels.cuda._device import resolve_device

        if resolve_device(self.device) != "cpu":
            raise ValueError(f"covariates ({what}) run on the CPU only; use device='cpu' (got device={self.device!r})")
        if self.strategy != "direct" or self.training != "windows":
            raise ValueError(f"covariates ({what}) need strategy='direct' and training='windows' (those of every "
                             f"forecast step enter the window's inputs), got strategy={self.strategy!r}, "
                             f"training={self.training!r}")  # fmt: skip

    @property
    def _out_size(self):
        return self.horizon if self.strategy == "direct" else 1

    @property
    def _n_quantiles(self):
        return len(self.quantiles_) if getattr(self, "quantiles_", None) else 1

    @property
    def _n_covariates(self):
        """K: regressors plus calendar features per step."""
        return len(getattr(self, "exog_names_", None) or []) + len(getattr(self, "calendar_names_", None) or [])

    @property
    def _np_dtype(self):
        return np.dtype(self.dtype)

    @property
    def _series_scaler(self):
        return None if self.scaler == "window" else self.scaler

    def _member_windows(self, seasons):
        n = int(self.n_ensemble)
        if self.window is None:
            return [default_window(self.horizon, seasons)] * n
        if isinstance(self.window, (list, tuple)):
            return [int(self.window[i % len(self.window)]) for i in range(n)]
        return [int(self.window)] * n

    def _window_seasons(self, window):
        """Season lengths the window statistics and the baseline use: all, or (1,) when the main one outgrows the window."""
        return tuple(self.seasons_) if self.season_length_ <= window else (1,)

    def _history(self, window):
        """Values read before each window (the multi-season baseline's reach)."""
        return history_needed(self._window_seasons(window), self.baseline)

    # ------------------------------------------------------------- transforms
    def _diff(self, values, indptr):
        D = 1 if self.seasonal_difference else 0
        return difference(values, indptr, d=self.difference, m=self.seasonal_difference, D=D)

    def _undiff(self, forecasts, tails):
        D = 1 if self.seasonal_difference else 0
        return undifference(forecasts, tails, d=self.difference, m=self.seasonal_difference, D=D)

    def _to_model_space(self, values):
        """Log (if fitted so) of the values, checking that they allow it."""
        if not self.log_:
            return values
        if np.any(values <= 0):
            i = int(np.argmax(values <= 0))
            raise ValueError(
                f"the model was fitted on the log scale (log={self.log!r}: every training value was positive), but "
                f"the history has the value {float(values[i])!r}; refit with log=False to forecast data with zeros or "
                "negatives"
            )
        return np.log(values)

    # -------------------------------------------------------------------- fit
    def _fit(self, panel, X=None):
        cell = self._check_params()
        if self.log is True and np.any(panel.values <= 0):
            raise ValueError(
                f"log=True needs positive data, but the minimum value is {float(panel.values.min())!r}; "
                "use log='auto' or log=False"
            )
        self.log_ = bool(self.log is True or (self.log == "auto" and np.all(panel.values > 0)))
        if self.season_length is None:
            self.seasons_ = tuple(int(m) for m in infer_seasons(panel))
        elif isinstance(self.season_length, (list, tuple)):
            self.seasons_ = tuple(int(m) for m in self.season_length)
        else:
            self.seasons_ = (int(self.season_length),)
        self.season_length_ = self.seasons_[0]
        windows = self._member_windows(self.seasons_)
        if self.season_length_ > min(windows) and (self.scaler == "window" or self.baseline == "seasonal_naive"):
            warnings.warn(
                f"season_length={self.season_length_} is longer than window={min(windows)}: the window statistics "
                "and the seasonal-naive baseline of that window use m=1 (naive); give a longer window or a "
                "season_length",
                UserWarning,
                stacklevel=3,
            )
        dvals, dptr, _ = self._diff(self._to_model_space(panel.values), panel.indptr)
        lengths = np.diff(dptr)
        val = int(self.val_size or 0)
        train_len = lengths - val
        out = self._out_size
        need = min(w + self._history(w) for w in windows) + out
        parts = ("history + " if need > min(windows) + out else "") + "window + " + ("horizon" if out > 1 else "1")
        short = np.flatnonzero(train_len < need)
        if short.size == panel.n_series:
            raise ValueError(
                f"every series is too short: training needs {parts} = {need} values "
                f"per series (after differencing{' and holding out val_size' if val else ''}); the longest has "
                f"{int(train_len.max())}"
            )
        if short.size:
            names = [panel.ids[i] for i in short[:10]]
            warnings.warn(
                f"{short.size} series shorter than {parts.replace('horizon', str(out))} = {need} training values are "
                f"left out of training: {names}{' ...' if short.size > 10 else ''}",
                UserWarning,
                stacklevel=3,
            )
        train_vals, train_ptr = _csr_prefix(dvals, dptr, np.maximum(train_len, 0))
        stats = fit_scaler(self._series_scaler, train_vals, train_ptr)
        z = scale(dvals, dptr, stats)
        self.n_series_ = panel.n_series
        covariates = self._fit_covariates(panel, X, dptr)

        rng = np.random.default_rng(self.random_state)
        seeds = rng.spawn(2 * int(self.n_ensemble))
        previous = getattr(self, "models_", None) if self.warm_start else None
        val_set = self._validation_set(z, dptr, lengths, covariates) if val else None
        models, frames, best_epochs = [], [], []
        with single_blas_thread():
            for i, window in enumerate(windows):
                model = self._new_model(cell, seeds[2 * i])
                if previous is not None and i < len(previous):
                    try:
                        model.load_state_dict(previous[i].state_dict())
                    except ValueError:
                        warnings.warn("warm_start: the previous weights do not fit the new architecture; starting "
                                      "fresh", UserWarning, stacklevel=3)  # fmt: skip
                history, best_epoch = self._train_member(model, window, z, dptr, train_len, val_set, seeds[2 * i + 1],
                                                         member=i, covariates=covariates)  # fmt: skip
                if len(windows) > 1:
                    history.insert(0, "member", i)
                models.append(model)
                frames.append(history)
                best_epochs.append(best_epoch)
        self.models_ = models
        self.model_ = models[0]
        self.windows_ = windows
        self.history_ = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        self.best_epoch_ = best_epochs[0]
        self.scaler_stats_ = stats
        self.n_series_ = panel.n_series
        return self

    def _new_model(self, cell, seed=None):
        from ..nn import RecurrentRegressor

        out = self._out_size * self._n_quantiles
        if self._n_covariates or self.series_embedding:
            return _CovariateRegressor(cell, self._n_covariates, self.horizon, self.hidden_size, out, self.num_layers,
                                       self._np_dtype, seed, self.init, self.dropout, self.n_series_,
                                       int(self.series_embedding or 0))  # fmt: skip
        return RecurrentRegressor(cell, 1, self.hidden_size, out, self.num_layers, dtype=self._np_dtype,
                                  seed=seed, init=self.init, dropout=self.dropout, device=self.device)  # fmt: skip

    def _fit_covariates(self, panel, X, dptr):
        """(N', K) covariates at every position of the model-space series (CSR ``dptr``), or None.

        Sets ``exog_names_``, ``exog_stats_``, ``exog_history_`` (the raw regressors of the
        fitted history, kept for ``predict``) and ``calendar_names_``.
        """
        self.exog_names_ = self.exog_stats_ = self.exog_history_ = None
        self.calendar_names_ = []
        uses = [what for what, on in (("regressors X", X is not None), ("calendar_features", self.calendar_features),
                                      ("series_embedding", self.series_embedding)) if on]  # fmt: skip
        if uses:
            self._check_covariate_strategy(" and ".join(uses))
        cols = []
        if X is not None:
            history, self.exog_names_ = align_exog(panel, X)
            val = int(self.val_size or 0)
            ptr = panel.indptr
            rows = np.concatenate([np.arange(ptr[i], ptr[i + 1] - val) for i in range(panel.n_series)])
            train = history[rows] if rows.size else history
            std = train.std(axis=0)
            self.exog_stats_ = np.stack([train.mean(axis=0), np.where(std > 0, std, 1.0)])
            self.exog_history_ = history
            cols.append((history - self.exog_stats_[0]) / self.exog_stats_[1])
        if self.calendar_features:
            axis = panel.axis
            self.calendar_names_ = calendar_names(axis.kind, axis.freq)
            if not self.calendar_names_:
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

    def _train_member(self, model, window, z, dptr, train_len, val_set, shuffle_rng, member=0, covariates=None):
        from ..nn import SGD, Adam, TBPTTTrainer, get_loss

        params = model.parameters()
        if self.optimizer == "sgd":
            opt = SGD(params, lr=self.lr, momentum=0.9, weight_decay=self.weight_decay)
        else:
            opt = Adam(params, lr=self.lr, weight_decay=self.weight_decay,
                       decoupled_weight_decay=self.optimizer == "adamw")  # fmt: skip
        loss = get_loss(self.loss) if self.quantiles_ is None else _HorizonPinball(self.quantiles_)
        out = self._out_size
        if self.training == "windows":
            trainer = TBPTTTrainer(model, loss, opt, mode="windows", clip_norm=self.clip_norm)
            sampler = WindowSampler(z, dptr, window, out, self.step, ends=train_len, target_steps=self.target_steps,
                                    scaling="window" if self.scaler == "window" else None,
                                    season_length=self._window_seasons(window), baseline=self.baseline,
                                    covariates=covariates)  # fmt: skip
            batches, n_batches = self._window_batches(sampler, shuffle_rng)
        else:
            trainer = TBPTTTrainer(model, loss, opt, mode="stateful", k=self.tbptt or window,
                                   clip_norm=self.clip_norm)  # fmt: skip
            batches, n_batches = self._stream_batches(z, dptr, train_len, out, window, shuffle_rng, trainer)
        if self.quantiles_ is not None:
            batches = _repeat_targets(batches, self._n_quantiles)
        return self._train_loop(model, trainer, opt, batches, n_batches, val_set, loss, window, member)

    def _window_batches(self, sampler, rng):
        n = len(sampler)
        dtype = self._np_dtype
        per_epoch = n if self.windows_per_epoch is None else min(n, int(self.windows_per_epoch))

        embed = bool(self.series_embedding)

        def epoch():
            order = rng.permutation(n)[:per_epoch]
            for b in range(0, order.size, self.batch_size):
                idx = order[b : b + self.batch_size]
                x, y, w = sampler.gather(idx, dtype)
                if embed:
                    x = _with_series_column(x, sampler.series[idx])
                yield x, y, w

        return epoch, -(-per_epoch // self.batch_size)

    def _stream_batches(self, z, dptr, train_len, out, window, rng, trainer):
        """Stateful training: every series is one stream, right-aligned and zero-padded on the left."""
        dtype = self._np_dtype
        use = np.flatnonzero(train_len >= window + out)
        L = int(train_len[use].max())
        x = np.zeros((use.size, L, 1), dtype=dtype)
        y = np.zeros((use.size, L, out), dtype=dtype)
        w = np.zeros((use.size, L, out), dtype=dtype)
        for row, i in enumerate(use):
            s = z[dptr[i] : dptr[i] + train_len[i]]
            n = s.size
            pad = L - n
            x[row, pad:, 0] = s
            for j in range(out):
                # Target of step t is s[t + 1 + j]; valid while t + 1 + j < n.
                y[row, pad : L - 1 - j, j] = s[1 + j :]
                w[row, pad : L - 1 - j, j] = 1.0

        def epoch():
            trainer.reset_state()
            order = rng.permutation(use.size)
            for b in range(0, order.size, self.batch_size):
                idx = np.sort(order[b : b + self.batch_size])
                trainer.reset_state()
                yield x[idx], y[idx], w[idx]

        return epoch, -(-use.size // self.batch_size)

    def _validation_set(self, z, dptr, lengths, covariates=None):
        """Forecast origins inside the held-out tail of every series, ``horizon`` apart.

        Returns ``(histories, targets, covariates, series)``: the covariates of every
        history and of the ``horizon`` steps after it (None without covariates), and the
        series position of every origin.
        """
        histories, targets, covs, series = [], [], [], []
        for i in range(dptr.size - 1):
            n = lengths[i]
            s = z[dptr[i] : dptr[i] + n]
            for origin in range(n - self.val_size, n - self.horizon + 1, self.horizon):
                if origin < 1:
                    continue
                histories.append(s[:origin])
                targets.append(s[origin : origin + self.horizon])
                series.append(i)
                if covariates is not None:
                    covs.append(covariates[dptr[i] : dptr[i] + origin + self.horizon])
        if not histories:
            return None
        return histories, np.stack(targets), (covs if covariates is not None else None), np.array(series, np.int64)

    def _val_loss(self, model, window, val_set, loss):
        """Validation loss in the space the network trains in (window-scaled with the "window" scaler)."""
        ids = val_set[3] if self.series_embedding else None
        pred, loc, scale_ = self._forecast_member(model, window, val_set[0], self.horizon, val_set[2], ids)
        dtype = self._np_dtype
        target = ((val_set[1] - loc) / scale_).astype(dtype)
        if self.quantiles_ is not None:
            pred = ((pred - loc[..., None]) / scale_[..., None]).astype(dtype)
            return float(loss.pinball(pred, target)[0])
        pred = ((pred - loc) / scale_).astype(dtype)
        return float(loss(pred, target)[0])

    def _train_loop(self, model, trainer, opt, batches, n_batches, val_set, loss, window, member=0):
        from tqdm.auto import tqdm

        rows = []
        best = np.inf
        best_params = None
        best_epoch = 0
        since_best = 0
        since_lr = 0
        lr_best = np.inf
        cosine = self.lr_schedule == "cosine"
        total = self.epochs * max(n_batches, 1)
        desc = f"{self.name_} fit" + (f" {member + 1}/{self.n_ensemble}" if self.n_ensemble > 1 else "")
        bar = tqdm(range(1, self.epochs + 1), desc=desc, unit="epoch", disable=not self.verbose, leave=True)
        for epoch in bar:
            t0 = time.perf_counter()
            model.train()
            losses, weights = [], []
            epoch_lr = opt.lr
            for j, (x, y, w) in enumerate(batches()):
                if cosine:
                    done = ((epoch - 1) * n_batches + j) / total
                    opt.lr = self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + np.cos(np.pi * done))
                    if j == 0:
                        epoch_lr = opt.lr
                value = trainer.step(x, y, w)
                if np.isfinite(value):
                    losses.append(value)
                    weights.append(x.shape[0])
            model.eval()
            train_loss = float(np.average(losses, weights=weights)) if losses else float("nan")
            val_loss = float("nan")
            if val_set is not None:
                val_loss = self._val_loss(model, window, val_set, loss)
            monitor = val_loss if val_set is not None else train_loss
            rows.append((epoch, train_loss, val_loss, epoch_lr, time.perf_counter() - t0))
            if self.verbose:
                bar.set_postfix(loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}", lr=f"{epoch_lr:.1e}")
            if monitor < best:
                best, best_epoch, since_best = monitor, epoch, 0
                best_params = model.state_dict()  # NumPy copies, on the CPU and on a GPU alike
            else:
                since_best += 1
            if not cosine:
                # Learning rate reduced on plateau (relative improvement below 1e-4).
                if monitor < lr_best * (1 - 1e-4):
                    lr_best, since_lr = monitor, 0
                else:
                    since_lr += 1
                    if since_lr >= self.lr_patience and opt.lr > self.min_lr:
                        opt.lr = max(self.min_lr, opt.lr * self.lr_factor)
                        since_lr = 0
            if val_set is not None and since_best >= self.patience:
                break
        bar.close()
        if val_set is not None and best_params is not None:
            model.load_state_dict(best_params)
        best_epoch = best_epoch if val_set is not None else len(rows)
        return pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "lr", "seconds"]), best_epoch

    # ---------------------------------------------------------------- predict
    def _forecast_member(self, model, window, histories, h, covs=None, series=None):
        """One network's forecasts in the series-scaled (and differenced) space.

        Parameters
        ----------
        model : RecurrentRegressor
        window : int
            The member's input window.
        histories : list of 1-D arrays
            Series-scaled history of every series to forecast from.
        h : int
        covs : list of (n_i + horizon, K) arrays, optional
            Covariates of every history step and of the ``horizon`` steps after it.
        series : (n,) int array, optional
            Series positions, for ``series_embedding``.

        Returns
        -------
        pred : (n, h) float64 array, or (n, h, Q) for a quantile head (unsorted)
        loc, scale : (n, 1) arrays
            Statistics of each input window (0 and 1 unless ``scaler="window"``).
        """
        if self.strategy == "direct" and h > self.horizon:
            raise ValueError(
                f"h={h} is beyond the model's horizon={self.horizon}; refit with a larger horizon or "
                "strategy='recursive'"
            )
        dtype = self._np_dtype
        n = len(histories)
        seasons = self._window_seasons(window)
        pre = self._history(window) if self.training == "windows" else 0
        length = max(max(s.size for s in histories) if self.training == "stateful" else window, 1)
        windowed = self.scaler == "window"
        full = _pad_left(histories, pre + length, dtype, edge=windowed)[:, :, 0]
        if windowed:
            loc, scale_ = window_stats(full[:, pre:], seasons[0])
            full = (full - loc) / scale_
        else:
            loc, scale_ = np.zeros((n, 1), dtype), np.ones((n, 1), dtype)
        x = np.ascontiguousarray(full[:, pre:])
        chosen = None
        if self.baseline == "seasonal_naive" and len(seasons) > 1:
            # Each series' whole history picks its season, as every training window's history did.
            chosen = np.array([season_choice(s[None, :], seasons)[0] for s in histories], dtype=np.int64)
        inputs = x[:, :, None]
        if covs is not None:
            inputs = np.concatenate([inputs, _covariate_inputs(covs, length, self.horizon, dtype)], axis=2)
        if series is not None:
            inputs = _with_series_column(inputs, series)
        out, state = model.forward(inputs)
        if self.quantiles_ is not None:
            pred = out[:, -1, :].reshape(n, self.horizon, -1)[:, :h].astype(np.float64)
            if self.baseline is not None:
                pred += baseline_forecast(full, self.horizon, seasons, self.baseline, last_only=True, window=length,
                                          chosen=chosen)[:, :h, None]  # fmt: skip
            return pred * scale_[..., None] + loc[..., None], loc, scale_
        if self.strategy == "direct":
            pred = out[:, -1, :h].astype(np.float64)
            if self.baseline is not None:
                pred += baseline_forecast(full, self.horizon, seasons, self.baseline, last_only=True, window=length,
                                          chosen=chosen)[:, :h]  # fmt: skip
        else:
            # The one-step baseline of each next step: the value ``lag`` steps before it.
            if self.baseline is None:
                lag = np.zeros(n, dtype=np.int64)
            elif self.baseline == "naive":
                lag = np.ones(n, dtype=np.int64)
            elif chosen is not None:
                lag = chosen
            else:
                lag = np.full(n, seasons[0], dtype=np.int64)
            from ..nn.recursive import closed_loop

            pred = closed_loop(model, out[:, -1, :], state, h, full.astype(np.float64)[:, :, None], lag)[:, :, 0]
        return pred * scale_ + loc, loc, scale_

    def _predict(self, panel, h, positions=None, X=None):
        if self.strategy == "direct" and h > self.horizon:
            raise ValueError(
                f"h={h} is beyond the model's horizon={self.horizon}; refit with a larger horizon or strategy='recursive'"
            )
        dvals, dptr, tails = self._diff(self._to_model_space(panel.values), panel.indptr)
        stats = fit_scaler(self._series_scaler, dvals, dptr)
        z = scale(dvals, dptr, stats)
        histories = [z[dptr[i] : dptr[i + 1]] for i in range(panel.n_series)]
        covs = self._predict_covariates(panel, positions, X, np.diff(dptr))
        series = self._series_positions(panel, positions) if self.series_embedding else None
        forecasts = []
        with single_blas_thread():
            for model, window in zip(self.models_, self.windows_):
                pred, _, _ = self._forecast_member(model, window, histories, h, covs, series)
                pred = self._undiff(unscale(pred, stats), tails)
                if self.log_:
                    with np.errstate(over="ignore"):
                        pred = np.exp(pred)
                forecasts.append(pred)
        result = forecasts[0] if len(forecasts) == 1 else np.median(forecasts, axis=0)
        if self.quantiles_ is None:
            return result
        # Median per quantile across members first, then sort: the Q outputs of a step never cross.
        result = np.sort(result, axis=-1)
        self._last_quantiles = (panel, h, result)
        if 0.5 in self.quantiles_:
            return result[:, :, self.quantiles_.index(0.5)]
        return np.median(result, axis=-1)

    def _predict_covariates(self, panel, positions, X, lengths):
        """Covariates of every series to forecast: a list of (lengths[i] + horizon, K) arrays, or None.

        Regressors of the history come from ``fit`` for fitted series (``positions``), from
        ``X`` for new history; those of the ``horizon`` steps after every series' end from ``X``.
        """
        uses_x = bool(self.exog_names_)
        if X is not None and not uses_x:
            raise ValueError("X was given to predict, but the model was fitted without regressors; refit with "
                             "fit(y, X=...) to use them, or predict without X")  # fmt: skip
        if uses_x and X is None:
            raise ValueError(f"the model was fitted with regressors {self.exog_names_}: predict needs X with their "
                             f"values at the {self.horizon} timestamps after the end of every series")  # fmt: skip
        if not uses_x and not self.calendar_names_:
            return None
        S, hz, axis = panel.n_series, self.horizon, panel.axis
        parts = [[] for _ in range(S)]
        if uses_x:
            try:
                future, _ = align_exog(panel, X, h=hz, names=self.exog_names_)
                if positions is None:
                    history, _ = align_exog(panel, X, names=self.exog_names_)
            except ValueError as exc:
                raise ValueError(f"{exc}. predict needs X at the {hz} timestamps after every series' end (the model's "
                                 f"horizon, whatever h){'' if positions is not None else ', and over the history of y'}"
                                 ) from None  # fmt: skip
            mean, std = self.exog_stats_
            fitted_ptr = self.panel_.indptr
            for row in range(S):
                if positions is None:
                    past = history[panel.indptr[row] : panel.indptr[row + 1]]
                else:
                    p = int(positions[row])
                    past = self.exog_history_[fitted_ptr[p] : fitted_ptr[p + 1]]
                    if len(past) != panel.lengths[row]:
                        raise RuntimeError(f"stored regressors of series {panel.ids[row]!r} ({len(past)} rows) do not "
                                           f"match its history ({int(panel.lengths[row])} values)")  # fmt: skip
                parts[row].append((np.concatenate([past, future[row]]) - mean) / std)
        if self.calendar_names_:
            for row in range(S):
                stamps = axis.history(row).append(axis.future(row, hz))
                parts[row].append(calendar_features(stamps, axis.kind, axis.freq))
        return [np.concatenate(p, axis=1)[-(int(n) + hz) :] for p, n in zip(parts, lengths)]

    def _series_positions(self, panel, positions):
        """Positions of the panel's series among the fitted ones (for ``series_embedding``)."""
        if positions is not None:
            return np.asarray(positions, dtype=np.int64)
        lookup = {k: i for i, k in enumerate(self.panel_.ids)}
        unknown = [k for k in panel.ids if k not in lookup]
        if unknown:
            raise ValueError(f"series_embedding: the series {unknown[:10]} were not seen in fit, so they have no "
                             "learned vector; forecast only fitted series or refit")  # fmt: skip
        return np.array([lookup[k] for k in panel.ids], dtype=np.int64)

    # -------------------------------------------------------------- intervals
    def _interval_methods(self):
        return ("quantile", "conformal") if self.quantiles is not None else ("conformal",)

    def _predict_intervals(self, panel, h, positions, point, levels, method, windows):
        if method == "quantile" and self.quantiles is None:
            raise ValueError("interval_method='quantile' needs a quantile head: fit RNNForecaster(quantiles=[...]), e.g. "
                             "quantiles=[0.1, 0.5, 0.9] for 80% intervals; or use interval_method='conformal'")  # fmt: skip
        chosen = self._interval_methods()[0] if method is None else method
        if chosen == "conformal" and self.exog_names_:
            raise ValueError("conformal intervals refit the model at earlier cut-offs, which this model cannot do with "
                             "regressors X; fit it with quantiles=[...] and use interval_method='quantile'")  # fmt: skip
        return super()._predict_intervals(panel, h, positions, point, levels, method, windows)

    def _model_intervals(self, panel, h, positions, point, levels, method):
        """Bounds of every level from the quantile head: quantiles (100 - L) / 200 and (100 + L) / 200."""
        q = np.asarray(self.quantiles_)
        columns = []
        for level in levels:
            lo, hi = (100.0 - level) / 200.0, (100.0 + level) / 200.0
            found = [np.flatnonzero(np.isclose(q, v, rtol=0, atol=1e-9)) for v in (lo, hi)]
            if not all(f.size for f in found):
                pairs = [v for v in q if v < 0.5 and np.isclose(q, 1 - v, rtol=0, atol=1e-9).any()]
                offered = [_level_text(100 * (1 - 2 * v)) for v in pairs]
                raise ValueError(
                    f"level={_level_text(level)} needs the quantiles {lo:g} and {hi:g}, but the model was fitted with "
                    f"quantiles={list(self.quantiles_)} (levels it can give: {offered}); refit with those quantiles "
                    "or use interval_method='conformal'"
                )
            columns.append((int(found[0][0]), int(found[1][0])))
        cached = getattr(self, "_last_quantiles", None)
        if cached is None or cached[0] is not panel or cached[1] != h:
            self._predict(panel, h, positions)
        quantiles = self._last_quantiles[2]
        self._last_quantiles = None
        lo = np.stack([quantiles[:, :, i] for i, _ in columns], axis=2)
        hi = np.stack([quantiles[:, :, j] for _, j in columns], axis=2)
        return lo, hi

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        header = {"best_epoch": int(self.best_epoch_), "n_series": int(self.n_series_),
                  "history_columns": list(self.history_.columns), "seasons": [int(m) for m in self.seasons_],
                  "log": bool(self.log_), "windows": [int(w) for w in self.windows_],
                  "exog_names": self.exog_names_, "calendar_names": list(self.calendar_names_)}  # fmt: skip
        arrays = {}
        for i, model in enumerate(self.models_):
            prefix = "model." if i == 0 else f"member{i}."
            arrays.update({f"{prefix}{k}": v for k, v in model.state_dict().items()})
        arrays.update({f"history.{c}": self.history_[c].to_numpy() for c in self.history_.columns})
        arrays["scaler_stats"] = self.scaler_stats_
        if self.exog_names_:
            arrays["exog.stats"] = self.exog_stats_
            arrays["exog.history"] = self.exog_history_
        return header, arrays

    @classmethod
    def _from_saved(cls, header, arrays):
        if "windows" not in header.get("state", {}):
            # Saved before season_length, log, baseline, lr_schedule and n_ensemble existed: their behaviour then.
            old = {"log": False, "baseline": None, "lr_schedule": "plateau", "n_ensemble": 1, "windows_per_epoch": None}
            header = dict(header, params={**old, **header["params"]})
        return super()._from_saved(header, arrays)

    def _load_state(self, header, arrays):
        cell = self._check_params()
        self.seasons_ = tuple(int(m) for m in header.get("seasons", [self.season_length or 1]))
        self.season_length_ = self.seasons_[0]
        self.log_ = bool(header.get("log", False))
        self.windows_ = [int(w) for w in header.get("windows", [self.window])]
        self.n_series_ = int(header["n_series"])
        self.exog_names_ = header.get("exog_names") or None
        self.calendar_names_ = list(header.get("calendar_names") or [])
        self.exog_stats_ = arrays["exog.stats"] if self.exog_names_ else None
        self.exog_history_ = arrays["exog.history"] if self.exog_names_ else None
        if self.exog_names_ and self.exog_stats_.shape != (2, len(self.exog_names_)):
            raise ValueError(f"the file's regressor statistics have shape {self.exog_stats_.shape}; expected "
                             f"(2, {len(self.exog_names_)})")  # fmt: skip
        models = []
        for i in range(len(self.windows_)):
            prefix = "model." if i == 0 else f"member{i}."
            model = self._new_model(cell)
            model.load_state_dict({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
            models.append(model)
        self.models_ = models
        self.model_ = models[0]
        self.scaler_stats_ = arrays["scaler_stats"]
        self.best_epoch_ = int(header["best_epoch"])
        self.n_series_ = int(header["n_series"])
        self.history_ = pd.DataFrame({c: arrays[f"history.{c}"] for c in header["history_columns"]})
