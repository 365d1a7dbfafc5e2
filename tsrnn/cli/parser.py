"""The ``tsrnn`` command line: every option with its help and its default."""

from __future__ import annotations

import argparse
import sys

from .._version import __version__
from .models import MODELS

__all__ = ["make_parser"]

#: The RNNForecaster defaults the help quotes (tests/test_cli_help.py checks them against the library).
RNN_DEFAULTS = {"epochs": "auto", "window": "max(min(2 x horizon, 2 x season), longest season, 16)", "random_state": None}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Appends ``(default: ...)`` to every option whose help does not already say it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, argparse.SUPPRESS) or "default" in text or not action.option_strings:
            return text
        if action.required or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line, ``tsrnn: error: ...``, exit status 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _models_help():
    rows = "\n".join(f"  {k:<8} {v}" for k, v in MODELS.items())
    return f"models (m: the season length, h: the horizon; other arguments are the library's defaults):\n{rows}"


def _common(sub):
    sub.add_argument("--quiet", action="store_true",
                     help="no progress bar or notes, only results, warnings and errors (default: off)")


def _rnn_args(sub, seed=None):
    sub.add_argument("--epochs", type=_positive, default=None,
                     help=f"RNN training epochs (default: RNNForecaster's, {RNN_DEFAULTS['epochs']}: 30, or about "
                          "10,000 windows in all when most series are shorter than the window)")
    if seed is None:
        text = "RNN random_state, for repeatable results (default: RNNForecaster's, None: a fresh seed each run)"
    else:
        text = "RNN random_state; the demo fixes one so that its report is repeatable"
    sub.add_argument("--seed", type=int, default=seed, help=text)


def _data_args(sub):
    sub.add_argument("--input", required=True,
                     help="CSV or Parquet file, one row per timestamp (and series) (required)")
    sub.add_argument("--time-col", default="ds", help="column of timestamps: dates, years (1700 or 1700.0) or "
                     "integer steps")
    sub.add_argument("--target", default="y", help="column of the values to forecast")
    sub.add_argument("--id-col", default=None, help="column naming the series, for a file of many series (default: "
                     "none, the file is one series)")
    sub.add_argument("--horizon", type=_positive, required=True, help="steps to forecast (required)")
    sub.add_argument("--season-length", type=_positive, default=None,
                     help="season length m (default: inferred from the data, as the library does: hourly 24, "
                          "daily 7, monthly 12, ...)")
    sub.add_argument("--window", type=_positive, default=None,
                     help=f"RNN input window (default: RNNForecaster's, {RNN_DEFAULTS['window']})")
    _rnn_args(sub)
    sub.add_argument("--fill-missing", choices=("none", "interpolate", "zero"), default="none",
                     help="missing values (NaN) after a series' first value: none refuses them, interpolate fills "
                          "them linearly (trailing ones carry the last value forward), zero fills 0")
    sub.add_argument("--skip-short", dest="skip_short", action="store_true", default=True,
                     help="leave out series too short for the model(s) with a one-line warning naming them "
                          "(default: on)")
    sub.add_argument("--no-skip-short", dest="skip_short", action="store_false",
                     help="stop with an error on a series that is too short (default: off)")
    _common(sub)


def make_parser():
    p = _Parser(prog="tsrnn", formatter_class=_Formatter,
                description="Numba RNN forecasting from the shell: demo, forecast, backtest.",
                epilog=_models_help())  # fmt: skip
    p.add_argument("--version", action="version", version=f"tsrnn {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{demo,forecast,backtest}")

    d = sub.add_parser("demo", formatter_class=_Formatter,
                       help="backtest classical models and RNNs on the airline series, write a report")
    d.add_argument("--out", default="tsrnn-demo", help="output folder")
    d.add_argument("--models", default="naive,snaive,ets,theta,arima,lstm,gru", help="comma-separated models")
    _rnn_args(d, seed=0)
    _common(d)
    d.set_defaults(func="demo")

    f = sub.add_parser("forecast", formatter_class=_Formatter, help="fit one model and write its forecast",
                       epilog=_models_help())  # fmt: skip
    _data_args(f)
    f.add_argument("--model", default="lstm", help=f"one of {', '.join(MODELS)}")
    f.add_argument("--out", default="forecast.csv", help="CSV of the forecasts, in the file's column names")
    f.add_argument("--plot", default=None, help="also write a PNG of the forecast (default: none)")
    f.add_argument("--plot-series", type=_positive, default=6, help="most series drawn by --plot, as a grid")
    f.set_defaults(func="forecast")

    b = sub.add_parser("backtest", formatter_class=_Formatter, help="compare models with rolling-origin backtests",
                       epilog=_models_help())  # fmt: skip
    _data_args(b)
    b.add_argument("--models", default="naive,snaive,ets,theta,arima,lstm,gru", help="comma-separated models")
    b.add_argument("--windows", type=_positive, default=3, help="backtest windows (forecast origins) per series")
    b.add_argument("--report", default=None, help="write an HTML report here (default: none)")
    b.add_argument("--out", default=None, help="folder for forecasts.csv, backtest.csv and PNGs (default: none)")
    b.set_defaults(func="backtest")
    return p
