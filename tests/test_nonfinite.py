"""Forecasts are never silently non-finite: extreme magnitudes are modelled, refused by name, or reported."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import Drift, Mean, RNNForecaster, SeasonalWindowAverage, WindowAverage
from tsrnn.backtest import backtest
from tsrnn.data.windows import WindowSampler, stats_dtype, window_stats

IDX = pd.date_range("2024-01-01", periods=200, freq="h")
SHAPE = 10 + np.sin(2 * np.pi * np.arange(200) / 24)


def _rnn(**kw):
    return RNNForecaster(hidden_size=8, window=48, horizon=4, epochs=2, windows_per_epoch=200, random_state=0, **kw)


@pytest.mark.parametrize(("scale", "kw"), [(-1e37, {}), (1e37, {"log": False}), (-1e37, {"baseline": None}),
                                          (-1e38, {}), (-1e300, {}), (1e300, {"log": False}), (1e-30, {})])  # fmt: skip
def test_rnn_models_extreme_magnitudes_with_finite_loss_and_forecasts(scale, kw):
    y = pd.Series(scale * SHAPE, index=IDX, name="load")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        f = _rnn(**kw).fit(y)
        yhat = f.predict().to_numpy()
    assert np.isfinite(f.history_["train_loss"]).all() and (f.history_["train_loss"] > 0).all()
    assert yhat.shape == (4,) and np.isfinite(yhat).all()
    # Scale-free: forecasts in the data's units, within the range of the pattern.
    assert np.all((yhat / scale > 8) & (yhat / scale < 12)), yhat / scale


def test_rnn_forecasts_scale_with_the_data():
    small = _rnn(log=False).fit(pd.Series(SHAPE, index=IDX)).predict().to_numpy()
    large = _rnn(log=False).fit(pd.Series(1e37 * SHAPE, index=IDX)).predict().to_numpy()
    np.testing.assert_allclose(large / 1e37, small, rtol=1e-4)


@pytest.mark.parametrize("kw", [{"scaler": None, "baseline": None, "log": False}, {"scaler": "standard", "log": False}])
def test_rnn_refuses_data_its_network_cannot_see_naming_the_series(kw):
    scale = 1e37 if kw["scaler"] is None else 1e307
    y = pd.DataFrame({"unique_id": ["ok"] * 200 + ["huge"] * 200, "ds": np.r_[IDX, IDX],
                      "y": np.r_[SHAPE, scale * SHAPE]})  # fmt: skip
    with pytest.raises(ValueError, match=r"series 'huge' has values from 9e\+\d+ to 1\.1e\+\d+, beyond what "
                                         r"RNNForecaster can model"):  # fmt: skip
        _rnn(**kw).fit(y)


def test_rnn_refuses_new_history_beyond_its_range_at_predict():
    f = _rnn(scaler=None, baseline=None, log=False).fit(pd.Series(SHAPE, index=IDX))
    with pytest.raises(ValueError, match=r"series 0 has values from 9e\+36 to 1\.1e\+37"):
        f.predict(y=pd.Series(1e36 * SHAPE, index=IDX))


def test_rnn_forecast_overflowing_float64_raises_or_warns_naming_the_series():
    y = pd.DataFrame({"unique_id": ["a"] * 200 + ["b"] * 200, "ds": np.r_[IDX, IDX], "y": np.r_[SHAPE, 1e300 * SHAPE]})
    f = _rnn().fit(y)
    assert np.isfinite(f.predict()["LSTM"]).all()
    # A network whose output is far outside its training range: exp() of the log-scale forecast overflows.
    f.model_.head.params["bias"][...] = 1e4
    with pytest.raises(ValueError, match=r"LSTM forecast NaN or infinite values for 1 series: \['b'\] \(their "
                                         r"histories range over 'b': 9e\+300 to 1\.1e\+301\)"):  # fmt: skip
        f.predict()
    with pytest.warns(RuntimeWarning, match=r"for 1 series: \['b'\]"):
        out = f.predict(on_nonfinite="warn")
    assert np.isfinite(out["LSTM"][:4]).all() and np.isinf(out["LSTM"][4:]).all()


@pytest.mark.parametrize(("cls", "kw"), [(Mean, {}), (WindowAverage, {"window": 5}),
                                         (SeasonalWindowAverage, {"season_length": 4, "window": 3})])  # fmt: skip
def test_averages_near_the_float64_limit_are_finite_and_exact(cls, kw):
    values = 5e306 * SHAPE[:24]
    got = cls(**kw).fit(pd.Series(values)).predict(4).to_numpy()
    reference = cls(**kw).fit(pd.Series(SHAPE[:24])).predict(4).to_numpy() * 5e306
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, reference, rtol=1e-13)
    # Ordinary data keeps its plain mean, bit for bit.
    small = cls(**kw).fit(pd.Series(SHAPE[:24])).predict(4).to_numpy()
    if cls is WindowAverage:
        assert small.tobytes() == np.repeat(SHAPE[19:24].mean(), 4).tobytes()


def test_drift_beyond_float64_raises_naming_the_series_or_warns():
    y = pd.DataFrame({"unique_id": ["edge", "edge", "fine", "fine"], "ds": [0, 1, 0, 1], "y": [-1.7e308, 1.7e308, 1, 2]})
    with pytest.raises(ValueError, match=r"Drift forecast NaN or infinite values for 1 series: \['edge'\] \(their "
                                         r"histories range over 'edge': -1\.7e\+308 to 1\.7e\+308\)"):  # fmt: skip
        Drift().fit(y).predict(2)
    with pytest.warns(RuntimeWarning, match=r"\['edge'\]"):
        out = Drift().fit(y).predict(2, on_nonfinite="warn")
    assert out["Drift"].tolist()[2:] == [3.0, 4.0]
    with pytest.raises(ValueError, match=r"on_nonfinite='ignore' is not known"):
        Drift().fit(y).predict(2, on_nonfinite="ignore")


def test_backtest_reports_non_finite_forecasts_as_errors():
    y = pd.DataFrame({"unique_id": ["edge"] * 6, "ds": range(6), "y": [-1.7e308, 1.7e308] * 3})
    result = backtest(Drift(), y, horizon=1, n_windows=2)
    # Cutoff 3 ends on 1.7e308 after -1.7e308 (the drift overflows); cutoff 4 ends where it began (no drift).
    assert result["cutoff"].tolist() == [3, 4]
    assert np.isnan(result["Drift"].iloc[0]) and result["Drift"].iloc[1] == -1.7e308
    assert "Drift forecast NaN or infinite values for 1 series: ['edge']" in result["error"].iloc[0]
    assert result["error"].iloc[1] == ""


def test_window_statistics_switch_to_float64_only_when_float32_would_overflow():
    assert stats_dtype(np.array([1e30, -3e30]), np.float32) == np.float32
    assert stats_dtype(np.array([1e30, -4e30]), np.float32) == np.float64
    assert stats_dtype(np.array([1e300]), np.float64) == np.float64
    values = np.r_[SHAPE, 1e37 * SHAPE]
    indptr = np.array([0, 200, 400])
    sampler = WindowSampler(values, indptr, 48, 4, scaling="window", season_length=24)
    x, y, _ = sampler.gather(np.array([0, len(sampler) - 1]), np.float32)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    # Batches of ordinary windows: the float32 statistics of before, bit for bit.
    x, _, _ = sampler.gather(np.array([0]), np.float32)
    spans = values[sampler.starts[0] : sampler.starts[0] + 52].astype(np.float32)[None]
    loc, scale = window_stats(spans[:, :48], 24)
    assert x[0, :, 0].tobytes() == ((spans - loc) / scale)[0, :48].tobytes()
