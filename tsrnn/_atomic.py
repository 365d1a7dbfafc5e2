"""Atomic file writes: what a user saved is either the old file or the complete new one, never half."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def atomic_write(target, suffix=".tmp"):
    """Write ``target`` through a temporary file in the same folder.

    Yields a binary file object. When the block ends without an exception the data is
    flushed to disk, given the old file's permissions (or the umask's for a new file) and
    renamed over ``target``; on any exception (Ctrl-C included) the temporary file is
    removed and an existing ``target`` is left untouched.

    Parameters
    ----------
    target : str or PathLike
    suffix : str
        Suffix of the temporary file's name.
    """
    target = pathlib.Path(os.fspath(target))
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)
