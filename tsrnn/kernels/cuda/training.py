"""Device-side training helpers: everything a training step needs besides the cells, on device arrays.

With these, parameters, gradients, optimizer moments and activations stay on the GPU for
a whole training run; per step, the host only reads back a few float64 scalars (the loss
and the squared gradient norm, which the trainer checks for NaN/inf before updating).

- :func:`linear_forward` / :func:`linear_backward`: the dense head, ``y = x @ W.T + b``
  (tiled GEMM over all rows, bias gradient by fixed-order column sums).
- :func:`loss_and_grad`: MSE, MAE, Huber and pinball losses with target weights, value and
  gradient (float64 arithmetic, as :mod:`tsrnn.nn.losses`).
- :func:`sum_squares`, :func:`scale_`, :func:`adam_update`, :func:`sgd_update`: the
  optimizer kernels of :mod:`tsrnn.kernels.optim`, element by element the same float64
  arithmetic, on flat device buffers.
- :func:`dropout_mask`: a keep mask drawn on the device from a counter-based hash, so no
  random bits cross the bus.

Reductions (sums of squares, loss values) add fixed blocks of elements in order, then the
blocks in order: the same bits on every run, and no atomics or warp intrinsics.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import cuda

from ._blas import add_column_sums, gemm, launch_1d

__all__ = [
    "LOSSES", "linear_forward", "linear_backward", "loss_and_grad", "sum_squares", "scale_", "adam_update",
    "sgd_update", "dropout_mask",
]  # fmt: skip

#: Elements summed in order by one thread in the first stage of a reduction.
BLOCK = 256
#: Loss codes of :func:`loss_and_grad`.
LOSSES = {"mse": 0, "mae": 1, "huber": 2, "pinball": 3}


# ------------------------------------------------------------------------- reductions
@cuda.jit
def _block_sums(part, a, squares):
    p = cuda.grid(1)
    n = a.shape[0]
    if p < part.shape[0]:
        s = 0.0
        end = (p + 1) * BLOCK
        if end > n:
            end = n
        for i in range(p * BLOCK, end):
            v = np.float64(a[i])
            s += v * v if squares else v
        part[p] = s


@cuda.jit
def _total(out, part):
    if cuda.grid(1) == 0:
        s = 0.0
        for p in range(part.shape[0]):
            s += part[p]
        out[0] = s


def _reduce(a, squares):
    """float64 device array (1,) holding ``sum(a)`` or ``sum(a**2)`` of a 1-D device array."""
    n = a.shape[0]
    parts = max(1, (n + BLOCK - 1) // BLOCK)
    part = cuda.device_array(parts, dtype=np.float64)
    out = cuda.device_array(1, dtype=np.float64)
    _block_sums[launch_1d(parts)](part, a, squares)
    _total[1, 1](out, part)
    return out


def sum_squares(g) -> float:
    """``sum(g**2)`` of a 1-D device array, in float64 and a fixed order; NaN/inf when g holds one."""
    return float(_reduce(g, True).copy_to_host()[0])


@cuda.jit
def _scale_kernel(g, factor):
    i = cuda.grid(1)
    if i < g.shape[0]:
        g[i] = g[i] * factor


def scale_(g, factor) -> None:
    """``g *= factor`` in place (1-D device array); as :func:`tsrnn.kernels.optim.scale_`."""
    if g.shape[0]:
        _scale_kernel[launch_1d(g.shape[0])](g, np.float64(factor))


# ------------------------------------------------------------------------- optimizers
@cuda.jit
def _adam_kernel(p, g, m, v, step_size_neg, bc2_sqrt, w1, w2, beta2, eps, weight_decay, decay, decoupled):
    i = cuda.grid(1)
    if i < p.shape[0]:
        pi = np.float64(p[i])
        gi = np.float64(g[i])
        if weight_decay != 0.0:
            if decoupled:
                pi = pi * decay
            else:
                gi = gi + weight_decay * pi
        mi = np.float64(m[i])
        if abs(w1) < 0.5:
            mi = mi + w1 * (gi - mi)
        else:
            mi = gi - (gi - mi) * (1.0 - w1)
        vi = np.float64(v[i]) * beta2
        vi = vi + (w2 * gi) * gi
        denom = math.sqrt(vi) / bc2_sqrt + eps
        pi = pi + (step_size_neg * mi) / denom
        m[i] = mi
        v[i] = vi
        p[i] = pi


def adam_update(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, step) -> None:
    """One Adam / AdamW step on 1-D device buffers; arguments as :func:`tsrnn.kernels.optim.adam_update`."""
    n = p.shape[0]
    if g.shape[0] != n or m.shape[0] != n or v.shape[0] != n:
        raise ValueError("adam_update: p, g, m and v must have the same length")
    if step < 1:
        raise ValueError("adam_update: step must be >= 1 (it is 1-based)")
    fstep = float(step)
    bias_correction1 = 1.0 - beta1**fstep
    bias_correction2 = 1.0 - beta2**fstep
    if n:
        _adam_kernel[launch_1d(n)](
            p, g, m, v, -(lr / bias_correction1), math.sqrt(bias_correction2), 1.0 - beta1, 1.0 - beta2,
            float(beta2), float(eps), float(weight_decay), 1.0 - lr * weight_decay, bool(decoupled),
        )  # fmt: skip


@cuda.jit
def _sgd_kernel(p, g, buf, neg_lr, momentum, weight_decay, nesterov, keep, first_step, use_momentum):
    i = cuda.grid(1)
    if i < p.shape[0]:
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


def sgd_update(p, g, buf, lr, momentum, weight_decay, nesterov, dampening, first_step) -> None:
    """One SGD step on 1-D device buffers; arguments as :func:`tsrnn.kernels.optim.sgd_update`."""
    n = p.shape[0]
    if g.shape[0] != n:
        raise ValueError("sgd_update: p and g must have the same length")
    use_momentum = momentum != 0.0
    if use_momentum and buf.shape[0] != n:
        raise ValueError("sgd_update: buf must have the same length as p when momentum != 0")
    if n:
        _sgd_kernel[launch_1d(n)](
            p, g, buf if use_momentum else p, -float(lr), float(momentum), float(weight_decay), bool(nesterov),
            1.0 - dampening, bool(first_step), use_momentum,
        )  # fmt: skip


# ---------------------------------------------------------------------- head and loss
def linear_forward(y, x, w, b) -> None:
    """``y = x @ w.T + b`` over all rows: y (N, O), x (N, K), w (O, K), b (O,) device arrays."""
    gemm(y, x, w, trans_b=True, bias=b)


def linear_backward(dx, dw, db, dy, x, w) -> None:
    """``dw += dy.T @ x``, ``db += dy.sum(rows)``, ``dx = dy @ w``: dx (N, K), dy (N, O); dx may be None."""
    gemm(dw, dy, x, trans_a=True, accumulate=True)
    add_column_sums(db, dy)
    if dx is not None:
        gemm(dx, dy, w)


@cuda.jit
def _loss_kernel(terms, dpred, pred, target, weight, quantiles, kind, delta, total, weighted):
    # pred and dpred (N, Q); target and weight (N,); one thread per element of pred.
    idx = cuda.grid(1)
    N = pred.shape[0]
    Q = pred.shape[1]
    if idx < N * Q:
        r = idx // Q
        q = idx - r * Q
        w = np.float64(weight[r]) if weighted else 1.0
        if w > 0.0:
            p = np.float64(pred[r, q])
            y = np.float64(target[r])
            d = p - y
            if kind == 0:
                loss = d * d
                grad = 2.0 * d
            elif kind == 1:
                loss = abs(d)
                grad = 1.0 if d > 0.0 else (-1.0 if d < 0.0 else 0.0)
            elif kind == 2:
                a = abs(d)
                if a < delta:
                    loss = 0.5 * d * d
                else:
                    loss = delta * (a - 0.5 * delta)
                grad = d
                if grad > delta:
                    grad = delta
                elif grad < -delta:
                    grad = -delta
            else:
                lv = quantiles[q]
                e = y - p
                loss = lv * e if lv * e >= (lv - 1.0) * e else (lv - 1.0) * e
                grad = -lv if e > 0.0 else (1.0 - lv if e < 0.0 else 0.5 - lv)
            terms[idx] = w * loss
            dpred[r, q] = (w * grad) / total
        else:
            terms[idx] = 0.0
            dpred[r, q] = 0.0


@functools.cache
def _no_quantiles():
    """A placeholder levels array for the losses other than pinball, uploaded once (not once per call)."""
    return cuda.to_device(np.zeros(1))


def loss_and_grad(kind, dpred, pred, target, weight=None, total=None, delta=1.0, quantiles=None) -> float:
    """Weighted mean loss and its gradient, as :mod:`tsrnn.nn.losses` computes them.

    Parameters
    ----------
    kind : {"mse", "mae", "huber", "pinball"}
    dpred : (N, Q) device array, written
        Gradient of the value with respect to ``pred``.
    pred : (N, Q) device array
        Q = 1 except for the pinball loss (one column per quantile).
    target : (N,) device array
        Targets; where ``weight`` is 0 they are not read (and may be NaN).
    weight : (N,) device array, optional
        Nonnegative target weights.
    total : float, optional
        The divisor, ``sum(weight) * Q`` (the caller knows it from the batch it uploads);
        ``N * Q`` by default, the plain mean.
    delta : float
        Huber threshold.
    quantiles : (Q,) float64 device array
        Pinball levels.

    Returns
    -------
    float
        The loss value (NaN or inf when ``pred`` holds one; the caller checks).
    """
    if kind not in LOSSES:
        raise ValueError(f"kind={kind!r} is not known; expected one of {sorted(LOSSES)}")
    N, Q = pred.shape
    if total is None:
        total = float(N * Q)
    if not total > 0:
        raise ValueError("the weights sum to 0: no element counts, the mean loss is undefined")
    if kind == "pinball" and quantiles is None:
        raise ValueError("kind='pinball' needs the quantile levels")
    qs = quantiles if quantiles is not None else _no_quantiles()
    terms = cuda.device_array(N * Q, dtype=np.float64)
    if N * Q:
        _loss_kernel[launch_1d(N * Q)](
            terms, dpred, pred, target, target if weight is None else weight, qs, LOSSES[kind], float(delta),
            float(total), weight is not None,
        )  # fmt: skip
    return float(_reduce(terms, False).copy_to_host()[0]) / total


# ---------------------------------------------------------------------------- dropout
_M32 = np.uint64(0xFFFFFFFF)
_C1 = np.uint64(0x7FEB352D)
_C2 = np.uint64(0x846CA68B)
_S15 = np.uint64(15)
_S16 = np.uint64(16)
_TWO32 = 4294967296.0


@cuda.jit(device=True)
def _hash32(x):
    # Wellons' lowbias32 on values < 2**32 held in uint64: products stay below 2**64,
    # so nothing overflows (the simulator runs this on NumPy scalars too).
    x = (x ^ (x >> _S16)) & _M32
    x = (x * _C1) & _M32
    x = (x ^ (x >> _S15)) & _M32
    x = (x * _C2) & _M32
    x = (x ^ (x >> _S16)) & _M32
    return x


@cuda.jit
def _dropout_kernel(mask, seed, keep, scale):
    i = cuda.grid(1)
    if i < mask.shape[0]:
        lo = np.uint64(i) & _M32
        hi = np.uint64(i) >> np.uint64(32)
        u = _hash32(_hash32(lo ^ seed) ^ _hash32(hi ^ (seed ^ _C1)))
        mask[i] = scale if np.float64(u) < keep * _TWO32 else 0.0


def dropout_mask(mask, seed, keep) -> None:
    """Fill a C-contiguous device array with 0 or ``1/keep``, each kept with probability ``keep``.

    The draw is a hash of ``seed`` (an int below 2**32) and the element's index, so the
    same seed gives the same mask on every run, any launch geometry.
    """
    flat = mask.reshape(mask.size)
    if mask.size:
        _dropout_kernel[launch_1d(mask.size)](
            flat, np.uint64(seed) & _M32, float(keep), np.dtype(mask.dtype).type(1.0 / keep)
        )
