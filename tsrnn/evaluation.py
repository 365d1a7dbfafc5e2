"""Rolling-origin backtests of many forecasters on many series: locally, in processes, or on Dask.

``tsrnn.backtest`` and ``tsrnn.evaluate`` are the two functions of this module (the old path
``from tsrnn.backtest import backtest, evaluate`` still works: :mod:`tsrnn.backtest`).

``backtest`` cuts every series at ``n_windows`` forecast origins (cutoffs) counted back
from its own end, fits each model on the data up to each cutoff only, forecasts the next
``horizon`` values and returns one tidy DataFrame. ``evaluate`` turns it into a
leaderboard.

Work is split into independent tasks (model x fold x block of series: local models split
their series into blocks, a global model takes all series of a fold at once). Each task
carries its own data and the model's class and parameters, so it runs the same in
this process, in joblib worker processes (``n_jobs``) or on a Dask cluster
(``backend="dask"``), and the results are identical: every model is deterministic for its
``random_state``, whatever the thread count.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_positive_int
from .data.panel import slice_panel, to_panel
from .forecasters.base import BaseForecaster, check_finite
from .forecasters.intervals import check_levels, interval_names, stack_intervals
from .scoring import evaluate

__all__ = ["backtest", "evaluate"]


@dataclass
class _Fold:
    number: int
    starts: np.ndarray  # (S,) first training position of every series
    cutoffs: np.ndarray  # (S,) number of values before the cutoff (training end, exclusive)


def _model_spec(model):
    if not isinstance(model, BaseForecaster):
        raise ValueError(f"models must be tsrnn forecasters, got {type(model).__name__}")
    return type(model), model.get_params()


def _build(spec):
    cls, params = spec
    return cls(**params)


def _forecast(model, train, horizon, levels, interval_method, X=None, samples=None, fold=0):
    """(S, horizon, C) forecasts of a fitted model: the point forecast, then interval bounds if ``levels``, then
    ``N`` sample paths if ``samples`` is ``(N, random_state)`` and the model draws them (seeded per fold)."""
    positions = np.arange(train.n_series)
    extra = {"X": X} if X is not None else {}
    if not levels:
        point = np.asarray(model._predict(train, horizon, positions, **extra), dtype=np.float64)[:, :horizon]
        check_finite(model, point, train)
        stacked = point[:, :, None]
    else:
        point, lo, hi = model._predict_with_intervals(train, horizon, positions, levels, interval_method, None,
                                                      **extra)  # fmt: skip
        stacked = stack_intervals(np.asarray(point, dtype=np.float64)[:, :horizon], lo, hi, levels)
        check_finite(model, stacked, train)
    if samples is None or not model._draws_samples:
        return stacked
    n, seed = samples
    rng = np.random.default_rng(None if seed is None else [int(seed), int(fold)])
    paths = model._predict_samples(train, horizon, positions, n, rng, **extra)[:, :horizon]
    check_finite(model, paths, train)
    return np.concatenate([stacked, paths], axis=2)


def _run_task(spec, panel, folds, horizon, warm_start, levels=None, interval_method=None, X=None, samples=None,
              on_fold=None):  # fmt: skip
    """Fit and forecast one model over some folds and series. Returns a list of per-fold results.

    Each result is ``(fold number, forecasts (S, horizon, C) or None, errors: list of str or None)``
    with C = 1 (point forecast) or 1 + 2 * len(levels), plus N sample paths with ``samples=(N, random_state)``
    for a model that draws them. ``on_fold()``, if given, is called
    after each fold (the progress bar of a backtest run in this process).
    """
    model = _build(spec)
    if warm_start and "warm_start" in model.get_params():
        model.set_params(warm_start=True)
    out = []
    for fold in folds:
        train = slice_panel(panel, fold.starts, fold.cutoffs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                model._fit_panel(train, X=X)
                pred = _forecast(model, train, horizon, levels, interval_method, X, samples, fold.number)
            out.append((fold.number, pred, None))
        except Exception as exc:  # noqa: BLE001 - isolate a failing model, report it per row
            if model._global or train.n_series == 1:
                out.append((fold.number, None, [f"{type(exc).__name__}: {exc}"] * train.n_series))
            else:
                out.append((fold.number, *_one_by_one(spec, train, horizon, levels, interval_method)))
        if on_fold is not None:
            on_fold()
    return out


def _one_by_one(spec, train, horizon, levels, interval_method):
    """A failed local model's fold, series by series: ``(forecasts (S, horizon, C), errors)``; keeps those that work."""
    preds = np.full((train.n_series, horizon, 1 + 2 * len(levels or ())), np.nan)
    errors = [""] * train.n_series
    for i in range(train.n_series):
        one = train.subset([i])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                m = _build(spec)._fit_panel(one)
                preds[i] = _forecast(m, one, horizon, levels, interval_method)[0]
        except Exception as exc_i:  # noqa: BLE001
            errors[i] = f"{type(exc_i).__name__}: {exc_i}"
    return preds, errors


def _folds(panel, horizon, n_windows, step, window, train_size):
    lengths = panel.lengths
    last_cut = lengths - horizon
    folds = []
    for k in range(n_windows):
        cut = last_cut - (n_windows - 1 - k) * step
        if window == "sliding":
            start = np.maximum(cut - train_size, 0)
        else:
            start = np.zeros_like(cut)
        folds.append(_Fold(k, start, cut))
    first = folds[0].cutoffs - folds[0].starts
    need = train_size if (window == "sliding" and train_size) else 1
    too_short = np.flatnonzero(first < need)
    if too_short.size:
        shown = [(panel.ids[i], int(lengths[i])) for i in too_short[:5]]
        raise ValueError(
            f"{too_short.size} series are too short for horizon={horizon}, n_windows={n_windows}, step={step}"
            f"{f', train_size={train_size}' if window == 'sliding' else ''}: (id, length) {shown}; each needs at least "
            f"{horizon + (n_windows - 1) * step + need} values"
        )
    return folds


def _blocks(n_series, n_blocks):
    n_blocks = max(1, min(n_blocks, n_series))
    return [b for b in np.array_split(np.arange(n_series), n_blocks) if b.size]


def _run_joblib(tasks, n_jobs, done):
    from joblib import Parallel, delayed, parallel_config

    # One numba/BLAS thread per worker: n_jobs processes already fill the cores.
    with parallel_config(backend="loky", inner_max_num_threads=1):
        results = []
        for t, res in zip(tasks, Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_run_task)(*t) for t in tasks)):
            results.append(res)
            done(t)
        return results


def _run_dask(tasks, client, done):
    if client is None:
        try:
            from distributed import get_client
        except ImportError:
            raise ImportError("backend='dask' needs dask.distributed: pip install 'tsrnn[dask]'") from None
        try:
            client = get_client()
        except ValueError:
            raise ValueError(
                "backend='dask' found no active dask.distributed Client: create one (Client(...)) or pass client="
            ) from None
    futures = [client.submit(_run_task, *t, pure=False) for t in tasks]
    results = []
    for t, future in zip(tasks, futures):
        results.append(future.result())
        done(t)
    return results


class _Progress:
    """A tqdm bar over the (model, window) pairs of a backtest; does nothing when off.

    ``progress=None`` shows it when stderr is a terminal. A task run elsewhere (joblib, Dask)
    counts when it returns: its windows times its share of the series.
    """

    def __init__(self, progress, total, n_series):
        if progress is None:
            progress = _stderr_is_terminal()
        self.bar = None
        self.n_series, self.count = n_series, 0.0
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="backtest", unit="fit", file=sys.stderr, leave=True)

    def step(self, amount=1.0):
        if self.bar is None:
            return
        before = int(self.count)
        self.count += amount
        self.bar.update(int(round(self.count, 9)) - before)

    def task_done(self, task):
        panel, folds = task[1], task[2]
        self.step(len(folds) * panel.n_series / self.n_series)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _stderr_is_terminal():
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def backtest(models, y, horizon, n_windows=3, step=None, window="expanding", train_size=None, refit=True,
             n_jobs=1, backend=None, client=None, warm_start=False, level=None, interval_method=None, X=None,
             id_col="unique_id", time_col="ds", target_col="y", progress=None, num_samples=None,
             random_state=None):  # fmt: skip
    """Rolling-origin evaluation of several forecasters on one or many series.

    Parameters
    ----------
    models : forecaster or list of forecasters
        Unfitted tsrnn forecasters (their parameters are used; the objects are not changed).
        Column names come from each model's ``name_`` (set ``alias`` to tell apart two of a kind).
    y : pandas.Series or DataFrame
        History, in any layout ``fit`` accepts.
    horizon : int
        Steps forecast from every cutoff.
    n_windows : int, default 3
        Forecast origins per series, counted back from each series' end.
    step : int, optional
        Steps between consecutive cutoffs (default: ``horizon``, non-overlapping windows).
    window : {"expanding", "sliding"}, default "expanding"
        Train on everything before the cutoff, or on the last ``train_size`` values only.
    train_size : int, optional
        Training length of a sliding window (required for ``window="sliding"``).
    refit : bool or int, default True
        True: fit at every cutoff. False: fit global models (RNNForecaster) at the first
        cutoff only and forecast later cutoffs from the newer history with the same weights.
        An int k: refit every k cutoffs. Local models (baselines, statsmodels) have
        per-series parameters and are always refitted.
    n_jobs : int, default 1
        Worker processes (joblib, loky) for ``backend=None``; each worker runs numba and BLAS
        with one thread. -1 uses every core.
    backend : {None, "dask"}
        ``"dask"``: run the tasks on a dask.distributed cluster: ``client``, or the active
        client (``distributed.get_client()``).
    client : distributed.Client, optional
    warm_start : bool, default False
        Models with a ``warm_start`` parameter (RNNForecaster) start each refit from the
        previous cutoff's weights (their folds then run in sequence).
    level : float or list of float, optional
        Prediction interval levels in percent: every model also gets its
        ``<model>-lo-<level>`` and ``<model>-hi-<level>`` columns, computed from the data
        before each cutoff only (see ``predict(level=...)``).
    interval_method : str, optional
        As for ``predict``; None: each model's default (conformal for most).
    X : pandas.Series or DataFrame, optional
        Future-known regressors for the models that use them (``RNNForecaster``), in the
        layout of ``y`` and covering every timestamp of ``y``: each fold's model is fitted
        with the rows up to its cutoff and forecasts with the rows of its horizon, matched
        by series and timestamp (the rows after a cutoff are the known future, as at
        prediction time). Models without regressors are run without it.
    id_col, time_col, target_col : str
        Column names of a long frame ``y`` (the result keeps ``unique_id, ds, y``).
    progress : bool, optional
        Show a tqdm bar over the (model, window) pairs on stderr. None (default): only
        when stderr is a terminal.
    num_samples : int, optional
        Also draw this many sample paths from every cutoff of the models that give them
        (``RNNForecaster(distribution=...)``, see ``predict(num_samples=...)``); the others
        get none.
    random_state : int, optional
        Seeds the sample paths (per cutoff, whatever ``n_jobs``): same seed, same paths.

    Returns
    -------
    pandas.DataFrame
        Long and tidy: ``unique_id, cutoff, ds, y``, one column per model, and ``error``
        (empty, or "Model: message" for rows a model failed on; its forecast is NaN).
        ``cutoff`` is the last timestamp each fit saw.
    samples : pandas.DataFrame
        Only with ``num_samples``, as a second value: ``unique_id, cutoff, ds, sample`` and
        one column per model that draws samples, ``num_samples`` rows per forecast row
        (what :func:`tsrnn.evaluate` takes as ``samples=`` for the exact sample CRPS).
    """
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    specs, names = _check_models(models)
    horizon, n_windows, step, train_size, n_jobs, levels = _check_settings(
        horizon, n_windows, step, window, train_size, refit, backend, n_jobs, level
    )

    panel = to_panel(y, id_col=id_col, time_col=time_col, target_col=target_col)
    folds = _folds(panel, horizon, n_windows, step, window, train_size)
    every = n_windows if refit is False else (1 if refit is True else int(refit))

    if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer))
                                     or random_state < 0):
        raise ValueError(f"random_state={random_state!r} must be None or an integer >= 0 (it seeds every cutoff)")
    samples = None if num_samples is None else (check_positive_int(num_samples, "num_samples"), random_state)
    tasks, task_models = _make_tasks(specs, models, panel, folds, horizon, refit, warm_start, levels, interval_method,
                                     X, n_jobs, backend, samples)  # fmt: skip
    bar = _Progress(progress, len(models) * n_windows, panel.n_series)
    try:
        if backend == "dask":
            results = _run_dask(tasks, client, bar.task_done)
        elif n_jobs > 1 and len(tasks) > 1:
            results = _run_joblib(tasks, n_jobs, bar.task_done)
        else:
            results = [_run_task(*t, on_fold=lambda t=t: bar.step(t[1].n_series / panel.n_series)) for t in tasks]
        extra_columns = 0 if samples is None else samples[0]
        preds, errors = _collect(task_models, results, names, panel.n_series, n_windows, horizon, levels,
                                 extra_columns)  # fmt: skip
        if refit is not True:
            _no_refit_forecasts(models, specs, panel, folds, horizon, every, preds, errors, names, levels,
                                interval_method, X, bar.step, samples)  # fmt: skip
    finally:
        bar.close()

    columns = [interval_names(n, levels) if levels else [n] for n in names]
    cv = _tidy(panel, folds, horizon, columns, preds, errors)
    if samples is None:
        return cv
    drawn = [mi for mi, m in enumerate(models) if m._draws_samples]
    first = len(columns[0])
    return cv, _samples_tidy(panel, folds, horizon, [names[mi] for mi in drawn], preds[drawn, ..., first:])


def _check_models(models):
    """``(specs, names)`` of the models of :func:`backtest`, or ``ValueError``."""
    if not models:
        raise ValueError("models is empty; expected at least one forecaster")
    specs = [_model_spec(m) for m in models]
    names = [m.name_ for m in models]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"two models would write the column(s) {dup}; give them different alias= values")
    return specs, names


def _check_settings(horizon, n_windows, step, window, train_size, refit, backend, n_jobs, level):
    """The other arguments of :func:`backtest`, checked: ``(horizon, n_windows, step, train_size, n_jobs, levels)``."""
    horizon = check_positive_int(horizon, "horizon")
    n_windows = check_positive_int(n_windows, "n_windows")
    step = horizon if step is None else check_positive_int(step, "step")
    if window not in ("expanding", "sliding"):
        raise ValueError(f"window={window!r} is not known; expected 'expanding' or 'sliding'")
    if window == "sliding":
        if train_size is None:
            raise ValueError("window='sliding' needs train_size (values per training window)")
        train_size = check_positive_int(train_size, "train_size")
    if not (isinstance(refit, (bool, np.bool_)) or (isinstance(refit, (int, np.integer)) and refit >= 1)):
        raise ValueError(f"refit must be True, False or a positive int, got {refit!r}")
    if backend not in (None, "dask"):
        raise ValueError(f"backend={backend!r} is not known; expected None (local processes) or 'dask'")
    n_jobs = os.cpu_count() if n_jobs == -1 else check_positive_int(n_jobs, "n_jobs")
    levels = check_levels(level) if level is not None else None
    return horizon, n_windows, step, train_size, n_jobs, levels


def _make_tasks(specs, models, panel, folds, horizon, refit, warm_start, levels, interval_method, X, n_jobs, backend,
                samples=None):  # fmt: skip
    """The independent tasks of a backtest and, for each, ``(model index, block of series or None)``.

    A global model is one task per fold (all folds in one task with ``warm_start``), none
    when ``refit`` is not True (:func:`_no_refit_forecasts` runs it); a local model is one
    task per block of series.
    """
    tasks, task_models = [], []
    for mi, (spec, model) in enumerate(zip(specs, models)):
        if model._global:
            if refit is not True:
                continue  # fitted once per refit period below, in this process
            groups = [folds] if warm_start else [[f] for f in folds]
            for group in groups:
                tasks.append((spec, panel, group, horizon, warm_start, levels, interval_method,
                              X if model._supports_exog else None, samples))
                task_models.append((mi, None))
            continue
        n_blocks = 1 if (n_jobs == 1 and backend is None) else (n_jobs if backend is None else 8)
        for block in _blocks(panel.n_series, n_blocks):
            sub = panel.subset(block)
            block_folds = [_Fold(f.number, f.starts[block], f.cutoffs[block]) for f in folds]
            tasks.append((spec, sub, block_folds, horizon, False, levels, interval_method))
            task_models.append((mi, block))
    return tasks, task_models


def _collect(task_models, results, names, S, n_windows, horizon, levels, extra_columns=0):
    """The tasks' results as ``preds`` (models, folds, S, horizon, columns) and ``errors[model][fold][series]``.

    ``extra_columns``: sample paths after the point forecast and the bounds (NaN for models without them).
    """
    preds = np.full((len(names), n_windows, S, horizon, 1 + 2 * len(levels or ()) + extra_columns), np.nan)
    errors = [[[""] * S for _ in range(n_windows)] for _ in names]
    for (mi, block), res in zip(task_models, results):
        rows = np.arange(S) if block is None else block
        for fold_no, fc, errs in res:
            if fc is not None:
                preds[mi, fold_no, rows, :, : fc.shape[-1]] = fc
            if errs:
                for r, e in zip(rows, errs):
                    if e:
                        errors[mi][fold_no][r] = f"{names[mi]}: {e}"
    return preds, errors


def _no_refit_forecasts(models, specs, panel, folds, horizon, every, preds, errors, names, levels, interval_method,
                        X=None, on_fold=lambda: None, samples=None):  # fmt: skip
    """Global models with refit=False/k: forecast the folds between refits with the last fit's weights."""
    for mi, (spec, model) in enumerate(zip(specs, models)):
        if not model._global:
            continue
        Xm = X if model._supports_exog else None
        fitted = None
        for fold in folds:
            try:
                train = slice_panel(panel, fold.starts, fold.cutoffs)
                if fold.number % every == 0:
                    fitted = None
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", UserWarning)
                            fitted = _build(spec)._fit_panel(train, X=Xm)
                    except Exception as exc:  # noqa: BLE001
                        for r in range(panel.n_series):
                            errors[mi][fold.number][r] = f"{names[mi]}: {type(exc).__name__}: {exc}"
                        continue
                if fitted is None:
                    continue
                try:
                    fc = _forecast(fitted, train, horizon, levels, interval_method, Xm, samples, fold.number)
                    preds[mi, fold.number, :, :, : fc.shape[-1]] = fc
                except Exception as exc:  # noqa: BLE001
                    preds[mi, fold.number] = np.nan
                    for r in range(panel.n_series):
                        errors[mi][fold.number][r] = f"{names[mi]}: {type(exc).__name__}: {exc}"
            finally:
                on_fold()


def _fold_rows(panel, fold, horizon):
    """``(ids, cutoffs, ds, actual)``: the labels and actuals of a fold's ``horizon`` rows per series."""
    ids, cutoffs, ds, actual = [], [], [], []
    for i in range(panel.n_series):
        stamps = panel.axis.history(i)
        c = int(fold.cutoffs[i])
        ids.extend([panel.ids[i]] * horizon)
        cutoffs.extend([stamps[c - 1]] * horizon)
        ds.extend(stamps[c : c + horizon])
        actual.append(panel.series(i)[c : c + horizon])
    return ids, cutoffs, ds, np.concatenate(actual)


def _tidy(panel, folds, horizon, columns, preds, errors):
    frames = []
    for fold in folds:
        ids, cutoffs, ds, actual = _fold_rows(panel, fold, horizon)
        frame = {"unique_id": ids, "cutoff": cutoffs, "ds": ds, "y": actual}
        for mi, cols in enumerate(columns):
            for c, col in enumerate(cols):
                frame[col] = preds[mi, fold.number, :, :, c].ravel()
        err = []
        for i in range(panel.n_series):
            msgs = [errors[mi][fold.number][i] for mi in range(len(columns)) if errors[mi][fold.number][i]]
            err.extend(["; ".join(msgs)] * horizon)
        frame["error"] = err
        frames.append(pd.DataFrame(frame))
    cv = pd.concat(frames, ignore_index=True)
    return cv.sort_values(["unique_id", "cutoff", "ds"], kind="stable", key=_order_key(panel)).reset_index(drop=True)


def _samples_tidy(panel, folds, horizon, names, paths):
    """The sample paths ``paths`` (models, folds, S, horizon, N) as a long frame beside the backtest's rows."""
    N = paths.shape[-1]
    frames = []
    for fold in folds:
        ids, cutoffs, ds, _ = _fold_rows(panel, fold, horizon)
        frame = {"unique_id": pd.Index(ids).repeat(N), "cutoff": pd.Index(cutoffs).repeat(N),
                 "ds": pd.Index(ds).repeat(N), "sample": np.tile(np.arange(N), len(ids))}  # fmt: skip
        for mi, name in enumerate(names):
            frame[name] = paths[mi, fold.number].reshape(-1)
        frames.append(pd.DataFrame(frame))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unique_id", "cutoff", "ds"], kind="stable", key=_order_key(panel)).reset_index(drop=True)


def _order_key(panel):
    order = {k: i for i, k in enumerate(panel.ids)}

    def key(col):
        if col.name == "unique_id":
            return col.map(order)
        return col

    return key
