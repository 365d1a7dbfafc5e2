"""CovariateRegressor: recurrent layers and a dense head that also reads the covariates of the forecast steps.

The network RNNForecaster trains when it has covariates (regressors, calendar features) or a
series embedding; without them it trains a :class:`tsrnn.nn.RecurrentRegressor`.
"""

from __future__ import annotations

import numpy as np

from .embedding import Embedding
from .linear import Linear
from .model import make_recurrent

__all__ = ["CovariateRegressor"]


class CovariateRegressor:
    """Recurrent layers and a dense head, with the covariates of the forecast steps fed to the head too.

    The inputs of step t are ``[z_t, c_{t+1}, ..., c_{t+horizon}, s, series]``: the scaled
    value, the K covariates of each step the forecast covers (step-major, ``horizon * K``
    columns, as :class:`tsrnn.data.windows.WindowSampler` gives them), the static
    covariates ``s`` of the series (``n_static`` standardized numbers, then one category
    code per entry of ``static_sizes``) and, with an embedding, one column holding the
    series' position. The last ``n_past`` of the K covariates of every step are past-only
    covariates, lagged by ``horizon`` steps by the caller, so that the block of step t holds
    their values at t - horizon + 1 .. t: never a value after t.

    The recurrent layers read ``[z_t, f_{t+1}, p_t, s_num, e_cat..., e_series]``: the
    known-ahead covariates f of the first forecast step, the past-only ones p at t (the
    block's last step), the static numbers, a learned vector per static category
    (:class:`tsrnn.nn.Embedding`, one table per categorical column) and the series' learned
    vector (D values). The linear head reads ``[h_t, c_{t+1}, ..., c_{t+horizon}]``, so the
    forecast of step t + j has the covariates of step t + j (and the past-only covariates of
    the last ``horizon`` steps) at hand directly, while the state carries what the past did.
    Each embedding's gradient is the recurrent layers' input gradient of its columns, summed
    over the steps. The trainer, the optimizer and ``state_dict`` see one model (CPU only).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    n_covariates : int
        K, past-only ones included.
    horizon : int
        Forecast steps whose covariates every input step holds.
    hidden_size, output_size, num_layers : int
    dtype : numpy dtype
    seed : numpy.random.Generator, int or None
    init : str
    dropout : float
    n_series : int
        Rows of the embedding table.
    embedding_dim : int
        D; 0 for no embedding.
    n_past : int, default 0
        P <= K: the last P covariates of every step are past-only.
    n_static : int, default 0
        Static numeric columns.
    static_sizes : sequence of (int, int), default ()
        ``(categories, dim)`` of every static categorical column's embedding table.
    """

    device = "cpu"

    def __init__(self, cell, n_covariates, horizon, hidden_size, output_size, num_layers, dtype, seed, init, dropout,
                 n_series, embedding_dim, n_past=0, n_static=0, static_sizes=()):  # fmt: skip
        static_sizes = [(int(n), int(d)) for n, d in static_sizes]
        # The first three streams are those of a model without static covariates (same seed, same weights).
        if isinstance(seed, np.random.Generator):
            rnn_rng, head_rng, emb_rng, *cat_rngs = seed.spawn(3 + len(static_sizes))
        else:
            streams = np.random.SeedSequence(seed).spawn(3 + len(static_sizes))
            rnn_rng, head_rng, emb_rng, *cat_rngs = (np.random.default_rng(s) for s in streams)
        self.n_covariates, self.horizon, self.dim = int(n_covariates), int(horizon), int(embedding_dim)
        self.n_past, self.n_static = int(n_past), int(n_static)
        if not 0 <= self.n_past <= self.n_covariates:
            raise ValueError(f"n_past={n_past} must lie in [0, n_covariates={n_covariates}]")
        rnn_in = 1 + self.n_covariates + self.n_static + sum(d for _, d in static_sizes) + self.dim
        self.rnn = make_recurrent(cell, rnn_in, hidden_size, num_layers, dtype, rnn_rng, init, dropout=dropout)
        self.head = Linear(hidden_size + self.horizon * self.n_covariates, output_size, dtype=dtype, seed=head_rng)
        self.embedding = Embedding(n_series, self.dim, dtype=dtype, seed=emb_rng) if self.dim else None
        self.static_embeddings = [Embedding(n, d, dtype=dtype, seed=r) for (n, d), r in zip(static_sizes, cat_rngs)]
        self.dtype = self.rnn.dtype
        self.hidden_size = int(hidden_size)

    @property
    def input_size(self) -> int:
        return 1 + self.horizon * self.n_covariates + self.n_static + len(self.static_embeddings) + (1 if self.dim else 0)

    @property
    def output_size(self) -> int:
        return self.head.params["weight"].shape[0]

    def _modules(self):
        static = [(f"static{j}", e) for j, e in enumerate(self.static_embeddings)]
        return [("rnn", self.rnn), ("head", self.head)] + ([("embedding", self.embedding)] if self.dim else []) + static

    def _columns(self):
        """Input columns: future covariates of the first step, past-only ones of the last, static numbers, codes."""
        K, P, F = self.n_covariates, self.n_past, self.horizon * self.n_covariates
        future = slice(1, 1 + K - P)
        past = slice(1 + F - P, 1 + F)
        numbers = slice(1 + F, 1 + F + self.n_static)
        codes = 1 + F + self.n_static
        return future, past, numbers, codes

    def forward(self, x, state=None):
        B, T, _ = x.shape
        F = self.horizon * self.n_covariates
        future, past, numbers, codes = self._columns()
        parts = [x[:, :, :1], x[:, :, future], x[:, :, past], x[:, :, numbers]]
        tables = self.static_embeddings + ([self.embedding] if self.dim else [])
        for j, table in enumerate(tables):
            column = codes + j if j < len(self.static_embeddings) else x.shape[2] - 1
            vectors = table.forward(np.rint(x[:, 0, column]).astype(np.int64))
            parts.append(np.broadcast_to(vectors[:, None, :], (B, T, table.embedding_dim)))
        h, state = self.rnn.forward(np.ascontiguousarray(np.concatenate(parts, axis=2), dtype=self.dtype), state)
        self._shape = x.shape
        head_in = np.concatenate([h, x[:, :, 1 : 1 + F]], axis=2) if F else h
        return self.head.forward(np.ascontiguousarray(head_in, dtype=self.dtype)), state

    __call__ = forward

    def backward(self, dy, dstate=None):
        """Gradients of the head, the layers and the embeddings; returns dx, shaped like the inputs."""
        K, P, F = self.n_covariates, self.n_past, self.horizon * self.n_covariates
        future, past, numbers, _ = self._columns()
        d_head = self.head.backward(dy)
        d_rnn = self.rnn.backward(np.ascontiguousarray(d_head[:, :, : self.hidden_size]), dstate)
        dx = np.zeros(self._shape, dtype=d_rnn.dtype)
        dx[:, :, :1] = d_rnn[:, :, :1]
        dx[:, :, future] = d_rnn[:, :, 1 : 1 + K - P]
        dx[:, :, 1 : 1 + F] += d_head[:, :, self.hidden_size :]
        dx[:, :, past] += d_rnn[:, :, 1 + K - P : 1 + K]
        at = 1 + K + self.n_static
        dx[:, :, numbers] = d_rnn[:, :, 1 + K : at]
        for table in self.static_embeddings + ([self.embedding] if self.dim else []):
            table.backward(d_rnn[:, :, at : at + table.embedding_dim].sum(axis=1))
            at += table.embedding_dim
        return dx

    def train(self, mode=True):
        self.rnn.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self) -> None:
        for _, module in self._modules():
            module.zero_grad()

    def parameters(self) -> list:
        return [pair for _, module in self._modules() for pair in module.parameters()]

    @property
    def num_parameters(self) -> int:
        return sum(module.num_parameters for _, module in self._modules())

    def state_dict(self) -> dict:
        return {f"{name}.{k}": v for name, module in self._modules() for k, v in module.state_dict().items()}

    def load_state_dict(self, state) -> None:
        """Load :meth:`state_dict`'s arrays; on any mismatch (ValueError) the model is left as it was."""
        names = [name for name, _ in self._modules()]
        bad = [k for k in state if k.split(".", 1)[0] not in names]
        if bad:
            raise ValueError(f"state_dict has keys {bad}; expected names starting with {[n + '.' for n in names]}")
        saved = self.state_dict()
        try:
            for name, module in self._modules():
                module.load_state_dict({k[len(name) + 1 :]: v for k, v in state.items() if k.startswith(name + ".")})
        except ValueError:
            for name, module in self._modules():
                module.load_state_dict({k[len(name) + 1 :]: v for k, v in saved.items() if k.startswith(name + ".")})
            raise

