"""CPU kernel internals: how a backward pass splits its work, checked against the float64 reference."""

import numpy as np
import pytest
from test_cells import random_case, reference_results

from helpers import assert_close, run_tsrnn
from tsrnn.kernels import _common


def test_n_groups_depends_on_shapes_only():
    n_groups = _common.n_groups.py_func
    budget = _common._PARTIALS_BUDGET
    assert n_groups(5, 80, 20) == 5  # small weights: one parallel task per chunk
    assert n_groups(0, 80, 20) == 0
    assert n_groups(100, 1024, 256) == budget // (1024 * 256)  # large weights: fewer tasks, bounded memory
    assert n_groups(3, 10**7, 10**7) == 1
    assert n_groups(1, 4, 4) == 1


@pytest.mark.parametrize(("cell", "H", "groups"), [("lstm", 256, 16), ("gru", 256, 21), ("rnn_tanh", 512, 16)])
def test_backward_with_more_chunks_than_parallel_tasks_matches_reference(cell, H, groups):
    # Enough chunks of 16 rows that some parallel tasks run two chunks and sum both into one share.
    G = {"lstm": 4, "gru": 3, "rnn_tanh": 1}[cell] * H
    assert _common.n_groups.py_func(groups + 1, G, H) == groups
    B = 16 * (groups + 1)
    m, x, state, dout, dstate = random_case(cell, B, 3, 2, H, 1, np.float64, 11)
    got = run_tsrnn(cell, m, x, state, dout, dstate)
    want = reference_results(cell, m, x, state, dout, dstate)
    for key in want:
        assert_close(got[key], want[key], atol=1e-10, rtol=1e-10, what=f"{cell} {key}")
