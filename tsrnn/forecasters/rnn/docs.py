"""The numpydoc docstring of :class:`tsrnn.RNNForecaster`, kept in a room of its own.

The class body (:mod:`.forecaster`) sets ``__doc__`` from :data:`RNN_FORECASTER_DOC`, so
``help(RNNForecaster)``, the docs and the doctests read this text; the class file keeps room
for its code.
"""

RNN_FORECASTER_DOC = r"""Global recurrent forecaster (LSTM, GRU or vanilla RNN) for one or many series.

One network is trained on every series given to ``fit``, on samples of ``window`` past
values, each with the next ``horizon`` values as targets at every input step.
``predict`` feeds each series' most recent ``window`` values.

The defaults are the settings that won on M4 Hourly's validation split (the last 48
points of every training series, never the test period; experiments/m4_tune.py, results
in experiments/RESULTS.md): log of positive data; every sample scaled by its own input
window (level of its last season, seasonal-naive error as the unit) rather than by
whole-series statistics; the network forecasting the correction to a seasonal-naive
forecast, whose season (a day or a week, for hourly data) each series' history picks; a
window of at least two horizons and the longest season; a cosine
learning-rate decay over a fixed budget of sampled windows. Together they took the
validation OWA of a global LSTM from about 0.77 (whole-series scaling, no baseline) to
0.44; ``n_ensemble`` adds a median over networks. Scored once on the M4 Hourly test
period with every argument at its default, a global LSTM reaches OWA 0.414 and a GRU
0.420 (M4's winner: 0.440); the ensemble recipe ``n_ensemble=4, window=[168, 336]``
0.408 (experiments/m4_hourly.py).

The parameters come in six groups, listed below in this order: the network
(``cell``, ``hidden_size``, ``num_layers``, ``horizon``, ``strategy``, ``dropout``,
``init``); windows and scaling (what each sample holds: ``window``, ``season_length``,
``step``, ``target_steps``, ``scaler``, ``log``, ``baseline``, ``difference``,
``seasonal_difference``, ``short_series``); training (``loss``, ``epochs``, ``windows_per_epoch``,
``batch_size``, ``lr``, ``lr_schedule``, ``min_lr``, ``optimizer``, ``clip_norm``,
``weight_decay``, ``val_size``, ``patience``, ``lr_patience``, ``lr_factor``,
``training``, ``tbptt``, ``n_ensemble``, ``warm_start``, ``random_state``);
probabilistic forecasts (``quantiles``, ``distribution``); covariates (``calendar_features``,
``series_embedding``, ``past_covariates``, regressors ``X`` and static covariates
``static`` given to ``fit``); runtime (``dtype``,
``device``, ``verbose``, ``alias``, ``fill_missing``, ``sort``).

Parameters
----------
cell : {"lstm", "gru", "rnn"}, default "lstm"
hidden_size : int, default 64
num_layers : int, default 1
horizon : int, default 24
    Steps the model forecasts. ``predict(h)`` accepts ``h <= horizon`` with
    ``strategy="direct"``, any ``h`` with ``"recursive"``.
strategy : {"direct", "recursive"}, default "direct"
    "direct": a head emits all ``horizon`` values at once. "recursive": a one-step model
    fed its own predictions, any ``h``.
dropout : float, default 0
    Between stacked layers.
init : {"orthogonal", "torch"}, default "orthogonal"
window : int, list of int, or None, default None
    Input steps per training sample (and history fed at prediction in "windows"
    training). None: :func:`default_window`, ``max(min(2 * horizon, 2 * m), max(seasons),
    16)`` with m the main season (two horizons, at most two main seasons; ``2 * horizon``
    without a season): 168 for M4 Hourly (a week of hours), 24 for monthly data with
    horizon 18 (36 until the validation periods of M1 monthly preferred 24), 16 for
    yearly and quarterly, 52 for weekly. A list gives the members of an ensemble (``n_ensemble``) their windows in
    turn.
season_length : int, list of int, or None, default None
    Season length m, used by the window rule, the ``"window"`` scaler and the
    seasonal-naive baseline; 1 means no season. A list gives several, the main one
    first (e.g. ``[24, 168]``, a day and a week of hours): the window rule and the window
    statistics use the first, and the seasonal-naive baseline of every window uses the
    one that has explained its series best so far. None: :func:`infer_seasons` (the main season
    from the frequency of timestamps, hourly 24, daily 7, monthly 12..., or from the
    autocorrelation on an integer axis; plus a week for sub-daily data with three weeks
    of history). Fitted values: ``season_length_`` (main) and ``seasons_`` (all).
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
    the forecasts. Errors then become relative, as sMAPE and MASE measure them, and
    multiplicative seasons additive. "auto": when every value given to ``fit`` is
    positive and the median series holds at least 40 values (on short series a log made
    trends overshoot: :func:`.auto_rules.resolve_log` has the evidence). Fitted value:
    ``log_``.
baseline : {"auto", "naive", "seasonal_naive", "naive2", "seasonal_average", "drift", None}, default "auto"
    The network forecasts the departure from this forecast (made in the scaled space at
    the same step) instead of the values themselves: an untrained network is then as
    good as the baseline and training learns the correction. "auto" (fitted value
    ``baseline_``): "seasonal_naive" when several seasons are modelled (sub-daily data
    with a week of history), else "naive" (:func:`.model_space.resolve_baseline` has
    the evidence: on the validation periods of four seasonal benchmark sets, monthly,
    quarterly and weekly, "naive" beat the others; the network learns a noisy season
    better from the raw window than from a repeated one). "seasonal_naive" repeats the
    last season; with several season lengths each window repeats the season whose lag
    differences have been smallest over its series' history up to the window's end (on
    M4 Hourly's validation split this rule alone scores OWA 0.50 against seasonal
    naive's 0.63), and every sample also reads the ``max(season_length)`` values before
    its window. "naive2" (M4's Naive2): every series whose season passes M4's 90%
    autocorrelation test is seasonally adjusted (classical decomposition, on the log
    scale when ``log_``) before the network sees it, naive on what remains, the season
    added back to the forecasts; near exact on clean seasons, but behind "naive" on
    noisy business data. "seasonal_average": seasonal naive over the average of the
    window's seasons, re-levelled to the last one. "drift": naive plus half the window's
    mean slope per step (Theta's trend line). The last two need ``strategy="direct"``.
    The main season must fit in the window (else m = 1 is used for the window
    statistics and baseline, with a warning). On ETTh1's validation period (horizon 96
    hours) a GRU scored MSE 0.094 with "naive" against 0.141 with "seasonal_naive".
difference : int, default 0
    Order of ordinary differencing (0, 1 or 2), undone on output.
seasonal_difference : int, optional
    Season length m for one seasonal difference ``y_t - y_{t-m}`` (applied first).
short_series : {"drop", "pad"}, default "drop"
    A series with fewer training values than a sample needs (history, ``window`` and
    ``horizon``): "drop" leaves it out of training (with a warning; it is still
    forecast); "pad" puts copies of its first value before it, as prediction does with
    a short history, and trains on its real targets only (padded ones carry no weight),
    provided it holds at least ``horizon + 2`` values (training="windows" only).
    Measured on validation periods (experiments/frequencies.py, seeds 0-2, MASE):
    M1 yearly, where 86% of the series are too short for a default sample, 2.68 ->
    2.52; but Tourism yearly 2.89 -> 3.20 and M3 yearly 3.51 -> 4.12. Hence "drop".
loss : {"mse", "mae", "huber"}, default "mse"
epochs : int or "auto", default "auto"
    Passes of ``windows_per_epoch`` sampled windows each. "auto" (fitted value
    ``epochs_``): 30, except when the median series is shorter than the input window (as
    with most yearly benchmark series, forecast from padded windows): then about 10,000
    windows in all, ``round(10000 / train_windows_)`` epochs, at most 30 (the few long
    series give every window, and training longer on them forecast the short ones worse:
    M3 yearly validation MASE 3.381 at 5 epochs against 3.491 at 30;
    :func:`.auto_rules.resolve_epochs` has the evidence). 30 epochs of 10,000 windows
    (about 4,700 Adam steps at batch 64) are the default budget. On M4 Hourly's
    validation split they gave OWA 0.438 against 0.443 for 20 epochs, for 1.5 times the
    time (a default LSTM fit on all 414 series: about two to three minutes on 2 cores).
    The budget is fixed, not a number of passes over the data: on a single series of a
    few thousand windows it means dozens of passes, which overfit. On ETTh1 (8,209
    training windows) 10 epochs of 2,000 windows (about 2.4 passes) beat the default
    budget by a wide margin on the validation period (LSTM with ``baseline="naive"``:
    MSE 0.106 against 0.147): with little data, lower ``windows_per_epoch`` or
    ``epochs``, or hold out ``val_size`` for early stopping.
windows_per_epoch : int or None, default 10000
    Train on a fresh random subset of at most this many windows per epoch, drawn
    uniformly over every window of every series; None: every window. With the default,
    ``epochs * windows_per_epoch`` bounds the training cost whatever the data size
    (a default fit on the 414 M4 Hourly series takes about two minutes on 2 cores).
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
min_lr : float, default 1e-5
    Floor of the plateau schedule and end point of the cosine one.
optimizer : {"adam", "adamw", "sgd"}, default "adam"
    "adamw" uses decoupled weight decay; "sgd" uses momentum 0.9.
clip_norm : float or None, default 1.0
    Clip gradients to this global L2 norm.
weight_decay : float, default 0
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
training : {"windows", "stateful"}, default "windows"
    "windows": each sample starts from a zero state (full BPTT inside the window).
    "stateful": truncated BPTT along each whole series, ``tbptt`` steps per chunk; the
    prediction then carries the state over the full history. Stateful training has no
    windows: it needs a per-series ``scaler`` and ``baseline=None``.
tbptt : int, optional
    Chunk length of stateful training (default: ``window``).
n_ensemble : int, default 1
    Train this many networks (each with its own seed, and its own window when
    ``window`` is a list) and forecast their median. Fit time grows in proportion.
warm_start : bool, default False
    When fitting again, start from the previous fit's weights (if the architecture is
    unchanged) instead of a fresh initialization; backtests use it to refit cheaply.
random_state : int or None
    Seeds weights, dropout and shuffling: same value, bit-identical results.
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
distribution : {None, "normal", "student_t", "negative_binomial"}, default None
    A distribution head (DeepAR's likelihoods): the head emits the distribution's P
    parameters per forecast step (normal: loc, scale; Student-t: loc, scale, df > 2;
    negative binomial: mean, dispersion, variance ``mean (1 + dispersion mean)``) and trains
    on their negative log-likelihood (``loss`` stays "mse", unused). Normal and Student-t
    model the window-scaled values less the baseline, like the point head, and map back
    through the window's statistics and the series scaler. The negative binomial models
    counts (every value >= 0) as DeepAR does: inputs divided by each window's scale
    ``1 + mean |y|`` (with ``scaler="window"``; 1 with ``scaler=None``), counts scored
    unscaled with the mean times that scale; "auto" then means no log and no baseline,
    and ``log=True``, a baseline or a per-series scaler are refused.
    ``predict()`` gives the median (under ``log`` the exponential of the modelled median,
    which is the median of the data; the mean does not map so); an ensemble gives the
    median of its members' medians. ``predict(level=L)`` defaults to
    ``interval_method="quantile"``: with the direct strategy, bounds from each step's exact
    quantile function (the median across members); :meth:`predict_quantiles` gives any
    quantile the same way. ``predict(num_samples=S,
    random_state=...)`` draws S sample paths as a long frame (``unique_id, ds, sample,
    <name>``; bit-identical for a seed): with the direct strategy every step is sampled from
    its own distribution (marginal samples, not joint across steps); with
    ``strategy="recursive"`` each step samples and feeds the sample back, so paths are
    joint (sums over the horizon are right). A recursive head's point forecast is the path
    of medians (each step's median fed back) and its intervals come from 1,000 sample paths
    seeded by ``random_state``. Members of an ensemble contribute paths in turn (a
    mixture). Excludes ``quantiles`` and differencing. Under ``log`` (positive data with
    ``log="auto"``) quantiles and the median map exactly, but the exponential of a
    Student-t (or normal) draw has heavy tails: a Student-t fitted to M4 Hourly's logs
    (df near 2) gives a few astronomic draws among 1,000 paths, so means and totals of
    samples are unusable there; use quantiles, or ``log=False`` when sums over the horizon
    matter.
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
past_covariates : list of str, optional
    Columns of ``X`` observed only up to now (inventory, an exchange rate): the input of
    step t holds their values at t - horizon + 1 .. t, never later ones (the head reads
    those ``horizon`` values, the recurrent layers the value at t). ``predict`` reads no
    future values of them: with only past-only regressors it needs no ``X`` for the fitted
    series (their values come from the ``X`` given to ``fit``), and ``predict(y=..., X=...)``
    needs X over y's history only; the other columns of X stay known-ahead regressors,
    needed over the forecast period. Needs ``strategy="direct"`` (a recursive forecast
    would need their values after the origin). Unknown names raise ValueError.

Regressors ``X`` (``fit(y, X)``) are standardized over the training rows; every
strategy and training mode takes them, as it takes calendar features, the series
embedding and static covariates (CPU only). The direct strategy feeds the known-ahead
covariates of every forecast step to the head at once; the recursive strategy feeds each
step's covariates as it feeds its prediction back (one network call per step; ``predict``
then needs X at the ``h`` timestamps after every series' end).

Static covariates (``fit(y, static=frame)``: one row per series, the id column and one
column per covariate; see :mod:`tsrnn.data.static`) enter every input step, as the
series embedding does: numeric columns standardized over the series, categorical
columns (object, category, string, bool) through a learned embedding per column of
``min(4, ceil(categories / 2))`` values. ``predict`` uses the fitted rows of the fitted
series; ``predict(y=..., static=...)`` gives new series theirs (categories seen in fit
only). Window scaling removes a series' level from its inputs; static covariates carry
what the window cannot see (a level under a per-series scaler, a shape, a group).

dtype : {"float32", "float64"}, default "float32"
device : {"cpu", "cuda", "auto"}, default "cpu"
    Where the network trains: "cuda" keeps parameters, optimizer state and activations
    on an NVIDIA GPU for the whole fit (error when numba finds none); "auto" uses a GPU
    when there is one. Forecasts come back as pandas either way.
verbose : bool, default False
    Show a tqdm progress bar with epoch, loss and validation loss.
alias : str, optional
    Column name of the forecasts (default: "LSTM", "GRU" or "RNN").
fill_missing : {None, "interpolate", "mask"}, default None
    How to treat NaN in the input (leading NaNs always start the series later). None: an
    error. "interpolate": filled linearly (trailing ones carry the last value forward).
    "mask" (GluonTS's observed-values mask; :mod:`tsrnn.data.masking`): the NaNs stay
    missing. A missing target carries no weight in the loss; a missing input is replaced
    by the last observed value before it, and the network reads a second input, a
    missing-indicator (1 where the value was filled; model files hold its weights). The
    window statistics ignore missing values (level: the mean of the observed values among
    the window's last season, or the last observed value when none is; spread: over pairs
    of observed values), and a baseline value that falls on a NaN is the nearest observed
    value before it. A series whose history ends in NaN is forecast from its last observed
    values; a series with no observed value is an error. Needs ``training="windows"``, no
    differencing, no covariates (``X``, ``calendar_features``, ``series_embedding``) and
    the CPU. Only RNNForecaster masks: the baselines and statistical models have no
    ``fill_missing`` and refuse NaN (interpolate it first, or use
    ``tsrnn.data.panel.to_panel(y, fill_missing="interpolate")``).
sort : bool, default False
    Sort unsorted timestamps instead of raising.

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
baseline_ : str or None
    The baseline in use (``baseline`` with "auto" resolved from ``seasons_`` and
    ``train_windows_``).
train_windows_ : int
    Training windows the data held (of the first member's ``window``).
epochs_ : int
    The epochs trained (``epochs``, with "auto" resolved).
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
distribution_ : str or None
    The distribution head's canonical name ("normal", "student_t", "negative_binomial").
exog_names_ : list of str or None
    Regressor columns of the ``X`` given to ``fit`` (None: fitted without X).
exog_stats_ : (2, k) array or None
    Mean and standard deviation of every regressor over the training rows.
calendar_names_ : list of str
    The calendar features fed (empty unless ``calendar_features``).
past_names_ : list of str
    The past-only regressors (the last of ``exog_names_``).
static_numeric_ : list of str
    Numeric static covariates (empty without ``static``).
static_categorical_ : list of [str, list of str]
    Every categorical static covariate with its sorted categories (as text).

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

PREDICT_INSAMPLE_DOC = """In-sample forecasts: at every point of the fitted history, the forecast made with the history cut there.

For every series and every cut-off ``c`` (its first ``c`` values), the forecasts of values
``c + 1 .. c + horizon`` that ``predict(horizon, y=<the history's first c values>)`` gives,
within floating-point rounding (each cut-off is forecast from its own window, scaled by that
window's statistics, as in training; the cut-off windows go through the network in batches,
not one ``predict`` call per point). Fitted values (``horizon=1``) serve residual checks and
anomaly flags, as neuralforecast's ``predict_insample``.

Parameters
----------
horizon : int, default 1
    Steps ahead of every cut-off: 1 for one-step-ahead fitted values; at most the model's
    ``horizon`` with the direct strategy (any with the recursive one).

Returns
-------
pandas.DataFrame
    Long and tidy, one row per forecast whose target lies in the history: the id and time
    columns (``unique_id``, ``ds`` unless ``fit`` read others), ``cutoff`` (the timestamp of
    the last value the forecast saw; only for ``horizon > 1``), the actual value ``y`` (NaN
    where it is missing, with ``fill_missing="mask"``) and the forecast in a column named
    like ``predict``'s (``name_``). Rows are ordered by series, time and cut-off.

Raises
------
NotFittedError
    Before ``fit``.
ValueError
    For a ``horizon`` that is not a positive integer or, with the direct strategy, beyond the
    model's; for a model fitted with regressors ``X``; when every series is too short.

Warns
-----
UserWarning
    Naming the series too short for any in-sample forecast.

Notes
-----
Forecasts start at the first cut-off whose history fills the window (the longest member's,
plus the values a multi-season baseline reads before it and the differencing's): earlier
points of every series have no row, and a series no longer than that has none. Where a
forecast reads only the last window of its history (the default window scaler, the naive
or one-season baselines) each cut-off reads only that; otherwise (``scaler`` per series,
``baseline="naive2"``, several seasons, ``fill_missing="mask"``, stateful training) the
whole history up to the cut-off, and the work grows with the square of the series' length.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from tsrnn import RNNForecaster
>>> idx = pd.date_range("2024-01-01", periods=120, freq="h")
>>> y = pd.Series(np.sin(np.arange(120) * 2 * np.pi / 24), index=idx)
>>> f = RNNForecaster(cell="gru", hidden_size=8, window=24, horizon=6, epochs=2, random_state=0).fit(y)
>>> fitted = f.predict_insample()
>>> list(fitted.columns), len(fitted)
(['unique_id', 'ds', 'y', 'GRU'], 96)
"""
