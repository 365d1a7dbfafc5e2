"""Prediction intervals: conformal for every forecaster, statsmodels' own, in backtests and metrics."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import ARIMA, Naive, SeasonalNaive, Theta
from tsrnn.backtest import backtest, evaluate
from tsrnn.forecasters.intervals import check_levels, interval_names
from tsrnn.metrics import msis


def seasonal_ar_panel(n_series, n, season=12, phi=0.5, seed=0):
    """Long frame of seasonal series with AR(1) noise: stationary, so conformal calibration transfers."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        e = np.zeros(n)
        eps = rng.standard_normal(n) * (1 + i % 3)  # three noise scales: pooling must rescale
        for t in range(1, n):
            e[t] = phi * e[t - 1] + eps[t]
        y = 50 + 10 * np.sin(2 * np.pi * np.arange(n) / season) + e
        frames.append(pd.DataFrame({"unique_id": i, "ds": np.arange(n), "y": y}))
    return pd.concat(frames, ignore_index=True)


def coverage_of(model, level, h=12, windows=None):
    data = seasonal_ar_panel(200, 300 + h)
    train = data[data.ds < 300]
    test = data[data.ds >= 300]
    fc = model.fit(train).predict(h, level=level, calibration_windows=windows)
    merged = fc.merge(test, on=["unique_id", "ds"])
    name = model.name_
    out = {}
    for lv in level:
        lo, hi = merged[f"{name}-lo-{lv}"], merged[f"{name}-hi-{lv}"]
        out[lv] = float(((merged.y >= lo) & (merged.y <= hi)).mean())
    return out


@pytest.mark.parametrize("model", [SeasonalNaive(12), Naive()], ids=["SeasonalNaive", "Naive"])
def test_conformal_coverage_within_5_points(model):
    cov = coverage_of(model, [80, 95], windows=3)
    assert abs(cov[80] - 0.80) <= 0.05, cov
    assert abs(cov[95] - 0.95) <= 0.05, cov


def test_interval_columns_and_order_for_series_and_long():
    y = pd.Series(np.arange(60.0) % 7, index=pd.date_range("2024", periods=60, freq="D"), name="v")
    out = SeasonalNaive(7).fit(y).predict(5, level=[95, 80])
    assert list(out.columns) == ["SeasonalNaive", "SeasonalNaive-lo-95", "SeasonalNaive-lo-80",
                                 "SeasonalNaive-hi-80", "SeasonalNaive-hi-95"]  # fmt: skip
    assert (out["SeasonalNaive-lo-95"] <= out["SeasonalNaive-lo-80"]).all()
    assert (out["SeasonalNaive-lo-80"] <= out.SeasonalNaive).all() and (out.SeasonalNaive <= out["SeasonalNaive-hi-80"]).all()
    long = seasonal_ar_panel(3, 80)
    fc = Naive().fit(long).predict(4, level=80)
    assert list(fc.columns) == ["unique_id", "ds", "Naive", "Naive-lo-80", "Naive-hi-80"] and len(fc) == 12
    # Intervals widen with the horizon for a random-walk-like forecast.
    widths = (fc["Naive-hi-80"] - fc["Naive-lo-80"]).to_numpy().reshape(3, 4)
    assert np.all(widths[:, -1] >= widths[:, 0])


def test_level_validation_and_wide_layout():
    assert check_levels(80) == [80.0] and check_levels([95, 80, 80]) == [80.0, 95.0]
    assert interval_names("M", [80, 97.5]) == ["M", "M-lo-97.5", "M-lo-80", "M-hi-80", "M-hi-97.5"]
    f = Naive().fit(seasonal_ar_panel(2, 60))
    for bad in (0, 100, [50, 120], "high"):
        with pytest.raises(ValueError, match=r"level must"):
            f.predict(3, level=bad)
    with pytest.raises(ValueError, match=r"interval_method='quantile' is not available for Naive"):
        f.predict(3, level=80, interval_method="quantile")
    wide = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) * 2})
    with pytest.raises(ValueError, match=r"long|series"):
        Naive().fit(wide).predict(3, level=80)
    with pytest.raises(ValueError, match=r"conformal intervals need 5 calibration windows of h=20"):
        Naive().fit(seasonal_ar_panel(2, 60)).predict(20, level=80, calibration_windows=5)


def test_statsmodels_model_intervals_equal_statsmodels():
    from statsmodels.tsa.arima.model import ARIMA as SMARIMA

    data = seasonal_ar_panel(2, 120)
    f = ARIMA(order=(1, 0, 0)).fit(data)
    fc = f.predict(6, level=[80, 95], interval_method="model")
    for i in range(2):
        y = data[data.unique_id == i].y.to_numpy()
        res = SMARIMA(y, order=(1, 0, 0)).fit()
        got = fc[fc.unique_id == i]
        for lv in (80, 95):
            ci = res.get_forecast(6).conf_int(alpha=1 - lv / 100)
            np.testing.assert_allclose(got[f"ARIMA-lo-{lv}"], ci[:, 0], rtol=1e-8)
            np.testing.assert_allclose(got[f"ARIMA-hi-{lv}"], ci[:, 1], rtol=1e-8)
    th = Theta(season_length=12).fit(data).predict(6, level=80, interval_method="model")
    assert (th["Theta-lo-80"] < th.Theta).all() and (th.Theta < th["Theta-hi-80"]).all()


def test_backtest_with_levels_and_interval_metrics():
    data = seasonal_ar_panel(20, 150)
    cv = backtest([SeasonalNaive(12), Naive()], data, horizon=12, n_windows=2, level=[80, 95])
    for name in ("SeasonalNaive", "Naive"):
        for col in interval_names(name, [80, 95]):
            assert col in cv.columns and cv[col].notna().all()
    board = evaluate(cv, metrics=["mae", "coverage", "width", "msis"], y=data, season_length=12)
    assert list(board.columns) == ["model", "rank", "mae", "coverage_80", "coverage_95", "width_80", "width_95",
                                   "msis_80", "msis_95", "failed_windows"]  # fmt: skip
    sn = board.set_index("model").loc["SeasonalNaive"]
    assert 0.65 < sn.coverage_80 < 0.95 and sn.coverage_95 > sn.coverage_80 and sn.width_95 > sn.width_80
    with pytest.raises(ValueError, match=r"need interval columns"):
        evaluate(backtest(Naive(), data, horizon=3), metrics=["coverage"])


def test_evaluate_pinball_of_interval_bounds_by_hand():
    cv = pd.DataFrame({
        "unique_id": ["a"] * 2, "cutoff": [0, 0], "ds": [1, 2], "y": [10.0, 10.0], "M": [10.0, 10.0],
        "M-lo-80": [8.0, 11.0], "M-hi-80": [12.0, 13.0],
    })  # fmt: skip
    board = evaluate(cv, metrics=["mae", "pinball"])
    # q=0.1 bound: errors y-f = 2, -1 -> 0.1*2, 0.9*1; q=0.9 bound: y-f = -2, -3 -> 0.1*2, 0.1*3.
    want = np.mean([np.mean([0.2, 0.9]), np.mean([0.2, 0.3])])
    assert board.set_index("model").loc["M", "pinball_80"] == pytest.approx(want)


def test_msis_by_hand():
    y = np.array([3.0, 5.0, 1.0])
    lo = np.array([2.0, 2.0, 2.0])
    hi = np.array([4.0, 4.0, 4.0])
    train = np.array([0.0, 2.0, 4.0, 6.0])  # seasonal (m=2) naive MAE = 4
    a = 0.05
    want = np.mean([2.0, 2.0 + 2 / a * 1.0, 2.0 + 2 / a * 1.0]) / 4.0
    assert msis(y, lo, hi, y_train=train, season_length=2, level=95) == pytest.approx(want)
