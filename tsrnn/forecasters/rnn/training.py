"""RNNForecaster's training: the networks of an ensemble, each built, fed batches and trained by a TrainingLoop.

The forecaster's ``_fit`` prepares the scaled series (CSR ``z``, ``dptr``) and calls
:func:`train_members`; everything about one network's training (its optimizer, loss, batch
source and validation loss) is configured here from the forecaster's parameters and run by
:class:`tsrnn.nn.TrainingLoop`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ...data.masked_windows import MaskedWindowSampler
from ...data.samples import (
    pad_short_series,
    repeat_targets,
    stream_batches,
    validation_origins,
    window_batches,
)
from ...data.windows import WindowSampler
from .distribution_head import count_batches, distribution_loss, sampler_scaling
from .missing import indicator_inputs, masks
from .model_space import window_baseline
from .static import series_table, static_sizes
from .validation import validation_scorer

__all__ = ["new_model", "train_members", "train_member", "validation_set"]


def new_model(fc, cell, seed=None, init=None):
    """A fresh network for the RNNForecaster ``fc``: a RecurrentRegressor, or a CovariateRegressor with covariates.

    Parameters
    ----------
    fc : RNNForecaster
    cell : {"lstm", "gru", "rnn"}
    seed : numpy.random.Generator, int or None
    init : {"orthogonal", "torch"}, optional
        Overrides ``fc.init`` (loading uses the cheap "torch" draw: the file's weights replace it).
    """
    from ...nn import CovariateRegressor, RecurrentRegressor

    out = fc._out_size * fc._head_width
    init = fc.init if init is None else init
    numeric, categorical = getattr(fc, "static_numeric_", None) or [], getattr(fc, "static_categorical_", None) or []
    if fc._n_covariates or fc.series_embedding or numeric or categorical:
        return CovariateRegressor(cell, fc._n_covariates, fc._out_size, fc.hidden_size, out,
                                  fc.num_layers, fc._np_dtype, seed, init, fc.dropout, fc.n_series_,
                                  int(fc.series_embedding or 0), n_past=len(getattr(fc, "past_names_", None) or []),
                                  n_static=len(numeric), static_sizes=static_sizes(categorical))  # fmt: skip
    return RecurrentRegressor(cell, 1 + indicator_inputs(fc), fc.hidden_size, out, fc.num_layers, dtype=fc._np_dtype,
                              seed=seed, init=init, dropout=fc.dropout, device=fc.device)  # fmt: skip


def train_members(fc, cell, windows, z, dptr, train_len, val_set, covariates=None):
    """Train one network per window (the ensemble), each with its own seeds.

    Parameters
    ----------
    fc : RNNForecaster
    cell : str
    windows : list of int
        The window of every member.
    z : (N,) array
        Scaled (model-space) values, CSR with ``dptr``.
    dptr : (S + 1,) int array
    train_len : (S,) int array
        Training values of every series (the rest is validation).
    val_set : tuple or None
        :func:`tsrnn.data.samples.validation_origins` of the series.
    covariates : (N, K) array, optional

    Returns
    -------
    models : list
    history : pandas.DataFrame
        One row per epoch (with a ``member`` column for an ensemble).
    best_epochs : list of int
    """
    rng = np.random.default_rng(fc.random_state)
    seeds = rng.spawn(2 * int(fc.n_ensemble))
    previous = getattr(fc, "models_", None) if fc.warm_start else None
    models, frames, best_epochs = [], [], []
    for i, window in enumerate(windows):
        model = new_model(fc, cell, seeds[2 * i])
        if previous is not None and i < len(previous):
            try:
                model.load_state_dict(previous[i].state_dict())
            except ValueError:
                warnings.warn("warm_start: the previous weights do not fit the new architecture; starting "
                              "fresh", UserWarning, stacklevel=6)  # fmt: skip
        history, best_epoch = train_member(fc, model, window, z, dptr, train_len, val_set, seeds[2 * i + 1],
                                           member=i, covariates=covariates)  # fmt: skip
        if len(windows) > 1:
            history.insert(0, "member", i)
        models.append(model)
        frames.append(history)
        best_epochs.append(best_epoch)
    history = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return models, history, best_epochs


def train_member(fc, model, window, z, dptr, train_len, val_set, shuffle_rng, member=0, covariates=None):
    """Train one network in place; returns its history (pandas.DataFrame, one row per epoch) and best epoch."""
    from ...nn import (
        SGD,
        Adam,
        HorizonPinballLoss,
        TBPTTTrainer,
        TrainingLoop,
        get_loss,
    )

    params = model.parameters()
    if fc.optimizer == "sgd":
        opt = SGD(params, lr=fc.lr, momentum=0.9, weight_decay=fc.weight_decay)
    else:
        opt = Adam(params, lr=fc.lr, weight_decay=fc.weight_decay,
                   decoupled_weight_decay=fc.optimizer == "adamw")  # fmt: skip
    loss = get_loss(fc.loss) if fc.quantiles_ is None else HorizonPinballLoss(fc.quantiles_)
    if fc.distribution_ is not None:
        loss = distribution_loss(fc)
    out = fc._out_size
    table = series_table(fc, np.arange(fc.n_series_))
    if fc.training == "windows":
        trainer = TBPTTTrainer(model, loss, opt, mode="windows", clip_norm=fc.clip_norm)
        padded = None
        if fc.short_series == "pad":
            need = window + fc._history(window) + out
            z, dptr, train_len, padded, covariates = pad_short_series(z, dptr, train_len, need, min_train_length(fc),
                                                                      covariates)  # fmt: skip
        kind = MaskedWindowSampler if masks(fc) else WindowSampler
        sampler = kind(z, dptr, window, out, fc.step, ends=train_len, target_steps=fc.target_steps,
                       scaling=sampler_scaling(fc), season_length=fc._window_seasons(window),
                       baseline=window_baseline(fc), covariates=covariates, padded=padded)  # fmt: skip
        batches, n_batches = window_batches(sampler, shuffle_rng, fc.batch_size, fc.windows_per_epoch, fc._np_dtype,
                                            table=table, reuse=True)  # fmt: skip
        # The sampler's batches come from values checked in fit; with "last", only the last step's targets weigh.
        trainer._batches_checked = True
        trainer._last_step = fc.target_steps == "last"
    else:
        trainer = TBPTTTrainer(model, loss, opt, mode="stateful", k=fc.tbptt or window, clip_norm=fc.clip_norm)
        batches, n_batches = stream_batches(z, dptr, train_len, out, window, shuffle_rng, fc.batch_size,
                                            fc._np_dtype, trainer.reset_state, covariates, table)  # fmt: skip
    if fc.quantiles_ is not None or fc.distribution_ in ("normal", "student_t"):
        batches = repeat_targets(batches, fc._head_width)
    elif fc.distribution_ is not None:
        batches = count_batches(batches, loss, fc.scaler == "window")
    desc = f"{fc.name_} fit" + (f" {member + 1}/{fc.n_ensemble}" if fc.n_ensemble > 1 else "")
    loop = TrainingLoop(fc.epochs_, fc.lr, lr_schedule=fc.lr_schedule, min_lr=fc.min_lr, lr_patience=fc.lr_patience,
                        lr_factor=fc.lr_factor, patience=fc.patience, verbose=fc.verbose, desc=desc)  # fmt: skip
    val_loss = None if val_set is None else validation_scorer(fc, model, window, val_set, loss)
    rows, best_epoch = loop.run(model, trainer, opt, batches, n_batches, val_loss)
    return pd.DataFrame(rows, columns=list(TrainingLoop.columns)), best_epoch


def min_train_length(fc) -> int:
    """Training values a series needs to be padded into samples (``short_series="pad"``): a full horizon and two more."""
    return fc._out_size + 2


def validation_set(fc, z, dptr, lengths, covariates=None):
    """Forecast origins in the last ``val_size`` values of every series (None without ``val_size``)."""
    if not fc.val_size:
        return None
    return validation_origins(z, dptr, lengths, fc.val_size, fc.horizon, covariates)
