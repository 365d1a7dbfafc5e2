"""Panel conversion: pandas layouts in, CSR arrays out, forecasts back with the right future index."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn.data.panel import Panel, TimeAxis, from_forecasts, to_panel

FREQS = ["h", "D", "W-SUN", "W-MON", "MS", "ME", "QS-JAN", "QE-DEC", "YS", "YE", "B"]


def _long(parts):
    """Long frame from {id: (index, values)}."""
    frames = [pd.DataFrame({"unique_id": uid, "ds": idx, "y": vals}) for uid, (idx, vals) in parts.items()]
    return pd.concat(frames, ignore_index=True)


def _json_round_trip(axis):
    return TimeAxis.from_json(json.loads(json.dumps(axis.to_json())))


# ------------------------------------------------------------------------------- round trips


def test_series_round_trip():
    idx = pd.date_range("2021-01-01", periods=6, freq="D", name="date")
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=idx, name="sales")
    panel = to_panel(y)
    assert isinstance(panel, Panel)
    assert panel.kind == "series" and panel.ids == ["sales"] and panel.name == "sales"
    assert panel.values.dtype == np.float64
    np.testing.assert_array_equal(panel.values, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(panel.indptr, [0, 6])
    pd.testing.assert_index_equal(panel.axis.history(0), idx)
    out = from_forecasts(panel, np.array([[7.0, 8.0]]), 2, "model")
    expected = pd.Series([7.0, 8.0], index=pd.date_range("2021-01-07", periods=2, freq="D", name="date"), name="model")
    pd.testing.assert_series_equal(out, expected)
    assert out.index.freq == "D"


def test_unnamed_series_and_integer_target():
    y = pd.Series(np.arange(4), index=pd.date_range("2021-01-01", periods=4, freq="h"))
    panel = to_panel(y)
    assert panel.ids == [0] and panel.name is None
    np.testing.assert_array_equal(panel.values, [0.0, 1.0, 2.0, 3.0])
    assert panel.values.dtype == np.float64


def test_long_round_trip_different_lengths_and_starts():
    df = _long(
        {
            "b": (pd.date_range("2020-03-01", periods=4, freq="MS"), [1.0, 2.0, 3.0, 4.0]),
            "a": (pd.date_range("2019-11-01", periods=6, freq="MS"), [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]),
            "c": (pd.date_range("2020-01-01", periods=2, freq="MS"), [7.0, 8.0]),
        }
    )
    df["extra"] = "ignored"
    panel = to_panel(df)
    assert panel.kind == "long"
    assert panel.ids == ["b", "a", "c"]  # order of first appearance
    np.testing.assert_array_equal(panel.indptr, [0, 4, 10, 12])
    np.testing.assert_array_equal(panel.lengths, [4, 6, 2])
    np.testing.assert_array_equal(panel.series(1), [10, 11, 12, 13, 14, 15])
    np.testing.assert_array_equal(panel.series(2), [7, 8])
    assert panel.axis.freq == "MS"
    assert list(panel.axis.starts) == list(pd.to_datetime(["2020-03-01", "2019-11-01", "2020-01-01"]))
    assert list(panel.axis.ends) == [pd.Timestamp("2020-06-01"), pd.Timestamp("2020-04-01"), pd.Timestamp("2020-02-01")]

    out = from_forecasts(panel, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), 2, "m")
    expected = pd.DataFrame(
        {
            "unique_id": ["b", "b", "a", "a", "c", "c"],
            "ds": pd.to_datetime(["2020-07-01", "2020-08-01", "2020-05-01", "2020-06-01", "2020-03-01", "2020-04-01"]),
            "m": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    expected["ds"] = expected["ds"].astype(df["ds"].dtype)
    pd.testing.assert_frame_equal(out, expected, check_column_type=False)
    pd.testing.assert_index_equal(panel.axis.history(0), pd.DatetimeIndex(df["ds"][:4], name="ds", freq="MS"))


def test_long_interleaved_rows_and_integer_ids():
    df = pd.DataFrame(
        {
            "unique_id": [7, 3, 7, 3, 7],
            "ds": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-02", "2020-01-06", "2020-01-03"]),
            "y": [1.0, 10.0, 2.0, 11.0, 3.0],
        }
    )
    panel = to_panel(df)
    assert panel.ids == [7, 3]
    np.testing.assert_array_equal(panel.values, [1, 2, 3, 10, 11])
    out = from_forecasts(panel, np.zeros((2, 1)), 1, "m")
    assert out["unique_id"].tolist() == [7, 3]
    assert out["ds"].tolist() == [pd.Timestamp("2020-01-04"), pd.Timestamp("2020-01-07")]


def test_long_custom_column_names_are_reused():
    df = pd.DataFrame(
        {
            "store": ["x"] * 3,
            "week": pd.date_range("2020-01-05", periods=3, freq="W-SUN"),
            "sales": [1.0, 2.0, 3.0],
        }
    )
    panel = to_panel(df, id_col="store", time_col="week", target_col="sales")
    assert panel.columns == ("store", "week", "sales")
    out = from_forecasts(panel, np.array([[4.0]]), 1, "LSTM")
    assert list(out.columns) == ["store", "week", "LSTM"]
    assert out["week"].iloc[0] == pd.Timestamp("2020-01-26")


def test_wide_round_trip_with_late_start():
    idx = pd.date_range("2020-01-01", periods=5, freq="D")
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [np.nan, np.nan, 30.0, 40.0, 50.0]}, index=idx)
    panel = to_panel(df)
    assert panel.kind == "wide" and panel.ids == ["a", "b"]
    np.testing.assert_array_equal(panel.indptr, [0, 5, 8])
    np.testing.assert_array_equal(panel.series(1), [30, 40, 50])
    assert panel.axis.starts[1] == pd.Timestamp("2020-01-03")
    pd.testing.assert_index_equal(panel.axis.history(1), idx[2:])
    out = from_forecasts(panel, np.array([[6.0, 7.0], [60.0, 70.0]]), 2, "m")
    expected = pd.DataFrame(
        {"a": [6.0, 7.0], "b": [60.0, 70.0]}, index=pd.date_range("2020-01-06", periods=2, freq="D")
    )
    pd.testing.assert_frame_equal(out, expected)


def test_subset_and_positions():
    df = _long(
        {
            "a": (pd.date_range("2020-01-01", periods=3, freq="D"), [1.0, 2.0, 3.0]),
            "b": (pd.date_range("2020-01-02", periods=4, freq="D"), [4.0, 5.0, 6.0, 7.0]),
            "c": (pd.date_range("2020-01-01", periods=2, freq="D"), [8.0, 9.0]),
        }
    )
    panel = to_panel(df)
    sub = panel.subset([2, 0])
    assert sub.ids == ["c", "a"] and sub.kind == "long"
    np.testing.assert_array_equal(sub.values, [8, 9, 1, 2, 3])
    np.testing.assert_array_equal(sub.indptr, [0, 2, 5])
    assert list(sub.axis.ends) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03")]
    np.testing.assert_array_equal(panel.series(1), [4, 5, 6, 7])
    out = from_forecasts(panel, np.array([[1.0], [2.0]]), 1, "m", positions=[1, 2])
    assert out["unique_id"].tolist() == ["b", "c"]
    assert out["ds"].tolist() == [pd.Timestamp("2020-01-06"), pd.Timestamp("2020-01-03")]
    pd.testing.assert_frame_equal(out, from_forecasts(panel.subset([1, 2]), np.array([[1.0], [2.0]]), 1, "m"))


def test_quantile_forecasts():
    y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="D"))
    q = np.array([[[0.5, 1.5], [0.6, 1.6]]])
    out = from_forecasts(to_panel(y), q, 2, ["q10", "q90"])
    assert list(out.columns) == ["q10", "q90"]
    np.testing.assert_array_equal(out.to_numpy(), q[0])
    assert out.index[0] == pd.Timestamp("2020-01-04")

    df = _long({"a": (pd.date_range("2020-01-01", periods=3, freq="D"), [1.0, 2.0, 3.0])})
    out = from_forecasts(to_panel(df), q, 2, ["q10", "q90"])
    assert list(out.columns) == ["unique_id", "ds", "q10", "q90"]
    np.testing.assert_array_equal(out[["q10", "q90"]].to_numpy(), q[0])

    wide = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=pd.date_range("2020-01-01", periods=3, freq="D"))
    with pytest.raises(ValueError, match=r"wide frame \(one column per series\) cannot hold; pass the data as a long"):
        from_forecasts(to_panel(wide), q, 2, ["q10", "q90"])


# ------------------------------------------------------------------------ future continuation


@pytest.mark.parametrize("freq", FREQS)
@pytest.mark.parametrize("freq_set", [True, False])
def test_future_continues_datetime_frequencies(freq, freq_set):
    idx = pd.date_range("2019-12-30", periods=7, freq=freq)
    if not freq_set:
        idx = pd.DatetimeIndex(list(idx))
        assert idx.freq is None
    y = pd.Series(np.arange(7.0), index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        panel = to_panel(y)
    h = 5
    expected = pd.date_range(idx[-1], periods=h + 1, freq=freq)[1:]
    future = panel.axis.future(0, h)
    pd.testing.assert_index_equal(future, expected)
    assert future.freq == expected.freq
    pd.testing.assert_index_equal(panel.axis.history(0), pd.DatetimeIndex(idx, freq=freq))
    pd.testing.assert_index_equal(_json_round_trip(panel.axis).future(0, h), expected)


@pytest.mark.parametrize("freq", FREQS)
def test_long_futures_match_per_series_future(freq):
    grid = pd.date_range("2019-12-30", periods=13, freq=freq)
    df = _long({"a": (grid[:7], np.arange(7.0)), "b": (grid[3:12], np.arange(9.0)), "c": (grid[5:7], [1.0, 2.0])})
    panel = to_panel(df)
    assert panel.axis.freq == pd.tseries.frequencies.to_offset(freq)
    for i in range(3):
        last = panel.axis.ends[i]
        pd.testing.assert_index_equal(
            panel.axis.future(i, 4), pd.date_range(last, periods=5, freq=freq, name="ds")[1:]
        )
    flat = panel.axis.futures([0, 1, 2], 4)
    per_series = [panel.axis.future(i, 4) for i in range(3)]
    np.testing.assert_array_equal(flat.asi8, per_series[0].append(per_series[1:]).asi8)
    out = from_forecasts(panel, np.zeros((3, 4)), 4, "m")
    assert out["ds"].iloc[4] == grid[12]


@pytest.mark.parametrize("freq", ["h", "D"])
def test_timezone_is_kept(freq):
    # crosses the spring-forward DST change in Berlin
    idx = pd.date_range("2021-03-26", periods=72 if freq == "h" else 5, freq=freq, tz="Europe/Berlin")
    panel = to_panel(pd.Series(np.arange(len(idx), dtype=float), index=idx))
    assert str(panel.axis.tz) == "Europe/Berlin"
    future = panel.axis.future(0, 30)
    expected = pd.date_range(idx[-1], periods=31, freq=freq)[1:]
    pd.testing.assert_index_equal(future, expected)
    assert str(future.tz) == "Europe/Berlin"
    restored = _json_round_trip(panel.axis)
    pd.testing.assert_index_equal(restored.future(0, 30), expected)
    pd.testing.assert_index_equal(restored.history(0), idx)

    df = _long({"a": (idx, np.arange(len(idx), dtype=float)), "b": (idx[:-2], np.zeros(len(idx) - 2))})
    out = from_forecasts(to_panel(df), np.zeros((2, 3)), 3, "m")
    assert str(out["ds"].dt.tz) == "Europe/Berlin"
    assert out["ds"].tolist() == list(expected[:3]) + list(pd.date_range(idx[-3], periods=4, freq=freq)[1:])


@pytest.mark.parametrize("freq", ["M", "Q-DEC", "W-SUN", "2M", "Y-DEC"])
def test_period_index(freq):
    idx = pd.period_range("2020-01", periods=6, freq=freq, name="period")
    panel = to_panel(pd.Series(np.arange(6.0), index=idx))
    assert panel.axis.kind == "period"
    expected = pd.period_range(idx[-1] + 1, periods=4, freq=freq, name="period")
    pd.testing.assert_index_equal(panel.axis.future(0, 4), expected)
    pd.testing.assert_index_equal(panel.axis.history(0), idx)
    pd.testing.assert_index_equal(_json_round_trip(panel.axis).future(0, 4), expected)

    df = _long({"a": (idx, np.arange(6.0)), "b": (idx[1:4], np.arange(3.0))})
    out = from_forecasts(to_panel(df), np.zeros((2, 2)), 2, "m")
    assert out["ds"].tolist() == [idx[-1] + 1, idx[-1] + 2, idx[3] + 1, idx[3] + 2]


def test_range_index_start_and_step():
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.RangeIndex(start=5, stop=13, step=2))
    panel = to_panel(y)
    assert panel.axis.kind == "range" and panel.axis.freq == 2
    future = panel.axis.future(0, 3)
    pd.testing.assert_index_equal(future, pd.RangeIndex(13, 19, 2))
    assert list(future) == [13, 15, 17]
    pd.testing.assert_index_equal(panel.axis.history(0), y.index)
    pd.testing.assert_index_equal(_json_round_trip(panel.axis).future(0, 3), future)
    out = from_forecasts(panel, np.array([[9.0, 9.0, 9.0]]), 3, "m")
    assert list(out.index) == [13, 15, 17]


def test_integer_index_and_long_integer_time():
    y = pd.Series([1.0, 2.0, 3.0], index=pd.Index([2000, 2001, 2002]))
    assert list(to_panel(y).axis.future(0, 2)) == [2003, 2004]
    df = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 2, "ds": [10, 15, 20, 0, 5], "y": [1.0, 2, 3, 4, 5]})
    panel = to_panel(df)
    assert panel.axis.freq == 5
    out = from_forecasts(panel, np.zeros((2, 2)), 2, "m")
    assert out["ds"].tolist() == [25, 30, 10, 15]


@pytest.mark.parametrize(
    "make",
    [
        lambda: pd.Series(np.arange(5.0), index=pd.date_range("2020-01-01", periods=5, freq="QS-JAN", tz="UTC")),
        lambda: pd.Series(np.arange(5.0), index=pd.date_range("2020-01-01", periods=5, freq="min").as_unit("ns")),
        lambda: pd.Series(np.arange(5.0), index=pd.period_range("2020-01-06", periods=5, freq="W-SUN")),
        lambda: pd.Series(np.arange(5.0), index=pd.RangeIndex(5, 15, 2)),
    ],
)
def test_json_round_trip_gives_identical_future(make):
    axis = to_panel(make()).axis
    restored = _json_round_trip(axis)
    assert restored.kind == axis.kind and restored.unit == axis.unit
    pd.testing.assert_index_equal(restored.future(0, 7), axis.future(0, 7), exact=True)
    pd.testing.assert_index_equal(restored.history(0), axis.history(0), exact=True)


def test_sort_true_sorts():
    idx = pd.date_range("2020-01-01", periods=4, freq="D")
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=idx).iloc[[2, 0, 3, 1]]
    panel = to_panel(y, sort=True)
    np.testing.assert_array_equal(panel.values, [1, 2, 3, 4])
    df = pd.DataFrame(
        {"unique_id": ["a", "b", "a", "b", "a"], "ds": idx[[1, 1, 0, 0, 2]], "y": [2.0, 20.0, 1.0, 10.0, 3.0]}
    )
    panel = to_panel(df, sort=True)
    assert panel.ids == ["a", "b"]
    np.testing.assert_array_equal(panel.values, [1, 2, 3, 10, 20])
    assert panel.axis.ends[0] == idx[2] and panel.axis.ends[1] == idx[1]


def test_fill_missing_interpolate():
    idx = pd.date_range("2020-01-01", periods=7, freq="D")
    y = pd.Series([np.nan, 1.0, np.nan, 3.0, 4.0, np.nan, np.nan], index=idx)
    panel = to_panel(y, fill_missing="interpolate")
    # leading NaN trimmed, interior linear, trailing carries the last value forward
    np.testing.assert_array_equal(panel.values, [1.0, 2.0, 3.0, 4.0, 4.0, 4.0])
    assert panel.axis.starts[0] == idx[1] and panel.axis.ends[0] == idx[-1]

    df = _long({"a": (idx[:4], [1.0, np.nan, np.nan, 4.0]), "b": (idx[:3], [5.0, 6.0, np.nan])})
    panel = to_panel(df, fill_missing="interpolate")
    np.testing.assert_array_equal(panel.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0])

    # A wide column's trailing NaNs end it (rows it does not have), whatever fill_missing says.
    wide = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "b": [np.nan, 2.0, 4.0, 6.0]}, index=idx[:4])
    panel = to_panel(wide, fill_missing="interpolate")
    np.testing.assert_array_equal(panel.values, [1.0, 2.0, 3.0, 2.0, 4.0, 6.0])
    assert list(panel.axis.ends) == [idx[2], idx[3]]


def test_leading_nans_trimmed_without_fill():
    idx = pd.date_range("2020-01-01", periods=4, freq="D")
    panel = to_panel(pd.Series([np.nan, 1.0, 2.0, 3.0], index=idx))
    np.testing.assert_array_equal(panel.values, [1.0, 2.0, 3.0])
    assert panel.axis.starts[0] == idx[1]


def test_nullable_target():
    y = pd.Series(pd.array([1, 2, 3], dtype="Int64"), index=pd.date_range("2020-01-01", periods=3, freq="D"))
    np.testing.assert_array_equal(to_panel(y).values, [1.0, 2.0, 3.0])


# ------------------------------------------------------------------------------------ errors

D5 = pd.date_range("2020-01-01", periods=5, freq="D")


@pytest.mark.parametrize(
    "y, kwargs, pattern",
    [
        (pd.Series([], dtype=float), {}, r"the series is empty; expected at least one value"),
        (pd.DataFrame(), {}, r"the DataFrame is empty \(shape \(0, 0\)\)"),
        (
            pd.DataFrame({"unique_id": [], "ds": pd.to_datetime([]), "y": []}),
            {},
            r"the long DataFrame is empty",
        ),
        (
            pd.Series(["a", "b", "c"], index=D5[:3], name="s"),
            {},
            r"series 's' has dtype (str|object); expected a numeric dtype",
        ),
        (
            pd.Series([True, False, True], index=D5[:3]),
            {},
            r"the series has dtype bool; expected a numeric dtype \(int or float; booleans are not accepted\)",
        ),
        (
            pd.DataFrame({"unique_id": "a", "ds": D5[:3], "y": [True, False, True]}),
            {},
            r"target column 'y' has dtype bool; expected a numeric dtype",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0, 3.0], "flag": ["x", "y", "z"]}, index=D5[:3]),
            {},
            r"column 'flag' has dtype (str|object); expected a numeric dtype.*If this is a long frame",
        ),
        (
            pd.Series([1.0, np.inf, 3.0], index=D5[:3], name="s"),
            {},
            r"series 's' has an infinite value \(inf\) at 2020-01-02 00:00:00; expected finite numbers",
        ),
        (
            pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(D5[:3]) * 2, "y": [1, 2, 3, 4, -np.inf, 6]}),
            {},
            r"series 'b' has an infinite value \(-inf\) at 2020-01-02",
        ),
        (
            pd.Series([1.0, np.nan, 3.0, np.nan], index=D5[:4], name="s"),
            {},
            r"series 's' has a missing value \(NaN\) at 2020-01-02 00:00:00 \(its first\); "
            r"pass fill_missing='interpolate'",
        ),
        (
            pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(D5[:3]) * 2, "y": [1, 2, 3, 4, 5, np.nan]}),
            {},
            r"series 'b' has a missing value \(NaN\) at 2020-01-03 00:00:00 \(its first\); pass fill_missing",
        ),
        (
            pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [1.0, np.nan, 3, np.nan, np.nan]}, index=D5),
            {},
            r"column 'b' has a missing value \(NaN\) at 2020-01-02 00:00:00 \(its first\); pass fill_missing",
        ),
        (
            pd.DataFrame({"a": [1.0, 2, 3], "b": [np.nan] * 3}, index=D5[:3]),
            {},
            r"column 'b' has no values \(all NaN\)",
        ),
        (
            pd.Series([1.0, 2.0, 3.0], index=D5[:3]),
            {"fill_missing": "ffill"},
            r"fill_missing must be None, 'interpolate' or 'mask', got 'ffill'",
        ),
        (
            pd.DataFrame({"unique_id": ["a", "a", "b", "a"], "ds": D5[[0, 1, 0, 1]], "y": [1.0, 2, 3, 4]}),
            {},
            r"duplicate \(unique_id, ds\) pair: \('a', 2020-01-02 00:00:00\) appears 2 times \(rows \[1, 3\]\)",
        ),
        (
            pd.Series([1.0, 2.0, 3.0], index=D5[[0, 1, 1]]),
            {},
            r"the series has duplicate timestamps: 2020-01-02 00:00:00 appears more than once",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=D5[[0, 0, 1]]),
            {},
            r"the frame's index has duplicate timestamps: 2020-01-01 00:00:00",
        ),
        (
            pd.Series([1.0, 2.0, 3.0], index=D5[[0, 2, 1]]),
            {},
            r"timestamps of the series are not in increasing order \(2020-01-03 00:00:00 comes before "
            r"2020-01-02 00:00:00\); pass sort=True to sort them",
        ),
        (
            pd.DataFrame({"unique_id": ["a", "a", "a"], "ds": D5[[1, 0, 2]], "y": [1.0, 2, 3]}),
            {},
            r"timestamps of series 'a' are not in increasing order.*pass sort=True",
        ),
        (
            pd.Series(np.arange(5.0), index=D5.delete(2).append(pd.DatetimeIndex(["2020-01-06"]))),
            {},
            r"the series has a gap: no value at 2020-01-03 00:00:00 \(the first missing timestamp",
        ),
        (
            pd.Series(
                [1.0, 2, 3, 4], index=pd.DatetimeIndex(["2020-01-01", "2020-01-02 07:13", "2020-01-05", "2020-02"])
            ),
            {},
            r"the series has irregular timestamps",
        ),
        (
            pd.DataFrame(
                {
                    "unique_id": ["a"] * 4 + ["b"] * 3,
                    "ds": list(D5[:4]) + list(pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-04"])),
                    "y": np.arange(7.0),
                }
            ),
            {},
            r"series 'b' has a gap: no value at 2020-01-02 00:00:00",
        ),
        (
            pd.Series(np.arange(5.0), index=pd.period_range("2020-01", periods=6, freq="M").delete(2)),
            {},
            r"the series has a gap: no value at 2020-03",
        ),
        (
            pd.Series(np.arange(4.0), index=pd.Index([0, 1, 3, 4])),
            {},
            r"the series has a gap: no value at 2 ",
        ),
        (
            pd.DataFrame(
                {
                    "unique_id": ["a"] * 4 + ["b"] * 4,
                    "ds": list(D5[:4]) + list(pd.date_range("2020-01-05", periods=4, freq="W-SUN")),
                    "y": np.arange(8.0),
                }
            ),
            {},
            r"series 'a' and series 'b' have different frequencies \(D and W-SUN\); all series of a long frame "
            r"must share one frequency",
        ),
        (
            pd.DataFrame({"unique_id": ["a"], "ds": D5[:1]}),
            {},
            r"the long DataFrame lacks column\(s\) \['y'\]; found \['unique_id', 'ds'\]",
        ),
        (
            pd.DataFrame({"ds": D5[:3], "y": [1.0, 2, 3]}),
            {},
            r"lacks column\(s\) \['unique_id'\]; found \['ds', 'y'\]",
        ),
        (np.arange(3.0), {}, r"y must be a pandas Series \(one series\) or DataFrame \(long or wide\), got numpy\."),
        ([1.0, 2.0], {}, r"got builtins.list"),
        (
            pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-01-02"])),
            {},
            r"the frequency of the series cannot be inferred from 2 timestamp\(s\) and its index has no freq",
        ),
        (
            pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "ds": D5[[0, 1, 0, 1]], "y": [1.0, 2, 3, 4]}),
            {},
            r"the frequency cannot be inferred: every series has fewer than 3 timestamps",
        ),
        (
            pd.Series([1.0, 2.0, 3.0], index=pd.Index(["2020-01-01", "2020-01-02", "2020-01-03"])),
            {},
            r"the index of the series has type Index with dtype (str|object); expected datetimes",
        ),
        (
            pd.Series([1.0, 2.0], index=pd.MultiIndex.from_tuples([(1, 1), (1, 2)])),
            {},
            r"the index of the series has type MultiIndex",
        ),
        (
            pd.DataFrame({"unique_id": "a", "ds": ["2020-01-01", "2020-01-02", "2020-01-03"], "y": [1.0, 2, 3]}),
            {},
            r"time column 'ds' has dtype (str|object); expected datetime64 \(convert with pd.to_datetime\)",
        ),
        (
            pd.DataFrame({"unique_id": ["a", None, "a"], "ds": D5[:3], "y": [1.0, 2, 3]}),
            {},
            r"id column 'unique_id' has a missing id \(at row 1\)",
        ),
    ],
)
def test_errors(y, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        to_panel(y, **kwargs)


def test_long_series_with_fewer_than_three_points_uses_the_others_frequency():
    df = pd.DataFrame(
        {
            "unique_id": ["a"] * 3 + ["b"] * 2 + ["c"],
            "ds": list(pd.date_range("2020-01-05", periods=3, freq="W-SUN"))
            + list(pd.date_range("2020-02-02", periods=2, freq="W-SUN"))
            + [pd.Timestamp("2020-03-01")],
            "y": np.arange(6.0),
        }
    )
    panel = to_panel(df)
    assert panel.axis.freq == "W-SUN"
    assert panel.axis.future(2, 1)[0] == pd.Timestamp("2020-03-08")
    bad = df.copy()
    bad.loc[5, "ds"] = pd.Timestamp("2020-03-03")  # a Tuesday, off the weekly grid
    with pytest.raises(ValueError, match=r"series 'c' has timestamp 2020-03-03 00:00:00, which is not on the grid of "
                       r"frequency W-SUN, that of series 'a'"):
        to_panel(bad)


def test_from_forecasts_errors():
    panel = to_panel(pd.Series([1.0, 2.0, 3.0], index=D5[:3]))
    with pytest.raises(ValueError, match=r"forecasts has shape \(1, 3\); expected \(S=1, h=2\)"):
        from_forecasts(panel, np.zeros((1, 3)), 2, "m")
    with pytest.raises(ValueError, match=r"name must be a list of 2 column names"):
        from_forecasts(panel, np.zeros((1, 2, 2)), 2, "m")
    with pytest.raises(ValueError, match=r"position 3 is out of range; the panel has 1 series"):
        from_forecasts(panel, np.zeros((1, 2)), 2, "m", positions=[3])
    with pytest.raises(ValueError, match=r"h must be an integer >= 1, got 0"):
        from_forecasts(panel, np.zeros((1, 0)), 0, "m")
    long = to_panel(pd.DataFrame({"unique_id": "a", "ds": D5[:3], "y": [1.0, 2, 3]}))
    with pytest.raises(ValueError, match=r"clash with the id/time columns"):
        from_forecasts(long, np.zeros((1, 2)), 2, "ds")
