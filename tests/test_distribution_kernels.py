"""The compiled NLL of the Normal and Student-t heads against their NumPy path (the spec) and finite differences."""

import numpy as np
import pytest

import tsrnn._config as config
from tsrnn.kernels.distribution_nll import _betaln_half, _digamma, _digamma_gap
from tsrnn.nn import HorizonDistributionLoss, get_distribution


def both_paths(dist, pred, target, weight, monkeypatch):
    monkeypatch.setattr(config, "FUSED_TRAINING", True)
    fused = dist(pred, target, weight)
    monkeypatch.setattr(config, "FUSED_TRAINING", False)
    plain = dist(pred, target, weight)
    return fused, plain


def raw_outputs(rng, n, p, spread):
    raw = rng.normal(0.0, spread, size=(n, p))
    raw[:5, 1:] = [[-30.0] * (p - 1), [30.0] * (p - 1), [0.0] * (p - 1), [-5.0] * (p - 1), [12.0] * (p - 1)]
    if p == 3:  # degrees of freedom across every branch: near 2, moderate, past 100 and 1e4, huge
        raw[5:10, 2] = [-40.0, 3.0, 250.0, 3e4, 1e9]
    return raw


@pytest.mark.parametrize("name, p", [("normal", 2), ("student_t", 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_compiled_nll_matches_the_numpy_path(name, p, weighted, monkeypatch):
    rng = np.random.default_rng(0)
    raw = raw_outputs(rng, 400, p, 3.0)
    y = rng.standard_t(3, size=400) * 4
    w = rng.integers(0, 3, size=400).astype(float) if weighted else None
    if weighted:
        y[w == 0] = np.nan  # masked targets may be NaN
    dist = get_distribution(name)
    (v1, g1), (v2, g2) = both_paths(dist, raw, y, w, monkeypatch)
    assert v1 == pytest.approx(v2, rel=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-11, atol=1e-15 * np.abs(g2).max())


def test_float32_pred_and_horizon_layout(monkeypatch):
    rng = np.random.default_rng(1)
    loss = HorizonDistributionLoss("student_t")
    pred = rng.normal(size=(4, 6, 5 * 3)).astype(np.float32)
    target = loss.pack(rng.normal(size=(4, 6, 5)).astype(np.float32))
    weight = np.zeros((4, 6, 15), np.float32)
    weight[:, -1] = 1.0
    monkeypatch.setattr(config, "FUSED_TRAINING", True)
    v1, g1 = loss(pred, target, weight)
    monkeypatch.setattr(config, "FUSED_TRAINING", False)
    v2, g2 = loss(pred, target, weight)
    assert g1.dtype == np.float32 and g1.shape == pred.shape
    assert v1 == pytest.approx(v2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-6)
    assert not g1[:, :-1].any()  # steps without weight get no gradient


@pytest.mark.parametrize("name, p", [("normal", 2), ("student_t", 3)])
def test_compiled_gradient_matches_finite_differences(name, p, monkeypatch):
    monkeypatch.setattr(config, "FUSED_TRAINING", True)
    rng = np.random.default_rng(2)
    raw = rng.normal(0.0, 1.0, size=(7, p))
    y = rng.normal(size=7)
    dist = get_distribution(name)
    _, grad = dist(raw, y)
    eps = 1e-6
    for i in range(7):
        for k in range(p):
            up, down = raw.copy(), raw.copy()
            up[i, k] += eps
            down[i, k] -= eps
            fd = (dist(up, y)[0] - dist(down, y)[0]) / (2 * eps)
            assert grad[i, k] == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_special_functions_against_scipy():
    from scipy import special

    for x in [1.0, 1.4616321449683622, 2.5, 7.0, 11.9, 12.0, 50.0, 1e3, 1e8]:
        assert _digamma(x) == pytest.approx(special.digamma(x), rel=1e-14, abs=5e-15)
    for a in [1.0, 3.3, 50.0, 99.9, 100.1, 1e4, 1e7, 1e12]:
        assert _betaln_half(a) == pytest.approx(special.betaln(a, 0.5), rel=1e-13)
        direct = special.digamma(a) - special.digamma(a + 0.5) + 0.5 / a
        if a <= 1e4:
            assert _digamma_gap(a) == pytest.approx(direct, rel=1e-9, abs=1e-15)
