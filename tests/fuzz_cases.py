"""Fuzz cases shared by tests/test_fuzz_io.py, tests/test_fuzz_inputs.py and experiments/fuzz_report.py.

A case is built from a chooser (hypothesis' ``data.draw`` in the tests, a seeded NumPy generator in
the report), run, and classified: an outcome name for what the documented contract allows (a
ModelFileError or ValueError naming the problem, or a finite result of the right shape), or a
failure kind starting with ``"FAIL "``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
import zipfile

import numpy as np
import pandas as pd

import tsrnn
from tsrnn.backtest import backtest
from tsrnn.forecasters import Drift, Naive, forecaster_classes
from tsrnn.io import ModelFileError

TINY_RNN = dict(hidden_size=4, window=8, horizon=2, epochs=1, windows_per_epoch=32, batch_size=16, random_state=0)
FUZZ_PARAMS = {"RNNForecaster": TINY_RNN, "SeasonalNaive": {"season_length": 4}, "WindowAverage": {"window": 3},
               "SeasonalWindowAverage": {"season_length": 4, "window": 2}, "Naive2": {"season_length": 4},
               "ETS": {"season_length": 1}, "Theta": {"season_length": 1},
               "Combination": {"models": [Naive(), Drift()], "weights": [2.0, 1.0]}}  # fmt: skip
HOSTILE = [10**9, -1, 0, 2**70, 1.5, 1e308, "x", "", None, True, [], [1, 2], {}, {"a": 1}, [[[]]], "lstm"]


class RngChooser:
    """The chooser interface over a NumPy generator (the report's cases)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def choose(self, options):
        return options[int(self.rng.integers(len(options)))]

    def integer(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))


class DataChooser:
    """The chooser interface over hypothesis' ``st.data()``."""

    def __init__(self, data):
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def choose(self, options):
        return self.data.draw(self.st.sampled_from(list(options)))

    def integer(self, lo, hi):
        return self.data.draw(self.st.integers(lo, hi))


def _series_data(n=40):
    t = np.arange(n)
    return pd.Series(10 + np.sin(2 * np.pi * t / 4) + 0.1 * t, index=pd.date_range("2024-01-01", periods=n, freq="D"))


def saved_models(folder) -> dict:
    """``{class name: bytes of a saved, fitted model}`` for every forecaster class."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in sorted(forecaster_classes().items()):
            path = os.path.join(folder, f"{name}.tsrnn")
            cls(**FUZZ_PARAMS.get(name, {})).fit(_series_data()).save(path)
            with open(path, "rb") as fh:
                out[name] = fh.read()
    return out


# ----------------------------------------------------------------------------- model files


def _edit_header(raw: bytes, choose) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    header = json.loads(members["header.json"])
    section = choose.choose(["params", "state", "panel", "arrays", "top"])
    target = header if section == "top" else header.get(section)
    if isinstance(target, dict) and target:
        key = choose.choose(sorted(target))
        if section == "arrays":
            target[key] = choose.choose([{"dtype": "<f8", "shape": [2**40]}, {"dtype": "|O", "shape": [1]},
                                         {"dtype": "<f4", "shape": [3, 0]}, "x"])  # fmt: skip
        else:
            target[key] = choose.choose(HOSTILE)
    members["header.json"] = json.dumps(header).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def damaged_file(raw: bytes, choose) -> tuple[str, bytes]:
    """One damaged copy of a model file: ``(kind, bytes)``, kind "flip", "truncate" or "header"."""
    kind = choose.choose(["flip", "truncate", "header"])
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(choose.integer(1, 3)):
            data[choose.integer(0, len(data) - 1)] ^= choose.integer(1, 255)
        return kind, bytes(data)
    if kind == "truncate":
        return kind, raw[: choose.integer(0, len(raw) - 1)]
    return kind, _edit_header(raw, choose)


def run_model_file(path, h=2) -> str:
    """Load ``path`` and forecast; the outcome, or ``"FAIL <kind>"``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = tsrnn.load(path, max_bytes=50_000_000)
        except ModelFileError as exc:
            return "refused" if os.fspath(path) in str(exc) else "FAIL refusal without the file name"
        except Exception as exc:  # noqa: BLE001 - the point is to classify it
            return f"FAIL load raised {type(exc).__name__}"
        return _classify_forecast(lambda: model.predict(h), None)


def _classify_forecast(call, n_rows) -> str:
    try:
        out = call()
    except ValueError as exc:
        return "error" if str(exc).strip() else "FAIL empty error message"
    except Exception as exc:  # noqa: BLE001
        return f"FAIL predict raised {type(exc).__name__}"
    values = out.select_dtypes("number").to_numpy() if isinstance(out, pd.DataFrame) else out.to_numpy()
    if n_rows is not None and len(out) != n_rows:
        return "FAIL wrong shape"
    if not np.isfinite(np.asarray(values, dtype=np.float64)).all():
        return "FAIL non-finite forecast"
    return "finite"


# ----------------------------------------------------------------------------- bad inputs

MODELS = ["Naive", "SeasonalNaive", "Mean", "Drift", "WindowAverage", "RNNForecaster"]
MAGNITUDES = [1e-30, 1e-8, 1.0, 1e8, 1e30, 1e100, 1e200, 1e300]


def _values(choose, n, kind):
    scale = choose.choose(MAGNITUDES) * choose.choose([1, -1])
    t = np.arange(n)
    values = scale * (10 + np.sin(2 * np.pi * t / 4) + 0.05 * t)
    if n and choose.choose([False, False, False, True]):
        values[choose.integer(0, n - 1)] = choose.choose([np.nan, np.inf, -np.inf])
    with np.errstate(over="ignore", invalid="ignore"):
        if kind == "float32":
            return values.astype(np.float32)
        if kind == "int64":
            return np.nan_to_num(values, posinf=2**62, neginf=-(2**62)).clip(-(2**62), 2**62).astype(np.int64)
        if kind == "object":
            out = values.astype(object)
            if n:
                out[choose.integer(0, n - 1)] = choose.choose(["x", None, [1]])
            return out
        if kind == "bool":
            return values > 0
        if kind == "str":
            return values.astype(str)
    return values


def _index(n, kind):
    if kind == "hourly":
        return pd.date_range("2024-01-01", periods=n, freq="h")
    if kind == "daily":
        return pd.date_range("2024-01-01", periods=n, freq="D")
    if kind == "range":
        return pd.RangeIndex(n)
    if kind == "int_gaps":
        return pd.Index(np.arange(n) * 2 + (np.arange(n) > n // 2))
    if kind == "duplicates":
        return pd.Index(np.maximum(np.arange(n) - (np.arange(n) == n - 1), 0))
    if kind == "unsorted":
        return pd.Index(np.arange(n)[::-1])
    if kind == "strings":
        return pd.Index([f"t{i}" for i in range(n)])
    return pd.Index(np.arange(n) + 0.5)


def bad_frame(choose):
    """A Series, or a long DataFrame of 1 to 3 series, of drawn length, values, dtype and index."""
    n_series = choose.integer(1, 3)
    dtype = choose.choose(["float64"] * 6 + ["float32", "int64", "object", "bool", "str"])
    index = choose.choose(["hourly"] * 3 + ["daily"] * 3 + ["range"] * 2 + ["int_gaps", "duplicates", "unsorted",
                                                                           "strings", "float"])  # fmt: skip
    parts = []
    for _ in range(n_series):
        n = choose.choose([0, 1, 3, 12, 40, 40, 40])
        parts.append(pd.Series(_values(choose, n, dtype), index=_index(n, index)))
    if n_series == 1 and choose.choose([True, False]):
        return parts[0]
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": p.index, "y": p.to_numpy()}) for i, p in enumerate(parts)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat(frames, ignore_index=True)


def _model(name):
    return forecaster_classes()[name](**FUZZ_PARAMS.get(name, {}))


def _n_series(y):
    return 1 if isinstance(y, pd.Series) else y["unique_id"].nunique()


def run_fit_predict(name, y, h=2) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _classify_forecast(lambda: _model(name).fit(y).predict(h), _n_series(y) * h if not isinstance(y, pd.Series) else h)


def run_backtest(name, y, h=2) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = backtest(_model(name), y, horizon=h, n_windows=1)
        except ValueError as exc:
            return "error" if str(exc).strip() else "FAIL empty error message"
        except Exception as exc:  # noqa: BLE001
            return f"FAIL backtest raised {type(exc).__name__}"
    column = result.columns[result.columns.get_loc("error") - 1] if "error" in result else result.columns[-1]
    ok = result[column].notna() if "error" not in result else result["error"].eq("")
    if not np.isfinite(result.loc[ok, column].to_numpy(dtype=np.float64)).all():
        return "FAIL non-finite forecast"
    return "finite"


def run_cli(model, y, folder, h=2) -> str:
    """``tsrnn forecast`` in-process on ``y`` written as CSV: status 2 with ``tsrnn: error: ...`` lines, or 0 with finite output."""
    from tsrnn.cli import main

    frame = y.rename("y").rename_axis("ds").reset_index() if isinstance(y, pd.Series) else y
    src, out = os.path.join(folder, "in.csv"), os.path.join(folder, "out.csv")
    frame.to_csv(src, index=False)
    if os.path.exists(out):
        os.remove(out)
    argv = ["forecast", "--input", src, "--model", model, "--horizon", str(h), "--out", out, "--epochs", "1",
            "--window", "8"] + ([] if isinstance(y, pd.Series) else ["--id-col", "unique_id"])  # fmt: skip
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:  # noqa: BLE001
            return f"FAIL cli raised {type(exc).__name__}"
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if code == 2:
        # One line per message (the command lists every problem it finds, one per line), never a traceback.
        one_line_each = all(line.startswith("tsrnn: ") for line in lines)
        has_error = any(line.startswith("tsrnn: error: ") for line in lines)
        return "error" if one_line_each and has_error else "FAIL cli error not one line per message"
    if code != 0:
        return f"FAIL cli exit status {code}"
    result = pd.read_csv(out)
    numbers = result.select_dtypes("number").drop(columns=["ds"], errors="ignore").to_numpy(dtype=np.float64)
    return "finite" if numbers.size and np.isfinite(numbers).all() else "FAIL cli non-finite output"
