"""Data sets: bundled series and their packaging, statsmodels loaders, M4/ETT files, downloads over loopback, generators."""

import doctest
import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import tsrnn.datasets as datasets_module
from tsrnn.datasets import (
    download_ett,
    download_m4,
    load_airpassengers,
    load_co2,
    load_elnino,
    load_ett,
    load_etth1,
    load_m4,
    load_m4_hourly,
    load_macrodata,
    load_nile,
    load_sunspots,
    make_ar,
    make_mackey_glass,
    make_sine,
    make_trend_seasonal,
)

REPO = Path(__file__).resolve().parents[1]


def shared_data_home() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "datasets"


# --------------------------------------------------------------------------------------------
# Bundled: airline passengers
# --------------------------------------------------------------------------------------------


def test_airpassengers_values():
    y = load_airpassengers()
    assert isinstance(y, pd.Series) and y.name == "passengers" and y.dtype == np.int64
    assert len(y) == 144 and int(y.sum()) == 40363
    assert int(y["1960"].sum()) == 5714 and int(y["1949"].sum()) == 1520
    assert y.iloc[:24].tolist() == [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
                                    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140]  # fmt: skip
    assert y.iloc[-12:].tolist() == [417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432]


def test_airpassengers_index():
    y = load_airpassengers()
    assert isinstance(y.index, pd.DatetimeIndex) and y.index.freqstr == "MS" and y.index.name == "date"
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index[-1] == pd.Timestamp("1960-12-01")


def test_bundled_csv_and_readme_in_checkout():
    table = pd.read_csv(REPO / "datasets" / "airpassengers.csv", dtype={"month": str})
    assert list(table.columns) == ["month", "passengers"] and table["month"].iloc[0] == "1949-01"
    readme = (REPO / "datasets" / "README.md").read_text()
    assert "Box" in readme and "Jenkins" in readme and "licence" in readme.lower()


def test_docstring_examples_show_real_output():
    result = doctest.testmod(datasets_module)
    assert result.attempted >= 1 and result.failed == 0


def test_import_does_not_import_statsmodels():
    code = "import sys, tsrnn.datasets; print('statsmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# Packaging: the bundled data ships in the wheel and loads from a non-editable install
# --------------------------------------------------------------------------------------------


def test_pyproject_lists_every_tsrnn_package():
    tomllib = pytest.importorskip("tomllib")
    setuptools = pytest.importorskip("setuptools")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set(setuptools.find_packages(str(REPO), include=["tsrnn", "tsrnn.*"]))
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert config["package-dir"]["tsrnn._bundled"] == "datasets" and "tsrnn._bundled" in listed
    assert "*.csv" in config["package-data"]["tsrnn._bundled"]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_test_extra_brings_the_build_requirements():
    # The wheel test below builds with --no-build-isolation, so [build-system] requires must be
    # installed next to pytest: `pip install -e ".[test]"` in a fresh venv (setuptools 65 or none,
    # no wheel) failed with "invalid command 'bdist_wheel'" before the test extra listed them.
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    build = config["build-system"]["requires"]
    test_extra = {_name(r): r.replace(" ", "") for r in config["project"]["optional-dependencies"]["test"]}
    assert build, "[build-system] requires is empty"
    for requirement in build:
        assert test_extra.get(_name(requirement)) == requirement.replace(" ", ""), (
            f"add {requirement!r} (as in [build-system] requires) to the test extra in pyproject.toml"
        )


def _build_requirements_report() -> str:
    """Which [build-system] requires this interpreter has, for the message when the wheel build fails."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        import tomllib
    except ImportError:  # Python 3.10
        return ""
    lines = []
    for requirement in tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]:
        try:
            found = version(_name(requirement))
        except PackageNotFoundError:
            found = "not installed"
        lines.append(f"{requirement}: {found}")
    return (
        "pip wheel --no-build-isolation builds with this interpreter's packages; [build-system] requires "
        f'({"; ".join(lines)}); `pip install -e ".[test]"` installs them.\n'
    )


def _copy_project(dest: Path) -> Path:
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    for name in ("tsrnn", "datasets"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for path in REPO.iterdir():
        if path.is_file() and (path.name in ("pyproject.toml", "README.md") or path.name.startswith("LICENSE")):
            shutil.copy2(path, dest / path.name)
    return dest


@pytest.mark.slow
def test_wheel_ships_bundled_data_and_loads_when_installed(tmp_path):
    project = _copy_project(tmp_path / "project")  # builds outside the checkout: no build/ left in it
    cmd = [sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--no-build-isolation", "-q",
           "-w", str(tmp_path / "wheels")]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, _build_requirements_report() + proc.stderr[-3000:]
    (wheel,) = (tmp_path / "wheels").glob("tsrnn-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")  # a pure-Python wheel installs by unpacking
    assert {"tsrnn/_bundled/airpassengers.csv", "tsrnn/_bundled/README.md", "tsrnn/datasets.py"} <= names
    code = (
        "import importlib.resources, tsrnn\n"
        "from tsrnn.datasets import load_airpassengers\n"
        "print(tsrnn.__file__, importlib.resources.files('tsrnn._bundled').joinpath('airpassengers.csv'),"
        " int(load_airpassengers().sum()))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    module_file, csv_file, total = proc.stdout.split()
    assert module_file.startswith(str(tmp_path / "site")) and csv_file.startswith(str(tmp_path / "site"))
    assert total == "40363"


# --------------------------------------------------------------------------------------------
# Series shipped by statsmodels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loader, length, freq, first, last",
    [
        (load_sunspots, 309, "YS-JAN", "1700-01-01", "2008-01-01"),
        (load_co2, 2284, "W-SAT", "1958-03-29", "2001-12-29"),
        (load_nile, 100, "YS-JAN", "1871-01-01", "1970-01-01"),
        (load_elnino, 732, "MS", "1950-01-01", "2010-12-01"),
        (load_macrodata, 203, "QS-JAN", "1959-01-01", "2009-07-01"),
    ],
)
def test_statsmodels_loaders_length_and_frequency(loader, length, freq, first, last):
    data = loader()
    assert len(data) == length and isinstance(data.index, pd.DatetimeIndex)
    assert data.index.freq is not None and data.index.freqstr == freq and data.index.name == "date"
    assert data.index[0] == pd.Timestamp(first) and data.index[-1] == pd.Timestamp(last)
    assert not data.isna().to_numpy().any()


def test_statsmodels_loaders_keep_the_source_values():
    from statsmodels import datasets as sm

    raw = sm.sunspots.load_pandas().data
    y = load_sunspots()
    np.testing.assert_array_equal(y.index.year, raw["YEAR"].astype(int))
    np.testing.assert_array_equal(y.to_numpy(), raw["SUNACTIVITY"].to_numpy())
    raw = sm.nile.load_pandas().data
    np.testing.assert_array_equal(load_nile().index.year, raw["year"].astype(int))
    raw = sm.macrodata.load_pandas().data
    m = load_macrodata()
    assert "year" not in m and "realgdp" in m and m.shape[1] == 12
    np.testing.assert_array_equal(m.index.year, raw["year"].astype(int))
    np.testing.assert_array_equal(m.index.quarter, raw["quarter"].astype(int))
    np.testing.assert_array_equal(m["realgdp"].to_numpy(), raw["realgdp"].to_numpy())


def test_elnino_is_the_wide_table_in_time_order():
    y = load_elnino()
    assert y.name == "sst"
    assert y["1950-01-01"] == 23.11 and y["1950-12-01"] == 21.80 and y["1951-01-01"] == 24.19
    assert y.iloc[-1] == 22.07


def test_co2_interpolates_missing_weeks():
    raw = load_co2(interpolate=False)
    filled = load_co2()
    assert raw.isna().sum() == 59 and filled.isna().sum() == 0 and filled.name == "co2"
    known = raw.notna().to_numpy()
    t = np.arange(len(raw))  # weekly steps: linear in time is linear in position
    np.testing.assert_allclose(filled.to_numpy(), np.interp(t, t[known], raw.to_numpy()[known]), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# M4 and ETT: the real files in the shared folder
# --------------------------------------------------------------------------------------------


@pytest.fixture
def shared_home():
    home = shared_data_home()
    if not (home / "m4" / "Hourly-train.csv").exists() or not (home / "ett" / "ETTh1.csv").exists():
        pytest.skip(f"real M4 Hourly / ETTh1 files not found under {home}")
    return home


def test_load_m4_hourly_real_files(shared_home):
    train, test = load_m4_hourly(shared_home)
    assert list(train.columns) == ["unique_id", "ds", "y"] == list(test.columns)
    assert train.unique_id.nunique() == 414 and test.unique_id.nunique() == 414
    assert (test.groupby("unique_id").size() == 48).all()
    lengths = train.groupby("unique_id").size()
    assert lengths.min() == 700 and lengths.max() == 960
    ends = train.groupby("unique_id").ds.max()
    starts = test.groupby("unique_id").ds.min()
    pd.testing.assert_series_equal(starts, ends + 1, check_names=False)
    assert (train.groupby("unique_id").ds.min() == 0).all()
    assert train.ds.dtype.kind == "i" and train.y.dtype == np.float64


def test_load_m4_matches_hourly_wrapper_and_env(shared_home, monkeypatch):
    a_train, a_test = load_m4_hourly(shared_home, n_series=3)
    monkeypatch.setenv("TSRNN_DATA_HOME", str(shared_home))
    b_train, b_test = load_m4("hourly", n_series=3)
    pd.testing.assert_frame_equal(a_train, b_train)
    pd.testing.assert_frame_equal(a_test, b_test)
    assert list(a_train.unique_id.unique()) == ["H1", "H2", "H3"]


def test_load_ett_real_file(shared_home):
    long = load_ett("ETTh1", data_home=shared_home)
    wide = load_etth1(shared_home)
    assert wide.shape == (17420, 7) and wide.index.freqstr == "h"
    assert list(long.columns) == ["unique_id", "ds", "y"] and len(long) == 7 * 17420
    assert list(long.unique_id.unique()) == list(wide.columns)
    ot = long[long.unique_id == "OT"]
    np.testing.assert_array_equal(ot.y.to_numpy(), wide["OT"].to_numpy())
    np.testing.assert_array_equal(ot.ds.to_numpy(), wide.index.to_numpy())


# --------------------------------------------------------------------------------------------
# M4 and ETT: small files in the same formats
# --------------------------------------------------------------------------------------------

M4_TRAIN = 'V1,V2,V3,V4,V5\nY1,1.0,2.0,3.0,4.0\nY2,10.0,20.0,,\n"Y3",5.5,6.5,7.5,\n'
M4_TEST = "V1,V2,V3\nY1,5.0,6.0\nY2,30.0,40.0\nY3,8.5,9.5\n"
ETT_CSV = "date,HUFL,OT\n2016-07-01 00:00:00,1.0,10.0\n2016-07-01 00:15:00,2.0,20.0\n2016-07-01 00:30:00,3.0,30.0\n"


def _write_m4(root: Path, group="Yearly"):
    (root / "m4").mkdir(parents=True, exist_ok=True)
    (root / "m4" / f"{group}-train.csv").write_text(M4_TRAIN)
    (root / "m4" / f"{group}-test.csv").write_text(M4_TEST)


def test_load_m4_wide_format_with_padding(tmp_path):
    _write_m4(tmp_path)
    train, test = load_m4("Yearly", data_home=tmp_path)
    assert train.unique_id.tolist() == ["Y1"] * 4 + ["Y2"] * 2 + ["Y3"] * 3
    assert train.ds.tolist() == [0, 1, 2, 3, 0, 1, 0, 1, 2]
    assert train.y.tolist() == [1, 2, 3, 4, 10, 20, 5.5, 6.5, 7.5]
    assert test.ds.tolist() == [4, 5, 2, 3, 3, 4] and test.y.tolist() == [5, 6, 30, 40, 8.5, 9.5]
    train, test = load_m4("YEARLY", data_home=tmp_path, n_series=2)
    assert train.unique_id.unique().tolist() == ["Y1", "Y2"] and len(test) == 4


def test_load_ett_long_format_and_frequency(tmp_path):
    (tmp_path / "ett").mkdir()
    (tmp_path / "ett" / "ETTm1.csv").write_text(ETT_CSV)
    long = load_ett("ETTm1", data_home=tmp_path)
    assert long.unique_id.tolist() == ["HUFL"] * 3 + ["OT"] * 3
    assert long.y.tolist() == [1, 2, 3, 10, 20, 30]
    assert list(long.ds.iloc[:3]) == list(pd.date_range("2016-07-01", periods=3, freq="15min"))


def test_missing_files_say_where_and_how(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="download_m4") as err:
        load_m4("Daily", data_home=tmp_path)
    assert str(tmp_path / "m4" / "Daily-train.csv") in str(err.value) and "TSRNN_DATA_HOME" in str(err.value)
    monkeypatch.setenv("TSRNN_DATA_HOME", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="download_ett") as err:
        load_ett("ETTh2")
    assert str(tmp_path / "elsewhere" / "ett" / "ETTh2.csv") in str(err.value)
    with pytest.raises(FileNotFoundError, match="ETTh1.csv not found"):
        load_etth1()
    with pytest.raises(FileNotFoundError, match="Hourly-train.csv"):
        load_m4_hourly()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: load_m4("Fortnightly"), "group must be one of Yearly"),
        (lambda: load_m4(4), "group must be one of"),
        (lambda: load_ett("ETTh3"), "name must be one of ETTh1, ETTh2, ETTm1, ETTm2, got 'ETTh3'"),
        (lambda: load_m4("Hourly", n_series=0), "n_series must be an integer >= 1, got 0"),
        (lambda: download_m4("Secondly"), "group must be one of"),
        (lambda: download_ett("ETTh1", timeout=0), "timeout must be a number of seconds > 0, got 0"),
    ],
)
def test_bad_loader_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------------------------
# Downloads, against an HTTP server on loopback
# --------------------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate: ClassVar[set] = set()  # URL paths answered with half the body and the full Content-Length

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path not in self.truncate:
            return super().do_GET()
        body = Path(self.directory, self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def server(tmp_path, monkeypatch):
    """(folder served, base URL, set of paths to truncate) for a ThreadingHTTPServer on 127.0.0.1."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_Handler,), {"truncate": set()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", handler.truncate
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def _serve_m4(root: Path, group="Hourly"):
    (root / "m4" / "Train").mkdir(parents=True)
    (root / "m4" / "Test").mkdir(parents=True)
    (root / "m4" / "Train" / f"{group}-train.csv").write_text(M4_TRAIN)
    (root / "m4" / "Test" / f"{group}-test.csv").write_text(M4_TEST)


def _leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_m4_lands_files_that_load(server, tmp_path):
    root, url, _ = server
    _serve_m4(root)
    home = tmp_path / "home"
    paths = download_m4("hourly", data_home=home, base_url=f"{url}/m4/")
    assert paths == [home / "m4" / "Hourly-train.csv", home / "m4" / "Hourly-test.csv"]
    assert _leftovers(home / "m4") == ["Hourly-test.csv", "Hourly-train.csv"]
    assert paths[0].read_text() == M4_TRAIN
    train, test = load_m4("Hourly", data_home=home)
    assert len(train) == 9 and test.ds.tolist() == [4, 5, 2, 3, 3, 4]


def test_download_skips_present_files_and_force_failure_keeps_them(server, tmp_path):
    root, url, _ = server
    _serve_m4(root)
    home = tmp_path / "home"
    download_m4("Hourly", data_home=home, base_url=f"{url}/m4")
    shutil.rmtree(root / "m4")  # the server no longer has them: a second call must not ask
    assert download_m4("Hourly", data_home=home, base_url=f"{url}/m4")[0].read_text() == M4_TRAIN
    with pytest.raises(ConnectionError, match="HTTP 404"):
        download_m4("Hourly", data_home=home, base_url=f"{url}/m4", force=True)
    assert (home / "m4" / "Hourly-train.csv").read_text() == M4_TRAIN
    assert _leftovers(home / "m4") == ["Hourly-test.csv", "Hourly-train.csv"]


def test_download_ett_with_env_data_home(server, tmp_path, monkeypatch):
    root, url, _ = server
    (root / "ETTm2.csv").write_text(ETT_CSV)
    monkeypatch.setenv("TSRNN_DATA_HOME", str(tmp_path / "home"))
    path = download_ett("ettm2", base_url=url)
    assert path == tmp_path / "home" / "ett" / "ETTm2.csv" and path.read_text() == ETT_CSV
    assert load_ett("ETTm2").y.tolist() == [1, 2, 3, 10, 20, 30]


def test_download_404_is_a_clear_error(server, tmp_path):
    _, url, _ = server
    home = tmp_path / "home"
    with pytest.raises(ConnectionError) as err:
        download_ett("ETTh1", data_home=home, base_url=url)
    message = str(err.value)
    assert f"{url}/ETTh1.csv" in message and "HTTP 404" in message and "copy it by hand" in message
    assert _leftovers(home / "ett") == []


def test_truncated_download_leaves_no_file(server, tmp_path):
    root, url, truncate = server
    (root / "ETTh1.csv").write_text(ETT_CSV * 50)
    truncate.add("/ETTh1.csv")
    home = tmp_path / "home"
    with pytest.raises(ConnectionError, match="connection closed after"):
        download_ett("ETTh1", data_home=home, base_url=url)
    assert _leftovers(home / "ett") == []


def test_unreachable_server_is_a_connection_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    with pytest.raises(ConnectionError, match=f"http://127.0.0.1:{port}/ETTh1.csv"):
        download_ett("ETTh1", data_home=tmp_path, base_url=f"http://127.0.0.1:{port}", timeout=5)
    assert _leftovers(tmp_path / "ett") == []


def test_interrupted_download_leaves_no_file(tmp_path, monkeypatch):
    class Response:
        length = None
        calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            return b"date,OT\n"

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Response())
    with pytest.raises(KeyboardInterrupt):
        download_ett("ETTh1", data_home=tmp_path, base_url="http://example.invalid")
    assert _leftovers(tmp_path / "ett") == []


# --------------------------------------------------------------------------------------------
# Synthetic generators
# --------------------------------------------------------------------------------------------

GENERATORS = [make_sine, make_ar, make_trend_seasonal, make_mackey_glass]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_deterministic_for_a_seed(make):
    a, b, c = make(n=200, random_state=7), make(n=200, random_state=7), make(n=200, random_state=8)
    pd.testing.assert_series_equal(a, b)
    assert not np.allclose(a.to_numpy(), c.to_numpy())
    gen = make(n=200, random_state=np.random.default_rng(7))
    pd.testing.assert_series_equal(a, gen)


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_series_index(make):
    y = make(n=50, random_state=0)
    assert isinstance(y, pd.Series) and len(y) == 50 and y.name == "y" and np.isfinite(y).all()
    assert y.index.freqstr == "h" and y.index[0] == pd.Timestamp("2000-01-01") and y.index.name == "date"
    y = make(n=10, start="2021-03-01", freq="D", random_state=0)
    assert y.index.freqstr == "D" and y.index[-1] == pd.Timestamp("2021-03-10")


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_long_frame_for_many_series(make):
    df = make(n=30, n_series=12, random_state=0)
    assert list(df.columns) == ["unique_id", "ds", "y"] and len(df) == 12 * 30
    ids = list(df.unique_id.unique())
    assert ids == sorted(ids) and ids[0] == "series_00" and ids[-1] == "series_11"
    index = pd.date_range("2000-01-01", periods=30, freq="h")
    for _, g in df.groupby("unique_id"):
        np.testing.assert_array_equal(g.ds.to_numpy(), index.to_numpy())
    first, second = (df[df.unique_id == i].y.to_numpy() for i in ids[:2])
    assert not np.allclose(first, second)


def test_sine_and_trend_seasonal_shapes():
    y = make_sine(n=100, period=24, noise=0.0, amplitude=2.0)
    np.testing.assert_allclose(y.to_numpy(), 2.0 * np.sin(2 * np.pi * np.arange(100) / 24), atol=1e-12)
    y = make_trend_seasonal(n=100, trend=0.5, period=12, amplitude=3.0, noise=0.0, level=10.0).to_numpy()
    np.testing.assert_allclose(y[12:] - y[:-12], 0.5 * 12, atol=1e-9)
    assert y[0] == 10.0
    noisy = make_sine(n=20000, noise=0.5, random_state=0) - make_sine(n=20000, noise=0.0)
    assert abs(noisy.std() - 0.5) < 0.02


def _lag1_autocorrelation(y):
    y = y - y.mean()
    return float(y[1:] @ y[:-1] / (y @ y))


def test_ar_matches_theory():
    y = make_ar(n=40000, coefs=(0.6,), noise=1.0, random_state=0).to_numpy()
    assert abs(_lag1_autocorrelation(y) - 0.6) < 0.02 and abs(y.var() - 1 / (1 - 0.36)) < 0.05
    y = make_ar(n=40000, coefs=(0.6, -0.2), random_state=1).to_numpy()
    assert abs(_lag1_autocorrelation(y) - 0.6 / 1.2) < 0.02  # rho1 = a1 / (1 - a2)
    white = make_ar(n=40000, coefs=(), noise=2.0, random_state=2).to_numpy()
    assert abs(_lag1_autocorrelation(white)) < 0.02 and abs(white.std() - 2.0) < 0.05


@pytest.mark.parametrize("coefs", [(1.2,), (1.0,), (-1.0,), (0.5, 0.5), (0.2, 0.3, 0.6)])
def test_ar_rejects_non_stationary_coefs(coefs):
    with pytest.raises(ValueError, match="non-stationary AR"):
        make_ar(coefs=coefs)


def _mackey_glass_reference(history, n_steps, lag, beta=0.2, gamma=0.1, p=10, dt=1.0):
    x = list(history)
    for _ in range(n_steps):
        delayed = x[-1 - lag]
        x.append(x[-1] + dt * (beta * delayed / (1 + delayed**p) - gamma * x[-1]))
    return np.array(x[len(history) :])


def test_mackey_glass_follows_the_delay_equation():
    y = make_mackey_glass(n=300, tau=17, x0=1.2, burn_in=0).to_numpy()
    np.testing.assert_allclose(y, _mackey_glass_reference([1.2] * 18, 300, lag=17), rtol=1e-12)
    y = make_mackey_glass(n=200, tau=1.7, dt=0.1, x0=0.9, burn_in=20).to_numpy()
    np.testing.assert_allclose(y, _mackey_glass_reference([0.9] * 18, 220, lag=17, dt=0.1)[20:], rtol=1e-12)


def test_mackey_glass_stays_in_range_and_is_chaotic():
    df = make_mackey_glass(n=2000, n_series=5, random_state=3)
    assert df.y.between(0, 2, inclusive="neither").all()
    for _, g in df.groupby("unique_id"):
        assert g.y.std() > 0.1  # oscillates rather than settling
    a = make_mackey_glass(n=100, x0=1.2, random_state=0)
    b = make_mackey_glass(n=100, x0=1.2, random_state=1)
    pd.testing.assert_series_equal(a, b)  # no randomness left without a random history or noise


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_sine(n=0), "n must be an integer >= 1, got 0"),
        (lambda: make_sine(n=10.5), r"n must be an integer >= 1, got 10.5 \(float\)"),
        (lambda: make_sine(period=0), "period must be a finite number > 0, got 0"),
        (lambda: make_sine(noise=-1.0), "noise must be a finite number >= 0, got -1.0"),
        (lambda: make_sine(amplitude=np.nan), "amplitude must be a finite number, got nan"),
        (lambda: make_sine(n_series=0), "n_series must be an integer >= 1, got 0"),
        (lambda: make_trend_seasonal(trend="up"), "trend must be a finite number, got 'up'"),
        (lambda: make_ar(coefs=[[0.5]]), "coefs must be a 1-D sequence of finite numbers"),
        (lambda: make_ar(coefs=(np.inf,)), "coefs must be a 1-D sequence of finite numbers"),
        (lambda: make_ar(burn_in=-1), "burn_in must be an integer >= 0, got -1"),
        (lambda: make_mackey_glass(tau=17, dt=0.3), "tau / dt must be a whole number of steps"),
        (lambda: make_mackey_glass(tau=0.5), "tau / dt must be a whole number of steps >= 1"),
        (lambda: make_mackey_glass(gamma=0.5, dt=2.0, tau=4), "gamma \\* dt must be < 1"),
        (lambda: make_mackey_glass(x0=-1.0), "x0 must be a finite number > 0, got -1.0"),
        (lambda: make_mackey_glass(p=0), "p must be a finite number > 0, got 0"),
    ],
)
def test_bad_generator_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
