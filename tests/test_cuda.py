"""CUDA kernels (tsrnn.kernels.cuda) and the layers' ``device=`` option.

CI has no GPU. The CUDA kernels are checked under numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``), which must be on before numba is first imported: the checks
therefore run in worker subprocesses (this file run as a script), started together the
first time a simulator test needs them, and the other tests of the pytest process keep the
ordinary numba. Every check compares the CUDA kernels' outputs and gradients with the CPU
kernels' on tiny shapes, elementwise ``|cuda - cpu| <= atol + |cpu| * rtol`` with rtol 1e-5
(float32) and 1e-10 (float64). The kernels use no warp intrinsics, so the simulator runs
the very code a GPU runs.

Where numba sees a real GPU, the same checks run on it too (``test_on_gpu``); elsewhere
those tests skip and say why. ``test_kernels_compile_to_ptx`` compiles every kernel for
sm_90 where the CUDA compiler (NVVM) is installed, GPU or not: the simulator runs Python,
so only this shows that numba can type and lower the kernels.

Run one check by hand: ``NUMBA_ENABLE_CUDASIM=1 python tests/test_cuda.py --run layer-lstm-float32-step``.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
DTYPES = {"float32": np.float32, "float64": np.float64}
# atol: float32 errors seen under the simulator are below 3e-7.
TOL = {np.float32: dict(atol=2e-6, rtol=1e-5), np.float64: dict(atol=1e-12, rtol=1e-10)}
B, T, I, H = 3, 4, 2, 5
WORKER_TIMEOUT_S = 900


# =============================================================================== checks
# Each check runs in a worker process where numba.cuda is the simulator (or a real GPU).


def _layer_cls(cell):
    from tsrnn.nn import GRU, LSTM, RNN

    return {"lstm": LSTM, "gru": GRU}.get(cell, RNN)


def _layer_kwargs(cell):
    return {"nonlinearity": cell.split("_")[1]} if cell.startswith("rnn") else {}


def _case(cell, dtype, Bc, Tc, L, seed=5):
    """A CPU layer with random biases, and inputs, states and output gradients."""
    from helpers import layer_for

    rng = np.random.default_rng(seed)
    cpu = layer_for(cell, I, H, L, dtype, seed=seed)
    for name, p in cpu.params.items():
        if name.startswith("bias"):
            p[...] = rng.uniform(-0.5, 0.5, p.shape)
    x = rng.standard_normal((Bc, Tc, I)).astype(dtype)
    n = 2 if cell == "lstm" else 1
    states = [(rng.standard_normal((L, Bc, H)) * 0.5).astype(dtype) for _ in range(n)]
    dstates = [rng.standard_normal((L, Bc, H)).astype(dtype) for _ in range(n)]
    dout = rng.standard_normal((Bc, Tc, H)).astype(dtype)
    pack = (lambda s: tuple(s)) if n == 2 else (lambda s: s[0])
    return cpu, x, pack(states), dout, pack(dstates)


def _results(cell, out, fin, dx, d0, grads, host):
    res = {"out": out, "dx": dx}
    if cell == "lstm":
        res.update(h=fin[0], c=fin[1], dh0=d0[0], dc0=d0[1])
    else:
        res.update(h=fin, dh0=d0)
    res.update({f"grad.{k}": v for k, v in grads.items()})
    return {k: (v if host else v.copy_to_host()) for k, v in res.items()}


def _run_gpu_layer(cell, gpu, x, state, dout, dstate, device_io):
    from numba import cuda

    def dev(a):
        if not device_io:
            return a
        return tuple(cuda.to_device(p) for p in a) if isinstance(a, tuple) else cuda.to_device(a)

    gpu.zero_grad()
    out, fin = gpu.forward(dev(x), dev(state))
    dx, d0 = gpu.backward(dev(dout), dev(dstate), return_dstate=True)
    if device_io:
        assert not isinstance(out, np.ndarray) and hasattr(out, "copy_to_host"), "device in, device out"
    else:
        assert isinstance(out, np.ndarray) and isinstance(dx, np.ndarray), "NumPy in, NumPy out"
    grads = {k: g.copy_to_host() for k, g in gpu.grads.items()}
    res = _results(cell, out, fin, dx, d0, {}, host=not device_io)
    res.update({f"grad.{k}": v for k, v in grads.items()})
    return res


def _compare(got, want, dtype, what):
    from helpers import assert_close

    assert set(got) == set(want), f"{what}: keys differ {sorted(set(got) ^ set(want))}"
    for key in want:
        assert np.asarray(got[key]).dtype == np.dtype(dtype), f"{what} {key}: dtype {np.asarray(got[key]).dtype}"
        assert_close(got[key], want[key], what=f"{what} {key}", **TOL[dtype])


def check_layer(cell, dtype_name, path, Bc=B, Tc=T, L=1, device_io=False):
    """forward + backward of a CUDA layer equal the CPU layer's: outputs, final states, every gradient."""
    from helpers import run_tsrnn

    dtype = DTYPES[dtype_name]
    cpu, x, state, dout, dstate = _case(cell, dtype, Bc, Tc, L)
    gpu = _layer_cls(cell)(I, H, L, dtype=dtype, seed=1, device="cuda", **_layer_kwargs(cell))
    gpu._cuda_path = path
    gpu.load_state_dict(cpu.state_dict())
    want = run_tsrnn(cell, cpu, x, state, dout, dstate)
    got = _run_gpu_layer(cell, gpu, x, state, dout, dstate, device_io)
    _compare(got, want, dtype, f"{cell} {dtype_name} {path} L={L} B={Bc} T={Tc}")


class _FixedDraws:
    """Stands in for a layer's dropout generator: draws that reproduce a given keep mask."""

    def __init__(self, masks):
        self.masks = list(masks)

    def random(self, shape):
        mask = self.masks.pop(0)
        assert mask.shape == shape
        return np.where(mask > 0, 0.0, 1.0)


def check_dropout():
    """Dropout between layers on the GPU: masks of 0 and 1/keep, reproducible, and the CPU result under the same mask."""
    from helpers import run_tsrnn
    from numba import cuda

    from tsrnn.kernels.cuda.training import dropout_mask
    from tsrnn.nn import RNN

    dtype = np.float64
    cpu, x, state, dout, dstate = _case("rnn_tanh", dtype, B, T, 2)
    gpu = RNN(I, H, 2, dtype=dtype, seed=3, dropout=0.5, device="cuda").train()
    gpu.load_state_dict(cpu.state_dict())
    got = _run_gpu_layer("rnn_tanh", gpu, x, state, dout, dstate, device_io=False)
    mask = gpu._cache[0]["mask"].copy_to_host()
    assert set(np.unique(mask)) == {0.0, 2.0}, f"mask values {np.unique(mask)}"
    cpu.dropout = 0.5
    cpu.train()
    cpu._dropout_rng = _FixedDraws([mask])
    want = run_tsrnn("rnn_tanh", cpu, x, state, dout, dstate)
    _compare(got, want, dtype, "rnn dropout")
    masks = []
    for seed in (7, 7, 8):
        m = cuda.device_array((40, 50), dtype=np.float32)
        dropout_mask(m, seed, 0.8)
        masks.append(m.copy_to_host())
    np.testing.assert_array_equal(masks[0], masks[1], err_msg="same seed, different masks")
    assert np.any(masks[0] != masks[2]), "different seeds, same mask"
    kept = float(np.mean(masks[0] > 0))
    assert 0.75 < kept < 0.85 and set(np.unique(masks[0])) == {0.0, np.float32(1 / 0.8)}, kept


def check_gemm_tiles():
    """The tiled GEMM at TILE=16 with M, N, K not multiples of the tile, every transpose, with bias and accumulation."""
    from helpers import assert_close
    from numba import cuda

    from tsrnn.kernels.cuda._blas import gemm

    rng = np.random.default_rng(0)
    M, N, K = 17, 16, 20
    for trans_a, trans_b, accumulate, with_bias in ((0, 0, 1, 0), (0, 1, 0, 1), (1, 0, 1, 0), (1, 1, 0, 1)):
        a = rng.standard_normal((K, M) if trans_a else (M, K)).astype(np.float32)
        b = rng.standard_normal((N, K) if trans_b else (K, N)).astype(np.float32)
        c0 = rng.standard_normal((M, N)).astype(np.float32)
        bias = rng.standard_normal(N).astype(np.float32)
        want = (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b)
        want = want + (bias if with_bias else 0) + (c0 if accumulate else 0)
        c = cuda.to_device(c0)
        gemm(c, cuda.to_device(a), cuda.to_device(b), trans_a=bool(trans_a), trans_b=bool(trans_b),
             accumulate=bool(accumulate), bias=cuda.to_device(bias) if with_bias else None)  # fmt: skip
        assert_close(c.copy_to_host(), want, what=f"gemm ta={trans_a} tb={trans_b}", atol=1e-5, rtol=1e-5)


def check_column_sums():
    """Bias gradients: one pass below ROWS_PER_PART rows, two fixed stages above; same bits on every run."""
    from helpers import assert_close
    from numba import cuda

    from tsrnn.kernels.cuda._blas import add_column_sums

    rng = np.random.default_rng(1)
    d = rng.standard_normal((10, 7))
    db0 = rng.standard_normal(7)
    for rows_per_part in (256, 4, 3):
        db = cuda.to_device(db0)
        add_column_sums(db, cuda.to_device(d), rows_per_part=rows_per_part)
        assert_close(db.copy_to_host(), db0 + d.sum(0), what=f"column sums, {rows_per_part} rows per part",
                     atol=1e-14, rtol=1e-14)  # fmt: skip


def check_optimizers():
    """Adam/AdamW, SGD (momentum, Nesterov, dampening), sum of squares and scaling equal the CPU kernels."""
    from helpers import assert_close
    from numba import cuda

    from tsrnn.kernels import optim as cpu
    from tsrnn.kernels.cuda import training as gpu

    rng = np.random.default_rng(2)
    n = 300
    for dtype in (np.float32, np.float64):
        p0, g = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
        for decoupled in (True, False):
            pc, mc, vc = p0.copy(), np.zeros(n, dtype), np.zeros(n, dtype)
            pd, md, vd, gd = (cuda.to_device(a) for a in (p0, np.zeros(n, dtype), np.zeros(n, dtype), g))
            for step in (1, 2, 3):
                cpu.adam_update(pc, g, mc, vc, 1e-2, 0.9, 0.999, 1e-8, 0.01, decoupled, step)
                gpu.adam_update(pd, gd, md, vd, 1e-2, 0.9, 0.999, 1e-8, 0.01, decoupled, step)
            for name, got, want in (("p", pd, pc), ("m", md, mc), ("v", vd, vc)):
                assert_close(got.copy_to_host(), want, what=f"adam {dtype.__name__} decoupled={decoupled} {name}",
                             **TOL[dtype])  # fmt: skip
        for momentum, nesterov, dampening in ((0.0, False, 0.0), (0.9, False, 0.1), (0.9, True, 0.0)):
            pc, bc = p0.copy(), np.zeros(n, dtype)
            pd, bd, gd = cuda.to_device(p0), cuda.to_device(np.zeros(n, dtype)), cuda.to_device(g)
            for first in (True, False):
                cpu.sgd_update(pc, g, bc, 0.05, momentum, 1e-3, nesterov, dampening, first)
                gpu.sgd_update(pd, gd, bd, 0.05, momentum, 1e-3, nesterov, dampening, first)
            what = f"sgd {dtype.__name__} momentum={momentum} nesterov={nesterov}"
            assert_close(pd.copy_to_host(), pc, what=what + " p", **TOL[dtype])
            assert_close(bd.copy_to_host(), bc, what=what + " buf", **TOL[dtype])
        gd = cuda.to_device(g)
        assert_close(gpu.sum_squares(gd), cpu.sum_squares(g), what="sum_squares", atol=0, rtol=1e-12)
        gpu.scale_(gd, 0.25)
        gc = g.copy()
        cpu.scale_(gc, 0.25)
        np.testing.assert_array_equal(gd.copy_to_host(), gc)
    bad = cuda.to_device(np.array([1.0, np.nan, 2.0]))
    assert not np.isfinite(gpu.sum_squares(bad)), "a NaN gradient must give a non-finite norm"


def check_losses():
    """MSE, MAE, Huber and pinball losses with weights (NaN targets masked): value and gradient as tsrnn.nn.losses."""
    from helpers import assert_close
    from numba import cuda

    from tsrnn.kernels.cuda.training import loss_and_grad
    from tsrnn.nn.losses import HuberLoss, MAELoss, MSELoss, PinballLoss

    rng = np.random.default_rng(3)
    n = 9
    for dtype in (np.float32, np.float64):
        target = rng.standard_normal(n)
        weight = rng.uniform(0.5, 2.0, n)
        weight[[2, 5]] = 0.0
        target[5] = np.nan
        cases = [("mse", MSELoss(), 1, None), ("mae", MAELoss(), 1, None), ("huber", HuberLoss(0.7), 1, None),
                 ("pinball", PinballLoss([0.1, 0.5, 0.9]), 3, np.array([0.1, 0.5, 0.9]))]  # fmt: skip
        for kind, loss, Q, qs in cases:
            pred = rng.standard_normal((n, Q)).astype(dtype)
            pred[0, 0] = target[0]  # the kink of MAE and pinball
            for w in (weight, None):
                tgt = target if w is not None else np.nan_to_num(target)
                value, dpred = loss(pred if Q > 1 else pred[:, 0], tgt, w)
                got = cuda.device_array((n, Q), dtype=dtype)
                total = None if w is None else float(w.sum()) * Q
                got_value = loss_and_grad(
                    kind, got, cuda.to_device(pred), cuda.to_device(tgt), None if w is None else cuda.to_device(w),
                    total=total, delta=getattr(loss, "delta", 1.0), quantiles=None if qs is None else cuda.to_device(qs),
                )  # fmt: skip
                what = f"{kind} {dtype.__name__} weighted={w is not None}"
                assert_close(got_value, value, what=what + " value", atol=1e-12, rtol=1e-12)
                assert_close(got.copy_to_host().reshape(dpred.shape), dpred, what=what + " dpred", **TOL[dtype])


def check_linear_head():
    """The dense head's forward and backward equal tsrnn.nn.Linear's."""
    from helpers import assert_close
    from numba import cuda

    from tsrnn.kernels.cuda.training import linear_backward, linear_forward
    from tsrnn.nn import Linear

    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64):
        head = Linear(5, 3, dtype=dtype, seed=0, init="torch")
        x = rng.standard_normal((2, 6, 5)).astype(dtype)
        dy = rng.standard_normal((2, 6, 3)).astype(dtype)
        head.zero_grad()
        y = head.forward(x)
        dx = head.backward(dy)
        w, b = cuda.to_device(head.params["weight"]), cuda.to_device(head.params["bias"])
        x2, dy2 = cuda.to_device(x.reshape(12, 5)), cuda.to_device(dy.reshape(12, 3))
        yd, dxd = cuda.device_array((12, 3), dtype), cuda.device_array((12, 5), dtype)
        dw, db = cuda.to_device(np.zeros((3, 5), dtype)), cuda.to_device(np.zeros(3, dtype))
        linear_forward(yd, x2, w, b)
        linear_backward(dxd, dw, db, dy2, x2, w)
        for name, got, want in (("y", yd, y), ("dx", dxd, dx), ("dW", dw, head.grads["weight"]),
                                ("db", db, head.grads["bias"])):  # fmt: skip
            assert_close(got.copy_to_host().reshape(want.shape), want, what=f"linear {dtype.__name__} {name}",
                         **TOL[dtype])  # fmt: skip


def check_closed_loop():
    """A closed-loop forecast of a model on the GPU (one forward per step) equals the CPU kernel's, baseline lags included."""
    from helpers import assert_close

    from tsrnn.nn import RecurrentRegressor
    from tsrnn.nn.recursive import closed_loop

    rng = np.random.default_rng(6)
    for cell in ("lstm", "gru", "rnn"):
        for dtype in (np.float32, np.float64):
            cpu, gpu = (RecurrentRegressor(cell, 1, H, 1, num_layers=2, dtype=dtype, seed=1, device=d)
                        for d in ("cpu", "cuda"))  # fmt: skip
            x = rng.standard_normal((3, T, 1)).astype(dtype)
            hist, lag = rng.standard_normal((3, 4, 1)), np.array([0, 1, 4])
            got, want = (closed_loop(m, out[:, -1], state, 5, hist, lag)
                         for m, (out, state) in ((m, m.forward(x)) for m in (gpu, cpu)))  # fmt: skip
            assert_close(got, want, what=f"closed loop {cell} {dtype.__name__}", **TOL[dtype])
            assert_close(gpu.forecast(x, 3), cpu.forecast(x, 3), what=f"forecast {cell} {dtype.__name__}", **TOL[dtype])


def check_parameters_on_device():
    """Same seed, same initial weights as on the CPU; state_dict/load_state_dict/zero_grad/reset on device buffers."""
    from tsrnn.nn import GRU, LSTM, RNN

    rng = np.random.default_rng(6)
    for cls in (LSTM, GRU, RNN):
        cpu = cls(I, H, 2, dtype=np.float32, seed=9)
        gpu = cls(I, H, 2, dtype=np.float32, seed=9, device="cuda")
        assert gpu.device == "cuda" and "device='cuda'" in repr(gpu), repr(gpu)
        assert gpu.num_parameters == cpu.num_parameters
        sd = gpu.state_dict()
        assert all(isinstance(v, np.ndarray) for v in sd.values())
        for k, v in cpu.state_dict().items():
            np.testing.assert_array_equal(sd[k], v, err_msg=f"{cls.__name__} init {k}")
        params, grads = gpu.parameters()[0]
        assert hasattr(params, "copy_to_host") and hasattr(grads, "copy_to_host"), "parameters() are device buffers"
        new = {k: (v + rng.standard_normal(v.shape)).astype(np.float32) for k, v in sd.items()}
        gpu.load_state_dict(new)
        for k, v in gpu.state_dict().items():
            np.testing.assert_array_equal(v, new[k])
        for bad in ({k: v for k, v in new.items() if k != "bias_hh_l1"}, {**new, "bias_hh_l1": new["bias_hh_l1"][:-1]},
                    {**new, "weight_ih_l0": new["weight_ih_l0"].astype(np.float64)}):  # fmt: skip
            try:
                gpu.load_state_dict(bad)
            except ValueError:
                pass
            else:
                raise AssertionError("a bad state_dict was accepted")
            for k, v in gpu.state_dict().items():
                np.testing.assert_array_equal(v, new[k], err_msg="a refused state_dict changed the weights")
        gpu.reset_parameters(4)
        cpu.reset_parameters(4)
        for k, v in cpu.state_dict().items():
            np.testing.assert_array_equal(gpu.state_dict()[k], v, err_msg=f"{cls.__name__} reset {k}")
    gpu = GRU(I, H, dtype=np.float32, seed=0, device="cuda")
    out, _ = gpu.forward(rng.standard_normal((B, T, I)).astype(np.float32))
    gpu.backward(np.ones_like(out))
    assert np.any(gpu.flat_grads.copy_to_host() != 0)
    gpu.zero_grad()
    assert not np.any(gpu.flat_grads.copy_to_host())


def check_bad_input():
    """Wrong shapes and dtypes, host or device, raise ValueError naming the argument; backward before forward raises."""
    from numba import cuda

    from tsrnn.nn import LSTM

    m = LSTM(I, H, dtype=np.float32, seed=0, device="cuda")
    x = np.zeros((B, T, I), np.float32)
    cases = [
        ("backward", lambda: m.backward(np.zeros((B, T, H), np.float32)), RuntimeError, "before forward"),
        ("x dtype", lambda: m.forward(x.astype(np.float64)), ValueError, "dtype"),
        ("x device dtype", lambda: m.forward(cuda.to_device(x.astype(np.float64))), ValueError, "dtype"),
        ("x device shape", lambda: m.forward(cuda.to_device(np.zeros((B, T, I + 1), np.float32))), ValueError, "I must be"),
        ("x NaN", lambda: m.forward(np.full((B, T, I), np.nan, np.float32)), ValueError, "NaN"),
        ("x empty", lambda: m.forward(np.zeros((0, T, I), np.float32)), ValueError, "at least one sequence"),
        ("state", lambda: m.forward(x, np.zeros((1, B, H), np.float32)), ValueError, "tuple (h, c)"),
        ("state shape", lambda: m.forward(x, (np.zeros((1, B, H + 1), np.float32),) * 2), ValueError, "H must be"),
    ]
    for what, call, exc, words in cases:
        try:
            call()
        except exc as e:
            assert words in str(e), f"{what}: message {str(e)!r} lacks {words!r}"
        else:
            raise AssertionError(f"{what}: no {exc.__name__}")
    m.forward(x)
    try:
        m.backward(cuda.to_device(np.zeros((B + 1, T, H), np.float32)))
    except ValueError as e:
        assert "dout" in str(e)
    else:
        raise AssertionError("dout of the wrong batch size was accepted")


def check_path_choice():
    """The persistent kernels are used where W_hh fits in shared memory, the per-step ones elsewhere."""
    from tsrnn.kernels.cuda import choose_path, persistent_rows

    f32, f64 = np.float32, np.float64
    assert persistent_rows("lstm", 48, f32) > 0 and persistent_rows("lstm", 64, f32) == 0
    assert persistent_rows("gru", 56, f32) > 0 and persistent_rows("gru", 64, f32) == 0
    assert persistent_rows("rnn", 64, f32) > 0 and persistent_rows("rnn", 256, f32) == 0
    assert persistent_rows("lstm", 32, f64) > 0 and persistent_rows("lstm", 48, f64) == 0
    assert persistent_rows("rnn", 5, f32) == 8 and persistent_rows("rnn", 100, f32) == 4
    assert choose_path("lstm", 5, f32) == "persistent" and choose_path("lstm", 64, f32) == "step"
    assert choose_path("lstm", 5, f32, "step") == "step"
    for args in (("lstm", 64, f32, "persistent"), ("lstm", 5, f32, "fast")):
        try:
            choose_path(*args)
        except ValueError:
            pass
        else:
            raise AssertionError(f"choose_path{args} did not raise")


CHECKS = {}
for _cell in CELLS:
    for _dt in DTYPES:
        for _path in ("step", "persistent"):
            CHECKS[f"layer-{_cell}-{_dt}-{_path}"] = functools.partial(check_layer, _cell, _dt, _path)
# Two stacked layers, device arrays in and out (the plumbing is the same for every cell).
for _cell in ("lstm", "gru"):
    CHECKS[f"stacked-device-io-{_cell}"] = functools.partial(check_layer, _cell, "float64", "auto", L=2, device_io=True)
# Two blocks of the persistent kernels, the second one partly idle.
CHECKS["persistent-two-blocks-gru"] = functools.partial(check_layer, "gru", "float64", "persistent", Bc=10, Tc=2)
CHECKS["persistent-two-blocks-lstm"] = functools.partial(check_layer, "lstm", "float32", "persistent", Bc=10, Tc=2)
CHECKS.update({
    "dropout": check_dropout,
    "gemm-tiles": check_gemm_tiles,
    "column-sums": check_column_sums,
    "optimizers": check_optimizers,
    "losses": check_losses,
    "linear-head": check_linear_head,
    "closed-loop": check_closed_loop,
    "parameters-on-device": check_parameters_on_device,
    "bad-input": check_bad_input,
    "path-choice": check_path_choice,
})  # fmt: skip


# ============================================================================== workers
def _worker(out_path, names):
    """Run checks, write ``{name: [ok, message]}`` as JSON to ``out_path``."""
    import traceback

    sys.path.insert(0, str(HERE))
    results = {}
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                CHECKS[name]()
            results[name] = [True, ""]
        except Exception:  # noqa: BLE001 - reported to the parent test
            results[name] = [False, traceback.format_exc()[-4000:]]
    Path(out_path).write_text(json.dumps(results))


def _worker_env(simulator):
    env = dict(os.environ)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    else:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    return env


class _Workers:
    """Checks running in parallel worker processes; :meth:`results` waits for them."""

    def __init__(self, names, simulator):
        self._tmp = tempfile.TemporaryDirectory()
        n = max(1, min(4, os.cpu_count() or 1, len(names)))
        self._procs = []
        for i in range(n):
            group = names[i::n]
            out = Path(self._tmp.name) / f"worker{i}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(out), *group]
            proc = subprocess.Popen(cmd, env=_worker_env(simulator), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, cwd=str(HERE.parent))  # fmt: skip
            self._procs.append((group, out, proc))
        self._results = None

    def results(self):
        """``{name: (ok, message)}``."""
        if self._results is None:
            results = {}
            for group, out, proc in self._procs:
                try:
                    _, stderr = proc.communicate(timeout=WORKER_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, stderr = proc.communicate()
                if out.exists():
                    results.update({k: tuple(v) for k, v in json.loads(out.read_text()).items()})
                for name in group:
                    results.setdefault(name, (False, f"worker exited with status {proc.returncode}:\n{stderr[-4000:]}"))
            self._tmp.cleanup()
            self._results = results
        return self._results


class _PtxJob:
    """``tests/test_cuda.py --ptx`` in the background, or the reason it cannot run here."""

    def __init__(self):
        probe = "from numba import cuda, float32\ncuda.compile_ptx(lambda x: x, (float32,), device=True, cc=(9, 0))\n"
        env = _worker_env(simulator=False)
        found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
        self.skip_reason = None
        if found.returncode != 0:
            self.skip_reason = (
                "the CUDA compiler (NVVM) is not installed, so the kernels cannot be compiled to PTX here "
                "(pip install 'numba-cuda[cu12]' provides it, no GPU needed)"
            )
            return
        cmd = [sys.executable, str(Path(__file__).resolve()), "--ptx"]
        self._proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      cwd=str(HERE.parent))  # fmt: skip

    def result(self):
        """``(returncode, stdout, stderr)``."""
        try:
            out, err = self._proc.communicate(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            out, err = self._proc.communicate()
        return self._proc.returncode, out, err


@functools.cache
def _gpu_available_in_subprocess() -> bool:
    code = "from tsrnn.kernels.cuda import cuda_available; print(cuda_available())"
    env = _worker_env(simulator=False)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    return proc.returncode == 0 and proc.stdout.strip().endswith("True")


@pytest.fixture(scope="module")
def background(request):
    """Start the slow jobs the selected tests need, all at once, so that they run side by side."""
    selected = {item.originalname for item in request.session.items if item.module is request.module}
    jobs = {}
    if "test_under_cuda_simulator" in selected:
        jobs["simulator"] = _Workers(list(CHECKS), simulator=True)
    if "test_kernels_compile_to_ptx" in selected:
        jobs["ptx"] = _PtxJob()
    return jobs


@pytest.fixture(scope="module")
def gpu_results():
    if not _gpu_available_in_subprocess():
        pytest.skip(
            "no CUDA GPU found (numba.cuda.is_available() is False): the CUDA kernels are checked under "
            "NUMBA_ENABLE_CUDASIM=1 instead (test_under_cuda_simulator)"
        )
    return _Workers(list(CHECKS), simulator=False).results()


@pytest.mark.parametrize("name", list(CHECKS))
def test_under_cuda_simulator(name, background):
    ok, message = background["simulator"].results()[name]
    assert ok, f"{name} failed under NUMBA_ENABLE_CUDASIM=1:\n{message}"


@pytest.mark.parametrize("name", list(CHECKS))
def test_on_gpu(name, gpu_results):
    ok, message = gpu_results[name]
    assert ok, f"{name} failed on the GPU:\n{message}"


# ======================================================= the device option, no simulator
def _no_gpu_here():
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        pytest.skip("NUMBA_ENABLE_CUDASIM is set in the pytest process: the simulator counts as a GPU")
    from tsrnn.kernels.cuda import cuda_available

    if cuda_available():
        pytest.skip("a CUDA GPU is present: the no-GPU behaviour cannot be seen here")


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_cuda_without_gpu_raises_a_clear_error(cls):
    _no_gpu_here()
    import tsrnn.nn

    with pytest.raises(RuntimeError, match=r"no CUDA GPU found; use device='cpu'"):
        getattr(tsrnn.nn, cls)(1, 4, device="cuda")


def test_auto_falls_back_to_cpu_silently():
    _no_gpu_here()
    from tsrnn.nn import GRU

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = GRU(1, 4, seed=0, device="auto")
    assert m.device == "cpu"
    ref = GRU(1, 4, seed=0)
    x = np.ones((2, 3, 1), np.float32)
    np.testing.assert_array_equal(m.forward(x)[0], ref.forward(x)[0])


@pytest.mark.parametrize("device", ["gpu", "CUDA", None, 0])
def test_unknown_device_is_refused(device):
    from tsrnn.nn import LSTM

    with pytest.raises(ValueError, match=r"device=.* is not known; expected one of \('cpu', 'cuda', 'auto'\)"):
        LSTM(1, 4, device=device)


def test_cpu_layers_do_not_import_numba_cuda():
    code = (
        "import sys, numpy as np\n"
        "from tsrnn.nn import LSTM\n"
        "m = LSTM(1, 3, seed=0, device='cpu')\n"
        "out, _ = m.forward(np.ones((2, 4, 1), np.float32)); m.backward(out)\n"
        "print('numba.cuda' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_bench_cuda_without_gpu_says_so_and_exits_0():
    _no_gpu_here()
    script = HERE.parent / "experiments" / "bench_cuda.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines() == [
        "# no GPU: numba.cuda.is_available() is False; nothing measured "
        "(tsrnn's CUDA timings need a machine with a CUDA GPU)"
    ]


# ====================================================================== PTX compilation
def _compile_all_to_ptx():
    """Compile every kernel for compute capability 9.0; print ``compiled N`` or raise."""
    from types import SimpleNamespace

    import numba.cuda.dispatcher as dispatcher
    from numba import cuda, types

    from tsrnn.kernels.cuda import _blas, _persistent, _step, training

    # Device functions are compiled for "the current device": name one, since there may be no GPU.
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=(9, 0))
    b, i64, u64, f64 = types.boolean, types.int64, types.uint64, types.float64
    F64 = types.Array(f64, 1, "C")
    jobs = [("total", training._total, (F64, F64))]
    for dt, nb in ((np.float32, types.float32), (np.float64, types.float64)):
        dt = np.dtype(dt)

        def A(nd, nb=nb):
            return types.Array(nb, nd, "C")

        for flags in np.ndindex(2, 2, 2, 2):
            jobs.append(("gemm", _blas._gemm_kernel(dt, *map(bool, flags), 16), (A(2), A(2), A(2), A(1))))
        parts, add_parts, add_rows = _blas._colsum_kernels(dt)
        jobs += [("colsum", parts, (A(2), A(2), i64)), ("colsum", add_parts, (A(1), A(2))),
                 ("colsum", add_rows, (A(1), A(2))), ("copy", _blas._copy_kernel, (A(1), A(1))),
                 ("fill", _blas._fill_kernel, (A(1), nb)), ("multiply", _blas._multiply_kernel, (A(1),) * 3),
                 ("swap01", _blas._swap01_kernel, (A(3), A(3)))]  # fmt: skip
        s = _step.step_kernels(dt)
        jobs += [
            ("recurrent_grad", s.recurrent_grad, (A(2), A(2), A(2), b)),
            ("lstm step", s.lstm_forward_step, (A(3), A(3), A(3), A(2), A(1), i64, b)),
            ("lstm step", s.lstm_backward_step, (A(3), A(2), A(3), A(2), A(3), A(3), A(2), i64, b)),
            ("gru step", s.gru_forward_step, (A(3), A(3), A(3), A(2), A(1), i64, b)),
            ("gru step", s.gru_backward_step, (A(3), A(3), A(2), A(3), A(3), A(3), A(3), A(2), i64)),
            ("rnn step", s.rnn_forward_step, (A(3), A(3), A(2), A(1), i64, i64, b)),
            ("rnn step", s.rnn_backward_step, (A(3), A(3), A(2), A(3), A(2), i64, i64)),
        ]
        sigs = {
            "lstm": ((A(3), A(3), A(3), A(2), A(1), b), (A(3), A(2), A(2), A(3), A(2), A(2), A(3), A(3), A(2), b)),
            "gru": ((A(3), A(3), A(3), A(2), A(1), b), (A(3), A(3), A(2), A(3), A(2), A(3), A(3), A(3), A(2))),
            "rnn": ((A(3), A(3), A(2), A(1), i64, b), (A(3), A(2), A(3), A(2), A(3), A(2), i64)),
        }
        for cell, (fsig, bsig) in sigs.items():
            for Hp in (5, 32, 48):
                rows = _persistent.persistent_rows(cell, Hp, dt)
                if rows:
                    fwd, bwd = _persistent.persistent_kernels(cell, Hp, rows, dt)
                    jobs += [(f"{cell} persistent H={Hp}", fwd, fsig), (f"{cell} persistent H={Hp}", bwd, bsig)]
        jobs += [("block_sums", training._block_sums, (F64, A(1), b)), ("scale", training._scale_kernel, (A(1), f64)),
                 ("adam", training._adam_kernel, (A(1),) * 4 + (f64,) * 8 + (b,)),
                 ("sgd", training._sgd_kernel, (A(1),) * 3 + (f64, f64, f64, b, f64, b, b)),
                 ("loss", training._loss_kernel, (F64, A(2), A(2), A(1), A(1), F64, i64, f64, f64, b)),
                 ("dropout", training._dropout_kernel, (A(1), u64, f64, nb))]  # fmt: skip
    f64_in_f32_cells = []
    for what, kernel, sig in jobs:
        ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))
        if sig[0] == types.Array(types.float32, 3, "C") and ".f64" in ptx:
            f64_in_f32_cells.append(what)
    # float32 cells must not fall back to float64 arithmetic through a literal.
    assert not f64_in_f32_cells, f"float64 instructions in float32 cell kernels: {f64_in_f32_cells}"
    print(f"compiled {len(jobs)}")


def test_kernels_compile_to_ptx(background):
    job = background["ptx"]
    if job.skip_reason:
        pytest.skip(job.skip_reason)
    returncode, out, err = job.result()
    assert returncode == 0, err[-6000:]
    assert out.strip().splitlines()[-1].startswith("compiled")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], sys.argv[3:])
    elif sys.argv[1:2] == ["--ptx"]:
        _compile_all_to_ptx()
    elif sys.argv[1:2] == ["--run"]:
        sys.path.insert(0, str(HERE))
        for _name in sys.argv[2:]:
            CHECKS[_name]()
            print(f"{_name}: ok")
    else:
        sys.exit(f"usage: {sys.argv[0]} --worker OUT NAME... | --ptx | --run NAME...")
