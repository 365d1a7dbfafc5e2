"""The model file format: exact round trips, atomic writes, and hostile or damaged files refused safely."""

import io
import json
import os
import pathlib
import pickle
import re
import zipfile

import numpy as np
import pytest

import tsrnn
from tsrnn.io import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_HEADER_BYTES,
    ModelFileError,
    read_model_file,
    write_model_file,
)


def _arrays():
    rng = np.random.default_rng(0)
    return {
        "w_f32": rng.standard_normal((3, 4)).astype(np.float32),
        "w_f64": rng.standard_normal((2, 3, 5)),
        "steps": np.arange(-5, 7, dtype=np.int64),
        "mask": rng.random(9) > 0.5,
        "scalar": np.array(np.pi),
        "empty": np.zeros((0, 4), np.float32),
        "fortran": np.asfortranarray(rng.standard_normal((4, 3))),
        "strided": rng.standard_normal((6, 8))[::2, 1::3],
        "big_endian": np.arange(4, dtype=">f8"),
        "with.dots-and_dashes": np.array([np.nan, np.inf, -0.0, 1e-320]),
    }


HEADER = {
    "model": "LSTM",
    "hidden_size": 16,
    "lr": 1e-3,
    "loss": np.float64(0.25),
    "flags": [True, False, None],
    "scaler": {"mean": [0.5, -1.25], "name": "standard", "nested": {"deep": [[1, 2], {"x": "ü"}]}},
}


def _assert_bit_identical(got, expected):
    assert list(got) == list(expected)
    for name, array in expected.items():
        assert got[name].dtype == array.dtype, name
        assert got[name].shape == array.shape, name
        assert got[name].tobytes() == np.ascontiguousarray(array).tobytes(), name


def _model(tmp_path, name="model.tsrnn"):
    path = tmp_path / name
    write_model_file(path, HEADER, _arrays())
    return path


def _npy_bytes(array=None, *, header=None, data=b"", allow_pickle=False):
    """An .npy member: from an array, or from a hand-written header dict and raw data bytes."""
    buf = io.BytesIO()
    if header is None:
        np.save(buf, array, allow_pickle=allow_pickle)
    else:
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(data)
    return buf.getvalue()


def _craft(path, header, members, arrays_table=None):
    """Write a zip by hand: header.json (a dict, or raw bytes) and the given members."""
    if isinstance(header, dict):
        full = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "arrays": arrays_table or {}, **header}
        header = json.dumps(full).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if header is not None:
            archive.writestr("header.json", header)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# ----------------------------------------------------------------------------- round trip


def test_round_trip_is_bit_identical(tmp_path):
    path = write_model_file(tmp_path / "model.tsrnn", HEADER, _arrays())
    header, arrays = read_model_file(path)
    assert header == HEADER
    _assert_bit_identical(arrays, _arrays())


def test_path_is_kept_as_given_and_returned(tmp_path):
    returned = write_model_file(str(tmp_path / "model"), {}, {"a": np.ones(2)})
    assert returned == tmp_path / "model"
    assert isinstance(returned, pathlib.Path)
    assert sorted(os.listdir(tmp_path)) == ["model"]
    header, arrays = read_model_file(str(returned))
    assert header == {}
    _assert_bit_identical(arrays, {"a": np.ones(2)})


def test_layout_header_first_then_one_npy_per_array(tmp_path):
    path = _model(tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names[0] == "header.json"
        assert names[1:] == [f"{name}.npy" for name in _arrays()]
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
        written = json.loads(archive.read("header.json").decode("utf-8"))
    assert written["format"] == FORMAT_NAME
    assert written["format_version"] == FORMAT_VERSION
    assert written["arrays"]["w_f32"] == {"dtype": "<f4", "shape": [3, 4]}
    assert written["arrays"]["scalar"] == {"dtype": "<f8", "shape": []}
    assert {k: written[k] for k in HEADER} == HEADER


def test_same_content_gives_identical_bytes(tmp_path):
    a = write_model_file(tmp_path / "a", HEADER, _arrays())
    b = write_model_file(tmp_path / "b", HEADER, _arrays())
    assert a.read_bytes() == b.read_bytes()


def test_overwrite_replaces_existing_file(tmp_path):
    path = write_model_file(tmp_path / "m", {"v": 1}, {"a": np.zeros(3)})
    write_model_file(path, {"v": 2}, {"b": np.ones(2, np.int64)})
    header, arrays = read_model_file(path)
    assert header == {"v": 2}
    _assert_bit_identical(arrays, {"b": np.ones(2, np.int64)})
    assert sorted(os.listdir(tmp_path)) == ["m"]


def test_tuples_come_back_as_lists(tmp_path):
    path = write_model_file(tmp_path / "m", {"shape": (2, 3)}, {})
    assert read_model_file(path)[0] == {"shape": [2, 3]}


# ----------------------------------------------------------------------------- bad input to write


@pytest.mark.parametrize(
    "header, arrays, pattern",
    [
        ({"format": "x"}, {}, r"reserve"),
        ({"arrays": {}}, {}, r"'arrays'.*reserve"),
        ({"format_version": 3}, {}, r"reserve"),
        ({"lr": float("nan")}, {}, r"header\['lr'\] is nan; JSON headers hold finite numbers"),
        ({"a": [1, float("inf")]}, {}, r"header\['a'\]\[1\] is inf"),
        ({"n": np.int64(3)}, {}, r"header\['n'\] is a numpy.int64; expected a JSON value"),
        ({"s": {1: "x"}}, {}, r"header\['s'\] has the key 1 \(int\); JSON object keys must be str"),
        ({"o": object()}, {}, r"header\['o'\] is a builtins.object"),
        ([("a", 1)], {}, r"header must be a dict, got list"),
        ({"big": "x" * MAX_HEADER_BYTES}, {}, r"header encodes to \d+ bytes of JSON; at most 1048576"),
        ({}, {"a/b": np.ones(1)}, r"array name 'a/b' is not allowed"),
        ({}, {"": np.ones(1)}, r"array name '' is not allowed"),
        ({}, {3: np.ones(1)}, r"array name 3 is not allowed"),
        ({}, {"a": [1.0, 2.0]}, r"arrays\['a'\] is a list; expected a numpy ndarray"),
        ({}, {"a": np.array([{}], dtype=object)}, r"arrays\['a'\] has dtype object; expected a numeric or bool"),
        ({}, {"a": np.array(["x"])}, r"arrays\['a'\] has dtype <U1; expected a numeric or bool"),
        ({}, {"a": np.zeros(2, "f8,i4")}, r"expected a numeric or bool"),
        ({}, {"a": np.array(["2020-01-01"], "datetime64[D]")}, r"expected a numeric or bool"),
        ({}, [np.ones(1)], r"arrays must be a dict"),
    ],
)
def test_bad_input_is_refused_before_writing(tmp_path, header, arrays, pattern):
    with pytest.raises(ValueError, match=pattern):
        write_model_file(tmp_path / "m", header, arrays)
    assert os.listdir(tmp_path) == []


def test_circular_header_is_refused(tmp_path):
    header = {"a": []}
    header["a"].append(header)
    with pytest.raises(ValueError, match=r"header\['a'\]\[0\] contains itself"):
        write_model_file(tmp_path / "m", header, {})


# ----------------------------------------------------------------------------- atomic write


def _fail_mid_array(fp, array, *args, **kwargs):
    fp.write(b"\x93NUMPY partial")
    raise OSError("disk full (simulated)")


def _fail(*args, **kwargs):
    raise OSError("simulated failure")


@pytest.mark.parametrize(
    "target, attribute, replacement",
    [
        (np.lib.format, "write_array", _fail_mid_array),
        (os, "fsync", _fail),
        (os, "replace", _fail),
    ],
)
def test_failed_write_leaves_old_file_and_no_temp_files(tmp_path, monkeypatch, target, attribute, replacement):
    path = _model(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(target, attribute, replacement)
    with pytest.raises(OSError, match="simulated"):
        write_model_file(path, {"new": True}, {"x": np.ones(1000)})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.tsrnn"]
    assert path.read_bytes() == before
    header, _ = read_model_file(path)
    assert header == HEADER


def test_interrupted_write_of_new_file_leaves_nothing(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_model_file(tmp_path / "m", {}, {"x": np.ones(3)})
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- damaged files


def test_truncated_file_is_refused(tmp_path):
    data = _model(tmp_path).read_bytes()
    cut = tmp_path / "cut.tsrnn"
    for size in [1, 4, 10, 30, 100, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 22, len(data) - 1]:
        cut.write_bytes(data[:size])
        with pytest.raises(ModelFileError, match=re.escape(repr(str(cut)))):
            read_model_file(cut)


def _data_offset(path, member):
    """Where the compressed bytes of a member start, and how many there are."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = path.read_bytes()
    name_length = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


@pytest.mark.parametrize("member", ["w_f64.npy", "header.json"])
def test_corrupted_byte_is_refused(tmp_path, member):
    path = tmp_path / "m"
    write_model_file(path, HEADER, {"w_f64": np.random.default_rng(1).standard_normal(4096)})
    start, size = _data_offset(path, member)
    raw = bytearray(path.read_bytes())
    raw[start + size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"corrupted|not valid UTF-8 JSON"):
        read_model_file(path)


def test_crc_error_in_array_data_is_reported_as_corruption(tmp_path):
    # Stored (uncompressed) members: a flipped byte changes data, not the deflate stream, so only the CRC can tell.
    path = tmp_path / "m"
    write_model_file(path, {}, {"a": np.arange(1000, dtype=np.float64)})
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    start, size = _data_offset(path, "a.npy")
    raw = bytearray(path.read_bytes())
    raw[start + size - 8] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"truncated or corrupted.*'a\.npy'.*CRC"):
        read_model_file(path)


def test_random_bytes_and_empty_file_are_not_model_files(tmp_path):
    path = tmp_path / "random.bin"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelFileError, match=r"not a tsrnn model file: expected a zip archive"):
        read_model_file(path)
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match=r"not a tsrnn model file: expected a zip archive, but it is empty"):
        read_model_file(path)


def test_foreign_zip_is_not_a_model_file(tmp_path):
    path = tmp_path / "foreign.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match=r"not a tsrnn model file: it has no header.json \(found 'readme.txt'\)"):
        read_model_file(path)


def test_npz_is_not_a_model_file(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, w=np.ones(3), b=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"not a tsrnn model file: it has no header.json \(found 'b.npy', 'w.npy'\)"):
        read_model_file(path)


def test_newer_format_version_names_both_versions(tmp_path):
    path = _craft(tmp_path / "m", {"format_version": FORMAT_VERSION + 1}, {})
    pattern = rf"format_version {FORMAT_VERSION + 1}, but this tsrnn reads format_version {FORMAT_VERSION} at most"
    with pytest.raises(ModelFileError, match=pattern):
        read_model_file(path)


@pytest.mark.parametrize(
    "header, members, table, pattern",
    [
        (b"\xff\xfe not utf-8", {}, None, r"header.json is not valid UTF-8 JSON"),
        (b"{not json", {}, None, r"header.json is not valid UTF-8 JSON"),
        (b'{"format": "tsrnn-model", "format_version": 1, "arrays": {}, "x": NaN}', {}, None, r"NaN is not allowed"),
        (b"[" * 100_000, {}, None, r"header.json is not valid UTF-8 JSON"),
        (b'["tsrnn-model"]', {}, None, r"header.json holds a JSON list; expected an object"),
        (b'{"format": "other-tool", "format_version": 1}', {}, None, r"format 'other-tool', expected 'tsrnn-model'"),
        ({"format_version": "1"}, {}, None, r"format_version '1'; expected a positive integer"),
        ({"format_version": 0}, {}, None, r"format_version 0; expected a positive integer"),
        ({"arrays": [1]}, {}, None, r"has arrays list; expected an object"),
        ({}, {}, {"w": {"dtype": "<f8", "shape": [2]}}, r"members are missing: 'w.npy'"),
        ({}, {"w.npy": _npy_bytes(np.ones(2)), "x.npy": b""}, {"w": {"dtype": "<f8", "shape": [2]}}, r"'x.npy'"),
        ({}, {"../w.npy": b""}, {"../w": {"dtype": "<f8", "shape": []}}, r"array named '../w'"),
        ({}, {"w.npy": b""}, {"w": {"dtype": "<f8"}}, r"arrays\['w'\] = .*; expected"),
        ({}, {"w.npy": b""}, {"w": {"dtype": "<f8", "shape": [-1]}}, r"shape \[-1\]; expected a list of ints >= 0"),
        ({}, {"w.npy": b""}, {"w": {"dtype": "<f8", "shape": [True]}}, r"expected a list of ints >= 0"),
        ({}, {"w.npy": b""}, {"w": {"dtype": "|O", "shape": [1]}}, r"dtype '\|O'; expected a numeric or bool dtype"),
        ({}, {"w.npy": b""}, {"w": {"dtype": "not a dtype", "shape": [1]}}, r"expected a numeric or bool dtype"),
        ({}, {"w.npy": b""}, {"w": {"dtype": 8, "shape": [1]}}, r"expected a numeric or bool dtype"),
        ({}, {"w.npy": b"garbage"}, {"w": {"dtype": "<f8", "shape": [1]}}, r"truncated or corrupted.*'w.npy'"),
        (
            {},
            {"w.npy": _npy_bytes(np.ones(2, np.float32))},
            {"w": {"dtype": "<f8", "shape": [2]}},
            r"'w.npy' has dtype '<f4', but header.json says '<f8'",
        ),
        (
            {},
            {"w.npy": _npy_bytes(np.ones(3))},
            {"w": {"dtype": "<f8", "shape": [2]}},
            r"'w.npy' has shape \(3,\), but header.json says \(2,\)",
        ),
        (
            {},
            {"w.npy": _npy_bytes(np.asfortranarray(np.ones((2, 3))))},
            {"w": {"dtype": "<f8", "shape": [2, 3]}},
            r"Fortran order",
        ),
        (
            {},
            {"w.npy": _npy_bytes(np.ones(2)) + b"extra"},
            {"w": {"dtype": "<f8", "shape": [2]}},
            r"needs 16 bytes, but holds 21 bytes of data",
        ),
    ],
)
def test_malformed_contents_are_refused(tmp_path, header, members, table, pattern):
    path = _craft(tmp_path / "m", header, members, table)
    with pytest.raises(ModelFileError, match=pattern):
        read_model_file(path)


def test_oversized_header_is_refused_before_reading_it(tmp_path):
    path = _craft(tmp_path / "m", b" " * (MAX_HEADER_BYTES + 1), {})
    with pytest.raises(ModelFileError, match=r"header.json is 1048577 bytes; at most 1048576"):
        read_model_file(path)


def _central_entry(raw, member):
    """Offset of a member's central directory entry."""
    start = raw.find(b"PK\x01\x02")
    while start >= 0:
        name_length = int.from_bytes(raw[start + 28 : start + 30], "little")
        if raw[start + 46 : start + 46 + name_length] == member.encode():
            return start
        start = raw.find(b"PK\x01\x02", start + 4)
    raise AssertionError(f"no central directory entry for {member}")


def test_encrypted_or_odd_compression_members_are_refused(tmp_path):
    path = _model(tmp_path)
    raw = bytearray(path.read_bytes())
    entry = _central_entry(raw, "w_f32.npy")
    raw[entry + 8] |= 0x01  # general purpose flag bit 0: encrypted
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"'w_f32.npy' is encrypted"):
        read_model_file(path)
    raw[entry + 8] &= 0xFE
    raw[entry + 10 : entry + 12] = (12).to_bytes(2, "little")  # bzip2
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"compression method 12; expected deflate"):
        read_model_file(path)


# ----------------------------------------------------------------------------- hostile files


def _no_array_reads(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read_array must not be called on this file")

    monkeypatch.setattr(np.lib.format, "read_array", refuse)


def test_header_declaring_absurd_shape_is_refused_before_allocating(tmp_path, monkeypatch):
    table = {"w": {"dtype": "<f8", "shape": [10**12]}}
    path = _craft(tmp_path / "m", {}, {"w.npy": _npy_bytes(np.ones(1))}, table)
    _no_array_reads(monkeypatch)
    with pytest.raises(ModelFileError, match=r"declare 8000000000000 bytes \(7\.3 TiB\), more than max_bytes=2147483648"):
        read_model_file(path)


def test_npy_member_declaring_absurd_shape_with_tiny_data_is_refused(tmp_path, monkeypatch):
    npy = _npy_bytes(header={"descr": "<f8", "fortran_order": False, "shape": (10**12,)}, data=b"\0" * 8)
    table = {"w": {"dtype": "<f8", "shape": [10**12]}}
    path = _craft(tmp_path / "m", {}, {"w.npy": npy}, table)
    _no_array_reads(monkeypatch)
    with pytest.raises(ModelFileError, match=r"max_bytes"):
        read_model_file(path)
    # Even when the caller lifts the cap, the member's real size gives the lie away.
    with pytest.raises(ModelFileError, match=r"needs 8000000000000 bytes, but holds 8 bytes of data"):
        read_model_file(path, max_bytes=10**15)


def test_npy_member_shape_disagreeing_with_table_is_refused(tmp_path, monkeypatch):
    npy = _npy_bytes(header={"descr": "<f8", "fortran_order": False, "shape": (10**12,)}, data=b"\0" * 8)
    path = _craft(tmp_path / "m", {}, {"w.npy": npy}, {"w": {"dtype": "<f8", "shape": [1]}})
    _no_array_reads(monkeypatch)
    with pytest.raises(ModelFileError, match=r"'w.npy' has shape \(1000000000000,\), but header.json says \(1,\)"):
        read_model_file(path)


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("table_dtype", ["<f8", "|b1"])
def test_object_member_is_refused_without_unpickling(tmp_path, monkeypatch, table_dtype):
    npy = _npy_bytes(np.array([_Boom()], dtype=object), allow_pickle=True)
    path = _craft(tmp_path / "m", {}, {"w.npy": npy}, {"w": {"dtype": table_dtype, "shape": [1]}})
    calls = []

    def record(*args, **kwargs):
        calls.append(args)
        raise AssertionError("unpickling attempted")

    monkeypatch.setattr(pickle, "load", record)
    monkeypatch.setattr(pickle, "loads", record)
    monkeypatch.setattr(os, "system", record)
    with pytest.raises(ModelFileError, match=r"'w.npy' holds Python objects \(dtype object\)"):
        read_model_file(path)
    assert calls == []


def test_max_bytes_caps_total_declared_size(tmp_path):
    path = write_model_file(tmp_path / "m", {}, {"a": np.ones(100), "b": np.ones(100)})
    assert read_model_file(path, max_bytes=1600)[1]["a"].shape == (100,)
    with pytest.raises(ModelFileError, match=r"declare 1600 bytes .* more than max_bytes=1599"):
        read_model_file(path, max_bytes=1599)


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", True])
def test_bad_max_bytes(tmp_path, bad):
    path = write_model_file(tmp_path / "m", {}, {})
    with pytest.raises(ValueError, match=r"max_bytes must be an integer >= 0"):
        read_model_file(path, max_bytes=bad)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_model_file(tmp_path / "nope.tsrnn")


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


# ----------------------------------------------------------------------------- no pickle anywhere

_FORBIDDEN = [
    r"^\s*import\s+(c?pickle|cloudpickle|dill|shelve)\b",
    r"^\s*from\s+(c?pickle|cloudpickle|dill|shelve)\s+import\b",
    r"allow_pickle\s*=\s*True",
    r"cloudpickle",
    r"joblib\.load",
    r"torch\.load",
]


def test_package_source_never_unpickles():
    root = pathlib.Path(tsrnn.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert root / "io.py" in sources
    found = []
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for pattern in _FORBIDDEN:
            for match in re.finditer(pattern, text, flags=re.MULTILINE):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{source.relative_to(root)}:{line}: {match.group(0).strip()}")
    assert found == []
