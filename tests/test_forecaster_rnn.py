"""RNNForecaster: strategies, training modes, transforms, training control and bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster

FAST = dict(hidden_size=8, window=16, horizon=6, epochs=3, batch_size=32, random_state=0)


def sine_long(n_series=3, n=120, noise=0.05, seed=0, trend=0.0):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(n)
        y = 5 + np.sin(2 * np.pi * (t + 3 * i) / 12) + trend * t + noise * rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": i, "ds": t, "y": y}))
    return pd.concat(frames, ignore_index=True)


def truth(n_series, start, h, trend=0.0):
    t = np.arange(start, start + h)
    return np.stack([5 + np.sin(2 * np.pi * (t + 3 * i) / 12) + trend * t for i in range(n_series)])


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_learns_a_sine_far_better_than_the_mean(cell):
    df = sine_long(n=200)
    f = RNNForecaster(cell=cell, hidden_size=16, window=24, horizon=12, epochs=15, lr=5e-3, random_state=0).fit(df)
    assert f.baseline_ == "seasonal_naive"  # 528 training windows: too few to leave the season to the network
    pred = f.predict().pivot(index="unique_id", columns="ds", values=f.name_).to_numpy()
    err = np.abs(pred - truth(3, 200, 12)).mean()
    err_mean = np.abs(df.groupby("unique_id").y.mean().to_numpy()[:, None] - truth(3, 200, 12)).mean()
    assert err < err_mean / 4, (err, err_mean)
    assert list(f.history_.columns) == ["epoch", "train_loss", "val_loss", "lr", "seconds"]
    assert f.history_.train_loss.iloc[-1] < f.history_.train_loss.iloc[0]


def test_recursive_strategy_any_h_and_direct_limit():
    df = sine_long()
    rec = RNNForecaster(strategy="recursive", **FAST).fit(df)
    out = rec.predict(h=20)
    assert len(out) == 3 * 20 and np.all(np.isfinite(out[rec.name_]))
    direct = RNNForecaster(**FAST).fit(df)
    with pytest.raises(ValueError, match=r"h=7 is beyond the model's horizon=6; refit with a larger horizon or"):
        direct.predict(h=7)
    assert len(direct.predict(h=2)) == 6


def test_recursive_prediction_feeds_back_its_own_output():
    # Stateful models read the whole history, so re-predicting from history + forecast is the same computation.
    df = sine_long(n_series=1)
    f = RNNForecaster(strategy="recursive", training="stateful", scaler=None, baseline=None, **FAST).fit(df)
    one = f.predict(h=1)[f.name_].to_numpy()
    # Appending the one-step forecast to the history and predicting again gives step two.
    nxt = pd.DataFrame({"unique_id": [0], "ds": [120], "y": one})
    two = f.predict(h=2)[f.name_].to_numpy()
    again = f.predict(h=1, y=pd.concat([df, nxt], ignore_index=True))[f.name_].to_numpy()
    np.testing.assert_allclose(two[1], again[0], rtol=1e-5)


def test_stateful_training_runs_and_differs_from_windows():
    df = sine_long(n=96)
    st = RNNForecaster(training="stateful", tbptt=12, scaler="standard", baseline=None, **FAST).fit(df)
    win = RNNForecaster(**FAST).fit(df)
    a, b = st.predict(), win.predict()
    assert np.all(np.isfinite(a[st.name_]))
    assert not np.allclose(a[st.name_], b[win.name_])
    assert len(st.history_) == FAST["epochs"]


@pytest.mark.parametrize("scaler", ["standard", "minmax", "robust", None])
def test_scalers_are_inverted_on_output(scaler):
    df = sine_long()
    df["y"] = df["y"] * 1000 + 50000
    f = RNNForecaster(scaler=scaler, **{**FAST, "epochs": 8, "lr": 1e-2}).fit(df)
    pred = f.predict()[f.name_].to_numpy()
    # Back on the data's scale: within the range the series spans.
    assert pred.min() > 40000 and pred.max() < 60000 if scaler else np.all(np.isfinite(pred))


def test_differencing_follows_a_trend():
    df = sine_long(n=150, trend=0.5)
    f = RNNForecaster(difference=1, **{**FAST, "epochs": 10, "lr": 1e-2}).fit(df)
    pred = f.predict().pivot(index="unique_id", columns="ds", values=f.name_).to_numpy()
    # The level after 150 steps is ~80; without undifferencing predictions would sit near 0.
    np.testing.assert_allclose(pred, truth(3, 150, 6, trend=0.5), atol=3.0)
    g = RNNForecaster(seasonal_difference=12, **FAST).fit(df)
    assert np.all(np.abs(g.predict()[g.name_].to_numpy() - 80) < 10)


def test_validation_early_stopping_restores_best_weights():
    df = sine_long(n=150)
    f = RNNForecaster(val_size=12, patience=2, lr_patience=1, **{**FAST, "epochs": 40, "lr": 5e-2}).fit(df)
    hist = f.history_
    assert hist.val_loss.notna().all()
    assert f.best_epoch_ == int(hist.epoch[hist.val_loss.idxmin()])
    assert len(hist) < 40 or f.best_epoch_ == 40
    assert (hist.lr.diff().fillna(0) <= 0).all()


def test_lr_reduced_on_plateau():
    # A learning rate this small cannot improve the loss by 1e-4 relative: a plateau from epoch 2.
    df = sine_long()
    f = RNNForecaster(lr_schedule="plateau", lr_patience=2, lr_factor=0.5, min_lr=1e-12,
                      **{**FAST, "epochs": 8, "lr": 1e-9}).fit(df)  # fmt: skip
    np.testing.assert_allclose(f.history_.lr.to_numpy(), 1e-9 * np.array([1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]))


def test_verbose_progress_bar(capsys):
    df = sine_long()
    RNNForecaster(verbose=True, **FAST).fit(df)
    err = capsys.readouterr().err
    assert "LSTM fit" in err and "val_loss" in err and "3/3" in err


def test_dropout_and_optimizers_run():
    df = sine_long()
    for opt in ("adam", "adamw", "sgd"):
        f = RNNForecaster(num_layers=2, dropout=0.2, optimizer=opt, weight_decay=1e-4, **FAST).fit(df)
        assert np.all(np.isfinite(f.predict()[f.name_]))


def test_short_series_left_out_with_warning():
    df = sine_long()
    short = pd.DataFrame({"unique_id": "tiny", "ds": np.arange(10), "y": np.arange(10.0)})
    with pytest.warns(UserWarning, match=r"1 series shorter than window \+ 6 = 22 training values .*\['tiny'\]"):
        f = RNNForecaster(**FAST).fit(pd.concat([df, short], ignore_index=True))
    # Still forecast: its history is zero-padded on the left.
    assert f.predict(ids=["tiny"]).shape == (6, 3)
    with pytest.raises(ValueError, match=r"every series is too short: training needs window \+ horizon = 22"):
        RNNForecaster(**FAST).fit(short)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(horizon=0), r"horizon must be an integer >= 1, got 0"),
        (dict(window=-3), r"window must be an integer >= 1, got -3"),
        (dict(cell="transformer"), r"cell='transformer' is not known"),
        (dict(strategy="mimo"), r"strategy='mimo' is not known"),
        (dict(training="online"), r"training='online' is not known"),
        (dict(scaler="log"), r"scaler='log' is not known"),
        (dict(optimizer="lbfgs"), r"optimizer='lbfgs' is not known"),
        (dict(val_size=3), r"val_size=3 must be at least horizon=6"),
        (dict(lr=0.0), r"lr must be a positive number, got 0.0"),
        (dict(dtype="float16"), r"dtype='float16' is not supported"),
    ],
)
def test_bad_parameters_raise_in_fit(kwargs, pattern):
    f = RNNForecaster(**{**FAST, **kwargs})  # __init__ never validates
    with pytest.raises(ValueError, match=pattern):
        f.fit(sine_long())


def test_bad_predict_arguments():
    f = RNNForecaster(**FAST).fit(sine_long())
    with pytest.raises(ValueError, match=r"ids \['nope'\] were not seen in fit"):
        f.predict(ids=["nope"])
    with pytest.raises(ValueError, match=r"h must be a positive integer, got 0"):
        f.predict(h=0)
    with pytest.raises(ValueError, match=r"give either y .* or ids"):
        f.predict(y=sine_long(), ids=[0])


def test_float64_model_and_reproducible_bits():
    df = sine_long()
    a = RNNForecaster(dtype="float64", **FAST).fit(df).predict()
    b = RNNForecaster(dtype="float64", **FAST).fit(df).predict()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = RNNForecaster(dtype="float64", **{**FAST, "random_state": 1}).fit(df).predict()
    assert not np.array_equal(a.iloc[:, -1], c.iloc[:, -1])


def test_no_warnings_on_clean_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNForecaster(**FAST).fit(sine_long()).predict()


def test_bad_input_data_messages():
    f = RNNForecaster(**FAST)
    df = sine_long()
    nan = df.copy()
    nan.loc[(nan.unique_id == 1) & (nan.ds == 40), "y"] = np.nan
    with pytest.raises(ValueError, match=r"series 1 has a missing value \(NaN\) at 40 \(its first\); pass fill_missing='interpolate'"):
        f.fit(nan)
    filled = RNNForecaster(fill_missing="interpolate", **FAST).fit(nan)
    assert np.all(np.isfinite(filled.predict()[filled.name_]))
    inf = df.copy()
    inf.loc[5, "y"] = np.inf
    with pytest.raises(ValueError, match=r"inf"):
        f.fit(inf)
    text = df.assign(y=df.y.astype(str))
    with pytest.raises(ValueError, match=r"numeric"):
        f.fit(text)
    with pytest.raises(ValueError, match=r"empty"):
        f.fit(df.iloc[:0])
    dup = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"duplicate"):
        f.fit(dup)
    with pytest.raises(ValueError, match=r"list"):
        f.fit([1.0, 2.0, 3.0])


def test_load_refuses_damaged_and_foreign_files(tmp_path):
    from tsrnn import ModelFileError, load

    path = RNNForecaster(**FAST).fit(sine_long()).save(tmp_path / "m.tsrnn")
    data = path.read_bytes()
    (tmp_path / "cut.tsrnn").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        load(tmp_path / "cut.tsrnn")
    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a tsrnn model file|header.json"):
        load(tmp_path / "foreign.npz")
    # A well-formed file naming a class tsrnn does not have.
    from tsrnn.io import read_model_file, write_model_file

    header, arrays = read_model_file(path)
    write_model_file(tmp_path / "evil.tsrnn", dict(header, **{"class": "os.system"}), arrays)
    with pytest.raises(ModelFileError, match=r"names the model class 'os.system', which tsrnn does not have"):
        load(tmp_path / "evil.tsrnn")
    # Weights whose shapes do not fit the declared parameters.
    write_model_file(tmp_path / "shape.tsrnn", header, dict(arrays, **{"model.head.bias": np.zeros(99, np.float32)}))
    with pytest.raises(ModelFileError, match=r"head|bias|shape"):
        load(tmp_path / "shape.tsrnn")


def test_save_is_atomic_over_an_existing_file(tmp_path, monkeypatch):
    import tsrnn.io as tio

    f = RNNForecaster(**FAST).fit(sine_long())
    path = f.save(tmp_path / "m.tsrnn")
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(tio.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        f.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tsrnn"]


def test_windows_are_views_not_copies():
    from tsrnn.data import WindowSampler

    values = np.arange(30, dtype=np.float64)
    indptr = np.array([0, 12, 30])
    s = WindowSampler(values, indptr, window=4, horizon=2, step=3)
    assert np.shares_memory(s._spans, values)
    # Series 0: 12 values, span 6, stride 3, aligned to the end: starts 0, 3, 6; series 1 starts 12+0..12+12.
    np.testing.assert_array_equal(s.starts, [0, 3, 6, 12, 15, 18, 21, 24])
    x, y, w = s.gather(np.array([1, 4]))
    np.testing.assert_array_equal(x[:, :, 0], [[3, 4, 5, 6], [15, 16, 17, 18]])
    np.testing.assert_array_equal(y[0], [[4, 5], [5, 6], [6, 7], [7, 8]])
    assert w is None


# ------------------------------------------------------------------ issue 9: window scaling, log, baseline, ensembles


def seasonal_long(n_series=3, n=240, m=24, seed=0):
    """Positive series with a daily pattern and a level that differs by series (integer time axis)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(n)
        y = (10.0 ** (i + 1)) * (2 + np.sin(2 * np.pi * t / m)) * (1 + 0.01 * rng.standard_normal(n))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": t, "y": y}))
    return pd.concat(frames, ignore_index=True)


def zero_network(f):
    for model in f.models_:
        model.head.params["weight"][...] = 0
        model.head.params["bias"][...] = 0


def test_window_stats_and_baseline_forecast_values():
    from tsrnn.data.windows import baseline_forecast, window_stats

    x = np.array([[1.0, 2.0, 3.0, 5.0, 6.0, 7.0], [4.0, 4.0, 4.0, 4.0, 4.0, 4.0]])
    loc, scale = window_stats(x, 3)
    # Level: mean of the last season (6, 4); unit: mean |x_t - x_{t-3}| = 4, and a flat window's floor.
    np.testing.assert_allclose(loc[:, 0], [6.0, 4.0])
    np.testing.assert_allclose(scale[:, 0], [4.0, 1e-3 * 5.0])
    np.testing.assert_array_equal(baseline_forecast(x, 4, 3, last_only=True), [[5, 6, 7, 5], [4, 4, 4, 4]])
    np.testing.assert_array_equal(baseline_forecast(x, 2, 3, "naive", last_only=True), [[7, 7], [4, 4]])
    full = baseline_forecast(x, 4, 3)
    assert full.shape == (2, 6, 4)
    np.testing.assert_array_equal(full[0, 3], [2, 3, 5, 2])  # from step 3 (value 5): x[1], x[2], x[3], x[1]


def test_window_sampler_scales_each_sample_and_subtracts_the_baseline():
    from tsrnn.data import WindowSampler

    values = np.arange(1.0, 21.0) ** 2
    s = WindowSampler(values, np.array([0, 20]), window=6, horizon=2, scaling="window", season_length=3,
                      baseline="seasonal_naive")  # fmt: skip
    assert s.first_step == 2 and len(s) == 13
    x, y, w = s.gather(np.array([0]), np.float64)
    raw = values[:8]
    loc = raw[3:6].mean()
    scale = np.abs(raw[3:6] - raw[0:3]).mean()
    np.testing.assert_allclose(x[0, :, 0], (raw[:6] - loc) / scale)
    # Last step: targets raw[6], raw[7] minus the seasonal-naive values raw[3], raw[4], in scaled units.
    np.testing.assert_allclose(y[0, -1], (raw[6:8] - raw[3:5]) / scale)
    np.testing.assert_array_equal(w[0, :, 0], [0, 0, 1, 1, 1, 1])


def test_zero_network_forecasts_seasonal_naive_exactly_through_window_scaling_and_log():
    df = seasonal_long()
    f = RNNForecaster(baseline="seasonal_naive", **{**FAST, "window": 48, "horizon": 30}).fit(df)
    assert f.scaler == "window" and f.log_ and f.season_length_ == 24 and f.baseline_ == "seasonal_naive"
    zero_network(f)
    pred = f.predict().pivot(index="unique_id", columns="ds", values=f.name_).to_numpy()
    last = np.stack([g.y.to_numpy()[-24:] for _, g in df.groupby("unique_id")])
    np.testing.assert_allclose(pred, np.concatenate([last, last[:, :6]], axis=1), rtol=1e-5)
    naive = RNNForecaster(baseline="naive", log=False, **{**FAST, "window": 48}).fit(df)
    zero_network(naive)
    out = naive.predict().pivot(index="unique_id", columns="ds", values=naive.name_).to_numpy()
    np.testing.assert_allclose(out, np.repeat(last[:, -1:], 6, axis=1), rtol=1e-5)


def test_recursive_strategy_rolls_the_seasonal_baseline_forward():
    df = seasonal_long(n=120)
    f = RNNForecaster(strategy="recursive", baseline="seasonal_naive", **{**FAST, "window": 48, "epochs": 1}).fit(df)
    zero_network(f)
    pred = f.predict(h=60).pivot(index="unique_id", columns="ds", values=f.name_).to_numpy()
    last = np.stack([g.y.to_numpy()[-24:] for _, g in df.groupby("unique_id")])
    np.testing.assert_allclose(pred, np.tile(last, 3)[:, :60], rtol=1e-5)


def test_window_scaler_learns_series_of_very_different_levels():
    df = seasonal_long(n=240)
    f = RNNForecaster(cell="gru", hidden_size=16, horizon=24, epochs=5, lr=5e-3, random_state=0,
                      baseline="seasonal_naive").fit(df)
    pred = f.predict().pivot(index="unique_id", columns="ds", values=f.name_).to_numpy()
    t = np.arange(240, 264)
    truth = np.stack([(10.0 ** (i + 1)) * (2 + np.sin(2 * np.pi * t / 24)) for i in range(3)])
    rel = np.abs(pred / truth - 1).mean(axis=1)
    assert f.windows_ == [48]  # max(2 * 24, 24, 16)
    assert np.all(rel < 0.03), rel


def test_log_auto_and_its_errors():
    df = seasonal_long(n=120)
    assert RNNForecaster(**{**FAST, "window": 48}).fit(df).log_
    with_zero = df.copy()
    with_zero.loc[5, "y"] = 0.0
    assert not RNNForecaster(**{**FAST, "window": 48}).fit(with_zero).log_
    with pytest.raises(ValueError, match=r"log=True needs positive data, but the minimum value is 0.0"):
        RNNForecaster(log=True, **FAST).fit(with_zero)
    f = RNNForecaster(**{**FAST, "window": 48}).fit(df)
    with pytest.raises(ValueError, match=r"fitted on the log scale .* the history has the value 0.0; refit with log=False"):
        f.predict(y=with_zero)


@pytest.mark.parametrize(
    "freq, n, expected",
    [("h", 200, 24), ("15min", 400, 96), ("D", 60, 7), ("B", 60, 5), ("W", 200, 52), ("MS", 60, 12),
     ("QS", 40, 4), ("YS", 30, 1)],
)  # fmt: skip
def test_season_length_from_the_frequency(freq, n, expected):
    from tsrnn.data import to_panel
    from tsrnn.forecasters.rnn import infer_season_length

    y = pd.Series(np.arange(n, dtype=float), index=pd.date_range("2020-01-01", periods=n, freq=freq))
    assert infer_season_length(to_panel(y)) == expected


def test_season_length_from_the_autocorrelation_on_an_integer_axis():
    from tsrnn.data import to_panel
    from tsrnn.forecasters.rnn import infer_season_length

    rng = np.random.default_rng(0)
    t = np.arange(600)
    for period in (7, 12, 24):
        y = pd.Series(np.sin(2 * np.pi * t / period) + 0.3 * rng.standard_normal(600))
        assert infer_season_length(to_panel(y)) == period
    assert infer_season_length(to_panel(pd.Series(rng.standard_normal(600)))) == 1
    # A drifting level (a random walk) dominates the raw autocorrelation; the differences still show the day.
    walk = rng.standard_normal(2000).cumsum() + 2 * np.sin(2 * np.pi * np.arange(2000) / 24)
    assert infer_season_length(to_panel(pd.Series(walk))) == 24
    assert RNNForecaster(season_length=5, **FAST).fit(sine_long()).season_length_ == 5


def test_season_longer_than_the_window_warns_and_uses_naive_statistics():
    df = seasonal_long(n=120)
    with pytest.warns(UserWarning, match=r"season_length=24 is longer than window=16: .* use m=1"):
        RNNForecaster(**FAST).fit(df)


def test_cosine_schedule_values():
    f = RNNForecaster(**{**FAST, "epochs": 4, "lr": 1e-2, "min_lr": 1e-4}).fit(sine_long())
    e = np.arange(4)
    np.testing.assert_allclose(f.history_.lr, 1e-4 + (1e-2 - 1e-4) * 0.5 * (1 + np.cos(np.pi * e / 4)))


def test_windows_per_epoch_bounds_the_work():
    df = seasonal_long(n=240)
    f = RNNForecaster(windows_per_epoch=40, **{**FAST, "window": 48, "batch_size": 16, "epochs": 1}).fit(df)
    assert f.model_  # 40 of the 3 * (240 - 48 - 6 + 1) windows: 3 batches
    calls = []
    from tsrnn.nn import TBPTTTrainer

    step = TBPTTTrainer.step

    def counting(self, x, y, w=None):
        calls.append(x.shape[0])
        return step(self, x, y, w)

    TBPTTTrainer.step = counting
    try:
        RNNForecaster(windows_per_epoch=40, **{**FAST, "window": 48, "batch_size": 16, "epochs": 1}).fit(df)
    finally:
        TBPTTTrainer.step = step
    assert calls == [16, 16, 8]


def test_ensemble_median_of_members_with_their_own_windows(tmp_path):
    from tsrnn import load

    df = seasonal_long(n=160)
    f = RNNForecaster(n_ensemble=3, window=[48, 72], **{k: v for k, v in FAST.items() if k != "window"}).fit(df)
    assert f.windows_ == [48, 72, 48] and len(f.models_) == 3
    assert list(f.history_.columns) == ["member", "epoch", "train_loss", "val_loss", "lr", "seconds"]
    assert f.history_.member.tolist() == [0] * 3 + [1] * 3 + [2] * 3
    out = f.predict()[f.name_].to_numpy()
    members = []
    for model, window in zip(f.models_, f.windows_):
        one = RNNForecaster(window=window, **{k: v for k, v in FAST.items() if k != "window"}).fit(df)
        one.models_, one.model_ = [model], model
        members.append(one.predict()[one.name_].to_numpy())
    np.testing.assert_array_equal(out, np.median(members, axis=0))
    # Members differ (own seeds); the first one is the single model of the same seed.
    assert not np.array_equal(members[0], members[2])
    single = RNNForecaster(window=48, **{k: v for k, v in FAST.items() if k != "window"}).fit(df).predict()
    np.testing.assert_array_equal(single[single.columns[-1]].to_numpy(), members[0])
    g = load(f.save(tmp_path / "ens.tsrnn"))
    pd.testing.assert_frame_equal(g.predict(), f.predict(), check_exact=True)
    assert g.windows_ == [48, 72, 48]


def test_new_parameters_are_validated_in_fit():
    df = sine_long()
    cases = [
        (dict(scaler="window", training="stateful"), r"training='stateful' runs along whole series, without windows"),
        (dict(baseline="theta"), r"baseline='theta' is not known"),
        (dict(log="yes"), r"log='yes' is not known; expected 'auto', True or False"),
        (dict(loss="msee"), r"loss='msee' is not known; expected one of \['auto', 'mse', 'mae', 'l1', 'huber'\]"),
        (dict(loss="pinball"), r"loss='pinball' is not known; .* set quantiles= or distribution= instead"),
        (dict(lr_schedule="step"), r"lr_schedule='step' is not known"),
        (dict(n_ensemble=0), r"n_ensemble must be an integer >= 1, got 0"),
        (dict(season_length=0), r"season_length must be an integer >= 1, got 0"),
        (dict(window=[]), r"window=\[\] is empty"),
        (dict(window=[16, -1]), r"window must be an integer >= 1, got -1"),
    ]
    for kwargs, pattern in cases:
        f = RNNForecaster(**{**FAST, **kwargs})
        with pytest.raises(ValueError, match=pattern):
            f.fit(df)


def test_files_saved_before_issue_9_load_with_their_old_behaviour(tmp_path):
    from tsrnn import load
    from tsrnn.io import read_model_file, write_model_file

    f = RNNForecaster(scaler="standard", log=False, baseline=None, lr_schedule="plateau", windows_per_epoch=None,
                      **FAST).fit(sine_long())  # fmt: skip
    header, arrays = read_model_file(f.save(tmp_path / "new.tsrnn"))
    params = {k: v for k, v in header["params"].items()
              if k not in ("season_length", "log", "baseline", "lr_schedule", "n_ensemble")}  # fmt: skip
    params["windows_per_epoch"] = None
    state = {k: v for k, v in header["state"].items() if k not in ("seasons", "log", "windows")}
    write_model_file(tmp_path / "old.tsrnn", dict(header, params=params, state=state), arrays)
    g = load(tmp_path / "old.tsrnn")
    assert g.baseline is None and g.log is False and g.windows_ == [16]
    pd.testing.assert_frame_equal(g.predict(), f.predict(), check_exact=True)


def test_season_choice_and_multi_season_baseline_values():
    from tsrnn.data.windows import baseline_forecast, history_needed, season_choice

    t = np.arange(40)
    weekly = np.where(t % 8 < 5, 10.0, 2.0) + (t % 2)  # period 8, with a period-2 wiggle
    daily = 5.0 + (t % 2)  # period 2 only
    x = np.stack([weekly, daily])
    np.testing.assert_array_equal(season_choice(x, (2, 8)), [8, 2])
    out = baseline_forecast(x, 3, (2, 8), last_only=True, window=16)
    np.testing.assert_array_equal(out[0], weekly[32:35])  # t = 40..42 repeat t = 32..34
    np.testing.assert_array_equal(out[1], [5.0, 6.0, 5.0])  # t = 40..42 repeat t = 38, 39, 38
    assert history_needed((2, 8), "seasonal_naive") == 8 and history_needed((2,), "seasonal_naive") == 0
    assert history_needed((2, 8), "naive") == 0


def test_season_choice_along_each_series_reads_only_its_past():
    from tsrnn.data.windows import season_choice, season_choice_along

    rng = np.random.default_rng(0)
    a = np.tile([1.0, 3.0, 2.0, 5.0, 1.0, 3.0, 9.0, 9.0], 6) + 0.1 * rng.standard_normal(48)
    b = rng.standard_normal(30).cumsum()
    values, indptr = np.concatenate([a, b]), np.array([0, 48, 78])
    along = season_choice_along(values, indptr, (2, 8))
    for i, s in enumerate((a, b)):
        got = along[indptr[i] : indptr[i + 1]]
        assert (got[:8] == 2).all()  # no lag-8 difference yet: the first season
        want = [season_choice(s[None, : p + 1], (2, 8))[0] for p in range(8, s.size)]
        np.testing.assert_array_equal(got[8:], want)
    assert along[47] == 8


def test_window_sampler_reads_the_longest_season_before_each_window():
    from tsrnn.data import WindowSampler

    values = np.arange(30.0)
    s = WindowSampler(values, np.array([0, 30]), window=5, horizon=2, season_length=(2, 8), baseline="seasonal_naive")
    assert s.history == 8 and s.first_step == 0
    assert len(s) == 30 - (8 + 5 + 2) + 1
    x, y, w = s.gather(np.array([0]), np.float64)
    np.testing.assert_array_equal(x[0, :, 0], values[8:13])
    # A straight line: lag-2 differences (2) beat lag-8 ones (8), so the baseline repeats 2 steps back.
    np.testing.assert_array_equal(y[0, -1], [2.0, 2.0])
    assert w is None


@pytest.mark.parametrize(
    "freq, n, expected",
    [("h", 24 * 21, (24, 168)), ("h", 24 * 20, (24,)), ("30min", 48 * 21, (48, 336)), ("D", 400, (7,)),
     (None, 24 * 21, (24, 168)), (None, 12 * 60, (12,))],
)  # fmt: skip
def test_infer_seasons_adds_a_week_to_a_day_of_sub_daily_steps(freq, n, expected):
    from tsrnn.data import to_panel
    from tsrnn.forecasters.rnn import infer_seasons

    t = np.arange(n)
    period = expected[0]
    y = np.sin(2 * np.pi * t / period) + 0.1 * np.random.default_rng(0).standard_normal(n)
    index = pd.RangeIndex(n) if freq is None else pd.date_range("2024-01-01", periods=n, freq=freq)
    assert infer_seasons(to_panel(pd.Series(y, index=index))) == expected


def test_zero_network_repeats_last_week_for_weekly_series_and_last_day_for_the_others():
    rng = np.random.default_rng(0)
    t = np.arange(24 * 28)
    day = 2 + np.sin(2 * np.pi * t / 24)
    weekend = np.where((t // 24) % 7 >= 5, 0.5, 1.0)
    df = pd.concat([
        pd.DataFrame({"unique_id": "weekly", "ds": t, "y": day * weekend * (1 + 0.001 * rng.standard_normal(t.size))}),
        pd.DataFrame({"unique_id": "daily", "ds": t, "y": day * (1 + 0.001 * rng.standard_normal(t.size))}),
    ])  # fmt: skip
    f = RNNForecaster(**{**FAST, "window": 96, "horizon": 48, "epochs": 1}).fit(df)
    assert f.seasons_ == (24, 168) and f.season_length_ == 24
    zero_network(f)
    pred = f.predict().pivot(index="unique_id", columns="ds", values=f.name_)
    y = {k: g.y.to_numpy() for k, g in df.groupby("unique_id")}
    np.testing.assert_allclose(pred.loc["weekly"].to_numpy(), y["weekly"][-168:-120], rtol=1e-5)
    np.testing.assert_allclose(pred.loc["daily"].to_numpy(), np.tile(y["daily"][-24:], 2), rtol=1e-5)
    rec = RNNForecaster(strategy="recursive", **{**FAST, "window": 96, "horizon": 48, "epochs": 1}).fit(df)
    zero_network(rec)
    out = rec.predict(h=48).pivot(index="unique_id", columns="ds", values=rec.name_)
    np.testing.assert_allclose(out.to_numpy(), pred.to_numpy(), rtol=1e-5)


def test_validation_loss_with_window_scaling_and_two_seasons():
    t = np.arange(24 * 28)
    y = (2 + np.sin(2 * np.pi * t / 24)) * np.where((t // 24) % 7 >= 5, 0.5, 1.0)
    df = pd.DataFrame({"unique_id": "a", "ds": t, "y": y})
    f = RNNForecaster(val_size=48, **{**FAST, "window": 96, "horizon": 24, "epochs": 3}).fit(df)
    assert f.seasons_ == (24, 168)
    assert f.history_.val_loss.notna().all() and f.best_epoch_ == int(f.history_.epoch[f.history_.val_loss.idxmin()])


def test_device_argument_without_gpu():
    df = sine_long()
    with pytest.raises(RuntimeError, match=r"no CUDA GPU found; use device='cpu'"):
        RNNForecaster(device="cuda", **FAST).fit(df)
    with pytest.raises(ValueError, match=r"device"):
        RNNForecaster(device="tpu", **FAST).fit(df)
    a = RNNForecaster(device="auto", **FAST).fit(df).predict()
    b = RNNForecaster(**FAST).fit(df).predict()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
