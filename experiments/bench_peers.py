"""tsrnn against Darts and neuralforecast on M4 Hourly: training windows per second, import time, default fits.

Usage::

    python experiments/bench_peers.py --setup-only     # create experiments/.venvs/{darts,nf} (minutes; once)
    python experiments/bench_peers.py --write          # both tables, median of 2 runs, into RESULTS.md
    python experiments/bench_peers.py --profile        # also tsrnn's share of fit time inside the compiled step
    python experiments/bench_peers.py --quick          # smoke run: few series, windows and epochs

Each library runs in its own process: tsrnn with this interpreter (this checkout on the
path), Darts and neuralforecast each in a virtual environment this script creates under
experiments/.venvs/ (``python -m venv``, then ``pip install torch==2.13.0`` first, so that
pip takes the CPU build of torch on this machine's disk rather than a CUDA build of several
GB, then the peer with torch pinned: ``darts[torch]``, since plain ``darts`` 0.48 brings
neither torch nor Lightning, and ``neuralforecast``; the environment is refused if its
resolver moved torch, and its ``pip freeze`` is kept in .venvs/<peer>/versions.txt). A
peer that cannot be installed is skipped with the reason. ``--threads N`` sets every
library's thread count (OMP/MKL/OpenBLAS/numba); by default each keeps its own.

Table 1, the same network in each library: one layer, hidden 64, input window 168, 48
outputs, batch 64, float32, all M4 Hourly series (Hourly-train.csv from the data folder).
tsrnn: ``RNNForecaster(target_steps="last", strategy="direct", ...)``, the head reads the
last state; Darts 0.48 ``BlockRNNModel`` and neuralforecast's ``LSTM``/``GRU`` with one
linear layer (``decoder_layers=1``) read the last 48 states, one output each. Every process
trains one warm-up epoch of ``--windows`` windows (not timed: compilation, caches), then
the same number again, timed (tsrnn: the epoch's seconds in ``history_``; the peers: a
Lightning callback from the first batch of the timed epoch to the end of its last). Runs
alternate tsrnn, Darts, neuralforecast, tsrnn, ...; the table gives medians of ``--runs``
and the ratios tsrnn / peer. ``import`` seconds: the import of what a user needs to fit,
timed in each fresh process.

Table 2, each library's default LSTM: ``RNNForecaster(horizon=48)``; Darts
``BlockRNNModel(input_chunk_length=168, output_chunk_length=48, model="LSTM")`` on
series scaled by Darts' ``Scaler`` (Darts does not scale on its own; unscaled M4 values
stall an LSTM), with a training budget near tsrnn's (``n_epochs=30``,
``max_samples_per_ts=25``: 310,500 windows; Darts' own default, 100 epochs over every
window, takes hours here); neuralforecast ``LSTM(h=48, input_size=168)``, all else
default. Fit seconds (wall time of ``fit``) and OWA on the M4 test period, scored with
:mod:`tsrnn.metrics` against tsrnn's Naive2. One run each.

Not part of CI. Timing needs a quiet machine: the lead runs the full configuration.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"
TORCH = "torch==2.13.0"
# Peer key: (pip requirement, distribution names to report, label)
PEERS = {
    "darts": ("darts[torch]", ("darts", "torch", "pytorch-lightning", "numpy", "pandas"), "Darts {darts}"),
    "nf": ("neuralforecast", ("neuralforecast", "torch", "pytorch-lightning", "numpy", "pandas"),
           "neuralforecast {neuralforecast}"),
}
IMPORT_CHECK = {"darts": "from darts.models import BlockRNNModel", "nf": "from neuralforecast.models import LSTM, GRU"}
LIBS = ("tsrnn", "darts", "nf")
HORIZON, WINDOW, HIDDEN, BATCH = 48, 168, 64, 64
RESULT = "RESULT "
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


# ------------------------------------------------------------------------------ virtual environments
def venv_python(peer):
    return VENVS / peer / "bin" / "python"


def setup(peer, log=print):
    """Create experiments/.venvs/<peer>: torch pinned first, then the peer with torch still pinned.

    Returns (ok, text): the ``pip freeze`` of the environment, or why it could not be made.
    """
    env_dir = VENVS / peer
    done = env_dir / "versions.txt"
    if done.exists():
        return True, done.read_text()
    py = venv_python(peer)
    steps = [[sys.executable, "-m", "venv", str(env_dir)],
             [str(py), "-m", "pip", "install", "-q", TORCH],
             [str(py), "-m", "pip", "install", "-q", PEERS[peer][0], TORCH]]  # fmt: skip
    for cmd in steps:
        log("$ " + " ".join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            return False, f"`{' '.join(cmd[2:])}` failed: {(r.stderr or r.stdout).strip()[-600:]}"
    check = subprocess.run([str(py), "-c", f"import torch; {IMPORT_CHECK[peer]}; print(torch.__version__)"],
                           capture_output=True, text=True)  # fmt: skip
    if check.returncode or not check.stdout.startswith(TORCH.split("==")[1]):
        return False, f"the environment has torch {check.stdout.strip()!r}, wanted {TORCH}: {check.stderr[-400:]}"
    freeze = subprocess.run([str(py), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    done.write_text(freeze)
    return True, freeze


def versions(freeze, names):
    """``{name: version}`` of the distributions ``names`` in a ``pip freeze`` text."""
    found = {}
    for line in freeze.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.lower().replace("_", "-")] = version
    return {n: found.get(n, "?") for n in names}


# ------------------------------------------------------------------------------ data
def write_data(path, data_home, n_series):
    """M4 Hourly's training and test values as an .npz every process reads (CSR ``values``/``indptr``, ``test``)."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from tsrnn.datasets import load_m4_hourly

    train, test = load_m4_hourly(data_home=data_home, n_series=n_series)
    ids = train["unique_id"].unique()
    lengths = train.groupby("unique_id", sort=False).size().reindex(ids).to_numpy()
    test_values = test.set_index("unique_id")["y"].groupby(level=0, sort=False).apply(np.asarray).reindex(ids)
    np.savez(path, values=train["y"].to_numpy(np.float64), indptr=np.concatenate([[0], np.cumsum(lengths)]),
             test=np.stack(test_values.to_list()))  # fmt: skip


def read_data(path):
    """(list of training arrays, (S, 48) test array)."""
    import numpy as np

    with np.load(path) as f:
        values, indptr, test = f["values"], f["indptr"], f["test"]
    return [values[indptr[i] : indptr[i + 1]] for i in range(indptr.size - 1)], test


def wide(pred, column):
    """(S, h) forecasts of a long forecast frame (series in unique_id order, steps in ds order)."""
    pred = pred.reset_index() if "unique_id" not in pred.columns else pred
    pred = pred.sort_values(["unique_id", "ds"])
    return pred[column].to_numpy().reshape(pred["unique_id"].nunique(), -1)


def long_frame(train):
    """The long DataFrame (unique_id, ds, y) of the training arrays: integer ids and time steps."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame({"unique_id": np.repeat(np.arange(len(train)), [t.size for t in train]),
                         "ds": np.concatenate([np.arange(t.size) for t in train]),
                         "y": np.concatenate(train)})  # fmt: skip


# ------------------------------------------------------------------------------ workers (one per process)
TIMES = {"seen": 0, "t0": None, "t1": None}  # module-level: the libraries deep-copy their callbacks


def _timer_callback(skip_batches):
    """A Lightning callback timing the batches after the first ``skip_batches`` (the warm-up), into TIMES."""
    import pytorch_lightning as pl

    class Timer(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            if TIMES["seen"] == skip_batches:
                TIMES["t0"] = time.perf_counter()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            TIMES["seen"] += 1
            if TIMES["seen"] > skip_batches:
                TIMES["t1"] = time.perf_counter()

    return Timer()


def _timed(n_batches):
    if TIMES["t0"] is None or TIMES["seen"] < n_batches:
        raise RuntimeError(f"the timer saw {TIMES['seen']} batches, expected {n_batches}")
    return TIMES["t1"] - TIMES["t0"]


def _pl_kwargs(callback):
    return dict(accelerator="cpu", enable_progress_bar=False, logger=False, enable_checkpointing=False,
                enable_model_summary=False, callbacks=[callback] if callback else [])  # fmt: skip


def speed_tsrnn(cell, train, windows, profile):
    from tsrnn import RNNForecaster

    df = long_frame(train)
    fc = RNNForecaster(cell=cell, hidden_size=HIDDEN, num_layers=1, window=WINDOW, horizon=HORIZON,
                       target_steps="last", strategy="direct", batch_size=BATCH, dtype="float32", epochs=2,
                       windows_per_epoch=windows, random_state=0)  # fmt: skip
    if profile:
        return profile_tsrnn(fc, df)
    fc.fit(df)
    return {"rate": windows / float(fc.history_["seconds"].iloc[1])}


def profile_tsrnn(fc, df):
    """Shares of one warm fit's wall time in the compiled step's parts (timers around its calls)."""
    import tsrnn.nn.fused_step as fused_step
    from tsrnn.data.fused_gather import FusedGather
    from tsrnn.nn.fused_step import FusedStep
    from tsrnn.nn.recurrent import _Recurrent
    from tsrnn.nn.tbptt import TBPTTTrainer

    fc.set_params(epochs=1).fit(df)  # warm: compiled kernels loaded, caches filled
    spent = {}

    def timed(cls, name, key):
        original = getattr(cls, name)

        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

        setattr(cls, name, wrapper)

    # The layers' calls: the public ones (unfused paths) and the fused step's time-major ones
    # (tsrnn.nn.recurrent_train, called through fused_step's names).
    for cls, name, key in [(FusedGather, "gather", "gather"), (FusedStep, "gradients", "gradients"),
                           (_Recurrent, "forward", "recurrent"), (_Recurrent, "backward", "recurrent"),
                           (fused_step, "forward_train", "recurrent"), (fused_step, "backward_train", "recurrent"),
                           (TBPTTTrainer, "step", "step")]:  # fmt: skip
        timed(cls, name, key)
    t0 = time.perf_counter()
    fc.fit(df)
    wall = time.perf_counter() - t0
    return {"wall": wall, **{k: v / wall for k, v in spent.items()}, "epoch_s": float(fc.history_["seconds"].sum())}


def speed_darts(cell, train, windows, profile):
    import numpy as np
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    series = [TimeSeries.from_values(t.astype(np.float32)) for t in train]
    per_series = -(-windows // len(train))
    batches = -(-per_series * len(train) // BATCH)
    timer = _timer_callback(batches)
    model = BlockRNNModel(input_chunk_length=WINDOW, output_chunk_length=HORIZON, model=cell.upper(),
                          hidden_dim=HIDDEN, n_rnn_layers=1, batch_size=BATCH, n_epochs=2, random_state=0,
                          pl_trainer_kwargs=_pl_kwargs(timer))  # fmt: skip
    model.fit(series, max_samples_per_ts=per_series, verbose=False)
    return {"rate": per_series * len(train) / _timed(2 * batches), "windows": per_series * len(train)}


def speed_nf(cell, train, windows, profile):
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import GRU, LSTM

    steps = -(-windows // BATCH)
    timer = _timer_callback(steps)
    cls = LSTM if cell == "lstm" else GRU
    model = cls(h=HORIZON, input_size=WINDOW, encoder_n_layers=1, encoder_hidden_size=HIDDEN, decoder_layers=1,
                loss=MSE(), batch_size=BATCH, windows_batch_size=BATCH, max_steps=2 * steps, random_seed=0,
                **_pl_kwargs(timer))  # fmt: skip
    NeuralForecast(models=[model], freq=1).fit(long_frame(train))
    return {"rate": steps * BATCH / _timed(2 * steps), "windows": steps * BATCH}


def default_tsrnn(train, quick):
    from tsrnn import RNNForecaster

    extra = dict(epochs=1, windows_per_epoch=640) if quick else {}
    fc = RNNForecaster(horizon=HORIZON, random_state=0, **extra)
    df = long_frame(train)
    t0 = time.perf_counter()
    fc.fit(df)
    fit_s = time.perf_counter() - t0
    pred = fc.predict()
    return fit_s, wide(pred, pred.columns[-1])


def default_darts(train, quick):
    import numpy as np
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel

    scaler = Scaler()
    series = scaler.fit_transform([TimeSeries.from_values(t.astype(np.float32)) for t in train])
    model = BlockRNNModel(input_chunk_length=WINDOW, output_chunk_length=HORIZON, model="LSTM", random_state=0,
                          n_epochs=1 if quick else 30, pl_trainer_kwargs=_pl_kwargs(None))  # fmt: skip
    t0 = time.perf_counter()
    model.fit(series, max_samples_per_ts=2 if quick else 25, verbose=False)
    fit_s = time.perf_counter() - t0
    pred = scaler.inverse_transform(model.predict(n=HORIZON, series=series, verbose=False))
    return fit_s, np.stack([p.values()[:, 0] for p in pred])


def default_nf(train, quick):
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    extra = dict(max_steps=5) if quick else {}
    nf = NeuralForecast(models=[LSTM(h=HORIZON, input_size=WINDOW, random_seed=0, **_pl_kwargs(None), **extra)],
                        freq=1)  # fmt: skip
    t0 = time.perf_counter()
    nf.fit(long_frame(train))
    fit_s = time.perf_counter() - t0
    pred = nf.predict()
    return fit_s, wide(pred, "LSTM")


IMPORTS = {
    "tsrnn": "from tsrnn import RNNForecaster",
    "darts": "from darts.models import BlockRNNModel",
    "nf": "from neuralforecast import NeuralForecast; from neuralforecast.models import LSTM",
}


def worker(job):
    """Run one job in this process (a library's interpreter); print its result as one JSON line."""
    import warnings

    warnings.filterwarnings("ignore")
    if job["lib"] == "tsrnn":
        sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    exec(IMPORTS[job["lib"]], {})
    out = {"import_s": time.perf_counter() - t0}
    import logging

    import numpy as np

    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    train, _ = read_data(job["data"])
    if job["task"] == "speed":
        out.update(globals()[f"speed_{job['lib']}"](job["cell"], train, job["windows"], job.get("profile", False)))
    else:
        fit_s, pred = globals()[f"default_{job['lib']}"](train, job["quick"])
        np.save(job["out"], np.asarray(pred, dtype=np.float64))
        out["fit_s"] = fit_s
    print(RESULT + json.dumps(out), flush=True)


def run_job(lib, job, timeout):
    """Run ``job`` in ``lib``'s own process; its result dict, or {"error": ...}."""
    py = sys.executable if lib == "tsrnn" else str(venv_python(lib))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if job.get("threads"):
        env.update({v: str(job["threads"]) for v in THREAD_VARS})
    if lib == "tsrnn":
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    try:
        r = subprocess.run([py, str(Path(__file__).resolve()), "--worker", json.dumps({**job, "lib": lib})],
                           capture_output=True, text=True, timeout=timeout, env=env)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [s for s in r.stdout.splitlines() if s.startswith(RESULT)]
    if r.returncode or not lines:
        return {"error": f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[-800:]}"}
    return json.loads(lines[-1][len(RESULT) :])


# ------------------------------------------------------------------------------ tables
def machine_line():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def speed_table(libs, labels, data, args):
    """Table 1: median windows per second and import seconds per library and cell; ratios tsrnn / peer."""
    rates = {(lib, c): [] for lib in libs for c in args.cells}
    imports = {lib: [] for lib in libs}
    errors = []
    for run in range(args.runs):
        for cell in args.cells:
            for lib in libs:
                res = run_job(lib, {"task": "speed", "cell": cell, "windows": args.windows, "data": data,
                                    "threads": args.threads}, args.timeout)
                if "error" in res:
                    errors.append(f"{lib} {cell} run {run + 1}: {res['error']}")
                    print(errors[-1], flush=True)
                    continue
                rates[lib, cell].append(res["rate"])
                imports[lib].append(res["import_s"])
                print(f"run {run + 1} {cell} {lib}: {res['rate']:,.0f} windows/s, import {res['import_s']:.2f} s",
                      flush=True)  # fmt: skip
    med = {k: statistics.median(v) if v else None for k, v in rates.items()}
    names = {"tsrnn": "tsrnn", "darts": f"{labels['darts']} BlockRNNModel" if "darts" in labels else "",
             "nf": labels.get("nf", "")}
    head = "| training windows per second | " + " | ".join(names[lib] for lib in libs) + " |"
    rows = [head, "|---" * (len(libs) + 1) + "|"]
    for cell in args.cells:
        cells = []
        for lib in libs:
            m, t = med[lib, cell], med["tsrnn", cell]
            if m is None:
                cells.append("failed")
            elif lib == "tsrnn" or t is None:
                cells.append(f"{m:,.0f}")
            else:
                cells.append(f"{m:,.0f} (tsrnn {t / m:.2f}x)")
        rows.append(f"| {cell.upper()} | " + " | ".join(cells) + " |")
    imp = [f"{statistics.median(imports[lib]):.2f}" if imports[lib] else "failed" for lib in libs]
    rows.append("| `import` seconds | " + " | ".join(imp) + " |")
    return rows, errors


def profile_lines(data, args):
    """tsrnn's shares of one warm fit's wall time (one process per cell)."""
    lines = []
    for cell in args.cells:
        res = run_job("tsrnn", {"task": "speed", "cell": cell, "windows": args.windows, "data": data, "profile": True,
                            "threads": args.threads},
                      args.timeout)  # fmt: skip
        if "error" in res:
            lines.append(f"- {cell.upper()}: profile failed: {res['error']}")
            continue
        lines.append(
            f"- {cell.upper()}: fit {res['wall']:.2f} s wall ({res['epoch_s']:.2f} s in the epoch loop); inside the "
            f"compiled step (trainer.step: gradients, clip, Adam) {res.get('step', 0):.0%}, of which the recurrent "
            f"kernels' calls {res.get('recurrent', 0):.0%} and FusedStep.gradients {res.get('gradients', 0):.0%}; "
            f"the compiled gather {res.get('gather', 0):.0%}; step + gather "
            f"{res.get('step', 0) + res.get('gather', 0):.0%} (target >= 75%)"
        )  # fmt: skip
        print(lines[-1], flush=True)
    return lines


def accuracy_table(libs, labels, data, args):
    """Table 2: fit seconds and OWA of each library's default LSTM on the M4 Hourly test period."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from tsrnn import Naive2
    from tsrnn.metrics import mase, owa, smape

    train, test = read_data(data)
    naive2 = Naive2(season_length=24).fit(long_frame(train)).predict(HORIZON)
    n2 = wide(naive2, "Naive2")
    ref = smape(test, n2), mase(test, n2, y_train=train, season_length=24)
    rows = ["| default LSTM | fit seconds | sMAPE | MASE | OWA |", "|---|---|---|---|---|"]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for lib in libs:
            out = os.path.join(tmp, f"{lib}.npy")
            res = run_job(lib, {"task": "accuracy", "quick": args.quick, "data": data, "out": out,
                                    "threads": args.threads}, args.timeout)
            if "error" in res:
                errors.append(f"{lib} default LSTM: {res['error']}")
                print(errors[-1], flush=True)
                continue
            pred = np.load(out)
            s, m = smape(test, pred), mase(test, pred, y_train=train, season_length=24)
            name = {"tsrnn": "tsrnn RNNForecaster", "darts": f"{labels[lib]} BlockRNNModel(LSTM)",
                    "nf": f"{labels[lib]} LSTM"}[lib]
            rows.append(f"| {name} | {res['fit_s']:.1f} | {s:.3f} | {m:.3f} | {owa(s, m, *ref):.4f} |")
            print(rows[-1], flush=True)
    return rows, errors


def peers_available(args):
    """Libraries to run (tsrnn first), their table labels, and lines on the peers skipped or installed."""
    import numba
    import numpy as np

    libs, notes = ["tsrnn"], [f"tsrnn: this checkout, numpy {np.__version__}, numba {numba.__version__}"]
    labels = {"tsrnn": "tsrnn"}
    for peer in ("darts", "nf"):
        if peer not in args.peers:
            continue
        ok, text = setup(peer)
        if not ok:
            notes.append(f"{peer} skipped: it could not be installed ({text})")
            print(notes[-1], flush=True)
            continue
        found = versions(text, PEERS[peer][1])
        labels[peer] = PEERS[peer][2].format(**{k.replace("-", "_"): v for k, v in found.items()})
        notes.append(f"{peer}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
        libs.append(peer)
    return libs, labels, notes


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=2, help="alternating runs per library (table 1's medians)")
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    p.add_argument("--peers", nargs="*", default=["darts", "nf"], choices=["darts", "nf"],
                   help="peers to run beside tsrnn (none: tsrnn alone)")
    p.add_argument("--windows", type=int, default=10350, help="training windows per timed epoch (table 1)")
    p.add_argument("--series", type=int, default=None, help="first N series only (default: all 414)")
    p.add_argument("--tables", nargs="+", default=["speed", "accuracy"], choices=["speed", "accuracy"])
    p.add_argument("--profile", action="store_true", help="tsrnn's share of fit wall time in the compiled step")
    p.add_argument("--quick", action="store_true", help="smoke run: 16 series, 640 windows, 1 epoch / 5 steps")
    p.add_argument("--data", default=os.environ.get("TSRNN_DATA_HOME", str(ROOT.parent / "shared" / "datasets")))
    p.add_argument("--timeout", type=int, default=3600, help="seconds per process")
    p.add_argument("--threads", type=int, default=None,
                   help="threads of every library (OMP/MKL/OpenBLAS/numba); default: each library's own")
    p.add_argument("--setup-only", action="store_true")
    p.add_argument("--write", action="store_true", help="replace the 'peers' section of experiments/RESULTS.md")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    if args.quick:
        args.series, args.windows = args.series or 16, min(args.windows, 640)
    libs, labels, notes = peers_available(args)
    if args.setup_only:
        return print("\n".join(notes))
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "m4_hourly.npz")
        write_data(data, args.data, args.series)
        n_series = len(read_data(data)[0])
        threads = args.threads or "each library's default"
        text = ["## tsrnn against Darts and neuralforecast on M4 Hourly (`python experiments/bench_peers.py`)", "",
                f"Made on {datetime.date.today().isoformat()} ({machine_line()}; load average {load0:.2f} at the "
                f"start, LOAD_END at the end; threads: {threads}). Libraries: {'; '.join(notes)}."]  # fmt: skip
        errors = []
        if "speed" in args.tables:
            rows, err = speed_table(libs, labels, data, args)
            errors += err
            text += ["", (f"Training windows per second, the same network (one layer, hidden {HIDDEN}, input window "
                     f"{WINDOW}, {HORIZON} outputs, batch {BATCH}, float32; tsrnn's head reads the last state, Darts' and "
                     f"neuralforecast's linear layer each of the last {HORIZON}), {n_series} series, {args.windows:,} "
                     f"windows per timed epoch after a warm-up epoch, each library in its own process; median of "
                     f"{args.runs} alternating runs:"), "", *rows]  # fmt: skip
            if args.profile:
                text += ["", "tsrnn's fit under timers (`--profile`), share of the fit's wall time:", "",
                         *profile_lines(data, args)]  # fmt: skip
        if "accuracy" in args.tables:
            rows, err = accuracy_table(libs, labels, data, args)
            errors += err
            text += ["", (f"Each library's default LSTM on {n_series} M4 Hourly series"
                          f"{' (--quick: 1 epoch / 5 steps)' if args.quick else ''}: fit seconds and OWA of the "
                          "48-step test period (tsrnn.metrics, against tsrnn's Naive2). See the script's docstring "
                          "for the settings."), "", *rows]  # fmt: skip
        if errors:
            text += ["", "Failed:", *[f"- {e}" for e in errors]]
    out = "\n".join(text).replace("LOAD_END", f"{os.getloadavg()[0]:.2f}")
    print(out)
    if args.write:
        sys.path.insert(0, str(HERE))
        from _results import write_section

        write_section("peers", out)


if __name__ == "__main__":
    main()
