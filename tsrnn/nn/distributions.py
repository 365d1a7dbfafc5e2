"""Distribution heads: the negative log-likelihood of a parametric forecast distribution, in NumPy.

A head emits P raw (unconstrained) numbers per forecast step; a distribution maps them
through link functions onto its parameters and scores the targets by their negative
log-likelihood (NLL). As the losses in :mod:`tsrnn.nn.losses`, every distribution is called
``dist(pred, target, weight=None, *, loc=None, scale=None) -> (value, dpred)``:

- ``pred`` is ``(..., P)``: the raw outputs, float32 or float64, P = ``dist.n_params``;
- ``target`` is ``pred``'s shape without the trailing axis (or with size 1 there);
- ``value`` is the weighted mean NLL, ``sum(w * nll) / sum(w)`` (the plain mean without
  ``weight``); zero weights mask targets out (they may then be NaN);
- ``dpred`` is ``d value / d pred``, same shape and dtype as ``pred``.

Computation is in float64 whatever the input dtypes. Links (softplus written as
``max(x, 0) + log1p(exp(-|x|))``, so any finite raw value is safe; ``floor`` keeps positive
parameters away from 0), raw outputs x0, x1, x2 to ``param_names``:

- ``"normal"``: ``loc`` = x0, ``scale`` = softplus(x1) + floor;
- ``"student_t"``: ``loc`` = x0, ``scale`` = softplus(x1) + floor, ``df`` = 2 + floor +
  softplus(x2) (a finite variance, as GluonTS's ``StudentTOutput``);
- ``"negative_binomial"``: ``mean`` = softplus(x0) + floor, ``dispersion`` = softplus(x1) + floor.

The negative binomial has mean ``m`` and dispersion ``a`` (DeepAR's ``mu`` and ``alpha``):
``r = 1 / a`` failures, variance ``m * (1 + a * m)``, and
``P(y) = Gamma(y + r) / (Gamma(r) * y!) * (1 / (1 + a m))**r * (a m / (1 + a m))**y``.
For a non-integer ``y`` (counts divided by a scale) the same formula, with ``lgamma``, is a
continuous extension (as GluonTS computes it), not a probability.

Window scaling: ``loc`` and ``scale`` (broadcastable to ``target``) say that the network
models ``z = (y - loc) / scale`` while ``target`` is in the data's units ``y``. For
``"normal"`` and ``"student_t"`` the distribution of ``y`` is the affine image of that of
``z`` (loc ``loc + scale * mu``, scale ``scale * sigma``, df unchanged), so ``loc`` can hold a
window's location plus its scaled baseline forecast. The negative binomial is not closed under
shifts, so it takes no ``loc``; as DeepAR (Salinas et al. 2020, section 3.3) and GluonTS's
``NegativeBinomialOutput.distribution`` (both ``gluonts/mx/distribution/neg_binomial.py``,
``mu = mu * scale`` with ``alpha`` unchanged, and ``gluonts/torch/distributions/
negative_binomial.py``, ``logits += log(scale)`` with ``total_count`` unchanged: the same map)
it scales the mean, ``m_y = scale * m``, and keeps the dispersion, which is scale free: the
squared coefficient of variation is ``1 / m + a``. (GluonTS's first release multiplied
``alpha`` by ``sqrt(scale + 1)``; it dropped that.) The counts ``target`` are then scored
unscaled, so the NLL is a true log-probability of integers. :meth:`Distribution.rescale` maps
parameters the same way at prediction.

Gradients hold ~10 significant digits also where the textbook forms cancel (the Student-t's
df in the thousands, the negative binomial near the Poisson): tests/test_distributions.py
checks them against mpmath. Not a hot path (one call per batch), so plain NumPy.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy import special

from .losses import _as_float_array

__all__ = ["Distribution", "NegativeBinomial", "Normal", "StudentT", "get_distribution", "softplus"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def softplus(x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``; float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _log1p_product(a, b):
    """``log1p(a * b)`` for positive a, b, also where ``a * b`` overflows float64."""
    with np.errstate(over="ignore"):
        ab = a * b
    big = ab > 1.0
    inv = 1.0 / np.where(big, ab, 1.0)  # 0 where a * b overflowed
    return np.where(big, np.log(a) + np.log(b) + np.log1p(inv), np.log1p(ab))


def _log1p_minus_ratio(u):
    """``log1p(u) - u / (1 + u)`` for u >= 0; a series below 1e-2, where the two nearly cancel."""
    series = u * u * (1 / 2 - u * (2 / 3 - u * (3 / 4 - u * (4 / 5 - u * (5 / 6 - u * (6 / 7 - u * 7 / 8))))))
    return np.where(u < 1e-2, series, np.log1p(u) - u / (1.0 + u))


def _digamma_gap(a):
    """``digamma(a) - digamma(a + 1/2) + 1 / (2a)``, which is ~ -1/(8a^2): accurate for large a too.

    Below a = 50 directly; above, from digamma's asymptotic series (``log x - 1/(2x) - 1/(12x^2)
    + 1/(120x^4) - 1/(252x^6)``; relative error < 2e-13 at a = 50, checked with mpmath), where
    the direct form would lose digits to the cancellation of terms ~ log(a).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = special.digamma(a) - special.digamma(a + 0.5) + 0.5 / a
        b = a + 0.5
        tail = (-_log1p_minus_ratio(0.5 / a) - (1 / a**2 - 1 / b**2) / 12 + (1 / a**4 - 1 / b**4) / 120
                - (1 / a**6 - 1 / b**6) / 252)  # fmt: skip
    return np.where(a > 50.0, tail, direct)


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


class Normal(Distribution):
    """Gaussian head: ``loc`` (identity link) and ``scale`` (softplus + floor)."""

    name = "normal"
    param_names = ("loc", "scale")
    _scaled = (True, True)
    _offsets = (None, 0.0)

    def _nll_grad(self, params, y):
        mu, sigma = params
        z = (y - mu) / sigma
        nll = 0.5 * z * z + np.log(sigma) + _HALF_LOG_2PI
        return nll, (-z / sigma, (1.0 - z * z) / sigma)

    def _quantile(self, params, q):
        mu, sigma = params
        return mu + sigma * special.ndtri(q)

    def _sample(self, params, rng):
        mu, sigma = params
        return mu + sigma * rng.standard_normal(mu.shape)

    def _variance(self, params):
        return params[1] ** 2


class StudentT(Distribution):
    """Student's t head: ``loc``, ``scale`` (softplus + floor), ``df`` (2 + floor + softplus)."""

    name = "student_t"
    param_names = ("loc", "scale", "df")
    _scaled = (True, True, False)
    _offsets = (None, 0.0, 2.0)

    def _nll_grad(self, params, y):
        mu, sigma, nu = params
        z = (y - mu) / sigma
        z2 = z * z
        t = z2 / nu
        log1p_t = np.log1p(t)
        # betaln(nu/2, 1/2) = lgamma(nu/2) + lgamma(1/2) - lgamma((nu+1)/2), stable for huge nu.
        nll = special.betaln(0.5 * nu, 0.5) + 0.5 * np.log(nu) + np.log(sigma) + 0.5 * (nu + 1.0) * log1p_t
        # Written with t = z^2 / nu and (1 + 1/nu) so that no product nu * z^2 overflows.
        dmu = -(1.0 + 1.0 / nu) * z / (sigma * (1.0 + t))
        dsigma = (1.0 - z2) / (sigma * (1.0 + t))
        dnu = 0.5 * (_digamma_gap(0.5 * nu) + log1p_t - (1.0 + 1.0 / nu) * t / (1.0 + t))
        return nll, (dmu, dsigma, dnu)

    def _quantile(self, params, q):
        mu, sigma, nu = params
        return mu + sigma * special.stdtrit(nu, q)

    def _sample(self, params, rng):
        mu, sigma, nu = params
        return mu + sigma * rng.standard_t(nu)

    def _variance(self, params):
        _, sigma, nu = params
        return sigma**2 * nu / (nu - 2.0)


class NegativeBinomial(Distribution):
    """Negative binomial head for counts: ``mean`` and ``dispersion`` (both softplus + floor).

    DeepAR's parameterisation (GluonTS ``NegativeBinomial(mu, alpha)``): variance
    ``mean * (1 + dispersion * mean)``, the Poisson as ``dispersion -> 0``. Targets must be
    >= 0; see the module docstring for ``scale``.
    """

    name = "negative_binomial"
    param_names = ("mean", "dispersion")
    _scaled = (True, False)
    _offsets = (0.0, 0.0)
    _shiftable = False
    _support = "counts >= 0"

    def _outside_support(self, y):
        return y < 0

    def _nll_grad(self, params, y):
        m, a = params
        r = 1.0 / a
        lam = _log1p_product(a, m)  # log(1 + a m)
        nll = (special.gammaln(r) + special.gammaln(y + 1.0) - special.gammaln(y + r)
               + (r + y) * lam - y * (np.log(a) + np.log(m)))  # fmt: skip
        ratio = 1.0 - y / m
        dm = ratio / (1.0 + a * m)
        # d/da: (digamma(y + r) - digamma(r) - log(1 + a m)) / a**2 + (m - y) / (a (1 + a m)),
        # written with r = 1/a so that neither a**2 nor a*m overflows.
        dgap = np.where(y == 0, 0.0, special.digamma(y + r) - special.digamma(r))
        da = ((dgap - lam) * r) * r + ratio / (a * (1.0 / m + a))
        near_poisson = r > 100.0
        if np.any(near_poisson):
            da = np.where(near_poisson, _nb_dispersion_grad_near_poisson(y, m, a, r, lam), da)
        return nll, (dm, da)

    def _quantile(self, params, q):
        from scipy.stats import nbinom  # scipy.stats is slow to import; only here

        m, a = params
        r = 1.0 / a
        return np.asarray(nbinom.ppf(q, r, 1.0 / (1.0 + a * m)), dtype=np.float64)

    def _sample(self, params, rng):
        m, a = params
        # Gamma-Poisson mixture, as GluonTS samples it: lambda ~ Gamma(r, a m), y ~ Poisson(lambda).
        lam = rng.gamma(1.0 / a, a * m)
        if np.any(lam > 1e18):  # numpy's Poisson sampler stops near 9e18
            raise ValueError(f"NegativeBinomial.sample: a mean of up to {float(np.max(m)):.3g} (dispersion up to "
                             f"{float(np.max(a)):.3g}) draws counts beyond 1e18, which cannot be sampled")  # fmt: skip
        return rng.poisson(lam).astype(np.float64)

    def _variance(self, params):
        m, a = params
        return m * (1.0 + a * m)


def _nb_dispersion_grad_near_poisson(y, m, a, r, lam):
    """d nll / d dispersion for r = 1/a > 100, without the cancellation of the direct form.

    There the two terms of the direct form are each ~ (y - m) / a and their sum is O(y), so
    float64 keeps only ~8 digits at a = 1e-4. With digamma's asymptotic series
    (``log x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6)``, next term below 1e-19 * r**2
    here) the gradient is ``r^2 (log1p(d) - d) + r^2 E`` with ``d = (y - m) a / (1 + a m)``
    and E the series' differences, each summed without cancellation.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = (y - m) * a / (1.0 + a * m)
        log1p_d = np.where(np.abs(d) < 0.5, np.log1p(d), np.log1p(y * a) - lam)
        series = -d * d * (1 / 2 - d * (1 / 3 - d * (1 / 4 - d * (1 / 5 - d * (1 / 6 - d / 7)))))
        log1p_minus_d = np.where(np.abs(d) < 1e-3, series, log1p_d - d)
        u = r / (r + y)  # in (0, 1]
        tail = (0.5 * y * u + (1.0 - u * u) / 12.0 - (1.0 / (r * r) - u**4 / (r * r)) / 120.0
                + (1.0 / r**4 - u**6 / r**4) / 252.0)  # fmt: skip
        return (log1p_minus_d * r) * r + tail


_NAMES = {
    "normal": Normal,
    "gaussian": Normal,
    "student_t": StudentT,
    "studentt": StudentT,
    "negative_binomial": NegativeBinomial,
    "negbin": NegativeBinomial,
}


def get_distribution(name_or_obj, **kwargs):
    """Return a distribution head from its name, or the object itself.

    Parameters
    ----------
    name_or_obj : str or Distribution
        ``"normal"`` (alias ``"gaussian"``), ``"student_t"`` (``"studentt"``),
        ``"negative_binomial"`` (``"negbin"``), case-insensitive; or a :class:`Distribution`,
        returned unchanged.
    **kwargs
        Passed to the class (``floor``).

    Returns
    -------
    Distribution
    """
    if isinstance(name_or_obj, Distribution):
        if kwargs:
            raise ValueError(f"options {sorted(kwargs)} can only be given with a name, not with {name_or_obj!r}")
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.strip().lower() in _NAMES:
        return _NAMES[name_or_obj.strip().lower()](**kwargs)
    raise ValueError(f"distribution={name_or_obj!r} is not a known distribution; expected one of {sorted(_NAMES)} "
                     "or a tsrnn.nn.Distribution")  # fmt: skip
