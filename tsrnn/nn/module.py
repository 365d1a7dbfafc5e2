"""Flat parameter storage and the small base class every layer shares.

Following llm.c, a module's parameters live in one contiguous buffer and its gradients in
another of the same layout; each named parameter is a view into them. Zeroing, the
optimizer step, gradient clipping and saving are then single loops over flat arrays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import numpy as np

from .._config import SUPPORTED_DTYPES

__all__ = ["Module", "check_dtype"]


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype, or raise if tsrnn has no kernels for it."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype={dtype!r} is not a NumPy dtype; expected np.float32 or np.float64") from None
    if dt not in SUPPORTED_DTYPES:
        raise ValueError(f"dtype={dt} is not supported; expected np.float32 or np.float64")
    return dt


class Module:
    """Base of tsrnn's layers: named parameters as views into one flat buffer.

    Subclasses call :meth:`_allocate` once with the names and shapes of their parameters,
    then fill ``self.params[name]`` in place.

    Attributes
    ----------
    flat_params : (P,) array
        Every parameter, concatenated in declaration order.
    flat_grads : (P,) array
        Gradients, same layout; ``backward`` adds into them.
    params : dict of str to array
        Named views into ``flat_params`` with their natural shapes.
    grads : dict of str to array
        Named views into ``flat_grads``.
    """

    dtype: np.dtype
    #: Where the parameters live; layers with a ``device=`` argument set it, every other
    #: module (Linear, Embedding, ...) is a host module unless moved.
    device: str = "cpu"

    def _allocate(self, specs, dtype) -> None:
        self.dtype = check_dtype(dtype)
        total = sum(int(np.prod(shape)) for _, shape in specs)
        self.flat_params = np.zeros(total, dtype=self.dtype)
        self.flat_grads = np.zeros(total, dtype=self.dtype)
        self.params = {}
        self.grads = {}
        offset = 0
        for name, shape in specs:
            size = int(np.prod(shape))
            self.params[name] = self.flat_params[offset : offset + size].reshape(shape)
            self.grads[name] = self.flat_grads[offset : offset + size].reshape(shape)
            offset += size

    @property
    def num_parameters(self) -> int:
        """Number of scalar parameters."""
        return int(self.flat_params.size)

    def state_dict(self) -> dict:
        """Copies of the parameters, keyed by PyTorch-compatible names.

        Returns
        -------
        dict of str to ndarray
        """
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state: Mapping) -> None:
        """Copy parameters from ``state`` into this module (also onto the GPU).

        Every name must be present, with the same shape and dtype; nothing is changed
        unless all of them check out. Non-finite values are refused.

        Parameters
        ----------
        state : mapping of str to array_like
            For example ``{k: v.detach().numpy() for k, v in torch_module.state_dict().items()}``.
        """
        if self.device == "cpu":
            self._load_into_params(state)
            return
        with self._host_params() as host:
            device_views, self.params = self.params, host
            try:
                self._load_into_params(state)
            finally:
                self.params = device_views

    def _load_into_params(self, state: Mapping) -> None:
        """Check ``state`` whole, then copy it into the (host) arrays of :attr:`params`."""
        if not isinstance(state, Mapping):
            raise ValueError(f"state must be a mapping of parameter names to arrays, got {type(state).__name__}")
        missing = [name for name in self.params if name not in state]
        unexpected = [name for name in state if name not in self.params]
        if missing or unexpected:
            raise ValueError(
                f"state_dict keys do not match {type(self).__name__}: missing {missing}, unexpected {unexpected}"
            )
        checked = {}
        for name, target in self.params.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(f"state_dict[{name!r}] has shape {value.shape}, expected {target.shape}")
            if value.dtype != self.dtype:
                raise ValueError(
                    f"state_dict[{name!r}] has dtype {value.dtype}, expected {self.dtype} "
                    f"(cast it with .astype(np.{self.dtype.name}))"
                )
            if not np.all(np.isfinite(value)):
                raise ValueError(f"state_dict[{name!r}] contains NaN or inf")
            checked[name] = value
        for name, value in checked.items():
            self.params[name][...] = value

    def zero_grad(self) -> None:
        """Set every gradient to zero."""
        if self.device != "cpu":
            from ..kernels.cuda._blas import fill

            fill(self.flat_grads, 0)
            return
        self.flat_grads[...] = 0

    # ------------------------------------------------------------- device storage
    def _move_to_gpu(self):
        """Replace the flat host buffers by device buffers, with named device views."""
        from numba import cuda

        self._layout = []
        offset = 0
        for name, p in self.params.items():
            self._layout.append((name, offset, p.shape))
            offset += p.size
        self.flat_params = cuda.to_device(self.flat_params)
        self.flat_grads = cuda.to_device(self.flat_grads)
        self.params = self._views(self.flat_params)
        self.grads = self._views(self.flat_grads)

    def _views(self, flat):
        """Named views of a flat buffer laid out like :attr:`flat_params`."""
        return {name: flat[o : o + int(np.prod(shape))].reshape(shape) for name, o, shape in self._layout}

    @contextlib.contextmanager
    def _host_params(self):
        """NumPy views of the parameters; on the GPU, a host copy written back when the block succeeds."""
        if self.device == "cpu":
            yield self.params
            return
        flat = self.flat_params.copy_to_host()
        yield self._views(flat)
        self.flat_params.copy_to_device(flat)

    def parameters(self) -> list:
        """``[(flat_params, flat_grads)]``: the buffers an optimizer updates in place."""
        return [(self.flat_params, self.flat_grads)]
