"""A learned embedding table: one trainable vector per category (for example a series id)."""

from __future__ import annotations

import numpy as np

from .._validation import check_positive_int
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """Lookup table of ``num_embeddings`` trainable vectors of size ``embedding_dim``.

    Parameters
    ----------
    num_embeddings : int
        N, number of categories (ids 0 .. N-1).
    embedding_dim : int
        D, size of each vector.
    dtype : np.float32 or np.float64
    seed : int, numpy.random.Generator or None
        Vectors start as normal(0, 0.1) draws.

    Examples
    --------
    >>> import numpy as np
    >>> e = Embedding(3, 2, seed=0)
    >>> e.forward(np.array([2, 0, 2])).shape
    (3, 2)
    """

    def __init__(self, num_embeddings, embedding_dim, dtype=np.float32, seed=None):
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self._allocate([("weight", (self.num_embeddings, self.embedding_dim))], dtype)
        rng = np.random.default_rng(seed)
        self.params["weight"][...] = rng.normal(0.0, 0.1, size=self.params["weight"].shape)
        self._ids = None

    def forward(self, ids):
        """Vectors of ``ids``.

        Parameters
        ----------
        ids : (B,) int array

        Returns
        -------
        (B, D) array
        """
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} and dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):
            raise ValueError(f"ids must lie in [0, {self.num_embeddings}), got values from {ids.min()} to {ids.max()}")
        self._ids = ids
        return self.params["weight"][ids]

    __call__ = forward

    def backward(self, dout):
        """Add the gradient of ``dout`` (B, D) into ``grads['weight']`` (rows summed in batch order)."""
        if self._ids is None:
            raise RuntimeError("Embedding.backward was called before forward")
        dout = np.asarray(dout, dtype=self.dtype)
        if dout.shape != (self._ids.size, self.embedding_dim):
            raise ValueError(f"dout has shape {dout.shape}; expected ({self._ids.size}, {self.embedding_dim})")
        np.add.at(self.grads["weight"], self._ids, dout)
