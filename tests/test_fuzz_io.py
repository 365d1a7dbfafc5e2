"""Fuzzed model files of every forecaster class: byte flips, truncations and hostile header values.

Each damaged file either loads and forecasts finite values of the right shape, or raises
ModelFileError naming the file (and, after a successful load, predict may raise a ValueError
that says what is wrong). Seeded (derandomized) and bounded: the same cases on every run.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_cases import DataChooser, damaged_file, run_model_file, saved_models
from tsrnn.forecasters import forecaster_classes

FUZZ = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return saved_models(tmp_path_factory.mktemp("fuzz_models"))


@pytest.mark.parametrize("name", sorted(forecaster_classes()))
@FUZZ
@given(data=st.data())
def test_damaged_model_files_are_refused_by_name_or_forecast_finite_values(saved, tmp_path, name, data):
    kind, raw = damaged_file(saved[name], DataChooser(data))
    path = tmp_path / f"damaged-{name}.tsrnn"
    path.write_bytes(raw)
    outcome = run_model_file(path)
    assert not outcome.startswith("FAIL"), f"{name}, {kind}: {outcome}"


@pytest.mark.parametrize("name", sorted(forecaster_classes()))
def test_undamaged_files_of_every_class_load_and_forecast(saved, tmp_path, name):
    path = tmp_path / f"{name}.tsrnn"
    path.write_bytes(saved[name])
    assert run_model_file(path) == "finite"
