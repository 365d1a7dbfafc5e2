"""RNNForecaster(fill_missing="mask"): NaN targets masked out of the loss, NaN inputs filled and flagged."""

import numpy as np
import pandas as pd
import pytest

import tsrnn
from tsrnn import RNNForecaster
from tsrnn.data.fused_gather import FusedGather
from tsrnn.data.masking import fill_forward, masked_window_stats
from tsrnn.data.masked_windows import MaskedWindowSampler
from tsrnn.data.windows import window_stats
from tsrnn.forecasters.baselines import Naive

FAST = dict(cell="gru", hidden_size=8, window=24, horizon=4, epochs=2, random_state=0)


def _panel_frame(n_series=3, n=120, seed=0, season=12):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    frames = []
    for k in range(n_series):
        y = 20 + 3 * k + (2 + k % 3) * np.sin(2 * np.pi * (t + k) / season) + 0.02 * t + 0.3 * rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range("2000", periods=n, freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def _with_nan(df, fraction, seed):
    out = df.copy()
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(out), int(fraction * len(out)), replace=False)
    out.loc[out.index[rows], "y"] = np.nan
    return out


# ----------------------------------------------------------------------------- data rules


def test_fill_forward_seasonal_then_last_value_within_each_series():
    nan = np.nan
    values = np.array([1.0, 2.0, nan, nan, 5.0, nan, 7.0, nan, nan, 9.0])
    indptr = np.array([0, 6, 10])
    filled, missing = fill_forward(values, indptr)
    np.testing.assert_array_equal(filled, [1, 2, 2, 2, 5, 5, 7, 7, 7, 9])
    np.testing.assert_array_equal(missing, np.isnan(values))
    # m = 2: position 2 takes position 0, 3 takes 1, 5 takes 3 (itself filled); series 1 cannot reach back.
    filled2, _ = fill_forward(values, indptr, season_length=2)
    np.testing.assert_array_equal(filled2, [1, 2, 1, 2, 5, 2, 7, 7, 7, 9])


def test_fill_forward_refuses_a_series_without_observations():
    with pytest.raises(ValueError, match="no observed value"):
        fill_forward(np.array([1.0, np.nan, np.nan]), np.array([0, 1, 3]))


def test_masked_window_stats_ignore_missing_values():
    x = np.array([[1.0, 2.0, 2.0, 4.0, 4.0, 6.0]])
    missing = np.array([[False, False, True, False, True, False]])
    loc, scale = masked_window_stats(x, missing, 1)
    assert loc[0, 0] == 6.0
    assert scale[0, 0] == pytest.approx(1.0)  # only the pair (1, 2) has two observed values
    # With nothing missing they are window_stats'.
    full = np.random.default_rng(0).standard_normal((4, 24))
    for m in (1, 12):
        got = masked_window_stats(full, np.zeros(full.shape, bool), m)
        want = window_stats(full, m)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    # The last m values all missing: the level is the last (filled) value.
    loc, _ = masked_window_stats(x, np.array([[False] * 5 + [True]]), 1)
    assert loc[0, 0] == 6.0


def test_sampler_masks_targets_flags_inputs_and_never_yields_nan():
    rng = np.random.default_rng(3)
    values = rng.standard_normal(200).cumsum() + 50
    values[rng.choice(200, 40, replace=False)] = np.nan
    values[0] = 1.0
    indptr = np.array([0, 90, 200])
    sampler = MaskedWindowSampler(values, indptr, 16, 3, scaling="window", season_length=4,
                                  baseline="seasonal_naive")  # fmt: skip
    assert FusedGather.for_sampler(sampler, np.float32, 32) is None  # the fused gather has no mask: gather is used
    x, y, w = sampler.gather(np.arange(len(sampler)), np.float64)
    assert x.shape == (len(sampler), 16, 2) and np.isfinite(x).all() and np.isfinite(y).all()
    H = sampler.history
    for b in (0, 7, len(sampler) - 1):
        start = sampler.starts[b]
        np.testing.assert_array_equal(x[b, :, 1], np.isnan(values[start + H : start + H + 16]))
        for t in (3, 15):
            targets = values[start + H + t + 1 : start + H + t + 4]
            np.testing.assert_array_equal(w[b, t] == 0, np.isnan(targets))
            assert np.all(y[b, t][np.isnan(targets)] == 0)
    assert np.all(w.reshape(len(sampler), -1).sum(axis=1) > 0)


# ------------------------------------------------------------------------------- training


def test_masked_training_on_20_percent_nan_is_within_10_percent_of_complete_data():
    """20% of the training values NaN (random, seeded): the held-out MAE stays within 10% of training on them all.

    Both networks forecast the held-out year from the same, complete history, so the comparison
    is of the training; the forecast from the history with its NaNs is checked too (the
    history's own gaps cost accuracy whatever the training: a looser bound).
    """
    df = _panel_frame(n_series=12, n=240)
    h = 12
    train, test = df.groupby("unique_id").head(240 - h), df.groupby("unique_id").tail(h)
    kw = dict(cell="gru", hidden_size=16, window=24, horizon=h, epochs=10, lr=0.01, random_state=0)
    complete = RNNForecaster(**kw).fit(train).predict()
    base = np.abs(complete["GRU"].to_numpy() - test["y"].to_numpy()).mean()
    gappy = _with_nan(train, 0.2, seed=1)
    masked = RNNForecaster(fill_missing="mask", **kw).fit(gappy)
    same_history = np.abs(masked.predict(y=train)["GRU"].to_numpy() - test["y"].to_numpy()).mean()
    own_history = np.abs(masked.predict()["GRU"].to_numpy() - test["y"].to_numpy()).mean()
    assert same_history <= 1.10 * base, (same_history, base)
    assert own_history <= 1.5 * base, (own_history, base)


def test_nan_never_reaches_the_loss_and_training_is_deterministic():
    df = _with_nan(_panel_frame(), 0.25, seed=2)
    a = RNNForecaster(fill_missing="mask", val_size=8, **FAST).fit(df)
    assert np.isfinite(a.history_[["train_loss", "val_loss"]].to_numpy()).all()
    assert all(np.isfinite(v).all() for v in a.model_.state_dict().values())
    b = RNNForecaster(fill_missing="mask", val_size=8, **FAST).fit(df)
    pd.testing.assert_frame_equal(a.predict(), b.predict())
    for name, v in a.model_.state_dict().items():
        np.testing.assert_array_equal(v, b.model_.state_dict()[name])


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_history_ending_in_nan_gets_finite_forecasts(strategy):
    df = _with_nan(_panel_frame(), 0.1, seed=4)
    tail = df.groupby("unique_id").tail(30).index
    df.loc[tail[df.loc[tail, "unique_id"] == "s1"][-30:], "y"] = np.nan  # s1: its last 30 values (> window) missing
    df.loc[df.groupby("unique_id").tail(2).index, "y"] = np.nan
    model = RNNForecaster(fill_missing="mask", strategy=strategy, **FAST).fit(df)
    out = model.predict()
    assert len(out) == 3 * 4 and np.isfinite(out["GRU"]).all()
    # s1's forecast starts from its last observed level (around 23-27), not from zero or a NaN.
    assert 15 < out.loc[out["unique_id"] == "s1", "GRU"].mean() < 35


def test_all_nan_series_is_a_clear_error():
    df = _panel_frame()
    df.loc[df["unique_id"] == "s2", "y"] = np.nan
    with pytest.raises(ValueError, match=r"series 's2' has no values \(all NaN\)"):
        RNNForecaster(fill_missing="mask", **FAST).fit(df)


def test_save_load_round_trip_keeps_the_indicator(tmp_path):
    df = _with_nan(_panel_frame(), 0.2, seed=5)
    model = RNNForecaster(fill_missing="mask", **FAST).fit(df)
    assert model.model_.state_dict()["rnn.weight_ih_l0"].shape == (3 * 8, 2)  # value and missing-indicator
    path = model.save(tmp_path / "m.tsrnn")
    back = tsrnn.load(path)
    assert back.fill_missing == "mask"
    pd.testing.assert_frame_equal(back.predict(), model.predict())
    # A file whose parameters drop the indicator does not fit its weights: refused, naming it.
    from tsrnn.io import read_model_file, write_model_file

    header, arrays = read_model_file(path)
    header["params"]["fill_missing"] = None
    write_model_file(tmp_path / "bad.tsrnn", header, arrays)
    with pytest.raises(Exception, match="missing-indicator"):
        tsrnn.load(tmp_path / "bad.tsrnn")


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(training="stateful", scaler="standard", baseline=None), "training='stateful'"),
        (dict(difference=1), "difference=1"),
        (dict(calendar_features=True), "covariates"),
    ],
)
def test_mask_refuses_settings_it_does_not_combine_with(params, match):
    df = _with_nan(_panel_frame(), 0.1, seed=6)
    with pytest.raises(ValueError, match=match):
        RNNForecaster(fill_missing="mask", **{**FAST, **params}).fit(df)


def test_mask_refuses_regressors():
    df = _panel_frame()
    X = df[["unique_id", "ds"]].assign(x=1.0)
    with pytest.raises(ValueError, match=r"fill_missing='mask' does not combine with covariates"):
        RNNForecaster(fill_missing="mask", **FAST).fit(df, X=X)
    static = pd.DataFrame({"unique_id": df.unique_id.unique()}).assign(size=1.0)
    with pytest.raises(ValueError, match=r"does not combine with covariates \(X, static"):
        RNNForecaster(fill_missing="mask", **FAST).fit(df, static=static)


def test_other_forecasters_refuse_nan_and_have_no_mask():
    df = _with_nan(_panel_frame(), 0.1, seed=7)
    with pytest.raises(ValueError, match=r"has a missing value \(NaN\)"):
        Naive().fit(df)
    with pytest.raises(ValueError, match="has no parameter 'fill_missing'"):
        Naive().set_params(fill_missing="mask")
