"""Optimizers, gradient clipping and their kernels: values against hand computations and torch.optim."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tsrnn.kernels.optim import adam_update, scale_, sgd_update, sum_squares
from tsrnn.nn.linear import Linear
from tsrnn.nn.losses import MSELoss
from tsrnn.nn.optim import SGD, Adam, clip_grad_norm

SIZES = (7, 5)  # two flat buffers, as from two modules


def make_pairs(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(n).astype(dtype), np.zeros(n, dtype=dtype)) for n in SIZES]


def grad_fn(k, i, p):
    """Deterministic gradient of buffer ``i`` at step ``k``: depends on the parameters, varies in scale."""
    idx = np.arange(p.size, dtype=np.float64)
    return (np.sin(3.0 * p + 0.7 * k + i) + 0.1 * (idx - 2.0) * p) * (1.0 + 0.5 * k)


def run_ours(opt, pairs, steps):
    traj = []
    for k in range(steps):
        opt.zero_grad()
        for i, (p, g) in enumerate(pairs):
            g += grad_fn(k, i, p.astype(np.float64)).astype(g.dtype)
        opt.step()
        traj.append([p.copy() for p, _ in pairs])
    return traj


def run_torch(torch, make_opt, pairs0, steps):
    ts = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p, _ in pairs0]
    opt = make_opt(ts)
    traj = []
    for k in range(steps):
        opt.zero_grad()
        for i, t in enumerate(ts):
            t.grad = torch.from_numpy(grad_fn(k, i, t.detach().numpy().copy()))
        opt.step()
        traj.append([t.detach().numpy().copy() for t in ts])
    return traj


def assert_traj_close(a, b, tol=1e-10):
    assert len(a) == len(b)
    for step_a, step_b in zip(a, b):
        for x, y in zip(step_a, step_b):
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- by hand
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("decoupled", [True, False])
def test_adam_first_step_by_hand(dtype, decoupled):
    p0 = np.array([0.5, -1.0, 2.0, 0.0], dtype=dtype)
    g0 = np.array([0.1, -3.0, 0.0, 1e-3], dtype=dtype)
    p, g = p0.copy(), g0.copy()
    lr, wd, eps = 0.01, 0.1, 1e-8
    opt = Adam([(p, g)], lr=lr, betas=(0.9, 0.99), eps=eps, weight_decay=wd, decoupled_weight_decay=decoupled)
    opt.step()
    P, G = p0.astype(np.float64), g0.astype(np.float64)
    if decoupled:
        base, geff = P * (1 - lr * wd), G
    else:
        base, geff = P, G + wd * P
    # After one step the bias-corrected moments are g and g**2: p -= lr * g / (|g| + eps).
    expected = base - lr * geff / (np.abs(geff) + eps)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(p, expected, rtol=tol, atol=tol)
    assert p.dtype == dtype
    state = opt.state_dict()
    np.testing.assert_allclose(state["exp_avg.0"], 0.1 * geff, rtol=tol, atol=tol)
    np.testing.assert_allclose(state["exp_avg_sq.0"], 0.01 * geff**2, rtol=tol, atol=1e-12)
    assert state["exp_avg.0"].dtype == dtype and state["step"] == 1
    np.testing.assert_array_equal(g, g0)  # the gradient buffer is read only


def test_adam_kernel_second_step_by_hand():
    p = np.array([1.0]); g = np.array([2.0]); m = np.zeros(1); v = np.zeros(1)
    adam_update(p, g, m, v, 0.1, 0.9, 0.999, 0.0, 0.0, True, 1)
    np.testing.assert_allclose(p, [0.9], rtol=0, atol=1e-15)
    g[0] = -1.0
    adam_update(p, g, m, v, 0.1, 0.9, 0.999, 0.0, 0.0, True, 2)
    m2 = 0.9 * 0.2 + 0.1 * -1.0
    v2 = 0.999 * 0.004 + 0.001 * 1.0
    expected = 0.9 - 0.1 / (1 - 0.81) * m2 / (math.sqrt(v2) / math.sqrt(1 - 0.999**2))
    np.testing.assert_allclose(m, [m2], rtol=1e-15)
    np.testing.assert_allclose(v, [v2], rtol=1e-15)
    np.testing.assert_allclose(p, [expected], rtol=1e-14)


def test_sgd_momentum_by_hand():
    p = np.array([1.0, -2.0]); g = np.array([0.5, 1.0])
    opt = SGD([(p, g)], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.0)
    opt.step()  # first step: buf = g, no dampening
    np.testing.assert_allclose(p, [1.0 - 0.05, -2.0 - 0.1], rtol=1e-15)
    opt.step()  # buf = 0.9 * g + 0.5 * g = 1.4 g
    np.testing.assert_allclose(p, [0.95 - 0.1 * 0.7, -2.1 - 0.1 * 1.4], rtol=1e-15)
    np.testing.assert_allclose(opt.state_dict()["momentum_buffer.0"], [0.7, 1.4], rtol=1e-15)


def test_sum_squares_accumulates_in_float64_and_scale():
    g = np.full(4, 1e20, dtype=np.float32)  # each square overflows float32
    assert sum_squares(g) == pytest.approx(4 * float(np.float32(1e20)) ** 2, rel=1e-15)
    assert sum_squares(np.zeros(0)) == 0.0
    assert math.isnan(sum_squares(np.array([1.0, np.nan])))
    assert math.isinf(sum_squares(np.array([np.inf, 1.0], dtype=np.float32)))
    h = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    scale_(h, 0.5)
    np.testing.assert_array_equal(h, np.array([0.5, -1.0, 1.5], dtype=np.float32))
    assert h.dtype == np.float32


def test_kernels_check_lengths():
    a = np.zeros(3)
    with pytest.raises(ValueError):
        adam_update(a, np.zeros(2), np.zeros(3), np.zeros(3), 0.1, 0.9, 0.999, 1e-8, 0.0, True, 1)
    with pytest.raises(ValueError):
        sgd_update(a, np.zeros(3), np.zeros(2), 0.1, 0.9, 0.0, False, 0.0, True)
    sgd_update(a, np.ones(3), np.zeros(0), 0.1, 0.0, 0.0, False, 0.0, True)  # no buffer without momentum
    np.testing.assert_allclose(a, -0.1)


# ----------------------------------------------------------------------------- against torch
@pytest.mark.parametrize(
    "decoupled, wd, betas, eps",
    [
        (True, 0.0, (0.9, 0.999), 1e-8),
        (True, 0.05, (0.8, 0.99), 1e-6),
        (False, 0.05, (0.9, 0.999), 1e-8),
        (False, 0.0, (0.5, 0.9), 0.0),
    ],
)
def test_adam_matches_torch(decoupled, wd, betas, eps):
    torch = pytest.importorskip("torch")
    lr = 0.05
    pairs = make_pairs()
    pairs0 = [(p.copy(), g.copy()) for p, g in pairs]
    opt = Adam(pairs, lr=lr, betas=betas, eps=eps, weight_decay=wd, decoupled_weight_decay=decoupled)
    ours = run_ours(opt, pairs, 5)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    ref = run_torch(torch, lambda ts: cls(ts, lr=lr, betas=betas, eps=eps, weight_decay=wd, foreach=False), pairs0, 5)
    assert_traj_close(ours, ref)
    assert opt.step_count == 5


@pytest.mark.parametrize(
    "momentum, nesterov, wd, dampening",
    [
        (0.0, False, 0.0, 0.0),
        (0.0, False, 0.1, 0.0),
        (0.9, False, 0.0, 0.0),
        (0.9, True, 0.01, 0.0),
        (0.7, False, 0.05, 0.3),
    ],
)
def test_sgd_matches_torch(momentum, nesterov, wd, dampening):
    torch = pytest.importorskip("torch")
    lr = 0.05
    pairs = make_pairs(seed=1)
    pairs0 = [(p.copy(), g.copy()) for p, g in pairs]
    opt = SGD(pairs, lr=lr, momentum=momentum, weight_decay=wd, nesterov=nesterov, dampening=dampening)
    ours = run_ours(opt, pairs, 5)
    ref = run_torch(
        torch,
        lambda ts: torch.optim.SGD(
            ts, lr=lr, momentum=momentum, weight_decay=wd, nesterov=nesterov, dampening=dampening, foreach=False
        ),
        pairs0,
        5,
    )
    assert_traj_close(ours, ref)


@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    pairs = [(np.zeros(n), rng.standard_normal(n)) for n in SIZES]
    ts = []
    for _, g in pairs:
        t = torch.zeros(g.size, dtype=torch.float64, requires_grad=True)
        t.grad = torch.from_numpy(g.copy())
        ts.append(t)
    plain = math.sqrt(sum(float(g @ g) for _, g in pairs))
    expected_norm = float(torch.nn.utils.clip_grad_norm_(ts, max_norm))
    norm = clip_grad_norm(pairs, max_norm)
    assert norm == pytest.approx(expected_norm, rel=1e-14)
    assert norm == pytest.approx(plain, rel=1e-14)
    for (_, g), t in zip(pairs, ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-14, atol=1e-15)
    after = math.sqrt(sum(float(g @ g) for _, g in pairs))
    if max_norm < expected_norm:
        assert after == pytest.approx(max_norm, rel=1e-5)
    else:
        assert after == pytest.approx(norm, rel=1e-15)


def test_clip_grad_norm_without_torch():
    g1 = np.array([3.0, 0.0]); g2 = np.array([4.0])
    pairs = [(np.zeros(2), g1), (np.zeros(1), g2)]
    assert clip_grad_norm(pairs, 10.0) == 5.0
    np.testing.assert_array_equal(g1, [3.0, 0.0])  # below max_norm: untouched
    assert clip_grad_norm(pairs, 1.0) == 5.0
    c = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(np.concatenate([g1, g2]), [3 * c, 0.0, 4 * c], rtol=1e-15)


# ----------------------------------------------------------------------------- non-finite gradients
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "make",
    [lambda pr: Adam(pr, lr=0.1, weight_decay=0.1), lambda pr: SGD(pr, lr=0.1, momentum=0.9)],
    ids=["adam", "sgd"],
)
def test_nonfinite_grad_refused_params_untouched(make, bad):
    pairs = make_pairs(dtype=np.float32)
    opt = make(pairs)
    for i, (p, g) in enumerate(pairs):
        g[...] = grad_fn(0, i, p)
    opt.step()
    before = [p.copy() for p, _ in pairs]
    state_before = opt.state_dict()
    pairs[1][1][2] = bad
    with pytest.raises(FloatingPointError, match=r"params\[1\].*NaN/inf"):
        opt.step()
    for (p, _), b in zip(pairs, before):
        assert p.tobytes() == b.tobytes()
    state_after = opt.state_dict()
    assert state_after.keys() == state_before.keys()
    for k in state_before:
        assert np.asarray(state_after[k]).tobytes() == np.asarray(state_before[k]).tobytes(), k


def test_clip_grad_norm_nonfinite_raises_without_scaling():
    g1 = np.array([1e3, 2e3]); g2 = np.array([np.nan])
    with pytest.raises(FloatingPointError):
        clip_grad_norm([(np.zeros(2), g1), (np.zeros(1), g2)], 1.0)
    np.testing.assert_array_equal(g1, [1e3, 2e3])


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "cls, kwargs, arg",
    [
        (Adam, {"lr": 0.0}, "lr"),
        (Adam, {"lr": -1e-3}, "lr"),
        (Adam, {"lr": float("nan")}, "lr"),
        (Adam, {"lr": float("inf")}, "lr"),
        (Adam, {"lr": "0.1"}, "lr"),
        (Adam, {"betas": (1.0, 0.999)}, "betas[0]"),
        (Adam, {"betas": (0.9, -0.1)}, "betas[1]"),
        (Adam, {"betas": (0.9,)}, "betas"),
        (Adam, {"eps": -1e-8}, "eps"),
        (Adam, {"weight_decay": -0.1}, "weight_decay"),
        (Adam, {"decoupled_weight_decay": "yes"}, "decoupled_weight_decay"),
        (SGD, {"lr": 0.0}, "lr"),
        (SGD, {"lr": 0.1, "momentum": -0.5}, "momentum"),
        (SGD, {"lr": 0.1, "momentum": 1.5}, "momentum"),
        (SGD, {"lr": 0.1, "weight_decay": float("nan")}, "weight_decay"),
        (SGD, {"lr": 0.1, "dampening": 2.0}, "dampening"),
        (SGD, {"lr": 0.1, "nesterov": True}, "nesterov"),
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "dampening": 0.1}, "nesterov"),
    ],
)
def test_bad_hyperparameters(cls, kwargs, arg):
    with pytest.raises(ValueError) as info:
        cls(make_pairs(), **kwargs)
    assert arg in str(info.value)


def test_lr_setter_validates_and_schedules():
    pairs = make_pairs()
    opt = Adam(pairs, lr=0.1)
    opt.lr = 0.01
    assert opt.lr == 0.01
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -1.0
    assert opt.lr == 0.01
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(pairs, 0.0)


@pytest.mark.parametrize(
    "params, needle",
    [
        ([], "empty"),
        ((np.zeros(3), np.zeros(3)), "single pair"),
        ([(np.zeros(3), np.zeros(4))], "same shape"),
        ([(np.zeros(3), np.zeros(3, dtype=np.float32))], "same shape and dtype"),
        ([(np.zeros((3, 1)), np.zeros((3, 1)))], "1-D"),
        ([(np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64))], "dtype"),
        ([(np.zeros(6)[::2], np.zeros(3))], "contiguous"),
        ([np.zeros(3)], "pair"),
    ],
)
def test_bad_params(params, needle):
    with pytest.raises(ValueError, match="params") as info:
        SGD(params, lr=0.1)
    assert needle in str(info.value)


def test_same_buffer_twice_refused():
    lin = Linear(3, 2, dtype=np.float64, seed=0)
    with pytest.raises(ValueError, match="share memory"):
        Adam(lin.parameters() + lin.parameters())


# ----------------------------------------------------------------------------- state
@pytest.mark.parametrize(
    "make",
    [lambda pr: Adam(pr, lr=0.05, weight_decay=0.01), lambda pr: SGD(pr, lr=0.05, momentum=0.9, nesterov=True)],
    ids=["adam", "sgd"],
)
def test_state_dict_roundtrip_through_npz(tmp_path, make):
    pairs = make_pairs()
    opt = make(pairs)
    run_ours(opt, pairs, 2)
    state = opt.state_dict()
    for v in state.values():
        assert isinstance(v, (int, float, bool, np.ndarray))
    np.savez(tmp_path / "opt.npz", **state)
    saved_params = [p.copy() for p, _ in pairs]

    cont = run_ours(opt, pairs, 3)

    pairs2 = [(p.copy(), np.zeros_like(p)) for p in saved_params]
    opt2 = make(pairs2)
    opt2.lr = 0.5  # overwritten by the loaded state
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as f:
        opt2.load_state_dict(f)
    assert opt2.step_count == 2 and opt2.lr == 0.05
    cont2 = run_ours(opt2, pairs2, 3)
    for a, b in zip(cont, cont2):
        for x, y in zip(a, b):
            assert x.tobytes() == y.tobytes()


def test_load_state_dict_validates_without_changing():
    pairs = make_pairs()
    opt = Adam(pairs, lr=0.05)
    run_ours(opt, pairs, 1)
    good = opt.state_dict()
    bad = dict(good)
    bad["exp_avg.1"] = np.zeros(SIZES[1] + 1)
    with pytest.raises(ValueError, match="exp_avg.1"):
        opt.load_state_dict(bad)
    bad = dict(good, step=7, lr=1.0)
    bad["exp_avg_sq.0"] = bad["exp_avg_sq.0"].astype(np.float32)
    with pytest.raises(ValueError, match="dtype"):
        opt.load_state_dict(bad)
    assert opt.step_count == 1 and opt.lr == 0.05
    bad = dict(good)
    del bad["exp_avg.0"]
    with pytest.raises(ValueError, match="missing"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="betas"):
        opt.load_state_dict(dict(good, beta1=1.5))
    with pytest.raises(ValueError, match="step"):
        opt.load_state_dict(dict(good, step=-1))


def test_sgd_without_momentum_has_no_buffers_and_loads_momentum_state():
    pairs = make_pairs()
    opt = SGD(pairs, lr=0.1)
    assert set(opt.state_dict()) == {"step", "lr", "momentum", "weight_decay", "nesterov", "dampening"}
    src_pairs = make_pairs()
    src = SGD(src_pairs, lr=0.1, momentum=0.5)
    run_ours(src, src_pairs, 2)
    opt.load_state_dict(src.state_dict())
    assert opt.momentum == 0.5
    np.testing.assert_array_equal(opt.state_dict()["momentum_buffer.1"], src.state_dict()["momentum_buffer.1"])


# ----------------------------------------------------------------------------- with modules
def test_adam_over_two_modules_fits_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (np.tanh(x @ np.array([[1.0], [-2.0], [0.5]])) * 2.0).astype(np.float32)
    l1 = Linear(3, 8, seed=1)
    l2 = Linear(8, 1, seed=2)
    opt = Adam(l1.parameters() + l2.parameters(), lr=0.02)
    loss = MSELoss()
    first = None
    for _ in range(150):
        opt.zero_grad()
        h = l1.forward(x)
        a = np.tanh(h)
        value, dout = loss(l2.forward(a), y)
        l1.backward(l2.backward(dout) * (1 - a * a))
        clip_grad_norm(opt.params, 10.0)
        opt.step()
        first = value if first is None else first
    assert value < 0.1 * first
    assert l1.flat_params.dtype == np.float32 and all(m.dtype == np.float32 for m in opt._exp_avg)
