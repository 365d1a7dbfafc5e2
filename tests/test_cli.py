"""The tsrnn command: forecast and backtest on files, and one-line errors with exit status 2."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tsrnn.cli import main


@pytest.fixture
def csv_series(tmp_path):
    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    df = pd.DataFrame({"ds": idx, "y": 5 + np.sin(np.arange(120) * 2 * np.pi / 24)})
    path = tmp_path / "series.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def csv_long(tmp_path):
    parts = []
    for i in range(2):
        t = np.arange(80)
        parts.append(pd.DataFrame({"store": f"s{i}", "day": pd.date_range("2024-01-01", periods=80, freq="D"),
                                   "sales": 10 + i + np.sin(t / 2)}))  # fmt: skip
    path = tmp_path / "long.csv"
    pd.concat(parts).to_csv(path, index=False)
    return path


def run_err(args, capsys):
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_forecast_writes_csv_and_plot(csv_series, tmp_path, capsys):
    out = tmp_path / "fc.csv"
    png = tmp_path / "fc.png"
    code = main(["forecast", "--input", str(csv_series), "--model", "snaive", "--horizon", "6", "--out", str(out),
                 "--plot", str(png)])  # fmt: skip
    assert code == 0
    fc = pd.read_csv(out, parse_dates=["ds"])
    assert list(fc.columns) == ["ds", "SeasonalNaive"] and len(fc) == 6
    assert fc.ds.iloc[0] == pd.Timestamp("2024-01-06 00:00")
    # Seasonal naive (24 h, from the hourly frequency) repeats the same hours of the last day.
    src = pd.read_csv(csv_series)
    np.testing.assert_allclose(fc.SeasonalNaive.to_numpy(), src.y.to_numpy()[-24:-18])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_lstm_on_long_file(csv_long, tmp_path):
    out = tmp_path / "fc.csv"
    code = main(["forecast", "--input", str(csv_long), "--time-col", "day", "--target", "sales", "--id-col", "store",
                 "--model", "gru", "--horizon", "5", "--epochs", "3", "--out", str(out)])  # fmt: skip
    assert code == 0
    fc = pd.read_csv(out)
    # The file's own column names, not unique_id/ds.
    assert list(fc.columns) == ["store", "day", "GRU"] and len(fc) == 10
    assert fc.day.iloc[0] == "2024-03-21" and list(fc.store.unique()) == ["s0", "s1"]
    assert np.isfinite(fc.GRU).all()


def test_backtest_report(csv_long, tmp_path, capsys):
    report = tmp_path / "r.html"
    code = main(["backtest", "--input", str(csv_long), "--time-col", "day", "--target", "sales", "--id-col", "store",
                 "--models", "naive,snaive,theta", "--horizon", "7", "--windows", "2", "--report", str(report)])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "SeasonalNaive" in out and "Theta" in out and "rank" in out
    text = report.read_text()
    assert text.count("data:image/svg+xml;base64,") >= 3 and "Leaderboard" in text
    # The heading names the file and the user's target column, not a generic "tsrnn report".
    heading = text[text.index("<h1") : text.index("</h1>")]
    assert "long.csv" in heading and "sales" in heading, heading


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--input": "nope.csv"}, "input file 'nope.csv' does not exist"),
        ({"--target": "sales"}, "column(s) ['sales'] not in series.csv; its columns are ['ds', 'y']"),
        ({"--model": "prophet"}, "unknown model 'prophet'; choose from naive, snaive"),
        ({"--model": "naive,theta"}, "--model takes one model, got 'naive,theta'"),
    ],
)
def test_forecast_user_errors(csv_series, change, message, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    opts = {"--input": str(csv_series), "--horizon": "3", "--model": "naive", "--target": "y", **change}
    code, err = run_err(["forecast", *[x for kv in opts.items() for x in kv]], capsys)
    assert code == 2
    assert len(err) == 1 and err[0].startswith("tsrnn: error: ") and message in err[0]


def test_bad_dates_and_text_target(tmp_path, capsys):
    bad_dates = tmp_path / "dates.csv"
    pd.DataFrame({"ds": ["2024-01-01", "yesterday", "2024-01-03"], "y": [1, 2, 3]}).to_csv(bad_dates, index=False)
    code, err = run_err(["forecast", "--input", str(bad_dates), "--horizon", "2", "--model", "naive"], capsys)
    assert code == 2 and len(err) == 1 and "cannot parse the dates in column 'ds'" in err[0]
    text = tmp_path / "text.csv"
    pd.DataFrame({"ds": pd.date_range("2024", periods=3, freq="D"), "y": ["1", "two", "3"]}).to_csv(text, index=False)
    code, err = run_err(["forecast", "--input", str(text), "--horizon", "2", "--model", "naive"], capsys)
    assert code == 2 and len(err) == 1 and "target column 'y' is not numeric (for example 'two')" in err[0]


def test_backtest_unknown_model_and_too_short(csv_series, capsys):
    code, err = run_err(["backtest", "--input", str(csv_series), "--horizon", "3", "--models", "naive,magic"], capsys)
    assert code == 2 and "unknown model 'magic'" in err[0]
    code, err = run_err(["backtest", "--input", str(csv_series), "--horizon", "100", "--windows", "2",
                         "--models", "naive"], capsys)  # fmt: skip
    errors = [line for line in err if line.startswith("tsrnn: error:")]
    assert code == 2 and errors == [err[-1]]
    expected = "2 windows of 100 steps, plus 1 to fit on needs at least 201 values per series; the series has 120"
    assert expected in err[-1]
    assert not any("Traceback" in line for line in err)


def test_single_series_output_keeps_its_time_column_name(tmp_path, capsys):
    path = tmp_path / "s.csv"
    pd.DataFrame({"when": pd.date_range("2024-01-01", periods=30, freq="D"), "load": np.arange(30.0)}).to_csv(
        path, index=False
    )
    out = tmp_path / "fc.csv"
    code = main(["forecast", "--input", str(path), "--time-col", "when", "--target", "load", "--model", "drift",
                 "--horizon", "2", "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0 and capsys.readouterr().err == ""  # --quiet: no notes
    fc = pd.read_csv(out)
    assert list(fc.columns) == ["when", "Drift"]
    assert fc.when.tolist() == ["2024-01-31", "2024-02-01"]
    np.testing.assert_allclose(fc.Drift, [30.0, 31.0])


def test_backtest_outputs_keep_the_files_column_names(csv_long, tmp_path, capsys):
    out = tmp_path / "bt"
    code = main(["backtest", "--input", str(csv_long), "--time-col", "day", "--target", "sales", "--id-col", "store",
                 "--models", "naive,drift", "--horizon", "4", "--windows", "2", "--out", str(out)])  # fmt: skip
    assert code == 0
    cv = pd.read_csv(out / "backtest.csv")
    assert list(cv.columns) == ["store", "cutoff", "day", "sales", "Naive", "Drift", "error"]
    assert len(cv) == 2 * 2 * 4
    fc = pd.read_csv(out / "forecasts.csv")
    assert list(fc.columns) == ["store", "day", "Naive", "Drift"] and fc.day.iloc[0] == "2024-03-21"
    for png in ("forecast.png", "leaderboard.png", "backtest.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_rnn_models_are_the_library_defaults():
    from tsrnn import RNNForecaster
    from tsrnn.cli.models import build_models

    (lstm, gru) = build_models(["lstm", "gru"], horizon=7, season=12)
    assert lstm.get_params() == RNNForecaster(cell="lstm", horizon=7).get_params()
    assert gru.get_params() == RNNForecaster(cell="gru", horizon=7).get_params()
    (rnn,) = build_models(["rnn"], horizon=5, season=4, window=20, epochs=3, season_given=True, seed=1)
    expected = RNNForecaster(cell="rnn", horizon=5, window=20, epochs=3, season_length=4, random_state=1)
    assert rnn.get_params() == expected.get_params()


def test_demo_with_fast_models(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--models", "naive,snaive", "--quiet"]) == 0
    board = capsys.readouterr().out
    assert "SeasonalNaive" in board and "rank" in board
    fc = pd.read_csv(out / "forecasts.csv")
    assert list(fc.columns) == ["date", "Naive", "SeasonalNaive"] and len(fc) == 12
    assert fc.date.iloc[0] == "1961-01-01"
    assert (out / "report.html").stat().st_size > 10_000


def test_module_entry_point_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tsrnn", "forecast", "--input", str(tmp_path / "missing.csv"),
                           "--horizon", "3"], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("tsrnn: error: input file")


def test_plot_of_several_series_is_a_grid_naming_them(tmp_path, capsys):
    parts = [pd.DataFrame({"store": f"s{i}", "day": pd.date_range("2024-01-01", periods=30, freq="D"),
                           "sales": (i + 1) * 10.0 + np.sin(np.arange(30))}) for i in range(4)]  # fmt: skip
    src = tmp_path / "four.csv"
    pd.concat(parts).to_csv(src, index=False)
    png = tmp_path / "grid.png"
    args = ["forecast", "--input", str(src), "--time-col", "day", "--target", "sales", "--id-col", "store",
            "--model", "naive", "--horizon", "3", "--out", str(tmp_path / "fc.csv"), "--plot", str(png)]  # fmt: skip
    assert main([*args, "--plot-series", "2"]) == 0
    notes = capsys.readouterr().err.strip().splitlines()
    expected = f"tsrnn: wrote {png}: 2 of 4 series, the most voluminous ('s3', 's2'); --plot-series sets how many"
    assert notes[-1] == expected
    import matplotlib.image

    two = matplotlib.image.imread(png)
    assert main(args) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(f"tsrnn: wrote {png}: every series ('s3', ")
    four = matplotlib.image.imread(png)
    assert four.shape[0] > two.shape[0]  # two rows of panels instead of one
