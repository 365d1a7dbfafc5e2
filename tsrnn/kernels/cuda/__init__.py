"""CUDA versions of the cell kernels (numba.cuda), their launchers, and device-side training helpers.

Layout and conventions are those of the CPU kernels (:mod:`tsrnn.kernels`): time-major
``(T, B, ...)`` arrays, ``<cell>_forward`` / ``<cell>_backward`` pairs with outputs first,
weight gradients added into the caller's buffers; here the arrays are numba device arrays.

Modules
-------
_device      ``device="cpu"|"cuda"|"auto"`` resolution and the "no CUDA GPU" error
_math        the cell equations as device functions, shared by forward and backward kernels
_blas        tiled GEMM (input projection, input and weight gradients over all T*B rows),
             fixed-order column sums, copies and transposes
_step        one launch per time step, any hidden size
_persistent  one launch for all T steps with W_hh in shared memory, built per H by a factory
cells        the launchers: ``lstm_forward``, ``lstm_backward``, ``gru_*``, ``rnn_*``
training     dense head, losses, optimizer updates, gradient norms, dropout masks on device

Importing this package does not import :mod:`numba.cuda`; the names below other than those
of ``_device`` load it on first access. Under ``NUMBA_ENABLE_CUDASIM=1`` (set before numba is
imported) every kernel runs in numba's CUDA simulator: that is how CI, which has no GPU,
checks them against the CPU kernels.
"""

from __future__ import annotations

import importlib

from ._device import (
    DEVICES,
    NO_GPU_MESSAGE,
    check_device,
    cuda_available,
    resolve_device,
)

_LAZY = {
    "cells": ("lstm_forward", "lstm_backward", "gru_forward", "gru_backward", "rnn_forward", "rnn_backward",
              "choose_path", "PATHS", "TANH", "RELU"),
    "_persistent": ("persistent_rows", "persistent_kernels"),
    "_blas": ("copy", "fill", "multiply", "swap01", "gemm"),
    "training": ("linear_forward", "linear_backward", "loss_and_grad", "sum_squares", "scale_", "adam_update",
                 "sgd_update", "dropout_mask"),
}  # fmt: skip
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = ["DEVICES", "NO_GPU_MESSAGE", "check_device", "cuda_available", "resolve_device", *_WHERE]


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
