"""Checks of an RNNForecaster's model file before any network is built from it.

A model file's header holds the settings that size the network and every later forecast
(``hidden_size``, ``num_layers``, ``horizon``, the windows, the seasons, the quantiles, the
covariates, the series vectors). :func:`check_saved_state` checks each against what the stored
arrays imply, so a header that promises a larger network than its weights hold, or windows far
beyond its stored history, is refused before anything is allocated:

* ``hidden_size``, ``num_layers``, the head's outputs (``horizon`` x quantiles, or x the
  distribution's P parameters, for the direct strategy), the inputs (covariates, static
  covariates and the series vector) and the embeddings' rows (series, and every static
  column's categories, whose texts the header lists) must agree with the shapes of every
  member's weights; ``past_names`` must be the last of the regressor names;
* every window is at most ``max(4 L, 2 horizon, 16)`` and every season at most
  ``max(L, window)``, with L the longest stored series (the default window rule gives at most
  that for seasons no longer than the data); a recursive model's ``horizon`` at most
  ``max(4 L, 16)``;
* the network built at load (parameters and gradient buffers, twice the stored weights) must
  fit in what is left of the byte budget after the arrays.

Every refusal is a ValueError naming the field (``params.hidden_size``, ``state.windows``,
``arrays['model.head.weight']`` ...); :func:`tsrnn.load` turns it into a ModelFileError that also
names the file.
"""

from __future__ import annotations

import re

import numpy as np

from .missing import indicator_inputs
from .params import check_params
from .static import static_input_width

__all__ = ["check_saved_state", "member_prefixes", "check_past_names"]

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_LAYER_KEY = re.compile(r"rnn\.weight_hh_l(\d+)$")


def member_prefixes(n: int) -> list[str]:
    """Array-name prefixes of the ``n`` members of an ensemble."""
    return ["model." if i == 0 else f"member{i}." for i in range(n)]


def check_past_names(past, exog_names) -> list:
    """The header's ``past_names``: the last regressors of ``exog_names`` (the past-only ones), else ValueError."""
    names = list(exog_names or [])
    if not isinstance(past, list) or not all(isinstance(p, str) for p in past) or names[len(names) - len(past) :] != past:
        raise ValueError(f"state.past_names is {past!r}; expected the last names of state.exog_names ({names})")
    return past


def _int_list(value, field: str, minimum: int = 1) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{field} is {value!r}; expected a non-empty list of integers >= {minimum}")
    for v in value:
        if type(v) is not int or v < minimum:
            raise ValueError(f"{field} holds {v!r}; expected integers >= {minimum}")
    return value


def check_saved_state(fc, header: dict, arrays: dict, budget: int) -> None:
    """Check a saved RNNForecaster's settings against its arrays; ``fc`` holds the file's parameters and panel.

    Parameters
    ----------
    fc : RNNForecaster
        Built from the file's ``params``, with ``panel_`` restored.
    header : dict
        The file's ``state`` object.
    arrays : dict of str to ndarray
    budget : int
        Bytes left for the network after the arrays themselves.

    Raises
    ------
    ValueError
        Naming the field and what the arrays imply.
    """
    try:
        cell = check_params(fc)
    except ValueError as exc:
        raise ValueError(f"params: {exc}") from None
    windows = _int_list(header.get("windows", [fc.window]), "state.windows")
    seasons = _int_list(header.get("seasons", [fc.season_length or 1]), "state.seasons")
    n_series = header.get("n_series")
    if type(n_series) is not int or n_series != fc.panel_.n_series:
        raise ValueError(f"state.n_series is {n_series!r}; the stored panel holds {fc.panel_.n_series} series")
    _check_reach(fc, windows, seasons)
    check_past_names(header.get("past_names") or [], header.get("exog_names"))
    prefixes = member_prefixes(len(windows))
    extra = [k for k in arrays if k.startswith("member") and not any(k.startswith(p) for p in prefixes)]
    if extra:
        raise ValueError(f"arrays {extra[:3]} belong to no member of the {len(windows)} that state.windows lists")
    weight_bytes = 0
    for prefix in prefixes:
        weights = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        _check_member(fc, cell, header, weights, prefix)
        weight_bytes += sum(v.nbytes for v in weights.values())
    if 2 * weight_bytes > budget:
        raise ValueError(f"the network needs {2 * weight_bytes} bytes (weights and gradient buffers) beyond its "
                         f"arrays, more than the {max(budget, 0)} left of max_bytes; pass a larger max_bytes if you "
                         "trust this file")  # fmt: skip


def _check_reach(fc, windows, seasons) -> None:
    """Windows, seasons and a recursive horizon within what the stored history can justify."""
    longest = int(np.diff(fc.panel_.indptr).max(initial=0))
    horizon = int(fc.horizon)
    window_cap = max(4 * longest, 2 * horizon, 16)
    if max(windows) > window_cap:
        raise ValueError(f"state.windows holds {max(windows)}, but the longest stored series has {longest} values "
                         f"(a window of at most max(4 x {longest}, 2 x horizon, 16) = {window_cap} is expected)")  # fmt: skip
    season_cap = max(longest, max(windows))
    if max(seasons) > season_cap:
        raise ValueError(f"state.seasons holds {max(seasons)}; expected at most max(longest series, window) = "
                         f"{season_cap}")  # fmt: skip
    if fc.strategy == "recursive" and horizon > max(4 * longest, 16):
        raise ValueError(f"params.horizon is {horizon}, but the longest stored series has {longest} values (a "
                         f"recursive model's horizon is expected to be at most {max(4 * longest, 16)})")  # fmt: skip


def _shape(weights, name, prefix, ndim):
    if name not in weights:
        raise ValueError(f"the array {prefix}{name} is missing")
    shape = weights[name].shape
    if len(shape) != ndim:
        raise ValueError(f"arrays[{prefix + name!r}] has shape {shape}; expected {ndim} dimensions")
    return shape


def _check_member(fc, cell, header, weights, prefix) -> None:
    """One member's weights against ``hidden_size``, ``num_layers``, the head's outputs and the inputs."""
    H, L, G = int(fc.hidden_size), int(fc.num_layers), _GATES[cell]
    hh = _shape(weights, "rnn.weight_hh_l0", prefix, 2)
    if hh != (G * H, H):
        raise ValueError(f"params.hidden_size is {H} (cell {cell!r}), but arrays['{prefix}rnn.weight_hh_l0'] has "
                         f"shape {hh}; expected {(G * H, H)}")  # fmt: skip
    layers = sorted(int(m.group(1)) for k in weights if (m := _LAYER_KEY.match(k)))
    if layers != list(range(L)):
        raise ValueError(f"params.num_layers is {L}, but the file holds recurrent layers {layers} for {prefix[:-1]}")
    K = len(header.get("exog_names") or []) + len(header.get("calendar_names") or [])
    E = int(fc.series_embedding or 0)
    n_numeric, sizes = static_input_width(header)
    S = n_numeric + sum(d for _, d in sizes)
    M = indicator_inputs(fc)
    ih = _shape(weights, "rnn.weight_ih_l0", prefix, 2)
    if ih != (G * H, 1 + M + K + S + E):
        raise ValueError(f"arrays['{prefix}rnn.weight_ih_l0'] has shape {ih}; the header's covariates ({K}), static "
                         f"covariates ({S}), params.series_embedding ({E}) and params.fill_missing "
                         f"({fc.fill_missing!r}: {M} missing-indicator) imply {(G * H, 1 + M + K + S + E)}")  # fmt: skip
    for j, size in enumerate(sizes):
        if _shape(weights, f"static{j}.weight", prefix, 2) != size:
            raise ValueError(f"arrays['{prefix}static{j}.weight'] has shape {weights[f'static{j}.weight'].shape}; the "
                             f"header's categories of static column {j} imply {size}")  # fmt: skip
    out = fc._out_size * fc._head_width
    head = _shape(weights, "head.weight", prefix, 2)
    if head != (out, H + fc._out_size * K):
        raise ValueError(f"params.horizon is {fc.horizon} (strategy {fc.strategy!r}, quantiles {fc.quantiles!r}, "
                         f"distribution {fc.distribution!r}), "
                         f"but arrays['{prefix}head.weight'] has shape {head}; expected "
                         f"{(out, H + fc._out_size * K)}")  # fmt: skip
    if E and _shape(weights, "embedding.weight", prefix, 2) != (fc.panel_.n_series, E):
        raise ValueError(f"params.series_embedding is {E}, but arrays['{prefix}embedding.weight'] has shape "
                         f"{weights['embedding.weight'].shape}; expected {(fc.panel_.n_series, E)}")  # fmt: skip
