"""The three commands, ``forecast``, ``backtest`` and ``demo``, and where they write.

Output paths are checked before any work (a folder given for a file, a file in the way of a
folder, a folder that cannot be written): a mistake there costs no training time.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .messages import UserError, info, stderr_is_terminal
from .models import build_models, check_names, describe, explain_fit_error, min_length, season_of, skip_short
from .reading import Input, read_input

__all__ = ["cmd_forecast", "cmd_backtest", "cmd_demo", "check_file_target", "check_folder_target"]

METRICS = ["smape", "mase", "mae", "rmse"]


# ------------------------------------------------------------------------------------------ paths
def _writable(folder: Path, option, path):
    """The nearest existing folder at or above ``folder`` must be a folder we can create files in."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"cannot write {option} {str(path)!r}: {str(existing)!r} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UserError(f"cannot write {option} {str(path)!r}: the folder {str(existing)!r} is not writable "
                        f"({exc.strerror or exc})") from None  # fmt: skip


def check_file_target(path, option):
    """``path`` can become a file: not a folder, and its folder can be made and written."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{option} {str(path)!r} is a folder; expected a file name")
    _writable(path.parent, option, path)


def check_folder_target(path, option):
    """``path`` can be (or become) a folder we write files in."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {str(path)!r} is a file; expected a folder")
    _writable(path, option, path)


def _write_csv(frame, path):
    from .._atomic import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:
        fh.write(frame.to_csv(index=False).encode())
    return path


def _forecast_frame(forecasts):
    """Forecasts as a frame that always has the time column (a Series' index becomes ``ds``)."""
    import pandas as pd

    if isinstance(forecasts, pd.Series):
        return forecasts.rename_axis("ds").reset_index()
    if "ds" not in forecasts.columns:
        return forecasts.rename_axis("ds").reset_index()
    return forecasts


# --------------------------------------------------------------------------------------- forecast
def cmd_forecast(args):
    names = check_names(args.model)
    if len(names) != 1:
        raise UserError(f"--model takes one model, got {args.model!r}; compare several with tsrnn backtest --models")
    name = names[0]
    check_file_target(args.out, "--out")
    if args.plot:
        check_file_target(args.plot, "--plot")
    data = read_input(args.input, args.time_col, args.target, args.id_col, args.fill_missing)
    season = args.season_length or season_of(data.y)
    (model,) = build_models([name], args.horizon, season, args.window, args.epochs, bool(args.season_length),
                            args.seed)  # fmt: skip
    data = skip_short(data, min_length(model), f"the least {model.name_} takes", args.skip_short)
    describe([model], data.y, args.horizon, season)
    info(f"fitting {model.name_} on {data.lengths().size} series from {data.source}")
    try:
        fc = model.fit(data.y).predict(args.horizon)
    except ValueError as exc:
        raise UserError(explain_fit_error(exc, model, data.y, args.window is not None)) from None
    _write_csv(data.user_names(_forecast_frame(fc)), args.out)
    info(f"wrote {args.out}")
    if args.plot:
        _plot_forecasts(data, fc, args.plot, args.plot_series)
    return 0


def _plot_forecasts(data, fc, path, limit):
    """One series: its forecast. Several: a grid of the ``limit`` most voluminous, and a note naming them."""
    from ..plotting import plot_forecast, plot_forecast_grid, save_figure

    n_series = data.lengths().size
    if n_series == 1:
        save_figure(plot_forecast(data.y, fc), path)
        info(f"wrote {path}")
        return
    fig, ids = plot_forecast_grid(data.y, fc, max_series=limit)
    save_figure(fig, path)
    drawn = ", ".join(repr(i) for i in ids)
    which = "every series" if len(ids) == n_series else f"{len(ids)} of {n_series} series, the most voluminous"
    info(f"wrote {path}: {which} ({drawn}); --plot-series sets how many")


# --------------------------------------------------------------------------------------- backtest
def cmd_backtest(args):
    names = check_names(args.models)
    if args.out:
        check_folder_target(args.out, "--out")
    if args.report:
        check_file_target(args.report, "--report")
    data = read_input(args.input, args.time_col, args.target, args.id_col, args.fill_missing)
    season = args.season_length or season_of(data.y)
    models = build_models(names, args.horizon, season, args.window, args.epochs, bool(args.season_length), args.seed)
    fit_need = max(min_length(m) for m in models)
    need = args.horizon * args.windows + fit_need
    why = f"a backtest of {args.windows} windows of {args.horizon} steps, plus {fit_need} to fit on"
    data = skip_short(data, need, why, args.skip_short, hint=": pass fewer --windows or a shorter --horizon")
    compare(data, models, args.horizon, args.windows, season, out=args.out, report=args.report, quiet=args.quiet)
    return 0


def compare(data: Input, models, horizon, windows, season, out=None, report=None, title=None, quiet=False):
    """Backtest ``models`` on ``data``, print the leaderboard, fit them on all of it and write what was asked."""
    from ..evaluation import backtest, evaluate

    y = data.y
    describe(models, y, horizon, season)
    info(f"backtesting {len(models)} models on {data.lengths().size} series: {windows} windows of {horizon} steps")
    timings = {}
    t0 = time.perf_counter()
    cv = backtest(models, y, horizon=horizon, n_windows=windows, progress=False if quiet else None)
    timings["backtest"] = time.perf_counter() - t0
    _warn_failures(cv, [m.name_ for m in models])
    board = evaluate(cv, metrics=METRICS, y=y, season_length=season)
    t0 = time.perf_counter()
    fc = _final_forecasts(models, y, horizon, quiet)
    timings["final fits"] = time.perf_counter() - t0
    _print_board(board)
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        _write_csv(data.user_names(_forecast_frame(fc)), out / "forecasts.csv")
        _write_csv(data.user_names(cv), out / "backtest.csv")
        _write_pngs(out, y, fc, cv, board)
        info(f"wrote forecasts.csv, backtest.csv and PNGs in {out}")
    if report is not None:
        from ..report import write_report

        path = write_report(report, y=y, cv=cv, leaderboard=board, forecasts=fc, models=models, timings=timings,
                            title=title, data=Path(str(data.source)).name, target=data.target,
                            horizon=horizon)  # fmt: skip
        info(f"wrote {path}")
    return board


def _warn_failures(cv, names):
    """One warning per model that failed on some backtest windows, with its first message."""
    import warnings

    errors = cv.loc[cv["error"].fillna("") != "", ["unique_id", "cutoff", "error"]]
    windows = cv.groupby(["unique_id", "cutoff"]).ngroups
    for name in names:
        mine = errors[errors["error"].str.startswith(f"{name}: ")]
        if len(mine):
            n = mine.groupby(["unique_id", "cutoff"]).ngroups
            first = mine["error"].iloc[0][len(name) + 2 :]
            warnings.warn(f"{name} failed on {n} of {windows} backtest windows (scored NaN): {first}", UserWarning,
                          stacklevel=2)  # fmt: skip


def _final_forecasts(models, y, horizon, quiet):
    import pandas as pd
    from tqdm.auto import tqdm

    info("fitting every model on the full history for the final forecast")
    forecasts = []
    bar = tqdm(models, desc="final fits", unit="model", leave=False, disable=quiet or not stderr_is_terminal())
    for m in bar:
        forecasts.append(m.fit(y).predict(horizon))
    if isinstance(forecasts[0], pd.Series):
        return pd.concat(forecasts, axis=1)
    fc = forecasts[0]
    names = {m.name_ for m in models}
    for f in forecasts[1:]:
        fc = fc.merge(f, on=[c for c in fc.columns if c in f.columns and c not in names])
    return fc


def _print_board(board):
    import pandas as pd

    with pd.option_context("display.width", 120, "display.precision", 3):
        print(board.to_string(index=False), flush=True)


def _write_pngs(out, y, fc, cv, board):
    from ..plotting import plot_backtest, plot_forecast, plot_leaderboard, save_figure

    first = None if not hasattr(y, "columns") else y["unique_id"].iloc[0]
    kw = {} if first is None else {"unique_id": first}
    save_figure(plot_forecast(y, fc, **kw), out / "forecast.png")
    save_figure(plot_leaderboard(board), out / "leaderboard.png")
    save_figure(plot_backtest(cv, **kw), out / "backtest.png")


# ------------------------------------------------------------------------------------------- demo
DEMO_MODELS = ["naive", "snaive", "ets", "theta", "arima", "lstm", "gru"]


def cmd_demo(args):
    from ..datasets import load_airpassengers

    out = Path(args.out)
    check_folder_target(out, "--out")
    names = check_names(args.models)
    y = load_airpassengers()
    info(f"airline passengers, monthly {y.index[0]:%Y-%m} to {y.index[-1]:%Y-%m} ({len(y)} values)")
    data = Input(y, y.index.name or "ds", y.name or "y", None, "airline passengers")
    models = build_models(names, 12, 12, None, args.epochs, False, args.seed)
    t0 = time.perf_counter()
    compare(data, models, horizon=12, windows=3, season=12, out=out, report=out / "report.html",
            title="tsrnn demo: airline passengers", quiet=args.quiet)  # fmt: skip
    info(f"done in {time.perf_counter() - t0:.0f} s; open {out / 'report.html'}")
    return 0
