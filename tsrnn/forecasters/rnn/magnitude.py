"""Data too large for an RNNForecaster to model: refused with the series named, never trained into NaN.

With the default ``scaler="window"`` every window is scaled by its own statistics, computed in
float64 where the data's magnitude needs it (:func:`tsrnn.data.windows.stats_dtype`), so the
network, whatever its dtype, sees values of order one: data up to 1e303 in magnitude (in the
model space: after the log and differencing) can be modelled. With a per-series scaler, the
statistics are float64 and must be finite; with ``scaler=None`` the network reads the values
themselves, and their squares (the loss) must stay finite in its dtype: at most
``sqrt(finfo(dtype).max) / 1000`` (1.8e16 for float32, 1.3e151 for float64).
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_model_range", "WINDOW_SCALER_LIMIT"]

#: Largest magnitude the float64 window statistics handle (sums of up to 10^5 values, doubled by differences).
WINDOW_SCALER_LIMIT = 1e303


def _limit(fc) -> float:
    if fc.scaler == "window":
        return WINDOW_SCALER_LIMIT
    return float(np.sqrt(np.finfo(fc._np_dtype).max) / 1e3)


def check_model_range(fc, panel, model_values, dptr, stats) -> None:
    """Raise ValueError naming the first series whose values the network cannot model (before they are scaled).

    Parameters
    ----------
    fc : RNNForecaster
    panel : Panel
        The data as given (its values are quoted in the message).
    model_values : (N,) array
        The values in the model space (log, differencing), CSR with ``dptr``.
    dptr : (S + 1,) int array
    stats : (S, 2) array
        The per-series scaler's location and scale.
    """
    limit = _limit(fc)
    stats = np.asarray(stats, dtype=np.float64)
    bad_stats = ~np.isfinite(stats).all(axis=1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        seen = model_values
        if fc.scaler != "window":
            lengths = np.diff(dptr)
            seen = (model_values - np.repeat(stats[:, 0], lengths)) / np.repeat(stats[:, 1], lengths)
        bad = ~(np.abs(seen) <= limit)
    if not bad.any() and not bad_stats.any():
        return
    rows = np.union1d(np.flatnonzero(bad_stats), _series_of(bad, dptr))
    i = int(rows[0])
    raw = panel.values[panel.indptr[i] : panel.indptr[i + 1]]
    space = " (after the log and differencing)" if fc.log_ or fc.difference or fc.seasonal_difference else ""
    how = ("the window scaler's statistics reach" if fc.scaler == "window"
           else f"with scaler={fc.scaler!r} the network (dtype={fc.dtype!r}) reads values up to")  # fmt: skip
    more = f" ({rows.size} series in all)" if rows.size > 1 else ""
    other = "" if fc.scaler == "window" else ", or use scaler='window'"
    raise ValueError(
        f"series {panel.ids[i]!r} has values from {float(raw.min()):.4g} to {float(raw.max()):.4g}{more}, beyond "
        f"what RNNForecaster can model{space}: {how} {limit:.2g} in magnitude, and the per-series statistics must be "
        f"finite. Rescale the data (divide it by a power of ten and multiply the forecasts back){other}"
    )


def _series_of(bad, dptr):
    """Positions of the series holding a True of ``bad`` (CSR with ``dptr``)."""
    if not bad.any():
        return np.empty(0, np.int64)
    return np.searchsorted(dptr, np.flatnonzero(bad), side="right") - 1
