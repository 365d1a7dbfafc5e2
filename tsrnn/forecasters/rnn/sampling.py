"""What a distribution head's forecast reads from its distributions: quantiles, sample paths, or the parameters.

A :class:`Draw` says what to read per series and step, K values:

- ``Draw.quantiles(q)``: the exact quantiles (K = Q) of every step's distribution (direct
  strategy); for the recursive strategy only the median (K = 1), fed back step by step
  (the path of medians);
- ``Draw.samples(S, rng)``: S sample paths (K = S). Direct strategy: every step's marginal
  distribution is sampled independently (marginal samples: right per step, not joint across
  steps). Recursive strategy: each step samples and feeds the sample back, so the paths are
  joint draws (:func:`recursive_paths`);
- ``Draw.parameters()``: the parameters themselves (validation scores them).

Everything here is in the series-scaled space; :func:`tsrnn.forecasters.rnn.prediction.predict_members`
takes the K values through the series scaler and the logarithm, which are monotone, so
quantiles stay quantiles and samples stay samples.
"""

from __future__ import annotations

import numpy as np

from ..._validation import check_positive_int
from .distribution_head import params_in_series_space

__all__ = ["Draw", "PATH_ROWS", "recursive_paths"]

#: Rows (series x paths) of one recursive sampling batch: bounds memory; fixed, so draws never depend on it varying.
PATH_ROWS = 65536


class Draw:
    """What to read from each distribution; build with :meth:`quantiles`, :meth:`samples` or :meth:`parameters`."""

    def __init__(self, kind, q=None, num_samples=None, rngs=None):
        self.kind, self.q, self.num_samples, self.rngs = kind, q, num_samples, rngs

    @classmethod
    def quantiles(cls, q):
        return cls("quantiles", q=tuple(float(v) for v in q))

    @classmethod
    def samples(cls, num_samples, random_state, n_members):
        """S paths split among the members: member i draws paths i, i + M, ... with its own generator."""
        rngs = np.random.default_rng(random_state).spawn(n_members)
        return cls("samples", num_samples=check_positive_int(num_samples, "num_samples"), rngs=rngs)

    @classmethod
    def parameters(cls):
        return cls("parameters")

    def width(self, member, n_members) -> int:
        """K: values per series and step this member gives."""
        if self.kind == "quantiles":
            return len(self.q)
        return len(range(member, self.num_samples, n_members))

    def marginal(self, dist, params, member, n_members):
        """(n, k, K) values of every step's own distribution (``params``: P arrays (n, k))."""
        if self.kind == "parameters":
            return dist, params
        if self.kind == "quantiles":
            return dist.quantile(params, list(self.q))
        draws = dist.sample(params, self.width(member, n_members), self.rngs[member])
        return np.moveaxis(draws, 0, -1)

    def step(self, dist, params, member):
        """(B,) values for one recursive step: the median, or one sample per row (path)."""
        if self.kind == "quantiles":
            return dist.quantile(params, 0.5)
        return dist.sample(params, 1, self.rngs[member])[0]


def combine_members(draw, results):
    """One (n, h, K) array from the members': the median per quantile, or the paths interleaved (a mixture)."""
    if len(results) == 1:
        return results[0]
    if draw.kind == "quantiles":
        return np.median(results, axis=0)
    n, h = results[0].shape[:2]
    out = np.empty((n, h, draw.num_samples))
    for i, r in enumerate(results):
        out[:, :, i :: len(results)] = r
    return out


def recursive_paths(fc, model, raw, state, h, full, lag, loc, scale, draw, member, n_members, extra=None):
    """(n, h, K) recursive draws: each step's value (median or sample) fed back as the next input.

    Parameters
    ----------
    fc : RNNForecaster
    model : RecurrentRegressor
    raw : (n, P) array
        The head's output at the window's last step.
    state : recurrent state after the window
    h : int
    full : (n, S) array
        Window-scaled history (the values the baseline reads, then the window).
    lag : (n,) int array
        Baseline lag of every series (0: none).
    loc, scale : (n, 1) arrays
        The windows' statistics.
    draw : Draw
    member, n_members : int
    extra : (n, h - 1, C) array, optional
        The inputs beside the fed-back value at forecast steps 2 .. h (covariates, series columns).
    """
    if draw.kind == "parameters" or (draw.kind == "quantiles" and draw.q != (0.5,)):
        raise ValueError("a recursive distribution head feeds back one value per path: it gives the path of medians "
                         "or sample paths; read other quantiles from sample paths")  # fmt: skip
    n = raw.shape[0]
    K = draw.width(member, n_members)
    rows = np.repeat(np.arange(n), K)
    out = np.empty((n * K, h))
    for b0 in range(0, rows.size, PATH_ROWS):
        idx = rows[b0 : b0 + PATH_ROWS]
        more = None if extra is None else extra[idx]
        out[b0 : b0 + idx.size] = _paths(fc, model, raw[idx], _rows_of(state, idx), h, full[idx], lag[idx],
                                         loc[idx], scale[idx], draw, member, more)  # fmt: skip
    return out.reshape(n, K, h).transpose(0, 2, 1)


def _rows_of(state, idx):
    if isinstance(state, (tuple, list)):
        return tuple(np.ascontiguousarray(s[:, idx]) for s in state)
    return np.ascontiguousarray(state[:, idx])


def _paths(fc, model, raw, state, h, full, lag, loc, scale, draw, member, extra=None):
    """(B, h) values of B paths in the series-scaled space; the window-scaled values are fed back."""
    B, S = full.shape
    hist = np.empty((B, S + h))
    hist[:, :S] = full
    ar = np.arange(B)
    out = np.empty((B, h))
    for k in range(h):
        base = np.where(lag > 0, hist[ar, S + k - np.maximum(lag, 1)], 0.0)[:, None]
        dist, params = params_in_series_space(fc, raw, loc, scale, base)
        value = draw.step(dist, tuple(p[:, 0] for p in params), member)
        out[:, k] = value
        hist[:, S + k] = (value - loc[:, 0]) / scale[:, 0]
        if k + 1 < h:
            x = hist[:, S + k, None, None].astype(model.dtype)
            if extra is not None:
                x = np.concatenate([x, extra[:, k : k + 1]], axis=2)
            o, state = model.forward(x, state)
            raw = o[:, -1]
    return out
