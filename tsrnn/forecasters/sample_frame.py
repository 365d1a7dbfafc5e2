"""Sample paths as pandas: the long frame ``predict(num_samples=S)`` returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["samples_frame"]


def samples_frame(panel, samples, name) -> pd.DataFrame:
    """Sample paths of every series of ``panel`` as a long frame, path by path.

    Parameters
    ----------
    panel : Panel
        The n series the paths continue.
    samples : (n, h, S) array
        S paths of h steps per series.
    name : str
        The column of the values.

    Returns
    -------
    pandas.DataFrame
        Columns: the panel's id and time columns (``unique_id`` and ``ds`` by default, also for a
        Series or a wide frame), ``sample`` (0 .. S-1) and ``name``; n x S x h rows, ordered by
        series, then path, then time, so ``frame[frame["sample"] == j]`` is path j.
    """
    samples = np.asarray(samples, dtype=np.float64)
    n, h, S = samples.shape
    id_col, time_col = panel.columns[0], panel.columns[1]
    if name in (id_col, time_col, "sample"):
        raise ValueError(f"the model's column name {name!r} clashes with the columns ({id_col!r}, {time_col!r}, "
                         "'sample') of the sample frame; give the model another alias")  # fmt: skip
    times = panel.axis.futures(np.arange(n), h)
    order = np.broadcast_to(np.arange(n * h).reshape(n, 1, h), (n, S, h)).ravel()
    return pd.DataFrame({
        id_col: pd.Index(panel.ids).repeat(S * h),
        time_col: times[order],
        "sample": np.tile(np.repeat(np.arange(S), h), n),
        name: samples.transpose(0, 2, 1).ravel(),
    })  # fmt: skip
