"""ARIMA, ETS and Theta: statsmodels parity, accuracy on a seasonal series, failure isolation, fallbacks."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima.model import ARIMA as SMARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

from tsrnn import load
from tsrnn.forecasters import ARIMA, ETS, Theta, forecaster_classes

M = 12


def seasonal_values(n, seed, level=20.0, slope=0.05):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level + slope * t + 3 * np.sin(2 * np.pi * t / M) + np.cos(4 * np.pi * t / M) + 0.3 * rng.standard_normal(n)


def make_long(lengths=(96, 108, 120), seed=0, values=None):
    frames = []
    for i, n in enumerate(lengths):
        y = seasonal_values(n, seed + i, level=20.0 + 5 * i) if values is None or values[i] is None else values[i]
        ds = pd.date_range("2020-01-01", periods=len(y), freq="MS")
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def series_values(df, uid):
    return df.loc[df.unique_id == uid, "y"].to_numpy(np.float64)


def forecasts(out, model, uid):
    return out.loc[out.unique_id == uid, model.name_].to_numpy()


def quiet_sm(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(fn(), dtype=np.float64)


def test_registered_for_the_contract_suite():
    classes = forecaster_classes()
    assert {"ARIMA", "ETS", "Theta"} <= set(classes)
    assert all(classes[name]._global is False for name in ("ARIMA", "ETS", "Theta"))


# ------------------------------------------------------------------ statsmodels parity

PARITY = [
    (
        ARIMA(order=(1, 0, 1), seasonal_order=(1, 0, 0, M)),
        lambda y, h: SMARIMA(y, order=(1, 0, 1), seasonal_order=(1, 0, 0, M)).fit().forecast(h),
    ),
    (ARIMA(order=(2, 1, 0), trend="t"), lambda y, h: SMARIMA(y, order=(2, 1, 0), trend="t").fit().forecast(h)),
    (
        ETS(trend="add", damped_trend=True, seasonal="add", season_length=M),
        lambda y, h: (
            ETSModel(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=M).fit(disp=False).forecast(h)
        ),
    ),
    (ETS(error="mul", trend="add"), lambda y, h: ETSModel(y, error="mul", trend="add").fit(disp=False).forecast(h)),
    (Theta(season_length=M), lambda y, h: ThetaModel(y, period=M).fit().forecast(h)),
    (Theta(deseasonalize=False), lambda y, h: ThetaModel(y, period=1, deseasonalize=False).fit().forecast(h)),
]


@pytest.mark.parametrize("model, direct", PARITY, ids=[repr(m) for m, _ in PARITY])
def test_forecasts_equal_statsmodels(model, direct):
    df = make_long(lengths=(96, 120))
    h = 15
    # fallback=None: a series whose optimiser stops short of convergence keeps statsmodels' estimates, as
    # statsmodels does (on Python 3.12's wheels ARIMA(1,0,1)(1,0,0,12) does not converge on s1; on 3.11 it does).
    model = model.set_params(fallback=None)
    out = model.fit(df).predict(h)
    assert model.fit_report_.status.isin(["ok", "not_converged"]).all(), model.fit_report_
    for uid in ("s0", "s1"):
        y = series_values(df, uid)
        want = quiet_sm(lambda y=y: direct(y, h))
        np.testing.assert_allclose(forecasts(out, model, uid), want, rtol=0, atol=1e-10)


# ------------------------------------------------------------------ accuracy


@pytest.mark.parametrize(
    "model",
    [
        ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1, M)),
        ETS(seasonal="add", season_length=M),
        Theta(season_length=M),
    ],
    ids=["ARIMA", "ETS", "Theta"],
)
def test_seasonal_models_beat_naive_on_held_out_data(model):
    h = 2 * M
    full = make_long(lengths=(120 + h, 132 + h), seed=7)
    train = full.groupby("unique_id").head(-h)
    test = full.groupby("unique_id").tail(h)
    out = model.fit(train).predict(h)
    for uid in ("s0", "s1"):
        truth = series_values(test, uid)
        naive = np.full(h, series_values(train, uid)[-1])
        mae_model = np.abs(forecasts(out, model, uid) - truth).mean()
        mae_naive = np.abs(naive - truth).mean()
        assert mae_model < 0.5 * mae_naive, (uid, mae_model, mae_naive)


# ------------------------------------------------------------------ failure isolation

MARKER = 777.0


def failing_fit(original, exc):
    """A statsmodels fit that raises ``exc`` on the series whose first value is MARKER."""

    def fit(self, *args, **kwargs):
        if np.asarray(self.endog).ravel()[0] == MARKER:
            raise exc
        return original(self, *args, **kwargs)

    return fit


def marked_frame():
    y1 = seasonal_values(100, 1)
    y1[0] = MARKER
    return make_long(lengths=(96, 100, 110), values=[None, y1, None]), y1


def test_failure_is_isolated_to_its_series(monkeypatch):
    df, y1 = marked_frame()
    clean = ARIMA().fit(df.loc[df.unique_id != "s1"]).predict(6)
    monkeypatch.setattr(SMARIMA, "fit", failing_fit(SMARIMA.fit, np.linalg.LinAlgError("Schur decomposition failed")))
    model = ARIMA()
    with pytest.warns(
        UserWarning, match=r"ARIMA: 1 of 3 series .*'naive' fallback: 's1' \(fallback: statsmodels raised"
    ):
        model.fit(df)
    out = model.predict(6)
    np.testing.assert_array_equal(forecasts(out, model, "s1"), np.full(6, y1[-1]))
    for uid in ("s0", "s2"):
        np.testing.assert_array_equal(forecasts(out, model, uid), forecasts(clean, model, uid))
    report = model.fit_report_.set_index("unique_id")
    assert report.status.to_dict() == {"s0": "ok", "s1": "fallback", "s2": "ok"}
    assert "LinAlgError: Schur decomposition failed" in report.loc["s1", "message"]
    assert report.loc["s0", "message"] == ""


def test_fallback_none_reraises_with_the_series_id(monkeypatch):
    df, _ = marked_frame()
    monkeypatch.setattr(SMARIMA, "fit", failing_fit(SMARIMA.fit, np.linalg.LinAlgError("Schur decomposition failed")))
    with pytest.raises(np.linalg.LinAlgError, match=r"ARIMA\(1,0,0\) failed on series 's1': Schur decomposition"):
        ARIMA(fallback=None).fit(df)


def test_non_converged_series_falls_back(monkeypatch):
    df, y1 = marked_frame()
    original = ETSModel.fit

    def fit(self, *args, **kwargs):
        res = original(self, *args, **kwargs)
        if np.asarray(self.endog).ravel()[0] == MARKER:
            res.mle_retvals = {**res.mle_retvals, "converged": False}
        return res

    monkeypatch.setattr(ETSModel, "fit", fit)
    model = ETS(trend="add", fallback="mean")
    with pytest.warns(UserWarning, match=r"'s1' \(not_converged: the optimiser did not converge\)"):
        out = model.fit(df).predict(4)
    assert model.fit_report_.status.tolist() == ["ok", "not_converged", "ok"]
    np.testing.assert_allclose(forecasts(out, model, "s1"), np.full(4, y1.mean()), rtol=1e-15)

    kept = ETS(trend="add", fallback=None)
    with pytest.warns(UserWarning, match="non-converged fits keep statsmodels' estimates"):
        out = kept.fit(df).predict(4)
    want = quiet_sm(lambda: original(ETSModel(y1, trend="add"), disp=False).forecast(4))
    np.testing.assert_array_equal(forecasts(out, kept, "s1"), want)
    assert kept.fit_report_.status.tolist() == ["ok", "not_converged", "ok"]


def test_non_finite_forecasts_fall_back(monkeypatch):
    df, y1 = marked_frame()
    monkeypatch.setattr(
        Theta,
        "_forecast_one",
        lambda self, res, h: np.full(h, np.nan) if res.model._y[0] == MARKER else res.forecast(h),
    )
    model = Theta()
    with pytest.warns(UserWarning, match=r"'s1' \(fallback: non-finite forecasts"):
        out = model.fit(df).predict(3)
    np.testing.assert_array_equal(forecasts(out, model, "s1"), np.full(3, y1[-1]))
    assert np.isfinite(out[model.name_]).all()


def test_non_finite_forecasts_at_predict_time_fall_back(monkeypatch):
    df, y1 = marked_frame()
    model = Theta().fit(df)
    strict = Theta(fallback=None).fit(df)
    monkeypatch.setattr(
        Theta,
        "_forecast_one",
        lambda self, res, h: np.full(h, np.inf) if res.model._y[0] == MARKER else res.forecast(h),
    )
    with pytest.warns(UserWarning, match=r"Theta: 1 series have non-finite forecasts at h=3 .*'naive' fallback: 's1'"):
        out = model.predict(3)
    np.testing.assert_array_equal(forecasts(out, model, "s1"), np.full(3, y1[-1]))
    with pytest.raises(ValueError, match="non-finite values for series 's1' at h=3"):
        strict.predict(3)


# ------------------------------------------------------------------ short and constant series


def test_short_series_get_the_fallback():
    short = seasonal_values(20, 3)
    df = make_long(lengths=(96, 20), values=[None, short])
    model = ETS(seasonal="add", season_length=M, fallback="seasonal_naive")
    with pytest.warns(UserWarning, match=r"1 of 2 series .*'s1' \(fallback: too short: 20 values"):
        out = model.fit(df).predict(15)
    report = model.fit_report_.set_index("unique_id")
    assert report.loc["s1", "status"] == "fallback"
    assert report.loc["s1", "message"] == "too short: 20 values, ETS(A,N,A)[12] needs at least 24"
    np.testing.assert_array_equal(forecasts(out, model, "s1"), np.resize(short[-M:], 15))
    assert report.loc["s0", "status"] == "ok"


def test_short_series_with_fallback_none_raises():
    df = make_long(lengths=(96, 20))
    with pytest.raises(ValueError, match=r"Theta\[12\] cannot forecast series 's1': too short: 20 values"):
        Theta(season_length=M, fallback=None).fit(df)


def test_constant_series_forecasts_its_value():
    df = make_long(lengths=(96, 40), values=[None, np.full(40, 3.5)])
    for model in (ARIMA(), ETS(trend="add"), Theta()):
        with pytest.warns(UserWarning, match="constant series"):
            out = model.fit(df).predict(5)
        np.testing.assert_array_equal(forecasts(out, model, "s1"), np.full(5, 3.5))


# ------------------------------------------------------------------ parameters and report


@pytest.mark.parametrize(
    "cls, params, name",
    [
        (ARIMA, {"order": (1, 0)}, "order"),
        (ARIMA, {"order": (1, -1, 0)}, "order"),
        (ARIMA, {"seasonal_order": (1, 0, 0, 1)}, "seasonal_order"),
        (ARIMA, {"seasonal_order": (1, 0, 0, 0)}, "seasonal_order"),
        (ARIMA, {"order": (1, 1, 0), "trend": "c"}, "trend"),
        (ARIMA, {"trend": "quadratic"}, "trend"),
        (ARIMA, {"fallback": "seasonal_naive"}, "fallback"),
        (ETS, {"trend": "additive"}, "trend"),
        (ETS, {"damped_trend": True}, "damped_trend"),
        (ETS, {"seasonal": "add"}, "seasonal"),
        (ETS, {"season_length": 0}, "season_length"),
        (ETS, {"error": "poisson"}, "error"),
        (Theta, {"method": "mul"}, "method"),
        (Theta, {"deseasonalize": "yes"}, "deseasonalize"),
        (Theta, {"season_length": 2.5}, "season_length"),
        (Theta, {"fallback": "drift"}, "fallback"),
        (Theta, {"alias": 3}, "alias"),
    ],
)
def test_bad_parameters_raise_in_fit_naming_the_argument(cls, params, name):
    model = cls(**params)  # __init__ stores, never checks
    with pytest.raises(ValueError, match=name):
        model.fit(make_long(lengths=(60,)))


def test_fit_report_columns_and_alias():
    df = make_long()
    model = Theta(season_length=M, alias="theta12").fit(df)
    report = model.fit_report_
    assert list(report.columns) == ["unique_id", "status", "message", "seconds"]
    assert report.unique_id.tolist() == ["s0", "s1", "s2"]
    assert report.status.tolist() == ["ok"] * 3
    assert (report.seconds >= 0).all()
    assert "theta12" in model.predict(2).columns


def test_integer_time_axis_and_mean_fallback():
    idx = pd.RangeIndex(500, 620)
    wide = pd.DataFrame({"a": seasonal_values(120, 0), "b": np.r_[np.full(117, np.nan), 1.0, 2.0, 3.0]}, index=idx)
    model = ARIMA(fallback="mean")
    with pytest.warns(UserWarning, match="'b' \\(fallback: too short: 3 values"):
        out = model.fit(wide).predict(3)
    assert out.index.tolist() == [620, 621, 622]
    np.testing.assert_array_equal(out["b"].to_numpy(), [2.0, 2.0, 2.0])


def test_save_load_refits_identically(tmp_path):
    df = make_long(lengths=(96, 20))
    model = ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1, M), fallback="seasonal_naive")
    with pytest.warns(UserWarning, match="too short"):
        model.fit(df)
    path = model.save(tmp_path / "arima.tsrnn")
    with pytest.warns(UserWarning, match="too short"):
        loaded = load(path)
    assert loaded.get_params() == model.get_params()
    assert isinstance(loaded.seasonal_order, tuple)
    pd.testing.assert_frame_equal(loaded.predict(30), model.predict(30), check_exact=True)
    pd.testing.assert_frame_equal(loaded.fit_report_.drop(columns="seconds"), model.fit_report_.drop(columns="seconds"))
