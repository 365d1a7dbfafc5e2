"""Forward+backward time per batch: tsrnn's RNN/LSTM/GRU layers against PyTorch's.

Each measurement runs in its own subprocess (tsrnn and torch never share a process: their
thread pools interfere), with the same shapes, dtype and thread count. Prints one row per
(cell, H) with milliseconds per batch, GFLOP/s and the ratio torch_time / tsrnn_time
(above 1: tsrnn is faster), then the machine and the date.

Usage (torch from the optional extra: ``pip install -e .[torch]``)::

    python experiments/bench_layers.py                 # B=64, T=48, I=1, H in 16 64 256, float32
    python experiments/bench_layers.py --dtype float64 --hidden 16 64
    NUMBA_NUM_THREADS=1 python experiments/bench_layers.py --clock cpu --no-torch   # busy machine

``--clock cpu`` times with the process's CPU time instead of the wall clock: on a machine
shared with other jobs it is much steadier, and with one thread (``NUMBA_NUM_THREADS=1``,
torch: ``--torch-threads 1``) it is the single-core cost. tsrnn's forward and backward are
also reported apart (``fwd ms``, ``bwd ms``: medians of separately timed calls).

FLOPs counted: the matrix products only, 2*B*T*G*H*(I+H) for the forward pass and twice
that for the backward pass (input/state gradients and weight gradients), G = 1, 4, 3 gates.
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

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def flops(cell, B, T, I, H):
    fwd = 2.0 * B * T * GATES[cell] * H * (I + H)
    return 3.0 * fwd


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _timeit(fn, repeats, number, clock=time.perf_counter):
    best = []
    for _ in range(repeats):
        t0 = clock()
        for _ in range(number):
            fn()
        best.append((clock() - t0) / number)
    return float(np.median(best))


def _split_times(fwd, bwd, n, clock):
    """Medians of ``n`` separately timed forward and backward calls, in seconds."""
    tf, tb = [], []
    for _ in range(n):
        t0 = clock()
        fwd()
        t1 = clock()
        bwd()
        tb.append(clock() - t1)
        tf.append(t1 - t0)
    return float(np.median(tf)), float(np.median(tb))


def worker_tsrnn(cell, B, T, I, H, dtype, repeats, number, clock="wall"):
    t0 = time.perf_counter()
    from tsrnn.nn import GRU, LSTM, RNN

    cls = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[cell]
    m = cls(I, H, dtype=dtype, seed=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I)).astype(dtype)
    dout = rng.standard_normal((B, T, H)).astype(dtype)

    def step():
        m.forward(x)
        m.backward(dout)

    step()
    first_call = time.perf_counter() - t0
    for _ in range(3):
        step()
    clk = CLOCKS[clock]
    fwd_s, bwd_s = _split_times(lambda: m.forward(x), lambda: m.backward(dout), repeats * number, clk)
    return {"seconds": _timeit(step, repeats, number, clk), "fwd_s": fwd_s, "bwd_s": bwd_s, "first_call_s": first_call}


def worker_torch(cell, B, T, I, H, dtype, repeats, number, clock="wall", threads=None):
    t0 = time.perf_counter()
    import torch

    if threads:
        torch.set_num_threads(threads)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    m = cls(I, H, batch_first=True).to(tdtype)
    x = torch.randn(B, T, I, dtype=tdtype, requires_grad=True)
    dout = torch.randn(B, T, H, dtype=tdtype)

    def step():
        m.zero_grad()
        out, _ = m(x)
        out.backward(dout)

    step()
    first_call = time.perf_counter() - t0
    for _ in range(3):
        step()
    return {"seconds": _timeit(step, repeats, number, CLOCKS[clock]), "first_call_s": first_call,
            "torch": torch.__version__, "threads": torch.get_num_threads()}  # fmt: skip


def run_worker(lib, cell, args, H):
    cmd = [sys.executable, __file__, "--worker", lib, "--cell", cell, "--hidden", str(H), "--batch", str(args.batch),
           "--time", str(args.time), "--input", str(args.input), "--dtype", args.dtype, "--repeats", str(args.repeats),
           "--number", str(args.number), "--clock", args.clock]  # fmt: skip
    if lib == "torch" and args.torch_threads:
        cmd += ["--torch-threads", str(args.torch_threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine():
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", choices=["tsrnn", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--cell", default=None, choices=sorted(GATES))
    p.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"], choices=sorted(GATES))
    p.add_argument("--hidden", type=int, nargs="+", default=[16, 64, 256])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--time", type=int, default=48)
    p.add_argument("--input", type=int, default=1)
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--number", type=int, default=10)
    p.add_argument("--clock", default="wall", choices=sorted(CLOCKS), help="wall clock or process CPU time")
    p.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--no-torch", action="store_true", help="time tsrnn only")
    args = p.parse_args(argv)

    if args.worker:
        common = (args.cell, args.batch, args.time, args.input, args.hidden[0])
        if args.worker == "tsrnn":
            res = worker_tsrnn(*common, np.dtype(args.dtype).type, args.repeats, args.number, args.clock)
        else:
            res = worker_torch(*common, args.dtype, args.repeats, args.number, args.clock, args.torch_threads)
        print(json.dumps(res))
        return

    print(f"# tsrnn vs torch, forward+backward per batch: B={args.batch} T={args.time} I={args.input} {args.dtype}")
    print(f"# machine: {machine()}")
    print(f"# date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    print(f"# NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}; median of {args.repeats} x {args.number}; "
          f"clock: {args.clock}")  # fmt: skip
    header = (f"{'cell':5} {'H':>4} {'tsrnn ms':>9} {'fwd ms':>8} {'bwd ms':>8} {'torch ms':>9} {'tsrnn GF/s':>10} "
              f"{'torch GF/s':>10} {'torch/tsrnn':>11}")  # fmt: skip
    print(header)
    torch_version = None
    for cell in args.cells:
        for H in args.hidden:
            a = run_worker("tsrnn", cell, args, H)
            b = {} if args.no_torch else run_worker("torch", cell, args, H)
            f = flops(cell, args.batch, args.time, args.input, H)
            nan = float("nan")
            ta, tb = a.get("seconds", nan), b.get("seconds", nan)
            torch_version = b.get("torch", torch_version)
            print(f"{cell:5} {H:4d} {ta * 1e3:9.3f} {a.get('fwd_s', nan) * 1e3:8.3f} {a.get('bwd_s', nan) * 1e3:8.3f} "
                  f"{tb * 1e3:9.3f} {f / ta / 1e9:10.2f} {f / tb / 1e9:10.2f} {tb / ta:11.2f}")  # fmt: skip
            for lib, r in (("tsrnn", a), ("torch", b)):
                if "error" in r:
                    print(f"#   {lib} failed: {r['error']}")
    print(f"# torch {torch_version}")


if __name__ == "__main__":
    main()
