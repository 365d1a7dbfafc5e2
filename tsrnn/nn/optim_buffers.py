"""What the optimizers stand on: checks of their arguments, buffers on either side, the gradient norm.

- checks of the ``(flat_params, flat_grads)`` pairs an optimizer or :func:`tsrnn.nn.clip_grad_norm`
  takes (shapes, dtypes, layout, no shared memory), on NumPy or on numba device arrays,
  and of hyper-parameters and saved scalars;
- helpers that allocate, copy, fill and assign a buffer on the side it lives on, host or
  device;
- :func:`_grad_sum_squares`, the global squared gradient norm, which refuses a NaN or inf
  before any update.

:mod:`tsrnn.nn.optim` builds ``Adam``, ``SGD`` and ``clip_grad_norm`` on these.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from .._config import SUPPORTED_DTYPES
from ..kernels.optim import sum_squares
from .recurrent_cuda import _as_device_array, _is_device_array

__all__ = [
    "_assign",
    "_check_bool",
    "_check_pairs",
    "_check_real",
    "_cuda_kernels",
    "_empty_like",
    "_fill_zero",
    "_grad_sum_squares",
    "_host_copy",
    "_scalar",
    "_zeros_like",
]


# ----------------------------------------------------------------------- host or device
def _cuda_kernels():
    """:mod:`tsrnn.kernels.cuda.training`: the device ``adam_update``, ``sgd_update``, ``sum_squares``, ``scale_``."""
    from ..kernels.cuda import training

    return training


def _zeros_like(p):
    if not _is_device_array(p):
        return np.zeros_like(p)
    from numba import cuda

    from ..kernels.cuda._blas import fill

    out = cuda.device_array(p.shape, dtype=p.dtype)
    fill(out, 0)
    return out


def _empty_like(p, size=None):
    if not _is_device_array(p):
        return np.empty_like(p) if size is None else np.zeros(size, dtype=p.dtype)
    from numba import cuda

    return cuda.device_array(p.shape if size is None else (size,), dtype=p.dtype)


def _host_copy(a) -> np.ndarray:
    return a.copy_to_host() if _is_device_array(a) else a.copy()


def _assign(buf, value) -> None:
    """``buf[...] = value`` for a host or device buffer and a NumPy value."""
    if _is_device_array(buf):
        if buf.shape[0]:
            buf.copy_to_device(np.ascontiguousarray(value))
    else:
        buf[...] = value


def _fill_zero(buf) -> None:
    if _is_device_array(buf):
        from ..kernels.cuda._blas import fill

        fill(buf, 0)
    else:
        buf[...] = 0


def _device_span(a):
    """``(start, end)`` byte addresses of a contiguous device array, or None when unknown."""
    try:
        ptr = a.__cuda_array_interface__["data"][0]
    except (AttributeError, KeyError, TypeError):
        return None
    return ptr, ptr + int(a.size) * np.dtype(a.dtype).itemsize


def _may_share(a, b) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return bool(np.may_share_memory(a, b))
    ha, hb = getattr(a, "_ary", None), getattr(b, "_ary", None)  # numba's CUDA simulator
    if isinstance(ha, np.ndarray) and isinstance(hb, np.ndarray):
        return bool(np.may_share_memory(ha, hb))
    sa, sb = _device_span(a), _device_span(b)
    if sa is None or sb is None:
        return False
    return sa[0] < sb[1] and sb[0] < sa[1] and sa[0] != sa[1] and sb[0] != sb[1]


# ----------------------------------------------------------------------------- validation
def _check_device_buffer(who, i, name, a):
    a = _as_device_array(a)
    if len(a.shape) != 1:
        raise ValueError(f"{who}: params[{i}] {name} has shape {tuple(a.shape)}; expected a 1-D buffer")
    if np.dtype(a.dtype) not in SUPPORTED_DTYPES:
        raise ValueError(f"{who}: params[{i}] {name} has dtype {np.dtype(a.dtype)}; expected float32 or float64")
    if not a.is_c_contiguous():
        raise ValueError(f"{who}: params[{i}] {name} must be a contiguous, writeable buffer")
    return a


def _pairs_on_device(pairs, who: str) -> bool:
    """True when every buffer is a device array, False when every one is NumPy; else ``ValueError``."""
    sides = {_is_device_array(a) for pair in pairs for a in pair}
    if len(sides) > 1:
        raise ValueError(
            f"{who}: params mixes NumPy and device (GPU) buffers; every buffer must be on one side "
            "(build the optimizer over model.parameters() of a single model)"
        )
    return sides == {True}


def _check_pairs(params, who: str) -> list:
    """Validate a list of ``(flat_params, flat_grads)`` pairs and return it as a list."""
    if (
        isinstance(params, tuple) and len(params) == 2
        and (isinstance(params[0], np.ndarray) or _is_device_array(params[0]))
    ):  # fmt: skip
        raise ValueError(
            f"{who}: params must be a list of (flat_params, flat_grads) pairs, got a single pair; "
            "pass module.parameters() or wrap the pair in a list"
        )
    try:
        pairs = list(params)
    except TypeError:
        raise ValueError(
            f"{who}: params must be a list of (flat_params, flat_grads) pairs such as module.parameters(), "
            f"got {type(params).__name__}"
        ) from None
    if not pairs:
        raise ValueError(f"{who}: params is empty; expected at least one (flat_params, flat_grads) pair")
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(
                f"{who}: params[{i}] must be a (flat_params, flat_grads) pair, got {type(pair).__name__}"
            )
    if _pairs_on_device(pairs, who):
        return _check_device_pairs(pairs, who)
    for i, pair in enumerate(pairs):
        p, g = pair
        for name, a in (("flat_params", p), ("flat_grads", g)):
            if not isinstance(a, np.ndarray):
                raise ValueError(f"{who}: params[{i}] {name} must be a NumPy array, got {type(a).__name__}")
            if a.ndim != 1:
                raise ValueError(f"{who}: params[{i}] {name} has shape {a.shape}; expected a 1-D buffer")
            if a.dtype not in SUPPORTED_DTYPES:
                raise ValueError(f"{who}: params[{i}] {name} has dtype {a.dtype}; expected float32 or float64")
            if not a.flags.c_contiguous or not a.flags.writeable:
                raise ValueError(f"{who}: params[{i}] {name} must be a contiguous, writeable buffer")
        if p.shape != g.shape or p.dtype != g.dtype:
            raise ValueError(
                f"{who}: params[{i}] flat_params is {p.shape} {p.dtype} but flat_grads is {g.shape} {g.dtype}; "
                "expected the same shape and dtype"
            )
        if np.may_share_memory(p, g):
            raise ValueError(f"{who}: params[{i}] flat_params and flat_grads share memory")
    for i in range(len(pairs)):
        for j in range(i):
            if np.may_share_memory(pairs[i][0], pairs[j][0]) or np.may_share_memory(pairs[i][1], pairs[j][1]):
                raise ValueError(
                    f"{who}: params[{j}] and params[{i}] share memory (the same module listed twice?); "
                    "each buffer would be updated twice"
                )
    return [(p, g) for p, g in pairs]


def _check_device_pairs(pairs, who: str) -> list:
    """:func:`_check_pairs` for device buffers: the same checks, on shapes, dtypes and addresses."""
    out = []
    for i, (p, g) in enumerate(pairs):
        p = _check_device_buffer(who, i, "flat_params", p)
        g = _check_device_buffer(who, i, "flat_grads", g)
        if tuple(p.shape) != tuple(g.shape) or np.dtype(p.dtype) != np.dtype(g.dtype):
            raise ValueError(
                f"{who}: params[{i}] flat_params is {tuple(p.shape)} {np.dtype(p.dtype)} but flat_grads is "
                f"{tuple(g.shape)} {np.dtype(g.dtype)}; expected the same shape and dtype"
            )
        if _may_share(p, g):
            raise ValueError(f"{who}: params[{i}] flat_params and flat_grads share memory")
        out.append((p, g))
    for i in range(len(out)):
        for j in range(i):
            if _may_share(out[i][0], out[j][0]) or _may_share(out[i][1], out[j][1]):
                raise ValueError(
                    f"{who}: params[{j}] and params[{i}] share memory (the same module listed twice?); "
                    "each buffer would be updated twice"
                )
    return out


def _check_real(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a finite float in the given interval, or raise ``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}={value!r} must be a real number")
    v = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    interval = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    if not math.isfinite(v):
        raise ValueError(f"{name}={value!r} must be finite, in {interval}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name}={value!r} is out of range; expected a value in {interval}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name}={value!r} is out of range; expected a value in {interval}")
    return v


def _check_bool(name: str, value) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r} must be True or False")
    return bool(value)


def _scalar(state: Mapping, key: str):
    """``state[key]`` as a Python scalar (accepts the 0-d arrays that ``np.load`` returns)."""
    value = state[key]
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"state_dict[{key!r}] has shape {value.shape}; expected a scalar")
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    return value


def _grad_sum_squares(pairs, who: str) -> float:
    """Global squared norm of the gradients; raise ``FloatingPointError`` if not finite."""
    total = 0.0
    for i, (_, g) in enumerate(pairs):
        s = sum_squares(g) if isinstance(g, np.ndarray) else _cuda_kernels().sum_squares(g)
        if not math.isfinite(s):
            bad = int(np.count_nonzero(~np.isfinite(_host_copy(g))))
            if bad:
                raise FloatingPointError(
                    f"{who}: gradient buffer params[{i}] holds {bad} NaN/inf value(s) of {g.size}; "
                    "nothing was updated (lower the learning rate, clip gradients or check the inputs)"
                )
            raise FloatingPointError(
                f"{who}: the squared norm of gradient buffer params[{i}] overflows float64; nothing was updated"
            )
        total += s
    if not math.isfinite(total):
        raise FloatingPointError(f"{who}: the global squared gradient norm overflows float64; nothing was updated")
    return total
