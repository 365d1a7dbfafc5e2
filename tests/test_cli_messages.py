"""What the tsrnn command says: help with defaults, --version, one-line warnings and errors, exit 2 on every
user mistake (paths included), and the progress bar only on a terminal."""

import argparse
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, __version__
from tsrnn.cli import main
from tsrnn.cli.parser import RNN_DEFAULTS, _Formatter, make_parser

ROOT = Path(__file__).resolve().parent.parent


def env():
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.fixture
def series_csv(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=40, freq="D"), "y": np.arange(40.0)}).to_csv(
        path, index=False
    )
    return str(path)


def subparsers(parser):
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_every_option_shows_its_default():
    parser = make_parser()
    for name, sub in subparsers(parser).items():
        fmt = _Formatter(f"tsrnn {name}")
        for action in sub._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            text = fmt._get_help_string(action) or ""
            assert "default" in text or "(required)" in text, (name, action.option_strings, text)
    text = subparsers(parser)["forecast"].format_help()
    assert "(default: lstm)" in text and "(default: forecast.csv)" in text and "(default: 6)" in text
    assert "RNNForecaster(cell='lstm', horizon=h)" in text  # the epilog says what each name builds


def test_help_quotes_the_library_defaults():
    params = inspect.signature(RNNForecaster.__init__).parameters
    assert RNN_DEFAULTS["epochs"] == params["epochs"].default
    assert params["window"].default is None and params["random_state"].default is None
    assert "max(min(2 * horizon, 2 * m), max(seasons),\n    16)" in RNNForecaster.__doc__  # the rule RNN_DEFAULTS quotes


def test_version_and_help_from_the_shell():
    proc = subprocess.run([sys.executable, "-m", "tsrnn", "--version"], capture_output=True, text=True, env=env())
    assert proc.returncode == 0 and proc.stdout.strip() == f"tsrnn {__version__}"
    proc = subprocess.run([sys.executable, "-m", "tsrnn", "backtest", "--help"], capture_output=True, text=True,
                          env=env())  # fmt: skip
    assert proc.returncode == 0 and "--fill-missing {none,interpolate,zero}" in proc.stdout
    assert "(default: 3)" in proc.stdout and "--no-skip-short" in proc.stdout


def test_usage_mistakes_are_one_line(series_csv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["forecast", "--input", series_csv, "--horizon", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(err) == 1
    assert err[0] == ("tsrnn forecast: error: argument --horizon: expected a positive integer, got 0 "
                      "(see tsrnn forecast --help)")  # fmt: skip


def read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        return folder
    (folder / "probe").unlink()  # root ignores permissions: use a read-only file system instead
    if Path("/sys").is_dir() and not os.access("/proc/self", os.W_OK):
        return Path("/sys")
    pytest.skip("no read-only folder available")


def test_bad_paths_exit_2_in_one_line(series_csv, tmp_path, capsys):
    base = ["forecast", "--input", series_csv, "--horizon", "2", "--model", "naive"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    locked = read_only_folder(tmp_path)
    cases = [
        ([*base, "--out", str(tmp_path)], f"--out '{tmp_path}' is a folder; expected a file name"),
        ([*base, "--out", str(a_file / "fc.csv")], f"'{a_file}' is a file, not a folder"),
        ([*base, "--out", str(locked / "fc.csv")], f"the folder '{locked}' is not writable"),
        ([*base, "--out", str(tmp_path / "fc.csv"), "--plot", str(tmp_path)], "--plot"),
        (["backtest", "--input", series_csv, "--horizon", "2", "--models", "naive", "--out", str(a_file)],
         f"--out '{a_file}' is a file; expected a folder"),
        (["backtest", "--input", series_csv, "--horizon", "2", "--models", "naive", "--report", str(tmp_path)],
         "--report"),
        (["forecast", "--input", str(tmp_path), "--horizon", "2"], "is a folder; expected a CSV or Parquet file"),
        (["demo", "--out", str(a_file)], "is a file; expected a folder"),
    ]  # fmt: skip
    for args, message in cases:
        code = main(args)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and err[0].startswith("tsrnn: error: ") and message in err[0], err
    assert not (tmp_path / "fc.csv").exists()


def test_missing_pyarrow_is_one_line(tmp_path):
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['fastparquet'] = None\n"
            "from tsrnn.cli import main\n"
            f"sys.exit(main(['forecast', '--input', {str(tmp_path / 'x.parquet')!r}, '--horizon', '2']))")  # fmt: skip
    (tmp_path / "x.parquet").write_bytes(b"PAR1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env())
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["tsrnn: error: reading x.parquet (Parquet) needs pyarrow: pip "
                                                "install pyarrow"]  # fmt: skip


def test_library_warnings_print_as_one_line_without_paths(tmp_path):
    # 20 monthly values: Theta (m=12) needs 24 and falls back to naive, with a library warning.
    path = tmp_path / "m.csv"
    pd.DataFrame({"ds": pd.date_range("2020-01", periods=20, freq="MS"), "y": np.arange(20.0) + 1}).to_csv(
        path, index=False
    )
    proc = subprocess.run([sys.executable, "-m", "tsrnn", "forecast", "--input", str(path), "--horizon", "2",
                           "--model", "theta", "--out", str(tmp_path / "fc.csv"), "--quiet"],
                          capture_output=True, text=True, env=env())  # fmt: skip
    assert proc.returncode == 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tsrnn: warning: Theta: 1 of 1 series were not fitted cleanly")
    assert ".py" not in proc.stderr and "UserWarning" not in proc.stderr


def run_on_terminal(args, tmp_path):
    """Run the command with stderr on a pseudo-terminal; returns what it wrote there."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, and tqdm draws nothing in 0 columns.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.run([sys.executable, "-m", "tsrnn", *args], stdout=subprocess.PIPE, stderr=slave,
                              env=env(), cwd=tmp_path)  # fmt: skip
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal_only_and_not_with_quiet(series_csv, tmp_path):
    args = ["backtest", "--input", series_csv, "--horizon", "2", "--windows", "2", "--models", "naive,drift"]
    code, shown = run_on_terminal(args, tmp_path)
    assert code == 0 and "backtest" in shown and "4/4" in shown  # 2 models x 2 windows
    code, shown = run_on_terminal([*args, "--quiet"], tmp_path)
    assert code == 0 and "4/4" not in shown and "%|" not in shown
    proc = subprocess.run([sys.executable, "-m", "tsrnn", *args], capture_output=True, text=True, env=env())
    assert proc.returncode == 0 and "%|" not in proc.stderr and "4/4" not in proc.stderr  # stderr not a terminal
