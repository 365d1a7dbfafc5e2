"""A distribution head that emits ``horizon * P`` raw values per step, as the trainer sees it.

:class:`tsrnn.nn.TBPTTTrainer` calls ``loss(pred, target, weight)`` with targets of the output's
shape ``(B, T, horizon * P)``. :class:`HorizonDistributionLoss` reads that layout step-major
(``j * P + k``: forecast step j, raw parameter k), as :class:`tsrnn.nn.HorizonPinballLoss`
reads ``horizon * Q`` quantiles, and :meth:`HorizonDistributionLoss.pack` builds it: in each
step's P slots, slot 0 holds the observation and, for a scaled head, slot 1 the scale its
parameters are mapped through (the negative binomial on unscaled counts, as DeepAR trains it);
the other slots repeat the observation and are not read. Weights come in the same layout;
slot 0 is read.
"""

from __future__ import annotations

import numpy as np

from .distributions import get_distribution

__all__ = ["HorizonDistributionLoss"]


class HorizonDistributionLoss:
    """Mean NLL of a head with ``horizon * P`` outputs per step; a loss for the trainer.

    Parameters
    ----------
    distribution : str or tsrnn.nn.Distribution
        The head (:func:`tsrnn.nn.get_distribution`).
    scaled : bool, default False
        Whether each step's slot 1 of the target holds the scale ``s`` (> 0) that maps the head's
        parameters onto the observation's units (:meth:`tsrnn.nn.Distribution.rescale`:
        the negative binomial's mean times ``s``). Needs P >= 2 (every head here has it).

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.nn import HorizonDistributionLoss
    >>> loss = HorizonDistributionLoss("negative_binomial", scaled=True)
    >>> counts = np.array([[[3.0, 0.0]]])                # (B, T, horizon): 1 window, 1 step, h = 2
    >>> target = loss.pack(counts, scale=np.array([[[4.0]]]))
    >>> target.tolist()                                 # [y, s] per forecast step
    [[[3.0, 4.0, 0.0, 4.0]]]
    >>> value, dpred = loss(np.zeros((1, 1, 4)), target)
    >>> dpred.shape
    (1, 1, 4)
    """

    def __init__(self, distribution, scaled=False):
        self.distribution = get_distribution(distribution)
        self.scaled = bool(scaled)
        self.n_params = self.distribution.n_params

    def _split(self, arr, name):
        arr = np.asarray(arr)
        P = self.n_params
        if arr.ndim < 1 or arr.shape[-1] % P:
            raise ValueError(f"{name} has shape {arr.shape}; expected a last axis of horizon * {P} "
                             f"(P = {P} raw parameters of {self.distribution.name!r} per forecast step)")  # fmt: skip
        return arr.reshape(arr.shape[:-1] + (arr.shape[-1] // P, P))

    def __call__(self, pred, target, weight=None):
        """``(value, dpred)`` as :meth:`tsrnn.nn.Distribution.__call__`; ``dpred`` has ``pred``'s shape."""
        raw = self._split(pred, "pred")
        t = self._split(target, "target")
        if t.shape != raw.shape:
            raise ValueError(f"target has shape {np.shape(target)}; expected pred's shape {np.shape(pred)}")
        w = None if weight is None else np.broadcast_to(weight, np.shape(target))
        w = None if w is None else self._split(w, "weight")[..., 0]
        scale = t[..., 1] if self.scaled else None
        value, dpred = self.distribution(raw, t[..., 0], w, scale=scale)
        return value, dpred.reshape(pred.shape)

    def pack(self, y, scale=None):
        """Targets in the trainer's layout: ``(..., horizon)`` observations -> ``(..., horizon * P)``.

        Parameters
        ----------
        y : (..., horizon) array
        scale : array broadcastable to ``y``, optional
            Required when ``scaled``; placed in slot 1 of every step.

        Returns
        -------
        (..., horizon * P) array of ``y``'s dtype
        """
        y = np.asarray(y)
        if self.scaled == (scale is None):
            raise ValueError("scale is required when scaled=True and not accepted otherwise; "
                             f"this loss has scaled={self.scaled}")  # fmt: skip
        out = np.repeat(y[..., None], self.n_params, axis=-1)
        if scale is not None:
            out[..., 1] = np.broadcast_to(np.asarray(scale, dtype=y.dtype), y.shape)
        return out.reshape(y.shape[:-1] + (y.shape[-1] * self.n_params,))

    def __repr__(self) -> str:
        return f"HorizonDistributionLoss({self.distribution!r}, scaled={self.scaled})"
