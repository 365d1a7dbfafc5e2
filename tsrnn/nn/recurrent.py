"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` over the numba kernels.

Parameters carry PyTorch's names, shapes and gate order, so a layer can be checked against,
or loaded from, ``torch.nn.LSTM(..., batch_first=True)``::

    weight_ih_l{k}  (G*H, I) for k = 0, (G*H, H) above
    weight_hh_l{k}  (G*H, H)
    bias_ih_l{k}    (G*H,)
    bias_hh_l{k}    (G*H,)

with G = 1 (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: gates r, z, n).

Initialization
--------------
``init="orthogonal"`` (the default) answers the known sensitivity of RNN training to
initial weights: every gate block of ``weight_hh`` is an orthogonal H x H matrix, so
repeated multiplication neither shrinks nor blows up the hidden state at the start of
training (Saxe et al., 2014); every gate block of ``weight_ih`` is Glorot-uniform; biases are
zero except the LSTM forget gate, set to 1 so the cell remembers by default
(Jozefowicz et al., 2015). This is also Keras' default. ``init="torch"`` draws every
parameter from uniform(-1/sqrt(H), 1/sqrt(H)) as PyTorch does.

Devices
-------
``device="cpu"`` (the default) runs the numba CPU kernels on NumPy arrays. ``device="cuda"``
keeps the parameters, gradients and every activation as numba device arrays and runs the
kernels of :mod:`tsrnn.kernels.cuda`; it raises ``RuntimeError`` ("no CUDA GPU found; use
device='cpu'") where numba finds no GPU. ``device="auto"`` takes the GPU when there is one
and the CPU otherwise, silently. The ``device`` attribute holds the device chosen.

On the GPU, ``forward`` and ``backward`` answer on the side their input came from: NumPy
in, NumPy out (one copy each way), or device arrays in (anything with
``__cuda_array_interface__``), device arrays out, for training loops that keep everything
on the GPU. ``params``, ``grads``, ``flat_params`` and ``flat_grads`` are device arrays;
``state_dict`` returns NumPy copies and ``load_state_dict`` takes NumPy arrays, as on the CPU.
The device side of the layer loop (checks of device arrays, layout moves, dropout masks)
lives in :mod:`tsrnn.nn.recurrent_cuda`; each cell's kernel calls for both devices stay here.
"""

from __future__ import annotations

import threading


import numpy as np

from .._config import BATCH_CHUNK, FAST_ACTIVATIONS_FLOAT32, FAST_ACTIVATIONS_FLOAT64
from .._threads import single_blas_thread
from .._validation import check_array, check_positive_int
from .device import resolve_device as _resolve_device
from .module import Module
from .recurrent_cuda import _as_device_array, _CudaPath, _is_device_array  # noqa: F401 - the first and last are re-exported

__all__ = ["RNN", "LSTM", "GRU"]

_INITS = ("orthogonal", "torch")


def _orthogonal(rng, n, dtype):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    # Sign fix makes the draw uniform over orthogonal matrices (Mezzadri, 2007).
    return (q * np.sign(np.diag(r))).astype(dtype)


class _Recurrent(Module, _CudaPath):
    """Stacked recurrent layers; subclasses set the gate count and call the kernels."""

    _gates = 1
    _has_cell_state = False

    #: Recurrent kernel on the GPU: "auto", "persistent" or "step" (see tsrnn.kernels.cuda.cells).
    _cuda_path = "auto"

    def __init__(self, input_size, hidden_size, num_layers=1, dtype=np.float32, seed=None, init="orthogonal",
                 dropout=0.0, device="cpu"):  # fmt: skip
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        if init not in _INITS:
            raise ValueError(f"init={init!r} is not known; expected one of {_INITS}")
        self.init = init
        self.seed = seed
        if not (isinstance(dropout, (int, float, np.floating)) and 0.0 <= dropout < 1.0):
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        self.device = _resolve_device(device)
        self.training = False
        G, H = self._gates * self.hidden_size, self.hidden_size
        specs = []
        for k in range(self.num_layers):
            fan_in = self.input_size if k == 0 else H
            specs += [
                (f"weight_ih_l{k}", (G, fan_in)),
                (f"weight_hh_l{k}", (G, H)),
                (f"bias_ih_l{k}", (G,)),
                (f"bias_hh_l{k}", (G,)),
            ]
        self._allocate(specs, dtype)
        # Fast activations (tsrnn.kernels.activations): float32 everywhere, float64 on the CPU
        # only (the CUDA kernels have no float64 fast form).
        self._fast = bool(
            (self.dtype == np.float32 and FAST_ACTIVATIONS_FLOAT32)
            or (self.dtype == np.float64 and FAST_ACTIVATIONS_FLOAT64 and self.device == "cpu")
        )
        self._cache = None
        self._scratch_bufs = _PerThread()  # reused gate buffers, one set per thread, see _scratch
        if self.device == "cuda":
            self._move_to_gpu()
        self.reset_parameters(seed)

    # ------------------------------------------------------------------ parameters
    def reset_parameters(self, seed=None) -> None:
        """Draw fresh parameters with the layer's ``init`` scheme.

        Parameters
        ----------
        seed : int, numpy.random.Generator or None
            Same seed, same parameters, bit for bit.
        """
        rng = np.random.default_rng(seed)
        # Dropout masks come from their own stream, so they never shift the initialization.
        self._dropout_rng = np.random.default_rng(rng.spawn(1)[0])
        with self._host_params() as params:
            self._draw_parameters(rng, params)

    def _draw_parameters(self, rng, params):
        H = self.hidden_size
        for k in range(self.num_layers):
            w_ih = params[f"weight_ih_l{k}"]
            w_hh = params[f"weight_hh_l{k}"]
            b_ih = params[f"bias_ih_l{k}"]
            b_hh = params[f"bias_hh_l{k}"]
            if self.init == "torch":
                bound = 1.0 / np.sqrt(H)
                for p in (w_ih, w_hh, b_ih, b_hh):
                    p[...] = rng.uniform(-bound, bound, size=p.shape)
                continue
            fan_in = w_ih.shape[1]
            bound = np.sqrt(6.0 / (fan_in + H))
            for gate in range(self._gates):
                w_ih[gate * H : (gate + 1) * H] = rng.uniform(-bound, bound, size=(H, fan_in))
                w_hh[gate * H : (gate + 1) * H] = _orthogonal(rng, H, self.dtype)
            b_ih[...] = 0
            b_hh[...] = 0
            if self._has_cell_state:
                b_ih[H : 2 * H] = 1.0

    def train(self, mode=True):
        """Switch dropout on (``mode=True``) or off; returns self."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Switch dropout off (inference); returns self."""
        return self.train(False)

    # ----------------------------------------------------------------- validation
    def _check_input(self, x):
        return check_array(x, "x", (None, None, self.input_size), self.dtype, letters="BTI")

    def _zero_state(self, B):
        h = np.zeros((self.num_layers, B, self.hidden_size), dtype=self.dtype)
        return (h, h.copy()) if self._has_cell_state else h

    def _check_state(self, state, B, name):
        """Return the state as ``(h, c)`` (c None without a cell state), validated."""
        if state is None:
            state = self._zero_state(B)
        shape = (self.num_layers, B, self.hidden_size)
        if self._has_cell_state:
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise ValueError(
                    f"{name} for an LSTM must be a tuple (h, c) of two arrays of shape (L={shape[0]}, "
                    f"B={B}, H={shape[2]}), got {type(state).__name__}"
                )
            h = check_array(state[0], f"{name}[0] (h)", shape, self.dtype, letters="LBH")
            c = check_array(state[1], f"{name}[1] (c)", shape, self.dtype, letters="LBH")
            return h, c
        if isinstance(state, (tuple, list)):
            raise ValueError(f"{name} for {type(self).__name__} is one array h of shape {shape}, got a {type(state).__name__}")
        return check_array(state, name, shape, self.dtype, letters="LBH"), None

    def _pack_state(self, h, c):
        return (h, c) if self._has_cell_state else h

    # ------------------------------------------------------------------- forward
    def forward(self, x, state=None):
        """Run the layers over a batch of sequences.

        Parameters
        ----------
        x : (B, T, I) array of the layer's dtype
            Batch-first input, like ``torch.nn.LSTM(batch_first=True)``.
        state : (L, B, H) array, or tuple of two for LSTM, optional
            Initial hidden state ``h`` (and cell state ``c`` for LSTM). Zeros when omitted.

        Returns
        -------
        out : (B, T, H) array
            Hidden state of the last layer at every step.
        state : (L, B, H) array, or tuple ``(h, c)`` for LSTM
            Final state of every layer.
        """
        if self.device == "cuda":
            return self._forward_cuda(x, state)
        x = self._check_input(x)
        B, T, _ = x.shape
        if B == 0 or T == 0:
            raise ValueError(f"x has shape {x.shape}; expected at least one sequence (B >= 1) of one step (T >= 1)")
        h0, c0 = self._check_state(state, B, "state")
        layers = self._run_layers(np.ascontiguousarray(x.transpose(1, 0, 2)), h0, c0)
        out = np.ascontiguousarray(layers[-1]["top"].transpose(1, 0, 2))
        h = np.stack([c["hs"][T] for c in layers])
        c = np.stack([c["cs"][T] for c in layers]) if self._has_cell_state else None
        return out, self._pack_state(h, c)

    __call__ = forward

    def _run_layers(self, inp, h0, c0):
        """The CPU layer loop of :meth:`forward` on the time-major input ``inp`` (T, B, I); sets and returns the cache.

        The last layer's cache gets ``"top"``: its output (T, B, H), a view of its states.
        """
        layers = []
        with single_blas_thread():
            for k in range(self.num_layers):
                cache = self._layer_forward(k, inp, h0[k], None if c0 is None else c0[k])
                layers.append(cache)
                inp = cache["hs"][1:]
                if self.training and self.dropout > 0 and k < self.num_layers - 1:
                    keep = 1.0 - self.dropout
                    mask = (self._dropout_rng.random(inp.shape) < keep).astype(self.dtype) / self.dtype.type(keep)
                    cache["mask"] = mask
                    inp = inp * mask
        layers[-1]["top"] = inp
        self._cache = layers
        return layers

    def _layer_weights(self, k):
        p = self.params
        return p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], p[f"bias_ih_l{k}"], p[f"bias_hh_l{k}"]

    def _layer_grads(self, k):
        g = self.grads
        return g[f"weight_ih_l{k}"], g[f"weight_hh_l{k}"], g[f"bias_ih_l{k}"], g[f"bias_hh_l{k}"]

    # ------------------------------------------------------------------ backward
    def backward(self, dout, dstate=None, return_dstate=False, _checked=False):
        """Backpropagate through the last :meth:`forward` call.

        Parameter gradients are *added* into :attr:`grads` (call :meth:`zero_grad` between
        steps).

        Parameters
        ----------
        dout : (B, T, H) array
            Gradient of the loss with respect to ``out``.
        dstate : like the returned state, optional
            Gradient with respect to the final state; zeros when omitted.
        return_dstate : bool
            Also return the gradient with respect to the initial state.

        Returns
        -------
        dx : (B, T, I) array
            Gradient with respect to ``x``.
        dstate0 : like ``state``
            Only when ``return_dstate`` is true.
        """
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward")
        if self.device == "cuda":
            return self._backward_cuda(dout, dstate, return_dstate)
        T, B = self._cache[0]["x"].shape[:2]
        if not _checked:  # the fused training step passes its own, finite, (B, T, H) buffer
            dout = check_array(dout, "dout", (B, T, self.hidden_size), self.dtype, letters="BTH")
        dh, dc = self._check_state(dstate, B, "dstate")
        d, dh0, dc0 = self._run_layers_back(np.ascontiguousarray(dout.transpose(1, 0, 2)), dh, dc)
        dx = np.ascontiguousarray(d.transpose(1, 0, 2))
        if return_dstate:
            return dx, self._pack_state(dh0, dc0)
        return dx

    def _run_layers_back(self, d, dh, dc):
        """The CPU layer loop of :meth:`backward` from the time-major ``d`` (T, B, H); returns (dx, dh0, dc0), dx time-major."""
        dh0 = np.empty_like(dh)
        dc0 = np.empty_like(dc) if dc is not None else None
        with single_blas_thread():
            for k in reversed(range(self.num_layers)):
                d = self._layer_backward(
                    k, self._cache[k], d, dh[k], None if dc is None else dc[k], dh0[k], None if dc0 is None else dc0[k]
                )
                if k > 0 and "mask" in self._cache[k - 1]:
                    d = d * self._cache[k - 1]["mask"]
        return d, dh0, dc0

    def _layer_forward(self, k, x, h0, c0):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_backward(self, k, cache, dhs, dhT, dcT, dh0, dc0):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_forward_cuda(self, k, x, h0, c0):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_backward_cuda(self, k, cache, dhs, dhT, dcT, dh0, dc0):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        device = "" if self.device == "cpu" else f", device={self.device!r}"
        return (
            f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"num_layers={self.num_layers}, dtype=np.{self.dtype.name}{device})"
        )


class _PerThread(threading.local):
    """A dict of scratch buffers per thread; copies and pickles start empty (buffers are never state)."""

    def __init__(self):
        self.bufs = {}
        self.reuse_states = False  # see tsrnn.nn.recurrent_train.reused_states

    def __reduce__(self):
        return (_PerThread, ())


def _scratch(layer, name, k, shape):
    """A buffer of ``shape`` that ``layer`` reuses from call to call (never handed to the caller).

    Allocating the gate activations and gate gradients afresh on every call made glibc map and
    unmap them each time (hundreds of page faults per GRU forward+backward at H=64, about a
    third of its CPU time); kept per layer index and name, they are reallocated only when the
    batch shape changes. Each thread has its own set, so threads forecasting with one fitted
    model at once never write into each other's gate activations.
    """
    bufs = layer._scratch_bufs.bufs
    buf = bufs.get((name, k))
    if buf is None or buf.shape != shape:
        buf = bufs[(name, k)] = np.empty(shape, dtype=layer.dtype)
    return buf


def _empty_states(layer, name, k, x, h0):
    """The (T+1, B, H) states of layer ``k`` with ``h0`` in row 0: a new array, or within
    :func:`tsrnn.nn.recurrent_train.reused_states` a buffer reused from call to call (as :func:`_scratch`)."""
    T, B, _ = x.shape
    shape = (T + 1, B, layer.hidden_size)
    hs = _scratch(layer, name, k, shape) if layer._scratch_bufs.reuse_states else np.empty(shape, dtype=layer.dtype)
    hs[0] = h0
    return hs


class LSTM(_Recurrent):
    """Long short-term memory layers (PyTorch's equations, names and gate order i, f, g, o).

    Parameters
    ----------
    input_size : int
        I, features per time step.
    hidden_size : int
        H, units per layer.
    num_layers : int, default 1
        L, stacked layers; layer k > 0 takes layer k-1's output.
    dtype : np.float32 or np.float64, default np.float32
    seed : int, numpy.random.Generator or None
        Seed of the initialization.
    init : {"orthogonal", "torch"}, default "orthogonal"
        See the module docstring.
    dropout : float in [0, 1), default 0
        Dropout on the outputs of every layer but the last, applied only in training mode
        (:meth:`train`), as ``torch.nn.LSTM(dropout=...)``. Masks are drawn from a stream
        seeded by ``seed``, so training stays reproducible (on the GPU they are drawn on the
        device, from seeds taken from that stream: reproducible too, but not the CPU's masks).
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where parameters, activations and kernels live; see the module docstring.
        ``"cuda"`` without a GPU raises ``RuntimeError``; ``"auto"`` falls back to the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.nn import LSTM
    >>> lstm = LSTM(1, 8, seed=0)
    >>> out, (h, c) = lstm.forward(np.zeros((2, 5, 1), np.float32))
    >>> out.shape, h.shape, c.shape
    ((2, 5, 8), (1, 2, 8), (1, 2, 8))
    """

    _gates = 4
    _has_cell_state = True

    def _layer_forward(self, k, x, h0, c0):
        from ..kernels.lstm import lstm_forward

        T, B, _ = x.shape
        H = self.hidden_size
        hs = _empty_states(self, "hs", k, x, h0)
        cs = _empty_states(self, "cs", k, x, c0)
        acts = _scratch(self, "acts", k, (T, B, 4 * H))
        lstm_forward(hs, cs, acts, x, *self._layer_weights(k), BATCH_CHUNK, self._fast)
        return {"x": x, "hs": hs, "cs": cs, "acts": acts}

    def _layer_backward(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.lstm import lstm_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = np.empty_like(x)
        dgates = _scratch(self, "dgates", k, cache["acts"].shape)
        lstm_backward(
            dx, *self._layer_grads(k), dh0, dc0, dgates, dhs, dhT, dcT,
            x, cache["hs"], cache["cs"], cache["acts"], w_ih, w_hh, BATCH_CHUNK, self._fast,
        )  # fmt: skip
        return dx

    def _layer_forward_cuda(self, k, x, h0, c0):
        from ..kernels.cuda.cells import lstm_forward

        T, B, _ = x.shape
        hs = self._device_states(T, B, h0)
        cs = self._device_states(T, B, c0)
        acts = self._device_empty(T, B, 4 * self.hidden_size)
        lstm_forward(hs, cs, acts, x, *self._layer_weights(k), self._fast, self._cuda_path)
        return {"x": x, "hs": hs, "cs": cs, "acts": acts}

    def _layer_backward_cuda(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.cuda.cells import lstm_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = self._device_empty(*x.shape)
        dgates = self._device_empty(*cache["acts"].shape)
        lstm_backward(
            dx, *self._layer_grads(k), dh0, dc0, dgates, dhs, dhT, dcT,
            x, cache["hs"], cache["cs"], cache["acts"], w_ih, w_hh, self._fast, self._cuda_path,
        )  # fmt: skip
        return dx


class GRU(_Recurrent):
    """Gated recurrent unit layers (PyTorch's equations, names and gate order r, z, n).

    ``b_hn`` sits inside the reset gate's product: ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, dtype, seed, init, dropout, device :
        As for :class:`LSTM`.
    """

    _gates = 3

    def _layer_forward(self, k, x, h0, c0):
        from ..kernels.gru import gru_forward

        T, B, _ = x.shape
        H = self.hidden_size
        hs = _empty_states(self, "hs", k, x, h0)
        acts = _scratch(self, "acts", k, (T, B, 3 * H))
        hn = _scratch(self, "hn", k, (T, B, H))
        gru_forward(hs, acts, hn, x, *self._layer_weights(k), BATCH_CHUNK, self._fast)
        return {"x": x, "hs": hs, "acts": acts, "hn": hn}

    def _layer_backward(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.gru import gru_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = np.empty_like(x)
        dgx = _scratch(self, "dgx", k, cache["acts"].shape)
        dgh = _scratch(self, "dgh", k, cache["acts"].shape)
        gru_backward(
            dx, *self._layer_grads(k), dh0, dgx, dgh, dhs, dhT,
            x, cache["hs"], cache["acts"], cache["hn"], w_ih, w_hh, BATCH_CHUNK,
        )  # fmt: skip
        return dx

    def _layer_forward_cuda(self, k, x, h0, c0):
        from ..kernels.cuda.cells import gru_forward

        T, B, _ = x.shape
        H = self.hidden_size
        hs = self._device_states(T, B, h0)
        acts = self._device_empty(T, B, 3 * H)
        hn = self._device_empty(T, B, H)
        gru_forward(hs, acts, hn, x, *self._layer_weights(k), self._fast, self._cuda_path)
        return {"x": x, "hs": hs, "acts": acts, "hn": hn}

    def _layer_backward_cuda(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.cuda.cells import gru_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = self._device_empty(*x.shape)
        dgx = self._device_empty(*cache["acts"].shape)
        dgh = self._device_empty(*cache["acts"].shape)
        gru_backward(
            dx, *self._layer_grads(k), dh0, dgx, dgh, dhs, dhT,
            x, cache["hs"], cache["acts"], cache["hn"], w_ih, w_hh, self._cuda_path,
        )  # fmt: skip
        return dx


class RNN(_Recurrent):
    """Vanilla (Elman) recurrent layers, ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, dtype, seed, init, dropout, device :
        As for :class:`LSTM`.
    nonlinearity : {"tanh", "relu"}, default "tanh"
    """

    _gates = 1

    def __init__(
        self, input_size, hidden_size, num_layers=1, dtype=np.float32, seed=None, init="orthogonal", nonlinearity="tanh",
        dropout=0.0, device="cpu",
    ):  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity={nonlinearity!r} is not known; expected 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, dtype, seed, init, dropout, device)

    @property
    def _nl_code(self):
        from ..kernels.rnn import RELU, TANH

        return RELU if self.nonlinearity == "relu" else TANH

    def _layer_forward(self, k, x, h0, c0):
        from ..kernels.rnn import rnn_forward

        T, B, _ = x.shape
        H = self.hidden_size
        hs = _empty_states(self, "hs", k, x, h0)
        pre = _scratch(self, "pre", k, (T, B, H))
        rnn_forward(hs, pre, x, *self._layer_weights(k), self._nl_code, BATCH_CHUNK, self._fast)
        return {"x": x, "hs": hs}

    def _layer_backward(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.rnn import rnn_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = np.empty_like(x)
        dgates = _scratch(self, "dgates", k, (x.shape[0], x.shape[1], self.hidden_size))
        rnn_backward(
            dx, *self._layer_grads(k), dh0, dgates, dhs, dhT, x, cache["hs"], w_ih, w_hh, self._nl_code, BATCH_CHUNK
        )
        return dx

    def _layer_forward_cuda(self, k, x, h0, c0):
        from ..kernels.cuda.cells import rnn_forward

        T, B, _ = x.shape
        hs = self._device_states(T, B, h0)
        pre = self._device_empty(T, B, self.hidden_size)
        rnn_forward(hs, pre, x, *self._layer_weights(k), self._nl_code, self._fast, self._cuda_path)
        return {"x": x, "hs": hs}

    def _layer_backward_cuda(self, k, cache, dhs, dhT, dcT, dh0, dc0):
        from ..kernels.cuda.cells import rnn_backward

        x = cache["x"]
        w_ih, w_hh, _, _ = self._layer_weights(k)
        dx = self._device_empty(*x.shape)
        dgates = self._device_empty(x.shape[0], x.shape[1], self.hidden_size)
        rnn_backward(
            dx, *self._layer_grads(k), dh0, dgates, dhs, dhT, x, cache["hs"], w_ih, w_hh, self._nl_code, self._cuda_path
        )
        return dx

    def __repr__(self):
        return super().__repr__()[:-1] + f", nonlinearity={self.nonlinearity!r})"
