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
    f = RNNForecaster(strategy="recursive", training="stateful", scaler=None, **FAST).fit(df)
    one = f.predict(h=1)[f.name_].to_numpy()
    # Appending the one-step forecast to the history and predicting again gives step two.
    nxt = pd.DataFrame({"unique_id": [0], "ds": [120], "y": one})
    two = f.predict(h=2)[f.name_].to_numpy()
    again = f.predict(h=1, y=pd.concat([df, nxt], ignore_index=True))[f.name_].to_numpy()
    np.testing.assert_allclose(two[1], again[0], rtol=1e-5)


def test_stateful_training_runs_and_differs_from_windows():
    df = sine_long(n=96)
    st = RNNForecaster(training="stateful", tbptt=12, **FAST).fit(df)
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
    f = RNNForecaster(lr_patience=2, lr_factor=0.5, min_lr=1e-12, **{**FAST, "epochs": 8, "lr": 1e-9}).fit(df)
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
