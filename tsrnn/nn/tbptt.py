"""Truncated backpropagation through time (TBPTT).

A long sequence is processed in chunks of ``k`` steps. The hidden state is carried from
chunk to chunk, but the gradient is cut at every chunk boundary: each chunk is
backpropagated on its own, as if its initial state were a constant. This bounds both the
memory (one chunk's activations) and the depth of the gradient path, which together with
gradient clipping is the classic answer to exploding gradients (min-char-rnn, Williams &
Peng 1990).

Two training modes:

``"windows"``
    Each batch row is an independent window starting from a zero state; the whole window
    is backpropagated (full BPTT inside the window). One optimizer step per call.
``"stateful"``
    Each batch row is one long stream. The call walks the streams in chunks of ``k``
    steps, one optimizer step per chunk, carrying the state across chunks and across calls
    (until :meth:`TBPTTTrainer.reset_state`).

On the GPU (a :class:`~tsrnn.nn.RecurrentRegressor` built with ``device="cuda"``), the
batch given to :meth:`TBPTTTrainer.step` (NumPy arrays, checked on the host) is copied to
the device once, x, y and the weights one copy each, laid out chunk after chunk so that
every chunk is a contiguous device view. Forward, loss, backward, gradient norm, clipping
and the optimizer step then run on the device; the parameters, the optimizer's moments, the
activations and the carried state never leave it. Per optimizer step the host reads back
a few float64 scalars: the loss of each chunk and the squared norm of each gradient buffer.
"""

from __future__ import annotations

import numpy as np

from .._config import fused_training
from .._validation import check_array, check_positive_int
from .fused_step import FusedStep
from .losses import device_kind, get_loss
from .optim import clip_grad_norm
from .recurrent import _is_device_array

__all__ = ["tbptt_gradients", "TBPTTTrainer", "global_grad_norm"]


def global_grad_norm(params) -> float:
    """L2 norm over every gradient buffer of ``params`` (list of ``(flat_params, flat_grads)``, host or device)."""
    total = 0.0
    for _, g in params:
        if _is_device_array(g):
            from ..kernels.cuda.training import sum_squares

            total += sum_squares(g)
        else:
            total += float(np.dot(g.astype(np.float64, copy=False), g.astype(np.float64, copy=False)))
    return float(np.sqrt(total))


def _on_device(model) -> bool:
    return getattr(model, "device", "cpu") == "cuda"


def _check_xy(model, x, y, weight):
    x = check_array(x, "x", (None, None, model.input_size), model.dtype, letters="BTI")
    B, T, _ = x.shape
    y = check_array(y, "y", (B, T, model.output_size), model.dtype, letters="BTO")
    if weight is not None:
        weight = np.asarray(weight)
        if weight.shape != y.shape:
            raise ValueError(f"weight has shape {weight.shape}; expected the shape of y, {y.shape}")
        if not np.all(np.isfinite(weight)) or np.any(weight < 0):
            raise ValueError("weight must be finite and non-negative")
    return x, y, weight


def _state_detach(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.copy() for s in state)
    return state.copy()


def _chunk_mass(y, weight, s, e):
    return float(weight[:, s:e].sum()) if weight is not None else float(y[:, s:e].size)


def _chunk_bounds(T, k):
    return [(s, min(T, s + k)) for s in range(0, T, k)]


# ------------------------------------------------------------------------------ device
class _DeviceBatch:
    """x, y and the weights of one batch on the device: one copy each, chunk after chunk.

    ``x[c]`` is chunk c of x as a contiguous (B, Tc, I) device view; ``y[c]`` and ``w[c]``
    are chunk c of y and of the weights, flat (B*Tc*O,) device views (``w[c]`` None without
    weights); ``mass[c]`` is the chunk's share of the loss before normalization (its weight
    sum, or its number of targets), in float64 on the host.
    """

    def __init__(self, x, y, weight, bounds):
        self.bounds = bounds
        self.host_y = y
        self.host_w = weight
        if weight is not None and weight.dtype not in (np.float32, np.float64):
            weight = weight.astype(np.float64)
        self.x = self._upload(x, bounds, flat=False)
        self.y = self._upload(y, bounds, flat=True)
        self.w = [None] * len(bounds) if weight is None else self._upload(weight, bounds, flat=True)
        self.mass = [
            float(weight[:, s:e].sum(dtype=np.float64)) if weight is not None else float(y[:, s:e].size)
            for s, e in bounds
        ]

    @staticmethod
    def _upload(a, bounds, flat):
        from numba import cuda

        B, _, F = a.shape
        if len(bounds) == 1:
            packed = np.ascontiguousarray(a[:, bounds[0][0] : bounds[0][1]]).reshape(-1)
        else:
            packed = np.concatenate([np.ascontiguousarray(a[:, s:e]).reshape(-1) for s, e in bounds])
        dev = cuda.to_device(packed)
        views, offset = [], 0
        for s, e in bounds:
            n = B * (e - s) * F
            view = dev[offset : offset + n]
            views.append(view if flat else view.reshape(B, e - s, F))
            offset += n
        return views


_QUANTILES = {}


def _device_quantiles(q):
    """The pinball levels as a float64 device array, uploaded once per set of levels."""
    key = np.asarray(q, dtype=np.float64).tobytes()
    if key not in _QUANTILES:
        from numba import cuda

        _QUANTILES[key] = cuda.to_device(np.asarray(q, dtype=np.float64))
    return _QUANTILES[key]


def _diverged(pred_host):
    return FloatingPointError(
        f"pred holds {int(np.count_nonzero(~np.isfinite(pred_host)))} NaN/inf value(s); the model has diverged"
    )


def _device_chunk_loss(model, loss, pred, batch, c, total_mass):
    """Loss share of chunk c and its gradient (a device array of ``pred``'s shape), already scaled by the share."""
    from numba import cuda

    s, e = batch.bounds[c]
    y_host = batch.host_y[:, s:e]
    kind = device_kind(loss)
    if kind is None:  # a user's callable: called on host copies
        w_host = None if batch.host_w is None else batch.host_w[:, s:e]
        value, dpred = loss(pred.copy_to_host(), y_host, w_host)
        share = batch.mass[c] / total_mass
        return value * share, cuda.to_device(np.ascontiguousarray((dpred * share).astype(model.dtype, copy=False)))
    from ..kernels.cuda.training import loss_and_grad

    shape = tuple(pred.shape)
    n_targets = int(np.prod(loss._target_shape(shape, y_host.shape), dtype=np.int64))
    Q = int(np.prod(shape, dtype=np.int64)) // max(n_targets, 1)
    dpred = cuda.device_array(shape, dtype=model.dtype)
    value = loss_and_grad(
        kind, dpred.reshape(n_targets, Q), pred.reshape(n_targets, Q), batch.y[c], batch.w[c],
        total=total_mass * Q, delta=getattr(loss, "delta", 1.0),
        quantiles=_device_quantiles(loss.quantiles) if kind == "pinball" else None,
    )  # fmt: skip
    if not np.isfinite(value):
        host = pred.copy_to_host()
        if not np.all(np.isfinite(host)):
            raise _diverged(host)  # as the CPU loss does
    return value, dpred


def _device_gradients(model, loss, batch, chunks, state, total_mass):
    """:func:`tbptt_gradients` over chunks ``chunks`` of a :class:`_DeviceBatch`."""
    if not total_mass > 0:
        raise ValueError("weight is zero everywhere: there is no target to fit")
    value = 0.0
    for c in chunks:
        pred, state = model.forward(batch.x[c], state)
        if batch.mass[c] == 0:
            continue
        v, dpred = _device_chunk_loss(model, loss, pred, batch, c, total_mass)
        value += v
        model.backward(dpred)
    return value, state


def tbptt_gradients(model, loss, x, y, k=None, state=None, weight=None):
    """Accumulate the truncated-BPTT gradient of a long sequence, without updating.

    The loss is the weighted mean over the whole sequence; each chunk contributes its share,
    so with ``k = T`` the gradients equal full backpropagation through time.

    Parameters
    ----------
    model : RecurrentRegressor
    loss : str or loss object
        ``"mse"``, ``"mae"``, ``"huber"``, ``"pinball"`` or an object called as
        ``loss(pred, target, weight) -> (value, dpred)``.
    x : (B, T, I) array
    y : (B, T, O) array
        Target at every step.
    k : int, optional
        Chunk length; the whole sequence when omitted.
    state : recurrent state, optional
        Initial state (zeros when omitted). For a model on the GPU, NumPy or device arrays;
        the final state is then returned as device arrays.
    weight : (B, T, O) array, optional
        Non-negative weights of the targets (0 masks a target out).

    Returns
    -------
    loss : float
        Weighted mean loss over the sequence.
    state : final recurrent state
    """
    loss = get_loss(loss)
    x, y, weight = _check_xy(model, x, y, weight)
    T = x.shape[1]
    k = T if k is None else check_positive_int(k, "k")
    if _on_device(model):
        batch = _DeviceBatch(x, y, weight, _chunk_bounds(T, k))
        total = float(weight.sum(dtype=np.float64)) if weight is not None else float(y.size)
        return _device_gradients(model, loss, batch, range(len(batch.bounds)), state, total)
    total_mass = float(weight.sum()) if weight is not None else float(y.size)
    if total_mass <= 0:
        raise ValueError("weight is zero everywhere: there is no target to fit")
    value = 0.0
    for s in range(0, T, k):
        e = min(T, s + k)
        w = None if weight is None else weight[:, s:e]
        mass = _chunk_mass(y, weight, s, e)
        if mass == 0:
            _, state = model.forward(x[:, s:e], state)
            state = _state_detach(state)
            continue
        pred, state = model.forward(x[:, s:e], state)
        v, dpred = loss(pred, y[:, s:e], w)
        share = mass / total_mass
        value += v * share
        model.backward((dpred * share).astype(model.dtype, copy=False))
        state = _state_detach(state)
    return value, state


class TBPTTTrainer:
    """Run optimizer steps with truncated BPTT, in ``"windows"`` or ``"stateful"`` mode.

    Parameters
    ----------
    model : RecurrentRegressor
    loss : str or loss object
    optimizer : tsrnn.nn.Adam or tsrnn.nn.SGD
        Built over ``model.parameters()``.
    mode : {"windows", "stateful"}, default "windows"
        See the module docstring.
    k : int, optional
        Chunk length. In ``"windows"`` mode it truncates the gradient inside each window
        (None: full BPTT over the window); in ``"stateful"`` mode it is required.
    clip_norm : float, optional
        Clip gradients to this global L2 norm before every step.

    For a model on the GPU (``device="cuda"``) the optimizer must be built over its
    ``parameters()`` (device buffers); batches are given as NumPy arrays and copied to the
    device once per :meth:`step` (see the module docstring).

    Attributes
    ----------
    steps : int
        Optimizer steps taken.
    state : recurrent state or None
        State carried between calls in ``"stateful"`` mode (device arrays on the GPU).
    last_grad_norm : float
        Global gradient norm before clipping, at the last step.

    On the CPU in ``"windows"`` mode with full BPTT and an MSE, MAE or Huber loss, :meth:`step`
    computes the gradients with :class:`tsrnn.nn.fused_step.FusedStep` (bit-identical, on
    reused buffers). Two private switches, set by RNNForecaster's training for the batches
    of its own sampler: ``_batches_checked`` (the batches come from data checked once per fit,
    so the fused step skips the per-batch input checks) and ``_last_step`` (only the last
    step's targets carry weight: the head and loss run there only).
    """

    def __init__(self, model, loss, optimizer, mode="windows", k=None, clip_norm=None):
        if mode not in ("windows", "stateful"):
            raise ValueError(f"mode={mode!r} is not known; expected 'windows' or 'stateful'")
        if mode == "stateful" and k is None:
            raise ValueError("mode='stateful' needs the chunk length k (steps per gradient update)")
        if k is not None:
            k = check_positive_int(k, "k")
        if clip_norm is not None and not (np.isfinite(clip_norm) and clip_norm > 0):
            raise ValueError(f"clip_norm must be a positive finite number or None, got {clip_norm!r}")
        model_device = getattr(model, "device", "cpu")
        opt_device = getattr(optimizer, "device", model_device)
        if opt_device != model_device:
            raise ValueError(
                f"the optimizer's buffers are on {opt_device!r} but the model is on {model_device!r}; "
                "build the optimizer over model.parameters()"
            )
        self.model = model
        self.loss = get_loss(loss)
        self.optimizer = optimizer
        self.mode = mode
        self.k = k
        self.clip_norm = clip_norm
        self.steps = 0
        self.state = None
        self.last_grad_norm = float("nan")
        self._batches_checked = False
        self._last_step = False
        self._fused = None

    def _fused_step(self):
        """The :class:`FusedStep` of this trainer, or None where it does not apply (or is switched off)."""
        if not fused_training() or not FusedStep.covers(self.model, self.loss, self.mode, self.k):
            return None
        if self._fused is None or self._fused.last_step != self._last_step:
            self._fused = FusedStep(self.model, self.loss, self._last_step)
        return self._fused

    def reset_state(self) -> None:
        """Forget the carried state (start of new streams in ``"stateful"`` mode)."""
        self.state = None

    def _update(self, value):
        params = self.model.parameters()
        if not np.isfinite(value):
            raise FloatingPointError(
                f"non-finite loss ({value}) at training step {self.steps + 1}; the weights were not updated. "
                "Lower the learning rate, scale the data, or set clip_norm."
            )
        norm = global_grad_norm(params)
        if not np.isfinite(norm):
            raise FloatingPointError(
                f"non-finite gradient (norm {norm}) at training step {self.steps + 1}; the weights were not updated. "
                "Lower the learning rate, scale the data, or set clip_norm."
            )
        self.last_grad_norm = norm
        if self.clip_norm is not None:
            clip_grad_norm(params, self.clip_norm)
        self.optimizer.step()
        self.steps += 1

    def step(self, x, y, weight=None) -> float:
        """Train on one batch.

        Parameters
        ----------
        x : (B, T, I) array
            Windows (``"windows"``) or the next stretch of every stream (``"stateful"``).
        y : (B, T, O) array
            Targets at every step.
        weight : (B, T, O) array, optional
            Non-negative target weights; 0 masks a target.

        Returns
        -------
        float
            Mean loss of the batch (``"windows"``), or of the chunks walked (``"stateful"``).
        """
        fused = self._fused_step()
        if fused is None or not self._batches_checked:
            x, y, weight = _check_xy(self.model, x, y, weight)
        if _on_device(self.model):
            return self._step_device(x, y, weight)
        if fused is not None:
            self.model.zero_grad()
            value = fused.gradients(x, y, weight)
            self._update(value)
            return value
        if self.mode == "windows":
            self.model.zero_grad()
            value, _ = tbptt_gradients(self.model, self.loss, x, y, self.k, None, weight)
            self._update(value)
            return value
        self._check_stream_count(x.shape[0])
        T = x.shape[1]
        values = []
        for s in range(0, T, self.k):
            e = min(T, s + self.k)
            w = None if weight is None else weight[:, s:e]
            if w is not None and not w.any():
                _, state = self.model.forward(x[:, s:e], self.state)
                self.state = _state_detach(state)
                continue
            self.model.zero_grad()
            value, state = tbptt_gradients(self.model, self.loss, x[:, s:e], y[:, s:e], None, self.state, w)
            self._update(value)
            self.state = state
            values.append(value)
        return float(np.mean(values)) if values else float("nan")

    def _check_stream_count(self, B):
        if self.state is not None:
            h = self.state[0] if isinstance(self.state, tuple) else self.state
            if h.shape[1] != B:
                raise ValueError(
                    f"x has {B} streams but the carried state has {h.shape[1]}; call reset_state() to start new streams"
                )

    def _step_device(self, x, y, weight):
        """:meth:`step` on the GPU: one upload of the batch, everything else on the device."""
        T = x.shape[1]
        if self.mode == "windows":
            batch = _DeviceBatch(x, y, weight, _chunk_bounds(T, T if self.k is None else self.k))
            self.model.zero_grad()
            value, _ = _device_gradients(self.model, self.loss, batch, range(len(batch.bounds)), None, sum(batch.mass))
            self._update(value)
            return value
        self._check_stream_count(x.shape[0])
        batch = _DeviceBatch(x, y, weight, _chunk_bounds(T, self.k))
        values = []
        for c in range(len(batch.bounds)):
            if batch.mass[c] == 0:
                _, self.state = self.model.forward(batch.x[c], self.state)
                continue
            self.model.zero_grad()
            value, state = _device_gradients(self.model, self.loss, batch, [c], self.state, batch.mass[c])
            self._update(value)
            self.state = state
            values.append(value)
        return float(np.mean(values)) if values else float("nan")
