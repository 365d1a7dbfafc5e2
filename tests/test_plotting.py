"""tsrnn.plotting: the artists drawn (lines, bands, bars, ticks, legends) match the inputs; bad input is refused."""

import matplotlib

matplotlib.use("Agg")

import os
import re
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import dates as mdates
from matplotlib.collections import PolyCollection

from tsrnn.plotting import (
    plot_backtest,
    plot_forecast,
    plot_history,
    plot_leaderboard,
    plot_residuals,
    save_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def hourly(n=48, start="2024-01-01", name="load"):
    idx = pd.date_range(start, periods=n, freq="h")
    return pd.Series(np.arange(n, dtype=float) ** 0.5, index=idx, name=name)


def future(y, h):
    return pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=h, freq="h")


def with_intervals(idx, model="GRU", levels=(80, 95)):
    h = len(idx)
    cols = {model: np.linspace(1, 2, h)}
    for lv in levels:
        w = lv / 100
        cols[f"{model}-lo-{lv}"] = cols[model] - w
        cols[f"{model}-hi-{lv}"] = cols[model] + w
    return pd.DataFrame(cols, index=idx)


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.lines}


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def is_date_axis(ax):
    return isinstance(ax.xaxis.get_major_formatter(), (mdates.ConciseDateFormatter, mdates.AutoDateFormatter))


def long_frame(ids=("a", "b"), n=20, int_time=False):
    frames = []
    for k, uid in enumerate(ids):
        ds = np.arange(100, 100 + n) if int_time else pd.date_range("2024-03-01", periods=n, freq="D")
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.arange(n, dtype=float) + 10 * k}))
    return pd.concat(frames, ignore_index=True)


def long_forecast(ids=("a", "b"), h=4, start=120, int_time=False, models=("GRU", "Naive")):
    frames = []
    for k, uid in enumerate(ids):
        ds = np.arange(start, start + h) if int_time else pd.date_range("2024-03-21", periods=h, freq="D")
        frame = pd.DataFrame({"unique_id": uid, "ds": ds})
        for j, m in enumerate(models):
            frame[m] = np.arange(h, dtype=float) + 100 * k + j
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------ plot_forecast


def test_forecast_series_with_intervals_and_actuals():
    y = hourly(48)
    idx = future(y, 6)
    fc = with_intervals(idx)
    actual = pd.Series(np.arange(6, dtype=float), index=idx)
    ax = plot_forecast(y, fc, actual=actual)

    lines = lines_by_label(ax)
    assert set(lines) == {"history", "GRU", "actual"}
    hist = lines["history"]  # default tail: 5 x the forecast length
    np.testing.assert_array_equal(hist.get_xdata(), y.index[-30:].to_numpy())
    np.testing.assert_array_equal(hist.get_ydata(), y.to_numpy()[-30:])
    np.testing.assert_array_equal(lines["GRU"].get_xdata(), idx.to_numpy())
    np.testing.assert_array_equal(lines["GRU"].get_ydata(), fc["GRU"].to_numpy())
    np.testing.assert_array_equal(lines["actual"].get_ydata(), actual.to_numpy())

    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["GRU 95%", "GRU 80%"]
    assert bands[0].get_alpha() < bands[1].get_alpha()  # wider is lighter
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(fc["GRU-lo-95"].min()) and ys.max() == pytest.approx(fc["GRU-hi-95"].max())
    assert legend_texts(ax) == ["history", "GRU", "GRU 95%", "GRU 80%", "actual"]
    assert ax.get_ylabel() == "load"

    assert is_date_axis(ax)
    ax.figure.canvas.draw()
    texts = [t.get_text() for t in ax.get_xticklabels()]
    assert "Jan-02" in texts and all(re.fullmatch(r"\d\d:\d\d|[A-Z][a-z]{2}-\d\d", t) for t in texts), texts
    assert pd.Timestamp(ax.xaxis.get_major_formatter().get_offset()) == pd.Timestamp("2024-01-03")


def test_forecast_tail_level_model_and_series_forecast():
    y = hourly(48)
    idx = future(y, 4)
    fc = with_intervals(idx)
    ax = plot_forecast(y, fc, tail=10, level=80, title="my title")
    assert len(lines_by_label(ax)["history"].get_xdata()) == 10
    assert [c.get_label() for c in ax.collections] == ["GRU 80%"]
    assert ax.get_title() == "my title"

    point = pd.Series(np.ones(4), index=idx, name="Naive")
    ax = plot_forecast(y, point, tail=3)
    assert [line.get_label() for line in ax.lines] == ["history", "Naive"]
    assert not ax.collections

    both = fc.assign(Naive=0.0)
    ax = plot_forecast(y, both, model=["Naive"])
    assert [line.get_label() for line in ax.lines] == ["history", "Naive"]
    assert not ax.collections


def test_forecast_long_frames_select_one_series_with_int_time():
    hist = long_frame(int_time=True)
    fc = long_forecast(int_time=True)
    ax = plot_forecast(hist, fc, unique_id="b")
    lines = lines_by_label(ax)
    assert set(lines) == {"history", "GRU", "Naive"}
    b = hist[hist.unique_id == "b"]
    np.testing.assert_array_equal(lines["history"].get_xdata(), b.ds.to_numpy())
    np.testing.assert_array_equal(lines["history"].get_ydata(), b.y.to_numpy())
    fb = fc[fc.unique_id == "b"]
    np.testing.assert_array_equal(lines["Naive"].get_xdata(), fb.ds.to_numpy())
    np.testing.assert_array_equal(lines["Naive"].get_ydata(), fb.Naive.to_numpy())
    assert lines["GRU"].get_color() != lines["Naive"].get_color()
    assert lines["history"].get_xdata().dtype.kind == "i"  # ints stay ints
    assert not is_date_axis(ax)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("b", "ds", "y")


def test_forecast_long_unique_id_errors_list_the_ids():
    hist, fc = long_frame(), long_forecast()
    with pytest.raises(ValueError, match=r"holds 2 series; pass unique_id= one of \['a', 'b'\]"):
        plot_forecast(hist, fc)
    with pytest.raises(ValueError, match=r"unique_id='zz' is not in history; available: \['a', 'b'\]"):
        plot_forecast(hist, fc, unique_id="zz")
    with pytest.raises(ValueError, match=r"unique_id='b' is not in forecast; available: \['a'\]"):
        plot_forecast(hist, fc[fc.unique_id == "a"], unique_id="b")
    # One series in the long frames: no unique_id needed, and it becomes the title.
    ax = plot_forecast(hist[hist.unique_id == "a"], fc[fc.unique_id == "a"])
    assert ax.get_title() == "a"
    assert is_date_axis(ax)


def test_forecast_wide_frames_and_series_with_unique_id():
    idx = pd.date_range("2024-01-01", periods=12, freq="D")
    wide = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) * 2}, index=idx)
    fidx = pd.date_range("2024-01-13", periods=3, freq="D")
    fc = pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 5, 6]}, index=fidx)
    ax = plot_forecast(wide, fc, unique_id="b")
    lines = lines_by_label(ax)
    np.testing.assert_array_equal(lines["history"].get_ydata(), wide.b.to_numpy())
    np.testing.assert_array_equal(lines["forecast"].get_ydata(), fc.b.to_numpy())
    assert ax.get_title() == "b"
    # A Series with a one-column frame: unique_id only names the plot.
    ax = plot_forecast(wide.a, fc[["a"]].rename(columns={"a": "forecast"}), unique_id="a")
    assert set(lines_by_label(ax)) == {"history", "forecast"}


def test_forecast_y_column_is_the_actual_and_actuals_are_clipped():
    y = hourly(30)
    idx = future(y, 3)
    fc = pd.DataFrame({"GRU": [1.0, 2.0, 3.0], "y": [3.0, 2.0, 1.0]}, index=idx)
    ax = plot_forecast(y, fc)
    assert [line.get_label() for line in ax.lines] == ["history", "GRU", "actual"]
    np.testing.assert_array_equal(lines_by_label(ax)["actual"].get_ydata(), [3.0, 2.0, 1.0])

    full = pd.concat([y, pd.Series([9.0, 9.0, 9.0, 9.0], index=future(y, 4))])
    ax = plot_forecast(y, fc[["GRU"]], actual=full, tail=5)
    actual = lines_by_label(ax)["actual"]
    np.testing.assert_array_equal(actual.get_xdata(), full.index[-9:-1].to_numpy())


def test_forecast_timezone_aware_dates():
    y = hourly(24).tz_localize("Europe/Paris")
    idx = pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=3, freq="h")
    ax = plot_forecast(y, pd.Series([1.0, 2, 3], index=idx, name="M"))
    x = lines_by_label(ax)["M"].get_xdata()
    np.testing.assert_array_equal(x, idx.tz_convert("UTC").tz_localize(None).to_numpy())
    assert str(ax.xaxis.get_major_formatter()._tz) == "Europe/Paris"
    with pytest.raises(ValueError, match="different kinds of time values"):
        plot_forecast(y, pd.Series([1.0], index=pd.DatetimeIndex(["2024-01-02 00:00"]), name="M"))


def test_single_step_forecast_is_visible():
    y = hourly(10)
    ax = plot_forecast(y, pd.Series([1.0], index=future(y, 1), name="M"))
    assert lines_by_label(ax)["M"].get_marker() == "o"


@pytest.mark.parametrize(
    "history, forecast, kwargs, message",
    [
        ([1.0, 2.0], pd.Series([1.0]), {}, "history must be a pandas Series or DataFrame, got list"),
        (hourly(5), np.ones(3), {}, "forecast must be a pandas Series or DataFrame, got ndarray"),
        (hourly(5)[:0], pd.Series([1.0], index=future(hourly(5), 1)), {}, "history is empty"),
        (hourly(5), pd.Series([1.0], index=[5]), {}, "different kinds of time values"),
        (hourly(5), with_intervals(future(hourly(5), 2)), {"model": "LSTM"}, r"model\(s\) \['LSTM'\] not found"),
        (hourly(5), with_intervals(future(hourly(5), 2)), {"level": 50}, r"at level\(s\) \['50'\]; levels found"),
        (hourly(5), with_intervals(future(hourly(5), 2)).drop(columns="GRU-hi-80"), {}, "without its pair"),
        (hourly(5), with_intervals(future(hourly(5), 2)).drop(columns="GRU"), {}, "no point-forecast column"),
        (hourly(5), pd.Series([1.0], index=future(hourly(5), 1)), {"tail": 0}, "tail must be a positive integer"),
        (hourly(5), pd.Series([1.0], index=future(hourly(5), 1)), {"ax": "nope"}, "ax must be a matplotlib Axes"),
        (hourly(5), pd.Series([1.0, 2.0], index=[future(hourly(5), 1)[0]] * 2), {}, "more than once"),
        (pd.DataFrame({"p": [1.0], "q": [2.0]}), pd.Series([1.0], index=[1]), {}, r"history has columns \['p', 'q'\]"),
    ],
)
def test_forecast_bad_input(history, forecast, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_forecast(history, forecast, **kwargs)


# ------------------------------------------------------------------------------ plot_backtest


def backtest_frame(ids=("a", "b"), horizon=4, n_windows=3, step=None, models=("GRU", "Naive")):
    step = horizon if step is None else step
    n = 30
    ds = pd.date_range("2024-01-01", periods=n, freq="D")
    rows = []
    for k, uid in enumerate(ids):
        y = np.arange(n, dtype=float) + 50 * k
        for w in range(n_windows):
            c = n - horizon - (n_windows - 1 - w) * step  # values before the cutoff
            for j in range(horizon):
                row = {"unique_id": uid, "cutoff": ds[c - 1], "ds": ds[c + j], "y": y[c + j]}
                for m, model in enumerate(models):
                    row[model] = y[c - 1] + m + 0.1 * w
                row["error"] = ""
                rows.append(row)
    return pd.DataFrame(rows)


def test_backtest_lines_colours_and_cutoffs():
    cv = backtest_frame()
    ax = plot_backtest(cv, unique_id="b")
    g = cv[cv.unique_id == "b"]
    cutoffs = g.cutoff.unique()
    vlines = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(vlines) == 3
    for line, c in zip(vlines, cutoffs):
        # matplotlib gives Timestamps or datetime64 depending on its version: compare as datetime64.
        np.testing.assert_array_equal(pd.to_datetime(line.get_xdata()).to_numpy(), pd.to_datetime([c, c]).to_numpy())
    data_lines = [line for line in ax.lines if line.get_linestyle() != "--"]
    assert len(data_lines) == 1 + 3 * 2
    actual = data_lines[0]
    np.testing.assert_array_equal(actual.get_xdata(), g.ds.to_numpy())
    np.testing.assert_array_equal(actual.get_ydata(), g.y.to_numpy())
    folds = data_lines[1:]
    for k, c in enumerate(cutoffs):
        fold = g[g.cutoff == c]
        for m, model in enumerate(["GRU", "Naive"]):
            line = folds[2 * k + m]
            np.testing.assert_array_equal(line.get_xdata(), fold.ds.to_numpy())
            np.testing.assert_array_equal(line.get_ydata(), fold[model].to_numpy())
            assert line.get_color() == f"C{m}"  # one colour per model across folds
    assert legend_texts(ax) == ["actual", "GRU", "Naive", "cutoff"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("b", "ds", "y")
    assert is_date_axis(ax)


def test_backtest_one_model_overlapping_windows_and_intervals():
    cv = backtest_frame(ids=("a",), horizon=4, n_windows=3, step=2)
    cv["GRU-lo-90"] = cv.GRU - 1
    cv["GRU-hi-90"] = cv.GRU + 1
    ax = plot_backtest(cv, models=["GRU"], title="GRU: a")
    labels = [line.get_label() for line in ax.lines]
    assert labels.count("GRU") == 1 and "Naive" not in labels
    actual = ax.lines[0]
    expected = cv.drop_duplicates("ds")
    np.testing.assert_array_equal(actual.get_xdata(), expected.ds.to_numpy())  # overlapping days drawn once
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3  # one band per fold
    assert ax.get_title() == "GRU: a"


@pytest.mark.parametrize(
    "cv, kwargs, message",
    [
        (pd.DataFrame({"ds": [1], "y": [1.0]}), {}, "cv must be the DataFrame backtest returns"),
        ("cv.csv", {}, "cv must be the DataFrame backtest returns"),
        (backtest_frame()[:0], {}, "cv is empty"),
        (backtest_frame(), {}, r"cv holds 2 series; pass unique_id= one of \['a', 'b'\]"),
        (backtest_frame(), {"unique_id": "c"}, r"unique_id='c' is not in cv"),
        (backtest_frame(), {"unique_id": "a", "models": ["LSTM"]}, r"model\(s\) \['LSTM'\] not found in cv"),
        (backtest_frame(models=()), {"unique_id": "a"}, "cv has no numeric forecast column"),
    ],
)
def test_backtest_bad_input(cv, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_backtest(cv, **kwargs)


# ------------------------------------------------------------------------------ plot_history


def training_history(val=True):
    epochs = np.arange(1, 9)
    return pd.DataFrame({
        "epoch": epochs,
        "train_loss": 1.0 / epochs,
        "val_loss": np.array([1.0, 0.6, 0.4, 0.3, 0.25, 0.27, 0.3, 0.32]) if val else np.nan,
        "lr": [1e-2] * 4 + [5e-3] * 4,
        "seconds": 0.1,
    })  # fmt: skip


def test_history_losses_lr_twin_and_best_epoch():
    h = training_history()
    ax = plot_history(h, title="GRU training")
    lines = lines_by_label(ax)
    np.testing.assert_array_equal(lines["train loss"].get_xdata(), h.epoch.to_numpy())
    np.testing.assert_array_equal(lines["train loss"].get_ydata(), h.train_loss.to_numpy())
    np.testing.assert_array_equal(lines["validation loss"].get_ydata(), h.val_loss.to_numpy())
    np.testing.assert_array_equal(lines["best epoch (5)"].get_xdata(), [5, 5])
    assert ax.get_yscale() == "log"
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_shared_x_axes().joined(ax, twins[0])
    (lr,) = twins[0].lines
    np.testing.assert_array_equal(lr.get_ydata(), h.lr.to_numpy())
    assert twins[0].get_ylabel() == "learning rate" and twins[0].get_yscale() == "log"
    assert legend_texts(ax) == ["train loss", "validation loss", "best epoch (5)", "learning rate"]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("GRU training", "epoch", "loss")


def test_history_without_validation_from_a_fitted_model():
    class Fitted:  # stands in for a fitted RNNForecaster: only history_ is read
        history_ = training_history(val=False)

    ax = plot_history(Fitted())
    assert [line.get_label() for line in ax.lines] == ["train loss"]

    negative = training_history().assign(train_loss=lambda d: d.train_loss - 0.5)
    assert plot_history(negative).get_yscale() == "linear"


@pytest.mark.parametrize(
    "history, message",
    [
        (training_history().drop(columns="train_loss"), r"missing \['train_loss'\]"),
        (training_history()[:0], "history has no rows"),
        (object(), "history must be a fitted RNNForecaster or its history_ DataFrame"),
        (type("Unfitted", (), {"fit": lambda self: self})(), "Unfitted has no history_: fit it first"),
    ],
)
def test_history_bad_input(history, message):
    with pytest.raises(ValueError, match=message):
        plot_history(history)


# ------------------------------------------------------------------------------ plot_leaderboard


def leaderboard():
    return pd.DataFrame({
        "model": ["Naive", "GRU", "Theta"],
        "rank": [1, 2, 3],
        "smape": [10.0, 12.5, 15.25],
        "mae": [3.0, 1.5, 2.0],
        "failed_windows": [0, 2, 0],
    })  # fmt: skip


def test_leaderboard_bars_in_order_with_labels():
    board = leaderboard()
    ax = plot_leaderboard(board, title="M4")
    assert [p.get_width() for p in ax.patches] == [10.0, 12.5, 15.25]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Naive", "GRU", "Theta"]
    assert ax.yaxis_inverted()  # the first (best) bar at the top
    assert [t.get_text() for t in ax.texts] == ["10.00", "12.50 (2 failed)", "15.25"]  # one precision for all
    assert (ax.get_xlabel(), ax.get_title()) == ("smape (lower is better)", "M4")

    ax = plot_leaderboard(board, "mae")
    assert [t.get_text() for t in ax.texts] == ["1.500 (2 failed)", "2.000", "3.000"]
    assert [p.get_width() for p in ax.patches] == [1.5, 2.0, 3.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["GRU", "Theta", "Naive"]
    centers = [p.get_y() + p.get_height() / 2 for p in ax.patches]
    assert centers == [0, 1, 2]


def test_leaderboard_missing_value_goes_last():
    board = leaderboard().assign(mae=[3.0, np.nan, 2.0])
    ax = plot_leaderboard(board, "mae")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Theta", "Naive", "GRU"]
    assert ax.texts[-1].get_text() == "no value (2 failed)"
    board = leaderboard().assign(coverage_80=[0.75, 0.8, 0.9])
    assert plot_leaderboard(board, "coverage_80").get_xlabel() == "coverage_80 (best near 0.8)"


@pytest.mark.parametrize(
    "board, metric, message",
    [
        (leaderboard(), "mase", r"metric='mase' is not a metric column of board; available: \['smape', 'mae'\]"),
        (leaderboard(), "model", "is not a metric column"),
        (leaderboard().drop(columns="model"), None, "expected a 'model' column"),
        (leaderboard()[:0], None, "board has no rows"),
        (pd.concat([leaderboard(), leaderboard()]), None, "several rows for model 'Naive'"),
        (leaderboard()[["model", "rank"]], None, "no numeric metric column"),
        ([1, 2], None, "board must be the DataFrame evaluate returns, got list"),
    ],
)
def test_leaderboard_bad_input(board, metric, message):
    with pytest.raises(ValueError, match=message):
        plot_leaderboard(board, metric)


# ------------------------------------------------------------------------------ plot_residuals


def test_residual_panels():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    actual = pd.Series(rng.normal(size=60), index=idx)
    predicted = pd.Series(rng.normal(size=60) * 0.1, index=idx)
    predicted.iloc[[3, 7]] = np.nan  # e.g. failed windows
    axes = plot_residuals(actual, predicted, lags=5, title="GRU residuals")
    assert axes.shape == (3,)
    ax_time, ax_hist, ax_acf = axes

    resid = (actual - predicted).to_numpy()
    (line,) = [line for line in ax_time.lines if line.get_label() == "residual"]
    np.testing.assert_array_equal(line.get_xdata(), idx.to_numpy())
    np.testing.assert_array_equal(line.get_ydata(), resid)
    assert is_date_axis(ax_time)

    n = 58
    assert sum(p.get_height() for p in ax_hist.patches) == n

    finite = resid[np.isfinite(resid)]
    d = finite - finite.mean()
    expected = [d[:-k] @ d[k:] / (d @ d) for k in range(1, 6)]
    heights = [p.get_height() for p in ax_acf.patches]
    np.testing.assert_allclose(heights, expected, rtol=1e-12)
    assert [p.get_x() + p.get_width() / 2 for p in ax_acf.patches] == pytest.approx([1, 2, 3, 4, 5])
    bands = sorted(line.get_ydata()[0] for line in ax_acf.lines if line.get_linestyle() == "--")
    assert bands == pytest.approx([-1.96 / np.sqrt(n), 1.96 / np.sqrt(n)])
    assert [a.get_title() for a in axes] == ["residuals over time", "histogram", "autocorrelation"]
    assert ax_time.get_figure()._suptitle.get_text() == "GRU residuals"


def test_residuals_arrays_default_lags_and_given_axes():
    _, given = plt.subplots(1, 3)
    actual = np.sin(np.arange(40.0))
    axes = plot_residuals(actual, np.zeros(40), axes=given)
    assert all(a is b for a, b in zip(axes, given))
    assert len(axes[2].patches) == int(10 * np.log10(40))
    np.testing.assert_array_equal(axes[0].lines[0].get_xdata(), np.arange(40))
    assert not is_date_axis(axes[0])


@pytest.mark.parametrize(
    "actual, predicted, kwargs, message",
    [
        (np.ones(5), np.ones(4), {}, "actual has 5 values and predicted 4"),
        (pd.Series([1.0, 2.0, 3.0]), pd.Series([1.0, 2.0, 3.0], index=[1, 2, 3]), {}, "different indexes"),
        (pd.DataFrame({"a": [1.0]}), [1.0], {}, "actual is a DataFrame"),
        (np.ones((2, 2)), np.ones((2, 2)), {}, r"shape \(2, 2\); expected a 1-D array"),
        (["a", "b"], [1.0, 2.0], {}, "actual could not be read as numbers"),
        ([1.0, np.nan], [1.0, 2.0], {}, "there are 1 finite residuals"),
        (np.arange(5.0), np.zeros(5), {"lags": 5}, r"lags must be an integer in 1..4"),
        (np.arange(5.0), np.zeros(5), {"axes": [None, None, None]}, "axes must be 3 matplotlib Axes"),
    ],
)
def test_residuals_bad_input(actual, predicted, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_residuals(actual, predicted, **kwargs)


# ------------------------------------------------------------------------------ save_figure


def test_save_figure_writes_png_atomically(tmp_path):
    y = hourly(20)
    ax = plot_forecast(y, pd.Series([1.0, 2.0], index=future(y, 2), name="M"))
    target = tmp_path / "forecast.png"
    assert save_figure(ax, target) == target
    assert target.read_bytes()[:8] == PNG_MAGIC
    first = target.read_bytes()

    # Replacing an existing file: the new one appears whole, with no temporary file left.
    axes = plot_residuals(np.arange(10.0), np.zeros(10))
    save_figure(axes, str(target), dpi=50)
    assert target.read_bytes()[:8] == PNG_MAGIC and target.read_bytes() != first
    assert sorted(os.listdir(tmp_path)) == ["forecast.png"]


def test_save_figure_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "board.png"
    target.write_bytes(b"old")
    ax = plot_leaderboard(leaderboard())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ax.figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(ax.figure, target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["board.png"]


@pytest.mark.parametrize(
    "obj, name, kwargs, message",
    [
        ("ax", "plot.svg", {}, "does not end in .png"),
        ("ax", "missing/plot.png", {}, "does not exist; create it first"),
        ("ax", "plot.png", {"dpi": 0}, "dpi must be a positive number, got 0"),
        ("text", "plot.png", {}, "ax_or_fig must be a matplotlib Axes, Figure or array of Axes, got str"),
        ("two", "plot.png", {}, "Axes of 2 figures"),
    ],
)
def test_save_figure_bad_input(tmp_path, obj, name, kwargs, message):
    ax = plt.subplots()[1]
    target = {"ax": ax, "text": "text", "two": [ax, plt.subplots()[1]]}[obj]
    with pytest.raises(ValueError, match=message):
        save_figure(target, tmp_path / name, **kwargs)


# ------------------------------------------------------------------------------ global state


def test_no_global_rcparams_change(tmp_path):
    before = dict(matplotlib.rcParams)
    y = hourly(20)
    plot_forecast(y, pd.Series([1.0], index=future(y, 1), name="M"))
    plot_backtest(backtest_frame(ids=("a",)))
    plot_history(training_history())
    plot_leaderboard(leaderboard())
    plot_residuals(np.arange(10.0), np.zeros(10))
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


def test_importing_does_not_import_matplotlib():
    code = "import sys, tsrnn, tsrnn.plotting; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------ grids (small multiples)


def wide_panel(n_series=8, n=40):
    idx = pd.date_range("1949-01-01", periods=n, freq="MS")
    t = np.arange(n, dtype=float)
    cols = {f"s{i}": 10.0 * (i + 1) + np.sin(t) for i in range(n_series)}
    cols["s0"] = -1000.0 + t  # the largest by absolute value, though negative
    return pd.DataFrame(cols, index=idx)


def visible_texts(fig):
    fig.canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]


def test_forecast_grid_draws_the_most_voluminous_series_with_one_outside_legend():
    from tsrnn.plotting import largest_series, plot_forecast_grid

    wide = wide_panel()
    fidx = pd.date_range("1952-05-01", periods=6, freq="MS")
    fc = pd.DataFrame({c: np.full(6, float(k)) for k, c in enumerate(wide.columns)}, index=fidx)
    fig, ids = plot_forecast_grid(wide, fc, max_series=4, tail=8)
    assert ids == ["s0", "s7", "s6", "s5"] == largest_series(wide, 4)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ids
    for ax, uid in zip(axes, ids):
        lines = lines_by_label(ax)
        np.testing.assert_array_equal(lines["history"].get_ydata(), wide[uid].to_numpy()[-8:])
        np.testing.assert_array_equal(lines["forecast"].get_ydata(), fc[uid].to_numpy())
        assert ax.get_legend() is None  # no legend over the data
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["history", "forecast"]
    assert fig.get_size_inches()[0] == pytest.approx(11.0)
    # Every text is >= 10 px high at the figure's natural size (96 px per inch of width).
    sizes = [t.get_fontsize() * 96 / 72 for t in visible_texts(fig)]
    assert sizes and min(sizes) >= 10.0, sorted(sizes)[:3]
    legend_box = legend.get_window_extent()
    for ax in axes:
        assert not legend_box.overlaps(ax.get_window_extent())


def test_forecast_grid_long_frames_models_intervals_and_fewer_series_than_asked():
    from tsrnn.plotting import plot_forecast_grid

    hist = long_frame(ids=("a", "b", "c"))
    fc = long_forecast(ids=("a", "b", "c"))
    fc["GRU-lo-80"], fc["GRU-hi-80"] = fc.GRU - 1, fc.GRU + 1
    fig, ids = plot_forecast_grid(hist, fc, max_series=6, title="three stores")
    assert ids == ["c", "b", "a"]  # y of series k is arange + 10 k
    assert sum(ax.get_visible() for ax in fig.axes) == 3
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["history", "GRU", "GRU 80%", "Naive"]
    assert fig._suptitle.get_text() == "three stores"
    fig, ids = plot_forecast_grid(hist, fc, max_series=2, model="Naive", ncols=1)
    assert ids == ["c", "b"] and [set(lines_by_label(ax)) for ax in fig.axes] == [{"history", "Naive"}] * 2
    y = hourly(30)
    fig, ids = plot_forecast_grid(y, pd.Series([1.0, 2.0], index=future(y, 2), name="M"))
    assert ids == ["load"] and len(fig.axes) == 1 and fig.axes[0].get_title() == "load"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_series": 0}, "max_series must be a positive integer"),
        ({"max_series": 2.5}, "max_series must be a positive integer"),
        ({"ncols": 0}, "ncols must be a positive integer"),
    ],
)
def test_forecast_grid_bad_input(kwargs, message):
    from tsrnn.plotting import plot_forecast_grid

    with pytest.raises(ValueError, match=message):
        plot_forecast_grid(long_frame(), long_forecast(), **kwargs)
    with pytest.raises(ValueError, match="unique_id='b' is not in forecast"):
        plot_forecast_grid(long_frame(), long_forecast(ids=("a",)))


def test_backtest_grid_one_panel_per_model_on_one_scale():
    from tsrnn.plotting import plot_backtest_grid

    cv = backtest_frame(models=("GRU", "Naive", "Theta"))
    fig, models = plot_backtest_grid(cv, unique_id="b")
    assert models == ["GRU", "Naive", "Theta"]
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == models
    assert len({ax.get_ylim() for ax in axes}) == 1
    for ax, model in zip(axes, models):
        folds = [line for line in ax.lines if line.get_label() == "forecast" or line.get_label() == "_nolegend_"]
        drawn = np.concatenate([line.get_ydata() for line in folds if line.get_linestyle() != "--"])
        np.testing.assert_array_equal(drawn, cv[cv.unique_id == "b"][model].to_numpy())
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["actual", "forecast", "cutoff"]
    assert fig._suptitle.get_text() == "b"
    assert min(t.get_fontsize() for t in visible_texts(fig)) * 96 / 72 >= 10.0


def test_forecast_and_backtest_legends_sit_outside_the_data():
    y = hourly(48)
    ax = plot_forecast(y, with_intervals(future(y, 6)))
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # to the right of the Axes, over no line
    ax = plot_backtest(backtest_frame(), unique_id="a")
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1
