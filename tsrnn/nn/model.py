"""A trainable sequence model: stacked recurrent layers and a dense head at every step."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._threads import single_blas_thread
from .._validation import check_array
from .linear import Linear
from .recurrent import GRU, LSTM, RNN, _is_device_array, _resolve_device
from .recursive import closed_loop

__all__ = ["RecurrentRegressor", "make_recurrent", "row_groups"]

_CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}


#: Multiply-adds of the head's product below which forward_last does not split a batch (twice a group's least).
_HEAD_PRODUCT_MIN = 1 << 22


def row_groups(n, rows, chunk):
    """``(start, stop)`` of near-equal groups of n rows, about ``rows`` each, every one starting at a multiple of chunk.

    Whole chunks are shared out as evenly as possible, the larger groups last (the last
    one is short of the rows that do not fill its last chunk), and a last group under half
    the first joins the one before: no group is much smaller than the others. One group
    when ``n <= rows``.
    """
    chunks = -(-n // chunk)
    n_groups = max(-(-chunks // max(rows // chunk, 1)), 1)
    q, r = divmod(chunks, n_groups)
    bounds, start = [], 0
    for g in range(n_groups):
        stop = min(n, start + (q + (g >= n_groups - r)) * chunk)
        bounds.append((start, stop))
        start = stop
    if len(bounds) > 1 and 2 * (bounds[-1][1] - bounds[-1][0]) < bounds[0][1] - bounds[0][0]:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _child_seeds(seed, n):
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n)
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def make_recurrent(cell, input_size, hidden_size, num_layers=1, dtype=np.float32, seed=None, init="orthogonal",
                   nonlinearity="tanh", dropout=0.0, device="cpu"):  # fmt: skip
    """Build ``RNN``, ``LSTM`` or ``GRU`` layers from a cell name.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    input_size, hidden_size, num_layers, dtype, seed, init, dropout, device :
        As for :class:`tsrnn.nn.LSTM`.
    nonlinearity : {"tanh", "relu"}
        Only for ``cell="rnn"``.
    """
    if not isinstance(cell, str) or cell.lower() not in _CELLS:
        raise ValueError(f"cell={cell!r} is not known; expected one of {sorted(_CELLS)}")
    cls = _CELLS[cell.lower()]
    if cls is RNN:
        return RNN(input_size, hidden_size, num_layers, dtype, seed, init, nonlinearity=nonlinearity, dropout=dropout,
                   device=device)  # fmt: skip
    if nonlinearity != "tanh":
        raise ValueError(f"nonlinearity={nonlinearity!r} applies to cell='rnn' only, not cell={cell!r}")
    return cls(input_size, hidden_size, num_layers, dtype, seed, init, dropout, device=device)


class RecurrentRegressor:
    """Recurrent layers followed by a dense head applied at every time step.

    ``y[b, t] = head(h_L[b, t])``: one prediction vector of size O per step, so a training
    window gives T targets rather than one (more signal per forward pass), and the last
    step's output is the forecast.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    input_size : int
        I, features per step.
    hidden_size : int
        H.
    output_size : int
        O, values predicted per step (for example the forecast horizon).
    num_layers : int, default 1
    dtype : np.float32 or np.float64
    seed : int, numpy.random.Generator or None
        Seeds both the recurrent layers and the head (independent child streams).
    init : {"orthogonal", "torch"}
    nonlinearity : {"tanh", "relu"}
        For ``cell="rnn"`` only.
    dropout : float in [0, 1)
        Between stacked layers, in training mode only (see :meth:`train`).
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where the parameters, gradients and activations live (resolved once, for the layers
        and the head together). On ``"cuda"``, :meth:`forward` and :meth:`backward` answer on
        the side their input came from: NumPy in, NumPy out (predictions come back as NumPy),
        device arrays in, device arrays out; :meth:`parameters` are device buffers, which
        :class:`tsrnn.nn.Adam`, :class:`tsrnn.nn.SGD` and :class:`tsrnn.nn.TBPTTTrainer`
        update on the device; :meth:`state_dict` returns NumPy copies. ``"cuda"`` without a
        GPU raises ``RuntimeError`` ("no CUDA GPU found; use device='cpu'"); ``"auto"`` takes
        the GPU when numba sees one and the CPU otherwise, silently. Same seed, same initial
        weights on either device.

    Attributes
    ----------
    device : str
        ``"cpu"`` or ``"cuda"``, the device chosen.

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.nn import RecurrentRegressor
    >>> m = RecurrentRegressor("gru", input_size=1, hidden_size=8, output_size=3, seed=0)
    >>> y, h = m.forward(np.zeros((4, 10, 1), np.float32))
    >>> y.shape, h.shape
    ((4, 10, 3), (1, 4, 8))
    """

    def __init__(self, cell, input_size, hidden_size, output_size, num_layers=1, dtype=np.float32, seed=None,
                 init="orthogonal", nonlinearity="tanh", dropout=0.0, device="cpu"):  # fmt: skip
        rnn_rng, head_rng = _child_seeds(seed, 2)
        self.cell = cell.lower() if isinstance(cell, str) else cell
        self.device = _resolve_device(device)
        self.rnn = make_recurrent(cell, input_size, hidden_size, num_layers, dtype, rnn_rng, init, nonlinearity, dropout,
                                  self.device)  # fmt: skip
        self.head = Linear(hidden_size, output_size, dtype=dtype, seed=head_rng, device=self.device)
        self.dtype = self.rnn.dtype

    @property
    def input_size(self) -> int:
        return self.rnn.input_size

    @property
    def output_size(self) -> int:
        return self.head.params["weight"].shape[0]

    def forward(self, x, state=None):
        """Predict at every step.

        Parameters
        ----------
        x : (B, T, I) array
        state : recurrent state, optional
            As for :meth:`tsrnn.nn.LSTM.forward`.

        Returns
        -------
        y : (B, T, O) array
        state : final recurrent state
            On ``device="cuda"``: NumPy arrays when ``x`` is NumPy, device arrays when it is
            a device array.
        """
        if self.device == "cuda":
            return self._forward_cuda(x, state)
        # The head's GEMM too runs on one BLAS thread: a multi-threaded OpenBLAS call leaves its
        # threads spinning for a while afterwards, taking cores from the next kernels' threads.
        with single_blas_thread():
            h, state = self.rnn.forward(x, state)
            return self.head.forward(h), state

    __call__ = forward

    def forward_last(self, x, rows=None):
        """The output at the last step of every sequence, the network run on groups of ``rows`` sequences.

        Bit for bit ``forward(x)[0][:, -1]``: the groups start at multiples of the kernels'
        batch chunk (:data:`tsrnn._config.BATCH_CHUNK`), so the recurrent kernels split the
        rows as one forward does; and every group's head product keeps at least about 2**21
        multiply-adds (groups of at least ``rows / 2`` rows, more for a small network), a
        large matrix product, whose rows BLAS computes the same way whatever their number
        (small products take other kernels, which round differently). The memory of the
        activations is that of a group, whatever B.

        Parameters
        ----------
        x : (B, T, I) array
        rows : int, optional
            Sequences per forward pass; default :data:`tsrnn._config.PREDICT_ROWS`.

        Returns
        -------
        (B, O) array
        """
        from .. import _config

        B, T = x.shape[:2]
        per_row = max(T * self.rnn.hidden_size * self.output_size, 1)
        rows = max(rows or _config.PREDICT_ROWS, -(-_HEAD_PRODUCT_MIN // per_row))
        groups = row_groups(B, rows, _config.BATCH_CHUNK)
        if len(groups) == 1 or self.device == "cuda" or (self.rnn.training and self.rnn.dropout > 0):
            return self.forward(x)[0][:, -1]  # (dropout masks are drawn for the whole batch at once)
        last = None
        for start, stop in groups:
            out = self.forward(x[start:stop])[0]
            if last is None:
                last = np.empty((x.shape[0], out.shape[2]), out.dtype)
            last[start:stop] = out[:, -1]
        return last

    def forecast(self, x, steps, state=None):
        """Closed-loop forecast: read ``x``, then feed every prediction back as the next input.

        Needs ``input_size == output_size``. On the CPU the steps after the window run in one
        kernel call (:func:`tsrnn.nn.recursive.closed_loop`); on the GPU, one :meth:`forward` call per step.

        Parameters
        ----------
        x : (B, T, I) array
            Input windows.
        steps : int
            Values to predict per sequence.
        state : recurrent state, optional
            Initial state, as for :meth:`forward`.

        Returns
        -------
        pred : (B, steps, O) float64 array
            ``pred[:, 0]`` is the output at the last step of ``x``; ``pred[:, k]`` the output
            after ``pred[:, k-1]`` was fed in.

        Examples
        --------
        >>> import numpy as np
        >>> from tsrnn.nn import RecurrentRegressor
        >>> m = RecurrentRegressor("lstm", 1, 8, 1, seed=0)
        >>> m.forecast(np.zeros((2, 10, 1), np.float32), steps=5).shape
        (2, 5, 1)
        """
        if self.input_size != self.output_size:
            raise ValueError(f"forecast feeds the output back as input, so input_size must equal output_size; got "
                             f"input_size={self.input_size}, output_size={self.output_size}")  # fmt: skip
        out, state = self.forward(x, state)
        return closed_loop(self, out[:, -1], state, steps)

    def backward(self, dy, dstate=None):
        """Backpropagate ``dy`` (B, T, O) through the head and the layers; returns dx (B, T, I)."""
        if self.device == "cuda" and not _is_device_array(dy):
            from numba import cuda

            B, T = self.head._x[1][:2] if self.head._x is not None else (None, None)
            dy = check_array(dy, "dy", (B, T, self.output_size), self.dtype, letters="BTO")
            return self.rnn.backward(self.head.backward(cuda.to_device(dy)), dstate).copy_to_host()
        with single_blas_thread():
            dh = self.head.backward(dy)
            return self.rnn.backward(dh, dstate)

    def _forward_cuda(self, x, state):
        """Everything on the device; one copy of ``x`` up and of ``y`` and the state down when ``x`` is NumPy."""
        if _is_device_array(x):
            h, state = self.rnn.forward(x, state)
            return self.head.forward(h), state
        from numba import cuda

        x = check_array(x, "x", (None, None, self.input_size), self.dtype, letters="BTI")
        h, state = self.rnn.forward(cuda.to_device(np.ascontiguousarray(x)), state)
        y = self.head.forward(h).copy_to_host()
        if isinstance(state, tuple):
            return y, tuple(s.copy_to_host() for s in state)
        return y, state.copy_to_host()

    def train(self, mode=True):
        """Training mode (dropout on) or, with ``mode=False``, inference mode; returns self."""
        self.rnn.train(mode)
        return self

    def eval(self):
        """Inference mode (dropout off); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        self.rnn.zero_grad()
        self.head.zero_grad()

    def parameters(self) -> list:
        """Flat ``(params, grads)`` buffer pairs of the layers and the head, for an optimizer."""
        return self.rnn.parameters() + self.head.parameters()

    @property
    def num_parameters(self) -> int:
        return self.rnn.num_parameters + self.head.num_parameters

    def state_dict(self) -> dict:
        """Parameters as ``{"rnn.<name>": array, "head.<name>": array}`` (copies)."""
        out = {f"rnn.{k}": v for k, v in self.rnn.state_dict().items()}
        out.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
        return out

    def load_state_dict(self, state: Mapping) -> None:
        """Load parameters saved by :meth:`state_dict`; names, shapes and dtypes are checked."""
        if not isinstance(state, Mapping):
            raise ValueError(f"state must be a mapping of names to arrays, got {type(state).__name__}")
        bad = [k for k in state if not (k.startswith("rnn.") or k.startswith("head."))]
        if bad:
            raise ValueError(f"state_dict has keys {bad}; expected names starting with 'rnn.' or 'head.'")
        rnn = {k[4:]: v for k, v in state.items() if k.startswith("rnn.")}
        head = {k[5:]: v for k, v in state.items() if k.startswith("head.")}
        # Check both before changing either, so a bad file leaves the model as it was.
        saved = self.rnn.state_dict()
        self.rnn.load_state_dict(rnn)
        try:
            self.head.load_state_dict(head)
        except ValueError:
            self.rnn.load_state_dict(saved)
            raise
