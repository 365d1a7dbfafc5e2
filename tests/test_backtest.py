"""backtest/evaluate: cutoffs, no look-ahead, failure isolation, processes and Dask give identical results;
the progress bar; ``tsrnn.backtest`` the function whatever was imported first."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn import backtest, evaluate
from tsrnn.forecasters.base import BaseForecaster


class LastSeen(BaseForecaster):
    """Forecasts the last value it was trained on: on an increasing series, any look-ahead would show."""

    _model_name = "LastSeen"
    _global = False

    def __init__(self, alias=None, fail_on=None):
        self.alias = alias
        self.fail_on = fail_on

    def _fit(self, panel):
        if self.fail_on is not None and self.fail_on in panel.ids:
            raise RuntimeError(f"cannot fit {self.fail_on}")
        self.last_ = np.array([panel.series(i)[-1] for i in range(panel.n_series)])

    def _predict(self, panel, h, positions):
        return np.repeat(self.last_[positions][:, None], h, axis=1)


def increasing_long(n_series=4, n=40):
    frames = [
        pd.DataFrame({"unique_id": f"u{i}", "ds": pd.date_range("2024-01-01", periods=n + i, freq="D"),
                      "y": np.arange(n + i, dtype=float) + 100 * i})
        for i in range(n_series)
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_cutoffs_and_no_look_ahead():
    y = increasing_long()
    cv = backtest(LastSeen(), y, horizon=5, n_windows=3)
    assert list(cv.columns) == ["unique_id", "cutoff", "ds", "y", "LastSeen", "error"]
    assert len(cv) == 4 * 3 * 5
    for (uid, cutoff), g in cv.groupby(["unique_id", "cutoff"]):
        series = y[y.unique_id == uid].set_index("ds").y
        # The fit saw exactly the values up to its cutoff: the forecast is the value at the cutoff.
        assert (g.LastSeen == series.loc[cutoff]).all()
        assert (g.ds > cutoff).all() and len(g) == 5
        np.testing.assert_array_equal(g.y.to_numpy(), series.loc[g.ds].to_numpy())
    last = cv.groupby("unique_id").ds.max()
    ends = y.groupby("unique_id").ds.max()
    pd.testing.assert_series_equal(last, ends)
    cutoffs = cv[cv.unique_id == "u0"].cutoff.unique()
    assert list(np.diff(cutoffs) / pd.Timedelta("1D")) == [5, 5]


def test_sliding_window_and_step():
    y = increasing_long(n_series=1, n=50)
    cv = backtest(LastSeen(), y, horizon=3, n_windows=4, step=2, window="sliding", train_size=10)
    assert cv.cutoff.nunique() == 4
    assert list(np.diff(cv.cutoff.unique()) / pd.Timedelta("1D")) == [2, 2, 2]


def test_failure_isolation_and_clear_errors():
    y = increasing_long()
    cv = backtest([LastSeen(fail_on="u2"), LastSeen(alias="ok")], y, horizon=4, n_windows=2)
    bad = cv.unique_id == "u2"
    assert cv.loc[bad, "LastSeen"].isna().all()
    assert cv.loc[bad, "error"].str.contains("LastSeen: RuntimeError: cannot fit u2").all()
    assert cv.loc[~bad, "LastSeen"].notna().all() and (cv.loc[~bad, "error"] == "").all()
    assert cv["ok"].notna().all()
    board = evaluate(cv, metrics=["mae"])
    assert board.set_index("model").loc["LastSeen", "failed_windows"] == 2
    with pytest.raises(ValueError, match=r"too short for horizon=30, n_windows=2, step=30"):
        backtest(LastSeen(), y, horizon=30, n_windows=2)
    with pytest.raises(ValueError, match=r"window='sliding' needs train_size"):
        backtest(LastSeen(), y, horizon=3, window="sliding")
    with pytest.raises(ValueError, match=r"two models would write the column\(s\) \['LastSeen'\]"):
        backtest([LastSeen(), LastSeen()], y, horizon=3)
    with pytest.raises(ValueError, match=r"models must be tsrnn forecasters, got str"):
        backtest(["naive"], y, horizon=3)


def test_evaluate_values_and_ranking():
    y = increasing_long(n_series=2)
    cv = backtest([LastSeen()], y, horizon=4, n_windows=2)
    board = evaluate(cv, metrics=["mae", "rmse"])
    # LastSeen on y = t + c: errors 1, 2, 3, 4 at every cutoff.
    assert board.loc[0, "mae"] == pytest.approx(2.5)
    assert board.loc[0, "rmse"] == pytest.approx(np.sqrt(7.5))
    per_series = evaluate(cv, metrics=["mae"], by="series")
    assert list(per_series.columns) == ["unique_id", "model", "mae"] and len(per_series) == 2
    mase = evaluate(cv, metrics=["mase"], y=y, season_length=1)
    assert mase.loc[0, "mase"] == pytest.approx(2.5)


RNN = dict(cell="gru", hidden_size=6, window=8, horizon=3, epochs=2, batch_size=16, random_state=0)


def sine_long():
    # Different lengths, so a task that mixed up series' cutoffs would show.
    parts = []
    for i in range(3):
        t = np.arange(60 + 7 * i)
        parts.append(pd.DataFrame({"unique_id": i, "ds": t, "y": np.sin(t / 3 + i)}))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.slow
def test_processes_give_identical_results():
    y = sine_long()
    models = [LastSeen(), RNNForecaster(**RNN)]
    local = backtest(models, y, horizon=3, n_windows=2)
    parallel = backtest(models, y, horizon=3, n_windows=2, n_jobs=2)
    pd.testing.assert_frame_equal(local, parallel, check_exact=True)
    # LastSeen forecasts the value at each series' own cutoff.
    for (uid, cutoff), g in parallel.groupby(["unique_id", "cutoff"]):
        assert (g.LastSeen == y[(y.unique_id == uid) & (y.ds == cutoff)].y.item()).all()


def test_refit_false_and_warm_start():
    y = sine_long()
    a = backtest(RNNForecaster(**RNN), y, horizon=3, n_windows=3, refit=False)
    b = backtest(RNNForecaster(**RNN), y, horizon=3, n_windows=3, refit=True)
    first = a.cutoff == a.cutoff.min()
    np.testing.assert_array_equal(a.loc[first, "GRU"], b.loc[first, "GRU"])
    assert not np.array_equal(a.loc[~first, "GRU"], b.loc[~first, "GRU"])
    w = backtest(RNNForecaster(**RNN), y, horizon=3, n_windows=3, warm_start=True)
    np.testing.assert_array_equal(w.loc[first, "GRU"], b.loc[first, "GRU"])
    assert not np.array_equal(w.loc[~first, "GRU"], b.loc[~first, "GRU"])


@pytest.mark.slow
def test_dask_backend_equals_local():
    distributed = pytest.importorskip("distributed")
    y = sine_long()
    models = [LastSeen(), RNNForecaster(**RNN)]
    local = backtest(models, y, horizon=3, n_windows=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        remote = backtest(models, y, horizon=3, n_windows=2, backend="dask", client=client)
        active = backtest(models, y, horizon=3, n_windows=2, backend="dask")  # found via get_client()
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    pd.testing.assert_frame_equal(local, active, check_exact=True)


def test_progress_bar_counts_models_times_windows(capsys):
    y = increasing_long(n_series=3)
    models = [LastSeen(), LastSeen(alias="Other")]
    plain = backtest(models, y, horizon=2, n_windows=3)
    assert capsys.readouterr().err == ""  # progress=None: stderr is not a terminal here
    shown = backtest(models, y, horizon=2, n_windows=3, progress=True)
    err = capsys.readouterr().err
    assert "backtest" in err and "6/6" in err  # 2 models x 3 windows
    pd.testing.assert_frame_equal(plain, shown)
    backtest(models, y, horizon=2, n_windows=3, progress=False, refit=False)
    assert capsys.readouterr().err == ""


def test_progress_bar_with_processes_and_without_refit(capsys):
    y = sine_long()
    backtest([LastSeen(), RNNForecaster(**RNN)], y, horizon=3, n_windows=2, n_jobs=2, progress=True)
    assert "4/4" in capsys.readouterr().err
    backtest(RNNForecaster(**RNN), y, horizon=3, n_windows=3, refit=False, progress=True)
    assert "3/3" in capsys.readouterr().err


IMPORT_ORDERS = [
    "import tsrnn; f = tsrnn.backtest; g = tsrnn.evaluate",
    "from tsrnn import backtest as f, evaluate as g",
    "from tsrnn.backtest import backtest as f, evaluate as g",
    "import tsrnn.backtest; import tsrnn; f = tsrnn.backtest; g = tsrnn.evaluate",
    "from tsrnn.backtest import backtest; import tsrnn; f = tsrnn.backtest; from tsrnn import evaluate as g",
    "import tsrnn; tsrnn.backtest; import tsrnn.backtest as bt; f = bt.backtest; g = bt.evaluate; bt(*[]) if 0 else 0",
    "import tsrnn.evaluation as ev; import tsrnn; f = tsrnn.backtest; g = ev.evaluate",
]


@pytest.mark.parametrize("imports", IMPORT_ORDERS)
def test_backtest_and_evaluate_are_callable_in_every_import_order(imports):
    # A fresh interpreter for each order: what was imported first decides what tsrnn.backtest is bound to.
    code = f"""{imports}
import numpy as np, pandas as pd, tsrnn
from tsrnn import Naive
y = pd.Series(np.arange(20.0), index=pd.date_range("2024-01-01", periods=20, freq="D"))
for run in (f, tsrnn.backtest):
    cv = run([Naive()], y, horizon=2, n_windows=2)
    board = g(cv, metrics=["mae"])
    assert list(cv.Naive) == [15.0, 15.0, 17.0, 17.0], cv
    assert board.mae.item() == 1.5, board
print("ok")
"""
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
