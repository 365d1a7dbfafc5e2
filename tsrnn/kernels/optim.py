"""Optimizer kernels: in-place updates of flat 1-D parameter buffers.

Each kernel is one serial loop in index order, so its result does not depend on the
thread count or the machine. Scalars are handled in float64 whatever the buffer dtype;
float32 buffers are read, updated in float64 and rounded once when stored.

The arithmetic follows PyTorch's single-tensor (``foreach=False``) CPU implementations
operation by operation, so float64 trajectories agree with ``torch.optim`` to rounding.

These kernels do not check for NaN or inf: the optimizer classes in
:mod:`tsrnn.nn.optim` call :func:`sum_squares` first and refuse to step on a non-finite
gradient.
"""

from __future__ import annotations

import math

import numpy as np

from numba import njit

from .._config import JIT

__all__ = ["adam_update", "sgd_update", "sum_squares", "scale_"]


@njit(**JIT)
def adam_update(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    """One Adam / AdamW step, in place on ``p``, ``m`` and ``v``.

    Per element, as ``torch.optim.Adam`` (``decoupled=False``) and ``torch.optim.AdamW``
    (``decoupled=True``) with ``amsgrad=False, maximize=False``::

        p  *= 1 - lr * weight_decay            # decoupled only
        g' = g + weight_decay * p              # coupled only (g itself is not modified)
        m  = lerp(m, g', 1 - beta1)
        v  = beta2 * v + (1 - beta2) * g'**2
        denom = sqrt(v) / sqrt(1 - beta2**step) + eps
        p += (-lr / (1 - beta1**step)) * m / denom

    Parameters
    ----------
    p : (P,) float32 or float64 array, updated in place
        Parameters.
    g : (P,) array
        Gradients; read only.
    m : (P,) array, updated in place
        First-moment estimate (zeros before the first step).
    v : (P,) array, updated in place
        Second-moment estimate (zeros before the first step).
    lr, beta1, beta2, eps, weight_decay : float
        Hyper-parameters, validated by the caller.
    decoupled : bool
        True for AdamW's decoupled weight decay, False for L2 added to the gradient.
    step : int
        1-based index of this step, for the bias corrections.
    """
    n = p.shape[0]
    if g.shape[0] != n or m.shape[0] != n or v.shape[0] != n:
        raise ValueError("adam_update: p, g, m and v must have the same length")
    if step < 1:
        raise ValueError("adam_update: step must be >= 1 (it is 1-based)")
    fstep = float(step)
    bias_correction1 = 1.0 - beta1**fstep
    bias_correction2 = 1.0 - beta2**fstep
    step_size_neg = -(lr / bias_correction1)
    bias_correction2_sqrt = math.sqrt(bias_correction2)
    w1 = 1.0 - beta1
    w2 = 1.0 - beta2
    decay = 1.0 - lr * weight_decay
    use_decay = weight_decay != 0.0
    for i in range(n):
        pi = np.float64(p[i])
        gi = np.float64(g[i])
        if use_decay:
            if decoupled:
                pi = pi * decay
            else:
                gi = gi + weight_decay * pi
        mi = np.float64(m[i])
        # torch's lerp: two formulas, chosen by the size of the weight.
        if abs(w1) < 0.5:
            mi = mi + w1 * (gi - mi)
        else:
            mi = gi - (gi - mi) * (1.0 - w1)
        vi = np.float64(v[i]) * beta2
        vi = vi + (w2 * gi) * gi
        denom = math.sqrt(vi) / bias_correction2_sqrt + eps
        pi = pi + (step_size_neg * mi) / denom
        m[i] = mi
        v[i] = vi
        p[i] = pi


@njit(**JIT)
def sgd_update(p, g, buf, lr, momentum, weight_decay, nesterov, dampening, first_step):
    """One SGD step, in place on ``p`` (and ``buf`` when ``momentum != 0``).

    Per element, as ``torch.optim.SGD`` with ``maximize=False``::

        g' = g + weight_decay * p              # g itself is not modified
        if momentum != 0:
            buf = g'                                   if first_step
            buf = momentum * buf + (1 - dampening) * g'  otherwise
            g' = g' + momentum * buf  if nesterov else buf
        p += -lr * g'

    Parameters
    ----------
    p : (P,) float32 or float64 array, updated in place
        Parameters.
    g : (P,) array
        Gradients; read only.
    buf : (P,) array, updated in place, or any array when ``momentum == 0``
        Momentum buffer; not touched (and its length not checked) without momentum.
    lr, momentum, weight_decay, dampening : float
        Hyper-parameters, validated by the caller.
    nesterov : bool
        Nesterov momentum.
    first_step : bool
        True on the first step: the buffer is set to the gradient, without dampening.
    """
    n = p.shape[0]
    if g.shape[0] != n:
        raise ValueError("sgd_update: p and g must have the same length")
    use_momentum = momentum != 0.0
    if use_momentum and buf.shape[0] != n:
        raise ValueError("sgd_update: buf must have the same length as p when momentum != 0")
    neg_lr = -lr
    keep = 1.0 - dampening
    for i in range(n):
        pi = np.float64(p[i])
        gi = np.float64(g[i])
        if weight_decay != 0.0:
            gi = gi + weight_decay * pi
        if use_momentum:
            if first_step:
                bi = gi
            else:
                bi = np.float64(buf[i]) * momentum + keep * gi
            buf[i] = bi
            if nesterov:
                gi = gi + momentum * bi
            else:
                gi = bi
        p[i] = pi + neg_lr * gi


@njit(**JIT)
def sum_squares(g):
    """Sum of squares of ``g``, accumulated in float64 in index order.

    Parameters
    ----------
    g : (P,) float32 or float64 array

    Returns
    -------
    float
        ``sum(g**2)``; NaN or inf when ``g`` holds a NaN or inf (or the sum overflows).
    """
    s = 0.0
    for i in range(g.shape[0]):
        x = np.float64(g[i])
        s += x * x
    return s


@njit(**JIT)
def scale_(g, factor):
    """Multiply ``g`` by ``factor`` in place.

    Parameters
    ----------
    g : (P,) float32 or float64 array, updated in place
    factor : float
    """
    for i in range(g.shape[0]):
        g[i] = g[i] * factor
