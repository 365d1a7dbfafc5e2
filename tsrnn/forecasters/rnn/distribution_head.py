"""RNNForecaster's distribution head (``distribution="normal" | "student_t" | "negative_binomial"``).

The head emits P raw numbers per forecast step (``horizon * P`` outputs for the direct strategy,
P for the recursive one, step-major as :class:`tsrnn.nn.HorizonDistributionLoss` reads them),
trained on the negative log-likelihood. What the network models:

- ``"normal"`` and ``"student_t"``: the same window-scaled targets as the point head (less the
  baseline); the parameters map back through the window's location plus its scaled baseline
  forecast and the window's scale (the distribution of ``loc + scale * z``), then through the
  series scaler. Both are affine, so the quantiles of the data are the mapped quantiles.
- ``"negative_binomial"`` (counts): as DeepAR, the inputs are divided by the window's scale
  ``s = 1 + mean |y|`` over the input window (no shift: a shifted count is not a count), and
  the counts are scored unscaled with the mean ``s * m`` and the dispersion unchanged
  (:meth:`tsrnn.nn.Distribution.rescale`). It needs counts (y >= 0), no log, no baseline and
  no series scaler.

Forecasts are read from the parameters of the last input step, mapped to the series-scaled
space (:func:`params_in_series_space`), then through the series scaler and the logarithm
(when fitted on the log scale: quantiles and samples are exponentiated, so the median maps
exactly; the mean does not).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DISTRIBUTIONS", "check_distribution", "check_counts", "count_batches", "distribution_loss",
           "input_window_stats", "is_counts", "n_params", "params_in_series_space", "sampler_scaling"]  # fmt: skip

#: Canonical names, and the aliases :func:`tsrnn.nn.get_distribution` also accepts.
DISTRIBUTIONS = {"normal": "normal", "gaussian": "normal", "student_t": "student_t", "studentt": "student_t",
                 "negative_binomial": "negative_binomial", "negbin": "negative_binomial"}  # fmt: skip
_P = {"normal": 2, "student_t": 3, "negative_binomial": 2}


def check_distribution(fc):
    """Check ``fc.distribution`` and its combinations; set ``fc.distribution_`` (canonical name or None).

    Raises
    ------
    ValueError
        An unknown name, or a combination the head cannot serve, naming the fix.
    """
    d = fc.distribution
    if d is None:
        fc.distribution_ = None
        return
    if not isinstance(d, str) or d.strip().lower() not in DISTRIBUTIONS:
        raise ValueError(f"distribution={d!r} is not known; expected None, 'normal', 'student_t' or "
                         "'negative_binomial'")  # fmt: skip
    name = fc.distribution_ = DISTRIBUTIONS[d.strip().lower()]
    if fc.quantiles is not None:
        raise ValueError(f"give either distribution={d!r} or quantiles={fc.quantiles!r}, not both: a distribution "
                         "head gives every quantile (predict(level=...)) from its own quantile function")  # fmt: skip
    if fc.difference or fc.seasonal_difference:
        raise ValueError(f"distribution={d!r} cannot be combined with difference={fc.difference!r} or "
                         f"seasonal_difference={fc.seasonal_difference!r}: integrating per-step distributions does "
                         "not give the series' distribution; use the default window scaler and baseline instead")  # fmt: skip
    if fc.fill_missing == "mask":
        raise ValueError(f"distribution={d!r} cannot be combined with fill_missing='mask' yet (the head's window "
                         "scale and sample paths do not read the missing-value indicator); use "
                         "fill_missing='interpolate' or a point or quantile head")  # fmt: skip
    if fc.loss != "auto":
        raise ValueError(f"distribution={d!r} trains on its negative log-likelihood; leave loss at its default "
                         f"'auto' (got loss={fc.loss!r})")  # fmt: skip
    if name == "negative_binomial":
        _check_counts_params(fc)


def _check_counts_params(fc):
    bad = []
    if fc.log is True:
        bad.append("log=True (counts are modelled on their own scale: use log=False or 'auto')")
    if fc.baseline not in ("auto", None):
        bad.append(f"baseline={fc.baseline!r} (a count less a baseline is not a count: use baseline=None)")
    if fc.scaler not in ("window", None):
        bad.append(f"scaler={fc.scaler!r} (counts are divided by the window's mean, never shifted: use "
                   "scaler='window' or None)")  # fmt: skip
    if fc.training != "windows":
        bad.append(f"training={fc.training!r} (use training='windows')")
    if bad:
        raise ValueError("distribution='negative_binomial' cannot be combined with " + "; ".join(bad))


def check_counts(fc, panel):
    """The negative binomial needs counts: every value >= 0 (an error names the first series with a negative)."""
    if fc.distribution_ != "negative_binomial" or not np.any(panel.values < 0):
        return
    first = int(np.argmax(panel.values < 0))
    i = int(np.searchsorted(panel.indptr, first, side="right") - 1)
    raise ValueError(f"distribution='negative_binomial' models counts (values >= 0), but series {panel.ids[i]!r} "
                     f"holds the value {float(panel.values[first])!r}; use distribution='normal' or "
                     "'student_t' for data that can be negative")  # fmt: skip


def n_params(fc) -> int:
    """P: raw outputs per forecast step (1 without a distribution head)."""
    return _P[fc.distribution_] if getattr(fc, "distribution_", None) else 1


def is_counts(fc) -> bool:
    """Whether ``fc`` has a negative binomial head (its "auto" log and baseline then resolve to none)."""
    return getattr(fc, "distribution_", None) == "negative_binomial"


def sampler_scaling(fc):
    """The window sampler's scaling: "window" for the window scaler, None for the negative binomial (own scale)."""
    if fc.scaler != "window" or getattr(fc, "distribution_", None) == "negative_binomial":
        return None
    return "window"


def distribution_loss(fc):
    """The trainer's loss: :class:`tsrnn.nn.HorizonDistributionLoss`, scaled for the negative binomial."""
    from ...nn import HorizonDistributionLoss

    return HorizonDistributionLoss(fc.distribution_, scaled=fc.distribution_ == "negative_binomial")


def count_scale(x):
    """DeepAR's scale of every input window: ``1 + mean |x|`` over its steps; x (B, T) -> (B, 1) float64."""
    return 1.0 + np.abs(np.asarray(x, dtype=np.float64)).mean(axis=1, keepdims=True)


def count_batches(batches, loss, scaler):
    """Batches for the negative binomial: inputs divided by their window's scale, targets packed as ``[y, s]``.

    Parameters
    ----------
    batches : callable
        Epochs of ``(x, y, weight)`` of raw counts: x (B, T, I) (column 0 the value), y and weight (B, T, horizon).
    loss : HorizonDistributionLoss
        With ``scaled=True``: packs each step's target and scale.
    scaler : bool
        Whether to divide by the window's scale (``scaler="window"``); otherwise the scale is 1.
    """

    def epoch():
        for x, y, w in batches():
            s = count_scale(x[:, :, 0]) if scaler else np.ones((x.shape[0], 1))
            x = x.copy()
            x[:, :, 0] = x[:, :, 0] / s.astype(x.dtype)
            target = loss.pack(y, s[:, :, None].astype(y.dtype))
            yield x, target, None if w is None else np.repeat(w, loss.n_params, axis=-1)

    return epoch


def input_window_stats(fc, x, season_length):
    """``(loc, scale)`` of every input window x (B, T): the window scaler's, or (0, DeepAR's scale) for counts."""
    from ...data.windows import window_stats

    if getattr(fc, "distribution_", None) != "negative_binomial":
        return window_stats(x, season_length)
    return np.zeros((x.shape[0], 1), dtype=x.dtype), count_scale(x).astype(x.dtype)


def params_in_series_space(fc, raw, loc, scale, base=None):
    """The head's raw outputs of one input step as distribution parameters in the series-scaled space.

    Parameters
    ----------
    fc : RNNForecaster
    raw : (n, k * P) array
        The head's outputs: P per forecast step, step-major.
    loc, scale : (n, 1) arrays
        The input windows' statistics (loc is 0 for the negative binomial).
    base : (n, k) array, optional
        The window-scaled baseline forecast of each step.

    Returns
    -------
    dist : tsrnn.nn.Distribution
    params : tuple of P float64 arrays of shape (n, k)
    """
    from ...nn import get_distribution

    dist = get_distribution(fc.distribution_)
    n, P = raw.shape[0], dist.n_params
    params = dist.params(np.asarray(raw, dtype=np.float64).reshape(n, -1, P))
    scale = np.asarray(scale, dtype=np.float64)
    if fc.distribution_ == "negative_binomial":
        return dist, dist.rescale(params, scale=scale)
    shift = np.asarray(loc, dtype=np.float64) + (0.0 if base is None else scale * base)
    return dist, dist.rescale(params, loc=np.broadcast_to(shift, params[0].shape), scale=scale)
