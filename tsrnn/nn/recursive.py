"""Closed-loop forecasts of a :class:`tsrnn.nn.RecurrentRegressor`.

On the CPU every step runs inside one kernel call per range of series chunks, the ranges in
threads (see :mod:`tsrnn.kernels.recursive` for what runs and why it is one call); a model
on the GPU runs one ``forward`` call per step.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._config import BATCH_CHUNK, PARALLEL
from .._threads import single_blas_thread
from .._validation import check_array, check_positive_int

__all__ = ["closed_loop"]


def _stacked_weights(rnn):
    """The layers' weights as the kernels take them: transposed, C-ordered, stacked per layer."""
    L, H = rnn.num_layers, rnn.hidden_size
    G = rnn._gates * H
    w = [rnn._layer_weights(k) for k in range(L)]
    w_ih0_t = np.ascontiguousarray(w[0][0].T)
    w_ihu_t = np.empty((L - 1, H, G), dtype=rnn.dtype)
    for k in range(1, L):
        w_ihu_t[k - 1] = w[k][0].T
    w_hh_t = np.empty((L, H, G), dtype=rnn.dtype)
    for k in range(L):
        w_hh_t[k] = w[k][1].T
    b_ih = np.stack([w[k][2] for k in range(L)])
    b_hh = np.stack([w[k][3] for k in range(L)])
    return w_ih0_t, w_ihu_t, w_hh_t, b_ih, b_hh


_pool = None


def _run_chunks(kernel, args, B, chunk, fast):
    """Run ``kernel(*args, chunk, c0, c1, fast)`` over all chunks of ``chunk`` rows, ranges of chunks in threads.

    The chunks are fixed by ``chunk`` alone and each is computed the same way whichever
    thread runs it, so results do not depend on the thread count (numba's, which this
    follows; ``TSRNN_PARALLEL=0`` runs everything in the calling thread).
    """
    global _pool
    import numba

    n = -(-B // chunk)
    workers = min(n, numba.get_num_threads()) if PARALLEL else 1
    with single_blas_thread():
        if workers <= 1:
            kernel(*args, chunk, 0, n, fast)
            return
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=numba.config.NUMBA_NUM_THREADS, thread_name_prefix="tsrnn")
        bounds = np.linspace(0, n, workers + 1).round().astype(int)
        jobs = [_pool.submit(kernel, *args, chunk, int(c0), int(c1), fast) for c0, c1 in itertools.pairwise(bounds)]
        for job in jobs:
            job.result()


def closed_loop(model, first, state, steps, history=None, lag=None):
    """Continue a forecast from the end of an input window, feeding every prediction back as the next input.

    Step ``k`` predicts ``value_k = y_k + history[-lag]`` (the baseline term only where
    ``lag > 0``; ``history`` grows by ``value_k``), and, before the next step, feeds
    ``value_k`` through the layers and the head to get ``y_{k+1}``. ``y_0 = first``.

    Parameters
    ----------
    model : RecurrentRegressor
        With ``input_size == output_size`` (the output is the next input).
    first : (B, O) array
        The head's output at the last step of the window (``model.forward(x)[0][:, -1]``).
    state : recurrent state after the window
        As returned by ``model.forward`` (not modified).
    steps : int
        Values to predict per series.
    history : (B, S, O) array, optional
        Last S values of every series, in the space the model predicts in; needed when
        ``lag`` has a positive entry.
    lag : (B,) int array, optional
        Baseline lag of every series, 0 <= lag <= S; zeros (no baseline) when omitted.

    Returns
    -------
    pred : (B, steps, O) float64 array

    Notes
    -----
    On the CPU every step runs inside one kernel call; a model on the GPU runs one
    ``model.forward`` call per step (``state`` may then be device arrays).
    """
    rnn, head = model.rnn, model.head
    I, O = rnn.input_size, head.out_features
    if I != O:
        raise ValueError(f"a closed loop feeds the output back as input, so input_size must equal output_size; "
                         f"got input_size={I}, output_size={O}")  # fmt: skip
    steps = check_positive_int(steps, "steps")
    dt = rnn.dtype
    on_gpu = getattr(model, "device", "cpu") != "cpu"
    if on_gpu and not isinstance(first, np.ndarray):
        first = first.copy_to_host()
    first = check_array(first, "first", (None, O), dt, letters="BO")
    B = first.shape[0]
    if not on_gpu:
        h, c = rnn._check_state(state, B, "state")
    if history is None:
        if lag is not None and np.any(np.asarray(lag) != 0):
            raise ValueError("lag has positive entries but no history was given; pass history of shape (B, S, O)")
        hist = np.zeros((B, steps, O), dtype=np.float64)
        lag = np.zeros(B, dtype=np.int64)
    else:
        history = check_array(history, "history", (B, None, O), np.float64, letters="BSO")
        S = history.shape[1]
        if lag is None:
            lag = np.zeros(B, dtype=np.int64)
        lag = check_array(np.asarray(lag, dtype=np.int64), "lag", (B,), np.int64, letters="B")
        if lag.min() < 0 or lag.max() > S:
            raise ValueError(f"lag must lie in [0, S={S}] (S = history length), got values from {lag.min()} to "
                             f"{lag.max()}")  # fmt: skip
        hist = np.empty((B, S + steps, O), dtype=np.float64)
        hist[:, :S] = history
    pred = np.empty((B, steps, O), dtype=np.float64)
    if on_gpu:
        return _step_by_step(model, pred, hist, lag, first, state)
    weights = _stacked_weights(rnn)
    head_w_t = np.ascontiguousarray(head.params["weight"].T)
    head_b = head.params["bias"]
    first = np.ascontiguousarray(first)
    h = np.array(h, dtype=dt, order="C")
    fast = rnn._fast
    if rnn._has_cell_state:
        from ..kernels.recursive import lstm_recursive

        kernel, args = lstm_recursive, (pred, hist, lag, first, h, np.array(c, dtype=dt, order="C"), *weights,
                                        head_w_t, head_b)  # fmt: skip
    elif rnn._gates == 3:
        from ..kernels.recursive import gru_recursive

        kernel, args = gru_recursive, (pred, hist, lag, first, h, *weights, head_w_t, head_b)
    else:
        from ..kernels.recursive import rnn_recursive

        kernel, args = rnn_recursive, (pred, hist, lag, first, h, *weights, head_w_t, head_b, rnn._nl_code)
    _run_chunks(kernel, args, B, BATCH_CHUNK, fast)
    return pred


def _step_by_step(model, pred, hist, lag, first, state):
    """The closed loop with one ``model.forward`` call per step (models on the GPU)."""
    B, steps, _ = pred.shape
    S = hist.shape[1] - steps
    rows = np.arange(B)
    y = first.astype(np.float64)
    for k in range(steps):
        value = y + np.where(lag[:, None] > 0, hist[rows, S + k - np.maximum(lag, 1)], 0.0)
        hist[:, S + k] = pred[:, k] = value
        if k + 1 < steps:
            out, state = model.forward(value.astype(model.dtype)[:, None, :], state)
            y = out[:, -1].astype(np.float64)
    return pred
