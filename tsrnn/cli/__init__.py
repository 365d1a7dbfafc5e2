"""The ``tsrnn`` command: demo, forecast and backtest from the shell.

Results go to stdout and files; notes, warnings and errors to stderr, one line each
(``tsrnn: warning: ...``, ``tsrnn: error: ...``). Every user mistake (options, paths, the
input file) exits with status 2 and no traceback.

``parser.py`` holds the options, ``reading.py`` the input file, ``models.py`` the models
built from short names, ``commands.py`` the commands and their outputs, ``messages.py``
what is printed besides results.
"""

from __future__ import annotations

import sys

from .messages import UserError, cli_words, one_line_warnings
from .parser import make_parser

__all__ = ["main"]


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    from . import commands

    args = make_parser().parse_args(argv)
    run = {"demo": commands.cmd_demo, "forecast": commands.cmd_forecast, "backtest": commands.cmd_backtest}
    try:
        with one_line_warnings(quiet=args.quiet):
            return run[args.func](args)
    except UserError as exc:
        for line in exc.lines:
            print(f"tsrnn: error: {line}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"tsrnn: error: cannot write or read{where}: {exc.strerror or cli_words(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        # The library's validation errors speak to the user already: one line, no traceback.
        print(f"tsrnn: error: {cli_words(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tsrnn: interrupted", file=sys.stderr)
        return 130
