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

    The inputs of step t are ``[z_t, c_{t+1}, ..., c_{t+horizon}, series]``: the scaled
    value, the K covariates of each step the forecast covers (step-major, ``horizon * K``
    columns, as :class:`tsrnn.data.windows.WindowSampler` gives them) and, with an
    embedding, one column holding the series' position. The recurrent layers read
    ``[z_t, c_{t+1}, e_series]`` (``e_series`` the series' learned vector, D values); the
    linear head reads ``[h_t, c_{t+1}, ..., c_{t+horizon}]``, so the forecast of step
    t + j has the covariates of step t + j at hand directly (a regressor's linear effect
    is one weight) while the state carries what the past covariates did. The embedding's
    gradient is the recurrent layers' input gradient dx of its D columns, summed over the
    steps. The trainer, the optimizer and ``state_dict`` see one model (CPU only).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    n_covariates : int
        K.
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
    """

    device = "cpu"

    def __init__(self, cell, n_covariates, horizon, hidden_size, output_size, num_layers, dtype, seed, init, dropout,
                 n_series, embedding_dim):  # fmt: skip
        if isinstance(seed, np.random.Generator):
            rnn_rng, head_rng, emb_rng = seed.spawn(3)
        else:
            rnn_rng, head_rng, emb_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
        self.n_covariates, self.horizon, self.dim = int(n_covariates), int(horizon), int(embedding_dim)
        self.rnn = make_recurrent(cell, 1 + self.n_covariates + self.dim, hidden_size, num_layers, dtype, rnn_rng, init,
                                  dropout=dropout)  # fmt: skip
        self.head = Linear(hidden_size + self.horizon * self.n_covariates, output_size, dtype=dtype, seed=head_rng)
        self.embedding = Embedding(n_series, self.dim, dtype=dtype, seed=emb_rng) if self.dim else None
        self.dtype = self.rnn.dtype
        self.hidden_size = int(hidden_size)

    @property
    def input_size(self) -> int:
        return 1 + self.horizon * self.n_covariates + (1 if self.dim else 0)

    @property
    def output_size(self) -> int:
        return self.head.params["weight"].shape[0]

    def _modules(self):
        return [("rnn", self.rnn), ("head", self.head)] + ([("embedding", self.embedding)] if self.dim else [])

    def forward(self, x, state=None):
        B, T, _ = x.shape
        K, F = self.n_covariates, self.horizon * self.n_covariates
        parts = [x[:, :, : 1 + K]]
        if self.dim:
            vectors = self.embedding.forward(np.rint(x[:, 0, -1]).astype(np.int64))
            parts.append(np.broadcast_to(vectors[:, None, :], (B, T, self.dim)))
        h, state = self.rnn.forward(np.ascontiguousarray(np.concatenate(parts, axis=2), dtype=self.dtype), state)
        self._shape = x.shape
        head_in = np.concatenate([h, x[:, :, 1 : 1 + F]], axis=2) if F else h
        return self.head.forward(np.ascontiguousarray(head_in, dtype=self.dtype)), state

    __call__ = forward

    def backward(self, dy, dstate=None):
        """Gradients of the head, the layers and the embedding; returns dx, shaped like the inputs."""
        K, F = self.n_covariates, self.horizon * self.n_covariates
        d_head = self.head.backward(dy)
        d_rnn = self.rnn.backward(np.ascontiguousarray(d_head[:, :, : self.hidden_size]), dstate)
        dx = np.zeros(self._shape, dtype=d_rnn.dtype)
        dx[:, :, : 1 + K] = d_rnn[:, :, : 1 + K]
        dx[:, :, 1 : 1 + F] += d_head[:, :, self.hidden_size :]
        if self.dim:
            self.embedding.backward(d_rnn[:, :, 1 + K :].sum(axis=1))
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

