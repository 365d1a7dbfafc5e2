"""Ragged wide frames (columns that start and end at different rows, as a pivot of a long frame
gives) are read as that long frame: each column is forecast from its own end, and the
forecasts equal those of the long frame, for a baseline and an RNN, in fit/predict and backtest.
"""

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, SeasonalNaive
from tsrnn.backtest import backtest
from tsrnn.data.panel import to_panel

RNN = dict(cell="gru", hidden_size=4, window=8, horizon=3, epochs=2, batch_size=16, random_state=0)


def ragged_long():
    """Three daily series: 'a' full length, 'b' ends 4 days early, 'c' starts 5 days late and ends 2 early."""
    idx = pd.date_range("2024-01-01", periods=40, freq="D")
    t = np.arange(40, dtype=float)
    spans = {"a": (0, 40), "b": (0, 36), "c": (5, 38)}
    parts = []
    for k, (uid, (lo, hi)) in enumerate(spans.items()):
        y = 10.0 * (k + 1) + np.sin(2 * np.pi * t / 7) * (k + 1) + 0.1 * t
        parts.append(pd.DataFrame({"unique_id": uid, "ds": idx[lo:hi], "y": y[lo:hi]}))
    return pd.concat(parts, ignore_index=True)


def as_long(wide_forecast, name):
    """A wide forecast (NaN outside each column's steps) as long rows, in the long frame's order."""
    out = wide_forecast.rename_axis("ds").reset_index().melt(id_vars="ds", var_name="unique_id", value_name=name)
    out = out.dropna(subset=[name])
    return out[["unique_id", "ds", name]].sort_values(["unique_id", "ds"]).reset_index(drop=True)


def test_ragged_wide_reads_as_the_long_frame():
    long = ragged_long()
    wide = long.pivot(index="ds", columns="unique_id", values="y")
    assert wide["b"].iloc[-4:].isna().all() and wide["c"].iloc[:5].isna().all()  # what a pivot gives
    pw, pl = to_panel(wide), to_panel(long)
    assert pw.kind == "wide" and pw.ids == pl.ids == ["a", "b", "c"]
    np.testing.assert_array_equal(pw.values, pl.values)
    np.testing.assert_array_equal(pw.indptr, pl.indptr)
    assert list(pw.axis.ends) == list(pl.axis.ends) == [pd.Timestamp(d) for d in ("2024-02-09", "2024-02-05", "2024-02-07")]


@pytest.mark.parametrize("make", [lambda: SeasonalNaive(season_length=7), lambda: RNNForecaster(**RNN)],
                         ids=["SeasonalNaive", "RNN"])  # fmt: skip
def test_ragged_wide_forecasts_equal_the_long_forecasts(make):
    long = ragged_long()
    wide = long.pivot(index="ds", columns="unique_id", values="y")
    h = 3
    fl = make().fit(long).predict(h)
    fw = make().fit(wide).predict(h)
    name = [c for c in fl.columns if c not in ("unique_id", "ds")][0]
    # Each column continues from its own end: 'b' from 2024-02-05, not from the frame's last row.
    assert fw["b"].dropna().index.tolist() == list(pd.date_range("2024-02-06", periods=h, freq="D"))
    assert fw.notna().sum().tolist() == [h, h, h]
    got = as_long(fw, name)
    want = fl.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_names=False)
    if name == "SeasonalNaive":  # a season back from each series' own last value
        b = long[long.unique_id == "b"].y.to_numpy()
        np.testing.assert_array_equal(fw["b"].dropna().to_numpy(), b[-7:-7 + h])


def test_ragged_wide_backtest_equals_the_long_backtest():
    long = ragged_long()
    wide = long.pivot(index="ds", columns="unique_id", values="y")
    cl = backtest(SeasonalNaive(season_length=7), long, horizon=3, n_windows=2)
    cw = backtest(SeasonalNaive(season_length=7), wide, horizon=3, n_windows=2)
    pd.testing.assert_frame_equal(cw, cl)
    assert cw.groupby("unique_id").cutoff.max().tolist() == [pd.Timestamp(d) for d in ("2024-02-06", "2024-02-02", "2024-02-04")]


def test_interior_nan_of_a_ragged_wide_column_follows_fill_missing():
    long = ragged_long()
    wide = long.pivot(index="ds", columns="unique_id", values="y")
    wide.iloc[20, 1] = np.nan  # inside 'b'
    with pytest.raises(ValueError, match=r"column 'b' has a missing value \(NaN\) at 2024-01-21 .*fill_missing"):
        SeasonalNaive(season_length=7).fit(wide)
    panel = to_panel(wide, fill_missing="interpolate")
    b = panel.series(1)
    assert b[20] == pytest.approx((b[19] + b[21]) / 2)  # interior: linear
    assert panel.axis.ends[1] == pd.Timestamp("2024-02-05")  # trailing: not carried forward
    filled = RNNForecaster(**RNN, fill_missing="interpolate").fit(wide).predict(3)
    assert filled["b"].dropna().index[0] == pd.Timestamp("2024-02-06")
