"""The shared part of every distribution head: input checks, links, weighting, rescaling, summaries.

See :mod:`tsrnn.nn.distributions` for the conventions (raw outputs, links, window scaling).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy import special

from ..losses import _as_float_array

__all__ = ["Distribution", "softplus"]


def softplus(x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``; float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _check_matching(name, value, shape):
    arr = _as_float_array(name, value).astype(np.float64, copy=False)
    try:
        arr = np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {arr.shape} does not broadcast to target shape {shape}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds {int(np.count_nonzero(~np.isfinite(arr)))} NaN/inf value(s); expected finite")
    return arr


def _check_pred(pred, n_params, who):
    if not isinstance(pred, np.ndarray) or pred.dtype not in (np.float32, np.float64):
        kind = type(pred).__name__ + ("" if not isinstance(pred, np.ndarray) else f" of dtype {pred.dtype}")
        raise ValueError(f"pred must be a float32 or float64 ndarray, got {kind}")
    if pred.ndim < 1 or pred.shape[-1] != n_params:
        raise ValueError(f"{who}: pred has shape {pred.shape}; expected a trailing axis of {n_params} raw parameters")
    if not np.all(np.isfinite(pred)):
        raise FloatingPointError(
            f"pred holds {int(np.count_nonzero(~np.isfinite(pred)))} NaN/inf value(s); the model has diverged"
        )


def _check_target(target, pred_shape, who):
    arr = _as_float_array("target", target)
    shape = tuple(pred_shape[:-1])
    if arr.shape not in (shape, shape + (1,)):
        raise ValueError(f"{who}: pred has shape {tuple(pred_shape)} but target has shape {arr.shape}; "
                         f"expected {shape} or {shape + (1,)}")  # fmt: skip
    return np.asarray(arr, dtype=np.float64).reshape(shape), arr.shape


def _check_weight(weight, target_shape, shape):
    if weight is None:
        return None
    warr = _as_float_array("weight", weight)
    try:
        w = np.broadcast_to(warr.astype(np.float64, copy=False), target_shape).reshape(shape)
    except ValueError:
        raise ValueError(f"weight of shape {warr.shape} does not broadcast to target shape {target_shape}") from None
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weight must be finite and nonnegative (it holds NaN, inf or negative values)")
    if not float(np.sum(w)) > 0:
        raise ValueError("weight sums to 0: no element counts, the mean loss is undefined")
    return w


def _as_rng(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng={rng!r} must be a numpy.random.Generator, an int seed or None")


class Distribution:
    """Shared validation, links, weighting and rescaling; subclasses define the density.

    Parameters
    ----------
    floor : float, default 1e-6
        Smallest value of every positive parameter (added after the softplus): keeps scales
        and dispersions away from 0, where the likelihood has no maximum.
    """

    name = "distribution"
    param_names: tuple = ()
    #: Per parameter: whether it is multiplied by ``scale`` (True) in :meth:`rescale`; the
    #: location is also shifted by ``loc``.
    _scaled: tuple = ()
    #: Per parameter: ``None`` (identity link) or the constant added to softplus.
    _offsets: tuple = ()
    _shiftable = True

    def __init__(self, floor=1e-6):
        if isinstance(floor, (bool, np.bool_)) or not isinstance(floor, numbers.Real):
            raise ValueError(f"floor={floor!r} must be a real number > 0")
        floor = float(floor)
        if not (math.isfinite(floor) and 0 < floor < 1):
            raise ValueError(f"floor={floor!r} is out of range; expected a value in (0, 1), e.g. 1e-6")
        self.floor = floor

    @property
    def n_params(self) -> int:
        """P: raw outputs the head emits per forecast step."""
        return len(self.param_names)

    # links --------------------------------------------------------------------
    def _link(self, raw):
        """Parameters and their derivatives with respect to ``raw`` (float64, (..., P))."""
        params, dlink = [], []
        for k, offset in enumerate(self._offsets):
            x = raw[..., k]
            if offset is None:
                params.append(x)
                dlink.append(np.ones_like(x))
            else:
                params.append(softplus(x) + self._offset(offset))
                dlink.append(special.expit(x))
        return tuple(params), tuple(dlink)

    def _offset(self, offset):
        return offset + self.floor

    def params(self, raw):
        """Map raw head outputs to the distribution's parameters.

        Parameters
        ----------
        raw : (..., P) array
            The head's outputs, P = ``n_params``.

        Returns
        -------
        tuple of P float64 arrays of shape (...)
            In the order of ``param_names``.
        """
        raw = np.asarray(raw, dtype=np.float64)
        if raw.ndim < 1 or raw.shape[-1] != self.n_params:
            raise ValueError(f"{type(self).__name__}: raw has shape {raw.shape}; expected a trailing axis of "
                             f"{self.n_params} ({', '.join(self.param_names)})")  # fmt: skip
        return self._link(raw)[0]

    def rescale(self, params, loc=None, scale=None):
        """Parameters of ``y = loc + scale * z`` from those of ``z`` (see the module docstring).

        Parameters
        ----------
        params : tuple of P arrays
        loc, scale : array_like, optional
            Broadcastable to the parameters' shape; ``scale`` > 0. The negative binomial takes
            no ``loc``.

        Returns
        -------
        tuple of P float64 arrays
        """
        params = self._check_params(params)
        shape = np.broadcast_shapes(*(p.shape for p in params))
        loc, scale = self._check_loc_scale(loc, scale, shape)
        out = []
        for k, p in enumerate(params):
            q = p * scale if (scale is not None and self._scaled[k]) else p
            out.append(q + loc if (k == 0 and loc is not None) else q)
        return tuple(out)

    def _check_loc_scale(self, loc, scale, shape):
        if loc is not None and not self._shiftable:
            raise ValueError(f"{type(self).__name__} takes no loc (a shifted count is not a count); got loc, "
                             "expected loc=None with a positive scale")  # fmt: skip
        loc = None if loc is None else _check_matching("loc", loc, shape)
        if scale is not None:
            scale = _check_matching("scale", scale, shape)
            if np.any(scale <= 0):
                raise ValueError(f"scale holds {int(np.count_nonzero(scale <= 0))} value(s) <= 0; expected > 0")
        return loc, scale

    def _check_params(self, params):
        if not isinstance(params, (tuple, list)) or len(params) != self.n_params:
            raise ValueError(f"{type(self).__name__}: params must be a tuple of {self.n_params} arrays "
                             f"({', '.join(self.param_names)}), got {type(params).__name__}")  # fmt: skip
        return tuple(np.asarray(p, dtype=np.float64) for p in params)

    # the loss -----------------------------------------------------------------
    def __call__(self, pred, target, weight=None, *, loc=None, scale=None):
        """Mean negative log-likelihood and its gradient with respect to the raw outputs.

        Parameters
        ----------
        pred : (..., P) ndarray of float32 or float64
            Raw head outputs.
        target : array_like, shape (...) or (..., 1)
            Observations in the data's units.
        weight : array_like, optional
            Nonnegative weights broadcastable to ``target``'s shape; zero masks a target.
        loc, scale : array_like, optional
            Broadcastable to ``target``'s shape: the head models ``(y - loc) / scale``.

        Returns
        -------
        value : float
            Weighted mean NLL; inf only when finite inputs overflow float64 (the caller checks).
        dpred : ndarray
            d value / d pred, same shape and dtype as ``pred``.

        Raises
        ------
        ValueError
            On mismatched shapes, bad weights, a non-positive scale, NaN/inf targets with
            nonzero weight, or targets outside the support.
        FloatingPointError
            If ``pred`` holds NaN or inf.
        """
        who = type(self).__name__
        _check_pred(pred, self.n_params, who)
        y, target_shape = _check_target(target, pred.shape, who)
        w = _check_weight(weight, target_shape, y.shape)
        loc, scale = self._check_loc_scale(loc, scale, y.shape)
        y = self._masked_target(y, w)
        raw = pred.astype(np.float64, copy=False)
        fused = self._fused(raw, y, w, loc, scale)
        if fused is not None:
            return fused[0], fused[1].reshape(pred.shape).astype(pred.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            z_params, dlink = self._link(raw)
            nll, grads = self._nll_grad(self.rescale(z_params, loc, scale), y)
            mass = float(y.size) if w is None else float(np.sum(w))
            if mass == 0:
                raise ValueError(f"pred of shape {pred.shape} is empty; the mean loss is undefined")
            wt = (1.0 / mass) if w is None else (w / mass)
            value = float(np.sum(wt * nll))
            cols = [wt * g * d * (scale if (scale is not None and s) else 1.0)
                    for g, d, s in zip(grads, dlink, self._scaled)]  # fmt: skip
            dpred = np.stack(np.broadcast_arrays(*cols), axis=-1)
        return value, dpred.astype(pred.dtype, copy=False)

    def _fused(self, raw, y, w, loc, scale):
        """``(value, grad)`` from the compiled loop (:mod:`tsrnn.kernels.distribution_nll`), or None.

        The Normal and Student-t heads without ``loc``/``scale`` (how the forecaster trains them)
        take it unless ``tsrnn._config.FUSED_TRAINING`` is off; the result agrees with the
        NumPy path to about 1e-13 relative.
        """
        from ... import _config

        if self.name not in ("normal", "student_t") or loc is not None or scale is not None:
            return None
        if not _config.FUSED_TRAINING or y.size == 0:
            return None
        from ...kernels.distribution_nll import fused_nll

        flat = np.ascontiguousarray(raw.reshape(-1, self.n_params))
        if w is None:
            wt = np.full(y.size, 1.0 / float(y.size))
        else:
            wt = np.ascontiguousarray(w.reshape(-1)) / float(np.sum(w))
        return fused_nll(self.name, flat, np.ascontiguousarray(y.reshape(-1)), wt, self.floor)

    def _masked_target(self, y, w):
        active = np.ones(y.shape, dtype=bool) if w is None else w > 0
        bad = ~np.isfinite(y) & active
        if bad.any():
            raise ValueError(f"target holds {int(np.count_nonzero(bad))} NaN/inf value(s) with nonzero weight; "
                             "give them zero weight to mask them")  # fmt: skip
        y = np.where(active, y, self._filler)
        outside = self._outside_support(y)
        if outside.any():
            raise ValueError(f"{type(self).__name__}: target holds {int(np.count_nonzero(outside))} value(s) outside "
                             f"the support ({self._support}), e.g. {y[outside].flat[0]!r}")  # fmt: skip
        return y

    _filler = 0.0
    _support = "any real number"

    def _outside_support(self, y):
        return np.zeros(y.shape, dtype=bool)

    def log_prob(self, params, y):
        """Elementwise log-density (log-probability for counts) of ``y`` under ``params``.

        Parameters
        ----------
        params : tuple of P arrays
        y : array_like
            Broadcastable with the parameters.

        Returns
        -------
        float64 array of the broadcast shape
        """
        params = self._check_params(params)
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            logp = -self._nll_grad(params, np.where(self._outside_support(y), self._filler, y))[0]
        return np.where(self._outside_support(y), -np.inf, logp)

    def nll(self, params, y):
        """Elementwise negative log-likelihood, ``-log_prob(params, y)``."""
        return -self.log_prob(params, y)

    # summaries ----------------------------------------------------------------
    def quantile(self, params, q):
        """Quantiles of the distribution.

        Parameters
        ----------
        params : tuple of P arrays of shape (...)
        q : float or sequence of Q floats in (0, 1)

        Returns
        -------
        float64 array of shape (...) for a float ``q``, else (..., Q)
        """
        params = self._check_params(params)
        qa = np.asarray(q, dtype=np.float64)
        if qa.ndim > 1 or qa.size == 0 or not np.all((qa > 0) & (qa < 1)):
            raise ValueError(f"q={q!r} must be a level or a 1-D sequence of levels, each in (0, 1)")
        if qa.ndim == 1:
            params = tuple(p[..., None] for p in params)
        return self._quantile(params, qa)

    def sample(self, params, num_samples, rng=None):
        """Draw samples; the same seed gives bit-identical draws.

        Parameters
        ----------
        params : tuple of P arrays of shape (...)
        num_samples : int
            S >= 1.
        rng : numpy.random.Generator, int or None
            The generator, or a seed for ``numpy.random.default_rng``.

        Returns
        -------
        float64 array of shape (S, ...)
        """
        params = self._check_params(params)
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples < 1:
            raise ValueError(f"num_samples={num_samples!r} must be an int >= 1")
        shape = (int(num_samples),) + np.broadcast_shapes(*(p.shape for p in params))
        return self._sample(tuple(np.broadcast_to(p, shape) for p in params), _as_rng(rng))

    def mean(self, params):
        """The mean, float64 of the parameters' broadcast shape."""
        params = self._check_params(params)
        return np.broadcast_to(params[0], np.broadcast_shapes(*(p.shape for p in params))).copy()

    def variance(self, params):
        """The variance, float64 of the parameters' broadcast shape."""
        params = self._check_params(params)
        shape = np.broadcast_shapes(*(p.shape for p in params))
        return np.broadcast_to(self._variance(params), shape).copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(floor={self.floor!r})"
