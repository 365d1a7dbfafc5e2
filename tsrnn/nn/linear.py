"""Fully connected layer, ``y = x @ weight.T + bias``, as ``torch.nn.Linear``."""

from __future__ import annotations

import numbers

import numpy as np

from .._config import DEFAULT_DTYPE
from .module import Module
from .recurrent import _as_device_array, _is_device_array, _resolve_device

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
    device : {'cpu', 'cuda', 'auto'}, default 'cpu'
        As for :class:`tsrnn.nn.LSTM`: on ``'cuda'`` the parameters and gradients are
        numba device arrays, and :meth:`forward` / :meth:`backward` answer on the side
        their input came from (NumPy in, NumPy out; device arrays in, device arrays out).
        Same seed, same initial weights as on the CPU.

    Attributes
    ----------
    params : dict
        ``weight`` (out_features, in_features) and ``bias`` (out_features,).
    grads : dict
        Same keys; :meth:`backward` adds into them.
    device : str
        ``'cpu'`` or ``'cuda'``, the device chosen.
    """

    def __init__(self, in_features, out_features, dtype=DEFAULT_DTYPE, seed=None, init="xavier", device="cpu"):
        self.in_features = _check_features("in_features", in_features)
        self.out_features = _check_features("out_features", out_features)
        if not isinstance(init, str) or init not in _INITS:
            raise ValueError(f"init={init!r} is not a known initialisation; expected one of {list(_INITS)}")
        self.init = init
        self.device = _resolve_device(device)
        self._allocate([("weight", (self.out_features, self.in_features)), ("bias", (self.out_features,))], dtype)
        if self.device == "cuda":
            self._move_to_gpu()
        self.reset_parameters(seed)
        self._x = None

    def reset_parameters(self, seed=None) -> None:
        """Draw new initial parameters with ``np.random.default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        fan_in, fan_out = self.in_features, self.out_features
        with self._host_params() as params:
            if self.init == "xavier":
                a = np.sqrt(6.0 / (fan_in + fan_out))
                params["weight"][...] = rng.uniform(-a, a, size=(fan_out, fan_in))
                params["bias"][...] = 0
            else:
                bound = 1.0 / np.sqrt(fan_in)
                params["weight"][...] = rng.uniform(-bound, bound, size=(fan_out, fan_in))
                params["bias"][...] = rng.uniform(-bound, bound, size=(fan_out,))

    # ------------------------------------------------------------- device storage
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
            On the GPU, a device array when ``x`` is one, else NumPy.
        """
        if self.device == "cuda":
            return self._forward_cuda(x)
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
        if self.device == "cuda":
            return self._backward_cuda(dy)
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

    # ---------------------------------------------------------------- GPU path
    def _check_device_input(self, name, a, last):
        """Shape, dtype and layout checks of a device array (its values stay on the GPU, unchecked)."""
        a = _as_device_array(a)
        shape = tuple(a.shape)  # the simulator's shapes take no negative index
        if len(shape) < 1 or shape[-1] != last:
            raise ValueError(f"{name} has shape {shape}; expected a last axis of size {last}")
        if np.dtype(a.dtype) != self.dtype:
            raise ValueError(f"{name} has dtype {np.dtype(a.dtype)}, expected {self.dtype} (the layer's dtype)")
        if not a.is_c_contiguous():
            raise ValueError(f"{name} is a device array that is not C-contiguous; pass a contiguous copy")
        return a

    def _to_device_rows(self, name, a, last):
        """``a`` as a (N, last) device array, its leading shape, and whether it came from the host."""
        from numba import cuda

        on_host = not _is_device_array(a)
        if on_host:
            a = np.ascontiguousarray(self._check_input(name, a, last))
            lead = a.shape[:-1]
            return cuda.to_device(a.reshape(-1, last)), lead, True
        a = self._check_device_input(name, a, last)
        lead = tuple(a.shape[:-1])
        return a.reshape(int(np.prod(lead, dtype=np.int64)), last), lead, False

    def _forward_cuda(self, x):
        from numba import cuda

        from ..kernels.cuda.training import linear_forward

        x2, lead, on_host = self._to_device_rows("x", x, self.in_features)
        y2 = cuda.device_array((x2.shape[0], self.out_features), dtype=self.dtype)
        if x2.shape[0]:
            linear_forward(y2, x2, self.params["weight"], self.params["bias"])
        self._x = (x2, lead)
        y = y2.reshape(*lead, self.out_features)
        return y.copy_to_host() if on_host else y

    def _backward_cuda(self, dy):
        from numba import cuda

        from ..kernels.cuda.training import linear_backward

        x2, lead = self._x
        dy2, dlead, on_host = self._to_device_rows("dy", dy, self.out_features)
        if dlead != lead:
            raise ValueError(
                f"dy has shape {dlead + (self.out_features,)}; expected {lead + (self.out_features,)} "
                "to match the forward input"
            )
        dx2 = cuda.device_array((x2.shape[0], self.in_features), dtype=self.dtype)
        if x2.shape[0]:
            linear_backward(dx2, self.grads["weight"], self.grads["bias"], dy2, x2, self.params["weight"])
        dx = dx2.reshape(*lead, self.in_features)
        return dx.copy_to_host() if on_host else dx

    def __repr__(self) -> str:
        device = "" if self.device == "cpu" else f", device={self.device!r}"
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"dtype={self.dtype.name}, init={self.init!r}{device})"
        )
