"""Validation scores across frequencies: yearly, quarterly, monthly, weekly, other and hourly sets (issue 14).

    python experiments/frequencies.py baselines [--sets m1_yearly,m3_quarterly]   # sNaive, Naive2, ETS, Theta, ...
    python experiments/frequencies.py auto_ets [--sets m3_other]                    # tsrnn.AutoETS alone
    python experiments/frequencies.py rnn NAME '{"cell": "gru"}' [--sets ...]      # one RNNForecaster setting
    python experiments/frequencies.py ensemble NAME RUN1 RUN2 ...                   # median of stored runs
    python experiments/frequencies.py combination [NAME]                            # the documented ensemble
    python experiments/frequencies.py table                                         # RESULTS.md section

Data: the training parts of eight benchmark sets in ../shared/datasets/validation (README
there) and M4 Hourly's training set. The test periods are never read: the last ``horizon``
values of every training series are the validation period, every model is fitted on what
comes before them and scored on them as M4 scores (sMAPE; MASE with the set's season m;
OWA against Naive2 on the same split). The sets get timestamps of their frequency (any
start date: yearly, quarterly, monthly, weekly), so that ``RNNForecaster(horizon=h)`` sees
what a user's data would give it; M3 "other" has no frequency and keeps its integer axis.

Every run appends a row to experiments/frequencies_results.csv (set, model, settings,
scores, fit and predict seconds, date, machine) and keeps its forecasts in
``--pred-dir`` (default experiments/.freq_preds, not committed) for ``ensemble``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS_CSV = HERE / "frequencies_results.csv"
PRED_DIR = HERE / ".freq_preds"
COLUMNS = ["set", "model", "params", "smape", "mase", "owa", "fit_s", "predict_s", "date", "machine"]

#: set -> (horizon, season m, pandas frequency or None)
SETS = {
    "m1_yearly": (6, 1, "YS"),
    "m1_quarterly": (8, 4, "QS"),
    "m1_monthly": (18, 12, "MS"),
    "m3_yearly": (6, 1, "YS"),
    "m3_quarterly": (8, 4, "QS"),
    "m3_other": (8, 1, None),
    "tourism_yearly": (4, 1, "YS"),
    "m4_weekly": (13, 1, "W-SUN"),
    "m4_hourly": (48, 24, "h"),
}


def data_home() -> Path:
    for base in (HERE.parent.parent / "shared" / "datasets", HERE.parent / "shared" / "datasets"):
        if base.exists():
            return base
    raise SystemExit("../shared/datasets not found")


def load_set(name):
    """(train, valid) long frames with timestamps of the set's frequency (or the integer axis)."""
    horizon, _, freq = SETS[name]
    if name == "m4_hourly":
        from tsrnn.datasets import load_m4_hourly

        frame, _ = load_m4_hourly(data_home())
    else:
        frame = pd.read_csv(data_home() / "validation" / f"{name}.csv")
    frame = frame[["unique_id", "ds", "y"]].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame = frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    if freq is not None:
        pos = frame.groupby("unique_id", sort=False).cumcount().to_numpy()
        stamps = pd.date_range("2000-01-01", periods=int(pos.max()) + 1, freq=freq)
        # Right-aligned: every series ends on the same date, as a panel of one data set does.
        length = frame.groupby("unique_id", sort=False).ds.transform("size").to_numpy()
        end = int(pos.max()) + 1
        frame["ds"] = stamps[end - length + pos]
    cut = frame.groupby("unique_id", sort=False).cumcount(ascending=False).to_numpy() < horizon
    return frame[~cut].reset_index(drop=True), frame[cut].reset_index(drop=True)


def _matrix(frame, col):
    return np.stack([g[col].to_numpy() for _, g in frame.groupby("unique_id", sort=False)])


def score(name, train, valid, pred):
    """M4's sMAPE, MASE (the set's m) and OWA against Naive2 of ``pred`` (n_series, h)."""
    from tsrnn import Naive2

    horizon, m, _ = SETS[name]
    hist = [g.y.to_numpy() for _, g in train.groupby("unique_id", sort=False)]
    truth = _matrix(valid, "y")
    # A series of m values or fewer has no seasonal difference: its scale is that of naive (m = 1).
    scale = np.array([np.mean(np.abs(np.diff(h, n=1) if h.size <= m else h[m:] - h[:-m])) for h in hist])
    scale = np.where(scale > 0, scale, np.nan)

    def sm(f):
        return float(np.mean(200 * np.abs(truth - f) / (np.abs(truth) + np.abs(f))))

    def ma(f):
        return float(np.nanmean(np.mean(np.abs(truth - f), axis=1) / scale))

    n2 = _matrix(Naive2(m).fit(train).predict(horizon), "Naive2")
    s, a = sm(pred), ma(pred)
    return s, a, 0.5 * (s / sm(n2) + a / ma(n2))


def machine():
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def log_run(name, model, params, scores, fit_s, predict_s, pred):
    row = dict(zip(COLUMNS, [name, model, json.dumps(params, sort_keys=True), *[round(v, 4) for v in scores],
                             round(fit_s, 1), round(predict_s, 2), time.strftime("%Y-%m-%d %H:%M"), machine()]))  # fmt: skip
    new = not RESULTS_CSV.exists()
    pd.DataFrame([row], columns=COLUMNS).to_csv(RESULTS_CSV, mode="a", header=new, index=False)
    PRED_DIR.mkdir(exist_ok=True)
    np.save(PRED_DIR / f"{name}__{model}.npy", pred)
    print(f"{name:15s} {model:28s} sMAPE {scores[0]:7.3f}  MASE {scores[1]:6.3f}  OWA {scores[2]:6.3f}  "
          f"fit {fit_s:6.1f}s", flush=True)  # fmt: skip


def run_model(name, label, model, params, train, valid, level_col=None):
    horizon = SETS[name][0]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
        t1 = time.perf_counter()
        fc = model.predict(horizon)
    t2 = time.perf_counter()
    pred = _matrix(fc, level_col or model.name_)
    log_run(name, label, params, score(name, train, valid, pred), t1 - t0, t2 - t1, pred)
    return pred


def baselines(names):
    from tsrnn import ETS, Naive2, Theta

    for name in names:
        _, m, _ = SETS[name]
        train, valid = load_set(name)
        preds = {}
        preds["snaive"] = seasonal_naive(name, train, valid)
        run_model(name, "naive2", Naive2(m), {"m": m}, train, valid)
        seasonal = "mul" if m > 1 else None
        ets = ETS(trend="add", damped_trend=True, seasonal=seasonal, season_length=m)
        preds["ets"] = run_model(name, "ets_damped", ets, ets.get_params(), train, valid)
        preds["theta"] = run_model(name, "theta", Theta(season_length=m), {"m": m}, train, valid)
        comb = 0.5 * (preds["ets"] + preds["theta"])
        log_run(name, "ets_theta_mean", {}, score(name, train, valid, comb), 0.0, 0.0, comb)
        auto_ets([name], train, valid)
        statsforecast_combination(name, train, valid)


def auto_ets(names, train=None, valid=None):
    """tsrnn.AutoETS (AICc over error, trend, damping and season m) on each set, as model ``auto_ets``."""
    from tsrnn import AutoETS

    for name in names:
        if train is None:
            train, valid = load_set(name)
        m = SETS[name][1]
        run_model(name, "auto_ets", AutoETS(season_length=m), {"m": m}, train, valid)
        train = valid = None


def seasonal_naive(name, train, valid):
    """The last season repeated; a series shorter than a season repeats its last value (naive)."""
    horizon, m, _ = SETS[name]
    rows = []
    for _, g in train.groupby("unique_id", sort=False):
        y = g.y.to_numpy()
        rows.append(np.resize(y[-(m if y.size >= m else 1) :], horizon))
    pred = np.stack(rows)
    log_run(name, "snaive", {"m": m}, score(name, train, valid, pred), 0.0, 0.0, pred)
    return pred


def statsforecast_combination(name, train, valid):
    """statsforecast's AutoETS, AutoTheta and AutoARIMA and their mean (benchmark only; skipped when not installed)."""
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive
    except ImportError:
        print("statsforecast is not installed: pip install -e '.[bench]' to add its AutoETS/AutoTheta/AutoARIMA")
        return
    horizon, m, freq = SETS[name]
    df = train.copy()
    if freq is None:
        df["ds"] = df["ds"].astype(int)
    models = [AutoETS(season_length=m), AutoTheta(season_length=m), AutoARIMA(season_length=m)]
    t0 = time.perf_counter()
    # Series too short for a model (M1 yearly has 3 training values) get the naive forecast.
    sf = StatsForecast(models=models, freq=freq or 1, n_jobs=1, fallback_model=Naive())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = sf.forecast(df=df, h=horizon)
    seconds = time.perf_counter() - t0
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    fc["unique_id"] = fc["unique_id"].astype(str)
    order = {k: i for i, k in enumerate(train.unique_id.unique())}
    fc = fc.sort_values(["unique_id", "ds"], key=lambda c: c.map(order) if c.name == "unique_id" else c)
    preds = {}
    for col, label in (("AutoETS", "sf_autoets"), ("AutoTheta", "sf_autotheta"), ("AutoARIMA", "sf_autoarima")):
        preds[label] = _matrix(fc, col)
        log_run(name, label, {}, score(name, train, valid, preds[label]), seconds / 3, 0.0, preds[label])
    comb = np.mean(list(preds.values()), axis=0)
    log_run(name, "sf_ets_theta_arima_mean", {}, score(name, train, valid, comb), seconds, 0.0, comb)


def rnn(label, params, names):
    from tsrnn import RNNForecaster

    for name in names:
        horizon = SETS[name][0]
        train, valid = load_set(name)
        p = {"horizon": horizon, **params}
        if SETS[name][2] is None and "season_length" not in p:
            p["season_length"] = SETS[name][1]
        run_model(name, label, RNNForecaster(**p), p, train, valid)


def ensemble_members(name):
    """The documented ensemble of issue 14 for one set: three default networks (LSTM seeds 0 and 1, GRU seed 0),
    damped ETS and Theta, averaged with equal weights (tsrnn.Combination)."""
    from tsrnn import ETS, RNNForecaster, Theta

    horizon, m, freq = SETS[name]
    rnn = {"horizon": horizon} if freq is not None else {"horizon": horizon, "season_length": m}
    return [RNNForecaster(**rnn, random_state=0), RNNForecaster(**rnn, cell="gru", random_state=0),
            RNNForecaster(**rnn, random_state=1),
            ETS(trend="add", damped_trend=True, seasonal="mul" if m > 1 else None, season_length=m),
            Theta(season_length=m)]  # fmt: skip


def combination(label, names):
    """Fit and score the documented ensemble (:func:`ensemble_members`) as one tsrnn.Combination."""
    from tsrnn import Combination

    for name in names:
        train, valid = load_set(name)
        model = Combination(ensemble_members(name), how="mean", alias="ensemble")
        params = {"how": "mean", "members": ["LSTM seed 0", "GRU seed 0", "LSTM seed 1", "ETS damped", "Theta"]}
        run_model(name, label, model, params, train, valid)


def ensemble(label, runs, names, how="median"):
    """Score the median (or mean) of saved runs' forecasts. With ``how="mean"`` over deterministic members
    (fixed ``random_state``) this is what ``tsrnn.Combination(members, how="mean")`` forecasts; fit seconds are
    the members' logged ones, summed."""
    rows = pd.read_csv(RESULTS_CSV).drop_duplicates(["set", "model"], keep="last") if RESULTS_CSV.exists() else None
    for name in names:
        paths = [PRED_DIR / f"{name}__{r}.npy" for r in runs]
        if not all(p.exists() for p in paths):
            continue
        train, valid = load_set(name)
        stack = [np.load(p) for p in paths]
        pred = np.median(stack, axis=0) if how == "median" else np.mean(stack, axis=0)
        fit_s = 0.0
        if rows is not None:
            fit_s = float(rows[(rows.set == name) & rows.model.isin(runs)].fit_s.sum())
        log_run(name, label, {f"{how}_of": runs}, score(name, train, valid, pred), fit_s, 0.0, pred)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = ["baselines", "auto_ets", "rnn", "ensemble", "combination", "table", "summary"]
    parser.add_argument("command", choices=commands)
    parser.add_argument("args", nargs="*")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--how", choices=["median", "mean"], default="median", help="ensemble: combine saved runs by")
    a = parser.parse_args(argv)
    names = [s for s in a.sets.split(",") if s]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        raise SystemExit(f"unknown sets {unknown}; known: {list(SETS)}")
    if a.command == "baselines":
        baselines(names)
    elif a.command == "auto_ets":
        auto_ets(names)
    elif a.command == "rnn":
        label, params = a.args[0], json.loads(a.args[1]) if len(a.args) > 1 else {}
        rnn(label, params, names)
    elif a.command == "ensemble":
        ensemble(a.args[0], a.args[1:], names, a.how)
    elif a.command == "combination":
        combination(a.args[0] if a.args else "ensemble", names)
    elif a.command == "summary":
        text = summary()
        print(text)
        from _results import write_section

        write_section("frequencies", text)
    else:
        print(table())


SUMMARY_MODELS = [("snaive", "sNaive"), ("naive2", "Naive2"), ("ets_damped", "ETS (damped)"), ("theta", "Theta"),
                  ("auto_ets", "AutoETS"), ("ets_theta_mean", "ETS+Theta mean"),
                  ("sf_ets_theta_arima_mean", "statsforecast Auto mean"),
                  ("default", "RNN default before"), ("default_v2", "RNN default, Dec 3 morning"),
                  ("default_v5_s0", "RNN default"), ("ensemble_v5", "ensemble")]  # fmt: skip
#: The rows the ratio columns of the summary read: the current default (seed 0) and the documented ensemble.
DEFAULT_RUN, ENSEMBLE_RUN = "default_v5_s0", "ensemble_v5"


def summary():
    """One MASE table over the sets (latest row of each model), with ratios to the better of ETS and Theta."""
    rows = pd.read_csv(RESULTS_CSV).drop_duplicates(["set", "model"], keep="last")
    head = ("| set (h, m) | " + " | ".join(label for _, label in SUMMARY_MODELS)
            + " | default / best(ETS, Theta) | ensemble / best | fit s: default, ensemble |")  # fmt: skip
    lines = ["## Validation MASE across frequencies (`python experiments/frequencies.py summary`)", "",
             f"Validation periods only (the last h values of every training series); machine: {machine()}; "
             f"{time.strftime('%Y-%m-%d')}. Fit seconds and sMAPE/OWA of every run: experiments/frequencies_results.csv. "
             "\"RNN default before\": the defaults before issue 14 (seasonal-naive baseline, window of four seasons); "
             "\"RNN default, Dec 3 morning\": after the baseline and window rules (a random seed); \"RNN default\": "
             "`RNNForecaster(horizon=h, random_state=0)` now (with the log, epochs, window and loss rules); \"ensemble\": "
             "the mean of the saved forecasts of LSTM seeds 0 and 1, GRU seed 0 (all default), damped ETS and Theta "
             "(`python experiments/frequencies.py ensemble ensemble_v5 default_v5_s0 gru_v5 default_v5_s1 ets_damped theta "
             "--how mean`): what tsrnn.Combination(how=\"mean\") of these deterministic members forecasts (`combination` "
             "fits it as one model); its fit seconds are the members' sum; \"AutoETS\": tsrnn.AutoETS(season_length=m), "
             "the ETS model of lowest AICc per series.",
             "", head, "|" + "---|" * (len(SUMMARY_MODELS) + 4)]  # fmt: skip
    for name, (h, m, _) in SETS.items():
        sub = rows[rows.set == name].set_index("model")
        if sub.empty:
            continue
        cells = [f"{sub.mase[k]:.3f}" if k in sub.index else "" for k, _ in SUMMARY_MODELS]
        ratios = []
        for k in (DEFAULT_RUN, ENSEMBLE_RUN):
            ok = {k, "ets_damped", "theta"} <= set(sub.index)
            ratios.append(f"{sub.mase[k] / min(sub.mase['ets_damped'], sub.mase['theta']):.3f}" if ok else "")
        fits = ", ".join(f"{sub.fit_s[k]:.0f}" if k in sub.index else "-" for k in (DEFAULT_RUN, ENSEMBLE_RUN))
        lines.append(f"| {name} ({h}, {m}) | " + " | ".join(cells) + f" | {' | '.join(ratios)} | {fits} |")
    return "\n".join(lines)


def table():
    """The validation table: one block per set, the latest row of every model."""
    rows = pd.read_csv(RESULTS_CSV).drop_duplicates(["set", "model"], keep="last")
    lines = []
    for name in SETS:
        sub = rows[rows.set == name]
        if sub.empty:
            continue
        h, m, freq = SETS[name]
        lines += [f"\n**{name}** (horizon {h}, m = {m}, {freq or 'integer axis'})\n",
                  "| model | sMAPE | MASE | OWA | fit s |", "|---|---|---|---|---|"]  # fmt: skip
        for r in sub.itertuples():
            lines.append(f"| {r.model} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.3f} | {r.fit_s:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
