"""Forward+backward time per batch on the GPU: tsrnn's CUDA layers against PyTorch's cuDNN RNN/LSTM/GRU.

Each measurement runs in its own subprocess (tsrnn and torch never share a process or a
CUDA context), with the same shapes and dtype. Prints one row per (cell, B, H) with
milliseconds per batch, GFLOP/s and the ratio torch_time / tsrnn_time (above 1: tsrnn is
faster), the recurrent kernel tsrnn used (``persistent``: one launch, W_hh in shared
memory; ``step``: one launch per step), then the GPU, the versions and the date. Inputs
and output gradients are uploaded once; each timed step is ``forward`` + ``backward`` on
device arrays, followed by a device synchronization.

Where there is no CUDA GPU (or under NUMBA_ENABLE_CUDASIM=1, which is not a GPU), it
prints one line saying so and exits with status 0: nothing is measured.

Usage (``pip install -e .[cuda,torch]`` with a CUDA build of torch)::

    python experiments/bench_cuda.py                  # T=48, I=1, B in 64 1024, H in 64 256, float32
    python experiments/bench_cuda.py --path step      # force the per-step kernels
    python experiments/bench_cuda.py --cells lstm --batch 64 --hidden 32 48 64

FLOPs counted: the matrix products only, 2*B*T*G*H*(I+H) for the forward pass and twice
that for the backward pass, G = 1, 4, 3 gates (as experiments/bench_layers.py).
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
    return 3.0 * 2.0 * B * T * GATES[cell] * H * (I + H)


def _timeit(fn, sync, repeats, number):
    runs = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        runs.append((time.perf_counter() - t0) / number)
    return float(np.median(runs))


def probe_tsrnn():
    from numba import cuda

    if not cuda.is_available():
        return {"gpu": False}
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    import numba

    return {"gpu": True, "device": name, "cc": list(dev.compute_capability), "numba": numba.__version__,
            "numba_cuda": getattr(cuda, "implementation", "?")}  # fmt: skip


def probe_torch():
    import torch

    if not torch.cuda.is_available():
        return {"gpu": False, "torch": torch.__version__}
    return {"gpu": True, "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "cudnn": torch.backends.cudnn.version()}  # fmt: skip


def worker_tsrnn(cell, B, T, I, H, dtype, repeats, number, path):
    t0 = time.perf_counter()
    from numba import cuda

    from tsrnn.kernels.cuda import choose_path
    from tsrnn.nn import GRU, LSTM, RNN

    cls = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[cell]
    m = cls(I, H, dtype=dtype, seed=0, device="cuda")
    m._cuda_path = path
    rng = np.random.default_rng(0)
    x = cuda.to_device(rng.standard_normal((B, T, I)).astype(dtype))
    dout = cuda.to_device(rng.standard_normal((B, T, H)).astype(dtype))

    def step():
        m.forward(x)
        m.backward(dout)

    step()
    cuda.synchronize()
    first_call = time.perf_counter() - t0
    for _ in range(3):
        step()
    seconds = _timeit(step, cuda.synchronize, repeats, number)
    return {"seconds": seconds, "first_call_s": first_call, "path": choose_path(cell, H, dtype, path)}


def worker_torch(cell, B, T, I, H, dtype, repeats, number, path):
    t0 = time.perf_counter()
    import torch

    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    m = cls(I, H, batch_first=True).to(device="cuda", dtype=tdtype)
    x = torch.randn(B, T, I, dtype=tdtype, device="cuda", requires_grad=True)
    dout = torch.randn(B, T, H, dtype=tdtype, device="cuda")

    def step():
        m.zero_grad()
        out, _ = m(x)
        out.backward(dout)

    step()
    torch.cuda.synchronize()
    first_call = time.perf_counter() - t0
    for _ in range(3):
        step()
    seconds = _timeit(step, torch.cuda.synchronize, repeats, number)
    return {"seconds": seconds, "first_call_s": first_call, "cudnn": bool(torch.backends.cudnn.enabled)}


def _run(args_list):
    proc = subprocess.run([sys.executable, __file__, *args_list], capture_output=True, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", choices=["tsrnn", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--probe", choices=["tsrnn", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--cell", default=None, choices=sorted(GATES), help=argparse.SUPPRESS)
    p.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"], choices=sorted(GATES))
    p.add_argument("--batch", type=int, nargs="+", default=[64, 1024])
    p.add_argument("--hidden", type=int, nargs="+", default=[64, 256])
    p.add_argument("--time", type=int, default=48)
    p.add_argument("--input", type=int, default=1)
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--path", default="auto", choices=["auto", "persistent", "step"],
                   help="tsrnn's recurrent kernel (default: persistent where W_hh fits in shared memory)")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--number", type=int, default=10)
    args = p.parse_args(argv)

    if args.probe:
        print(json.dumps(probe_tsrnn() if args.probe == "tsrnn" else probe_torch()))
        return 0
    if args.worker:
        fn = worker_tsrnn if args.worker == "tsrnn" else worker_torch
        res = fn(args.cell, args.batch[0], args.time, args.input, args.hidden[0], np.dtype(args.dtype).type,
                 args.repeats, args.number, args.path)  # fmt: skip
        print(json.dumps(res))
        return 0

    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        print("# no GPU: NUMBA_ENABLE_CUDASIM is set (the CUDA simulator is not a GPU); nothing measured")
        return 0
    probes = {lib: _run(["--probe", lib]) for lib in ("tsrnn", "torch")}
    have = {lib: bool(r.get("gpu")) for lib, r in probes.items()}
    if not have["tsrnn"]:
        why = probes["tsrnn"].get("error", "numba.cuda.is_available() is False")
        print(f"# no GPU: {why}; nothing measured (tsrnn's CUDA timings need a machine with a CUDA GPU)")
        return 0

    info = probes["tsrnn"]
    print(f"# tsrnn CUDA vs torch cuDNN, forward+backward per batch: T={args.time} I={args.input} {args.dtype}, "
          f"tsrnn path={args.path}")  # fmt: skip
    print(f"# GPU: {info['device']} (compute capability {'.'.join(map(str, info['cc']))}); "
          f"host: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"{platform.system()} {platform.release()}, Python {platform.python_version()}")  # fmt: skip
    torch_info = probes["torch"]
    torch_text = (f"torch {torch_info.get('torch')}, cuDNN {torch_info.get('cudnn')}" if have["torch"]
                  else f"torch: no GPU ({torch_info.get('error', 'torch.cuda.is_available() is False')})")  # fmt: skip
    print(f"# numba {info['numba']} ({info['numba_cuda']} numba.cuda); {torch_text}")
    print(f"# date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; median of {args.repeats} x {args.number}")
    print(f"{'cell':5} {'B':>5} {'H':>4} {'path':>10} {'tsrnn ms':>9} {'torch ms':>9} {'tsrnn GF/s':>10} "
          f"{'torch GF/s':>10} {'torch/tsrnn':>11}")  # fmt: skip
    for cell in args.cells:
        for B in args.batch:
            for H in args.hidden:
                common = ["--cell", cell, "--batch", str(B), "--hidden", str(H), "--time", str(args.time),
                          "--input", str(args.input), "--dtype", args.dtype, "--path", args.path,
                          "--repeats", str(args.repeats), "--number", str(args.number)]  # fmt: skip
                a = _run(["--worker", "tsrnn", *common])
                b = _run(["--worker", "torch", *common]) if have["torch"] else {"error": "no GPU for torch"}
                f = flops(cell, B, args.time, args.input, H)
                ta = a.get("seconds", float("nan"))
                tb = b.get("seconds", float("nan"))
                print(f"{cell:5} {B:5d} {H:4d} {a.get('path', '-'):>10} {ta * 1e3:9.3f} {tb * 1e3:9.3f} "
                      f"{f / ta / 1e9:10.2f} {f / tb / 1e9:10.2f} {tb / ta:11.2f}", flush=True)  # fmt: skip
                for lib, r in (("tsrnn", a), ("torch", b)):
                    if "error" in r:
                        print(f"#   {lib} failed: {r['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
