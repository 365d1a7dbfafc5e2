"""The on-disk model format: a zip of a JSON header and ``.npy`` arrays, never pickle.

A model file is a zip archive (deflate) holding

* ``header.json``, written first: a UTF-8 JSON object with the keys ``format``
  (always ``"tsrnn-model"``), ``format_version`` (an int), ``arrays`` (a table
  ``{name: {"dtype": "<f8", "shape": [2, 3]}}``) and the caller's own keys;
* one ``<name>.npy`` member per array, in NumPy's ``.npy`` format (version 1.0 or
  2.0), C order, numeric or bool dtypes only.

Loading executes nothing from the file and trusts none of it: the header is size-capped
and parsed as JSON, every ``.npy`` header is parsed (as a literal) and checked against the
table and against the member's real size, and the total is checked against ``max_bytes``,
all before any array memory is allocated. Every problem with a file's content raises
:class:`ModelFileError`, which names the file and says what was found and what was
expected.

Writes are atomic: the archive is written to a temporary file beside the target, synced to
disk and renamed over it, so a crash or an error never leaves a half-written model nor
touches the previous file. Member timestamps are fixed, so saving the same header and
arrays twice gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pathlib
import re
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np
from numpy.lib import format as npy_format

from ._atomic import atomic_write
from ._validation import check_positive_int

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_HEADER_BYTES",
    "ModelFileError",
    "read_model_file",
    "write_model_file",
]

FORMAT_NAME = "tsrnn-model"
FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 2 * 1024**3
MAX_HEADER_BYTES = 1024**2

_HEADER_MEMBER = "header.json"
_RESERVED_KEYS = ("format", "format_version", "arrays")
_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
_NUMERIC_KINDS = "biufc"
_NPY_VERSIONS = ((1, 0), (2, 0))
_FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# zipfile refuses to grow a member past 2 GiB unless told in advance to use ZIP64.
_ZIP64_FROM_BYTES = 2**30
# What zipfile, zlib and numpy raise on damaged or hostile bytes; each becomes a ModelFileError.
# zipfile raises NotImplementedError for a "version needed to extract" it does not know, and numpy
# OverflowError for a dimension beyond int64.
_DAMAGE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, TypeError, OSError, RecursionError,
                  NotImplementedError, OverflowError, LookupError)  # fmt: skip
# numpy cannot hold an array whose dimensions (zero ones aside) multiply past this, whatever its size in bytes.
_MAX_ELEMENTS = 2**62


class ModelFileError(ValueError):
    """A file is not a readable tsrnn model file; the message names the file and the problem."""


# ----------------------------------------------------------------------------- writing


def write_model_file(path, header: dict, arrays: dict[str, np.ndarray]) -> pathlib.Path:
    """Write a model file atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file. Used as given: no suffix is added. Its directory must exist.
    header : dict
        JSON data to store beside the arrays: dicts with str keys, lists (tuples are
        stored as lists), str, int, finite float, bool and None. Its keys must not be
        ``"format"``, ``"format_version"`` or ``"arrays"``, and it must encode to at most
        1 MiB.
    arrays : dict of str to numpy.ndarray
        Arrays of any shape with numeric or bool dtypes. Names may use ASCII letters,
        digits, ``_``, ``.`` and ``-`` only.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        For a bad header or array, before anything is written.
    OSError
        If the file cannot be written; any previous file at ``path`` is left untouched.
    """
    target = pathlib.Path(os.fspath(path))
    arrays = _checked_arrays(arrays)
    header_bytes = _encode_header(header, arrays)
    with atomic_write(os.fspath(path)) as fh:
        _write_archive(fh, header_bytes, arrays)
    return target


def _checked_arrays(arrays) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise ValueError(f"arrays must be a dict of name to numpy array, got {type(arrays).__name__}")
    checked = {}
    for name, array in arrays.items():
        if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
            raise ValueError(
                f"array name {name!r} is not allowed; "
                "expected a non-empty str of ASCII letters, digits, '_', '.' or '-'"
            )
        if not isinstance(array, np.ndarray):
            raise ValueError(f"arrays[{name!r}] is a {type(array).__name__}; expected a numpy ndarray")
        if array.dtype.hasobject or array.dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(
                f"arrays[{name!r}] has dtype {array.dtype}; expected a numeric or bool dtype "
                "(object, string, datetime and structured arrays cannot be stored)"
            )
        if array.flags.f_contiguous and not array.flags.c_contiguous:
            # The format is C order only; other layouts are streamed in C order by write_array.
            array = np.array(array, order="C")
        checked[name] = array
    return checked


def _encode_header(header, arrays: dict[str, np.ndarray]) -> bytes:
    if not isinstance(header, Mapping):
        raise ValueError(f"header must be a dict, got {type(header).__name__}")
    clashes = [key for key in _RESERVED_KEYS if key in header]
    if clashes:
        raise ValueError(
            f"header has the key(s) {clashes}, which the file format reserves "
            f"({', '.join(_RESERVED_KEYS)}); rename them"
        )
    _check_json_value(header, "header", set())
    table = {name: {"dtype": array.dtype.str, "shape": list(array.shape)} for name, array in arrays.items()}
    full = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "arrays": table, **header}
    encoded = json.dumps(full, allow_nan=False, ensure_ascii=False).encode("utf-8")
    if len(encoded) > MAX_HEADER_BYTES:
        raise ValueError(
            f"header encodes to {len(encoded)} bytes of JSON; at most {MAX_HEADER_BYTES} (1 MiB) are allowed. "
            "Store large data as arrays instead"
        )
    return encoded


def _check_json_value(value, where: str, open_containers: set) -> None:
    """Raise ValueError, naming the place, unless ``value`` round-trips through strict JSON."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; JSON headers hold finite numbers only (use None for missing)")
        return
    if not isinstance(value, (Mapping, list, tuple)):
        raise ValueError(
            f"{where} is a {type(value).__module__}.{type(value).__name__}; expected a JSON value: dict with str "
            "keys, list, str, int, float, bool or None (convert NumPy scalars with int() or float())"
        )
    if id(value) in open_containers:
        raise ValueError(f"{where} contains itself; a JSON header cannot be circular")
    open_containers.add(id(value))
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has the key {key!r} ({type(key).__name__}); JSON object keys must be str")
            _check_json_value(item, f"{where}[{key!r}]", open_containers)
    else:
        for i, item in enumerate(value):
            _check_json_value(item, f"{where}[{i}]", open_containers)
    open_containers.discard(id(value))


def _write_archive(fh, header_bytes: bytes, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_member_info(_HEADER_MEMBER), header_bytes)
        for name, array in arrays.items():
            info = _member_info(f"{name}.npy")
            with archive.open(info, "w", force_zip64=array.nbytes >= _ZIP64_FROM_BYTES) as member:
                npy_format.write_array(member, array, allow_pickle=False)


def _member_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


# ----------------------------------------------------------------------------- reading


def read_model_file(path, max_bytes: int | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a model file written by :func:`write_model_file`, executing nothing from it.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    max_bytes : int, optional
        Refuse files whose arrays add up to more than this many bytes, before reading
        any of them. Default :data:`DEFAULT_MAX_BYTES` (2 GiB).

    Returns
    -------
    header : dict
        The header as written, without the format's own keys (JSON tuples come back as lists).
    arrays : dict of str to numpy.ndarray
        The arrays, bit for bit, in the order they were written.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (other OS errors opening it also pass through).
    ModelFileError
        If the file is not a tsrnn model file, is truncated or corrupted, comes from a
        newer tsrnn, declares arrays that its data does not hold, or exceeds ``max_bytes``.
    ValueError
        If ``max_bytes`` is not a non-negative integer.
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else check_positive_int(max_bytes, "max_bytes", minimum=0)
    path = pathlib.Path(os.fspath(path))
    with open(path, "rb") as fh:
        with _open_archive(fh, path) as archive:
            infos = _checked_members(archive, path)
            header = _read_header(archive, infos[_HEADER_MEMBER], path)
            table = _array_table(header, path)
            _check_member_names(infos, table, path)
            _check_total_size(table, limit, path)
            for name, (dtype, shape, nbytes) in table.items():
                _check_npy_header(archive, infos[f"{name}.npy"], dtype, shape, nbytes, path)
            arrays = {
                name: _read_array(archive, infos[f"{name}.npy"], dtype, shape, path)
                for name, (dtype, shape, _) in table.items()
            }
    user_header = {key: value for key, value in header.items() if key not in _RESERVED_KEYS}
    return user_header, arrays


def _error(path, problem: str) -> ModelFileError:
    return ModelFileError(f"{os.fspath(path)!r}: {problem}")


@contextlib.contextmanager
def _damage_is_model_error(path, what: str):
    try:
        yield
    except ModelFileError:
        raise
    except _DAMAGE_ERRORS as exc:
        raise _error(path, f"truncated or corrupted: {what} failed ({type(exc).__name__}: {exc})") from exc


def _open_archive(fh, path) -> zipfile.ZipFile:
    magic = fh.read(4)
    fh.seek(0)
    try:
        return zipfile.ZipFile(fh)
    except _DAMAGE_ERRORS as exc:
        if magic == b"PK\x03\x04":
            problem = f"truncated or corrupted: it starts like a zip archive but cannot be opened ({exc})"
            raise _error(path, problem) from exc
        seen = "it is empty" if not magic else f"it starts with {magic!r}"
        raise _error(path, f"not a tsrnn model file: expected a zip archive, but {seen}") from exc


def _listing(names) -> str:
    names = sorted(names)
    shown = ", ".join(repr(n) for n in names[:6])
    return shown + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _checked_members(archive: zipfile.ZipFile, path) -> dict[str, zipfile.ZipInfo]:
    infos = {}
    for info in archive.infolist():
        if info.filename in infos:
            raise _error(path, f"truncated or corrupted: the member {info.filename!r} appears twice")
        if info.flag_bits & 0x1:
            raise _error(path, f"the member {info.filename!r} is encrypted; tsrnn model files are never encrypted")
        if info.extract_version > zipfile.MAX_EXTRACT_VERSION:
            raise _error(
                path,
                f"the member {info.filename!r} declares 'version needed to extract' {info.extract_version / 10:g}; "
                f"expected at most {zipfile.MAX_EXTRACT_VERSION / 10:g} (a tsrnn model file needs 2.0, or 4.5 for ZIP64)",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _error(
                path,
                f"the member {info.filename!r} uses zip compression method {info.compress_type}; "
                "expected deflate (8) or stored (0)",
            )
        infos[info.filename] = info
    if _HEADER_MEMBER not in infos:
        found = _listing(infos) if infos else "no members"
        raise _error(path, f"not a tsrnn model file: it has no {_HEADER_MEMBER} (found {found})")
    return infos


def _read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path) -> dict:
    if info.file_size > MAX_HEADER_BYTES:
        raise _error(
            path, f"{_HEADER_MEMBER} is {info.file_size} bytes; at most {MAX_HEADER_BYTES} (1 MiB) are allowed"
        )
    with _damage_is_model_error(path, f"reading {_HEADER_MEMBER}"):
        with archive.open(info) as member:
            raw = member.read(MAX_HEADER_BYTES + 1)
    if len(raw) != info.file_size:
        raise _error(
            path, f"truncated or corrupted: {_HEADER_MEMBER} holds {len(raw)} bytes, expected {info.file_size}"
        )
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise _error(path, f"{_HEADER_MEMBER} is not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise _error(path, f"{_HEADER_MEMBER} holds a JSON {type(header).__name__}; expected an object")
    if header.get("format") != FORMAT_NAME:
        raise _error(
            path,
            f"not a tsrnn model file: {_HEADER_MEMBER} has format {header.get('format')!r}, expected {FORMAT_NAME!r}",
        )
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _error(path, f"{_HEADER_MEMBER} has format_version {version!r}; expected a positive integer")
    if version > FORMAT_VERSION:
        raise _error(
            path,
            f"the file has format_version {version}, but this tsrnn reads format_version {FORMAT_VERSION} "
            "at most; upgrade tsrnn to load it",
        )
    return header


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in a model header")


def _array_table(header: dict, path) -> dict[str, tuple[np.dtype, tuple[int, ...], int]]:
    """Validate the header's ``arrays`` table: name -> (dtype, shape, declared bytes)."""
    table = header.get("arrays")
    if not isinstance(table, dict):
        raise _error(path, f"{_HEADER_MEMBER} has arrays {type(table).__name__}; expected an object of name to spec")
    checked = {}
    for name, spec in table.items():
        if not _NAME_PATTERN.fullmatch(name):
            raise _error(
                path, f"{_HEADER_MEMBER} lists an array named {name!r}; expected ASCII letters, digits, '_', '.', '-'"
            )
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape"}:
            raise _error(
                path, f"{_HEADER_MEMBER} has arrays[{name!r}] = {spec!r}; expected {{'dtype': ..., 'shape': [...]}}"
            )
        dtype = _table_dtype(spec["dtype"], name, path)
        shape = spec["shape"]
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            raise _error(
                path, f"{_HEADER_MEMBER} has arrays[{name!r}] shape {shape!r}; expected a list of ints >= 0"
            )
        if math.prod(max(s, 1) for s in shape) > _MAX_ELEMENTS:
            raise _error(
                path, f"{_HEADER_MEMBER} has arrays[{name!r}] shape {shape!r}, beyond any array numpy can hold"
            )
        checked[name] = (dtype, tuple(shape), math.prod(shape) * dtype.itemsize)
    return checked


def _table_dtype(text, name: str, path) -> np.dtype:
    try:
        dtype = np.dtype(text) if isinstance(text, str) else None
    except (TypeError, ValueError, SyntaxError):
        dtype = None
    if dtype is None or dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
        raise _error(
            path, f"{_HEADER_MEMBER} has arrays[{name!r}] dtype {text!r}; expected a numeric or bool dtype"
        )
    return dtype


def _check_member_names(infos: dict, table: dict, path) -> None:
    expected = {_HEADER_MEMBER} | {f"{name}.npy" for name in table}
    missing = expected - set(infos)
    extra = set(infos) - expected
    if missing:
        raise _error(
            path,
            f"truncated or corrupted: {_HEADER_MEMBER} lists arrays whose members are missing: {_listing(missing)}",
        )
    if extra:
        raise _error(path, f"the archive has members that {_HEADER_MEMBER} does not list: {_listing(extra)}")


def _check_total_size(table: dict, limit: int, path) -> None:
    total = sum(nbytes for _, _, nbytes in table.values())
    if total > limit:
        raise _error(
            path,
            f"its arrays declare {total} bytes ({_human(total)}), more than max_bytes={limit} ({_human(limit)}); "
            "pass a larger max_bytes if you trust this file",
        )


def _human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover


def _check_npy_header(archive, info, dtype: np.dtype, shape: tuple, nbytes: int, path) -> None:
    """Parse a member's .npy header (no data) and check it against the table and its real size."""
    member = info.filename
    with _damage_is_model_error(path, f"reading the .npy header of {member!r}"):
        with archive.open(info) as fh:
            version = npy_format.read_magic(fh)
            if version not in _NPY_VERSIONS:
                raise _error(path, f"{member!r} uses .npy format version {version}; expected 1.0 or 2.0")
            reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
            npy_shape, fortran_order, npy_dtype = reader(fh)
            header_length = fh.tell()
    if npy_dtype.hasobject:
        raise _error(
            path,
            f"{member!r} holds Python objects (dtype {npy_dtype}); model files hold numeric arrays only "
            "and objects are never unpickled",
        )
    if npy_dtype != dtype:
        raise _error(path, f"{member!r} has dtype {npy_dtype.str!r}, but {_HEADER_MEMBER} says {dtype.str!r}")
    if npy_shape != shape:
        raise _error(path, f"{member!r} has shape {npy_shape}, but {_HEADER_MEMBER} says {shape}")
    if fortran_order:
        raise _error(path, f"{member!r} is stored in Fortran order; tsrnn model files use C order only")
    data_bytes = info.file_size - header_length
    if data_bytes != nbytes:
        raise _error(
            path,
            f"truncated or corrupted: {member!r} declares shape {shape} of {dtype.str}, which needs {nbytes} bytes, "
            f"but holds {data_bytes} bytes of data",
        )


def _read_array(archive, info, dtype: np.dtype, shape: tuple, path) -> np.ndarray:
    member = info.filename
    with _damage_is_model_error(path, f"reading {member!r}"):
        with archive.open(info) as fh:
            array = npy_format.read_array(fh, allow_pickle=False)
            # Reading to the end is what makes zipfile check the CRC.
            trailing = fh.read(1)
    if trailing or array.dtype != dtype or array.shape != shape:
        raise _error(path, f"truncated or corrupted: {member!r} changed while it was being read")
    return array
