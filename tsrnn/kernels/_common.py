"""GEMM helpers shared by the cell kernels: the parts of a layer that run over all T*B rows.

Layout inside kernels is time-major: ``x`` is ``(T, B, I)``, hidden states ``(T+1, B, H)``.
With that layout the rows of one batch chunk at one time step are contiguous, so the
recurrent matmul of a chunk is a plain BLAS call on views, without copies.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._config import JIT

__all__ = ["input_projection", "accumulate_weight_grads", "input_grad", "n_chunks"]


@njit(**JIT)
def n_chunks(B, chunk):
    """Number of fixed batch chunks of ``chunk`` rows (the last may be shorter)."""
    return (B + chunk - 1) // chunk


@njit(**JIT)
def input_projection(out, x, w_ih, b_ih):
    """``out = x @ w_ih.T + b_ih`` as one GEMM over all T*B rows.

    Parameters
    ----------
    out : (T, B, G) array, written
    x : (T, B, I) array
    w_ih : (G, I) array
    b_ih : (G,) array
    """
    T, B, I = x.shape
    G = w_ih.shape[0]
    o2 = out.reshape((T * B, G))
    np.dot(x.reshape((T * B, I)), w_ih.T, o2)
    for r in range(T * B):
        for j in range(G):
            o2[r, j] += b_ih[j]


@njit(**JIT)
def accumulate_weight_grads(dw, db, dgates, inp):
    """``dw += dgates.T @ inp`` and ``db += dgates.sum(rows)``, one GEMM over all T*B rows.

    Parameters
    ----------
    dw : (G, K) array, accumulated
    db : (G,) array, accumulated
    dgates : (T, B, G) array, gradient of the pre-activations
    inp : (T, B, K) array, what the weights multiplied (layer input or previous hidden state)
    """
    T, B, G = dgates.shape
    K = inp.shape[2]
    d2 = dgates.reshape((T * B, G))
    dw += np.dot(d2.T, inp.reshape((T * B, K)))
    # Fixed row order: the bias gradient is the same bits whatever the thread count.
    for r in range(T * B):
        for j in range(G):
            db[j] += d2[r, j]


@njit(**JIT)
def input_grad(dx, dgates, w_ih):
    """``dx = dgates @ w_ih`` over all T*B rows.

    Parameters
    ----------
    dx : (T, B, I) array, written
    dgates : (T, B, G) array
    w_ih : (G, I) array
    """
    T, B, G = dgates.shape
    I = w_ih.shape[1]
    np.dot(dgates.reshape((T * B, G)), w_ih, dx.reshape((T * B, I)))
