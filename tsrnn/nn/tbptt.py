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
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_positive_int
from .losses import get_loss
from .optim import clip_grad_norm

__all__ = ["tbptt_gradients", "TBPTTTrainer", "global_grad_norm"]


def global_grad_norm(params) -> float:
    """L2 norm over every gradient buffer of ``params`` (list of ``(flat_params, flat_grads)``)."""
    total = 0.0
    for _, g in params:
        total += float(np.dot(g.astype(np.float64, copy=False), g.astype(np.float64, copy=False)))
    return float(np.sqrt(total))


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
        Initial state (zeros when omitted).
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

    Attributes
    ----------
    steps : int
        Optimizer steps taken.
    state : recurrent state or None
        State carried between calls in ``"stateful"`` mode.
    last_grad_norm : float
        Global gradient norm before clipping, at the last step.
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
        self.model = model
        self.loss = get_loss(loss)
        self.optimizer = optimizer
        self.mode = mode
        self.k = k
        self.clip_norm = clip_norm
        self.steps = 0
        self.state = None
        self.last_grad_norm = float("nan")

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
        x, y, weight = _check_xy(self.model, x, y, weight)
        if self.mode == "windows":
            self.model.zero_grad()
            value, _ = tbptt_gradients(self.model, self.loss, x, y, self.k, None, weight)
            self._update(value)
            return value
        if self.state is not None:
            B = x.shape[0]
            h = self.state[0] if isinstance(self.state, tuple) else self.state
            if h.shape[1] != B:
                raise ValueError(
                    f"x has {B} streams but the carried state has {h.shape[1]}; call reset_state() to start new streams"
                )
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
