"""Saving: temporary files of killed saves are cleaned up by the next save; errors name the target."""

import os
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tsrnn
from tsrnn.io import read_model_file, write_model_file

_KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from numpy.lib import format as npy_format
    from tsrnn.io import write_model_file

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    npy_format.write_array = die
    write_model_file(sys.argv[1], {}, {"w": np.ones(1000)})
    """
)


def _env():
    root = os.path.dirname(os.path.dirname(tsrnn.__file__))
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))


def _temporaries(directory, name):
    return sorted(n for n in os.listdir(directory) if n.startswith(f".{name}.") and n.endswith(".tmp"))


@pytest.mark.skipif(os.name != "posix", reason="kills a process with SIGKILL")
def test_next_save_removes_the_temporaries_of_killed_saves(tmp_path):
    target = tmp_path / "model.tsrnn"
    seen = []
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(target)], env=_env(), timeout=300)
        assert proc.returncode == -signal.SIGKILL
        # Each killed save removed its killed predecessor's file before leaving its own.
        left = _temporaries(tmp_path, "model.tsrnn")
        assert len(left) == 1 and re.fullmatch(r"\.model\.tsrnn\.\d+\.\w+\.tmp", left[0])
        assert left[0] not in seen
        seen.append(left[0])
    assert not target.exists()
    write_model_file(target, {"ok": 1}, {"w": np.arange(3.0)})
    assert _temporaries(tmp_path, "model.tsrnn") == []
    assert read_model_file(target)[0] == {"ok": 1}


@pytest.mark.skipif(os.name != "posix", reason="uses a live child process's pid")
def test_live_writers_and_other_targets_keep_their_temporaries(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        dead_pid = int(dead.stdout)
        live = tmp_path / f".model.tsrnn.{sleeper.pid}.abcd1234.tmp"
        own = tmp_path / f".model.tsrnn.{os.getpid()}.abcd1234.tmp"
        other = tmp_path / f".other.tsrnn.{dead_pid}.abcd1234.tmp"
        stale = tmp_path / f".model.tsrnn.{dead_pid}.abcd1234.tmp"
        for path in (live, own, other, stale):
            path.write_bytes(b"partial")
        write_model_file(tmp_path / "model.tsrnn", {}, {"w": np.zeros(2)})
        assert live.exists() and own.exists() and other.exists()
        assert not stale.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_empty_path_error_names_the_target_not_a_temporary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cannot save to an empty path; give a file name: ''"):
        write_model_file("", {}, {"w": np.zeros(2)})
    with pytest.raises(IsADirectoryError, match=r"cannot save to a directory path; give a file name: '\.\.'"):
        write_model_file("..", {}, {"w": np.zeros(2)})
    assert os.listdir(tmp_path) == []


def test_directory_target_error_names_the_directory(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match=rf"the target is a directory.*{re.escape(repr(str(tmp_path / 'd')))}"):
        write_model_file(tmp_path / "d", {}, {"w": np.zeros(2)})
    assert os.listdir(tmp_path) == ["d"]


def test_missing_directory_error_names_the_target_and_the_directory(tmp_path):
    target = tmp_path / "missing" / "model.tsrnn"
    with pytest.raises(FileNotFoundError) as info:
        write_model_file(target, {}, {"w": np.zeros(2)})
    assert info.value.filename == str(target)
    assert f"the directory {str(tmp_path / 'missing')!r} does not exist" in str(info.value)
    assert ".tmp" not in str(info.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_directory_error_names_the_target(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            write_model_file(locked / "model.tsrnn", {}, {"w": np.zeros(2)})
        assert info.value.filename == str(locked / "model.tsrnn")
    finally:
        locked.chmod(0o700)
