"""The GPU path of the recurrent layers: device-array checks, the batch-first <-> time-major
moves, and the loop over the layers on the device.

:class:`_CudaPath` is a base of :class:`tsrnn.nn.recurrent._Recurrent` and runs only for
layers built with ``device="cuda"``; each cell's own kernel calls
(``_layer_forward_cuda``, ``_layer_backward_cuda``) stay with its class in
:mod:`tsrnn.nn.recurrent`, whose module docstring describes the devices. Nothing here
imports :mod:`numba.cuda` at module level.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array

__all__ = ["_CudaPath", "_as_device_array", "_is_device_array"]


def _is_device_array(a):
    return bool(getattr(a, "__cuda_ndarray__", False)) or hasattr(a, "__cuda_array_interface__")


def _as_device_array(a):
    if getattr(a, "__cuda_ndarray__", False):
        return a
    from numba import cuda

    return cuda.as_cuda_array(a)


class _CudaPath:
    """The device side of :class:`tsrnn.nn.recurrent._Recurrent`: ``forward`` and ``backward`` on numba device arrays.

    Needs the attributes and hooks of the layer class: ``num_layers``, ``hidden_size``,
    ``input_size``, ``dtype``, ``training``, ``dropout``, ``_dropout_rng``, ``_has_cell_state``,
    ``_cache``, ``_pack_state``, ``_layer_forward_cuda`` and ``_layer_backward_cuda``.
    """

    def _check_device(self, a, name, shape, letters):
        """Shape, dtype and layout checks of a device array (its values stay on the GPU, unchecked)."""
        a = _as_device_array(a)
        expected = "(" + ", ".join(c if s is None else f"{c}={s}" for c, s in zip(letters, shape)) + ")"
        if len(a.shape) != len(shape):
            raise ValueError(f"{name} has {len(a.shape)} dimensions (shape {tuple(a.shape)}); expected {expected}")
        for axis, (seen, want) in enumerate(zip(a.shape, shape)):
            if want is not None and seen != want:
                raise ValueError(
                    f"{name} has shape {tuple(a.shape)}; expected {expected} ({letters[axis]} must be {want}, got {seen})"
                )
        if np.dtype(a.dtype) != self.dtype:
            raise ValueError(f"{name} has dtype {np.dtype(a.dtype)}; expected {self.dtype} (the layer's dtype)")
        if not a.is_c_contiguous():
            raise ValueError(f"{name} is a device array that is not C-contiguous; pass a contiguous copy")
        return a

    def _device_state(self, state, B, name):
        """The state as device arrays ``(h, c)`` (c None without a cell state); zeros when ``state`` is None."""
        from numba import cuda

        from ..kernels.cuda._blas import fill

        shape = (self.num_layers, B, self.hidden_size)
        if state is None:
            arrays = [cuda.device_array(shape, dtype=self.dtype) for _ in range(2 if self._has_cell_state else 1)]
            for a in arrays:
                fill(a, 0)
            return arrays[0], (arrays[1] if self._has_cell_state else None)
        parts = state if self._has_cell_state else (state,)
        if self._has_cell_state and (not isinstance(state, (tuple, list)) or len(state) != 2):
            raise ValueError(
                f"{name} for an LSTM must be a tuple (h, c) of two arrays of shape (L={shape[0]}, B={B}, "
                f"H={shape[2]}), got {type(state).__name__}"
            )
        if not self._has_cell_state and isinstance(state, (tuple, list)):
            raise ValueError(f"{name} for {type(self).__name__} is one array h of shape {shape}, got a {type(state).__name__}")
        out = []
        for i, part in enumerate(parts):
            what = f"{name}[{i}] ({'hc'[i]})" if self._has_cell_state else name
            if _is_device_array(part):
                out.append(self._check_device(part, what, shape, "LBH"))
            else:
                out.append(cuda.to_device(check_array(part, what, shape, self.dtype, letters="LBH")))
        return out[0], (out[1] if self._has_cell_state else None)

    def _to_time_major(self, a, name, shape, letters):
        """Check a batch-first input and return it time-major on the device, and whether it came from the host."""
        from numba import cuda

        from ..kernels.cuda._blas import swap01

        on_host = not _is_device_array(a)
        if on_host:
            a = check_array(a, name, shape, self.dtype, letters=letters)
        else:
            a = self._check_device(a, name, shape, letters)
        if a.shape[0] == 0 or a.shape[1] == 0:
            raise ValueError(f"{name} has shape {tuple(a.shape)}; expected at least one sequence (B >= 1) of one step (T >= 1)")
        if on_host:
            return cuda.to_device(np.ascontiguousarray(a.transpose(1, 0, 2))), True
        out = cuda.device_array((a.shape[1], a.shape[0], a.shape[2]), dtype=self.dtype)
        swap01(out, a)
        return out, False

    def _forward_cuda(self, x, state):
        from numba import cuda

        from ..kernels.cuda._blas import copy, multiply, swap01
        from ..kernels.cuda.training import dropout_mask

        inp, on_host = self._to_time_major(x, "x", (None, None, self.input_size), "BTI")
        T, B, _ = inp.shape
        h0, c0 = self._device_state(state, B, "state")
        L, H = self.num_layers, self.hidden_size
        layers = []
        for k in range(L):
            cache = self._layer_forward_cuda(k, inp, h0[k], None if c0 is None else c0[k])
            layers.append(cache)
            inp = cache["hs"][1:]
            if self.training and self.dropout > 0 and k < L - 1:
                mask = cuda.device_array(inp.shape, dtype=self.dtype)
                dropout_mask(mask, int(self._dropout_rng.integers(2**32)), 1.0 - self.dropout)
                cache["mask"] = mask
                dropped = cuda.device_array(inp.shape, dtype=self.dtype)
                multiply(dropped, inp, mask)
                inp = dropped
        self._cache = layers
        out = cuda.device_array((B, T, H), dtype=self.dtype)
        swap01(out, inp)
        h = cuda.device_array((L, B, H), dtype=self.dtype)
        c = cuda.device_array((L, B, H), dtype=self.dtype) if self._has_cell_state else None
        for k in range(L):
            copy(h[k], layers[k]["hs"][T])
            if c is not None:
                copy(c[k], layers[k]["cs"][T])
        if on_host:
            return out.copy_to_host(), self._pack_state(h.copy_to_host(), None if c is None else c.copy_to_host())
        return out, self._pack_state(h, c)

    def _backward_cuda(self, dout, dstate, return_dstate):
        from numba import cuda

        from ..kernels.cuda._blas import multiply, swap01

        T, B = self._cache[0]["x"].shape[:2]
        d, on_host = self._to_time_major(dout, "dout", (B, T, self.hidden_size), "BTH")
        dh, dc = self._device_state(dstate, B, "dstate")
        dh0 = cuda.device_array(dh.shape, dtype=self.dtype)
        dc0 = cuda.device_array(dc.shape, dtype=self.dtype) if dc is not None else None
        for k in reversed(range(self.num_layers)):
            d = self._layer_backward_cuda(
                k, self._cache[k], d, dh[k], None if dc is None else dc[k], dh0[k], None if dc0 is None else dc0[k]
            )
            if k > 0 and "mask" in self._cache[k - 1]:
                masked = cuda.device_array(d.shape, dtype=self.dtype)
                multiply(masked, d, self._cache[k - 1]["mask"])
                d = masked
        dx = cuda.device_array((B, T, self.input_size), dtype=self.dtype)
        swap01(dx, d)
        if on_host:
            dx = dx.copy_to_host()
            dh0 = dh0.copy_to_host()
            dc0 = None if dc0 is None else dc0.copy_to_host()
        if return_dstate:
            return dx, self._pack_state(dh0, dc0)
        return dx

    def _device_states(self, T, B, first):
        """A (T+1, B, H) device array with ``first`` (B, H) in row 0."""
        from numba import cuda

        from ..kernels.cuda._blas import copy

        hs = cuda.device_array((T + 1, B, self.hidden_size), dtype=self.dtype)
        copy(hs[0], first)
        return hs

    def _device_empty(self, *shape):
        from numba import cuda

        return cuda.device_array(shape, dtype=self.dtype)
