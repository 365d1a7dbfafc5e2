"""The training batches of a :class:`~tsrnn.data.windows.WindowSampler` in one compiled pass, into reused buffers.

:meth:`WindowSampler.gather` builds a batch with NumPy: a gather of the windows' spans, the
window scaling, a fancy-indexed gather of the baseline forecasts per season and a
subtraction, each a (B, window, horizon) temporary. :class:`FusedGather` computes the same
window statistics with the same NumPy code (so they keep NumPy's summation order), then
scales, gathers and subtracts in one numba loop (:func:`tsrnn.kernels.fused.gather_windows`)
into buffers allocated once: the batches are bit-identical to ``gather``'s.

It covers the common case: no covariates, no padded series, no masked missing values, baseline None, ``"naive"`` or
``"seasonal_naive"`` (one season or several). Other samplers keep ``gather``
(:meth:`FusedGather.for_sampler` returns None), and so does a batch whose values are too
large for the window statistics in the batch's dtype (:func:`~tsrnn.data.windows.stats_dtype`).
"""

from __future__ import annotations

import numpy as np

from .._config import fused_training
from .windows import _baseline_index, stats_dtype, window_stats

__all__ = ["FusedGather"]

_COVERED = (None, "naive", "seasonal_naive")


class FusedGather:
    """Batches of ``sampler`` as ``sampler.gather(idx, dtype)`` gives them, written into reused buffers.

    Parameters
    ----------
    sampler : WindowSampler
    dtype : numpy dtype
    batch_size : int
        The largest batch; smaller ones are the leading rows of the buffers.

    The arrays returned by :meth:`gather` are overwritten by the next call: a caller that
    keeps a batch must copy it.
    """

    def __init__(self, sampler, dtype, batch_size):
        self.sampler = sampler
        self.dtype = np.dtype(dtype)
        W, h, H = sampler.window, sampler.horizon, sampler.history
        kind, seasons = sampler.baseline, sampler.seasons
        if kind is None:
            tables = [np.zeros((W, h), np.int64)]
        elif kind == "naive" or len(seasons) == 1:
            tables = [_baseline_index(H + W, W, h, seasons[0], kind)]
        else:
            tables = [_baseline_index(H + W, W, h, m, kind) for m in seasons]
        self.table = np.ascontiguousarray(np.stack(tables), dtype=np.int64)
        self.x = np.empty((batch_size, W, 1), self.dtype)
        self.y = np.empty((batch_size, W, h), self.dtype)
        self._weight = {}

    @classmethod
    def for_sampler(cls, sampler, dtype, batch_size):
        """A FusedGather for ``sampler``, or None where its batches need ``gather`` (see the module docstring)."""
        covered = (
            fused_training()
            and sampler._covariates is None
            and sampler._observed_from is None
            and getattr(sampler, "_missing", None) is None
            and sampler._spans is not None
            and sampler.baseline in _COVERED
            and sampler.scaling in (None, "window")
            and np.dtype(dtype) in (np.float32, np.float64)
        )
        return cls(sampler, dtype, batch_size) if covered else None

    def _row_tables(self, starts):
        s = self.sampler
        rows = np.zeros(starts.size, np.int64)
        if self.table.shape[0] > 1:
            # As baseline_forecast: the first season, replaced row by row by the chosen one (the last match wins).
            chosen = s._choice[starts + s.history + s.window - 1]
            for k, m in enumerate(s.seasons):
                rows[chosen == m] = k
        return rows

    def weight(self, B):
        """The (B, window, horizon) weights of ``gather`` (None when every target counts); the same array every call."""
        s = self.sampler
        if not (s.target_steps == "last" or s.first_step):
            return None
        if B not in self._weight:
            w = np.zeros((B, s.window, s.horizon), dtype=self.dtype)
            w[:, -1 if s.target_steps == "last" else s.first_step :] = 1.0
            self._weight[B] = w
        return self._weight[B]

    def gather(self, idx):
        """``(x, y, weight)`` of samples ``idx``, equal bit for bit to ``sampler.gather(idx, dtype)``."""
        from ..kernels.fused import gather_windows

        s = self.sampler
        starts = s.starts[idx]
        spans = s._spans[starts]
        H, W = s.history, s.window
        if s.scaling == "window":
            if stats_dtype(spans, self.dtype) != self.dtype:
                return s.gather(idx, self.dtype)
            spans = spans.astype(self.dtype, copy=False)
            loc, scale = window_stats(spans[:, H : H + W], s.seasons[0])
            loc, scale = np.ascontiguousarray(loc[:, 0]), np.ascontiguousarray(scale[:, 0])
        else:
            spans = spans.astype(self.dtype, copy=False)
            loc = scale = np.ones(1, self.dtype)
        B = starts.size
        x, y = self.x[:B], self.y[:B]
        gather_windows(np.ascontiguousarray(spans), loc, scale, s.scaling == "window", H, self.table,
                       self._row_tables(starts), s.baseline is not None, x, y)  # fmt: skip
        return x, y, self.weight(B)
