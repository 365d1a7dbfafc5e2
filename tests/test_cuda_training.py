"""Device-resident training: ``RecurrentRegressor(device="cuda")`` with the head, losses, optimizers and TBPTT on the GPU.

CI has no GPU, so, as in tests/test_cuda.py, the checks run in worker subprocesses with
``NUMBA_ENABLE_CUDASIM=1`` (numba's CUDA simulator, which must be on before numba is first
imported), two workers side by side, started together the first time a simulator test needs
them. Every training check runs the same seeded model for a few optimizer steps on the CPU
and on the device and compares the parameters, the optimizer's moments, the losses and the
predictions elementwise, ``|cuda - cpu| <= atol + |cpu| * rtol`` with rtol 1e-5 (float32) and
1e-10 (float64). Where numba sees a real GPU, the same checks run there too (``test_on_gpu``).

The simulator runs one Python thread per CUDA thread, so the shapes are tiny (B=2, T=4, H=3).

Run one check by hand: ``NUMBA_ENABLE_CUDASIM=1 python tests/test_cuda_training.py --run windows-gru-float32-mse``.
"""

from __future__ import annotations

import functools
import hashlib
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
TOL = {np.float32: dict(atol=2e-6, rtol=1e-5), np.float64: dict(atol=1e-12, rtol=1e-10)}
B, T, I, H = 2, 4, 1, 3
WORKER_TIMEOUT_S = 900


# =============================================================================== checks
# Each check runs in a worker process where numba.cuda is the simulator (or a real GPU) and
# returns something JSON-able (compared across workers by the determinism test).


def _data(dtype, O, seed=0, T_=T):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T_, I)).astype(dtype)
    y = rng.standard_normal((B, T_, O)).astype(dtype)
    w = (rng.uniform(size=(B, T_, O)) > 0.25).astype(dtype)
    return x, y, w


def _setup(device, cell, dtype, O, loss, mode, k, clip_norm, adam):
    from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer

    model = RecurrentRegressor(cell, I, H, O, dtype=dtype, seed=11, device=device)
    opt = Adam(model.parameters(), **adam)
    return model, opt, TBPTTTrainer(model, loss, opt, mode=mode, k=k, clip_norm=clip_norm)


def _train(device, cell, dtype, O, loss, mode, k, clip_norm, adam, batches):
    model, opt, trainer = _setup(device, cell, dtype, O, loss, mode, k, clip_norm, adam)
    losses = [trainer.step(*batch) for batch in batches]
    model.eval()
    pred, state = model.forward(batches[0][0])
    assert isinstance(pred, np.ndarray), f"predictions came back as {type(pred).__name__}, not NumPy"
    assert all(isinstance(s, np.ndarray) for s in (state if isinstance(state, tuple) else (state,))), "state not NumPy"
    return model, opt, trainer, {"losses": np.array(losses), "pred": pred, "norm": np.array(trainer.last_grad_norm)}


def _compare(got, want, dtype, what):
    from helpers import assert_close

    for key in want:
        assert np.asarray(got[key]).dtype == np.asarray(want[key]).dtype, f"{what} {key}: dtype"
        assert_close(got[key], want[key], what=f"{what} {key}", **TOL[dtype])


def _snapshot(model, opt):
    out = {f"param.{k}": v for k, v in model.state_dict().items()}
    out.update({f"opt.{k}": v for k, v in opt.state_dict().items() if isinstance(v, np.ndarray)})
    return out


def _digest(arrays):
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()


class _Transfers:
    """Counts host-to-device copies and the bytes of every device-to-host copy (simulator or GPU)."""

    def __init__(self):
        from numba import cuda

        self.cuda = cuda
        self.uploads = []
        self.downloads = []

    def __enter__(self):
        cuda, uploads, downloads = self.cuda, self.uploads, self.downloads
        self._to_device = cuda.to_device
        sample = cuda.device_array(1)
        self._cls = type(sample)
        self._copy_to_host = self._cls.copy_to_host
        self._copy_to_device = self._cls.copy_to_device
        to_device, copy_to_host, copy_to_device = self._to_device, self._copy_to_host, self._copy_to_device
        inside = []  # to_device may call copy_to_device: count that copy once

        def counting_to_device(obj, *args, **kwargs):
            uploads.append(np.asarray(obj).nbytes)
            inside.append(True)
            try:
                return to_device(obj, *args, **kwargs)
            finally:
                inside.pop()

        def counting_copy_to_host(arr, *args, **kwargs):
            out = copy_to_host(arr, *args, **kwargs)
            downloads.append(out.nbytes)
            return out

        def counting_copy_to_device(arr, obj, *args, **kwargs):
            if not inside:
                uploads.append(np.asarray(obj).nbytes)
            return copy_to_device(arr, obj, *args, **kwargs)

        cuda.to_device = counting_to_device
        self._cls.copy_to_host = counting_copy_to_host
        self._cls.copy_to_device = counting_copy_to_device
        return self

    def __exit__(self, *exc):
        self.cuda.to_device = self._to_device
        self._cls.copy_to_host = self._copy_to_host
        self._cls.copy_to_device = self._copy_to_device


def check_parity(cell, dtype_name, O, loss, mode, k, clip_norm, adam, batches_spec, count_transfers=False):
    """The same seeded run on the CPU and on the device: parameters, moments, losses, norm and predictions agree."""
    dtype = {"float32": np.float32, "float64": np.float64}[dtype_name]
    batches = [_data(dtype, O, seed=s, T_=t) for s, t in batches_spec]
    args = (cell, dtype, O, loss, mode, k, clip_norm, adam)
    cpu_model, cpu_opt, _, want = _train("cpu", *args, batches)
    if count_transfers:
        model, opt, trainer = _setup("cuda", *args)
        trainer.step(*batches[0])  # first step: the kernels' one-time constants are set up
        with _Transfers() as seen:
            for batch in batches[1:]:
                trainer.step(*batch)
        n = len(batches) - 1
        assert len(seen.uploads) == 3 * n, f"{len(seen.uploads)} host-to-device copies in {n} steps, expected 3 each"
        assert max(seen.downloads) <= 8, f"device-to-host copies of {sorted(set(seen.downloads))} bytes during steps"
        return _digest(_snapshot(model, opt))
    model, opt, trainer, got = _train("cuda", *args, batches)
    assert model.device == "cuda" and opt.device == "cuda"
    params, _ = model.parameters()[0]
    assert not isinstance(params, np.ndarray) and hasattr(params, "copy_to_host"), "parameters left the device"
    assert not isinstance(opt._exp_avg[0], np.ndarray), "Adam's moments are not on the device"
    what = f"{cell} {dtype_name} {mode} {loss}"
    _compare(got, want, dtype, what)
    snap = _snapshot(model, opt)
    _compare(snap, _snapshot(cpu_model, cpu_opt), dtype, what)
    return _digest(snap)


def check_non_finite_loss():
    """A loss that overflows raises FloatingPointError naming the step; weights and optimizer state stay as they were."""
    from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer

    model = RecurrentRegressor("rnn", I, H, 1, dtype=np.float64, seed=0, device="cuda")
    opt = Adam(model.parameters(), lr=1e-3)
    trainer = TBPTTTrainer(model, "mse", opt, clip_norm=1.0)
    x, y, _ = _data(np.float64, 1)
    trainer.step(x, y)
    before = _snapshot(model, opt)
    try:
        with warnings.catch_warnings():  # the simulator computes on NumPy scalars, which warn on overflow
            warnings.simplefilter("ignore", RuntimeWarning)
            trainer.step(x, np.full_like(y, 1e300))  # finite targets whose squared error overflows
    except FloatingPointError as e:
        assert "at training step 2; the weights were not updated" in str(e), str(e)
    else:
        raise AssertionError("a non-finite loss did not raise")
    after = _snapshot(model, opt)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=f"{key} changed after a refused step")
    assert opt.step_count == 1 and trainer.steps == 1


def check_device_plumbing():
    """Device arrays in, device arrays out; optimizer state I/O on device buffers; mismatched sides refused."""
    from numba import cuda

    from tsrnn.nn import SGD, Adam, RecurrentRegressor, TBPTTTrainer, clip_grad_norm

    model = RecurrentRegressor("gru", I, H, 2, dtype=np.float32, seed=0, device="cuda")
    cpu = RecurrentRegressor("gru", I, H, 2, dtype=np.float32, seed=0)
    for key, value in cpu.state_dict().items():  # same seed, same initial weights
        np.testing.assert_array_equal(model.state_dict()[key], value, err_msg=key)
    x = _data(np.float32, 2)[0]
    y, state = model.forward(cuda.to_device(x))
    assert not isinstance(y, np.ndarray) and not isinstance(state, np.ndarray), "device in, device out"
    dx = model.backward(cuda.to_device(np.ones((B, T, 2), np.float32)))
    assert not isinstance(dx, np.ndarray)
    dx_host = model.backward(np.ones((B, T, 2), np.float32))
    assert isinstance(dx_host, np.ndarray) and dx_host.shape == (B, T, I)
    np.testing.assert_array_equal(dx_host, dx.copy_to_host())
    # Model state: NumPy in and out; a bad state_dict (bad head) leaves the layers as they were.
    new = {k: (v + 0.5).astype(np.float32) for k, v in cpu.state_dict().items()}
    model.load_state_dict(new)
    bad = dict(new, **{"head.bias": np.zeros(3, np.float32)})
    try:
        model.load_state_dict({k: v + 1 if k.startswith("rnn.") else v for k, v in bad.items()})
    except ValueError:
        pass
    else:
        raise AssertionError("a bad state_dict was accepted")
    for key, value in model.state_dict().items():
        assert isinstance(value, np.ndarray)
        np.testing.assert_array_equal(value, new[key], err_msg=f"{key} after load_state_dict")
    # Optimizer state: NumPy out, NumPy in, on device buffers.
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert opt.device == "cuda"
    clip_grad_norm(model.parameters(), 1e-3)
    opt.step()
    state_dict = opt.state_dict()
    assert all(isinstance(v, np.ndarray) for k, v in state_dict.items() if k.startswith("momentum_buffer"))
    fresh = SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(state_dict)
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value, state_dict[key], err_msg=key)
    no_momentum = SGD(model.parameters(), lr=0.1)
    no_momentum.load_state_dict(state_dict)
    assert no_momentum.momentum == 0.9 and no_momentum.state_dict()["momentum_buffer.0"].shape == (
        model.parameters()[0][0].shape[0],
    )
    for what, call, words in (
        ("mixed sides", lambda: Adam(model.parameters() + cpu.parameters()), "mixes NumPy and device"),
        ("listed twice", lambda: Adam(model.parameters() + model.parameters()), "share memory"),
        ("cpu optimizer", lambda: TBPTTTrainer(model, "mse", Adam(cpu.parameters())), "build the optimizer over"),
    ):
        try:
            call()
        except ValueError as e:
            assert words in str(e), f"{what}: {e}"
        else:
            raise AssertionError(f"{what}: accepted")


def _callable_loss(pred, target, weight=None):
    """A user's loss (a plain callable): on the GPU the trainer calls it on host copies."""
    from tsrnn.nn import MAELoss

    return MAELoss()(pred, target, weight)


def _pinball():
    from tsrnn.nn import PinballLoss

    return PinballLoss([0.3])


def check_other_losses():
    """The pinball kernel (levels uploaded once) and a plain callable (host fallback) train as on the CPU."""
    out = []
    for loss in (_pinball(), _callable_loss):
        out.append(check_parity("rnn", "float32", 1, loss, "windows", None, None, _ADAM, [(8, T), (9, T)]))
    return out


_ADAM = {"lr": 1e-2}
_ADAM_L2 = {"lr": 1e-2, "weight_decay": 1e-2, "decoupled_weight_decay": False}
# GRU, windows, full BPTT, MSE with target weights, clipping.
_WINDOWS_GRU = ("gru", "float32", 2, "mse", "windows", None, 0.5, _ADAM, [(0, T), (1, T), (2, T)])
CHECKS = {
    "windows-gru-float32-mse": functools.partial(check_parity, *_WINDOWS_GRU),
    # Stateful TBPTT: chunks of 2 (the state carried across chunks and calls), Huber, clipping.
    "stateful-lstm-float32-huber": functools.partial(
        check_parity, "lstm", "float32", 1, "huber", "stateful", 2, 0.1, _ADAM, [(3, T), (4, 2)]
    ),
    # float64, windows with truncated gradients (k=2), MAE, coupled weight decay, clipping.
    "windows-rnn-float64-mae": functools.partial(
        check_parity, "rnn", "float64", 1, "mae", "windows", 2, 0.5, _ADAM_L2, [(5, T), (6, T), (7, T)]
    ),
    # The first run again in another process, counting transfers; its digest must equal the first's.
    "windows-gru-float32-mse-transfers": functools.partial(check_parity, *_WINDOWS_GRU, count_transfers=True),
    "pinball-and-callable-losses": check_other_losses,
    "non-finite-loss": check_non_finite_loss,
    "device-plumbing": check_device_plumbing,
}
# Two workers: the run and its rerun land in different processes.
GROUPS = [
    ["windows-gru-float32-mse", "stateful-lstm-float32-huber", "pinball-and-callable-losses"],
    ["windows-rnn-float64-mae", "windows-gru-float32-mse-transfers", "non-finite-loss", "device-plumbing"],
]


# ============================================================================== workers
def _worker(out_path, names):
    """Run checks, write ``{name: [ok, message, result]}`` as JSON to ``out_path``."""
    import traceback

    sys.path.insert(0, str(HERE))
    results = {}
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                value = CHECKS[name]()
            results[name] = [True, "", value]
        except Exception:  # noqa: BLE001 - reported to the parent test
            results[name] = [False, traceback.format_exc()[-4000:], None]
    Path(out_path).write_text(json.dumps(results))


def _worker_env(simulator):
    env = dict(os.environ)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    else:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    return env


class _Workers:
    """The check groups running in parallel worker processes; :meth:`results` waits for them."""

    def __init__(self, simulator):
        self._tmp = tempfile.TemporaryDirectory()
        self._procs = []
        for i, group in enumerate(GROUPS):
            out = Path(self._tmp.name) / f"worker{i}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(out), *group]
            proc = subprocess.Popen(cmd, env=_worker_env(simulator), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, cwd=str(HERE.parent))  # fmt: skip
            self._procs.append((group, out, proc))
        self._results = None

    def results(self):
        """``{name: (ok, message, result)}``."""
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
                    results.setdefault(
                        name, (False, f"worker exited with status {proc.returncode}:\n{stderr[-4000:]}", None)
                    )
            self._tmp.cleanup()
            self._results = results
        return self._results


@functools.cache
def _gpu_available_in_subprocess() -> bool:
    code = "from tsrnn.kernels.cuda import cuda_available; print(cuda_available())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_worker_env(False),
                          timeout=300)  # fmt: skip
    return proc.returncode == 0 and proc.stdout.strip().endswith("True")


@pytest.fixture(scope="module")
def simulator_results():
    return _Workers(simulator=True)


@pytest.fixture(scope="module")
def gpu_results():
    if not _gpu_available_in_subprocess():
        pytest.skip(
            "no CUDA GPU found (numba.cuda.is_available() is False): device training is checked under "
            "NUMBA_ENABLE_CUDASIM=1 instead (test_under_cuda_simulator)"
        )
    return _Workers(simulator=False)


def _assert_check(results, name, where):
    ok, message, _ = results[name]
    assert ok, f"{name} failed {where}:\n{message}"


def _assert_deterministic(results, where):
    first, rerun = results["windows-gru-float32-mse"], results["windows-gru-float32-mse-transfers"]
    if not (first[0] and rerun[0]):
        pytest.skip("the runs to compare failed (see their own tests)")
    assert first[2] == rerun[2], f"same seed, different parameters or optimizer state in two processes {where}"


@pytest.mark.parametrize("name", list(CHECKS))
def test_under_cuda_simulator(name, simulator_results):
    _assert_check(simulator_results.results(), name, "under NUMBA_ENABLE_CUDASIM=1")


def test_same_seed_same_bits_under_cuda_simulator(simulator_results):
    _assert_deterministic(simulator_results.results(), "under NUMBA_ENABLE_CUDASIM=1")


@pytest.mark.parametrize("name", list(CHECKS))
def test_on_gpu(name, gpu_results):
    _assert_check(gpu_results.results(), name, "on the GPU")


def test_same_seed_same_bits_on_gpu(gpu_results):
    _assert_deterministic(gpu_results.results(), "on the GPU")


# ======================================================= the device option, no simulator
def _no_gpu_here():
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        pytest.skip("NUMBA_ENABLE_CUDASIM is set in the pytest process: the simulator counts as a GPU")
    from tsrnn.kernels.cuda import cuda_available

    if cuda_available():
        pytest.skip("a CUDA GPU is present: the no-GPU behaviour cannot be seen here")


@pytest.mark.parametrize("what", ["RecurrentRegressor", "Linear"])
def test_cuda_without_gpu_raises_a_clear_error(what):
    _no_gpu_here()
    from tsrnn.nn import Linear, RecurrentRegressor

    with pytest.raises(RuntimeError, match=r"no CUDA GPU found; use device='cpu'"):
        if what == "Linear":
            Linear(3, 2, device="cuda")
        else:
            RecurrentRegressor("lstm", 1, 4, 2, device="cuda")


def test_auto_falls_back_to_cpu_silently():
    _no_gpu_here()
    from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer

    runs = []
    for device in ("auto", "cpu"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = RecurrentRegressor("gru", I, H, 2, seed=0, device=device)
            assert model.device == model.rnn.device == model.head.device == "cpu"
            trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=1e-2), clip_norm=1.0)
            x, y, w = _data(np.float32, 2)
            trainer.step(x, y, w)
            runs.append(model.state_dict())
    for key, value in runs[1].items():
        np.testing.assert_array_equal(runs[0][key], value, err_msg=key)


@pytest.mark.parametrize("device", ["gpu", "CUDA", None])
def test_unknown_device_is_refused(device):
    from tsrnn.nn import RecurrentRegressor

    with pytest.raises(ValueError, match=r"device=.* is not known; expected one of \('cpu', 'cuda', 'auto'\)"):
        RecurrentRegressor("gru", 1, 4, 1, device=device)


def test_cpu_training_does_not_import_numba_cuda():
    code = (
        "import sys, numpy as np\n"
        "from tsrnn.nn import SGD, Adam, RecurrentRegressor, TBPTTTrainer, clip_grad_norm\n"
        "m = RecurrentRegressor('lstm', 1, 3, 2, seed=0, device='cpu')\n"
        "x, y = np.ones((2, 4, 1), np.float32), np.ones((2, 4, 2), np.float32)\n"
        "TBPTTTrainer(m, 'huber', Adam(m.parameters()), mode='stateful', k=2, clip_norm=0.1).step(x, y)\n"
        "s = SGD(m.parameters(), lr=0.1, momentum=0.9); clip_grad_norm(m.parameters(), 1.0); s.step()\n"
        "s.load_state_dict(s.state_dict()); m.forward(x)\n"
        "print('numba.cuda' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env=_worker_env(False))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], sys.argv[3:])
    elif sys.argv[1:2] == ["--run"]:
        sys.path.insert(0, str(HERE))
        for _name in sys.argv[2:]:
            CHECKS[_name]()
            print(f"{_name}: ok")
    else:
        sys.exit(f"usage: {sys.argv[0]} --worker OUT NAME... | --run NAME...")
