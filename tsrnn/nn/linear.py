"""Fully connected layer, ``y = x @ weight.T + bias``, as ``torch.nn.Linear``."""

from __future__ import annotations

import numbers

import numpy as np

from .._config import DEFAULT_DTYPE
from .module import Module

__all__ = ["Linear"]

_INITS = ("xavier", "torch")


def _check_features(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be an integer >= 1")
    return int(value)


class Linear(Module):
    """Affine map over the last axis: ``(..., in_features) -> (..., out_features)``.

    Parameters have torch's names and shapes, so ``state_dict`` round-trips with
    ``torch.nn.Linear``.

    Parameters
    ----------
    in_features : int
        Size of the input's last axis, >= 1.
    out_features : int
        Size of the output's last axis, >= 1.
    dtype : np.float32 or np.float64, default np.float32
        Dtype of the parameters; inputs must have the same dtype.
    seed : int or None, default None
        Seed of ``np.random.default_rng`` for the initialisation (weight drawn first,
        then bias).
    init : {'xavier', 'torch'}, default 'xavier'
        ``'xavier'``: Glorot uniform weight, ``U(-a, a)`` with
        ``a = sqrt(6 / (in + out))``, zero bias. ``'torch'``: torch.nn.Linear's default,
        weight and bias ``U(-1/sqrt(in), 1/sqrt(in))``.

    Attributes
    ----------
    params : dict
        ``weight`` (out_features, in_features) and ``bias`` (out_features,).
    grads : dict
        Same keys; :meth:`backward` adds into them.
    """

    def __init__(self, in_features, out_features, dtype=DEFAULT_DTYPE, seed=None, init="xavier"):
        self.in_features = _check_features("in_features", in_features)
        self.out_features = _check_features("out_features", out_features)
        if not isinstance(init, str) or init not in _INITS:
            raise ValueError(f"init={init!r} is not a known initialisation; expected one of {list(_INITS)}")
        self.init = init
        self._allocate([("weight", (self.out_features, self.in_features)), ("bias", (self.out_features,))], dtype)
        self.reset_parameters(seed)
        self._x = None

    def reset_parameters(self, seed=None) -> None:
        """Draw new initial parameters with ``np.random.default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        fan_in, fan_out = self.in_features, self.out_features
        if self.init == "xavier":
            a = np.sqrt(6.0 / (fan_in + fan_out))
            self.params["weight"][...] = rng.uniform(-a, a, size=(fan_out, fan_in))
            self.params["bias"][...] = 0
        else:
            bound = 1.0 / np.sqrt(fan_in)
            self.params["weight"][...] = rng.uniform(-bound, bound, size=(fan_out, fan_in))
            self.params["bias"][...] = rng.uniform(-bound, bound, size=(fan_out,))

    def _check_input(self, name: str, a, last: int) -> np.ndarray:
        if not isinstance(a, np.ndarray):
            raise ValueError(f"{name} must be a NumPy array of dtype {self.dtype}, got {type(a).__name__}")
        if a.ndim < 1:
            raise ValueError(f"{name} has shape {a.shape}; expected at least 1 dimension (..., {last})")
        if a.shape[-1] != last:
            raise ValueError(f"{name} has shape {a.shape}; expected a last axis of size {last}")
        if a.dtype != self.dtype:
            raise ValueError(
                f"{name} has dtype {a.dtype}, expected {self.dtype} (cast it with .astype(np.{self.dtype.name}))"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
        return a

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x @ weight.T + bias``; keeps a reference to ``x`` (not a copy) for :meth:`backward`.

        Parameters
        ----------
        x : (..., in_features) array of the layer's dtype

        Returns
        -------
        (..., out_features) array
        """
        x = self._check_input("x", x, self.in_features)
        x2 = x.reshape(-1, self.in_features)
        y2 = x2 @ self.params["weight"].T
        y2 += self.params["bias"]
        self._x = x
        return y2.reshape(x.shape[:-1] + (self.out_features,))

    __call__ = forward

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Add the parameter gradients into ``grads`` and return the input gradient.

        Parameters
        ----------
        dy : (..., out_features) array
            Gradient of the loss with respect to the last :meth:`forward` output; same
            leading shape.

        Returns
        -------
        dx : (..., in_features) array
        """
        if self._x is None:
            raise RuntimeError("Linear.backward called before forward")
        dy = self._check_input("dy", dy, self.out_features)
        x = self._x
        if dy.shape[:-1] != x.shape[:-1]:
            raise ValueError(
                f"dy has shape {dy.shape}; expected {x.shape[:-1] + (self.out_features,)} to match the forward input"
            )
        dy2 = dy.reshape(-1, self.out_features)
        x2 = x.reshape(-1, self.in_features)
        self.grads["weight"] += dy2.T @ x2
        self.grads["bias"] += dy2.sum(axis=0)
        dx2 = dy2 @ self.params["weight"]
        return dx2.reshape(x.shape[:-1] + (self.in_features,))

    def __repr__(self) -> str:
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"dtype={self.dtype.name}, init={self.init!r})"
        )
