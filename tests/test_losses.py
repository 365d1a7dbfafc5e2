"""Losses: values and gradients against finite differences, torch's losses and hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from tsrnn.nn.losses import HuberLoss, MAELoss, MSELoss, PinballLoss, get_loss

QUANTILES = [0.1, 0.5, 0.9]


def data(shape=(4, 3), seed=0, kink=None):
    """Random pred/target whose differences stay away from the loss's kinks (|d| == kink, d == 0)."""
    rng = np.random.default_rng(seed)
    target = rng.standard_normal(shape)
    d = rng.uniform(0.05, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if kink is not None:
        d = np.where(np.abs(np.abs(d) - kink) < 0.05, d + 0.1 * np.sign(d), d)
    return target + d, target


def finite_diff(loss, pred, target, weight=None, h=1e-6):
    grad = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        up, down = pred.copy(), pred.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (loss(up, target, weight)[0] - loss(down, target, weight)[0]) / (2 * h)
    return grad


LOSSES = [
    (MSELoss(), None),
    (MAELoss(), 0.0),
    (HuberLoss(), 1.0),
    (HuberLoss(delta=0.3), 0.3),
]


@pytest.mark.parametrize("loss, kink", LOSSES, ids=repr)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(loss, kink, weighted):
    pred, target = data(kink=kink)
    weight = np.array([1.0, 0.0, 2.5]) if weighted else None  # broadcast over rows
    value, dpred = loss(pred, target, weight)
    assert dpred.shape == pred.shape and dpred.dtype == np.float64
    np.testing.assert_allclose(dpred, finite_diff(loss, pred, target, weight), rtol=1e-6, atol=1e-8)
    if weighted:
        assert np.all(dpred[:, 1] == 0.0)


def test_pinball_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    target = rng.standard_normal((5, 2))
    pred = target[..., None] + rng.uniform(0.05, 1.0, (5, 2, 3)) * rng.choice([-1.0, 1.0], (5, 2, 3))
    loss = PinballLoss(QUANTILES)
    weight = rng.uniform(0.0, 2.0, (5, 1))
    for w in (None, weight):
        _, dpred = loss(pred, target, w)
        np.testing.assert_allclose(dpred, finite_diff(loss, pred, target, w), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "ours, make_torch",
    [
        (MSELoss(), lambda torch: torch.nn.MSELoss()),
        (MAELoss(), lambda torch: torch.nn.L1Loss()),
        (HuberLoss(), lambda torch: torch.nn.HuberLoss()),
        (HuberLoss(delta=0.4), lambda torch: torch.nn.HuberLoss(delta=0.4)),
    ],
    ids=["mse", "l1", "huber", "huber0.4"],
)
def test_matches_torch(ours, make_torch):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    target = rng.standard_normal((3, 5, 2))
    pred = target + rng.standard_normal((3, 5, 2))
    pred[0, 0, 0] = target[0, 0, 0]  # a tie: MAE's subgradient must be 0, as torch's
    pred[0, 0, 1] = target[0, 0, 1] + 0.4  # on Huber's (delta=0.4) threshold
    tp = torch.tensor(pred, requires_grad=True)
    ref = make_torch(torch)(tp, torch.tensor(target))
    ref.backward()
    value, dpred = ours(pred, target)
    assert value == pytest.approx(ref.item(), rel=1e-14, abs=1e-15)
    np.testing.assert_allclose(dpred, tp.grad.numpy(), rtol=1e-13, atol=1e-16)

    # Weighted mean: sum(w * l) / sum(w), against torch's reduction='none'.
    w = rng.uniform(0.0, 1.0, (3, 5, 1))
    w[1] = 0.0
    tp.grad = None
    lt = make_torch(torch)
    lt.reduction = "none"
    tw = torch.tensor(np.broadcast_to(w, pred.shape).copy())
    ref_w = (lt(tp, torch.tensor(target)) * tw).sum() / tw.sum()
    ref_w.backward()
    value_w, dpred_w = ours(pred, target, w)
    assert value_w == pytest.approx(ref_w.item(), rel=1e-13)
    np.testing.assert_allclose(dpred_w, tp.grad.numpy(), rtol=1e-13, atol=1e-16)


def test_values_by_hand():
    pred = np.array([1.0, 2.0, 4.0])
    target = np.array([1.5, 2.0, 1.0])
    # d = -0.5, 0, 3
    assert MSELoss()(pred, target)[0] == pytest.approx((0.25 + 0 + 9) / 3, rel=1e-15)
    np.testing.assert_allclose(MSELoss()(pred, target)[1], np.array([-1.0, 0.0, 6.0]) / 3, rtol=1e-15)
    value, grad = MAELoss()(pred, target)
    assert value == pytest.approx(3.5 / 3, rel=1e-15)
    np.testing.assert_array_equal(grad, np.array([-1.0, 0.0, 1.0]) / 3)
    value, grad = HuberLoss(delta=1.0)(pred, target)
    assert value == pytest.approx((0.125 + 0 + 2.5) / 3, rel=1e-15)
    np.testing.assert_allclose(grad, np.array([-0.5, 0.0, 1.0]) / 3, rtol=1e-15)


def test_pinball_by_hand():
    loss = PinballLoss([0.1, 0.9])
    pred = np.array([[1.0, 3.0], [0.0, 0.0]])
    target = np.array([2.0, -1.0])
    # row 0: e = 2-1 = 1 (q=0.1 -> 0.1), e = 2-3 = -1 (q=0.9 -> 0.1)
    # row 1: e = -1 (q=0.1 -> 0.9), e = -1 (q=0.9 -> 0.1)
    value, grad = loss(pred, target)
    assert value == pytest.approx((0.1 + 0.1 + 0.9 + 0.1) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, np.array([[-0.1, 0.1], [0.9, 0.1]]) / 4, rtol=1e-15)
    # Target with a trailing axis of size 1 is the same; a weight masks row 1.
    v1, g1 = loss(pred, target[:, None])
    assert v1 == value and np.array_equal(g1, grad)
    vw, gw = loss(pred, target, np.array([1.0, 0.0]))
    assert vw == pytest.approx(0.1, rel=1e-15)
    np.testing.assert_allclose(gw, np.array([[-0.1, 0.1], [0.0, 0.0]]) / 2, rtol=1e-15)
    # At the kink the gradient is the middle of the subdifferential: 0.5 - q.
    _, gk = loss(np.array([[2.0, 2.0]]), np.array([2.0]))
    np.testing.assert_allclose(gk, np.array([[0.4, -0.4]]) / 2, rtol=1e-15)
    # The median pinball loss is half the absolute error.
    p, t = data((6,), seed=4)
    v_med, g_med = PinballLoss([0.5])(p[:, None], t)
    v_mae, g_mae = MAELoss()(p, t)
    assert v_med == pytest.approx(0.5 * v_mae, rel=1e-15)
    np.testing.assert_allclose(g_med[:, 0], 0.5 * g_mae, rtol=1e-15)


def test_weights_mean_over_nonzero_and_mask_nan_targets():
    pred, target = data((10,), seed=5)
    mask = np.zeros(10)
    mask[[1, 4, 7]] = 1.0
    target_nan = target.copy()
    target_nan[mask == 0] = np.nan  # masked targets may be missing
    for loss in (MSELoss(), MAELoss(), HuberLoss()):
        value, grad = loss(pred, target_nan, mask)
        sub_value, sub_grad = loss(pred[mask == 1], target[mask == 1])
        assert value == pytest.approx(sub_value, rel=1e-15)
        np.testing.assert_allclose(grad[mask == 1], sub_grad, rtol=1e-15)
        assert np.all(grad[mask == 0] == 0)
    # scaling all weights leaves the value unchanged
    w = np.random.default_rng(0).uniform(0.1, 1.0, 10)
    assert MSELoss()(pred, target, w)[0] == pytest.approx(MSELoss()(pred, target, 7.0 * w)[0], rel=1e-14)


def test_float32_pred_gives_float32_gradient():
    pred, target = data((4, 3, 3), seed=6)
    v64, g64 = PinballLoss(QUANTILES)(pred, target[..., 0])
    v32, g32 = PinballLoss(QUANTILES)(pred.astype(np.float32), target[..., 0].astype(np.float32))
    assert g32.dtype == np.float32 and isinstance(v32, float)
    assert v32 == pytest.approx(v64, rel=1e-6)
    np.testing.assert_allclose(g32, g64, rtol=1e-6)
    _, g = MSELoss()(pred.astype(np.float32), target)  # float64 target is fine
    assert g.dtype == np.float32


def test_overflow_gives_inf_without_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, dpred = MSELoss()(np.zeros(3, dtype=np.float32), np.full(3, 1e300))
    assert value == np.inf and dpred.dtype == np.float32


# ----------------------------------------------------------------------------- validation
def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as info:
        MSELoss()(np.zeros((3, 2)), np.zeros((2, 3)))
    assert "(3, 2)" in str(info.value) and "(2, 3)" in str(info.value)
    with pytest.raises(ValueError) as info:
        PinballLoss(QUANTILES)(np.zeros((4, 2)), np.zeros(4))
    assert "(4, 2)" in str(info.value) and "3 quantiles" in str(info.value)
    with pytest.raises(ValueError) as info:
        PinballLoss(QUANTILES)(np.zeros((4, 3)), np.zeros(5))
    assert "(4, 3)" in str(info.value) and "(5,)" in str(info.value)
    with pytest.raises(ValueError, match="weight") as info:
        MAELoss()(np.zeros((3, 2)), np.zeros((3, 2)), np.ones(3))
    assert "(3,)" in str(info.value) and "(3, 2)" in str(info.value)


@pytest.mark.parametrize(
    "args, exc, needle",
    [
        ((np.zeros(3), np.zeros(3), -np.ones(3)), ValueError, "weight"),
        ((np.zeros(3), np.zeros(3), np.array([1.0, np.nan, 1.0])), ValueError, "weight"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), ValueError, "weight sums to 0"),
        ((np.zeros(3), np.array([0.0, np.nan, 1.0])), ValueError, "target"),
        ((np.zeros(3), np.array([0.0, np.nan, 1.0]), np.array([1.0, 0.5, 1.0])), ValueError, "target"),
        ((np.array([0.0, np.inf, 1.0]), np.zeros(3)), FloatingPointError, "pred"),
        ((np.zeros(3, dtype=np.int64), np.zeros(3)), ValueError, "pred"),
        ((np.zeros(3), np.array(["a", "b", "c"])), ValueError, "target"),
        ((np.zeros(0), np.zeros(0)), ValueError, "empty"),
    ],
)
def test_bad_inputs(args, exc, needle):
    with pytest.raises(exc, match=needle):
        MSELoss()(*args)


def test_bad_options():
    with pytest.raises(ValueError, match="delta"):
        HuberLoss(delta=0.0)
    with pytest.raises(ValueError, match="delta"):
        HuberLoss(delta=float("inf"))
    for q in ([0.0, 0.5], [0.5, 1.0], [], [[0.1, 0.2]], ["a"], [float("nan")]):
        with pytest.raises(ValueError, match="quantiles"):
            PinballLoss(q)


def test_get_loss():
    assert isinstance(get_loss("mse"), MSELoss)
    assert isinstance(get_loss(" MAE "), MAELoss)
    assert isinstance(get_loss("l1"), MAELoss)
    assert get_loss("huber", delta=0.5).delta == 0.5
    q = get_loss("quantile", quantiles=[0.2, 0.8])
    assert isinstance(q, PinballLoss) and q.quantiles.tolist() == [0.2, 0.8]
    assert isinstance(get_loss("pinball", quantiles=[0.5]), PinballLoss)
    obj = HuberLoss(2.0)
    assert get_loss(obj) is obj
    with pytest.raises(ValueError) as info:
        get_loss("rmse")
    msg = str(info.value)
    assert "'rmse'" in msg and all(n in msg for n in ("mse", "mae", "huber", "pinball", "quantile"))
    with pytest.raises(ValueError, match="quantiles"):
        get_loss("pinball")
    with pytest.raises(ValueError, match="loss"):
        get_loss(3)
    with pytest.raises(ValueError, match="bad options"):
        get_loss("mse", delta=1.0)
