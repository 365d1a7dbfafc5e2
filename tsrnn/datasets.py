"""Loaders for public benchmark data sets kept in a local data folder.

tsrnn downloads nothing: point it at a folder holding the files (``data_home=`` or the
``TSRNN_DATA_HOME`` environment variable). Expected layout::

    <data_home>/m4/Hourly-train.csv, Hourly-test.csv     (M4 competition, Hourly subset)
    <data_home>/ett/ETTh1.csv                            (Electricity Transformer Temperature)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["get_data_home", "load_m4_hourly", "load_etth1"]


def get_data_home(data_home=None) -> Path:
    """The data folder: ``data_home``, else ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``."""
    if data_home is None:
        data_home = os.environ.get("TSRNN_DATA_HOME") or Path.home() / "tsrnn_data"
    return Path(data_home).expanduser()


def _need(path: Path, what: str) -> Path:
    if not path.exists():
        raise FileNotFoundError(
            f"{what} not found at {path}. Put the file there, or point data_home= / TSRNN_DATA_HOME at the folder "
            f"that holds it"
        )
    return path


def _m4_wide_to_long(path: Path, n_series=None) -> pd.DataFrame:
    wide = pd.read_csv(path, nrows=n_series)
    ids = wide.pop("V1").astype(str)
    values = wide.to_numpy(dtype=np.float64)
    lengths = np.sum(~np.isnan(values), axis=1)
    # M4 pads shorter series with empty cells at the end of the row.
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids.to_numpy(), lengths),
            "ds": np.concatenate([np.arange(n) for n in lengths]),
            "y": values[~np.isnan(values)],
        }
    )


def load_m4_hourly(data_home=None, n_series=None):
    """M4 Hourly: 414 series, horizon 48, seasonality 24, as long DataFrames.

    M4 Hourly has no timestamps: ``ds`` is the integer step, starting at 0 in the training
    file and continuing from each series' end in the test file.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder holding ``m4/Hourly-train.csv`` and ``m4/Hourly-test.csv``.
    n_series : int, optional
        The first ``n_series`` series only.

    Returns
    -------
    train, test : pandas.DataFrame
        Columns ``unique_id`` (H1...H414), ``ds`` (int), ``y`` (float).
    """
    root = get_data_home(data_home)
    train = _m4_wide_to_long(_need(root / "m4" / "Hourly-train.csv", "M4 Hourly-train.csv"), n_series)
    test = _m4_wide_to_long(_need(root / "m4" / "Hourly-test.csv", "M4 Hourly-test.csv"), n_series)
    ends = train.groupby("unique_id", sort=False).ds.max() + 1
    test["ds"] = test["ds"] + test["unique_id"].map(ends).to_numpy()
    return train, test


def load_etth1(data_home=None) -> pd.DataFrame:
    """ETTh1: hourly transformer load and oil temperature, 17,420 rows.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (hourly DatetimeIndex with frequency), columns HUFL, HULL, MUFL,
        MULL, LUFL, LULL and OT (the usual target).
    """
    path = _need(get_data_home(data_home) / "ett" / "ETTh1.csv", "ETTh1.csv")
    df = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return df.asfreq("h")
