"""RNNForecaster: a global RNN, LSTM or GRU forecaster over pandas, trained with tsrnn's kernels."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from .._threads import single_blas_thread
from .._validation import check_positive_int
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
    0.44; ``n_ensemble`` adds a median over networks.

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
        return cell

    @property
    def _out_size(self):
        return self.horizon if self.strategy == "direct" else 1

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
    def _fit(self, panel):
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

        rng = np.random.default_rng(self.random_state)
        seeds = rng.spawn(2 * int(self.n_ensemble))
        previous = getattr(self, "models_", None) if self.warm_start else None
        val_set = self._validation_set(z, dptr, lengths) if val else None
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
                                                         member=i)  # fmt: skip
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

        return RecurrentRegressor(cell, 1, self.hidden_size, self._out_size, self.num_layers, dtype=self._np_dtype,
                                  seed=seed, init=self.init, dropout=self.dropout, device=self.device)  # fmt: skip

    def _train_member(self, model, window, z, dptr, train_len, val_set, shuffle_rng, member=0):
        from ..nn import SGD, Adam, TBPTTTrainer, get_loss

        params = model.parameters()
        if self.optimizer == "sgd":
            opt = SGD(params, lr=self.lr, momentum=0.9, weight_decay=self.weight_decay)
        else:
            opt = Adam(params, lr=self.lr, weight_decay=self.weight_decay,
                       decoupled_weight_decay=self.optimizer == "adamw")  # fmt: skip
        loss = get_loss(self.loss)
        out = self._out_size
        if self.training == "windows":
            trainer = TBPTTTrainer(model, loss, opt, mode="windows", clip_norm=self.clip_norm)
            sampler = WindowSampler(z, dptr, window, out, self.step, ends=train_len, target_steps=self.target_steps,
                                    scaling="window" if self.scaler == "window" else None,
                                    season_length=self._window_seasons(window), baseline=self.baseline)  # fmt: skip
            batches, n_batches = self._window_batches(sampler, shuffle_rng)
        else:
            trainer = TBPTTTrainer(model, loss, opt, mode="stateful", k=self.tbptt or window,
                                   clip_norm=self.clip_norm)  # fmt: skip
            batches, n_batches = self._stream_batches(z, dptr, train_len, out, window, shuffle_rng, trainer)
        return self._train_loop(model, trainer, opt, batches, n_batches, val_set, loss, window, member)

    def _window_batches(self, sampler, rng):
        n = len(sampler)
        dtype = self._np_dtype
        per_epoch = n if self.windows_per_epoch is None else min(n, int(self.windows_per_epoch))

        def epoch():
            order = rng.permutation(n)[:per_epoch]
            for b in range(0, order.size, self.batch_size):
                yield sampler.gather(order[b : b + self.batch_size], dtype)

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

    def _validation_set(self, z, dptr, lengths):
        """Forecast origins inside the held-out tail of every series, ``horizon`` apart."""
        histories, targets = [], []
        for i in range(dptr.size - 1):
            n = lengths[i]
            s = z[dptr[i] : dptr[i] + n]
            for origin in range(n - self.val_size, n - self.horizon + 1, self.horizon):
                if origin < 1:
                    continue
                histories.append(s[:origin])
                targets.append(s[origin : origin + self.horizon])
        if not histories:
            return None
        return histories, np.stack(targets)

    def _val_loss(self, model, window, val_set, loss):
        """Validation loss in the space the network trains in (window-scaled with the "window" scaler)."""
        pred, loc, scale_ = self._forecast_member(model, window, val_set[0], self.horizon)
        dtype = self._np_dtype
        pred = ((pred - loc) / scale_).astype(dtype)
        target = ((val_set[1] - loc) / scale_).astype(dtype)
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
    def _forecast_member(self, model, window, histories, h):
        """One network's forecasts in the series-scaled (and differenced) space.

        Parameters
        ----------
        model : RecurrentRegressor
        window : int
            The member's input window.
        histories : list of 1-D arrays
            Series-scaled history of every series to forecast from.
        h : int

        Returns
        -------
        pred : (n, h) float64 array
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
        out, state = model.forward(x[:, :, None])
        if self.strategy == "direct":
            pred = out[:, -1, :h].astype(np.float64)
            if self.baseline is not None:
                pred += baseline_forecast(full, self.horizon, seasons, self.baseline, last_only=True, window=length,
                                          chosen=chosen)[:, :h]  # fmt: skip
        else:
            pred = np.empty((n, h), dtype=np.float64)
            seq = full.astype(np.float64)
            if self.baseline == "naive":
                lag = np.ones(n, dtype=np.int64)
            elif chosen is not None:
                lag = chosen
            else:
                lag = np.full(n, seasons[0], dtype=np.int64)
            rows = np.arange(n)
            nxt = out[:, -1, 0].astype(np.float64)
            for k in range(h):
                value = nxt
                if self.baseline is not None:
                    # The one-step baseline of the next step: the value ``lag`` steps before it.
                    value = nxt + seq[rows, seq.shape[1] - lag]
                    seq = np.concatenate([seq[:, 1:], value[:, None]], axis=1)
                pred[:, k] = value
                if k + 1 < h:
                    step_out, state = model.forward(value.astype(dtype)[:, None, None], state)
                    nxt = step_out[:, -1, 0].astype(np.float64)
        return pred * scale_ + loc, loc, scale_

    def _predict(self, panel, h, positions=None):
        if self.strategy == "direct" and h > self.horizon:
            raise ValueError(
                f"h={h} is beyond the model's horizon={self.horizon}; refit with a larger horizon or strategy='recursive'"
            )
        dvals, dptr, tails = self._diff(self._to_model_space(panel.values), panel.indptr)
        stats = fit_scaler(self._series_scaler, dvals, dptr)
        z = scale(dvals, dptr, stats)
        histories = [z[dptr[i] : dptr[i + 1]] for i in range(panel.n_series)]
        forecasts = []
        with single_blas_thread():
            for model, window in zip(self.models_, self.windows_):
                pred, _, _ = self._forecast_member(model, window, histories, h)
                pred = self._undiff(unscale(pred, stats), tails)
                if self.log_:
                    with np.errstate(over="ignore"):
                        pred = np.exp(pred)
                forecasts.append(pred)
        return forecasts[0] if len(forecasts) == 1 else np.median(forecasts, axis=0)

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        header = {"best_epoch": int(self.best_epoch_), "n_series": int(self.n_series_),
                  "history_columns": list(self.history_.columns), "seasons": [int(m) for m in self.seasons_],
                  "log": bool(self.log_), "windows": [int(w) for w in self.windows_]}  # fmt: skip
        arrays = {}
        for i, model in enumerate(self.models_):
            prefix = "model." if i == 0 else f"member{i}."
            arrays.update({f"{prefix}{k}": v for k, v in model.state_dict().items()})
        arrays.update({f"history.{c}": self.history_[c].to_numpy() for c in self.history_.columns})
        arrays["scaler_stats"] = self.scaler_stats_
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
