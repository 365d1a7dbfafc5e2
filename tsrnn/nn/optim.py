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

The checks of the pairs and hyper-parameters, the host-or-device buffer helpers and the
checked gradient norm live in :mod:`tsrnn.nn.optim_buffers`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from ..kernels.optim import adam_update, scale_, sgd_update
from .optim_buffers import (
    _assign,
    _check_bool,
    _check_pairs,
    _check_real,
    _cuda_kernels,
    _empty_like,
    _fill_zero,
    _grad_sum_squares,
    _host_copy,
    _scalar,
    _zeros_like,
)
from .recurrent_cuda import _is_device_array

__all__ = ["Adam", "SGD", "clip_grad_norm"]


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
