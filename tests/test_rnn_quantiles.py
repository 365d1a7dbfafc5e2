"""RNNForecaster(quantiles=...): the multi-quantile head, its intervals, and their calibration."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, load
from tsrnn.backtest import backtest
from tsrnn.forecasters.rnn import _HorizonPinball
from tsrnn.nn import PinballLoss

Q5 = [0.025, 0.1, 0.5, 0.9, 0.975]
FAST = dict(cell="gru", hidden_size=8, window=24, horizon=6, season_length=12, epochs=2, windows_per_epoch=300,
            batch_size=32, random_state=0)  # fmt: skip


def seasonal_long(n_series=3, n=150, seed=0, start="2024-01-01"):
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="h")
    frames = []
    for i in range(n_series):
        t = np.arange(n)
        y = 10 + i + np.sin(2 * np.pi * (t + 3 * i) / 12) + 0.3 * rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx, "y": y}))
    return pd.concat(frames, ignore_index=True)


def bounds(fc, name, levels):
    """Columns from the widest lower bound to the widest upper bound, through the point forecast."""
    cols = [f"{name}-lo-{v}" for v in sorted(levels, reverse=True)] + [name]
    cols += [f"{name}-hi-{v}" for v in sorted(levels)]
    return fc[cols].to_numpy()


def test_horizon_pinball_equals_pinball_on_the_reshaped_output():
    rng = np.random.default_rng(0)
    q = (0.1, 0.5, 0.9)
    pred = rng.standard_normal((2, 5, 4 * 3))
    y = rng.standard_normal((2, 5, 4))
    w = (rng.random((2, 5, 4)) > 0.3).astype(float)
    value, grad = _HorizonPinball(q)(pred, np.repeat(y, 3, axis=-1), np.repeat(w, 3, axis=-1))
    ref, ref_grad = PinballLoss(q)(pred.reshape(2, 5, 4, 3), y, w)
    assert value == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad.reshape(pred.shape), rtol=1e-12)


def test_quantile_head_coverage_within_5_points():
    # 40 seasonal series with Gaussian noise of their own size; the model is fitted on the first 32 days and
    # scored at 16 forecast origins over the next 8 days it never saw (7,680 values per level).
    rng = np.random.default_rng(1)
    S, n, H, train_n = 40, 24 * 40, 12, 24 * 32
    idx = pd.date_range("2024-01-01", periods=n, freq="h")
    t = np.arange(n)
    Y = np.stack([
        20 + 5 * rng.random() + (1 + 2 * rng.random()) * np.sin(2 * np.pi * (t + rng.integers(24)) / 24)
        + (0.2 + 0.5 * rng.random()) * rng.standard_normal(n)
        for _ in range(S)
    ])  # fmt: skip
    train = pd.DataFrame({"unique_id": np.repeat(np.arange(S), train_n), "ds": np.tile(idx[:train_n], S),
                          "y": Y[:, :train_n].ravel()})  # fmt: skip
    f = RNNForecaster(cell="gru", hidden_size=16, window=48, horizon=H, season_length=24, epochs=10,
                      windows_per_epoch=3000, lr=1e-2, random_state=0, quantiles=Q5).fit(train)  # fmt: skip
    frames, actual = [], []
    for k, origin in enumerate(range(train_n, n - H + 1, H)):
        for i in range(S):
            frames.append(pd.DataFrame({"unique_id": f"{i}@{k}", "ds": idx[:origin], "y": Y[i, :origin]}))
            actual.append(Y[i, origin : origin + H])
    fc = f.predict(y=pd.concat(frames, ignore_index=True), level=[80, 95])  # interval_method="quantile" by default
    actual = np.concatenate(actual)
    assert actual.size == 7680
    for level in (80, 95):
        lo, hi = fc[f"GRU-lo-{level}"].to_numpy(), fc[f"GRU-hi-{level}"].to_numpy()
        covered = 100 * np.mean((actual >= lo) & (actual <= hi))
        assert abs(covered - level) <= 5, (level, covered)  # measured: 79.4% and 94.4%


@pytest.mark.parametrize("n_ensemble", [1, 2])
def test_quantiles_never_cross(n_ensemble):
    # One epoch: the head is barely trained, so its raw outputs do cross; the forecasts must not.
    df = seasonal_long()
    f = RNNForecaster(quantiles=[0.9, 0.025, 0.1, 0.975], n_ensemble=n_ensemble, **{**FAST, "epochs": 1}).fit(df)
    levels = [80, 95]
    fc = f.predict(level=levels)
    b = bounds(fc, f.name_, levels)
    assert np.all(np.diff(b, axis=1) >= 0)
    assert f.quantiles_ == (0.025, 0.1, 0.9, 0.975)
    raw = []
    histories = [df.y[df.unique_id == s].to_numpy() for s in ("s0", "s1", "s2")]
    for model, window in zip(f.models_, f.windows_):
        pred, _, _ = f._forecast_member(model, window, [np.log(h) for h in histories], 6)
        raw.append(pred)
    assert any(np.any(np.diff(r, axis=-1) < 0) for r in raw), "the test needs crossing raw outputs"


def test_point_forecast_is_the_median_quantile_or_the_median_of_the_outputs():
    df = seasonal_long()
    with_median = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df)
    fc = with_median.predict(level=80)
    q = with_median._predict(with_median.panel_, 6, np.arange(3))
    sorted_q = with_median._predict_quantiles(with_median.panel_, 6, np.arange(3))
    np.testing.assert_array_equal(q, sorted_q[:, :, 1])
    np.testing.assert_array_equal(fc[with_median.name_].to_numpy(), q.ravel())
    np.testing.assert_array_equal(fc["GRU-lo-80"].to_numpy(), sorted_q[:, :, 0].ravel())
    np.testing.assert_array_equal(fc["GRU-hi-80"].to_numpy(), sorted_q[:, :, 2].ravel())
    without = RNNForecaster(quantiles=[0.1, 0.4, 0.9, 0.95], **FAST).fit(df)
    point = without._predict(without.panel_, 6, np.arange(3))
    np.testing.assert_array_equal(point, np.median(without._predict_quantiles(without.panel_, 6, np.arange(3)), axis=-1))


def test_every_input_layout():
    df = seasonal_long(n_series=2)
    one = df[df.unique_id == "s0"].set_index("ds").y
    s = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(one).predict(level=80)
    assert isinstance(s, pd.DataFrame) and list(s.columns) == ["GRU", "GRU-lo-80", "GRU-hi-80"]
    assert len(s) == 6 and s.index[0] == one.index[-1] + pd.Timedelta(hours=1)
    long = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df).predict(level=80)
    assert list(long.columns) == ["unique_id", "ds", "GRU", "GRU-lo-80", "GRU-hi-80"] and len(long) == 12
    wide = df.pivot(index="ds", columns="unique_id", values="y")
    f = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(wide)
    assert f.predict().shape == (6, 2)  # the point forecast in the wide layout
    with pytest.raises(ValueError, match=r"which a wide frame \(one column per series\) cannot hold"):
        f.predict(level=80)


def test_transforms_and_options_with_quantiles():
    df = seasonal_long()
    plain = RNNForecaster(quantiles=[0.1, 0.5, 0.9], scaler="standard", log=False, baseline=None, val_size=12, **FAST)
    fc = plain.fit(df).predict(level=80)
    assert plain.log_ is False and np.isfinite(plain.history_.val_loss).all()
    assert np.all(fc["GRU-lo-80"] <= fc["GRU"]) and np.all(fc["GRU"] <= fc["GRU-hi-80"])
    stateful = RNNForecaster(quantiles=[0.1, 0.5, 0.9], training="stateful", scaler="standard", baseline=None,
                             **{**FAST, "window": 12})  # fmt: skip
    fc = stateful.fit(df).predict(level=80)
    assert np.all(np.isfinite(fc[["GRU", "GRU-lo-80", "GRU-hi-80"]].to_numpy()))
    # Conformal intervals remain available around the quantile head's point forecast.
    conf = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df)
    out = conf.predict(level=80, interval_method="conformal", calibration_windows=1)
    np.testing.assert_allclose(out["GRU"], conf.predict()["GRU"])


def test_same_seed_same_bits_and_quantiles_leave_the_point_model_alone():
    df = seasonal_long()
    a = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df).predict(level=80)
    b = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df).predict(level=80)
    pd.testing.assert_frame_equal(a, b)
    assert RNNForecaster(**FAST).fit(df).model_.output_size == 6
    assert RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df).model_.output_size == 18


def test_save_load_round_trip(tmp_path):
    df = seasonal_long()
    f = RNNForecaster(quantiles=[0.1, 0.5, 0.9], n_ensemble=2, **{**FAST, "window": [24, 36]})
    f.fit(df)
    path = f.save(tmp_path / "q.tsrnn")
    g = load(path)
    assert g.quantiles_ == (0.1, 0.5, 0.9)
    pd.testing.assert_frame_equal(f.predict(level=80), g.predict(level=80))


def test_backtest_carries_the_quantile_intervals():
    df = seasonal_long(n=120)
    cv = backtest([RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST)], df, horizon=6, n_windows=2, level=[80])
    assert {"GRU", "GRU-lo-80", "GRU-hi-80"} <= set(cv.columns)
    assert np.all(cv["GRU-lo-80"] <= cv["GRU"]) and np.all(cv["GRU"] <= cv["GRU-hi-80"])


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(quantiles=[0.1, 1.0]), r"quantiles=\[0.1, 1.0\] must be a non-empty list of distinct numbers strictly"),
        (dict(quantiles=[]), r"must be a non-empty list"),
        (dict(quantiles=[0.5, 0.5]), r"distinct"),
        (dict(quantiles=0.5), r"quantiles=0.5 must be"),
        (dict(quantiles=[0.5], strategy="recursive"), r"quantiles need strategy='direct'"),
        (dict(quantiles=[0.5], difference=1), r"quantiles cannot be combined with difference=1"),
    ],
)
def test_bad_quantile_parameters(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        RNNForecaster(**{**FAST, **kwargs}).fit(seasonal_long(n_series=1))


def test_levels_the_quantiles_cannot_give():
    df = seasonal_long(n_series=1)
    f = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **FAST).fit(df)
    with pytest.raises(ValueError, match=r"level=95 needs the quantiles 0.025 and 0.975, but the model was fitted with "
                                         r"quantiles=\[0.1, 0.5, 0.9\] \(levels it can give: \['80'\]\)"):  # fmt: skip
        f.predict(level=[80, 95])
    point = RNNForecaster(**FAST).fit(df)
    with pytest.raises(ValueError, match=r"interval_method='quantile' needs a quantile head: fit RNNForecaster\(quant"):
        point.predict(level=80, interval_method="quantile")
