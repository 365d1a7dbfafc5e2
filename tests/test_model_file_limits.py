"""Model-file headers are checked against the stored arrays before any network is built, within a byte budget.

The crafted files are the outside probe's: a valid small RNNForecaster file whose header was
rewritten to ask for a huge network or window. Each must fail fast with a ModelFileError that
names the file and the field, also in a process whose address space is capped (so an attempt
to allocate would show as MemoryError instead).
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest

import tsrnn
from tsrnn import RNNForecaster
from tsrnn.io import ModelFileError, read_model_file, write_model_file

resource = pytest.importorskip("resource")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    y = pd.Series(5 + np.sin(np.arange(120) * 2 * np.pi / 24), index=idx)
    fc = RNNForecaster(hidden_size=8, window=24, horizon=4, epochs=1, windows_per_epoch=64, random_state=0).fit(y)
    path = tmp_path_factory.mktemp("model") / "small.tsrnn"
    fc.save(path)
    return path


def _rewrite(src, dst, edit):
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(members["header.json"])
    edit(header)
    members["header.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dst


def _set(section, key, value):
    return lambda header: header[section].__setitem__(key, value)


CRAFTED = {
    "hidden_4000": (_set("params", "hidden_size", 4000), r"params\.hidden_size is 4000"),
    "hidden_20000": (_set("params", "hidden_size", 20000), r"params\.hidden_size is 20000"),
    "horizon_1e9": (_set("params", "horizon", 10**9), r"params\.horizon is 1000000000"),
    "window_1e7": (_set("state", "windows", [10**7]), r"state\.windows holds 10000000"),
    "season_1e7": (_set("state", "seasons", [10**7]), r"state\.seasons holds 10000000"),
    "layers_3": (_set("params", "num_layers", 3), r"params\.num_layers is 3"),
    "quantiles": (_set("params", "quantiles", [0.1, 0.5, 0.9]), r"params\.horizon is 4 .*quantiles"),
    "embedding": (_set("params", "series_embedding", 4), r"params\.series_embedding \(4\)"),
    "n_series": (_set("state", "n_series", 5), r"state\.n_series is 5"),
    "members": (_set("state", "windows", [24, 24]), r"member1\.rnn\.weight_hh_l0 is missing"),
    "cell": (_set("params", "cell", "gru"), r"params\.hidden_size is 8 \(cell 'gru'\)"),
}


def _recursive_huge_horizon(header):
    header["params"].update(strategy="recursive", horizon=10**9)


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_header_disagreeing_with_weights_names_file_and_field(saved, tmp_path, case):
    edit, pattern = CRAFTED[case]
    path = _rewrite(saved, tmp_path / f"{case}.tsrnn", edit)
    with pytest.raises(ModelFileError, match=pattern) as info:
        tsrnn.load(path)
    assert f"{case}.tsrnn" in str(info.value)


def test_recursive_horizon_is_bounded_by_the_stored_history(saved, tmp_path):
    path = _rewrite(saved, tmp_path / "rec.tsrnn", _recursive_huge_horizon)
    with pytest.raises(ModelFileError, match=r"params\.horizon is 1000000000, but the longest stored series has 120"):
        tsrnn.load(path)


def test_unchanged_file_loads_and_predicts_identically(saved):
    a = tsrnn.load(saved).predict()
    b = tsrnn.load(saved, max_bytes=10**6).predict()
    assert a.to_numpy().tobytes() == b.to_numpy().tobytes()
    assert a.shape == (4,) and np.isfinite(a).all()


def test_max_bytes_lowers_the_budget_for_arrays_and_network(saved):
    total = sum(a.nbytes for a in read_model_file(saved)[1].values())
    with pytest.raises(ModelFileError, match=r"small\.tsrnn.*more than max_bytes=100"):
        tsrnn.load(saved, max_bytes=100)
    # The arrays fit, but not the network built from them (weights and gradients: twice the weights again).
    with pytest.raises(ModelFileError, match=r"the network needs \d+ bytes .* left of max_bytes"):
        tsrnn.load(saved, max_bytes=total + 10)
    with pytest.raises(ValueError, match=r"max_bytes must be an integer >= 0"):
        tsrnn.load(saved, max_bytes=-1)


def test_consistent_but_large_network_is_refused_by_max_bytes_before_reading(saved, tmp_path):
    """Zero weights deflate to almost nothing: a 2 KB file can declare 64 MB of arrays."""
    header, arrays = read_model_file(saved)
    H = 2000
    arrays.update({"model.rnn.weight_ih_l0": np.zeros((4 * H, 1), np.float32),
                   "model.rnn.weight_hh_l0": np.zeros((4 * H, H), np.float32),
                   "model.rnn.bias_ih_l0": np.zeros(4 * H, np.float32),
                   "model.rnn.bias_hh_l0": np.zeros(4 * H, np.float32),
                   "model.head.weight": np.zeros((4, H), np.float32)})  # fmt: skip
    header["params"]["hidden_size"] = H
    path = write_model_file(tmp_path / "big.tsrnn", header, arrays)
    assert os.path.getsize(path) < 200_000
    with pytest.raises(ModelFileError, match=r"big\.tsrnn.*declare \d+ bytes .* more than max_bytes=16000000"):
        tsrnn.load(path, max_bytes=16_000_000)


_LIMITED = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    import tsrnn
    from tsrnn.io import ModelFileError

    valid, crafted = sys.argv[1], json.loads(sys.argv[2])
    tsrnn.load(valid).predict()  # imports and compiles everything before the cap
    with open("/proc/self/status") as fh:
        vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + 400 * 2**20, resource.RLIM_INFINITY))
    try:
        np.ones(600 * 2**20, np.uint8)
        print("CAP-NOT-EFFECTIVE")
    except MemoryError:
        pass
    for path in crafted:
        try:
            tsrnn.load(path).predict()
            print("LOADED", path)
        except ModelFileError as exc:
            print("REFUSED", path if path in str(exc) else "UNNAMED " + path)
        except MemoryError:
            print("MEMORY", path)
    print("VALID", bool(np.isfinite(tsrnn.load(valid).predict()).all()))
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmSize from /proc")
def test_crafted_files_fail_fast_under_an_address_space_cap(saved, tmp_path):
    names = ["hidden_4000", "hidden_20000", "horizon_1e9", "window_1e7"]
    paths = [str(_rewrite(saved, tmp_path / f"{n}.tsrnn", CRAFTED[n][0])) for n in names]
    paths.append(str(_rewrite(saved, tmp_path / "recursive.tsrnn", _recursive_huge_horizon)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(os.path.dirname(tsrnn.__file__)), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", _LIMITED, str(saved), json.dumps(paths)], capture_output=True,
                          text=True, env=env, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.split("\n")
    assert "CAP-NOT-EFFECTIVE" not in lines
    assert [line for line in lines if line.startswith(("REFUSED", "LOADED", "MEMORY"))] == [
        f"REFUSED {p}" for p in paths
    ]
    assert "VALID True" in lines


def test_unknown_zip_version_needed_is_a_model_file_error(saved, tmp_path):
    raw = bytearray(saved.read_bytes())
    central = raw.find(b"PK\x01\x02")
    raw[central + 6] = 0xFF  # "version needed to extract" of the first member: 25.5
    path = tmp_path / "version.tsrnn"
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"version\.tsrnn.*version 25\.5"):
        tsrnn.load(path)


def test_npy_dimension_beyond_int64_is_a_model_file_error(tmp_path):
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (2**70, 0)})
    full = {"format": "tsrnn-model", "format_version": 1, "arrays": {"a": {"dtype": "<f8", "shape": [2**70, 0]}}}
    path = tmp_path / "overflow.tsrnn"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.json", json.dumps(full))
        archive.writestr("a.npy", buf.getvalue())
    with pytest.raises(ModelFileError, match=r"overflow\.tsrnn.*arrays\['a'\] shape \[1180591620717411303424, 0\]"):
        read_model_file(path)


@pytest.mark.parametrize(("cls", "params"), [("SeasonalNaive", {"season_length": 10**9}),
                                             ("WindowAverage", {"window": 10**7})])  # fmt: skip
def test_baseline_settings_beyond_the_stored_history_are_refused(tmp_path, cls, params):
    y = pd.Series(np.arange(1.0, 31.0), index=pd.date_range("2024-01-01", periods=30, freq="D"))
    default = {"SeasonalNaive": {"season_length": 7}, "WindowAverage": {"window": 3}}[cls]
    path = getattr(tsrnn, cls)(**default).fit(y).save(tmp_path / "base.tsrnn")
    crafted = _rewrite(path, tmp_path / "crafted.tsrnn", lambda h: h["params"].update(params))
    name = next(iter(params))
    with pytest.raises(ModelFileError, match=rf"crafted\.tsrnn.*{name}=\d+\) needs at least \d+ values per series"):
        tsrnn.load(crafted)
