"""Time-major forward and backward of a CPU recurrent layer stack on reused buffers: the fused training step's calls.

:meth:`tsrnn.nn.LSTM.forward` and ``backward`` take and return batch-first (B, T, ·)
arrays, so each call copies its input and output between the batch-first and the kernels'
time-major layouts, and every forward allocates new (T+1, B, H) state arrays. Per training
batch of 64 windows of 168 steps at H=64 that is about 11 MB of fresh memory, and glibc
maps and unmaps arrays of that size on each call: the page faults cost LSTM's forward
about 2 ms of its 8 ms (measured 2026-12-03). :func:`forward_train` and
:func:`backward_train` run the same layer loops (:meth:`_run_layers`, :meth:`_run_layers_back`)
with the states in per-layer buffers reused from batch to batch (:func:`reused_states`), take
the gradient of the output time-major, and hand back the last layer's states without a copy.
The kernels, their arguments and the arithmetic are those of ``forward``/``backward``, so
the gradients are bit-identical.

The buffers belong to the layer and its thread (as its gate buffers do); what
:func:`forward_train` returns is valid until the layer's next forward on that thread.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .recurrent import _scratch

__all__ = ["forward_train", "backward_train", "reused_states"]


@contextmanager
def reused_states(rnn):
    """Within the block, ``rnn``'s CPU forward keeps its hidden and cell states in buffers reused across calls."""
    bufs = rnn._scratch_bufs
    before = bufs.reuse_states
    bufs.reuse_states = True
    try:
        yield
    finally:
        bufs.reuse_states = before


def forward_train(rnn, x):
    """Forward a batch through ``rnn`` (a CPU LSTM, GRU or RNN stack from zero states) for a training step.

    Parameters
    ----------
    rnn : tsrnn.nn.LSTM, GRU or RNN
        On the CPU; its cache is set for :func:`backward_train` (or ``rnn.backward``).
    x : (B, T, I) array of the layer's dtype
        Batch-first input, already checked by the caller.

    Returns
    -------
    hs : (T+1, B, H) array
        The last layer's states, time-major, ``hs[0]`` the zero initial state and ``hs[t+1]``
        the output at step t. A reused buffer: valid until the next forward.
    """
    B, T, I = x.shape
    inp = _scratch(rnn, "x_time_major", 0, (T, B, I))
    np.copyto(inp, x.transpose(1, 0, 2))
    h0, c0 = rnn._check_state(None, B, "state")
    with reused_states(rnn):
        layers = rnn._run_layers(inp, h0, c0)
    return layers[-1]["hs"]


def backward_train(rnn, d):
    """Backpropagate the last :func:`forward_train` from the time-major gradient ``d`` of its output.

    Parameter gradients are added into ``rnn.grads``, as by ``rnn.backward``.

    Parameters
    ----------
    rnn : tsrnn.nn.LSTM, GRU or RNN
    d : (T, B, H) C-contiguous array of the layer's dtype
        Gradient of the loss with respect to ``hs[1:]``, finite (the caller's own buffer).
    """
    dh, dc = rnn._check_state(None, d.shape[1], "dstate")
    rnn._run_layers_back(d, dh, dc)
