"""Training samples from many series as views: (``window`` inputs -> ``horizon`` targets).

All series live in one concatenated array (CSR style, ``indptr``). A sample is identified
by its start offset into that array; ``numpy.lib.stride_tricks.sliding_window_view`` over
the whole array turns a batch of offsets into a batch of spans with one gather, so no
window is ever copied except the ``batch_size`` rows a training step needs.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["WindowSampler", "last_windows"]


class WindowSampler:
    """Every (``window`` -> ``horizon``) sample of every series, with stride ``step``.

    Targets are given at every input step (the next ``horizon`` values after step t), as
    in MQ-RNN's forking sequences: one forward pass trains ``window`` forecasts. With
    ``target_steps="last"`` only the final step's targets carry weight.

    Parameters
    ----------
    values : (N,) float array
        Every series concatenated (already transformed and scaled).
    indptr : (n_series + 1,) int array
        Series i is ``values[indptr[i]:indptr[i + 1]]``.
    window : int
        Input steps per sample.
    horizon : int
        Target values per step.
    step : int, default 1
        Stride between consecutive samples of one series.
    ends : (n_series,) int array, optional
        Use only ``values[indptr[i]:indptr[i] + ends[i]]`` of each series (the training part).
    target_steps : {"all", "last"}

    Attributes
    ----------
    starts : (n_samples,) int64 array
        Offset of every sample's first value in ``values``.
    series : (n_samples,) int64 array
        Series position of every sample.
    """

    def __init__(self, values, indptr, window, horizon, step=1, ends=None, target_steps="all"):
        if target_steps not in ("all", "last"):
            raise ValueError(f"target_steps={target_steps!r} is not known; expected 'all' or 'last'")
        self.values = values
        self.window = int(window)
        self.horizon = int(horizon)
        self.target_steps = target_steps
        span = self.window + self.horizon
        lengths = np.diff(indptr)
        if ends is not None:
            lengths = np.minimum(lengths, ends)
        starts, series = [], []
        for i, n in enumerate(lengths):
            count = (n - span) // step + 1 if n >= span else 0
            if count > 0:
                # Align the last sample with the series' end: the most recent data always trains.
                first = indptr[i] + (n - span) - (count - 1) * step
                starts.append(first + step * np.arange(count, dtype=np.int64))
                series.append(np.full(count, i, dtype=np.int64))
        self.starts = np.concatenate(starts) if starts else np.empty(0, np.int64)
        self.series = np.concatenate(series) if series else np.empty(0, np.int64)
        self._spans = sliding_window_view(values, span) if values.size >= span else None

    def __len__(self) -> int:
        return int(self.starts.size)

    def gather(self, idx, dtype=np.float32):
        """Batch of samples.

        Parameters
        ----------
        idx : (B,) int array
            Sample numbers.

        Returns
        -------
        x : (B, window, 1) array
        y : (B, window, horizon) array
            ``y[b, t]`` = the ``horizon`` values after input step t.
        weight : (B, window, horizon) array or None
            Only with ``target_steps="last"``.
        """
        spans = self._spans[self.starts[idx]].astype(dtype, copy=False)
        x = spans[:, : self.window, None]
        y = sliding_window_view(spans[:, 1:], self.horizon, axis=1)[:, : self.window]
        weight = None
        if self.target_steps == "last":
            weight = np.zeros(y.shape, dtype=dtype)
            weight[:, -1] = 1.0
        return x, y, weight


def last_windows(values, indptr, window, ends=None, dtype=np.float32):
    """The last ``window`` values of every series (before ``ends`` when given).

    Parameters
    ----------
    values : (N,) array
    indptr : (n_series + 1,) int array
    window : int
    ends : (n_series,) int array, optional

    Returns
    -------
    (n_series, window, 1) array
    """
    n = indptr.size - 1
    out = np.empty((n, window, 1), dtype=dtype)
    for i in range(n):
        stop = indptr[i + 1] if ends is None else indptr[i] + ends[i]
        out[i, :, 0] = values[stop - window : stop]
    return out
