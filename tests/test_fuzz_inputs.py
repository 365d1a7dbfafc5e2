"""Fuzzed data through fit/predict, backtest and the ``tsrnn forecast`` command.

Frames and series with NaN, inf, float32/int/object/bool/str values, datetime, integer, string,
float, duplicated, unsorted and gappy indexes, magnitudes 1e-30 to 1e300 of either sign, and
empty or very short series. Each case must end in a ValueError that says what is wrong, or in
finite forecasts of the right shape; the command in exit status 2 with one ``tsrnn: error: ...``
line per problem (no traceback), or 0 with a finite output file. Seeded (derandomized) and bounded: the same cases on every run.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_cases import MODELS, DataChooser, bad_frame, run_backtest, run_cli, run_fit_predict

FUZZ = dict(derandomize=True, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip


@settings(max_examples=80, **FUZZ)
@given(data=st.data())
def test_fit_predict_on_bad_data_errs_clearly_or_forecasts_finite_values(data):
    choose = DataChooser(data)
    y, name = bad_frame(choose), choose.choose(MODELS)
    outcome = run_fit_predict(name, y)
    assert not outcome.startswith("FAIL"), f"{name}: {outcome}\n{y!r}"


@settings(max_examples=40, **FUZZ)
@given(data=st.data())
def test_backtest_on_bad_data_errs_clearly_or_forecasts_finite_values(data):
    choose = DataChooser(data)
    y, name = bad_frame(choose), choose.choose(MODELS)
    outcome = run_backtest(name, y)
    assert not outcome.startswith("FAIL"), f"{name}: {outcome}\n{y!r}"


@settings(max_examples=40, **FUZZ)
@given(data=st.data())
def test_forecast_command_on_bad_files_exits_2_with_error_lines_or_writes_finite_output(tmp_path, data):
    choose = DataChooser(data)
    y, model = bad_frame(choose), choose.choose(["naive", "snaive", "mean", "drift", "lstm"])
    outcome = run_cli(model, y, str(tmp_path))
    assert not outcome.startswith("FAIL"), f"{model}: {outcome}\n{y!r}"
