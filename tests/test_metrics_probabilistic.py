"""Probabilistic scores: CRPS of samples and of quantiles, M5's scaled pinball, M4's ACD, and evaluate's use of them."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tsrnn import Naive, SeasonalNaive, backtest, evaluate
from tsrnn.metrics import (
    M5_QUANTILES,
    acd,
    coverage,
    crps,
    pinball,
    quantile_crps,
    scaled_crps,
    scaled_pinball,
    scaled_quantile_crps,
)


def normal_crps(y, mu, sigma):
    """Closed-form CRPS of N(mu, sigma^2) at y (Gneiting and Raftery 2007)."""
    z = (y - mu) / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))


def brute_crps(y, x):
    x = np.asarray(x, dtype=np.float64)
    return np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()


def test_sample_crps_is_the_pairwise_formula():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(3, 4))
    x = rng.standard_t(3, size=(3, 4, 37))
    want = np.mean([np.mean([brute_crps(y[s, t], x[s, t]) for t in range(4)]) for s in range(3)])
    assert crps(y, x) == pytest.approx(want, rel=1e-12)
    assert crps(y[1], x[1]) == pytest.approx(np.mean([brute_crps(y[1, t], x[1, t]) for t in range(4)]), rel=1e-12)


def test_sample_crps_of_one_draw_is_the_absolute_error():
    y = np.array([[1.0, -2.0, 5.0]])
    x = np.array([[[1.5], [0.0], [5.0]]])
    assert crps(y, x) == pytest.approx(np.mean(np.abs(y - x[..., 0])))


@pytest.mark.parametrize("y", [0.0, 0.7, -2.5])
def test_crps_of_many_normal_samples_and_of_a_fine_quantile_grid_match_the_closed_form(y):
    rng = np.random.default_rng(1)
    exact = normal_crps(y, 0.3, 1.7)
    draws = rng.normal(0.3, 1.7, size=200_000)
    assert crps([y], draws[None, :]) == pytest.approx(exact, rel=0.01)
    q = np.arange(1, 100) / 100.0
    assert quantile_crps([y], stats.norm.ppf(q, 0.3, 1.7)[None, :], q) == pytest.approx(exact, rel=0.03)


def test_quantile_crps_is_twice_the_pinball_loss():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(5, 6))
    q = np.array([0.1, 0.5, 0.9])
    f = np.sort(rng.normal(size=(5, 6, 3)), axis=-1)
    assert quantile_crps(y, f, q) == pytest.approx(2 * pinball(y, f, q), rel=1e-12)


def test_scaled_scores_divide_each_series_by_its_naive_mae_and_weights_average_them():
    rng = np.random.default_rng(3)
    y = rng.normal(size=(2, 3))
    x = rng.normal(size=(2, 3, 50))
    train = [np.array([0.0, 1.0, 3.0, 6.0]), np.array([5.0, 5.0, 7.0, 9.0, 7.0])]  # lag-1 MAE: 2, 1.5
    per = np.array([crps(y[i], x[i]) for i in range(2)])
    assert scaled_crps(y, x, y_train=train, season_length=1) == pytest.approx(np.mean(per / [2.0, 1.5]))
    assert scaled_crps(y, x, y_train=train, season_length=1, weights=[3, 1]) == pytest.approx(
        (3 * per[0] / 2.0 + per[1] / 1.5) / 4
    )
    q = np.asarray(M5_QUANTILES)
    f = np.quantile(x, q, axis=-1).transpose(1, 2, 0)
    want = np.mean([pinball(y[i], f[i], q) / s for i, s in enumerate([2.0, 1.5])])
    assert scaled_pinball(y, f, y_train=train) == pytest.approx(want, rel=1e-12)
    assert scaled_quantile_crps(y, f, q, y_train=train, season_length=1) == pytest.approx(2 * want, rel=1e-12)
    # the seasonal lag of the scale: [0,1,3,6] at lag 2 -> |3-0|, |6-1| -> 4
    assert scaled_crps(y[0], x[0], y_train=train[0], season_length=2) == pytest.approx(per[0] / 4.0)


def test_acd_is_the_gap_between_coverage_and_level():
    y, lo, hi = [1.0, 5.0, 3.0, 2.0], [0.0, 0.0, 0.0, 2.0], [2.0, 2.0, 4.0, 3.0]
    assert acd(y, lo, hi, 80) == pytest.approx(abs(coverage(y, lo, hi) - 0.8))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: crps([1.0, 2.0], [[1.0, 2.0]]), r"samples has shape \(1, 2\); expected y's shape \(2,\)"),
        (lambda: crps([1.0], [[np.nan]]), r"samples contains NaN"),
        (lambda: quantile_crps([1.0], [[1.0]], [1.0]), r"strictly between 0 and 1"),
        (lambda: scaled_crps([1.0], [[1.0]], y_train=[1.0, 1.0], season_length=1), r"zero scale"),
        (lambda: scaled_crps([1.0], [[1.0]], y_train=None, season_length=1), r"needs y_train"),
        (lambda: scaled_pinball([[1.0]], [[[1.0]]], [0.5], y_train=[[0.0, 1.0]], weights=[-1]), r"non-negative"),
        (lambda: acd([1.0], [0.0], [2.0], 100), r"level must be in \(0, 100\)"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def panel(n_series=6, n=96, m=12):
    rng = np.random.default_rng(4)
    t = np.arange(n)
    rows = [pd.DataFrame({"unique_id": f"s{i}", "ds": t, "y": 50 + 10 * np.sin(2 * np.pi * t / m) + rng.normal(0, 2, n)})
            for i in range(n_series)]  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_evaluate_reads_every_bound_as_a_quantile_for_crps_and_spl():
    data = panel()
    levels = [20, 50, 80, 95]
    cv = backtest([SeasonalNaive(12), Naive()], data, horizon=6, n_windows=2, level=levels)
    board = evaluate(cv, metrics=["mae", "crps", "scaled_crps", "spl", "acd"], y=data, season_length=12, by="series")
    row = board[(board.unique_id == "s0") & (board.model == "SeasonalNaive")].iloc[0]
    q = np.array([a for lv in levels for a in ((100 - lv) / 200, (100 + lv) / 200)])
    crps_by_cut, spl_by_cut, scaled_by_cut = [], [], []
    for cutoff, g in cv[cv.unique_id == "s0"].groupby("cutoff"):
        f = np.stack([g[f"SeasonalNaive-{side}-{lv}"] for lv in levels for side in ("lo", "hi")], axis=-1)
        train = data[(data.unique_id == "s0") & (data.ds <= cutoff)].y.to_numpy()
        crps_by_cut.append(quantile_crps(g.y.to_numpy(), f, q))
        scaled_by_cut.append(crps_by_cut[-1] / np.mean(np.abs(train[12:] - train[:-12])))
        spl_by_cut.append(scaled_pinball(g.y.to_numpy(), f, q, y_train=train))
    assert row.crps == pytest.approx(np.mean(crps_by_cut), rel=1e-12)
    assert row.scaled_crps == pytest.approx(np.mean(scaled_by_cut), rel=1e-12)
    assert row.spl == pytest.approx(np.mean(spl_by_cut), rel=1e-12)
    assert 0 <= row.acd_80 <= 1 and "acd_95" in board.columns
    leader = evaluate(cv, metrics=["crps"])
    assert leader.model.iloc[0] == "SeasonalNaive"  # a seasonal panel: the seasonal model's distribution wins


def test_evaluate_scores_sample_paths_exactly_when_given():
    data = panel(n_series=2)
    cv = backtest(Naive(), data, horizon=4, n_windows=2, level=[80])
    rng = np.random.default_rng(5)
    rows = []
    for (uid, cutoff), g in cv.groupby(["unique_id", "cutoff"]):
        for ds, point in zip(g.ds, g.Naive):
            for s in range(30):
                rows.append({"unique_id": uid, "cutoff": cutoff, "ds": ds, "sample": s, "Naive": point + rng.normal()})
    samples = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # any row order
    board = evaluate(cv, metrics=["crps"], samples=samples, by="series")
    for uid in ("s0", "s1"):
        want = []
        for cutoff, g in cv[cv.unique_id == uid].groupby("cutoff"):
            s = samples[(samples.unique_id == uid) & (samples.cutoff == cutoff)].sort_values(["ds", "sample"])
            want.append(crps(g.y.to_numpy(), s.Naive.to_numpy().reshape(4, 30)))
        assert board.set_index("unique_id").loc[uid, "crps"] == pytest.approx(np.mean(want), rel=1e-12)
    with pytest.raises(ValueError, match=r"need a forecast distribution"):
        evaluate(backtest(Naive(), data, horizon=3), metrics=["crps"])
    with pytest.raises(ValueError, match=r"samples must be a DataFrame"):
        evaluate(cv, metrics=["crps"], samples=samples.drop(columns="sample"))
