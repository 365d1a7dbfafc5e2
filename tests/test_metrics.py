"""Metrics against hand-computed values, their errors, and the M4 Hourly benchmark figures."""

import doctest
import inspect
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tsrnn.metrics as metrics_module
from tsrnn.forecasters import Naive2, SeasonalNaive
from tsrnn.metrics import (
    METRICS,
    coverage,
    get_metric,
    interval_width,
    mae,
    mape,
    mase,
    owa,
    pinball,
    rmse,
    rmsse,
    smape,
)

Y = np.array([[1.0, 2.0, 4.0], [10.0, 10.0, 10.0]])
F = np.array([[2.0, 2.0, 1.0], [13.0, 10.0, 4.0]])
TRAIN = [np.array([1.0, 3.0, 2.0, 4.0]), np.array([0.0, 6.0, 6.0])]


def test_mae_rmse_by_hand():
    # |errors|: row 0 = 1, 0, 3 (mean 4/3); row 1 = 3, 0, 6 (mean 3).
    assert mae(Y[0], F[0]) == pytest.approx(4 / 3)
    assert mae(Y, F) == pytest.approx((4 / 3 + 3) / 2)
    # RMSE per series: sqrt(10/3) and sqrt(45/3) = sqrt(15), then averaged (not pooled).
    assert rmse(Y, F) == pytest.approx((np.sqrt(10 / 3) + np.sqrt(15)) / 2)
    assert rmse(Y, F) != pytest.approx(np.sqrt(55 / 6))


def test_mape_smape_by_hand():
    # MAPE: row 0 = 100 (1/1 + 0/2 + 3/4) / 3; row 1 = 100 (0.3 + 0 + 0.6) / 3.
    assert mape(Y, F) == pytest.approx((175 / 3 + 30) / 2)
    # sMAPE: row 0 = (200/3 + 0 + 600/5) / 3; row 1 = (600/23 + 0 + 1200/14) / 3.
    row0 = (200 / 3 + 120) / 3
    row1 = (600 / 23 + 1200 / 14) / 3
    assert smape(Y, F) == pytest.approx((row0 + row1) / 2)
    assert smape([0.0, 2.0], [0.0, 2.0]) == 0.0  # 0/0 counts as a perfect step
    assert smape([1.0], [-1.0]) == 200.0


def test_mase_rmsse_by_hand():
    # Scales (m = 1): mean |diff| of [1, 3, 2, 4] = (2 + 1 + 2) / 3 = 5/3; of [0, 6, 6] = 3.
    assert mase(Y, F, y_train=TRAIN, season_length=1) == pytest.approx((4 / 3 / (5 / 3) + 3 / 3) / 2)
    assert mase(Y[0], F[0], TRAIN[0], 1) == pytest.approx(0.8)  # positional y_train, season_length
    # m = 2: [1, 3, 2, 4] -> |2 - 1|, |4 - 3| -> 1; [0, 6, 6] -> 6.
    assert mase(Y, F, y_train=TRAIN, season_length=2) == pytest.approx((4 / 3 + 3 / 6) / 2)
    # RMSSE (m = 1): scales 9/3 = 3 and 36/2 = 18; MSEs 10/3 and 15.
    assert rmsse(Y, F, y_train=TRAIN, season_length=1) == pytest.approx((np.sqrt(10 / 9) + np.sqrt(15 / 18)) / 2)
    # A 2-D array of training rows is a list of S histories too.
    assert mase(Y, F, y_train=np.array([[1.0, 3, 2, 4], [1, 3, 2, 4]]), season_length=1) == pytest.approx(
        (4 / 3 + 3) / 2 / (5 / 3)
    )


def test_owa_by_hand():
    assert owa(10.0, 1.0, 20.0, 4.0) == pytest.approx(0.375)
    assert owa(18.383, 2.395, 18.383, 2.395) == 1.0
    with pytest.raises(ValueError, match="smape_naive2 must be positive to scale by, got 0.0"):
        owa(1.0, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"mase must be a finite number \(an average over series\), got nan"):
        owa(1.0, float("nan"), 1.0, 1.0)


def test_pinball_by_hand():
    # q = 0.1: errors y - f = 2, -1 -> losses 0.2, 0.9; q = 0.9: errors -2, -3 -> 0.2, 0.3.
    assert pinball([10.0, 10.0], [[8.0, 12.0], [11.0, 13.0]], [0.1, 0.9]) == pytest.approx(0.4)
    y = np.array([[1.0, 2.0], [3.0, 5.0]])
    med = np.array([[2.0, 2.0], [3.0, 3.0]])
    assert pinball(y, med[..., None], [0.5]) == pytest.approx(mae(y, med) / 2)


def test_coverage_and_width_by_hand():
    y = [[1.0, 5.0], [2.0, 2.0]]
    lo = [[0.0, 0.0], [2.0, 2.5]]
    hi = [[1.0, 4.0], [3.0, 3.0]]
    assert coverage(y, lo, hi) == pytest.approx((0.5 + 0.5) / 2)  # bounds count as inside
    assert interval_width(lo, hi) == pytest.approx((2.5 + 0.75) / 2)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_registered_metric_follows_the_signature_convention(name):
    fn = get_metric(name)
    assert get_metric(name.upper()) is fn
    params = inspect.signature(fn).parameters
    assert list(params)[:2] == ["y", "yhat"]
    assert params["y_train"].default is None and params["season_length"].default is None
    value = fn(Y, F, y_train=TRAIN, season_length=1)
    assert isinstance(value, float) and np.isfinite(value)


def test_get_metric_unknown_and_callable():
    with pytest.raises(ValueError, match=r"unknown metric 'mse'; expected one of \['mae', 'mape', 'mase'"):
        get_metric("mse")
    assert get_metric(smape) is smape


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mae([1.0, 2.0], [1.0, 2.0, 3.0]), r"y has shape \(2,\) but yhat has shape \(3,\); expected the same"),
        (lambda: mae(np.ones((2, 2, 2)), np.ones((2, 2, 2))), r"y has shape \(2, 2, 2\); expected \(h,\)"),
        (lambda: mae([], []), r"y is empty"),
        (lambda: smape([1.0, np.nan], [1.0, 2.0]), r"y contains NaN or inf \(first at index \(1,\): nan\)"),
        (lambda: rmse([1.0, 2.0], [1.0, np.inf]), r"yhat contains NaN or inf \(first at index \(1,\): inf\)"),
        (lambda: mape([1.0, 0.0], [1.0, 2.0]), r"mape is undefined where y is 0 \(first at index \(0, 1\)\)"),
        (lambda: mase(Y, F, season_length=1), r"mase needs y_train"),
        (lambda: mase(Y, F, y_train=TRAIN), r"mase needs season_length"),
        (lambda: mase(Y, F, y_train=TRAIN[:1], season_length=1), r"y_train holds 1 series but y has 2"),
        (lambda: mase(Y, F, y_train=TRAIN, season_length=3), r"y_train\[1\] has 3 values; mase with season_length=3"),
        (
            lambda: mase(Y, F, y_train=[TRAIN[0], [5.0, 5.0, 5.0]], season_length=1),
            r"mase is undefined: y_train\[1\] has a zero scale",
        ),
        (lambda: rmsse(Y[0], F[0], y_train=[2.0, 2.0], season_length=1), r"rmsse is undefined: y_train has a zero"),
        (lambda: mase(Y, F, y_train=[TRAIN[0], [1.0, np.nan]], season_length=1), r"y_train\[1\] contains NaN"),
        (lambda: mase(Y, F, y_train=TRAIN, season_length=0), r"season_length must be an integer >= 1, got 0"),
        (lambda: pinball([1.0, 2.0], [1.0, 2.0], [0.5]), r"q_pred has shape \(2,\); expected y's shape \(2,\) plus"),
        (lambda: pinball([1.0], [[1.0]], [1.0]), r"quantiles must lie strictly between 0 and 1, got \[1.0\]"),
        (lambda: coverage([1.0, 2.0], [0.0, 3.0], [2.0, 2.5]), r"hi is below lo at index \(0, 1\) \(2.5 < 3.0\)"),
        (lambda: coverage([1.0], [0.0, 1.0], [2.0, 2.0]), r"y has shape \(1,\) but lo has shape \(2,\)"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_docstring_examples_show_real_output():
    import importlib
    import pkgutil

    attempted = 0
    for info in pkgutil.iter_modules(metrics_module.__path__):
        result = doctest.testmod(importlib.import_module(f"tsrnn.metrics.{info.name}"))
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted >= 14


# --------------------------------------------------------------------------------------------
# M4 Hourly: the published benchmark figures, through the public fit/predict API
# --------------------------------------------------------------------------------------------


def data_home() -> Path:
    env = os.environ.get("TSRNN_DATA_HOME")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "datasets"


def read_m4_long(path: Path) -> pd.DataFrame:
    """Long frame (unique_id, ds, y) from an M4 wide CSV: first column the id, then V2, V3, ... padded with NaN."""
    wide = pd.read_csv(path, index_col=0)
    long = wide.stack().dropna().reset_index()  # pandas 3's stack keeps the NaN padding
    long.columns = ["unique_id", "column", "y"]
    long["ds"] = long["column"].str[1:].astype(np.int64) - 2
    return long[["unique_id", "ds", "y"]]


def test_m4_hourly_anchors():
    root = data_home() / "m4"
    files = [root / "Hourly-train.csv", root / "Hourly-test.csv"]
    if not all(f.exists() for f in files):
        pytest.skip(f"M4 Hourly data not found at {root} (set TSRNN_DATA_HOME to the folder holding m4/)")
    train, test = (read_m4_long(f) for f in files)
    ids = list(dict.fromkeys(train.unique_id))
    assert len(ids) == 414
    history = [g.to_numpy() for _, g in train.groupby("unique_id", sort=False).y]
    truth = test.set_index(["unique_id", "ds"]).y.unstack().loc[ids].to_numpy()
    assert truth.shape == (414, 48)

    scores = {}
    for model in (SeasonalNaive(season_length=24), Naive2(season_length=24)):
        fc = model.fit(train).predict(48)
        assert fc.unique_id.tolist()[::48] == ids
        first_step = fc.groupby("unique_id", sort=False).ds.first().to_numpy()
        np.testing.assert_array_equal(first_step, train.groupby("unique_id", sort=False).ds.last().to_numpy() + 1)
        pred = fc[model.name_].to_numpy().reshape(414, 48)
        scores[model.name_] = (smape(truth, pred), mase(truth, pred, y_train=history, season_length=24))

    assert [round(v, 3) for v in scores["SeasonalNaive"]] == [13.912, 1.193]
    assert [round(v, 3) for v in scores["Naive2"]] == [18.383, 2.395]
    assert owa(*scores["SeasonalNaive"], *scores["Naive2"]) == pytest.approx(0.6275, abs=5e-4)
