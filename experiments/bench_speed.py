"""Speed report: tsrnn against PyTorch on CPU, plus prediction, threading and cold-start figures.

    python experiments/bench_speed.py                  # full table (several minutes)
    python experiments/bench_speed.py --smoke          # tiny shapes, one repeat: checks the script runs

Every timing runs in its own subprocess (tsrnn and torch never share a process), the two
libraries alternate, and each figure is the median of ``--repeats`` runs. Rows: forward +
backward per batch at B=64, T=48, I=1, one layer, for each cell, H and dtype, with the ratio
torch/tsrnn (above 1: tsrnn faster), GFLOP/s (training counted as 6*G*B*T*H*(I+H) FLOPs),
the share of this machine's GEMM peak for the row's dtype (a 2048x2048 numpy matmul, measured
in the same run), and the bound: the ratio a kernel running every FLOP at that peak would
reach (a target above it cannot be met on this machine). Then: a recursive 48-step forecast
of one series (tsrnn's network vs the same loop in torch, and tsrnn's whole
RNNForecaster.predict), 2 threads against 1, and cold-start costs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def train_flops(cell, B, T, I, H):
    return 6.0 * GATES[cell] * B * T * H * (I + H)


def _median_time(fn, repeats, number):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return float(np.median(times))


# ------------------------------------------------------------------ workers (subprocesses)
def worker_layer(lib, cell, B, T, I, H, dtype, repeats, number):
    if lib == "tsrnn":
        from tsrnn.nn import GRU, LSTM, RNN

        m = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[cell](I, H, dtype=np.dtype(dtype), seed=0)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((B, T, I)).astype(dtype)
        d = rng.standard_normal((B, T, H)).astype(dtype)

        def step():
            m.forward(x)
            m.backward(d)

    else:
        import torch

        td = torch.float64 if dtype == "float64" else torch.float32
        m = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](I, H, batch_first=True).to(td)
        x = torch.randn(B, T, I, dtype=td, requires_grad=True)
        d = torch.randn(B, T, H, dtype=td)

        def step():
            m.zero_grad()
            out, _ = m(x)
            out.backward(d)

    for _ in range(3):
        step()
    return {"seconds": _median_time(step, repeats, number)}


def worker_predict(lib, H, repeats, number, steps=48, window=96):
    """Recursive forecast of one series: one forward over the window, then one step at a time."""
    if lib == "tsrnn":
        from tsrnn.nn import RecurrentRegressor

        model = RecurrentRegressor("lstm", 1, H, 1, seed=0)
        x = np.random.default_rng(0).standard_normal((1, window, 1)).astype(np.float32)

        def run():
            # As RNNForecaster(strategy="recursive").predict runs it: the window through the layers,
            # then the closed loop (every step, layers and head) in one kernel call.
            model.forecast(x, steps)

    else:
        import torch

        lstm = torch.nn.LSTM(1, H, batch_first=True)
        head = torch.nn.Linear(H, 1)
        x = torch.randn(1, window, 1)

        def run():
            with torch.no_grad():
                out, state = lstm(x)
                nxt = head(out[:, -1:, :])
                for _ in range(steps - 1):
                    out, state = lstm(nxt, state)
                    nxt = head(out)

    run()
    return {"seconds": _median_time(run, repeats, number)}


def worker_forecaster_predict(H, repeats, number, steps=48, window=96):
    """``RNNForecaster(strategy="recursive").predict(h=48)`` of one series: pandas in and out, every step included."""
    import pandas as pd

    import tsrnn

    y = pd.Series(np.sin(np.arange(400) / 4.0), index=pd.RangeIndex(400))
    f = tsrnn.RNNForecaster(cell="lstm", hidden_size=H, window=window, horizon=1, strategy="recursive", epochs=1,
                            windows_per_epoch=64, random_state=0).fit(y)  # fmt: skip
    f.predict(h=steps)
    return {"seconds": _median_time(lambda: f.predict(h=steps), repeats, number)}


def worker_coldstart():
    t0 = time.perf_counter()
    import tsrnn

    import_s = time.perf_counter() - t0
    import pandas as pd

    y = pd.Series(np.sin(np.arange(300) / 4.0), index=pd.RangeIndex(300))
    f = tsrnn.RNNForecaster(cell="gru", hidden_size=8, window=16, horizon=4, epochs=1, random_state=0)
    t0 = time.perf_counter()
    f.fit(y)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    f.fit(y)
    second = time.perf_counter() - t0
    return {"import_s": import_s, "first_fit_s": first, "second_fit_s": second}


def worker_coldcompile(cell):
    """Everything one cell needs, compiled from an empty cache (the caller points NUMBA_CACHE_DIR at one):
    ``tsrnn.warmup`` for the cell (forward, backward, optimizer), then a first small fit and predict."""
    import pandas as pd

    import tsrnn

    t0 = time.perf_counter()
    tsrnn.warmup(cells=[cell])
    warm = time.perf_counter() - t0
    y = pd.Series(np.sin(np.arange(300) / 4.0), index=pd.RangeIndex(300))
    f = tsrnn.RNNForecaster(cell=cell, hidden_size=8, window=16, horizon=4, epochs=1, random_state=0)
    f.fit(y).predict()
    return {"warmup_s": warm, "total_s": time.perf_counter() - t0}


def worker_grads(cell, B, T, I, H, dtype):
    """SHA-256 of the gradients of one forward + backward (for the thread-count check)."""
    import hashlib

    from tsrnn.nn import GRU, LSTM, RNN

    m = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[cell](I, H, dtype=np.dtype(dtype), seed=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I)).astype(dtype)
    d = rng.standard_normal((B, T, H)).astype(dtype)
    m.forward(x)
    dx = m.backward(d)
    dx = dx[0] if isinstance(dx, tuple) else dx
    blob = np.ascontiguousarray(m.flat_grads).tobytes() + np.ascontiguousarray(dx).tobytes()
    return {"sha": hashlib.sha256(blob).hexdigest()}


def worker_peak(dtype="float32"):
    a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(dtype)
    a @ a
    t = _median_time(lambda: a @ a, 5, 1)
    return {"gflops": 2 * 2048**3 / t / 1e9}


def _cpu_name():
    """The CPU model from /proc/cpuinfo where there is one, else what platform knows."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _run(args_list, env=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(args_list)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        return {"error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_of_runs(spec, runs, env=None):
    values = [_run(spec, env) for _ in range(runs)]
    errors = [v["error"] for v in values if "error" in v]
    if errors:
        return {"error": errors[0]}
    return {"seconds": float(np.median([v["seconds"] for v in values]))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--smoke", action="store_true", help="tiny shapes, one run: check that the script works")
    p.add_argument("--cells", nargs="+", default=["rnn", "gru", "lstm"])
    p.add_argument("--hidden", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    p.add_argument("--runs", type=int, default=5, help="subprocess runs per figure (median)")
    p.add_argument("--no-write", action="store_true", help="do not write the table to experiments/RESULTS.md")
    args = p.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        kind = spec.pop(0)
        fn = {"layer": worker_layer, "predict": worker_predict, "coldstart": worker_coldstart,
              "forecaster_predict": worker_forecaster_predict, "peak": worker_peak,
              "coldcompile": worker_coldcompile, "grads": worker_grads}[kind]
        print(json.dumps(fn(*spec)))
        return 0

    out_lines = []

    def emit(line=""):
        """Print a line and keep it for the RESULTS.md section."""
        out_lines.append(str(line))
        print(line, flush=True)

    B, T, I = (4, 6, 1) if args.smoke else (64, 48, 1)
    hidden = [8] if args.smoke else args.hidden
    dtypes = ["float32"] if args.smoke else args.dtypes
    runs = 1 if args.smoke else args.runs
    repeats, number = (1, 1) if args.smoke else (5, 10)
    peak = {dt: _run(["peak", dt]).get("gflops", float("nan")) for dt in ("float32", "float64")}
    peak_gf = peak["float32"]
    emit(f"# tsrnn vs torch on CPU, forward+backward per batch, B={B} T={T} I={I}, one layer")
    emit(f"# machine: {_cpu_name()}, {os.cpu_count()} CPUs, {platform.system()}, Python {platform.python_version()}; "
          f"{datetime.datetime.now():%Y-%m-%d %H:%M}; GEMM peak (2048x2048 numpy matmul) float32 {peak_gf:.1f}, "
          f"float64 {peak['float64']:.1f} GFLOP/s")  # fmt: skip
    emit("# % peak: of the row's dtype; bound: the ratio a kernel running all its FLOPs at that peak would reach")
    emit(f"{'cell':5} {'H':>4} {'dtype':8} {'tsrnn ms':>9} {'torch ms':>9} {'ratio':>6} {'GF/s':>7} {'% peak':>7} "
         f"{'bound':>6}")  # fmt: skip
    for cell in args.cells:
        for dtype in dtypes:
            for H in hidden:
                res = {}
                # Alternate the libraries run by run so drifts in machine load hit both alike.
                samples = {"tsrnn": [], "torch": []}
                for _ in range(runs):
                    for lib in ("tsrnn", "torch"):
                        r = _run(["layer", lib, cell, B, T, I, H, dtype, repeats, number])
                        samples[lib].append(r)
                for lib, vals in samples.items():
                    errs = [v["error"] for v in vals if "error" in v]
                    res[lib] = float("nan") if errs else float(np.median([v["seconds"] for v in vals]))
                a, b = res["tsrnn"], res["torch"]
                gf = train_flops(cell, B, T, I, H) / a / 1e9
                at_peak = train_flops(cell, B, T, I, H) / (peak[dtype] * 1e9)
                emit(f"{cell:5} {H:4d} {dtype:8} {a * 1e3:9.3f} {b * 1e3:9.3f} {b / a:6.2f} {gf:7.2f} "
                      f"{100 * gf / peak[dtype]:6.1f}% {b / at_peak:6.1f}")  # fmt: skip
    ph = 8 if args.smoke else 64
    pred = {lib: _median_of_runs(["predict", lib, ph, repeats, number], runs) for lib in ("tsrnn", "torch")}
    a, b = pred["tsrnn"].get("seconds", float("nan")), pred["torch"].get("seconds", float("nan"))
    emit(f"# recursive 48-step forecast of one series (LSTM H={ph}, window 96): tsrnn {a * 1e3:.2f} ms, "
          f"torch {b * 1e3:.2f} ms, ratio {b / a:.1f}")  # fmt: skip
    fp = _median_of_runs(["forecaster_predict", ph, repeats, number], runs).get("seconds", float("nan"))
    emit(f"# the same through RNNForecaster(strategy='recursive').predict(h=48), pandas in and out: {fp * 1e3:.2f} ms, "
          f"ratio to torch's bare loop {b / fp:.1f}")  # fmt: skip
    threads = {}
    th = 8 if args.smoke else 64
    for n in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(n))
        threads[n] = _median_of_runs(["layer", "tsrnn", "gru", B, T, I, th, "float32",
                                      repeats, number], runs, env).get("seconds", float("nan"))  # fmt: skip
    emit(f"# threads (GRU H={th} float32): 1 thread {threads[1] * 1e3:.2f} ms, 2 threads {threads[2] * 1e3:.2f} ms, "
          f"speed-up {threads[1] / threads[2]:.2f}")  # fmt: skip
    same = []
    for cell in args.cells:
        shas = [_run(["grads", cell, B, T, I, th, "float32"], dict(os.environ, NUMBA_NUM_THREADS=str(n)))
                for n in (1, 2)]  # fmt: skip
        same.append(f"{cell} {'yes' if shas[0].get('sha') and shas[0] == shas[1] else 'NO'}")
    emit(f"# gradients bit-identical with 1 and 2 threads (H={th} float32): " + ", ".join(same))
    import tempfile

    for cell in args.cells[:1] if args.smoke else args.cells:
        with tempfile.TemporaryDirectory() as cache:
            cc = _run(["coldcompile", cell], dict(os.environ, NUMBA_CACHE_DIR=cache))
        if "error" in cc:
            emit(f"# cold compile {cell} failed: {cc['error']}")
        else:
            emit(f"# cold compile of {cell} (empty cache): warmup {cc['warmup_s']:.1f} s, with a first small fit and "
                  f"predict {cc['total_s']:.1f} s")  # fmt: skip
    cold = _run(["coldstart"])
    if "error" in cold:
        emit(f"# cold start failed: {cold['error']}")
    else:
        emit(f"# cold start (warm on-disk cache): import tsrnn {cold['import_s'] * 1e3:.0f} ms; first fit "
              f"{cold['first_fit_s']:.2f} s, second fit {cold['second_fit_s']:.2f} s "
              f"(first - second = {cold['first_fit_s'] - cold['second_fit_s']:.2f} s)")  # fmt: skip
    import importlib.metadata as md

    try:
        torch_version = md.version("torch")
    except md.PackageNotFoundError:
        torch_version = "not installed"
    emit(f"# numba {md.version('numba')}, numpy {np.__version__}, torch {torch_version}")
    if not (args.smoke or args.no_write):
        sys.path.insert(0, HERE)
        from _results import write_section

        cmd = " ".join(["python experiments/bench_speed.py", *(sys.argv[1:] if argv is None else argv)])
        write_section("speed", "## Speed: tsrnn against PyTorch on CPU\n\n"
                      f"Made by `{cmd}`. Ratio = torch time / tsrnn time (above 1: tsrnn faster); each figure the "
                      f"median of {runs} subprocess runs, the two libraries alternating.\n\n```text\n"
                      + "\n".join(out_lines) + "\n```\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
