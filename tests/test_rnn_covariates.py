"""RNNForecaster with covariates: regressors X, calendar features and a series embedding."""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_gradients_match_finite_differences

from tsrnn import ARIMA, RNNForecaster, SeasonalNaive, load
from tsrnn.forecasters.rnn import _CovariateRegressor

FAST = dict(cell="gru", hidden_size=8, window=24, horizon=6, season_length=24, epochs=2, windows_per_epoch=300,
            batch_size=32, random_state=0)  # fmt: skip


def driven_series(n=24 * 30, seed=0):
    """y = 3 x + small noise, x random: the future is in X, not in y's past."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n, freq="h")
    x = rng.standard_normal(n)
    return pd.Series(3 * x + 0.1 * rng.standard_normal(n), index=idx), pd.DataFrame({"x": x}, index=idx)


def long_with_x(n_series=3, n=120, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n + 6, freq="h")
    ys, xs = [], []
    for i in range(n_series):
        x = rng.standard_normal(n + 6)
        z = rng.random(n + 6)
        y = 10 + i + np.sin(2 * np.pi * np.arange(n + 6) / 24) + x + 0.1 * rng.standard_normal(n + 6)
        ys.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx[:n], "y": y[:n]}))
        xs.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx, "price": x, "promo": z}))
    return pd.concat(ys, ignore_index=True), pd.concat(xs, ignore_index=True)


def test_model_given_x_beats_the_model_without_by_3x():
    # Fitted on 26 days, scored at 4 daily origins after them, X known over each forecast day.
    # baseline=None: the target is then the (window-scaled) value itself, which the head maps from x directly;
    # with the seasonal-naive baseline it would also have to recall y 24 - j steps back.
    y, X = driven_series()
    H, train_n = 24, len(y) - 4 * 24
    kw = dict(cell="gru", hidden_size=16, window=24, horizon=H, season_length=24, baseline=None, epochs=12,
              windows_per_epoch=2000, lr=2e-2, random_state=0)  # fmt: skip
    with_x = RNNForecaster(**kw).fit(y[:train_n], X=X[:train_n])
    without = RNNForecaster(**kw).fit(y[:train_n])
    err_x, err_0 = [], []
    for origin in range(train_n, len(y), H):
        truth = y.to_numpy()[origin : origin + H]
        err_x.append(np.abs(with_x.predict(y=y[:origin], X=X[: origin + H]).to_numpy() - truth).mean())
        err_0.append(np.abs(without.predict(y=y[:origin]).to_numpy() - truth).mean())
    mae_x, mae_0 = np.mean(err_x), np.mean(err_0)
    assert mae_x * 3 < mae_0, (mae_x, mae_0)  # measured: MAE 0.50 with X against 2.43 without (4.9 times lower)
    # The regressors of the fitted history are kept: forecasting the fitted series needs only the future X.
    np.testing.assert_array_equal(with_x.predict(X=X).to_numpy(), with_x.predict(y=y[:train_n], X=X).to_numpy())


def test_calendar_features_learn_a_weekend_effect_a_day_window_cannot_see():
    # Hourly data, 3 units higher on Saturdays and Sundays; a 24-step window cannot tell Friday from Monday.
    rng = np.random.default_rng(0)
    n = 24 * 7 * 10
    idx = pd.date_range("2024-01-01", periods=n, freq="h")
    t = np.arange(n)
    y = pd.Series(10 + 3.0 * (idx.day_of_week >= 5) + np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n),
                  index=idx)  # fmt: skip
    train_n = n - 24 * 7
    errors = {}
    for calendar in (False, True):
        f = RNNForecaster(cell="gru", hidden_size=16, window=24, horizon=24, season_length=24, epochs=8,
                          windows_per_epoch=2000, lr=1e-2, random_state=0, calendar_features=calendar, loss="mse")  # fmt: skip
        f.fit(y[:train_n])
        errors[calendar] = np.mean([np.abs(f.predict(y=y[:o]).to_numpy() - y.to_numpy()[o : o + 24]).mean()
                                    for o in range(train_n, n, 24)])  # fmt: skip
    assert f.calendar_names_ == ["hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos", "month_sin", "month_cos"]
    # measured: MAE 0.44 with calendar features against 0.95 without
    assert errors[True] < 0.6 * errors[False], errors


def test_long_layout_with_x_new_history_and_subsets():
    df, X = long_with_x()
    f = RNNForecaster(**FAST).fit(df, X=X)
    assert f.exog_names_ == ["price", "promo"] and f.exog_stats_.shape == (2, 2)
    fc = f.predict(X=X)
    assert list(fc.columns) == ["unique_id", "ds", "GRU"] and len(fc) == 18
    sub = f.predict(ids=["s1"], X=X)
    np.testing.assert_array_equal(sub.GRU.to_numpy(), fc.GRU.to_numpy()[6:12])
    # New history: X must then cover it as well as the horizon after it.
    again = f.predict(y=df, X=X)
    np.testing.assert_array_equal(again.GRU.to_numpy(), fc.GRU.to_numpy())
    # fit_predict with one X spanning the history and the forecast period.
    np.testing.assert_array_equal(RNNForecaster(**FAST).fit_predict(df, X=X).GRU.to_numpy(), fc.GRU.to_numpy())
    # Quantiles, calendar features and regressors together; predict(h < horizon) still reads the whole horizon of X.
    q = RNNForecaster(quantiles=[0.1, 0.5, 0.9], calendar_features=True, **FAST).fit(df, X=X)
    out = q.predict(h=3, X=X, level=80)
    assert len(out) == 9 and np.all(out["GRU-lo-80"] <= out["GRU-hi-80"])


def test_same_seed_same_bits_with_covariates():
    df, X = long_with_x()
    kw = dict(calendar_features=True, series_embedding=2, **FAST)
    a = RNNForecaster(**kw).fit(df, X=X).predict(X=X)
    b = RNNForecaster(**kw).fit(df, X=X).predict(X=X)
    pd.testing.assert_frame_equal(a, b)


def test_future_x_errors():
    df, X = long_with_x()
    f = RNNForecaster(**FAST).fit(df, X=X)
    short = X[X.ds < X.ds.max()]  # the last future hour missing
    missing = r"X has no \(or NaN\) values for series 's0' at 2024-01-06 05:00:00 \(1 of the 6 timestamps of its next 6 "
    with pytest.raises(ValueError, match=missing + r"steps are missing\). predict needs X at the 6 timestamps after"):
        f.predict(X=short)
    with pytest.raises(ValueError, match=r"X has no \(or NaN\) values for series 's0' at 2024-01-06 05:00:00"):
        f.predict(h=2, X=short)  # h < horizon: the network still reads the regressors of its whole horizon
    with pytest.raises(ValueError, match=r"X has regressor columns \['price'\]; the model was fitted with \['price', "
                                         r"'promo'\] \(missing \['promo'\], unexpected \[\]\)"):  # fmt: skip
        f.predict(X=X.drop(columns="promo"))
    nan = X.copy()
    nan.loc[nan.index[-1], "price"] = np.nan
    with pytest.raises(ValueError, match=r"X has no \(or NaN\) values for series 's2' at 2024-01-06 05:00:00"):
        f.predict(X=nan)
    with pytest.raises(ValueError, match=r"the model was fitted with regressors \['price', 'promo'\]: predict needs X"):
        f.predict()
    with pytest.raises(ValueError, match=r"X was given to predict, but the model was fitted without regressors"):
        RNNForecaster(**FAST).fit(df).predict(X=X)
    with pytest.raises(ValueError, match=r"X has no \(or NaN\) values for series 's0' at 2024-01-01 00:00:00"):
        RNNForecaster(**FAST).fit(df, X=X[X.ds > X.ds.min()])  # the history's first hour missing
    with pytest.raises(ValueError, match=r"conformal intervals refit the model at earlier cut-offs"):
        f.predict(X=X, level=80)


def test_models_without_regressors_refuse_x():
    df, X = long_with_x(n_series=1)
    with pytest.raises(ValueError, match=r"SeasonalNaive does not use exogenous regressors X; fit and predict it without"):
        SeasonalNaive(24).fit(df, X=X)
    with pytest.raises(ValueError, match=r"ARIMA does not use exogenous regressors X"):
        ARIMA(order=(1, 0, 0)).fit(df, X=X)
    fitted = SeasonalNaive(24).fit(df)
    with pytest.raises(ValueError, match=r"SeasonalNaive does not use exogenous regressors X"):
        fitted.predict(3, X=X)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(strategy="recursive", past_covariates=["price"]),
         r"past_covariates need strategy='direct', got strategy='recursive'"),
        (dict(past_covariates="price"), r"past_covariates='price' must be a non-empty list of distinct column names"),
        (dict(past_covariates=["price"]), r"past_covariates=\['price'\] names columns of X, but fit was given no X"),
        (dict(calendar_features="yes"), r"calendar_features must be True or False, got 'yes'"),
        (dict(series_embedding=0), r"series_embedding"),
    ],
)
def test_bad_covariate_parameters(kwargs, pattern):
    df, _ = long_with_x(n_series=1)
    with pytest.raises(ValueError, match=pattern):
        RNNForecaster(**{**FAST, **kwargs}).fit(df)


def test_calendar_features_need_timestamps_and_x_needs_a_series_or_long_y():
    y = pd.Series(np.sin(np.arange(100) / 4) + 5)  # integer axis
    with pytest.raises(ValueError, match=r"calendar_features=True needs timestamps with a sub-yearly frequency"):
        RNNForecaster(calendar_features=True, **FAST).fit(y)
    df, X = long_with_x(n_series=2)
    wide = df.pivot(index="ds", columns="unique_id", values="y")
    with pytest.raises(ValueError, match=r"covariates X need y as a Series or a long DataFrame"):
        RNNForecaster(**FAST).fit(wide, X=X)


def test_series_embedding_trains_and_knows_only_fitted_series():
    df, X = long_with_x()
    f = RNNForecaster(series_embedding=3, **FAST).fit(df)
    weight = f.model_.embedding.params["weight"]
    assert weight.shape == (3, 3)
    start = RNNForecaster(series_embedding=3, **{**FAST, "epochs": 1, "windows_per_epoch": 1})
    assert not np.allclose(weight, start.fit(df).model_.embedding.params["weight"])  # the vectors were trained
    renamed = df.assign(unique_id=df.unique_id.replace({"s2": "new"}))
    with pytest.raises(ValueError, match=r"series_embedding: the series \['new'\] were not seen in fit"):
        f.predict(y=renamed)
    np.testing.assert_array_equal(f.predict(y=df).GRU.to_numpy(), f.predict().GRU.to_numpy())


def test_covariate_regressor_gradients_match_finite_differences():
    # float64 network: head, layers and embedding gradients of sum(out * G) against central differences.
    rng = np.random.default_rng(0)
    K, horizon, D, B, T = 2, 3, 2, 4, 5
    m = _CovariateRegressor("lstm", K, horizon, 6, horizon * 2, 1, np.float64, np.random.default_rng(1), "orthogonal",
                            0.0, 3, D)  # fmt: skip
    x = rng.standard_normal((B, T, 1 + horizon * K + 1))
    x[:, :, -1] = np.array([0, 2, 1, 2])[:, None]
    G = rng.standard_normal((B, T, horizon * 2))

    assert_gradients_match_finite_differences(m, x, G, rng, [(0, 0, 0), (1, 3, 2), (3, 4, 6), (2, 1, 1)])


def test_save_load_round_trip_with_x_calendar_embedding_and_quantiles(tmp_path):
    df, X = long_with_x()
    f = RNNForecaster(quantiles=[0.1, 0.5, 0.9], calendar_features=True, series_embedding=2, **FAST).fit(df, X=X)
    g = load(f.save(tmp_path / "cov.tsrnn"))
    assert g.exog_names_ == ["price", "promo"] and g.calendar_names_ == f.calendar_names_
    np.testing.assert_array_equal(g.exog_stats_, f.exog_stats_)
    pd.testing.assert_frame_equal(f.predict(X=X, level=80), g.predict(X=X, level=80))
    pd.testing.assert_frame_equal(f.predict(y=df, X=X), g.predict(y=df, X=X))


def test_backtest_passes_x_to_the_models_that_use_it():
    from tsrnn.backtest import backtest, evaluate

    y, X = driven_series()
    kw = dict(cell="gru", hidden_size=16, window=24, horizon=24, season_length=24, baseline=None, epochs=12,
              windows_per_epoch=2000, lr=2e-2, random_state=0)  # fmt: skip
    models = [RNNForecaster(alias="with_x", **kw), SeasonalNaive(24)]
    cv = backtest(models, y, horizon=24, n_windows=2, X=X)
    assert cv.error.eq("").all(), cv.error.unique()
    board = evaluate(cv, metrics=["mae"]).set_index("model")
    # The RNN reads x over each forecast day, SeasonalNaive cannot (it runs without X): y = 3x + noise.
    assert board.loc["with_x", "mae"] * 3 < board.loc["SeasonalNaive", "mae"], board
    # Each fold saw only the rows up to its cutoff: refitting by hand on the first fold gives the same forecast.
    cut = len(y) - 48
    by_hand = RNNForecaster(alias="with_x", **kw).fit(y[:cut], X=X[:cut]).predict(24, X=X)
    first = cv[cv.cutoff == cv.cutoff.min()]
    np.testing.assert_allclose(first["with_x"].to_numpy(), by_hand.to_numpy(), rtol=1e-6)
    # An X that stops short of a fold's horizon is that model's error, reported per row like any failure.
    short = backtest(RNNForecaster(**{**kw, "epochs": 1}), y, horizon=24, n_windows=1, X=X.iloc[:-5])
    assert short["GRU"].isna().all() and short.error.str.contains("X has no").all(), short.error.unique()
