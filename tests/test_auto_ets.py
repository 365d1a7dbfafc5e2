"""AutoETS: the AICc choice over error, trend, damping and season; parity with ETS; save/load; statsforecast."""

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from tsrnn import ETS, AutoETS, load
from tsrnn.forecasters import auto_ets, forecaster_classes

RNG = np.random.default_rng(0)
T60 = np.arange(60)
LEVEL = 100 + RNG.normal(0, 1, 60)
TREND = 10 + 3 * T60 + RNG.normal(0, 1, 60)
NEGATIVE = 3 * np.sin(2 * np.pi * np.arange(40) / 4) + RNG.normal(0, 0.5, 40) - 0.5
T72 = np.arange(72)
MUL_SEASON = (50 + 0.5 * T72) * (1 + 0.3 * np.sin(2 * np.pi * T72 / 12)) * (1 + 0.02 * RNG.standard_normal(72))
QUARTERLY = (20 + 0.3 * np.arange(40)) * (1 + 0.2 * np.cos(np.pi * np.arange(40) / 2)) + RNG.normal(0, 0.3, 40)


def chosen(y, **kw):
    return AutoETS(**kw).fit(pd.Series(y)).chosen_.iloc[0]


def test_registered_and_exported():
    assert forecaster_classes()["AutoETS"] is AutoETS
    assert AutoETS._global is False


def test_docstring_example_runs():
    result = doctest.testmod(auto_ets, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0


# ------------------------------------------------------------------ the choice


def test_trendless_level_gets_no_trend():
    assert chosen(LEVEL) in ("ETS(A,N,N)", "ETS(M,N,N)")


def test_linear_trend_gets_additive_trend():
    assert chosen(TREND).split(",")[1] in ("A", "Ad")


def test_multiplicative_season_gets_a_seasonal_model():
    spec = chosen(MUL_SEASON, season_length=12)
    assert spec.endswith(",M)[12]"), spec


def test_negative_values_never_get_a_multiplicative_part():
    model = AutoETS(season_length=4)
    model._check_params()
    space = model._candidates(NEGATIVE)
    assert space and all("mul" not in (e, t, s) for e, t, _, s in space)
    assert len(space) == 6  # error A only: trend N, A, Ad x season N, A
    spec = chosen(NEGATIVE, season_length=4)
    assert "M" not in spec and spec.endswith(",A)[4]")


def test_search_space_follows_r_ets():
    model = AutoETS(season_length=12)
    space = model._space()
    assert len(space) == 15 and len(AutoETS()._space()) == 6
    assert all(not (e == "add" and s == "mul") for e, _, _, s in space)
    assert {t for _, t, _, _ in space} == {None, "add"}
    assert AutoETS(damped=True)._space() == [("add", "add", True, None), ("mul", "add", True, None)]
    assert AutoETS(model="MMN", damped=False)._space() == [("mul", "mul", False, None)]


def test_short_series_get_no_seasonal_or_overparameterised_candidates():
    model = AutoETS(season_length=12)
    # 23 values: fewer than two seasons, so no seasonal candidate
    assert all(s is None for *_, s in model._candidates(MUL_SEASON[:23]))
    # 6 values: ETS(A,N,N) has k = 2 (+ variance) and needs n >= 5; trend models (k = 4 or 5) do not fit
    short = {(e, t, d) for e, t, d, _ in model._candidates(MUL_SEASON[:6])}
    assert short == {("add", None, False), ("mul", None, False)}
    assert model._min_length() == 5


def test_chosen_aicc_is_the_minimum_and_forecasts_equal_ets():
    y, m = QUARTERLY, 4
    f = AutoETS(season_length=m).fit(pd.Series(y))
    aiccs = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for error in ("add", "mul"):
            for trend, damped in ((None, False), ("add", False), ("add", True)):
                for seasonal in (None, "add", "mul"):
                    if error == "add" and seasonal == "mul":
                        continue
                    res = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
                                   seasonal_periods=m if seasonal else None).fit(disp=False)  # fmt: skip
                    aiccs[(error, trend, damped, seasonal)] = res.aicc
    assert len(aiccs) == 15
    best = min(aiccs, key=aiccs.get)
    assert f.fit_report_.aicc.iloc[0] == pytest.approx(aiccs[best], rel=1e-12)
    error, trend, damped, seasonal = best
    twin = ETS(trend=trend, damped_trend=damped, seasonal=seasonal, season_length=m, error=error)
    assert f.chosen_.iloc[0] == twin._spec()
    want = twin.fit(pd.Series(y)).predict(10).to_numpy()
    np.testing.assert_allclose(f.predict(10).to_numpy(), want, rtol=0, atol=1e-10)
    bounds = f.predict(6, level=[80], interval_method="model").to_numpy()
    want = twin.predict(6, level=[80], interval_method="model").to_numpy()
    np.testing.assert_allclose(bounds, want, rtol=0, atol=1e-10)


def test_fixed_model_letters_are_respected():
    assert chosen(TREND, model="ANN") == "ETS(A,N,N)"
    assert chosen(TREND, damped=True).split(",")[1] == "Ad"
    assert chosen(MUL_SEASON[:48], season_length=12, model="MNA") == "ETS(M,N,A)[12]"


# ------------------------------------------------------------------ report, fallback


def test_report_and_chosen_name_every_series_and_fallbacks():
    df = pd.concat([
        pd.DataFrame({"unique_id": "trend", "ds": np.arange(60), "y": TREND}),
        pd.DataFrame({"unique_id": "short", "ds": np.arange(4), "y": [1.0, 2.0, 4.0, 3.0]}),
        pd.DataFrame({"unique_id": "neg", "ds": np.arange(40), "y": NEGATIVE}),
    ])  # fmt: skip
    short = r"2 of 3 series .*'short' \(fallback: too short: 4 values, AutoETS\(MZN\) needs at least 5\)"
    with pytest.warns(UserWarning, match=short):
        f = AutoETS(model="MZN").fit(df)
    assert list(f.fit_report_.columns) == ["unique_id", "status", "message", "seconds", "model", "aicc"]
    assert f.chosen_.index.name == "unique_id" and f.chosen_.index.tolist() == ["trend", "short", "neg"]
    assert f.chosen_["short"] is None and np.isnan(f.fit_report_.set_index("unique_id").aicc["short"])
    assert f.chosen_["trend"].startswith("ETS(M,A")
    # "neg" has no positive values: model="MZN" leaves no candidate
    report = f.fit_report_.set_index("unique_id")
    assert report.status["neg"] == "fallback" and "no candidate" in report.message["neg"]
    np.testing.assert_array_equal(f.predict(3, ids=["short"]).AutoETS.to_numpy(), [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match=r"cannot forecast series 'neg': no candidate of AutoETS\(MZN\)"):
        AutoETS(model="MZN", fallback=None).fit(df[df.unique_id == "neg"])


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(model="ZZ"), r"model must be three letters .* got 'ZZ'"),
        (dict(model="NZZ"), r"error one of Z/A/M .* got 'NZZ'"),
        (dict(model="zzz"), r"got 'zzz'"),
        (dict(model=3), r"got 3"),
        (dict(damped="yes"), r"damped must be True or False, got 'yes'"),
        (dict(model="ZNZ", damped=True), r"damped=True needs a trend, but model='ZNZ' fixes trend 'N'"),
        (dict(model="ZZM"), r"model='ZZM' fixes a season \('M'\), which needs season_length >= 2, got 1"),
        (dict(model="AZM", season_length=12), r"additive error with a multiplicative part"),
        (dict(model="AMN"), r"additive error with a multiplicative part"),
        (dict(season_length=0), r"season_length must be an integer >= 1, got 0"),
        (dict(season_length=2.5), r"season_length must be an integer >= 1, got 2.5"),
        (dict(fallback="drift"), r"fallback='drift' is not known"),
        (dict(fallback="seasonal_naive"), r"fallback='seasonal_naive' needs a season length of at least 2"),
        (dict(alias=5), r"alias must be a string or None, got 5"),
    ],
)
def test_bad_parameters_raise_clear_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        AutoETS(**kw).fit(pd.Series(LEVEL))


# ------------------------------------------------------------------ determinism, save/load


def test_refit_is_bit_identical():
    f = AutoETS(season_length=4)
    a = f.fit(pd.Series(QUARTERLY)).predict(8)
    b = f.fit(pd.Series(QUARTERLY)).predict(8)
    pd.testing.assert_series_equal(a, b, check_exact=True)


def test_save_load_refits_only_the_chosen_model(tmp_path, monkeypatch):
    df = pd.concat([
        pd.DataFrame({"unique_id": "q", "ds": np.arange(40), "y": QUARTERLY}),
        pd.DataFrame({"unique_id": "neg", "ds": np.arange(40), "y": NEGATIVE}),
        pd.DataFrame({"unique_id": "short", "ds": np.arange(3), "y": [1.0, 2.0, 4.0]}),
    ])  # fmt: skip
    model = AutoETS(season_length=4)
    with pytest.warns(UserWarning, match="too short"):
        model.fit(df)
    path = model.save(tmp_path / "auto.tsrnn")
    calls = []
    original = ETS._fit_one
    monkeypatch.setattr(ETS, "_fit_one", lambda self, y: calls.append(self._spec()) or original(self, y))
    with pytest.warns(UserWarning, match="too short"):
        loaded = load(path)
    assert sorted(calls) == sorted(model.chosen_.dropna().tolist())  # one fit per fitted series
    assert loaded.get_params() == model.get_params()
    pd.testing.assert_series_equal(loaded.chosen_, model.chosen_)
    pd.testing.assert_frame_equal(loaded.predict(9), model.predict(9), check_exact=True)
    got, want = (g.predict(5, level=[90], interval_method="model") for g in (loaded, model))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(loaded.fit_report_.drop(columns="seconds"), model.fit_report_.drop(columns="seconds"))


@pytest.mark.parametrize(
    "chosen, match",
    [
        (["ETS(A,A,M)[12]"], r"state.chosen has 'ETS\(A,A,M\)\[12\]', not a model of AutoETS\(ZZZ\)"),
        ([{"a": 1}], r"state.chosen has \{'a': 1\}, not a model of AutoETS\(ZZZ\)"),
        (["ETS(A,N,N)", None], r"state.chosen must list one model per series \(1\)"),
        ("ETS(A,N,N)", r"state.chosen must list one model per series \(1\)"),
    ],
)
def test_load_refuses_a_model_outside_the_search_space(tmp_path, chosen, match):
    import json
    import zipfile

    path = AutoETS().fit(pd.Series(TREND)).save(tmp_path / "auto.tsrnn")
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    header = json.loads(members["header.json"])
    header["state"]["chosen"] = chosen
    members["header.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=match):
        load(path)


# ------------------------------------------------------------------ statsforecast


MACRO = ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp", "pop", "infl",
         "realint"]  # fmt: skip


@pytest.mark.slow
def test_choices_agree_with_statsforecast_on_real_series():
    """statsmodels' US macro data (quarterly, last 80 values of 12 series, m = 4).

    Observed (statsmodels 0.15, statsforecast 2.1): the season agrees on 12 of 12 series, trend
    presence (N or not) on 11 of 12, the error type on 7 of 12 and the whole model on 3 of 12.
    statsforecast estimates by its own Nelder-Mead with R's parameter bounds and heuristic
    initial states; statsmodels estimates the initial states by maximum likelihood (L-BFGS), so
    the log-likelihoods of close candidates (A vs M error, damped vs not) differ enough to flip
    the AICc order between near ties. The choices of season and of trend are the robust ones.
    """
    sf_models = pytest.importorskip("statsforecast.models")
    from statsmodels.datasets import macrodata

    data = macrodata.load_pandas().data
    long = pd.concat(
        [pd.DataFrame({"unique_id": c, "ds": np.arange(80), "y": data[c].to_numpy(float)[-80:]}) for c in MACRO]
    )
    ours = AutoETS(season_length=4).fit(long).chosen_
    same_error = same_trend = same_season = 0
    for c in MACRO:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = sf_models.AutoETS(season_length=4).fit(data[c].to_numpy(float)[-80:]).model_["components"]
        error, trend, season = ours[c][4:].split(")")[0].split(",")
        same_error += error == theirs[0]
        same_trend += (trend == "N") == (theirs[1] == "N")
        same_season += season == theirs[2]
    assert same_season >= 11 and same_trend >= 10 and same_error >= 6


def test_command_line_model_autoets(tmp_path):
    from tsrnn.cli import main

    y = pd.Series(MUL_SEASON[:48], index=pd.date_range("2020-01-01", periods=48, freq="MS"))
    y.rename_axis("ds").rename("y").reset_index().to_csv(tmp_path / "m.csv", index=False)
    args = ["forecast", "--input", str(tmp_path / "m.csv"), "--horizon", "3", "--model", "autoets", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "fc.csv")]) == 0
    got = pd.read_csv(tmp_path / "fc.csv")
    # the values as the command reads them (pandas' CSV parser may differ from repr in the last bit)
    y = pd.read_csv(tmp_path / "m.csv", parse_dates=["ds"]).set_index("ds").y
    want = AutoETS(season_length=12).fit(y).predict(3)
    np.testing.assert_allclose(got.iloc[:, -1].to_numpy(), want.to_numpy(), rtol=1e-12)
