"""The tsrnn command's input files: years, several series, every problem listed, missing values, short series."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.cli import main


def write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


def long_frame(lengths, freq="D"):
    parts = [pd.DataFrame({"store": f"s{i}", "day": pd.date_range("2024-01-01", periods=n, freq=freq),
                           "sales": 10.0 * (i + 1) + np.arange(n)}) for i, n in enumerate(lengths)]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("years", [np.arange(1700, 1760), np.arange(1700, 1760).astype(float)])
def test_numeric_year_columns_read_as_years(tmp_path, years, capsys):
    src = write(tmp_path, "spots.csv", pd.DataFrame({"year": years, "spots": np.arange(60.0)}))
    out = tmp_path / "fc.csv"
    code, _ = run(["forecast", "--input", src, "--time-col", "year", "--target", "spots", "--model", "naive",
                   "--horizon", "3", "--out", str(out)], capsys)  # fmt: skip
    assert code == 0
    fc = pd.read_csv(out)
    assert list(fc.columns) == ["year", "Naive"]
    assert fc.year.tolist() == [1760, 1761, 1762]  # years, not nanoseconds after 1970
    np.testing.assert_allclose(fc.Naive, 59.0)


def test_fractional_time_column_is_refused(tmp_path, capsys):
    src = write(tmp_path, "t.csv", pd.DataFrame({"t": [1.0, 2.5, 3.0, 4.0], "y": [1.0, 2, 3, 4]}))
    code, err = run(["forecast", "--input", src, "--time-col", "t", "--horizon", "1", "--model", "naive"], capsys)
    assert code == 2 and len(err) == 1
    assert "time column 't' holds fractional numbers (for example 2.5 at row 2)" in err[0]


def test_many_series_without_id_col_suggests_it(tmp_path, capsys):
    src = write(tmp_path, "long.csv", long_frame([20, 20, 20]))
    code, err = run(["forecast", "--input", src, "--time-col", "day", "--target", "sales", "--horizon", "2",
                     "--model", "naive"], capsys)  # fmt: skip
    assert code == 2 and len(err) == 1
    assert "column 'day' has duplicate timestamps (2024-01-01 00:00:00 appears 3 times" in err[0]
    assert err[0].endswith("name the column that tells them apart with --id-col (perhaps 'store')")


def test_every_problem_of_the_file_is_listed_one_line_each(tmp_path, capsys):
    bad = pd.DataFrame({"ds": ["2024-01-01", "soon", "2024-01-03"], "y": ["1", "two", "3"]})
    code, err = run(["forecast", "--input", write(tmp_path, "bad.csv", bad), "--horizon", "1", "--model", "naive"],
                    capsys)  # fmt: skip
    assert code == 2 and len(err) == 2
    assert err[0] == "tsrnn: error: target column 'y' is not numeric (for example 'two') at row 2"
    assert err[1] == "tsrnn: error: cannot parse the dates in column 'ds': 'soon' at row 2 is not a date"
    # NaNs in two series and a gap in a third: three lines, each in the command's words.
    frame = long_frame([30, 30, 30])
    frame.loc[[3, 35], "sales"] = np.nan
    frame = frame.drop(index=70)
    code, err = run(["forecast", "--input", write(tmp_path, "nan.csv", frame), "--time-col", "day", "--target",
                     "sales", "--id-col", "store", "--horizon", "2", "--model", "naive"], capsys)  # fmt: skip
    assert code == 2 and len(err) == 3 and all(line.startswith("tsrnn: error: ") for line in err)
    assert "series 's0' has a missing value (NaN) at 2024-01-04" in err[0] and "--fill-missing interpolate" in err[0]
    assert "series 's1' has a missing value (NaN) at 2024-01-06" in err[1]
    assert "series 's2' has a gap: no value at 2024-01-11" in err[2] and "--fill-missing interpolate" in err[2]
    assert "fill_missing=" not in " ".join(err)


@pytest.mark.parametrize("how, last", [("interpolate", 13.0), ("zero", 0.0)])
def test_fill_missing(tmp_path, how, last, capsys):
    frame = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=6, freq="D"), "y": [10.0, np.nan, 12, 13, np.nan,
                                                                                         np.nan]})  # fmt: skip
    out = tmp_path / "fc.csv"
    args = ["forecast", "--input", write(tmp_path, "gaps.csv", frame), "--horizon", "2", "--out", str(out)]
    code, err = run([*args, "--model", "naive"], capsys)
    assert code == 2 and "--fill-missing" in err[0]
    code, _ = run([*args, "--model", "naive", "--fill-missing", how], capsys)
    assert code == 0
    np.testing.assert_allclose(pd.read_csv(out).Naive, last)  # trailing NaNs: carried forward, or zeros
    code, _ = run([*args, "--model", "mean", "--fill-missing", how], capsys)
    filled = [10, 11, 12, 13, 13, 13] if how == "interpolate" else [10, 0, 12, 13, 0, 0]
    np.testing.assert_allclose(pd.read_csv(out).Mean, np.mean(filled))


def test_forecast_skips_short_series_with_one_warning(tmp_path, capsys):
    src = write(tmp_path, "long.csv", long_frame([30, 30, 4]))
    out = tmp_path / "fc.csv"
    args = ["forecast", "--input", src, "--time-col", "day", "--target", "sales", "--id-col", "store",
            "--model", "snaive", "--horizon", "3", "--out", str(out)]  # fmt: skip
    code, err = run(args, capsys)
    assert code == 0
    warnings = [line for line in err if "warning" in line]
    assert warnings == ["tsrnn: warning: skipped 1 of 3 series shorter than 7 values (the least SeasonalNaive "
                        "takes): 's2'"]  # fmt: skip
    assert pd.read_csv(out).store.unique().tolist() == ["s0", "s1"]
    code, err = run([*args, "--no-skip-short"], capsys)
    assert code == 2 and len(err) == 1 and "'s2'" in err[0] and "drop --no-skip-short" in err[0]


def test_backtest_skips_short_series_like_forecast(tmp_path, capsys):
    src = write(tmp_path, "long.csv", long_frame([30, 30, 8]))
    out = tmp_path / "bt"
    args = ["backtest", "--input", src, "--time-col", "day", "--target", "sales", "--id-col", "store",
            "--models", "naive,drift", "--horizon", "3", "--windows", "3", "--out", str(out)]  # fmt: skip
    code, err = run(args, capsys)
    assert code == 0
    assert [line for line in err if "warning" in line] == [
        "tsrnn: warning: skipped 1 of 3 series shorter than 11 values (a backtest of 3 windows of 3 steps, plus 2 "
        "to fit on): 's2'"
    ]
    assert pd.read_csv(out / "backtest.csv").store.unique().tolist() == ["s0", "s1"]
    code, err = run([*args, "--no-skip-short"], capsys)
    assert code == 2 and len(err) == 1 and "'s2'" in err[0]


def test_a_five_row_series_blames_no_setting_the_user_never_chose(tmp_path, capsys):
    frame = pd.DataFrame({"ds": pd.date_range("2000-01", periods=5, freq="MS"), "y": [1.0, 2, 3, 4, 5]})
    src = write(tmp_path, "five.csv", frame)
    code, err = run(["forecast", "--input", src, "--horizon", "3", "--model", "lstm", "--epochs", "1"], capsys)
    assert code == 2
    (line,) = [x for x in err if "error" in x]
    assert "every series is too short for LSTM: the longest has 5 values" in line
    assert "window 16, the library's default for this data; --window sets it" in line
    assert "differenc" not in line and "D=" not in line
    code, err = run(["backtest", "--input", src, "--horizon", "3", "--models", "naive"], capsys)
    assert code == 2 and len(err) == 1
    assert err[0].endswith("the series has 5 values: pass fewer --windows or a shorter --horizon")
