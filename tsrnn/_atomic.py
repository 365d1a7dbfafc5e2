"""Atomic file writes: what a user saved is either the old file or the complete new one, never half."""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import tempfile

__all__ = ["atomic_write"]


def _mode_for(target: pathlib.Path) -> int:
    """Permission bits for the new file: the old file's if replacing one, else what open() would give."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        pass
    # mkstemp creates files as 0o600; reading the umask via os.umask() would briefly change it for
    # every thread, so read it from /proc where there is one and otherwise stay private.
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o600


def _fsync_directory(directory: pathlib.Path) -> None:
    """Make the rename durable where the platform allows it; best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists but belongs to someone else, or cannot be asked: keep its file
    return True


def _remove_stale_temporaries(target: pathlib.Path, suffix: str) -> None:
    """Remove ``.NAME.<pid>.XXXX<suffix>`` files that saves of ``target`` by processes no longer alive left behind.

    A process killed while writing leaves its temporary file; every name carries the writer's
    pid, so a later save removes only those of dead processes and never a concurrent save's
    (this process's own are live: its threads may be saving). Best effort: errors are ignored.
    """
    prefix = f".{target.name}."
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _pid_alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(target.parent / name)


def _check_target(given, target: pathlib.Path) -> None:
    """Errors that name the target, before a temporary file exists."""
    if given == "" or given == b"":
        raise FileNotFoundError(errno.ENOENT, "cannot save to an empty path; give a file name", given)
    if not target.name or target.name in (".", ".."):
        raise IsADirectoryError(errno.EISDIR, "cannot save to a directory path; give a file name", os.fspath(target))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "the target is a directory; give a file name", os.fspath(target))
    if not target.parent.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, f"cannot save: the directory {os.fspath(target.parent)!r} does not exist", os.fspath(target)
        )


@contextlib.contextmanager
def atomic_write(target, suffix=".tmp"):
    """Write ``target`` through a temporary file in the same folder.

    Yields a binary file object. When the block ends without an exception the data is
    flushed to disk, given the old file's permissions (or the umask's for a new file) and
    renamed over ``target``; on any exception (Ctrl-C included) the temporary file is
    removed and an existing ``target`` is left untouched.

    The temporary file is ``.NAME.<pid>.XXXXXXXX<suffix>`` beside the target. A process killed
    mid-write cannot remove it, so every write first removes those of earlier writes of the
    same target whose process is no longer running (never a live concurrent write's).

    Parameters
    ----------
    target : str or PathLike
    suffix : str
        Suffix of the temporary file's name.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError, OSError
        Naming ``target`` (not the temporary file): an empty path, a directory, a directory
        that does not exist, no permission to write there.
    """
    given = os.fspath(target)
    target = pathlib.Path(given)
    _check_target(given, target)
    mode = _mode_for(target)
    _remove_stale_temporaries(target, suffix)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise _naming_target(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        _replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _replace(tmp: str, target: pathlib.Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise _naming_target(exc, target) from None


def _naming_target(exc: OSError, target: pathlib.Path) -> OSError:
    """The same kind of error, naming the target rather than the temporary file."""
    if exc.errno is None:
        return type(exc)(f"cannot save {os.fspath(target)!r}: {exc}")
    return type(exc)(exc.errno, f"cannot save: {exc.strerror}", os.fspath(target))
