"""The forecaster layer after its split into rooms (issue 17) gives the bits it gave before.

tests/fixtures/make_house_fixtures.py ran on the commit before the move and stored the
forecasts, interval bounds and per-epoch losses of every forecaster class and of ten
RNNForecaster configurations (direct, recursive, stateful, ensemble, quantiles, covariates,
validation with early stopping, differencing, float64 with two seasons), plus three model
files saved by that code. Here the same configurations run on today's code.

The last bits of float results depend on the CPU and on the BLAS kernel OpenBLAS picks for
it: on the machine kind the fixtures were made on (house_fingerprint.json) the results must
be bit-identical; elsewhere they must agree to 1e-5 relative, which still catches any
change of behaviour (a moved line that reorders work shifts float32 losses by far more).
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _fixtures_module():
    spec = importlib.util.spec_from_file_location("make_house_fixtures", FIXTURES / "make_house_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _fixtures_module()
EXPECTED = np.load(FIXTURES / "house_forecasts.npz")
SAME_MACHINE = json.loads((FIXTURES / "house_fingerprint.json").read_text()) == make.fingerprint()


def assert_same(got, key):
    want = EXPECTED[key]
    got = np.asarray(got, dtype=want.dtype)
    if SAME_MACHINE:
        np.testing.assert_array_equal(got, want, err_msg=key)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8, equal_nan=True, err_msg=key)


def test_fixtures_cover_every_forecaster_class():
    from tsrnn.forecasters import forecaster_classes

    names = {k.split(".")[0] for k in EXPECTED.files}
    assert set(forecaster_classes()) - {"RNNForecaster", *make.ADDED_AFTER} <= names
    assert set(make.RNN_CASES) <= names


def test_classic_forecasters_unchanged():
    got = make.classic_cases()
    assert sorted(got) == sorted(k for k in EXPECTED.files if k.split(".")[0] not in make.RNN_CASES)
    for key, value in got.items():
        assert_same(value, key)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(make.RNN_CASES))
def test_rnn_forecaster_unchanged(name):
    _, got = make.rnn_case(name)
    for key, value in got.items():
        assert_same(value, f"{name}.{key}")


@pytest.mark.parametrize("name", ["ensemble", "covariates_quantiles", "rnn_stateful"])
def test_model_files_saved_before_the_move_load_and_forecast_the_same(name):
    from tsrnn import load

    model = load(FIXTURES / f"house_{name}.tsrnn")
    _, uses_x, levels = make.RNN_CASES[name]
    kw = {}
    if uses_x:
        _, X = make.hourly_long()
        kw["X"] = X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(model.predict(**kw)[model.name_].to_numpy(), f"{name}.point")
        if levels:
            frame = model.predict(level=levels, **kw)
            assert_same(frame.drop(columns=["unique_id", "ds"]).to_numpy(), f"{name}.intervals")
    assert_same(model.history_["train_loss"].to_numpy(), f"{name}.train_loss")
