"""Linear layer: forward/backward against torch.nn.Linear and finite differences, init and validation."""

from __future__ import annotations

import numpy as np
import pytest

from tsrnn.nn.linear import Linear


def test_forward_backward_by_hand():
    lin = Linear(2, 3, dtype=np.float64, seed=0)
    lin.params["weight"][...] = [[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]
    lin.params["bias"][...] = [0.5, 0.0, -1.0]
    x = np.array([[1.0, -1.0], [2.0, 0.0]])
    y = lin.forward(x)
    np.testing.assert_array_equal(y, [[-0.5, 1.0, 1.5], [2.5, 0.0, 5.0]])
    dy = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
    dx = lin.backward(dy)
    np.testing.assert_array_equal(dx, [[1.0, 2.0], [6.0, 0.0]])
    np.testing.assert_array_equal(lin.grads["weight"], [[1.0, -1.0], [2.0, 0.0], [4.0, 0.0]])
    np.testing.assert_array_equal(lin.grads["bias"], [1.0, 1.0, 2.0])


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    lin = Linear(4, 3, dtype=np.float64, seed=1, init="torch")
    x = rng.standard_normal((2, 5, 4))
    dy = rng.standard_normal((2, 5, 3))

    def f(xx):
        return float(np.sum(lin.forward(xx) * dy))

    lin.forward(x)
    dx = lin.backward(dy)
    h = 1e-6
    num = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (f(up) - f(down)) / (2 * h)
    np.testing.assert_allclose(dx, num, rtol=1e-7, atol=1e-8)
    gw = lin.grads["weight"].copy()
    num_w = np.zeros_like(gw)
    for idx in np.ndindex(gw.shape):
        w0 = lin.params["weight"][idx]
        lin.params["weight"][idx] = w0 + h
        fu = f(x)
        lin.params["weight"][idx] = w0 - h
        fd = f(x)
        lin.params["weight"][idx] = w0
        num_w[idx] = (fu - fd) / (2 * h)
    np.testing.assert_allclose(gw, num_w, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(lin.grads["bias"], dy.sum(axis=(0, 1)), rtol=1e-14)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_matches_torch_linear(dtype, tol):
    torch = pytest.importorskip("torch")
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    torch.manual_seed(0)
    ref = torch.nn.Linear(6, 4, dtype=tdtype)
    lin = Linear(6, 4, dtype=dtype, seed=0)
    lin.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 7, 6)).astype(dtype)
    dy = rng.standard_normal((3, 7, 4)).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = ref(tx)
    ty.backward(torch.tensor(dy))
    y = lin.forward(x)
    dx = lin.backward(dy)
    assert y.dtype == dtype and y.shape == (3, 7, 4) and dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(lin.grads["weight"], ref.weight.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(lin.grads["bias"], ref.bias.grad.numpy(), rtol=tol, atol=tol)
    # Our state_dict loads into torch.
    ref2 = torch.nn.Linear(6, 4, dtype=tdtype)
    ref2.load_state_dict({k: torch.from_numpy(v) for k, v in lin.state_dict().items()})
    np.testing.assert_array_equal(ref2.weight.detach().numpy(), lin.params["weight"])


def test_backward_accumulates_and_zero_grad():
    lin = Linear(3, 2, dtype=np.float64, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 3))
    dy = np.ones((5, 2))
    lin.forward(x)
    lin.backward(dy)
    once = lin.flat_grads.copy()
    lin.backward(dy)
    np.testing.assert_allclose(lin.flat_grads, 2 * once, rtol=1e-15)
    lin.zero_grad()
    assert not lin.flat_grads.any()
    # 1-D input: a single sample
    y = lin.forward(x[0])
    assert y.shape == (2,)
    assert lin.backward(dy[0]).shape == (3,)


def test_init_xavier_and_torch():
    lin = Linear(30, 20, seed=3)
    assert lin.dtype == np.float32 and lin.flat_params.dtype == np.float32
    assert lin.num_parameters == 30 * 20 + 20
    a = np.sqrt(6.0 / 50)
    w = lin.params["weight"]
    assert w.shape == (20, 30) and np.all(np.abs(w) <= a) and np.abs(w).max() > 0.9 * a
    assert not lin.params["bias"].any()
    again = Linear(30, 20, seed=3)
    assert again.flat_params.tobytes() == lin.flat_params.tobytes()
    assert Linear(30, 20, seed=4).flat_params.tobytes() != lin.flat_params.tobytes()
    t = Linear(30, 20, dtype=np.float64, seed=3, init="torch")
    bound = 1.0 / np.sqrt(30)
    assert np.all(np.abs(t.params["weight"]) <= bound) and np.abs(t.params["weight"]).max() > 0.9 * bound
    assert np.all(np.abs(t.params["bias"]) <= bound) and np.abs(t.params["bias"]).max() > 0.5 * bound
    # views into the flat buffers
    assert np.shares_memory(t.params["weight"], t.flat_params) and np.shares_memory(t.grads["bias"], t.flat_grads)


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"in_features": 0, "out_features": 2}, "in_features"),
        ({"in_features": 2.5, "out_features": 2}, "in_features"),
        ({"in_features": True, "out_features": 2}, "in_features"),
        ({"in_features": 2, "out_features": -1}, "out_features"),
        ({"in_features": 2, "out_features": 2, "init": "he"}, "init"),
        ({"in_features": 2, "out_features": 2, "dtype": np.int32}, "dtype"),
    ],
)
def test_bad_construction(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        Linear(**kwargs)


def test_bad_inputs():
    lin = Linear(3, 2, dtype=np.float64, seed=0)
    with pytest.raises(RuntimeError, match="before forward"):
        lin.backward(np.zeros((1, 2)))
    cases = [
        (np.zeros((4, 5)), "x", "last axis of size 3"),
        (np.zeros((4, 3), dtype=np.float32), "x", "dtype float32"),
        (np.array(1.0), "x", "at least 1 dimension"),
        (np.array([[0.0, np.nan, 1.0]]), "x", "NaN"),
        ([[0.0, 1.0, 2.0]], "x", "NumPy array"),
    ]
    for x, name, needle in cases:
        with pytest.raises(ValueError) as info:
            lin.forward(x)
        assert str(info.value).startswith(name) and needle in str(info.value)
    lin.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dy has shape \(5, 2\)"):
        lin.backward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="dy.*last axis of size 2"):
        lin.backward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="dy contains NaN"):
        lin.backward(np.full((4, 2), np.inf))
    assert not lin.flat_grads.any()


def test_embedding_forward_backward():
    from tsrnn.nn.embedding import Embedding

    e = Embedding(4, 3, dtype=np.float64, seed=0)
    ids = np.array([1, 3, 1])
    out = e.forward(ids)
    np.testing.assert_array_equal(out, e.params["weight"][[1, 3, 1]])
    d = np.arange(9.0).reshape(3, 3)
    e.backward(d)
    np.testing.assert_array_equal(e.grads["weight"][1], d[0] + d[2])
    np.testing.assert_array_equal(e.grads["weight"][3], d[1])
    assert not e.grads["weight"][[0, 2]].any()
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 4\), got values from 0 to 4"):
        e.forward(np.array([0, 4]))


def test_embedding_zero_grad_and_state_dict_round_trip():
    from tsrnn.nn.embedding import Embedding

    e = Embedding(4, 3, dtype=np.float64, seed=0)
    e.forward(np.array([2]))
    e.backward(np.ones((1, 3)))
    e.zero_grad()
    assert not e.flat_grads.any()
    f = Embedding(4, 3, dtype=np.float64, seed=1)
    f.load_state_dict(e.state_dict())
    np.testing.assert_array_equal(f.params["weight"], e.params["weight"])
