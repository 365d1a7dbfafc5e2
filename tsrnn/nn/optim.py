"""Optimizers and gradient clipping over flat parameter buffers.

An optimizer takes a list of ``(flat_params, flat_grads)`` pairs, as returned by
:meth:`tsrnn.nn.module.Module.parameters`; lists from several modules can be
concatenated (``enc.parameters() + head.parameters()``). Updates are done in place by the
kernels of :mod:`tsrnn.kernels.optim`, one serial loop per buffer in list order, so a
step gives the same bits on every run and for every thread count.

A step is refused (``FloatingPointError``) when any gradient holds a NaN or inf; nothing
is updated in that case, so the caller can lower the learning rate, skip the batch or
restore a checkpoint.

``state_dict()`` returns a flat dict of str to NumPy arrays and Python scalars, which
``np.savez(path, **state)`` can store and ``load_state_dict(np.load(path))`` restore,
without pickle.

On the GPU: when the buffers are numba device arrays (the parameters of a model built with
``device="cuda"``), the moments live on the device too and every update, norm and scaling
runs there (:mod:`tsrnn.kernels.cuda.training`, the same float64 arithmetic element by
element); the host reads back one float64 per buffer, the squared gradient norm checked
before a step. ``state_dict`` still returns NumPy copies and ``load_state_dict`` takes NumPy
arrays. All pairs must be on one side, host or device.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from .._config import SUPPORTED_DTYPES
from ..kernels.optim import adam_update, scale_, sgd_update, sum_squares
from .recurrent import _as_device_array, _is_device_array

__all__ = ["Adam", "SGD", "clip_grad_norm"]


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


# ----------------------------------------------------------------------------- base
class _Optimizer:
    """Shared parts: the parameter list, the step counter, ``lr``, ``zero_grad`` and state I/O."""

    _who = "optimizer"
    #: names of the hyper-parameters saved in ``state_dict`` (besides ``lr``)
    _hyper: tuple = ()
    #: names of the per-buffer state arrays, saved as ``"<name>.<i>"``
    _buffers: tuple = ()

    def __init__(self, params, lr):
        self._pairs = _check_pairs(params, self._who)
        self._on_device = _is_device_array(self._pairs[0][0])
        self.lr = lr
        self.step_count = 0

    @property
    def device(self) -> str:
        """``"cuda"`` when the buffers are device arrays, else ``"cpu"``."""
        return "cuda" if self._on_device else "cpu"

    @property
    def lr(self) -> float:
        """Learning rate; can be changed between steps (schedules), must be > 0 and finite."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = _check_real("lr", value, low=0.0, low_open=True)

    @property
    def params(self) -> list:
        """The ``(flat_params, flat_grads)`` pairs this optimizer updates."""
        return list(self._pairs)

    def zero_grad(self) -> None:
        """Set every gradient buffer to zero."""
        for _, g in self._pairs:
            _fill_zero(g)

    def _buffer_list(self, name: str) -> list:
        return getattr(self, "_" + name)

    def state_dict(self) -> dict:
        """Copies of the optimizer state: step count, hyper-parameters and moment buffers.

        Returns
        -------
        dict of str to int, float, bool or ndarray
            Keys ``"step"``, ``"lr"``, the hyper-parameters, and ``"<buffer>.<i>"`` for the
            buffer of the i-th parameter pair. ``np.savez(path, **state)`` stores it.
        """
        state = {"step": int(self.step_count), "lr": self._lr}
        for name in self._hyper:
            state[name] = getattr(self, name)
        for name in self._active_buffers():
            for i, b in enumerate(self._buffer_list(name)):
                state[f"{name}.{i}"] = _host_copy(b)
        return state

    def load_state_dict(self, state: Mapping) -> None:
        """Restore state saved by :meth:`state_dict` (or read back with ``np.load``).

        Everything is validated first; nothing changes unless all of it checks out.

        Parameters
        ----------
        state : mapping
            Same parameter layout (number of pairs, sizes and dtypes) as this optimizer.
        """
        if not isinstance(state, Mapping) and not hasattr(state, "files"):
            raise ValueError(f"state must be a mapping (a state_dict), got {type(state).__name__}")
        keys = set(state.files) if hasattr(state, "files") else set(state.keys())
        hyper = {}
        for key in ("step", "lr") + self._hyper:
            if key not in keys:
                raise ValueError(
                    f"state_dict is missing {key!r}; expected the keys of {type(self).__name__}.state_dict()"
                )
            hyper[key] = _scalar(state, key)
        step = hyper.pop("step")
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"state_dict['step']={step!r}; expected an integer >= 0")
        checked_hyper = self._validate_hyper(hyper)
        expected = {f"{name}.{i}" for name in self._buffers_for(checked_hyper) for i in range(len(self._pairs))}
        allowed = expected | {"step", "lr"} | set(self._hyper)
        missing = sorted(expected - keys)
        unexpected = sorted(keys - allowed)
        if missing or unexpected:
            raise ValueError(
                f"state_dict keys do not match {type(self).__name__} over {len(self._pairs)} parameter pair(s): "
                f"missing {missing}, unexpected {unexpected}"
            )
        arrays = {}
        for key in sorted(expected):
            i = int(key.rsplit(".", 1)[1])
            p = self._pairs[i][0]
            value = np.asarray(state[key])
            if value.shape != tuple(p.shape):
                raise ValueError(f"state_dict[{key!r}] has shape {value.shape}, expected {tuple(p.shape)}")
            if value.dtype != p.dtype:
                raise ValueError(f"state_dict[{key!r}] has dtype {value.dtype}, expected {np.dtype(p.dtype)}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"state_dict[{key!r}] contains NaN or inf")
            arrays[key] = value
        # Everything checked: commit.
        self._apply_hyper(checked_hyper)
        self.step_count = int(step)
        for name in self._buffers_for(checked_hyper):
            bufs = self._buffer_list(name)
            for i, (p, _) in enumerate(self._pairs):
                if tuple(bufs[i].shape) != tuple(p.shape):  # e.g. SGD without momentum before loading
                    bufs[i] = _empty_like(p)
                _assign(bufs[i], arrays[f"{name}.{i}"])

    # hooks
    def _active_buffers(self) -> tuple:
        return self._buffers

    def _buffers_for(self, hyper: dict) -> tuple:
        return self._buffers

    def _validate_hyper(self, hyper: dict) -> dict:
        raise NotImplementedError

    def _apply_hyper(self, hyper: dict) -> None:
        self.lr = hyper["lr"]
        for name in self._hyper:
            setattr(self, name, hyper[name])

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("lr",) + self._hyper)
        return f"{type(self).__name__}({hp}, pairs={len(self._pairs)}, step={self.step_count})"


# ----------------------------------------------------------------------------- Adam
class Adam(_Optimizer):
    """Adam, with decoupled (AdamW) or L2 weight decay.

    Matches ``torch.optim.AdamW`` (``decoupled_weight_decay=True``, the default here) or
    ``torch.optim.Adam`` (``False``) with ``amsgrad=False``; float64 trajectories agree to
    rounding.

    Parameters
    ----------
    params : list of (flat_params, flat_grads) pairs
        For example ``model.parameters()``; 1-D float32/float64 buffers.
    lr : float, default 1e-3
        Learning rate, > 0.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moments, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator, >= 0.
    weight_decay : float, default 0.0
        >= 0. Decoupled: ``p -= lr * weight_decay * p`` before the Adam step; coupled:
        ``weight_decay * p`` is added to the gradient.
    decoupled_weight_decay : bool, default True
        AdamW (True) or Adam with L2 penalty (False).

    Attributes
    ----------
    step_count : int
        Number of steps taken.
    """

    _who = "Adam"
    _hyper = ("beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay")
    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=True):
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas={betas!r} must be a pair (beta1, beta2) of floats in [0, 1)") from None
        hyper = self._validate_hyper(
            {
                "lr": lr,
                "beta1": beta1,
                "beta2": beta2,
                "eps": eps,
                "weight_decay": weight_decay,
                "decoupled_weight_decay": decoupled_weight_decay,
            }
        )
        super().__init__(params, hyper["lr"])
        self._apply_hyper(hyper)
        self._exp_avg = [_zeros_like(p) for p, _ in self._pairs]
        self._exp_avg_sq = [_zeros_like(p) for p, _ in self._pairs]

    @property
    def betas(self) -> tuple:
        return (self.beta1, self.beta2)

    def _validate_hyper(self, hyper: dict) -> dict:
        return {
            "lr": _check_real("lr", hyper["lr"], low=0.0, low_open=True),
            "beta1": _check_real("betas[0]", hyper["beta1"], low=0.0, high=1.0, high_open=True),
            "beta2": _check_real("betas[1]", hyper["beta2"], low=0.0, high=1.0, high_open=True),
            "eps": _check_real("eps", hyper["eps"], low=0.0),
            "weight_decay": _check_real("weight_decay", hyper["weight_decay"], low=0.0),
            "decoupled_weight_decay": _check_bool("decoupled_weight_decay", hyper["decoupled_weight_decay"]),
        }

    def step(self) -> None:
        """Update every parameter buffer in place from its gradient.

        Raises
        ------
        FloatingPointError
            If any gradient holds NaN or inf; no parameter, moment or step count changes.
        """
        _grad_sum_squares(self._pairs, "Adam.step")
        if self.decoupled_weight_decay and self.weight_decay != 0.0 and self._lr * self.weight_decay >= 1.0:
            raise ValueError(
                f"lr*weight_decay={self._lr * self.weight_decay!r} must be < 1 with decoupled weight decay "
                f"(lr={self._lr!r}, weight_decay={self.weight_decay!r}); it would flip or zero the parameters"
            )
        t = self.step_count + 1
        update = _cuda_kernels().adam_update if self._on_device else adam_update
        for (p, g), m, v in zip(self._pairs, self._exp_avg, self._exp_avg_sq):
            update(
                p, g, m, v, self._lr, self.beta1, self.beta2, self.eps,
                self.weight_decay, self.decoupled_weight_decay, t,
            )  # fmt: skip
        self.step_count = t


# ----------------------------------------------------------------------------- SGD
class SGD(_Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay.

    Matches ``torch.optim.SGD``: on the first step the momentum buffer is the gradient
    (no dampening), afterwards ``buf = momentum * buf + (1 - dampening) * g``.

    Parameters
    ----------
    params : list of (flat_params, flat_grads) pairs
        For example ``model.parameters()``.
    lr : float
        Learning rate, > 0.
    momentum : float, default 0.0
        In [0, 1]. Momentum buffers are allocated only when it is nonzero.
    weight_decay : float, default 0.0
        L2 penalty added to the gradient, >= 0.
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    dampening : float, default 0.0
        In [0, 1].
    """

    _who = "SGD"
    _hyper = ("momentum", "weight_decay", "nesterov", "dampening")
    _buffers = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False, dampening=0.0):
        hyper = self._validate_hyper(
            {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": nesterov, "dampening": dampening}
        )
        super().__init__(params, hyper["lr"])
        self._apply_hyper(hyper)
        if self.momentum != 0.0:
            self._momentum_buffer = [_zeros_like(p) for p, _ in self._pairs]
        else:
            self._momentum_buffer = [_empty_like(p, 0) for p, _ in self._pairs]

    def _validate_hyper(self, hyper: dict) -> dict:
        out = {
            "lr": _check_real("lr", hyper["lr"], low=0.0, low_open=True),
            "momentum": _check_real("momentum", hyper["momentum"], low=0.0, high=1.0),
            "weight_decay": _check_real("weight_decay", hyper["weight_decay"], low=0.0),
            "nesterov": _check_bool("nesterov", hyper["nesterov"]),
            "dampening": _check_real("dampening", hyper["dampening"], low=0.0, high=1.0),
        }
        if out["nesterov"] and (out["momentum"] <= 0.0 or out["dampening"] != 0.0):
            raise ValueError(
                f"nesterov=True requires momentum > 0 and dampening == 0, "
                f"got momentum={out['momentum']!r}, dampening={out['dampening']!r}"
            )
        return out

    def _active_buffers(self) -> tuple:
        return self._buffers if self.momentum != 0.0 else ()

    def _buffers_for(self, hyper: dict) -> tuple:
        return self._buffers if hyper["momentum"] != 0.0 else ()

    def step(self) -> None:
        """Update every parameter buffer in place from its gradient.

        Raises
        ------
        FloatingPointError
            If any gradient holds NaN or inf; no parameter, buffer or step count changes.
        """
        _grad_sum_squares(self._pairs, "SGD.step")
        first = self.step_count == 0
        update = _cuda_kernels().sgd_update if self._on_device else sgd_update
        for (p, g), buf in zip(self._pairs, self._momentum_buffer):
            if self.momentum != 0.0 and tuple(buf.shape) != tuple(p.shape):
                raise RuntimeError("SGD: momentum buffers are not allocated (momentum changed after construction?)")
            update(p, g, buf, self._lr, self.momentum, self.weight_decay, self.nesterov, self.dampening, first)
        self.step_count += 1


# ----------------------------------------------------------------------------- clipping
def clip_grad_norm(params, max_norm) -> float:
    """Scale all gradients so that their global L2 norm is at most ``max_norm``.

    Same rule as ``torch.nn.utils.clip_grad_norm_``: with ``norm`` the L2 norm of all
    gradients together, every gradient is multiplied by ``max_norm / (norm + 1e-6)`` when
    that factor is below 1 (in effect when ``norm > max_norm``), and left alone otherwise.

    Parameters
    ----------
    params : list of (flat_params, flat_grads) pairs
        For example ``model.parameters()``; only the gradients are read and scaled. Device
        buffers are scaled on the device.
    max_norm : float
        > 0 and finite.

    Returns
    -------
    float
        The global gradient norm before clipping (accumulated in float64, buffers in
        list order).

    Raises
    ------
    FloatingPointError
        If a gradient holds NaN or inf; nothing is scaled.
    """
    pairs = _check_pairs(params, "clip_grad_norm")
    max_norm = _check_real("max_norm", max_norm, low=0.0, low_open=True)
    norm = math.sqrt(_grad_sum_squares(pairs, "clip_grad_norm"))
    coef = max_norm / (norm + 1e-6)
    if coef < 1.0:
        scale = _cuda_kernels().scale_ if _is_device_array(pairs[0][1]) else scale_
        for _, g in pairs:
            scale(g, coef)
    return norm
