"""The ``tsrnn`` command: demo, forecast and backtest from the shell.

User mistakes (missing file or column, unparseable dates, non-numeric target, unknown
model) print one line ``tsrnn: error: ...`` and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]

MODEL_NAMES = ("naive", "snaive", "naive2", "drift", "mean", "ets", "theta", "arima", "lstm", "gru", "rnn")
_SEASON = {"h": 24, "min": 60, "D": 7, "B": 5, "W": 52, "M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4}


class UserError(Exception):
    """A mistake in the command line or the input file: reported in one line, exit status 2."""


def _progress(msg):
    print(f"tsrnn: {msg}", file=sys.stderr, flush=True)


def season_length_of(panel) -> int:
    """A season length from the data's frequency (hourly 24, daily 7, monthly 12, ...); 1 when unknown."""
    freq = panel.axis.freq
    if panel.axis.kind == "range":
        return 1
    code = getattr(freq, "rule_code", None) or str(freq)
    code = code.split("-")[0]
    return _SEASON.get(code, 1)


def build_models(names, horizon, season, window=None, epochs=None, seed=0):
    """Forecasters from short names (``naive, snaive, naive2, drift, mean, ets, theta, arima, lstm, gru, rnn``)."""
    from .forecasters import ARIMA, ETS, Drift, Mean, Naive, Naive2, RNNForecaster, SeasonalNaive, Theta

    models = []
    for name in names:
        key = name.strip().lower()
        if key == "naive":
            models.append(Naive())
        elif key == "snaive":
            models.append(SeasonalNaive(season, alias="SeasonalNaive"))
        elif key == "naive2":
            models.append(Naive2(season))
        elif key == "drift":
            models.append(Drift())
        elif key == "mean":
            models.append(Mean())
        elif key == "ets":
            models.append(ETS(trend="add", damped_trend=True, seasonal="mul" if season > 1 else None,
                              season_length=season))  # fmt: skip
        elif key == "theta":
            models.append(Theta(season_length=season))
        elif key == "arima":
            seasonal = (0, 1, 1, season) if season > 1 else (0, 0, 0, 0)
            models.append(ARIMA(order=(1, 1, 1), seasonal_order=seasonal))
        elif key in ("lstm", "gru", "rnn"):
            w = window or max(2 * horizon, 2 * season, 8)
            # Seasonal differencing lets a small network model the change from last season (it beat
            # both plain scaling and first differences on the airline backtest).
            models.append(RNNForecaster(cell=key, hidden_size=32, window=w, horizon=horizon, epochs=epochs or 60,
                                        batch_size=32, lr=3e-3, scaler="standard", random_state=seed,
                                        seasonal_difference=season if season > 1 else None))  # fmt: skip
        else:
            raise UserError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return models


def read_input(path, time_col, target, id_col=None):
    """Read a CSV or Parquet file into the layout ``fit`` takes (Series, or long DataFrame with ids)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise UserError(f"input file {str(path)!r} does not exist")
    try:
        if path.suffix.lower() == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path)
    except ImportError as exc:
        raise UserError(f"cannot read {path.name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        raise UserError(f"cannot read {path.name} as {'Parquet' if path.suffix == '.parquet' else 'CSV'}: {exc}") from None
    needed = [c for c in (time_col, target, id_col) if c]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise UserError(f"column(s) {missing} not in {path.name}; its columns are {list(df.columns)}")
    if not pd.api.types.is_numeric_dtype(df[target]) or pd.api.types.is_bool_dtype(df[target]):
        bad = df[target][pd.to_numeric(df[target], errors="coerce").isna() & df[target].notna()]
        example = repr(bad.iloc[0]) if len(bad) else "?"
        raise UserError(f"target column {target!r} is not numeric (for example {example})")
    ds = df[time_col]
    if not pd.api.types.is_integer_dtype(ds):
        try:
            ds = pd.to_datetime(ds, format="mixed")
        except (ValueError, TypeError) as exc:
            raise UserError(f"cannot parse the dates in column {time_col!r}: {exc}") from None
    if id_col:
        return pd.DataFrame({"unique_id": df[id_col].to_numpy(), "ds": ds.to_numpy(), "y": df[target].to_numpy()})
    return pd.Series(df[target].to_numpy(dtype=float), index=pd.Index(ds, name=time_col), name=target)


def _forecast_frame(forecasts):
    import pandas as pd

    if isinstance(forecasts, pd.Series):
        return forecasts.rename_axis("ds").reset_index()
    return forecasts


def cmd_forecast(args):
    from .data.panel import to_panel

    y = read_input(args.input, args.time_col, args.target, args.id_col)
    panel = to_panel(y)
    season = args.season_length or season_length_of(panel)
    (model,) = build_models([args.model], args.horizon, season, args.window, args.epochs)
    _progress(f"fitting {model.name_} on {panel.n_series} series")
    model.fit(y)
    fc = model.predict(args.horizon)
    out = _forecast_frame(fc)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    _progress(f"wrote {args.out}")
    if args.plot:
        from .plotting import plot_forecast, save_figure

        kw = {} if panel.kind == "series" else {"unique_id": panel.ids[0]}
        save_figure(plot_forecast(y, fc, **kw), args.plot)
        _progress(f"wrote {args.plot}")
    return 0


def _compare(y, names, horizon, windows, season, window=None, epochs=None, out=None, report=None, title=None):
    import pandas as pd

    from .backtest import backtest, evaluate
    from .data.panel import to_panel

    panel = to_panel(y)
    models = build_models(names, horizon, season, window, epochs)
    timings = {}
    _progress(f"backtesting {len(models)} models on {panel.n_series} series, {windows} windows of {horizon} steps")
    t0 = time.perf_counter()
    cv = backtest(models, y, horizon=horizon, n_windows=windows)
    timings["backtest"] = time.perf_counter() - t0
    metrics = ["smape", "mase", "mae", "rmse"]
    board = evaluate(cv, metrics=metrics, y=y, season_length=season)
    _progress("fitting every model on the full history for the final forecast")
    t0 = time.perf_counter()
    forecasts = []
    for m in models:
        forecasts.append(m.fit(y).predict(horizon))
    timings["final fits"] = time.perf_counter() - t0
    if isinstance(forecasts[0], pd.Series):
        fc = pd.concat(forecasts, axis=1)
    else:
        fc = forecasts[0]
        for f in forecasts[1:]:
            fc = fc.merge(f, on=[c for c in fc.columns if c in f.columns and c not in (m.name_ for m in models)])
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(board.to_string(index=False))
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        _forecast_frame(fc).to_csv(out / "forecasts.csv", index=False)
        cv.to_csv(out / "backtest.csv", index=False)
        _write_pngs(out, y, fc, cv, board, models, panel)
    if report is not None:
        from .report import write_report

        path = write_report(report, y=y, cv=cv, leaderboard=board, forecasts=fc, models=models, timings=timings,
                            title=title or "tsrnn report")  # fmt: skip
        _progress(f"wrote {path}")
    return board


def _write_pngs(out, y, fc, cv, board, models, panel):
    from .plotting import plot_backtest, plot_forecast, plot_leaderboard, save_figure

    kw = {} if panel.kind == "series" else {"unique_id": panel.ids[0]}
    save_figure(plot_forecast(y, fc, **kw), out / "forecast.png")
    save_figure(plot_leaderboard(board), out / "leaderboard.png")
    save_figure(plot_backtest(cv, **kw), out / "backtest.png")


def cmd_backtest(args):
    from .data.panel import to_panel

    y = read_input(args.input, args.time_col, args.target, args.id_col)
    season = args.season_length or season_length_of(to_panel(y))
    names = [n for n in args.models.split(",") if n.strip()]
    build_models(names, args.horizon, season)  # fail on unknown names before any work
    _compare(y, names, args.horizon, args.windows, season, args.window, args.epochs, out=args.out, report=args.report)
    return 0


def cmd_demo(args):
    from .datasets import load_airpassengers

    out = Path(args.out)
    y = load_airpassengers()
    _progress(f"airline passengers, monthly {y.index[0]:%Y-%m} to {y.index[-1]:%Y-%m} ({len(y)} values)")
    names = ["naive", "snaive", "ets", "theta", "arima", "lstm", "gru"]
    t0 = time.perf_counter()
    _compare(y, names, horizon=12, windows=3, season=12, window=36, epochs=args.epochs, out=out,
             report=out / "report.html", title="tsrnn demo: airline passengers")  # fmt: skip
    _progress(f"done in {time.perf_counter() - t0:.0f} s; open {out / 'report.html'}")
    return 0


def make_parser():
    p = argparse.ArgumentParser(prog="tsrnn", description="Numba RNN forecasting: demo, forecast, backtest.")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="backtest classical models and RNNs on the airline series, write a report")
    d.add_argument("--out", default="tsrnn-demo", help="output folder (default: tsrnn-demo)")
    d.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)
    d.set_defaults(func=cmd_demo)

    def data_args(s):
        s.add_argument("--input", required=True, help="CSV or Parquet file")
        s.add_argument("--time-col", default="ds")
        s.add_argument("--target", default="y")
        s.add_argument("--id-col", default=None, help="series id column (many series)")
        s.add_argument("--horizon", type=int, required=True)
        s.add_argument("--window", type=int, default=None, help="RNN input window (default 2 x horizon)")
        s.add_argument("--season-length", type=int, default=None, help="default: from the data's frequency")
        s.add_argument("--epochs", type=int, default=None)

    f = sub.add_parser("forecast", help="fit one model and write its forecast")
    data_args(f)
    f.add_argument("--model", default="lstm", help=f"one of {', '.join(MODEL_NAMES)}")
    f.add_argument("--out", default="forecast.csv")
    f.add_argument("--plot", default=None, help="also write a PNG of the forecast")
    f.set_defaults(func=cmd_forecast)
    b = sub.add_parser("backtest", help="compare models with rolling-origin backtests")
    data_args(b)
    b.add_argument("--models", default="naive,snaive,ets,theta,arima,lstm,gru")
    b.add_argument("--windows", type=int, default=3)
    b.add_argument("--report", default=None, help="write an HTML report here")
    b.add_argument("--out", default=None, help="folder for forecasts.csv, backtest.csv and PNGs")
    b.set_defaults(func=cmd_backtest)
    return p


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    for name in ("horizon", "windows", "window", "epochs", "season_length"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    try:
        return args.func(args)
    except UserError as exc:
        print(f"tsrnn: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:
        # Validation errors from the library speak to the user already: one line, no traceback.
        print(f"tsrnn: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
