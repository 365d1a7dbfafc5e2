"""RNNForecaster: a global RNN, LSTM or GRU forecaster over pandas, trained with tsrnn's kernels."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from .._validation import check_positive_int
from ..data.transforms import SCALERS, difference, fit_scaler, scale, undifference, unscale
from ..data.windows import WindowSampler
from .base import BaseForecaster, register

__all__ = ["RNNForecaster"]

_CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
_OPTIMIZERS = ("adam", "adamw", "sgd")


def _csr_prefix(values, indptr, ends):
    """The first ``ends[i]`` values of every series, as a new CSR pair."""
    parts = [values[indptr[i] : indptr[i] + ends[i]] for i in range(indptr.size - 1)]
    new_ptr = np.zeros(indptr.size, dtype=np.int64)
    new_ptr[1:] = np.cumsum(ends)
    return (np.concatenate(parts) if parts else values[:0]), new_ptr


def _pad_left(series_list, length, dtype):
    """(n, length, 1) array of the last ``length`` values of each series, zero-padded on the left."""
    out = np.zeros((len(series_list), length, 1), dtype=dtype)
    for i, s in enumerate(series_list):
        s = s[-length:]
        if s.size:
            out[i, length - s.size :, 0] = s
    return out


@register
class RNNForecaster(BaseForecaster):
    """Global recurrent forecaster (LSTM, GRU or vanilla RNN) for one or many series.

    One network is trained on every series given to ``fit`` (after per-series scaling),
    on samples of ``window`` past values, each with the next ``horizon`` values as targets
    at every input step. ``predict`` feeds each series' most recent history.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
    hidden_size : int, default 64
    num_layers : int, default 1
    window : int, default 48
        Input steps per training sample (and history fed at prediction in "windows" training).
    horizon : int, default 24
        Steps the model forecasts. ``predict(h)`` accepts ``h <= horizon`` with
        ``strategy="direct"``, any ``h`` with ``"recursive"``.
    strategy : {"direct", "recursive"}, default "direct"
        "direct": a head emits all ``horizon`` values at once. "recursive": a one-step model
        fed its own predictions, any ``h``.
    training : {"windows", "stateful"}, default "windows"
        "windows": each sample starts from a zero state (full BPTT inside the window).
        "stateful": truncated BPTT along each whole series, ``tbptt`` steps per chunk; the
        prediction then carries the state over the full history.
    tbptt : int, optional
        Chunk length of stateful training (default: ``window``).
    step : int, default 1
        Stride between training samples of one series.
    target_steps : {"all", "last"}, default "all"
        Train on the forecasts made at every input step of a window, or only the last.
    scaler : {"standard", "minmax", "robust", None}, default "standard"
        Per-series scaling, fitted on the training part only and inverted on output.
    difference : int, default 0
        Order of ordinary differencing (0, 1 or 2), undone on output.
    seasonal_difference : int, optional
        Season length m for one seasonal difference ``y_t - y_{t-m}`` (applied first).
    loss : {"mse", "mae", "huber"}, default "mse"
    epochs : int, default 30
    batch_size : int, default 64
    lr : float, default 1e-3
    optimizer : {"adam", "adamw", "sgd"}, default "adam"
        "adamw" uses decoupled weight decay; "sgd" uses momentum 0.9.
    clip_norm : float or None, default 1.0
        Clip gradients to this global L2 norm.
    weight_decay : float, default 0
    dropout : float, default 0
        Between stacked layers.
    val_size : int, default 0
        Last values of every series held out for validation (early stopping and the
        learning-rate schedule watch the validation loss); at least ``horizon``. 0: no
        validation, the schedule watches the training loss.
    patience : int, default 10
        Epochs without validation improvement before stopping; the best weights are restored.
    lr_patience : int, default 4
        Epochs without improvement before the learning rate is multiplied by ``lr_factor``.
    lr_factor : float, default 0.5
    min_lr : float, default 1e-5
    windows_per_epoch : int, optional
        Train on a random subset of this many samples per epoch (large panels).
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

    Attributes
    ----------
    model_ : tsrnn.nn.RecurrentRegressor
        The trained network.
    history_ : pandas.DataFrame
        One row per epoch: epoch, train_loss, val_loss, lr, seconds.
    scaler_stats_ : (n_series, 2) array
        Per-series location and scale fitted on the training part.
    best_epoch_ : int
        Epoch whose weights were kept.

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
        window=48,
        horizon=24,
        strategy="direct",
        training="windows",
        tbptt=None,
        step=1,
        target_steps="all",
        scaler="standard",
        difference=0,
        seasonal_difference=None,
        loss="mse",
        epochs=30,
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        clip_norm=1.0,
        weight_decay=0.0,
        dropout=0.0,
        val_size=0,
        patience=10,
        lr_patience=4,
        lr_factor=0.5,
        min_lr=1e-5,
        windows_per_epoch=None,
        verbose=False,
        random_state=None,
        dtype="float32",
        init="orthogonal",
        alias=None,
        fill_missing=None,
        sort=False,
        warm_start=False,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.window = window
        self.horizon = horizon
        self.strategy = strategy
        self.training = training
        self.tbptt = tbptt
        self.step = step
        self.target_steps = target_steps
        self.scaler = scaler
        self.difference = difference
        self.seasonal_difference = seasonal_difference
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
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
        self.verbose = verbose
        self.random_state = random_state
        self.dtype = dtype
        self.init = init
        self.alias = alias
        self.fill_missing = fill_missing
        self.sort = sort
        self.warm_start = warm_start

    @classmethod
    def _test_params(cls):
        """Small, fast parameters for the contract tests."""
        return dict(cell="gru", hidden_size=8, window=12, horizon=4, epochs=2, batch_size=32, random_state=0)

    @property
    def _model_name(self):
        return _CELL_NAMES.get(str(self.cell).lower(), "RNN")

    def _default_h(self):
        return self.horizon

    # ------------------------------------------------------------- validation
    def _check_params(self):
        cell = str(self.cell).lower() if isinstance(self.cell, str) else self.cell
        if cell not in _CELL_NAMES:
            raise ValueError(f"cell={self.cell!r} is not known; expected one of {sorted(_CELL_NAMES)}")
        check_positive_int(self.hidden_size, "hidden_size")
        check_positive_int(self.num_layers, "num_layers")
        check_positive_int(self.window, "window")
        check_positive_int(self.horizon, "horizon")
        check_positive_int(self.step, "step")
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        if self.strategy not in ("direct", "recursive"):
            raise ValueError(f"strategy={self.strategy!r} is not known; expected 'direct' or 'recursive'")
        if self.training not in ("windows", "stateful"):
            raise ValueError(f"training={self.training!r} is not known; expected 'windows' or 'stateful'")
        if self.tbptt is not None:
            check_positive_int(self.tbptt, "tbptt")
        if self.scaler not in SCALERS:
            raise ValueError(f"scaler={self.scaler!r} is not known; expected one of {SCALERS}")
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

    # ------------------------------------------------------------- transforms
    def _diff(self, values, indptr):
        D = 1 if self.seasonal_difference else 0
        return difference(values, indptr, d=self.difference, m=self.seasonal_difference, D=D)

    def _undiff(self, forecasts, tails):
        D = 1 if self.seasonal_difference else 0
        return undifference(forecasts, tails, d=self.difference, m=self.seasonal_difference, D=D)

    # -------------------------------------------------------------------- fit
    def _fit(self, panel):
        from ..nn import SGD, Adam, RecurrentRegressor, TBPTTTrainer, get_loss

        cell = self._check_params()
        dvals, dptr, _ = self._diff(panel.values, panel.indptr)
        lengths = np.diff(dptr)
        val = int(self.val_size or 0)
        train_len = lengths - val
        out = self._out_size
        need = self.window + out
        short = np.flatnonzero(train_len < need)
        if short.size == panel.n_series:
            raise ValueError(
                f"every series is too short: training needs window + {'horizon' if out > 1 else '1'} = {need} values "
                f"per series (after differencing{' and holding out val_size' if val else ''}); the longest has "
                f"{int(train_len.max())}"
            )
        if short.size:
            names = [panel.ids[i] for i in short[:10]]
            warnings.warn(
                f"{short.size} series shorter than window + {out} = {need} training values are left out of training: "
                f"{names}{' ...' if short.size > 10 else ''}",
                UserWarning,
                stacklevel=3,
            )
        train_vals, train_ptr = _csr_prefix(dvals, dptr, np.maximum(train_len, 0))
        stats = fit_scaler(self.scaler, train_vals, train_ptr)
        z = scale(dvals, dptr, stats)

        rng = np.random.default_rng(self.random_state)
        model_seed, shuffle_rng = rng.spawn(2)
        dtype = self._np_dtype
        model = RecurrentRegressor(
            cell, 1, self.hidden_size, out, self.num_layers, dtype=dtype, seed=model_seed, init=self.init,
            dropout=self.dropout,
        )  # fmt: skip
        previous = getattr(self, "model_", None)
        if self.warm_start and previous is not None:
            try:
                model.load_state_dict(previous.state_dict())
            except ValueError:
                warnings.warn("warm_start: the previous weights do not fit the new architecture; starting fresh",
                              UserWarning, stacklevel=3)  # fmt: skip
        params = model.parameters()
        if self.optimizer == "sgd":
            opt = SGD(params, lr=self.lr, momentum=0.9, weight_decay=self.weight_decay)
        else:
            opt = Adam(params, lr=self.lr, weight_decay=self.weight_decay,
                       decoupled_weight_decay=self.optimizer == "adamw")  # fmt: skip
        loss = get_loss(self.loss)
        if self.training == "windows":
            trainer = TBPTTTrainer(model, loss, opt, mode="windows", clip_norm=self.clip_norm)
            sampler = WindowSampler(z, dptr, self.window, out, self.step, ends=train_len,
                                    target_steps=self.target_steps)  # fmt: skip
            batches = self._window_batches(sampler, shuffle_rng)
        else:
            trainer = TBPTTTrainer(model, loss, opt, mode="stateful", k=self.tbptt or self.window,
                                   clip_norm=self.clip_norm)  # fmt: skip
            batches = self._stream_batches(z, dptr, train_len, out, shuffle_rng, trainer)
        val_set = self._validation_set(z, dptr, lengths) if val else None
        self.model_ = model
        self._train_loop(model, trainer, opt, batches, val_set, loss)
        self.scaler_stats_ = stats
        self.n_series_ = panel.n_series
        return self

    def _window_batches(self, sampler, rng):
        n = len(sampler)
        dtype = self._np_dtype

        def epoch():
            order = rng.permutation(n)
            if self.windows_per_epoch is not None:
                order = order[: self.windows_per_epoch]
            for b in range(0, order.size, self.batch_size):
                yield sampler.gather(order[b : b + self.batch_size], dtype)

        return epoch

    def _stream_batches(self, z, dptr, train_len, out, rng, trainer):
        """Stateful training: every series is one stream, right-aligned and zero-padded on the left."""
        dtype = self._np_dtype
        n_series = dptr.size - 1
        use = np.flatnonzero(train_len >= self.window + out)
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
        del n_series

        def epoch():
            trainer.reset_state()
            order = rng.permutation(use.size)
            for b in range(0, order.size, self.batch_size):
                idx = np.sort(order[b : b + self.batch_size])
                trainer.reset_state()
                yield x[idx], y[idx], w[idx]

        return epoch

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
        return histories, np.stack(targets).astype(self._np_dtype)

    def _train_loop(self, model, trainer, opt, batches, val_set, loss):
        from tqdm.auto import tqdm

        rows = []
        best = np.inf
        best_params = None
        best_epoch = 0
        since_best = 0
        since_lr = 0
        lr_best = np.inf
        bar = tqdm(range(1, self.epochs + 1), desc=f"{self.name_} fit", unit="epoch", disable=not self.verbose,
                   leave=True)  # fmt: skip
        for epoch in bar:
            t0 = time.perf_counter()
            model.train()
            losses, weights = [], []
            for x, y, w in batches():
                value = trainer.step(x, y, w)
                if np.isfinite(value):
                    losses.append(value)
                    weights.append(x.shape[0])
            model.eval()
            train_loss = float(np.average(losses, weights=weights)) if losses else float("nan")
            val_loss = float("nan")
            if val_set is not None:
                pred = self._forecast_scaled(val_set[0], self.horizon)
                val_loss = float(loss(pred.astype(self._np_dtype), val_set[1])[0])
            monitor = val_loss if val_set is not None else train_loss
            rows.append((epoch, train_loss, val_loss, opt.lr, time.perf_counter() - t0))
            if self.verbose:
                bar.set_postfix(loss=f"{train_loss:.4f}", val_loss=f"{val_loss:.4f}", lr=f"{opt.lr:.1e}")
            if monitor < best:
                best, best_epoch, since_best = monitor, epoch, 0
                best_params = [p.copy() for p, _ in model.parameters()]
            else:
                since_best += 1
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
            for (p, _), b in zip(model.parameters(), best_params):
                p[...] = b
        self.best_epoch_ = best_epoch if val_set is not None else len(rows)
        self.history_ = pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "lr", "seconds"])

    # ---------------------------------------------------------------- predict
    def _forecast_scaled(self, histories, h):
        """Forecasts in the scaled (and differenced) space.

        Parameters
        ----------
        histories : list of 1-D arrays
            Scaled history of every series to forecast from.
        h : int

        Returns
        -------
        (n, h) array
        """
        model = self.model_
        dtype = self._np_dtype
        if self.training == "stateful":
            length = max(s.size for s in histories)
        else:
            length = self.window
        x = _pad_left(histories, max(length, 1), dtype)
        out, state = model.forward(x)
        if self.strategy == "direct":
            if h > self.horizon:
                raise ValueError(
                    f"h={h} is beyond the model's horizon={self.horizon}; refit with a larger horizon or "
                    "strategy='recursive'"
                )
            return out[:, -1, :h].astype(np.float64)
        preds = np.empty((len(histories), h), dtype=np.float64)
        nxt = out[:, -1:, :]
        for k in range(h):
            preds[:, k] = nxt[:, 0, 0]
            if k + 1 < h:
                nxt, state = model.forward(nxt.astype(dtype, copy=False), state)
        return preds

    def _predict(self, panel, h, positions=None):
        if self.strategy == "direct" and h > self.horizon:
            raise ValueError(
                f"h={h} is beyond the model's horizon={self.horizon}; refit with a larger horizon or strategy='recursive'"
            )
        dvals, dptr, tails = self._diff(panel.values, panel.indptr)
        stats = fit_scaler(self.scaler, dvals, dptr)
        z = scale(dvals, dptr, stats)
        histories = [z[dptr[i] : dptr[i + 1]] for i in range(panel.n_series)]
        pred = self._forecast_scaled(histories, h)
        return self._undiff(unscale(pred, stats), tails)

    # -------------------------------------------------------------- save/load
    def _save_state(self):
        header = {"best_epoch": int(self.best_epoch_), "n_series": int(self.n_series_),
                  "history_columns": list(self.history_.columns)}  # fmt: skip
        arrays = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        arrays.update({f"history.{c}": self.history_[c].to_numpy() for c in self.history_.columns})
        arrays["scaler_stats"] = self.scaler_stats_
        return header, arrays

    def _load_state(self, header, arrays):
        from ..nn import RecurrentRegressor

        cell = self._check_params()
        model = RecurrentRegressor(cell, 1, self.hidden_size, self._out_size, self.num_layers, dtype=self._np_dtype,
                                   init=self.init, dropout=self.dropout)  # fmt: skip
        weights = {k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")}
        model.load_state_dict(weights)
        self.model_ = model
        self.scaler_stats_ = arrays["scaler_stats"]
        self.best_epoch_ = int(header["best_epoch"])
        self.n_series_ = int(header["n_series"])
        self.history_ = pd.DataFrame({c: arrays[f"history.{c}"] for c in header["history_columns"]})
