"""Baseline forecasters: hand-computed forecasts in every layout, Naive2's M4 recipe, bad input."""

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn.forecasters import (
    Drift,
    Mean,
    Naive,
    Naive2,
    SeasonalNaive,
    SeasonalWindowAverage,
    WindowAverage,
    baselines,
    forecaster_classes,
)
from tsrnn.forecasters.baselines import _seasonal_indices, _seasonality_test

ALL = [Naive, SeasonalNaive, Drift, Mean, WindowAverage, SeasonalWindowAverage, Naive2]

# One tiny series and, for each baseline, its forecast of the next 4 steps, computed by hand.
Y = np.array([4.0, 1.0, 3.0, 2.0, 6.0, 5.0])
HAND = [
    (Naive(), [5.0, 5.0, 5.0, 5.0]),
    (SeasonalNaive(season_length=3), [2.0, 6.0, 5.0, 2.0]),  # the last season 2, 6, 5, repeated
    (Drift(), [5.2, 5.4, 5.6, 5.8]),  # 5 + k (5 - 4) / 5
    (Mean(), [3.5, 3.5, 3.5, 3.5]),  # 21 / 6
    (WindowAverage(window=4), [4.0, 4.0, 4.0, 4.0]),  # (3 + 2 + 6 + 5) / 4
    # Seasons [3, 2] and [6, 5]: mean(3, 6) = 4.5 at the first position, mean(2, 5) = 3.5 at the second.
    (SeasonalWindowAverage(season_length=2, window=2), [4.5, 3.5, 4.5, 3.5]),
    (Naive2(season_length=3), [5.0, 5.0, 5.0, 5.0]),  # 6 < 3 * 3 values: not tested for seasonality
]


@pytest.mark.parametrize("model, expected", HAND, ids=[type(m).__name__ for m, _ in HAND])
def test_hand_computed_forecasts_series(model, expected):
    idx = pd.date_range("2024-01-01", periods=Y.size, freq="D")
    out = model.fit(pd.Series(Y, index=idx)).predict(4)
    pd.testing.assert_index_equal(out.index, pd.date_range("2024-01-07", periods=4, freq="D"))
    assert out.name == type(model).__name__
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model, expected", HAND, ids=[type(m).__name__ for m, _ in HAND])
def test_hand_computed_forecasts_long_and_wide(model, expected):
    # Long: "b" is Y + 10 starting 3 steps later (these forecasts move with a constant added to the history).
    # Wide: "b" is 2 Y (they scale with it).
    long = pd.DataFrame(
        {
            "unique_id": ["a"] * 6 + ["b"] * 6,
            "ds": np.r_[np.arange(6), np.arange(3, 9)],
            "y": np.r_[Y, Y + 10.0],
        }
    )
    out = model.fit(long).predict(4)
    assert list(out.columns) == ["unique_id", "ds", type(model).__name__]
    assert out.unique_id.tolist() == ["a"] * 4 + ["b"] * 4
    assert out.ds.tolist() == [6, 7, 8, 9, 9, 10, 11, 12]
    np.testing.assert_allclose(out.iloc[:, 2].to_numpy(), np.r_[expected, np.add(expected, 10.0)], atol=1e-12)

    wide = pd.DataFrame({"a": Y, "b": Y * 2.0}, index=pd.date_range("2024-01-01", periods=6, freq="h"))
    out = model.fit(wide).predict(4)
    assert list(out.columns) == ["a", "b"]
    pd.testing.assert_index_equal(out.index, pd.date_range("2024-01-01 06:00", periods=4, freq="h"))
    np.testing.assert_allclose(out["a"].to_numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(out["b"].to_numpy(), np.multiply(expected, 2.0), atol=1e-12)


def test_seasonal_naive_repeats_the_last_season_beyond_one_season():
    y = pd.Series(np.arange(10.0))
    out = SeasonalNaive(season_length=4).fit(y).predict(9)
    np.testing.assert_array_equal(out.to_numpy(), [6, 7, 8, 9, 6, 7, 8, 9, 6])
    pd.testing.assert_index_equal(out.index, pd.RangeIndex(10, 19))


def test_subset_and_new_history():
    long = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": [0, 1, 2] * 2, "y": [1.0, 2, 3, 10, 20, 60]})
    f = Drift().fit(long)
    sub = f.predict(2, ids=["b"])
    assert sub.unique_id.tolist() == ["b", "b"] and sub.Drift.tolist() == [85.0, 110.0]
    # A local model refits on new history.
    newer = pd.DataFrame({"unique_id": ["a"] * 2, "ds": [5, 6], "y": [0.0, 1.0]})
    assert f.predict(2, y=newer).Drift.tolist() == [2.0, 3.0]


def test_alias_names_the_forecast_column():
    out = Naive(alias="last").fit(pd.Series(Y)).predict(1)
    assert out.name == "last"
    with pytest.raises(ValueError, match="alias must be a non-empty string or None, got 3"):
        Naive(alias=3).fit(pd.Series(Y))


def test_predict_needs_h():
    f = Mean().fit(pd.Series(Y))
    with pytest.raises(ValueError, match=r"Mean.predict needs h"):
        f.predict()


@pytest.mark.parametrize(
    "model, arg",
    [
        (SeasonalNaive(season_length=0), "season_length"),
        (SeasonalNaive(season_length=2.5), "season_length"),
        (WindowAverage(window=-1), "window"),
        (SeasonalWindowAverage(season_length=2, window="3"), "window"),
        (SeasonalWindowAverage(season_length=None, window=3), "season_length"),
        (Naive2(season_length=0), "season_length"),
    ],
)
def test_bad_parameters_are_refused_in_fit_naming_the_argument(model, arg):
    with pytest.raises(ValueError, match=rf"^{arg} must be an integer >= 1, got"):
        model.fit(pd.Series(Y))


@pytest.mark.parametrize(
    "model, need",
    [
        (SeasonalNaive(season_length=5), 5),
        (WindowAverage(window=5), 5),
        (SeasonalWindowAverage(season_length=2, window=3), 6),
        (Drift(), 2),
    ],
)
def test_short_series_are_refused_naming_id_and_length(model, need):
    wide = pd.DataFrame(
        {"long": np.arange(8.0), "short": [np.nan] * 7 + [1.0]},
        index=pd.date_range("2024-01-01", periods=8, freq="D"),
    )
    with pytest.raises(ValueError, match=rf"needs at least {need} values per series; series 'short' has 1$"):
        model.fit(wide)


def test_all_baselines_are_registered_local_models():
    classes = forecaster_classes()
    for cls in ALL:
        assert classes[cls.__name__] is cls
        assert cls._global is False
        assert cls(**cls._test_params())._default_h() is None


def test_docstring_examples_show_real_output():
    result = doctest.testmod(baselines, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 7 and result.failed == 0


# --------------------------------------------------------------------------------------------
# Naive2
# --------------------------------------------------------------------------------------------


def seasonal_series(n=100, m=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (50 + 0.2 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / m)) * np.exp(0.02 * rng.standard_normal(n))


def test_seasonality_test_matches_statsmodels_acf():
    stattools = pytest.importorskip("statsmodels.tsa.stattools")
    rng = np.random.default_rng(1)
    for x, m in [(seasonal_series(), 12), (rng.standard_normal(60) + 5, 12), (seasonal_series(48, 4), 4)]:
        acf = stattools.acf(x, nlags=m, fft=False)
        limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[1:m] ** 2)) / x.size)
        assert _seasonality_test(x, m) == (abs(acf[m]) > limit)
    assert _seasonality_test(seasonal_series(), 12)
    assert not _seasonality_test(seasonal_series(35), 12)  # fewer than 3m values: not tested
    assert not _seasonality_test(np.full(40, 3.0), 12)  # constant: not seasonal
    assert not _seasonality_test(seasonal_series(), 1)


@pytest.mark.parametrize("n, m", [(100, 12), (101, 12), (45, 5), (46, 5)])
def test_seasonal_indices_match_classical_multiplicative_decomposition(n, m):
    seasonal = pytest.importorskip("statsmodels.tsa.seasonal")
    x = seasonal_series(n, m)
    ref = seasonal.seasonal_decompose(x, model="multiplicative", period=m).seasonal[:m]
    np.testing.assert_allclose(_seasonal_indices(x, m), ref, rtol=1e-12)
    assert _seasonal_indices(x, m).mean() == pytest.approx(1.0)


def test_naive2_reseasonalises_the_last_adjusted_value():
    x = seasonal_series(101, 12)
    idx = _seasonal_indices(x, 12)
    # The last value is step 100 (position 100 % 12 = 4); step 101 + k has position (5 + k) % 12.
    want = x[-1] / idx[4] * idx[(5 + np.arange(30)) % 12]
    out = Naive2(season_length=12).fit(pd.Series(x)).predict(30)
    np.testing.assert_allclose(out.to_numpy(), want, rtol=1e-12)
    pd.testing.assert_index_equal(out.index, pd.RangeIndex(101, 131))


def test_naive2_is_naive_for_non_seasonal_short_or_unit_season_series():
    rng = np.random.default_rng(2)
    noise = 5 + rng.standard_normal(80)
    assert not _seasonality_test(noise, 12)
    long = pd.DataFrame(
        {
            "unique_id": ["noise"] * 80 + ["short"] * 30 + ["seasonal"] * 100,
            "ds": np.r_[np.arange(80), np.arange(30), np.arange(100)],
            "y": np.r_[noise, seasonal_series(30), seasonal_series(100)],
        }
    )
    out = Naive2(season_length=12).fit(long).predict(3)
    got = out.Naive2.to_numpy().reshape(3, 3)
    np.testing.assert_array_equal(got[0], [noise[-1]] * 3)
    np.testing.assert_array_equal(got[1], [seasonal_series(30)[-1]] * 3)
    assert np.ptp(got[2]) > 1.0  # reseasonalised
    flat = Naive2(season_length=1).fit(long).predict(3).Naive2.to_numpy()
    np.testing.assert_array_equal(flat, Naive().fit(long).predict(3).Naive.to_numpy())


def test_naive2_warns_and_falls_back_to_naive_on_non_positive_seasonal_series():
    x = seasonal_series() - 60.0  # seasonal, crosses zero
    assert _seasonality_test(x, 12)
    with pytest.warns(UserWarning, match=r"Naive2: 1 seasonal series have values <= 0.*\['neg'\]"):
        out = Naive2(season_length=12).fit(pd.Series(x, name="neg")).predict(5)
    np.testing.assert_array_equal(out.to_numpy(), [x[-1]] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Naive2(season_length=12).fit(pd.Series(seasonal_series())).predict(5)
