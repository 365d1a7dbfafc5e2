"""RNNForecaster's parameters: the values each may take, checked in ``fit`` with errors that name the fix.

Every function takes the forecaster and reads its parameters (scikit-learn style: ``__init__``
stores them unchanged, checks happen here, at fit time).
"""

from __future__ import annotations

import numpy as np

from ..._validation import check_positive_int
from ...data.transforms import SCALERS
from ...data.windows import BASELINES
from .distribution_head import check_distribution
from .missing import check_mask

__all__ = ["CELL_NAMES", "check_params", "check_quantiles", "check_covariate_strategy"]

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
_OPTIMIZERS = ("adam", "adamw", "sgd")
_RNN_SCALERS = (*SCALERS, "window")
_LR_SCHEDULES = ("cosine", "plateau")
_LOG = ("auto", True, False)
_RNN_BASELINES = ("auto", "naive2", *BASELINES)


def check_params(fc) -> str:
    """Check every parameter of the RNNForecaster ``fc``; set ``fc.quantiles_``; return the cell's name.

    Raises
    ------
    ValueError
        Naming the parameter, the value seen and what is expected.
    RuntimeError
        For ``device="cuda"`` without a GPU.
    """
    from ...nn.device import resolve_device

    resolve_device(fc.device)  # clear error for "cuda" without a GPU, before any work
    cell = str(fc.cell).lower() if isinstance(fc.cell, str) else fc.cell
    if cell not in CELL_NAMES:
        raise ValueError(f"cell={fc.cell!r} is not known; expected one of {sorted(CELL_NAMES)}")
    _check_network_and_windows(fc)
    _check_training(fc)
    _check_probabilistic_and_covariate(fc)
    check_mask(fc)
    return cell


def _check_ints_or_none(value, name):
    """``value`` is an integer >= 1, a non-empty list of them, or None."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{name}=[] is empty; expected an integer >= 1, a list of them, or None")
        for v in value:
            check_positive_int(v, name)
    elif value is not None:
        check_positive_int(value, name)


def _check_network_and_windows(fc):
    check_positive_int(fc.hidden_size, "hidden_size")
    check_positive_int(fc.num_layers, "num_layers")
    _check_ints_or_none(fc.window, "window")
    check_positive_int(fc.horizon, "horizon")
    _check_ints_or_none(fc.season_length, "season_length")
    check_positive_int(fc.step, "step")
    if fc.strategy not in ("direct", "recursive"):
        raise ValueError(f"strategy={fc.strategy!r} is not known; expected 'direct' or 'recursive'")
    if fc.scaler not in _RNN_SCALERS:
        raise ValueError(f"scaler={fc.scaler!r} is not known; expected one of {_RNN_SCALERS}")
    if not any(fc.log is v for v in _LOG) and fc.log != "auto":
        raise ValueError(f"log={fc.log!r} is not known; expected 'auto', True or False")
    if fc.baseline not in _RNN_BASELINES:
        raise ValueError(f"baseline={fc.baseline!r} is not known; expected one of {_RNN_BASELINES}")
    if fc.baseline in ("seasonal_average", "drift") and fc.strategy != "direct":
        raise ValueError(f"baseline={fc.baseline!r} needs strategy='direct' (the recursive strategy feeds back "
                         "one-step forecasts with a lagged baseline); use baseline='seasonal_naive' or 'naive'")
    if fc.short_series not in ("drop", "pad"):
        raise ValueError(f"short_series={fc.short_series!r} is not known; expected 'drop' or 'pad'")
    if fc.dtype not in ("float32", "float64"):
        raise ValueError(f"dtype={fc.dtype!r} is not supported; expected 'float32' or 'float64'")


#: Point losses an RNNForecaster trains on ("auto" resolves to one of them: :func:`.auto_rules.resolve_loss`).
_RNN_LOSSES = ("auto", "mse", "mae", "l1", "huber")


def _check_training(fc):
    if not (isinstance(fc.loss, str) and fc.loss in _RNN_LOSSES):
        raise ValueError(f"loss={fc.loss!r} is not known; expected one of {list(_RNN_LOSSES)} (the quantile and "
                         "distribution heads train on their own losses: set quantiles= or distribution= instead)")  # fmt: skip
    if not (isinstance(fc.epochs, str) and fc.epochs == "auto"):
        check_positive_int(fc.epochs, "epochs")
    check_positive_int(fc.batch_size, "batch_size")
    check_positive_int(fc.n_ensemble, "n_ensemble")
    if fc.training not in ("windows", "stateful"):
        raise ValueError(f"training={fc.training!r} is not known; expected 'windows' or 'stateful'")
    if fc.tbptt is not None:
        check_positive_int(fc.tbptt, "tbptt")
    if fc.training == "stateful" and (fc.scaler == "window" or fc.baseline not in (None, "auto")):
        raise ValueError(
            f"training='stateful' runs along whole series, without windows: it needs a per-series scaler and no "
            f"baseline (got scaler={fc.scaler!r}, baseline={fc.baseline!r}); pass for example "
            "scaler='standard', baseline=None"
        )
    if fc.lr_schedule not in _LR_SCHEDULES:
        raise ValueError(f"lr_schedule={fc.lr_schedule!r} is not known; expected one of {_LR_SCHEDULES}")
    if fc.optimizer not in _OPTIMIZERS:
        raise ValueError(f"optimizer={fc.optimizer!r} is not known; expected one of {_OPTIMIZERS}")
    if fc.val_size:
        check_positive_int(fc.val_size, "val_size")
        if fc.val_size < fc.horizon:
            raise ValueError(f"val_size={fc.val_size} must be at least horizon={fc.horizon} (or 0: no validation)")
    for name in ("lr", "lr_factor", "min_lr"):
        v = getattr(fc, name)
        if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not fc.lr_factor < 1:
        raise ValueError(f"lr_factor must be below 1, got {fc.lr_factor!r}")
    check_positive_int(fc.patience, "patience")
    check_positive_int(fc.lr_patience, "lr_patience")
    if fc.windows_per_epoch is not None:
        check_positive_int(fc.windows_per_epoch, "windows_per_epoch")



def _check_probabilistic_and_covariate(fc):
    fc.quantiles_ = None if fc.quantiles is None else check_quantiles(fc.quantiles)
    check_distribution(fc)
    if fc.quantiles_ is not None:
        if fc.strategy != "direct":
            raise ValueError(f"quantiles need strategy='direct' (one head emits every step's quantiles), got "
                             f"strategy={fc.strategy!r}")  # fmt: skip
        if fc.difference or fc.seasonal_difference:
            raise ValueError(
                f"quantiles cannot be combined with difference={fc.difference!r} or seasonal_difference="
                f"{fc.seasonal_difference!r}: integrating per-step quantiles does not give quantiles of the "
                "series; use the default window scaler and baseline instead"
            )
    if not isinstance(fc.calendar_features, (bool, np.bool_)):
        raise ValueError(f"calendar_features must be True or False, got {fc.calendar_features!r}")
    if fc.series_embedding is not None:
        check_positive_int(fc.series_embedding, "series_embedding")
    _check_past_covariates(fc.past_covariates, fc.strategy)


def _check_past_covariates(past, strategy):
    if past is None:
        return
    if (isinstance(past, str) or not isinstance(past, (list, tuple)) or not past
            or not all(isinstance(c, str) and c for c in past) or len(set(past)) != len(past)):  # fmt: skip
        raise ValueError(f"past_covariates={past!r} must be a non-empty list of distinct column names of X, for "
                         "example ['inventory']")  # fmt: skip
    if strategy != "direct":
        raise ValueError(f"past_covariates need strategy='direct', got strategy={strategy!r}: a recursive forecast "
                         "feeds its steps one at a time and would need their values after the forecast origin, "
                         "which past-only covariates do not have")  # fmt: skip



def check_covariate_strategy(fc, what):
    """Covariates (``what``: their kind, for the message) need the CPU; every strategy and training mode takes them."""
    from ...nn.device import resolve_device

    if resolve_device(fc.device) != "cpu":
        raise ValueError(f"covariates ({what}) run on the CPU only; use device='cpu' (got device={fc.device!r})")


def check_quantiles(quantiles) -> tuple:
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
