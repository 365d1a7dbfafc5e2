"""The distribution heads: Normal, StudentT and NegativeBinomial (densities, gradients, quantiles, samples).

See :mod:`tsrnn.nn.distributions` for the links and the window scaling of each.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._base import Distribution

__all__ = ["NegativeBinomial", "Normal", "StudentT"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


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
