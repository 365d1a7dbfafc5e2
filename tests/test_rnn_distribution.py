"""RNNForecaster(distribution=...): likelihood heads, their intervals and sample paths, against synthetic truths."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tsrnn import RNNForecaster, load
from tsrnn.forecasters import Naive

SMALL = dict(cell="gru", hidden_size=8, window=24, horizon=4, epochs=2, windows_per_epoch=200, random_state=0)


def long_frame(Y, freq="h"):
    S, n = Y.shape
    idx = pd.date_range("2024-01-01", periods=n, freq=freq)
    return pd.DataFrame({"unique_id": np.repeat(np.arange(S), n), "ds": np.tile(idx, S), "y": Y.ravel()})


def samples_array(frame, name="GRU"):
    """(n, h, S) from the long sample frame (ordered by series, path, time)."""
    n = frame["unique_id"].nunique()
    S = frame["sample"].nunique()
    return frame[name].to_numpy().reshape(n, S, -1).transpose(0, 2, 1)


def pooled_paths(f, Y, origins, num_samples, seed):
    """(S, origins x h x num_samples) paths drawn from histories cut at each origin, pooled per series."""
    idx = pd.date_range("2024-01-01", periods=Y.shape[1], freq="h")
    frames = [pd.DataFrame({"unique_id": f"{i}@{k}", "ds": idx[:origin], "y": Y[i, :origin]})
              for k, origin in enumerate(origins) for i in range(Y.shape[0])]  # fmt: skip
    paths = samples_array(f.predict(y=pd.concat(frames, ignore_index=True), num_samples=num_samples,
                                    random_state=seed))  # fmt: skip
    return paths.reshape(len(origins), Y.shape[0], -1).transpose(1, 0, 2).reshape(Y.shape[0], -1), paths


def test_gaussian_paths_recover_level_and_spread():
    # y = level_i + sigma_i * N(0, 1), iid: the forecast distribution is N(level_i, sigma_i) at every step.
    rng = np.random.default_rng(0)
    S, n = 8, 800
    level, sigma = 5 + 10 * rng.random(S), 0.5 + 1.5 * rng.random(S)
    Y = level[:, None] + sigma[:, None] * rng.standard_normal((S, n))
    f = RNNForecaster(cell="gru", hidden_size=8, window=24, horizon=4, epochs=6, windows_per_epoch=3000, lr=1e-2,
                      scaler="standard", baseline=None, log=False, random_state=0, distribution="normal").fit(long_frame(Y))  # fmt: skip
    # Origins a window apart: the model knows each series only through its window, so an origin's forecast
    # carries that window's estimation error; pooled over 10 independent windows, the errors average out.
    pooled, paths = pooled_paths(f, Y, range(n - 9 * 24, n + 1, 24), 2000, 1)
    assert paths.shape == (80, 4, 2000)
    # Pooled over 10 forecast origins: each window's forecast errs a little (up to 0.4 sigma in the spread
    # at one origin); their mixture is the truth's within a few percent.
    z = (pooled - level[:, None]) / sigma[:, None]  # standard normal if the model is right
    assert np.abs(z.mean(axis=1)).max() < 0.12, z.mean(axis=1)  # measured: 0.069
    assert np.abs(z.std(axis=1) - 1).max() < 0.08, z.std(axis=1)  # measured: 0.028
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        got = np.quantile(z, q, axis=1)
        assert np.abs(got - stats.norm.ppf(q)).max() < 0.18, (q, got)  # measured: 0.118 at most
    # Each origin's 2,000 paths follow the model's own distribution within sampling error (4 standard errors).
    panel = f._to_panel(long_frame(Y))
    exact = f._predict_quantiles(panel, 4, None, q=[0.1, 0.5, 0.9])
    sd = (exact[:, :, 2] - exact[:, :, 0]) / (2 * stats.norm.ppf(0.9))
    for k, q in enumerate((0.1, 0.5, 0.9)):
        se = np.sqrt(q * (1 - q) / 2000) / stats.norm.pdf(stats.norm.ppf(q)) * sd
        assert np.all(np.abs(np.quantile(paths[-S:], q, axis=2) - exact[:, :, k]) < 4 * se)


def test_poisson_counts_paths_recover_the_rate():
    rng = np.random.default_rng(1)
    S, n = 8, 800
    lam = 2 + 6 * rng.random(S)
    Y = rng.poisson(lam[:, None], (S, n)).astype(float)
    f = RNNForecaster(cell="gru", hidden_size=8, window=48, horizon=4, epochs=6, windows_per_epoch=3000, lr=1e-2,
                      random_state=0, distribution="negative_binomial").fit(long_frame(Y))  # fmt: skip
    assert f.baseline_ is None and f.log_ is False
    pooled, paths = pooled_paths(f, Y, range(n - 9 * 48, n + 1, 48), 2000, 2)
    assert np.all(paths == np.round(paths)) and paths.min() >= 0  # counts
    rel = pooled.mean(axis=1) / lam - 1
    # The rate known from 10 windows of 48 values has a relative standard error of 1 / sqrt(480 lam) <= 0.032;
    # the global network adds its own error: it pulls every rate towards the panel's mean (+13% at lam = 2.9,
    # -5% at 7.7, measured; the same with more epochs, units, a longer window or target_steps="last").
    assert np.abs(rel).max() < 0.2, rel
    assert np.abs(rel).mean() < 0.08, rel  # measured: 0.052
    ratio = pooled.var(axis=1) / lam  # Poisson: 1 (the mixture over windows adds a little)
    assert np.all((ratio > 0.85) & (ratio < 1.35)), ratio  # measured: 1.04 - 1.21
    for q in (0.1, 0.5, 0.9):
        got = np.quantile(pooled, q, axis=1)
        assert np.abs(got - stats.poisson.ppf(q, lam)).max() <= 1, (q, got)
    # Sample quantiles of every origin are the exact ones (the data are counts: within one).
    exact = f._predict_quantiles(f._to_panel(long_frame(Y)), 4, None, q=[0.1, 0.5, 0.9])
    sampled = np.moveaxis(np.quantile(paths[-S:], [0.1, 0.5, 0.9], axis=2), 0, -1)
    assert np.abs(sampled - exact).max() <= 1


def seasonal_panel(S=24, days=40, seed=1):
    rng = np.random.default_rng(seed)
    n = 24 * days
    t = np.arange(n)
    return np.stack([
        20 + 5 * rng.random() + (1 + 2 * rng.random()) * np.sin(2 * np.pi * (t + rng.integers(24)) / 24)
        + (0.2 + 0.5 * rng.random()) * rng.standard_normal(n)
        for _ in range(S)
    ])  # fmt: skip


def held_out_origins(Y, train_n, H):
    """Every series cut at origins every H steps after train_n, as new histories, and the values that followed."""
    idx = pd.date_range("2024-01-01", periods=Y.shape[1], freq="h")
    frames, actual = [], []
    for k, origin in enumerate(range(train_n, Y.shape[1] - H + 1, H)):
        for i in range(Y.shape[0]):
            frames.append(pd.DataFrame({"unique_id": f"{i}@{k}", "ds": idx[:origin], "y": Y[i, :origin]}))
            actual.append(Y[i, origin : origin + H])
    return pd.concat(frames, ignore_index=True), np.concatenate(actual)


def test_intervals_cover_from_quantiles_and_from_samples():
    # Seasonal series with Gaussian noise of their own size, scored on 8 days the model never saw.
    Y = seasonal_panel()
    H, train_n = 12, 24 * 32
    f = RNNForecaster(cell="gru", hidden_size=16, window=48, horizon=H, season_length=24, epochs=8,
                      windows_per_epoch=3000, lr=1e-2, random_state=0, distribution="normal")  # fmt: skip
    f.fit(long_frame(Y[:, :train_n]))
    histories, actual = held_out_origins(Y, train_n, H)
    assert actual.size == 24 * 16 * 12
    fc = f.predict(y=histories, level=[80, 95])  # exact quantiles by default
    paths = samples_array(f.predict(y=histories, num_samples=400, random_state=0))
    for level, (low, high) in ((80, (75, 85)), (95, (91, 98))):
        lo, hi = fc[f"GRU-lo-{level}"].to_numpy(), fc[f"GRU-hi-{level}"].to_numpy()
        covered = 100 * np.mean((actual >= lo) & (actual <= hi))
        assert low <= covered <= high, (level, covered)  # measured: 80.0%, 94.5%
        q = np.quantile(paths, [(100 - level) / 200, (100 + level) / 200], axis=2)
        covered = 100 * np.mean((actual >= q[0].ravel()) & (actual <= q[1].ravel()))
        assert low <= covered <= high, (level, covered)  # measured: 79.3%, 94.2%
    assert np.all(fc["GRU-lo-95"] <= fc["GRU-lo-80"]) and np.all(fc["GRU-lo-80"] <= fc["GRU"])
    assert np.all(fc["GRU"] <= fc["GRU-hi-80"]) and np.all(fc["GRU-hi-80"] <= fc["GRU-hi-95"])


def mean_pinball(actual, quantiles, levels):
    return np.mean([np.mean(np.maximum(q * (actual - v), (q - 1) * (actual - v))) for q, v in zip(levels, quantiles)])


def test_negative_binomial_beats_the_gaussian_on_intermittent_counts():
    # Intermittent demand: negative binomial counts with mean 0.3-1.5 and dispersion 1.5 (60% zeros).
    rng = np.random.default_rng(3)
    S, n, H, train_n = 24, 600, 6, 504
    m = 0.3 + 1.2 * rng.random(S)
    a = 1.5
    Y = rng.negative_binomial(1 / a, 1 / (1 + a * m[:, None]), (S, n)).astype(float)
    assert 0.45 < np.mean(Y == 0) < 0.75
    histories, actual = held_out_origins(Y, train_n, H)
    levels = [20, 40, 60, 80]
    qs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    scores = {}
    for dist in ("negative_binomial", "normal"):
        f = RNNForecaster(cell="gru", hidden_size=8, window=48, horizon=H, epochs=5, windows_per_epoch=3000,
                          lr=1e-2, random_state=0, distribution=dist).fit(long_frame(Y[:, :train_n]))  # fmt: skip
        fc = f.predict(y=histories, level=levels)
        cols = [f"GRU-lo-{v}" for v in (80, 60, 40, 20)] + ["GRU"] + [f"GRU-hi-{v}" for v in levels]
        scores[dist] = mean_pinball(actual, [fc[c].to_numpy() for c in cols], qs)
    assert scores["negative_binomial"] < 0.8 * scores["normal"], scores  # measured: 0.334 against 0.559 (student_t: 0.544)


def random_walks(S=16, n=400, seed=4):
    rng = np.random.default_rng(seed)
    return 50 + np.cumsum(rng.standard_normal((S, n)), axis=1)


def test_recursive_paths_are_joint_and_direct_samples_marginal():
    # A random walk: the h-step spread grows as sqrt(h) and steps 1 and h of a path correlate 1 / sqrt(h).
    Y = random_walks()
    # A per-series scaler: the window scaler's location (the window's last value) tells the network, at every
    # earlier step of a training window, where the path will be at its end, and the network learns to revert
    # there (paths then spread too little: x2.0 at step 9 instead of x3).
    kw = dict(cell="gru", hidden_size=8, window=24, horizon=9, epochs=4, windows_per_epoch=2000, lr=1e-2,
              scaler="standard", baseline="naive", random_state=0, distribution="normal")  # fmt: skip
    rec = RNNForecaster(strategy="recursive", **kw).fit(long_frame(Y))
    paths = samples_array(rec.predict(h=9, num_samples=2000, random_state=0))
    growth = paths[:, 8].std(axis=1) / paths[:, 0].std(axis=1)
    assert np.all((growth > 2.4) & (growth < 3.6)), growth  # sqrt(9) = 3; measured 2.66 - 2.97
    corr = np.array([np.corrcoef(p[0], p[8])[0, 1] for p in paths])
    assert 0.25 < corr.mean() < 0.42 and corr.min() > 0.15, corr  # 1/3; measured mean 0.31
    direct = RNNForecaster(strategy="direct", **kw).fit(long_frame(Y))
    marg = samples_array(direct.predict(num_samples=2000, random_state=0))
    corr = [np.corrcoef(p[0], p[8])[0, 1] for p in marg]
    assert np.all(np.abs(corr) < 0.1), corr  # drawn step by step: independent
    # The recursive head's intervals come from its paths; its point forecast is the path of medians.
    fc = rec.predict(h=9, level=[80])
    assert np.all((fc["GRU-lo-80"] < fc["GRU"]) & (fc["GRU"] < fc["GRU-hi-80"]))
    width = (fc["GRU-hi-80"] - fc["GRU-lo-80"]).to_numpy().reshape(16, 9)
    assert np.all(width[:, 8] > 2 * width[:, 0])


def test_seeded_samples_are_bit_identical_and_seeds_differ():
    Y = random_walks(S=3, n=120)
    for strategy in ("direct", "recursive"):
        f = RNNForecaster(strategy=strategy, distribution="student_t", n_ensemble=2, **SMALL).fit(long_frame(Y))
        a = f.predict(num_samples=50, random_state=7)
        b = f.predict(num_samples=50, random_state=7)
        c = f.predict(num_samples=50, random_state=8)
        pd.testing.assert_frame_equal(a, b)
        assert not np.array_equal(a["GRU"], c["GRU"])
        assert list(a.columns) == ["unique_id", "ds", "sample", "GRU"]
        assert len(a) == 3 * 50 * 4 and a["sample"].max() == 49
        path = a[(a["unique_id"] == 0) & (a["sample"] == 3)]
        assert path["ds"].is_monotonic_increasing and len(path) == 4


WORKER = """
import sys
import numpy as np
from tsrnn import load
f = load(sys.argv[1])
np.save(sys.argv[2], f.predict(num_samples=300, random_state=5)["GRU"].to_numpy())
"""


def test_samples_do_not_depend_on_the_thread_count(tmp_path):
    Y = random_walks(S=40, n=120)
    f = RNNForecaster(strategy="recursive", distribution="normal", **SMALL).fit(long_frame(Y))
    f.save(tmp_path / "m.tsrnn")
    out = {}
    for threads in (1, 3):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        target = tmp_path / f"s{threads}.npy"
        subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "m.tsrnn"), str(target)], env=env, check=True,
                       timeout=600)  # fmt: skip
        out[threads] = np.load(target)
    assert out[1].shape == (40 * 300 * 4,)
    np.testing.assert_array_equal(out[1], out[3])


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_save_load_keeps_the_head(tmp_path, strategy):
    Y = np.random.default_rng(5).poisson(3.0, (3, 150)).astype(float)
    f = RNNForecaster(strategy=strategy, distribution="negbin", **SMALL).fit(long_frame(Y))
    f.save(tmp_path / "m.tsrnn")
    g = load(tmp_path / "m.tsrnn")
    assert g.distribution == "negbin" and g.distribution_ == "negative_binomial"
    pd.testing.assert_frame_equal(g.predict(level=[80, 95]), f.predict(level=[80, 95]))
    pd.testing.assert_frame_equal(g.predict(num_samples=20, random_state=1), f.predict(num_samples=20, random_state=1))


def test_model_files_without_the_parameter_load_as_point_models(tmp_path):
    from tsrnn.io import read_model_file, write_model_file

    f = RNNForecaster(**SMALL).fit(long_frame(random_walks(S=2, n=100)))
    f.save(tmp_path / "m.tsrnn")
    header, arrays = read_model_file(tmp_path / "m.tsrnn")
    assert header["params"].pop("distribution") is None  # as files written before the parameter existed
    write_model_file(tmp_path / "old.tsrnn", header, arrays)
    g = load(tmp_path / "old.tsrnn")
    assert g.distribution is None
    pd.testing.assert_frame_equal(g.predict(), f.predict())


def test_point_and_quantile_forecasts_from_every_head():
    Y = random_walks(S=3, n=150)
    for dist in ("normal", "student_t"):
        f = RNNForecaster(distribution=dist, **SMALL).fit(long_frame(Y))
        fc = f.predict(level=[50, 90])
        q = f._predict_quantiles(f.panel_, 4, np.arange(3), q=[0.05, 0.25, 0.5, 0.75, 0.95])
        np.testing.assert_allclose(fc["GRU"].to_numpy(), q[:, :, 2].ravel(), rtol=1e-12)
        np.testing.assert_allclose(fc["GRU-lo-90"].to_numpy(), q[:, :, 0].ravel(), rtol=1e-12)
        np.testing.assert_allclose(fc["GRU-hi-50"].to_numpy(), q[:, :, 3].ravel(), rtol=1e-12)
        np.testing.assert_array_equal(f.predict()["GRU"].to_numpy(), fc["GRU"].to_numpy())


def test_log_scale_quantiles_are_exponentiated():
    # Positive data and log="auto": the model works on log y; the median and the bounds come back through exp.
    Y = np.exp(random_walks(S=3, n=150) / 20)
    f = RNNForecaster(distribution="normal", **SMALL).fit(long_frame(Y))
    assert f.log_
    raw = f._predict_quantiles(f.panel_, 4, np.arange(3), q=[0.1, 0.5, 0.9])
    f.log_ = False  # the same network read without the exponential: its quantiles of log y
    logq = f._predict_quantiles(f.panel_.__class__(**{**vars(f.panel_), "values": np.log(f.panel_.values)}), 4,
                                np.arange(3), q=[0.1, 0.5, 0.9])  # fmt: skip
    np.testing.assert_allclose(raw, np.exp(logq), rtol=1e-9)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(distribution="normal", quantiles=[0.1, 0.9]), "not both"),
        (dict(distribution="poisson"), "distribution='poisson' is not known"),
        (dict(distribution="normal", difference=1), "difference=1"),
        (dict(distribution="student_t", loss="mae"), "negative log-likelihood"),
        (dict(distribution="normal", fill_missing="mask"), "fill_missing='mask'"),
        (dict(distribution="negative_binomial", log=True), "log=True"),
        (dict(distribution="negative_binomial", baseline="naive"), "baseline='naive'"),
        (dict(distribution="negative_binomial", scaler="standard"), "scaler='standard'"),
    ],
)
def test_bad_combinations_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        RNNForecaster(**{**SMALL, **params}).fit(long_frame(random_walks(S=2, n=100)))


def test_negative_binomial_refuses_negative_data_naming_the_series():
    Y = np.random.default_rng(0).poisson(2.0, (3, 100)).astype(float)
    Y[2, 50] = -1.0
    with pytest.raises(ValueError, match=r"series 2 holds the value -1.0"):
        RNNForecaster(distribution="negative_binomial", **SMALL).fit(long_frame(Y))
    Y[2, 50] = 1.0
    f = RNNForecaster(distribution="negative_binomial", **SMALL).fit(long_frame(Y))
    new = long_frame(Y)
    new.loc[5, "y"] = -3.0
    with pytest.raises(ValueError, match=r"series 0 holds the value -3.0"):
        f.predict(y=new, num_samples=5)


def test_samples_need_a_distribution_head():
    df = long_frame(random_walks(S=2, n=100))
    with pytest.raises(ValueError, match="num_samples needs a distribution head"):
        RNNForecaster(**SMALL).fit(df).predict(num_samples=10)
    with pytest.raises(ValueError, match="Naive does not draw sample paths"):
        Naive().fit(df).predict(4, num_samples=10)
    f = RNNForecaster(distribution="normal", **SMALL).fit(df)
    with pytest.raises(ValueError, match="not both"):
        f.predict(level=[80], num_samples=10)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 1, got 0"):
        f.predict(num_samples=0)


def test_predict_quantiles_of_distribution_and_quantile_heads():
    df = long_frame(random_walks(S=2, n=120))
    f = RNNForecaster(distribution="student_t", **SMALL).fit(df)
    q = f.predict_quantiles([0.9, 0.1, 0.5])
    assert list(q.columns) == ["unique_id", "ds", "GRU-q-0.1", "GRU-q-0.5", "GRU-q-0.9"]
    fc = f.predict(level=[80])
    np.testing.assert_allclose(q["GRU-q-0.1"], fc["GRU-lo-80"], rtol=1e-12)
    np.testing.assert_allclose(q["GRU-q-0.5"], fc["GRU"], rtol=1e-12)
    sub = f.predict_quantiles(0.25, h=2, ids=[1])
    assert len(sub) == 2 and set(sub["unique_id"]) == {1} and list(sub.columns)[-1] == "GRU-q-0.25"
    head = RNNForecaster(quantiles=[0.1, 0.5, 0.9], **SMALL).fit(df)
    np.testing.assert_array_equal(head.predict_quantiles(0.9)["GRU-q-0.9"], head.predict(level=[80])["GRU-hi-80"])
    with pytest.raises(ValueError, match=r"not \[0.25\]"):
        head.predict_quantiles([0.25, 0.5])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        f.predict_quantiles([0.5, 1.0])


def test_backtests_carry_a_distribution_head_s_intervals():
    from tsrnn.backtest import backtest

    df = long_frame(random_walks(S=2, n=150))
    cv = backtest([RNNForecaster(distribution="student_t", **SMALL)], df, horizon=4, n_windows=2, level=[80])
    assert len(cv) == 2 * 2 * 4
    assert np.all((cv["GRU-lo-80"] < cv["GRU"]) & (cv["GRU"] < cv["GRU-hi-80"]))


def test_training_takes_the_unfused_step_for_likelihoods():
    # The fused step computes MSE/MAE/Huber gradients only; a likelihood's gradient comes from its own loss.
    from tsrnn.nn import HorizonDistributionLoss, MSELoss, RecurrentRegressor
    from tsrnn.nn.fused_step import FusedStep

    model = RecurrentRegressor("gru", 1, 4, 8)
    assert FusedStep.covers(model, MSELoss(), "windows", None)
    for name in ("normal", "student_t", "negative_binomial"):
        loss = HorizonDistributionLoss(name, scaled=name == "negative_binomial")
        assert not FusedStep.covers(model, loss, "windows", None)


def test_backtests_carry_sample_paths_for_the_sample_crps():
    from tsrnn import evaluate
    from tsrnn.backtest import backtest

    df = long_frame(random_walks(S=2, n=150))
    models = [RNNForecaster(distribution="normal", alias="dist", **SMALL), Naive()]
    cv, samples = backtest(models, df, horizon=4, n_windows=2, num_samples=30, random_state=3)
    assert list(samples.columns) == ["unique_id", "cutoff", "ds", "sample", "dist"]  # Naive draws none
    assert len(samples) == len(cv) * 30 and samples["cutoff"].dtype == cv["cutoff"].dtype
    again = backtest(models, df, horizon=4, n_windows=2, num_samples=30, random_state=3, n_jobs=2)[1]
    pd.testing.assert_frame_equal(samples, again)
    # The sample paths of the cutoff's fit are those predict draws from the same history and seed.
    last = cv["cutoff"].max()
    fit = RNNForecaster(distribution="normal", alias="dist", **SMALL).fit(df[df["ds"] <= last])
    own = fit.predict(num_samples=30, random_state=np.random.default_rng([3, 1]))
    got = samples[samples["cutoff"] == last].sort_values(["unique_id", "sample", "ds"], kind="stable")
    np.testing.assert_array_equal(got["dist"].to_numpy(), own["dist"].to_numpy())
    scores = evaluate(cv, metrics=["mae", "crps"], samples=samples)
    assert scores.set_index("model").loc["dist", "crps"] < scores.set_index("model").loc["dist", "mae"]
