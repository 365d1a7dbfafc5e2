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
    assert list(fc.columns) == ["unique_id", "ds", "GRU"] and len(fc) == 10


def test_backtest_report(csv_long, tmp_path, capsys):
    report = tmp_path / "r.html"
    code = main(["backtest", "--input", str(csv_long), "--time-col", "day", "--target", "sales", "--id-col", "store",
                 "--models", "naive,snaive,theta", "--horizon", "7", "--windows", "2", "--report", str(report)])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "SeasonalNaive" in out and "Theta" in out and "rank" in out
    text = report.read_text()
    assert text.count("data:image/svg+xml;base64,") >= 3 and "Leaderboard" in text


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--input": "nope.csv"}, "input file 'nope.csv' does not exist"),
        ({"--target": "sales"}, "column(s) ['sales'] not in series.csv; its columns are ['ds', 'y']"),
        ({"--model": "prophet"}, "unknown model 'prophet'; choose from naive, snaive"),
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
    assert code == 2 and errors == [err[-1]] and "too short for horizon=100" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_module_entry_point_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tsrnn", "forecast", "--input", str(tmp_path / "missing.csv"),
                           "--horizon", "3"], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("tsrnn: error: input file")
