"""RNNForecaster's model files: what a fitted forecaster saves beside its parameters, and how it comes back.

Arrays (every member's weights, the training history, scaler and regressor statistics) and a
JSON header, written by :mod:`tsrnn.io` without pickle. Files written before a parameter existed
load with that parameter's behaviour of then (:func:`upgrade_params`).
"""

from __future__ import annotations

import pandas as pd

from .file_checks import check_past_names, member_prefixes
from .params import check_params
from .static import load_static, save_static
from .training import new_model

__all__ = ["save_state", "load_state", "upgrade_params"]


def save_state(fc):
    """``(header, arrays)`` of a fitted RNNForecaster: every member's weights, the history, the scaler and regressor statistics."""
    header = {"best_epoch": int(fc.best_epoch_), "n_series": int(fc.n_series_),
              "history_columns": list(fc.history_.columns), "seasons": [int(m) for m in fc.seasons_],
              "log": bool(fc.log_), "windows": [int(w) for w in fc.windows_],
              "train_windows": int(getattr(fc, "train_windows_", 0)),
              "exog_names": fc.exog_names_, "calendar_names": list(fc.calendar_names_),
              "past_names": list(fc.past_names_)}  # fmt: skip
    static_header, arrays = save_static(fc)
    header.update(static_header)
    for i, model in enumerate(fc.models_):
        prefix = "model." if i == 0 else f"member{i}."
        arrays.update({f"{prefix}{k}": v for k, v in model.state_dict().items()})
    arrays.update({f"history.{c}": fc.history_[c].to_numpy() for c in fc.history_.columns})
    arrays["scaler_stats"] = fc.scaler_stats_
    if fc.exog_names_:
        arrays["exog.stats"] = fc.exog_stats_
        arrays["exog.history"] = fc.exog_history_
    return header, arrays



def load_state(fc, header, arrays):
    """Restore :func:`save_state`'s ``(header, arrays)`` into the RNNForecaster ``fc`` (built from the file's parameters)."""
    cell = check_params(fc)
    fc.seasons_ = tuple(int(m) for m in header.get("seasons", [fc.season_length or 1]))
    fc.season_length_ = fc.seasons_[0]
    fc.log_ = bool(header.get("log", False))
    fc.train_windows_ = int(header.get("train_windows", 0))
    fc.windows_ = [int(w) for w in header.get("windows", [fc.window])]
    fc.n_series_ = int(header["n_series"])
    fc.exog_names_ = header.get("exog_names") or None
    fc.past_names_ = check_past_names(header.get("past_names") or [], fc.exog_names_)
    load_static(fc, header, arrays)
    fc.calendar_names_ = list(header.get("calendar_names") or [])
    fc.exog_stats_ = arrays["exog.stats"] if fc.exog_names_ else None
    fc.exog_history_ = arrays["exog.history"] if fc.exog_names_ else None
    if fc.exog_names_ and fc.exog_stats_.shape != (2, len(fc.exog_names_)):
        raise ValueError(f"the file's regressor statistics have shape {fc.exog_stats_.shape}; expected "
                         f"(2, {len(fc.exog_names_)})")  # fmt: skip
    models = []
    for prefix in member_prefixes(len(fc.windows_)):
        # The file's weights replace the initial ones: draw them the cheap way (orthogonal init is a QR per gate).
        model = new_model(fc, cell, init="torch")
        model.load_state_dict({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
        models.append(model)
    fc.models_ = models
    fc.model_ = models[0]
    fc.scaler_stats_ = arrays["scaler_stats"]
    fc.best_epoch_ = int(header["best_epoch"])
    fc.n_series_ = int(header["n_series"])
    columns = header["history_columns"]
    if not isinstance(columns, list) or len({arrays[f"history.{c}"].shape for c in columns}) > 1:
        raise ValueError("the header's history_columns do not name arrays history.<column> of one length")
    fc.history_ = pd.DataFrame({c: arrays[f"history.{c}"] for c in columns})


def upgrade_params(header):
    """The file's header with the parameters it predates set to their behaviour of then."""
    if "windows" not in header.get("state", {}):
        # Saved before season_length, log, baseline, lr_schedule and n_ensemble existed: their behaviour then.
        old = {"log": False, "baseline": None, "lr_schedule": "plateau", "n_ensemble": 1, "windows_per_epoch": None}
        header = dict(header, params={**old, **header["params"]})
    return header
