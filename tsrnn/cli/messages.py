"""What the ``tsrnn`` command prints besides its results: one line per error, warning or note.

Every user mistake becomes a :class:`UserError` (one or more lines, exit status 2). The
library's messages speak Python (``fill_missing='interpolate'``, ``n_windows=``); here they
are reworded into the command's options before they are shown.
"""

from __future__ import annotations

import contextlib
import re
import sys
import warnings

__all__ = ["UserError", "cli_words", "info", "one_line_warnings", "stderr_is_terminal"]

#: Most problems listed at once; the rest are counted.
MAX_LINES = 20

_WORDS = [
    (r"pass fill_missing='interpolate' to fill NaNs linearly \(trailing ones carry the last value forward\), "
     r"or fill them yourself", "pass --fill-missing interpolate (linear; trailing NaNs carry the last value forward) "
     "or --fill-missing zero"),
    (r"Add the missing timestamps, e\.g\. with NaN values and fill_missing='interpolate'",
     "add rows for the missing timestamps (with an empty value) and pass --fill-missing interpolate"),
    (r"fill_missing='interpolate'", "--fill-missing interpolate"),
    (r"; pass sort=True to sort them", ""),
    (r"\bhorizon=(\d+)", r"--horizon \1"),
    (r"\bn_windows=(\d+)", r"--windows \1"),
    (r", step=\d+", ""),
    (r"id_col=, time_col= and target_col=", "--id-col, --time-col and --target"),
    (r"id_col=, time_col=, target_col=", "--id-col, --time-col, --target"),
]  # fmt: skip
_WORDS = [(re.compile(a), b) for a, b in _WORDS]


def cli_words(text) -> str:
    """The first line of a library message, in the command's vocabulary."""
    lines = str(text).strip().splitlines()
    line = lines[0].strip() if lines else ""
    for pattern, replacement in _WORDS:
        line = pattern.sub(replacement, line)
    return line


class UserError(Exception):
    """A mistake in the command line, a path or the input file: one line per problem, exit status 2."""

    def __init__(self, *problems):
        lines = [cli_words(p) for p in problems if str(p).strip()]
        if len(lines) > MAX_LINES:
            lines = [*lines[: MAX_LINES - 1], f"... and {len(lines) - MAX_LINES + 1} more problems of this kind"]
        super().__init__("\n".join(lines))
        self.lines = lines


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (progress bars are shown only then)."""
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


_QUIET = [False]


def info(message) -> None:
    """A progress note on stderr, ``tsrnn: ...``; silent with ``--quiet``."""
    if not _QUIET[0]:
        print(f"tsrnn: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def one_line_warnings(quiet=False):
    """Show every warning raised inside as one line ``tsrnn: warning: ...`` (each text once), no file paths."""
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = cli_words(message)
        if text and text not in seen:
            seen.add(text)
            print(f"tsrnn: warning: {text}", file=sys.stderr, flush=True)

    _QUIET[0] = bool(quiet)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            yield
    finally:
        _QUIET[0] = False
