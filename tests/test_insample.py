"""RNNForecaster.predict_insample: every cut-off's forecast equals predict(y=the history cut there)."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn.forecasters.base import NotFittedError

FAST = dict(cell="gru", hidden_size=8, window=24, horizon=4, epochs=2, random_state=0)


def _frame(lengths=(80, 70), seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 10 + k + np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range("2000", periods=n, freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def _check_cuts(model, df, horizon, cuts, rtol):
    """In-sample rows against predict(h=horizon, y=<each series' first c values>) for several c."""
    fitted = model.predict_insample(horizon)
    name = model.name_
    for uid, hist in df.groupby("unique_id", sort=False):
        hist = hist.reset_index(drop=True)
        for c in [*cuts, len(hist) - 1]:
            want = model.predict(h=horizon, y=hist.iloc[:c])[name].to_numpy()
            if horizon > 1:
                rows = fitted[(fitted["unique_id"] == uid) & (fitted["cutoff"] == hist["ds"][c - 1])]
                np.testing.assert_array_equal(rows["ds"].to_numpy(), hist["ds"][c : c + horizon].to_numpy())
            else:
                rows = fitted[(fitted["unique_id"] == uid) & (fitted["ds"] == hist["ds"][c])]
            got = rows[name].to_numpy()
            assert got.size == min(horizon, len(hist) - c)
            np.testing.assert_allclose(got, want[: got.size], rtol=rtol, atol=0)
    return fitted


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float64", 1e-12)])
def test_fitted_values_equal_predictions_from_the_cut_history(strategy, dtype, rtol):
    df = _frame()
    model = RNNForecaster(strategy=strategy, dtype=dtype, **FAST).fit(df)
    for horizon in (1, 3):
        _check_cuts(model, df, horizon, (24, 25, 41), rtol)


def test_fitted_values_with_masked_missing_values_and_cut_offs_ending_in_nan():
    df = _frame()
    rng = np.random.default_rng(1)
    rows = rng.choice(np.flatnonzero(df.groupby("unique_id").cumcount() > 0), 30, replace=False)
    df.loc[rows, "y"] = np.nan
    df.loc[[30, 31, 32], "y"] = np.nan  # s0: cut-offs 31..33 end in NaN
    model = RNNForecaster(fill_missing="mask", **FAST).fit(df)
    fitted = _check_cuts(model, df, 2, (24, 31, 32, 33), 1e-6)
    assert np.isfinite(fitted["GRU"]).all() and fitted["y"].isna().any()


@pytest.mark.parametrize(
    "params",
    [
        dict(scaler="standard", baseline="seasonal_naive", n_ensemble=2, window=[24, 30]),
        dict(training="stateful", scaler="standard", baseline=None),
        dict(baseline="naive2", season_length=12, log=True),
    ],
)
def test_models_that_read_the_whole_cut_history(params):
    df = _frame()
    model = RNNForecaster(**{**FAST, **params}).fit(df)
    _check_cuts(model, df, 2, (30, 47), 1e-6)


def test_frame_layout_rows_and_actuals():
    df = _frame()
    model = RNNForecaster(alias="net", **FAST).fit(df)
    one = model.predict_insample()
    assert list(one.columns) == ["unique_id", "ds", "y", "net"]
    assert len(one) == (80 - 24) + (70 - 24)  # forecasts start once a window is full
    first = one[one["unique_id"] == "s0"].iloc[0]
    assert first["ds"] == df["ds"][24] and first["y"] == df["y"][24]
    three = model.predict_insample(horizon=3)
    assert list(three.columns) == ["unique_id", "ds", "cutoff", "y", "net"]
    assert len(three) == 3 * len(one) - 2 * 3  # each series' last two cut-offs reach past its end
    assert (three["cutoff"] < three["ds"]).all()
    merged = three.merge(df, on=["unique_id", "ds"], suffixes=("", "_data"))
    np.testing.assert_array_equal(merged["y"], merged["y_data"])


def test_series_input_gives_a_long_frame():
    idx = pd.date_range("2024-01-01", periods=60, freq="h")
    y = pd.Series(np.sin(np.arange(60) * 2 * np.pi / 24), index=idx, name="load")
    fitted = RNNForecaster(**FAST).fit(y).predict_insample()
    assert fitted["unique_id"].eq("load").all() and len(fitted) == 36
    np.testing.assert_array_equal(fitted["y"], y.to_numpy()[24:])


def test_clear_errors():
    df = _frame()
    with pytest.raises(NotFittedError, match="not fitted"):
        RNNForecaster(**FAST).predict_insample()
    model = RNNForecaster(**FAST).fit(df)
    with pytest.raises(ValueError, match="horizon=5 is beyond the model's horizon=4"):
        model.predict_insample(5)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        model.predict_insample(0)
    X = df[["unique_id", "ds"]].assign(x=np.arange(len(df), dtype=float))
    with_x = RNNForecaster(**FAST).fit(df, X=X)
    with pytest.raises(ValueError, match="regressors X"):
        with_x.predict_insample()


def test_short_series_are_skipped_with_a_warning_and_all_short_is_an_error():
    df = _frame(lengths=(80, 24))
    with pytest.warns(UserWarning, match="left out of training"):
        model = RNNForecaster(**FAST).fit(df)
    with pytest.warns(UserWarning, match=r"1 series with at most 24 values have no in-sample forecasts: \['s1'\]"):
        fitted = model.predict_insample()
    assert set(fitted["unique_id"]) == {"s0"}
    model.panel_ = model.panel_.subset(np.array([1]))
    with pytest.raises(ValueError, match="every series is too short for in-sample forecasts"):
        model.predict_insample()
