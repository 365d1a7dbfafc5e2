"""Training losses: value and gradient with respect to the prediction, in NumPy.

Every loss has the call shape ``loss(pred, target, weight=None) -> (value, dpred)``:

- ``value`` (float) is the weighted mean of the elementwise loss,
  ``sum(w * l) / sum(w)``; with 0/1 weights, the mean over the elements whose weight is
  nonzero. Without ``weight``, the plain mean (as torch's ``reduction='mean'``).
- ``dpred`` is the gradient of ``value`` with respect to ``pred``: same shape and dtype
  as ``pred``.

``weight`` is an optional array of nonnegative finite numbers broadcastable to
``target``'s shape. Where it is zero the target is ignored and may be NaN: masking missing
observations is done by giving them zero weight. Computation is in float64 whatever the
input dtypes; ``dpred`` is rounded to ``pred``'s dtype at the end.

Not a hot path (one call per batch), so plain NumPy.

On the GPU (a model built with ``device="cuda"``), :class:`tsrnn.nn.TBPTTTrainer` evaluates
these four losses on the device with :func:`tsrnn.kernels.cuda.training.loss_and_grad`, the
same float64 arithmetic; :func:`device_kind` says which kernel stands for a loss object. Any
other callable is called on host copies of the prediction (slower, still correct).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["MSELoss", "MAELoss", "HuberLoss", "PinballLoss", "HorizonPinballLoss", "get_loss", "device_kind"]


def _as_float_array(name: str, value) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


class _Loss:
    """Shared validation and weighting; subclasses define :meth:`_elementwise`."""

    name = "loss"

    def __call__(self, pred, target, weight=None):
        """Loss value and its gradient with respect to ``pred``.

        Parameters
        ----------
        pred : ndarray of float32 or float64
            Model output.
        target : array_like
            Same shape as ``pred`` (for :class:`PinballLoss`: ``pred``'s shape without the
            trailing quantile axis, or with size 1 there).
        weight : array_like, optional
            Nonnegative weights broadcastable to ``target``'s shape. Elements with zero
            weight do not count (and their target may be NaN).

        Returns
        -------
        value : float
            Weighted mean loss; inf (or NaN) only when finite inputs overflow float64,
            which the caller must check.
        dpred : ndarray
            d value / d pred, same shape and dtype as ``pred``.

        Raises
        ------
        ValueError
            On mismatched shapes, negative or non-finite weights, weights summing to zero,
            or NaN/inf targets where the weight is nonzero.
        FloatingPointError
            If ``pred`` holds NaN or inf.
        """
        if not isinstance(pred, np.ndarray) or pred.dtype not in (np.float32, np.float64):
            raise ValueError(
                f"pred must be a float32 or float64 ndarray, got "
                f"{type(pred).__name__}{'' if not isinstance(pred, np.ndarray) else ' of dtype ' + str(pred.dtype)}"
            )
        target = _as_float_array("target", target)
        y_shape = self._target_shape(pred.shape, target.shape)
        y = np.asarray(target, dtype=np.float64).reshape(y_shape)
        if weight is None:
            w = None
        else:
            warr = _as_float_array("weight", weight)
            try:
                w = np.broadcast_to(warr.astype(np.float64, copy=False), target.shape).reshape(y_shape)
            except ValueError:
                raise ValueError(
                    f"weight of shape {warr.shape} does not broadcast to target shape {target.shape}"
                ) from None
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError("weight must be finite and nonnegative (it holds NaN, inf or negative values)")
        if not np.all(np.isfinite(pred)):
            raise FloatingPointError(
                f"pred holds {int(np.count_nonzero(~np.isfinite(pred)))} NaN/inf value(s); the model has diverged"
            )
        p = pred.astype(np.float64, copy=False)
        active = None if w is None else w > 0
        finite_y = np.isfinite(y)
        if active is None:
            if not finite_y.all():
                raise ValueError(
                    f"target holds {int(np.count_nonzero(~finite_y))} NaN/inf value(s); "
                    "give them zero weight to mask them"
                )
        else:
            if not np.all(finite_y | ~active):
                raise ValueError(
                    f"target holds {int(np.count_nonzero(~finite_y & active))} NaN/inf value(s) with nonzero weight; "
                    "give them zero weight to mask them"
                )
            y = np.where(active, y, 0.0)
        # Huge but finite inputs can overflow float64 (e.g. squared errors of 1e200): the value
        # is then inf, without a RuntimeWarning; callers check it (the trainer raises).
        with np.errstate(over="ignore", invalid="ignore"):
            loss, dloss = self._elementwise(p, y)  # shapes of p
            per_target = p.size // y.size if y.size else 1  # Q for pinball, else 1
            if w is None:
                count = float(loss.size)
                if count == 0:
                    raise ValueError(f"pred of shape {pred.shape} is empty; the mean loss is undefined")
                value = float(np.sum(loss)) / count
                dpred = dloss / count
            else:
                wp = self._expand(w, p.shape)
                total = float(np.sum(w)) * per_target
                if not total > 0:
                    raise ValueError("weight sums to 0: no element counts, the mean loss is undefined")
                value = float(np.sum(wp * loss)) / total  # masked targets were set to 0: finite
                dpred = (wp * dloss) / total
            return value, dpred.astype(pred.dtype, copy=False)

    # hooks ------------------------------------------------------------------
    def _target_shape(self, pred_shape, target_shape):
        if tuple(target_shape) != tuple(pred_shape):
            raise ValueError(
                f"{type(self).__name__}: pred has shape {tuple(pred_shape)} but target has shape "
                f"{tuple(target_shape)}; expected the same shape"
            )
        return tuple(target_shape)

    def _expand(self, w, shape):
        return w

    def _elementwise(self, p, y):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    """Mean squared error, ``(pred - target)**2``, as ``torch.nn.MSELoss``."""

    name = "mse"

    def _elementwise(self, p, y):
        d = p - y
        return d * d, 2.0 * d


class MAELoss(_Loss):
    """Mean absolute error, ``|pred - target|``, as ``torch.nn.L1Loss``.

    The subgradient at ``pred == target`` is 0.
    """

    name = "mae"

    def _elementwise(self, p, y):
        d = p - y
        return np.abs(d), np.sign(d)


class HuberLoss(_Loss):
    """Huber loss, as ``torch.nn.HuberLoss``.

    ``0.5 * d**2`` for ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``, with
    ``d = pred - target``; gradient ``clip(d, -delta, delta)``.

    Parameters
    ----------
    delta : float, default 1.0
        Threshold between the quadratic and linear parts, > 0.
    """

    name = "huber"

    def __init__(self, delta=1.0):
        if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, numbers.Real):
            raise ValueError(f"delta={delta!r} must be a real number > 0")
        delta = float(delta)
        if not math.isfinite(delta) or delta <= 0:
            raise ValueError(f"delta={delta!r} is out of range; expected a finite value > 0")
        self.delta = delta

    def _elementwise(self, p, y):
        d = p - y
        a = np.abs(d)
        quad = a < self.delta
        loss = np.where(quad, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))
        return loss, np.clip(d, -self.delta, self.delta)

    def __repr__(self) -> str:
        return f"HuberLoss(delta={self.delta!r})"


class PinballLoss(_Loss):
    """Pinball (quantile) loss for quantile regression.

    ``pred`` has a trailing axis of size Q, one column per quantile; ``target`` has
    ``pred``'s shape without that axis (or with size 1 there). With ``e = target - pred``
    the elementwise loss is ``max(q * e, (q - 1) * e)``; the value is its mean over all
    elements of ``pred`` that count (a weight of ``target``'s shape applies to all Q
    quantiles of that element). At ``e == 0`` the gradient is ``0.5 - q``, the middle of
    the subdifferential (0 for the median, like :class:`MAELoss`).

    Parameters
    ----------
    quantiles : sequence of float
        Q levels, each in the open interval (0, 1).
    """

    name = "pinball"

    def __init__(self, quantiles):
        try:
            q = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError(f"quantiles={quantiles!r} must be a sequence of floats in (0, 1)") from None
        if q.ndim != 1 or q.size == 0:
            raise ValueError(f"quantiles={quantiles!r} must be a non-empty 1-D sequence of floats in (0, 1)")
        if not np.all(np.isfinite(q)) or np.any(q <= 0) or np.any(q >= 1):
            raise ValueError(f"quantiles={quantiles!r} is out of range; expected every level in (0, 1)")
        self.quantiles = q

    def _target_shape(self, pred_shape, target_shape):
        pred_shape = tuple(pred_shape)
        target_shape = tuple(target_shape)
        Q = self.quantiles.size
        if len(pred_shape) < 1 or pred_shape[-1] != Q:
            raise ValueError(
                f"PinballLoss: pred has shape {pred_shape}; expected a trailing axis of {Q} quantiles"
            )
        if target_shape == pred_shape[:-1] or target_shape == pred_shape[:-1] + (1,):
            return pred_shape[:-1]
        raise ValueError(
            f"PinballLoss: pred has shape {pred_shape} but target has shape {target_shape}; "
            f"expected {pred_shape[:-1]} or {pred_shape[:-1] + (1,)}"
        )

    def _expand(self, w, shape):
        return np.broadcast_to(w[..., None], shape)

    def _elementwise(self, p, y):
        q = self.quantiles
        e = y[..., None] - p
        loss = np.maximum(q * e, (q - 1.0) * e)
        # d loss / d pred: -q where e > 0, 1 - q where e < 0, 0.5 - q at the kink.
        grad = np.where(e > 0, -q, np.where(e < 0, 1.0 - q, 0.5 - q))
        return loss, grad

    def __repr__(self) -> str:
        return f"PinballLoss(quantiles={self.quantiles.tolist()!r})"

class HorizonPinballLoss:
    """Pinball loss of a head that emits ``horizon * Q`` values per step, step-major (``j * Q + k``).

    The trainer wants targets of the output's shape, so the targets (and weights) arrive
    repeated Q times along the last axis (``np.repeat(y, Q, axis=-1)``); this reads one
    copy and hands :class:`PinballLoss` the (..., horizon, Q) view. It is a plain
    callable, so a model on a GPU evaluates it on host copies of the output.
    """

    def __init__(self, quantiles):
        self.pinball = PinballLoss(quantiles)
        self.n_quantiles = len(quantiles)

    def __call__(self, pred, target, weight=None):
        shape = pred.shape[:-1] + (pred.shape[-1] // self.n_quantiles, self.n_quantiles)
        y = np.asarray(target).reshape(shape)[..., 0]
        w = None if weight is None else np.asarray(weight).reshape(shape)[..., 0]
        value, dpred = self.pinball(pred.reshape(shape), y, w)
        return value, dpred.reshape(pred.shape)



_NAMES = {
    "mse": MSELoss,
    "mae": MAELoss,
    "l1": MAELoss,
    "huber": HuberLoss,
    "pinball": PinballLoss,
    "quantile": PinballLoss,
}


def get_loss(name_or_obj, **kwargs):
    """Return a loss from its name, or the loss object itself.

    Parameters
    ----------
    name_or_obj : str or callable
        One of ``'mse'``, ``'mae'`` (alias ``'l1'``), ``'huber'``, ``'pinball'`` (alias
        ``'quantile'``), case-insensitive; or an object with the loss call shape
        ``(pred, target, weight=None) -> (value, dpred)``, returned unchanged.
    **kwargs
        Passed to the loss class: ``delta`` for Huber, ``quantiles`` (required) for
        pinball.

    Returns
    -------
    callable
    """
    if isinstance(name_or_obj, str):
        key = name_or_obj.strip().lower()
        if key not in _NAMES:
            raise ValueError(f"loss={name_or_obj!r} is not a known loss; expected one of {sorted(_NAMES)}")
        cls = _NAMES[key]
        if cls is PinballLoss and "quantiles" not in kwargs:
            raise ValueError(
                f"loss={name_or_obj!r} needs quantiles, e.g. get_loss('pinball', quantiles=[0.1, 0.5, 0.9])"
            )
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(f"loss={name_or_obj!r}: bad options {sorted(kwargs)}: {exc}") from None
    if kwargs:
        raise ValueError(f"options {sorted(kwargs)} can only be given with a loss name, not with {name_or_obj!r}")
    if callable(name_or_obj):
        return name_or_obj
    raise ValueError(
        f"loss={name_or_obj!r} must be a loss name (one of {sorted(_NAMES)}) or a callable "
        "(pred, target, weight=None) -> (value, dpred)"
    )


_DEVICE_KINDS = {MSELoss: "mse", MAELoss: "mae", HuberLoss: "huber", PinballLoss: "pinball"}


def device_kind(loss):
    """The device kernel's name for a loss object: ``"mse"``, ``"mae"``, ``"huber"``, ``"pinball"``, or None.

    Only tsrnn's own classes (not subclasses, which may change the elementwise loss) have a
    device kernel; for anything else the trainer calls the loss on host copies.
    """
    return _DEVICE_KINDS.get(type(loss))
