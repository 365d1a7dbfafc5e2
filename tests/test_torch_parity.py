"""tsrnn layers loaded with torch's weights give torch's outputs, final states and gradients.

Stored fixtures (tests/fixtures/make_torch_fixtures.py) are checked always; when torch is
importable, a live test also compares random shapes.
"""

from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close, layer_for, run_tsrnn

FIXTURES = Path(__file__).parent / "fixtures"
CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
# Issue 2: max abs error <= 1e-9 in float64, <= 1e-4 relative in float32.
TOL = {np.float64: dict(atol=1e-9, rtol=0.0), np.float32: dict(atol=1e-5, rtol=1e-4)}


def _compare(cell, got, want, dtype):
    assert set(got) == set(want), f"result keys differ: {sorted(set(got) ^ set(want))}"
    for key in want:
        assert_close(got[key], want[key], what=f"{cell} {np.dtype(dtype).name} {key}", **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cell", CELLS)
def test_stored_torch_fixture(cell, dtype):
    data = np.load(FIXTURES / f"torch_{cell}_{np.dtype(dtype).name}.npz")
    params = {k[6:]: data[k] for k in data.files if k.startswith("param.")}
    B, T, I = data["x"].shape
    L, _, H = data["h0"].shape
    m = layer_for(cell, I, H, L, dtype, params)
    if cell == "lstm":
        state, dstate = (data["h0"], data["c0"]), (data["dhT"], data["dcT"])
    else:
        state, dstate = data["h0"], data["dhT"]
    got = run_tsrnn(cell, m, data["x"], state, data["dout"], dstate)
    keys = [k for k in data.files if k in got]
    assert len(keys) == (6 if cell == "lstm" else 4) + 4 * L
    _compare(cell, got, {k: data[k] for k in keys}, dtype)


SHAPES = [
    # (B, T, I, H, L): 1 and 2 layers, odd sizes, B=1, T=1
    (1, 1, 1, 1, 1),
    (1, 13, 1, 7, 1),
    (5, 1, 3, 9, 2),
    (17, 11, 2, 13, 2),
    (33, 6, 4, 5, 1),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B%d-T%d-I%d-H%d-L%d" % s)
@pytest.mark.parametrize("cell", CELLS)
def test_live_torch_random_shapes(cell, shape, dtype):
    pytest.importorskip("torch")
    from torch_helpers import make_case

    B, T, I, H, L = shape
    params, x, state, dout, dstate, want = make_case(cell, B, T, I, H, L, dtype, seed=sum(shape))
    m = layer_for(cell, I, H, L, dtype, params)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    _compare(cell, got, want, dtype)
