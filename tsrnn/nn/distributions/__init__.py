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

from ._base import Distribution, softplus
from .heads import NegativeBinomial, Normal, StudentT

__all__ = ["Distribution", "NegativeBinomial", "Normal", "StudentT", "get_distribution", "softplus"]

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
