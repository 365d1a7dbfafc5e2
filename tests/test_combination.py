"""Combination: mean, weighted mean and median of members, everywhere a forecaster works."""

import doctest
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tsrnn.forecasters.combination as combination_module
from tsrnn import Combination, Drift, ModelFileError, Naive, RNNForecaster, SeasonalNaive, Theta, load
from tsrnn.backtest import backtest
from tsrnn.io import read_model_file, write_model_file

RNN = dict(hidden_size=8, epochs=2, window=16, horizon=4, windows_per_epoch=300, random_state=0)


def monthly_long(n_series=3, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        n = 60 + 6 * i
        t = np.arange(n)
        y = 50 + 5 * i + 0.3 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2015-01-01", periods=n, freq="MS"),
                                    "y": y}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def fast_members():
    return [Naive(), SeasonalNaive(season_length=12), Drift(), Theta(season_length=12)]


def member_forecasts(members, y, h, **kw):
    """(M, n_series * h) forecasts of every member fitted alone."""
    return np.stack([m.fit(y).predict(h, **kw)[m.name_].to_numpy() for m in members])


def test_docstring_examples():
    result = doctest.testmod(combination_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 4


def test_mean_median_and_weights_equal_the_members_combined_by_hand():
    y = monthly_long()
    F = member_forecasts(fast_members(), y, 5)
    mean = Combination(fast_members()).fit(y).predict(5)
    assert list(mean.columns) == ["unique_id", "ds", "Combination"]
    np.testing.assert_allclose(mean.Combination.to_numpy(), F.mean(axis=0), rtol=1e-14)
    median = Combination(fast_members(), how="median", alias="Med").fit(y).predict(5)
    np.testing.assert_array_equal(median.Med.to_numpy(), np.median(F, axis=0))
    w = np.array([0.0, 3.0, 1.0, 4.0])
    weighted = Combination(fast_members(), weights=list(w)).fit(y).predict(5)
    np.testing.assert_allclose(weighted.Combination.to_numpy(), (w[:, None] * F).sum(axis=0) / 8.0, rtol=1e-14)
    # Weights as an array, and one member alone: the combination is that member.
    np.testing.assert_allclose(Combination(fast_members(), weights=np.eye(4)[3]).fit(y).predict(5).Combination,
                               F[3], rtol=1e-14)  # fmt: skip


@pytest.mark.slow
def test_with_a_network_member_equals_the_members_combined_by_hand():
    y = monthly_long()
    members = [*fast_members(), RNNForecaster(**RNN)]
    F = member_forecasts(members, y, 4)
    combo = Combination(members, how="median").fit(y)
    np.testing.assert_array_equal(combo.predict().Combination.to_numpy(), np.median(F, axis=0))  # h: the RNN's 4
    # Fitted copies: the objects given are left unfitted, and their learned state is the copies'.
    assert combo.models_[4] is not members[4] and combo._default_h() == 4
    assert combo.models is members and hasattr(combo.models_[4], "model_")
    # Deterministic: the same members and seeds give the same bits.
    again = Combination([*fast_members(), RNNForecaster(**RNN)], how="median").fit(y).predict(4)
    pd.testing.assert_frame_equal(again, combo.predict(4), check_exact=True)


def network_combination_forecasts():
    """Forecasts of a Combination with two seeded networks and a Theta, as a flat array."""
    members = [RNNForecaster(**RNN), RNNForecaster(**{**RNN, "cell": "gru", "random_state": 1}), Theta(12)]
    return Combination(members, weights=[1, 1, 2]).fit(monthly_long()).predict(4).Combination.to_numpy()


@pytest.mark.slow
def test_bit_identical_in_a_fresh_process(tmp_path):
    out = tmp_path / "forecasts.npy"
    code = (f"import sys, numpy as np; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from test_combination import network_combination_forecasts as f; np.save({str(out)!r}, f())")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ), timeout=600)
    np.testing.assert_array_equal(np.load(out), network_combination_forecasts())


def test_user_members_are_not_fitted_or_changed():
    members = fast_members()
    before = [m.get_params() for m in members]
    combo = Combination(members).fit(monthly_long())
    assert combo.models is members and [m.get_params() for m in members] == before
    for given, fitted in zip(members, combo.models_):
        assert fitted is not given and type(fitted) is type(given)
        assert not [k for k in vars(given) if k.endswith("_")]
        assert hasattr(fitted, "panel_")


@pytest.mark.slow
def test_h_beyond_a_direct_members_horizon_gives_that_members_error():
    y = monthly_long()
    combo = Combination([Naive(), RNNForecaster(**RNN)]).fit(y)
    assert len(combo.predict()) == 3 * 4
    with pytest.raises(ValueError, match=r"Combination member 1 \(LSTM\): h=5 is beyond the model's horizon=4"):
        combo.predict(5)


@pytest.mark.slow
def test_new_history_refits_local_members_and_reuses_global_ones():
    y = monthly_long()
    newer = y[y.unique_id != "s0"].copy()
    newer["y"] += 3.0
    combo = Combination([Drift(), RNNForecaster(**RNN)]).fit(y)
    got = combo.predict(4, y=newer)
    assert list(got.unique_id.unique()) == ["s1", "s2"]
    drift = Drift().fit(newer).predict(4).Drift.to_numpy()
    rnn = combo.models_[1].predict(4, y=newer)[combo.models_[1].name_].to_numpy()
    np.testing.assert_allclose(got.Combination.to_numpy(), (drift + rnn) / 2, rtol=1e-14)
    # ids: a subset of the fitted series, as the members forecast them.
    sub = combo.predict(4, ids=["s2"]).Combination.to_numpy()
    np.testing.assert_array_equal(sub, combo.predict(4).Combination.to_numpy()[8:])


def test_new_history_of_local_members_only_fits_a_fresh_combination():
    y = monthly_long()
    newer = y[y.unique_id == "s1"].iloc[:-5]
    got = Combination([Naive(), Drift()]).fit(y).predict(3, y=newer).Combination.to_numpy()
    want = Combination([Naive(), Drift()]).fit(newer).predict(3).Combination.to_numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.slow
def test_save_load_round_trip_is_bit_identical(tmp_path):
    y = monthly_long()
    members = [SeasonalNaive(season_length=12), Theta(season_length=12), RNNForecaster(**RNN)]
    combo = Combination(members, weights=[1, 2, 3], alias="Blend").fit(y)
    path = combo.save(tmp_path / "blend.tsrnn")
    header, arrays = read_model_file(path)
    assert [m["class"] for m in header["params"]["models"]] == ["SeasonalNaive", "Theta", "RNNForecaster"]
    assert header["params"]["models"][2]["params"]["hidden_size"] == 8
    assert header["params"]["weights"] == [1.0, 2.0, 3.0] and len(header["state"]["members"]) == 3
    assert header["state"]["members"][1] == {"tuple_params": []}
    assert "member2.scaler_stats" in arrays and any(k.startswith("member2.model.") for k in arrays)
    assert not [k for k in arrays if k.startswith(("member0.", "member1."))]
    loaded = load(path)
    assert isinstance(loaded, Combination) and loaded.name_ == "Blend"
    assert [type(m) for m in loaded.models_] == [type(m) for m in members]
    pd.testing.assert_frame_equal(loaded.predict(4), combo.predict(4), check_exact=True)
    pd.testing.assert_frame_equal(loaded.predict(2, ids=["s1"]), combo.predict(2, ids=["s1"]), check_exact=True)
    newer = y.iloc[:-7]
    pd.testing.assert_frame_equal(loaded.predict(4, y=newer), combo.predict(4, y=newer), check_exact=True)


def test_saving_needs_json_member_parameters(tmp_path):
    combo = Combination([Naive(), Drift(alias=np.str_("d"))]).fit(monthly_long())
    combo.models_[1].alias = object()
    with pytest.raises(ValueError, match=r"member 1 .* not plain JSON values"):
        combo.save(tmp_path / "bad.tsrnn")
    assert not (tmp_path / "bad.tsrnn").exists()


@pytest.mark.parametrize("change, message", [
    (lambda h: h["params"]["models"][0].update({"class": "Pickle"}), "member 0 .* names the class 'Pickle'"),
    (lambda h: h["params"]["models"][0].update({"class": "Combination"}), "names the class 'Combination'"),
    (lambda h: h["state"]["members"].pop(), "must list its members"),
    (lambda h: h.update({"state": [1]}), "must list its members"),
    (lambda h: h["params"].update({"models": []}), "must list its members"),
    (lambda h: h["params"].update({"how": "mode"}), "how='mode' is not known"),
    (lambda h: h["params"].update({"extra": 1}), "parameters do not fit Combination"),
])  # fmt: skip
def test_load_refuses_a_tampered_combination(tmp_path, change, message):
    path = Combination([Naive(), Drift()]).fit(monthly_long()).save(tmp_path / "c.tsrnn")
    header, arrays = read_model_file(path)
    change(header)
    write_model_file(tmp_path / "bad.tsrnn", header, arrays)
    with pytest.raises(ModelFileError, match=message):
        load(tmp_path / "bad.tsrnn")


def test_backtest_equals_the_members_backtests_combined_by_hand():
    y = monthly_long()
    members = fast_members()
    cv = backtest([Combination(members, how="median"), *members], y, horizon=6, n_windows=2)
    names = [m.name_ for m in members]
    np.testing.assert_array_equal(cv.Combination.to_numpy(), np.median(cv[names].to_numpy(), axis=1))
    assert (cv.error == "").all() and cv.Combination.notna().all()


@pytest.mark.slow
def test_backtest_in_processes_and_with_a_global_member():
    y = monthly_long()
    models = [Combination(fast_members(), weights=[1, 1, 2, 0]),
              Combination([Naive(), RNNForecaster(**RNN)], alias="WithRNN")]  # fmt: skip
    local = backtest(models, y, horizon=4, n_windows=2)
    pd.testing.assert_frame_equal(backtest(models, y, horizon=4, n_windows=2, n_jobs=2), local, check_exact=True)
    alone = backtest([Naive(), RNNForecaster(**RNN)], y, horizon=4, n_windows=2)
    np.testing.assert_allclose(local.WithRNN, (alone.Naive + alone.LSTM) / 2, rtol=1e-14)
    # refit=False: the network keeps the first cut-off's weights, the local member is refitted at every cut-off.
    frozen = backtest(models[1], y, horizon=4, n_windows=2, refit=False)
    frozen_alone = backtest([Naive(), RNNForecaster(**RNN)], y, horizon=4, n_windows=2, refit=False)
    np.testing.assert_allclose(frozen.WithRNN, (frozen_alone.Naive + frozen_alone.LSTM) / 2, rtol=1e-14)


def test_backtest_reports_a_members_error_per_series():
    y = monthly_long()
    short = y[~((y.unique_id == "s1") & (y.ds > "2015-09-01"))]  # s1: 9 values, 3 and 6 before the cut-offs
    cv = backtest(Combination([Naive(), SeasonalNaive(season_length=4)]), short, horizon=3, n_windows=2)
    bad = (cv.unique_id == "s1") & (cv.cutoff == cv[cv.unique_id == "s1"].cutoff.min())
    assert bad.sum() == 3 and cv[bad].Combination.isna().all()
    assert cv[bad].error.str.contains(r"member 1 \(SeasonalNaive\).*needs at least 4 values").all()
    assert cv[~bad].Combination.notna().all() and (cv[~bad].error == "").all()


def test_conformal_intervals_of_the_combination():
    y = monthly_long()
    combo = Combination(fast_members()).fit(y)
    out = combo.predict(4, level=[80, 95], calibration_windows=3)
    assert list(out.columns) == ["unique_id", "ds", "Combination", "Combination-lo-95", "Combination-lo-80",
                                 "Combination-hi-80", "Combination-hi-95"]  # fmt: skip
    np.testing.assert_array_equal(out.Combination, combo.predict(4).Combination)
    assert (out["Combination-lo-95"] <= out["Combination-lo-80"]).all()
    assert (out["Combination-lo-80"] < out.Combination).all() and (out.Combination < out["Combination-hi-80"]).all()
    np.testing.assert_allclose(out["Combination-hi-80"] - out.Combination, out.Combination - out["Combination-lo-80"])
    with pytest.raises(ValueError, match="interval_method='model' is not available for Combination"):
        combo.predict(4, level=80, interval_method="model")
    cv = backtest(Combination(fast_members()), y, horizon=3, n_windows=1, level=80)
    assert cv["Combination-lo-80"].notna().all() and (cv["Combination-lo-80"] < cv.Combination).all()


def long_with_x(n_series=2, n=100, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n + 4, freq="h")
    ys, xs = [], []
    for i in range(n_series):
        x = rng.standard_normal(n + 4)
        y = 10 + i + np.sin(2 * np.pi * np.arange(n + 4) / 24) + x
        ys.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx[:n], "y": y[:n]}))
        xs.append(pd.DataFrame({"unique_id": f"s{i}", "ds": idx, "price": x}))
    return pd.concat(ys, ignore_index=True), pd.concat(xs, ignore_index=True)


@pytest.mark.slow
def test_regressors_go_to_the_members_that_take_them():
    y, X = long_with_x()
    combo = Combination([Naive(), RNNForecaster(**{**RNN, "window": 24})]).fit(y, X=X)
    assert combo.models_[1].exog_names_ == ["price"] and combo.fitted_with_X_
    rnn = RNNForecaster(**{**RNN, "window": 24}).fit(y, X=X).predict(4, X=X).LSTM.to_numpy()
    naive = Naive().fit(y).predict(4).Naive.to_numpy()
    np.testing.assert_allclose(combo.predict(4, X=X).Combination.to_numpy(), (naive + rnn) / 2, rtol=1e-14)
    with pytest.raises(ValueError, match="cannot do with regressors X"):
        combo.predict(4, X=X, level=80)


def test_regressors_need_a_member_that_takes_them():
    y, X = long_with_x()
    with pytest.raises(ValueError, match="Combination does not use exogenous regressors X"):
        Combination([Naive(), Drift()]).fit(y, X=X)


@pytest.mark.parametrize("kwargs, message", [
    (dict(models=[]), "models is empty"),
    (dict(models=Naive()), "models must be a list of forecasters, got Naive"),
    (dict(models=[Naive(), "ETS"]), r"models\[1\] is a str \('ETS'\); expected a tsrnn forecaster"),
    (dict(models=[Naive, Drift()]), r"models\[0\] is the class Naive; pass an instance"),
    (dict(models=[Naive(), Combination([Drift()])]), r"models\[1\] is itself a Combination"),
    (dict(models=[Naive(), Drift()], how="mode"), r"how='mode' is not known; expected one of \['mean', 'median'\]"),
    (dict(models=[Naive(), Drift()], weights=[1.0]), r"one number per model \(2\), got shape \(1,\)"),
    (dict(models=[Naive(), Drift()], weights=[1.0, -1.0]), "finite and >= 0"),
    (dict(models=[Naive(), Drift()], weights=[1.0, np.nan]), "finite and >= 0"),
    (dict(models=[Naive(), Drift()], weights=[0, 0]), "must not all be zero"),
    (dict(models=[Naive(), Drift()], weights=["a", "b"]), "weights must be a list of 2 numbers"),
    (dict(models=[Naive(), Drift()], weights=[1, 2], how="median"), "weights apply to how='mean' only"),
    (dict(models=[Naive(), Drift()], alias=""), "alias must be a non-empty string"),
])  # fmt: skip
def test_bad_input_gets_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Combination(**kwargs).fit(monthly_long())


def test_a_members_fit_error_names_the_member():
    y = monthly_long()
    with pytest.raises(ValueError, match=r"Combination member 1 \(SeasonalNaive\): .*needs at least 100 values"):
        Combination([Naive(), SeasonalNaive(season_length=100)]).fit(y)


def test_two_members_of_one_class_and_the_repr():
    y = monthly_long()
    combo = Combination([SeasonalNaive(season_length=12), SeasonalNaive(season_length=6)], weights=np.array([1, 1]))
    got = combo.fit(y).predict(3).Combination.to_numpy()
    a = SeasonalNaive(season_length=12).fit(y).predict(3).SeasonalNaive.to_numpy()
    b = SeasonalNaive(season_length=6).fit(y).predict(3).SeasonalNaive.to_numpy()
    np.testing.assert_allclose(got, (a + b) / 2, rtol=1e-14)
    assert repr(combo) == ("Combination([SeasonalNaive(season_length=12), SeasonalNaive(season_length=6)], "
                           "weights=array([1, 1]))")  # fmt: skip
    assert repr(Combination([Naive()], how="median")) == "Combination([Naive()], how='median')"
