"""Import hygiene and the compile cache: import is cheap, a second process does not recompile."""

import json
import subprocess
import sys

import pytest

from tsrnn import _config


def _python(code, env=None):
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_import_tsrnn_imports_no_torch_no_numba():
    out = _python("import sys, tsrnn; print(sorted(m for m in ('torch', 'numba') if m in sys.modules))")
    assert out == "[]"


def test_import_nn_compiles_nothing():
    code = (
        "import sys, json, tsrnn.nn, tsrnn.kernels as k, tsrnn.kernels.optim as o\n"
        "from numba.core.registry import CPUDispatcher\n"
        "ds = [v for mod in (k, o) for v in vars(mod).values() if isinstance(v, CPUDispatcher)]\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'n': len(ds), 'compiled': sum(len(d.signatures) for d in ds)}))"
    )
    res = json.loads(_python(code))
    assert res == {"torch": False, "n": res["n"], "compiled": 0} and res["n"] >= 6


@pytest.mark.skipif(not _config.CACHE, reason="TSRNN_CACHE=0")
def test_second_process_loads_kernels_from_cache():
    code = (
        "import json, numpy as np\n"
        "from tsrnn.nn import GRU\n"
        "from tsrnn.kernels.gru import gru_forward, gru_backward\n"
        "m = GRU(2, 3, dtype=np.float64, seed=0)\n"
        "out, _ = m.forward(np.ones((2, 4, 2)))\n"
        "m.backward(out)\n"
        "print(json.dumps({f.__name__: [f.stats.cache_hits.total(), f.stats.cache_misses.total()]"
        " for f in (gru_forward, gru_backward)}))"
    )
    _python(code)  # fills the cache if this is the first run
    res = json.loads(_python(code))
    for name, (hits, misses) in res.items():
        assert hits >= 1 and misses == 0, f"{name}: {hits} cache hits, {misses} misses"


def test_warmup_compiles_requested_cells():
    import tsrnn

    timings = tsrnn.warmup(cells=("gru",), dtypes=("float32", "float64"))
    assert set(timings) == {("gru", "float32"), ("gru", "float64")}
    assert all(t >= 0 for t in timings.values())
    from tsrnn.kernels.gru import gru_backward, gru_forward

    assert len(gru_forward.signatures) >= 2 and len(gru_backward.signatures) >= 2
    tsrnn.warmup(cells=("gru",), recursive=True)
    from tsrnn.kernels.recursive import gru_recursive

    assert len(gru_recursive.signatures) >= 1
