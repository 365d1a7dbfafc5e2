"""Distribution heads: NLL values against the float64 reference and scipy, gradients against finite
differences and torch.distributions, masks, dtypes, extreme raw outputs, quantiles and seeded samples."""

from __future__ import annotations

import numpy as np
import pytest
import reference as ref
from scipy import stats

from tsrnn.nn import (
    Adam,
    HorizonDistributionLoss,
    NegativeBinomial,
    Normal,
    RecurrentRegressor,
    StudentT,
    TBPTTTrainer,
    get_distribution,
)

DISTS = [Normal(), StudentT(), NegativeBinomial()]
IDS = [d.name for d in DISTS]


def case(dist, shape=(4, 3), seed=0):
    """Raw outputs in a moderate range and targets in the support (integer counts for the negative binomial)."""
    rng = np.random.default_rng(seed)
    raw = rng.uniform(-1.5, 1.5, shape + (dist.n_params,))
    if dist.name == "negative_binomial":
        raw[..., 0] += 2.0  # means around 2
        y = rng.poisson(2.5, shape).astype(float)
    else:
        y = rng.standard_normal(shape) * 1.5
    return raw, y


def window(shape=(4, 3), seed=5):
    """A window location and scale of the target's shape."""
    rng = np.random.default_rng(seed)
    return rng.normal(10.0, 3.0, shape), rng.uniform(0.5, 4.0, shape)


def finite_diff(f, raw, h=1e-6):
    grad = np.zeros_like(raw)
    for idx in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad


def scaled(dist, shape=(4, 3)):
    """(loc, scale) for the call: loc and scale for the continuous heads, scale alone for counts."""
    loc, scale = window(shape)
    return (None, scale) if dist.name == "negative_binomial" else (loc, scale)


def target_for(dist, y, loc, scale):
    return y if loc is None else loc + scale * y  # counts stay counts; continuous targets in data units


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("dist", DISTS, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("rescaled", [False, True])
def test_value_matches_reference(dist, weighted, rescaled):
    raw, y = case(dist)
    weight = np.array([1.0, 0.0, 2.5]) if weighted else None
    loc, scale = scaled(dist) if rescaled else (None, None)
    y = target_for(dist, y, loc, scale)
    value, _ = dist(raw, y, weight, loc=loc, scale=scale)
    want = ref.distribution_loss(dist.name, raw, y, weight, 0.0 if loc is None else loc, 1.0 if scale is None else scale)
    np.testing.assert_allclose(value, want, rtol=1e-12)


def test_log_prob_matches_scipy():
    rng = np.random.default_rng(3)
    y = rng.standard_normal(50) * 3
    loc, sigma, df = rng.normal(0, 1, 50), rng.uniform(0.1, 3, 50), rng.uniform(2.01, 40, 50)
    np.testing.assert_allclose(Normal().log_prob((loc, sigma), y), stats.norm.logpdf(y, loc, sigma), rtol=1e-13)
    np.testing.assert_allclose(StudentT().log_prob((loc, sigma, df), y), stats.t.logpdf(y, df, loc, sigma), rtol=1e-12)
    counts = rng.poisson(5.0, 50).astype(float)
    counts[:5] = [0, 1, 200, 3000, 0]
    mean, alpha = rng.uniform(0.01, 50, 50), rng.uniform(1e-4, 5, 50)
    want = stats.nbinom.logpmf(counts, 1 / alpha, 1 / (1 + alpha * mean))
    np.testing.assert_allclose(NegativeBinomial().log_prob((mean, alpha), counts), want, rtol=1e-10)
    assert NegativeBinomial().log_prob((2.0, 0.5), -1.0) == -np.inf


def test_huge_degrees_of_freedom_give_the_normal():
    y, loc, sigma = np.array([-2.0, 0.3, 4.0]), 0.5, 1.7
    got = StudentT().log_prob((loc, sigma, 1e300), y)  # lgamma(5e299) alone would overflow
    np.testing.assert_allclose(got, stats.norm.logpdf(y, loc, sigma), rtol=1e-12)


def test_rescaled_continuous_heads_differ_by_log_scale_only():
    # y = loc + scale * z: the NLL of y is that of z plus log(scale); the gradient is unchanged.
    for dist in DISTS[:2]:
        raw, z = case(dist)
        loc, scale = window()
        v_z, g_z = dist(raw, z)
        v_y, g_y = dist(raw, loc + scale * z, loc=loc, scale=scale)
        np.testing.assert_allclose(v_y, v_z + np.mean(np.log(scale)), rtol=1e-12)
        np.testing.assert_allclose(g_y, g_z, rtol=1e-9, atol=1e-14)


def test_negative_binomial_scales_the_mean_and_keeps_the_dispersion():
    dist = NegativeBinomial()
    raw, counts = case(dist)
    _, scale = window()
    m, a = dist.params(raw)
    m_y, a_y = dist.rescale((m, a), scale=scale)
    np.testing.assert_array_equal(m_y, m * scale)
    np.testing.assert_array_equal(a_y, a)
    value, _ = dist(raw, counts, scale=scale)
    np.testing.assert_allclose(value, np.mean(-stats.nbinom.logpmf(counts, 1 / a, 1 / (1 + a * m * scale))), rtol=1e-11)
    with pytest.raises(ValueError, match="takes no loc"):
        dist(raw, counts, loc=1.0, scale=scale)


# ------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("dist", DISTS, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("rescaled", [False, True])
def test_gradient_matches_finite_differences(dist, weighted, rescaled):
    raw, y = case(dist, seed=1)
    weight = np.array([1.0, 0.0, 2.5]) if weighted else None
    loc, scale = scaled(dist) if rescaled else (None, None)
    y = target_for(dist, y, loc, scale)
    _, dpred = dist(raw, y, weight, loc=loc, scale=scale)
    assert dpred.shape == raw.shape and dpred.dtype == np.float64
    ref_loc, ref_scale = 0.0 if loc is None else loc, 1.0 if scale is None else scale
    want = finite_diff(lambda r: ref.distribution_loss(dist.name, r, y, weight, ref_loc, ref_scale), raw)
    np.testing.assert_allclose(dpred, want, rtol=1e-6, atol=1e-9)
    if weighted:
        assert np.all(dpred[:, 1] == 0.0)


def test_negative_binomial_on_scaled_counts_is_the_continuous_extension():
    # Counts divided by a scale are not integers: the lgamma formula still gives a smooth NLL
    # (GluonTS's), and its gradient is that formula's.
    dist = NegativeBinomial()
    raw, counts = case(dist, seed=2)
    y = counts / 3.7
    value, dpred = dist(raw, y)
    np.testing.assert_allclose(value, ref.distribution_loss(dist.name, raw, y), rtol=1e-12)
    want = finite_diff(lambda r: ref.distribution_loss(dist.name, r, y), raw)
    np.testing.assert_allclose(dpred, want, rtol=1e-6, atol=1e-9)


def _mp_nll(name, raw, y, mp):
    """The NLL at 50 digits from the density formulas (the reference's, in mpmath)."""
    floor = mp.mpf("1e-6")
    sp = [mp.log(1 + mp.exp(x)) for x in raw]
    if name == "normal":
        loc, s = raw[0], sp[1] + floor
        return ((y - loc) / s) ** 2 / 2 + mp.log(s) + mp.log(2 * mp.pi) / 2
    if name == "student_t":
        loc, s, nu = raw[0], sp[1] + floor, 2 + floor + sp[2]
        return -(mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2 - mp.log(s)
                 - (nu + 1) / 2 * mp.log(1 + ((y - loc) / s) ** 2 / nu))  # fmt: skip
    m, a = sp[0] + floor, sp[1] + floor
    r = 1 / a
    return -(mp.loggamma(y + r) - mp.loggamma(r) - mp.loggamma(y + 1) - r * mp.log(1 + a * m)
             + y * mp.log(a * m / (1 + a * m)))  # fmt: skip


# Regimes where float64 finite differences are too coarse to judge 1e-9: tiny and huge scales,
# df near 2 and in the thousands (the digamma terms of d/ddf cancel to ~1/df^2), dispersions
# near the Poisson (1e-4 and below: those of d/ddispersion cancel to O(y) from ~y/dispersion),
# and a count of 900.
# fmt: off
MP_CASES = {
    "normal": ([[0.3, 0.2], [-1.0, -9.0], [4.0, 30.0], [0.0, -3.0]], [1.1, -1.0 + 3e-4, -50.0, 2.0]),
    "student_t": ([[0.3, 0.2, -0.5], [-1.0, -6.0, -9.0], [4.0, 1.0, 1e3], [0.0, 0.5, 80.0], [1.0, -1.0, 3e4],
                   [0.5, 0.0, 7e5]], [1.1, -1.0 + 1e-2, -3.0, 9.0, 1.5, -40.0]),
    "negative_binomial": ([[3.0, -9.0], [0.5, -6.0], [7.0, 2.0], [-4.0, 1.0], [2.0, -4.6], [2.0, -4.7],
                           [10.0, -13.0], [-10.0, -13.0], [3.0, -20.0]],
                          [4.0, 0.0, 900.0, 3.0, 5.0, 5.0, 3.0, 1.0, 7.0]),
}
# fmt: on


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_gradient_to_ten_digits_against_mpmath(dist):
    mp = pytest.importorskip("mpmath", reason="the 50-digit reference of these regimes")
    mp.mp.dps = 50
    raw, y = (np.array(v) for v in MP_CASES[dist.name])
    _, dpred = dist(raw, y)
    want = [[float(mp.diff(lambda t, k=k, r=r, b=b: _mp_nll(dist.name, r[:k] + [t] + r[k + 1 :], b, mp), r[k]))
             for k in range(dist.n_params)] for r, b in zip(raw.tolist(), y.tolist())]  # fmt: skip
    np.testing.assert_allclose(dpred * len(y), want, rtol=1e-10, atol=0)


TORCH_CASES = {
    "normal": lambda td, p: td.Normal(p[0], p[1]),
    "student_t": lambda td, p: td.StudentT(p[2], p[0], p[1]),
    "negative_binomial": lambda td, p: td.NegativeBinomial(total_count=1 / p[1], logits=(p[0] * p[1]).log()),
}


@pytest.mark.torch
@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_matches_torch_distributions(dist):
    torch = pytest.importorskip("torch", reason="torch.distributions is the independent reference here")
    raw, y = case(dist, shape=(5, 4), seed=7)
    weight = np.random.default_rng(8).uniform(0.0, 2.0, (5, 1))
    loc, scale = scaled(dist, (5, 4))
    y = target_for(dist, y, loc, scale)
    value, dpred = dist(raw, y, weight, loc=loc, scale=scale)

    raw_t = torch.tensor(raw, dtype=torch.float64, requires_grad=True)
    sp = lambda x: torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))
    f = dist.floor
    if dist.name == "negative_binomial":
        params = (sp(raw_t[..., 0]) + f) * torch.tensor(scale), sp(raw_t[..., 1]) + f
    else:
        s_t = torch.tensor(scale)
        params = [torch.tensor(loc) + s_t * raw_t[..., 0], s_t * (sp(raw_t[..., 1]) + f)]
        if dist.name == "student_t":
            params.append(2.0 + f + sp(raw_t[..., 2]))
    w_t = torch.tensor(np.broadcast_to(weight, y.shape).copy())
    nll = -TORCH_CASES[dist.name](torch.distributions, params).log_prob(torch.tensor(y))
    total = (w_t * nll).sum() / w_t.sum()
    total.backward()
    np.testing.assert_allclose(value, total.item(), rtol=1e-12)
    np.testing.assert_allclose(dpred, raw_t.grad.numpy(), rtol=1e-9, atol=1e-13)


# ------------------------------------------------------------ masks, shapes, dtypes
@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_masked_targets_may_be_nan_and_do_not_count(dist):
    raw, y = case(dist)
    weight = np.ones(y.shape)
    weight[0, :] = 0.0
    y_nan = y.copy()
    y_nan[0, :] = np.nan
    v_masked, g_masked = dist(raw, y_nan, weight)
    v_rest, g_rest = dist(raw[1:], y[1:])
    np.testing.assert_allclose(v_masked, v_rest, rtol=1e-13)
    np.testing.assert_allclose(g_masked[1:], g_rest, rtol=1e-12)  # the mean over the 9 that count
    assert np.all(g_masked[0] == 0.0)
    with pytest.raises(ValueError, match="NaN/inf value"):
        dist(raw, y_nan)


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_weight_two_equals_the_target_twice_and_trailing_one_target(dist):
    raw, y = case(dist, shape=(3,))
    v_w, _ = dist(raw, y, np.array([2.0, 1.0, 1.0]))
    v_dup, _ = dist(np.concatenate([raw, raw[:1]]), np.concatenate([y, y[:1]]))
    np.testing.assert_allclose(v_w, v_dup, rtol=1e-13)
    v1, g1 = dist(raw, y[:, None])
    v0, g0 = dist(raw, y)
    assert v1 == v0 and np.array_equal(g1, g0)


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_float32_inputs(dist):
    raw, y = case(dist)
    raw32 = raw.astype(np.float32)
    y32 = y.astype(np.float32)
    v32, g32 = dist(raw32, y32)
    v64, g64 = dist(raw32.astype(np.float64), y32.astype(np.float64))
    assert g32.dtype == np.float32 and isinstance(v32, float)
    assert v32 == v64  # computed in float64 from the same (float32) values
    np.testing.assert_allclose(g32, g64, rtol=1e-6, atol=1e-12)


EXTREMES = [-1e300, -3e38, -1e4, -50.0, 50.0, 1e4, 3e38, 1e300]


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_raw_outputs_stay_finite(dist, dtype):
    # Every positive parameter's raw output over the extremes (softplus of huge values, scales
    # at the floor), every target at a moderate distance; the location raw output stays moderate.
    extremes = [x for x in EXTREMES if dtype == np.float64 or abs(x) < 1e38]
    positive = [k for k, off in enumerate(dist._offsets) if off is not None]
    grid = np.array(np.meshgrid(*[extremes] * len(positive))).reshape(len(positive), -1).T
    raw = np.zeros((grid.shape[0], dist.n_params))
    raw[:, positive] = grid
    y = np.resize([0.0, 3.0, 40.0], raw.shape[0]) if dist.name == "negative_binomial" else np.resize([-2.0, 0.0, 7.0], raw.shape[0])
    value, dpred = dist(raw.astype(dtype), y)
    assert np.isfinite(value) and np.all(np.isfinite(dpred))
    params = dist.params(raw)
    assert all(np.all(np.isfinite(p)) and np.all(p > 0) for p, off in zip(params, dist._offsets) if off is not None)


def test_tiny_scale_is_the_floor_and_scores_far_targets_finitely():
    raw = np.array([[0.0, -1e4], [0.0, -1e4]])
    value, dpred = Normal()(raw, np.array([0.0, 5.0]))
    assert Normal().params(raw)[1][0] == 1e-6
    np.testing.assert_allclose(value, 0.5 * (0.5 * 25e12 + 2 * np.log(1e-6) + np.log(2 * np.pi)), rtol=1e-12)
    assert np.all(np.isfinite(dpred)) and dpred[1, 0] < 0  # pulls the location towards 5


# ---------------------------------------------------------------- quantiles, samples
def test_quantiles_match_scipy():
    q = [0.025, 0.1, 0.5, 0.9, 0.975]
    loc, sigma, df = np.array([0.0, -3.0]), np.array([1.0, 0.2]), np.array([2.5, 30.0])
    got = Normal().quantile((loc, sigma), q)
    assert got.shape == (2, 5)
    np.testing.assert_allclose(got, stats.norm.ppf(q, loc[:, None], sigma[:, None]), rtol=1e-14)
    np.testing.assert_allclose(StudentT().quantile((loc, sigma, df), q), stats.t.ppf(q, df[:, None], loc[:, None],
                                                                                      sigma[:, None]), rtol=1e-12)
    m, a = np.array([0.3, 4.0, 200.0]), np.array([2.0, 0.1, 1e-4])
    got = NegativeBinomial().quantile((m, a), q)
    np.testing.assert_array_equal(got, stats.nbinom.ppf(q, 1 / a[:, None], 1 / (1 + a[:, None] * m[:, None])))
    assert got[0, 0] == 0.0 and np.all(np.diff(got, axis=1) >= 0)
    assert Normal().quantile((1.0, 2.0), 0.5) == 1.0
    with pytest.raises(ValueError, match=r"each in \(0, 1\)"):
        Normal().quantile((0.0, 1.0), [0.5, 1.0])


SAMPLE_PARAMS = {
    "normal": (np.array([1.5, -20.0]), np.array([0.7, 3.0])),
    "student_t": (np.array([1.5, -20.0]), np.array([0.7, 3.0]), np.array([8.0, 12.0])),  # df > 4: finite kurtosis
    "negative_binomial": (np.array([0.4, 25.0]), np.array([1.5, 0.05])),
}


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_samples_are_seeded_and_have_the_right_moments(dist):
    params = SAMPLE_PARAMS[dist.name]
    S = 200_000
    draws = dist.sample(params, S, rng=42)
    assert draws.shape == (S, 2) and draws.dtype == np.float64
    np.testing.assert_array_equal(draws, dist.sample(params, S, rng=np.random.default_rng(42)))
    assert not np.array_equal(draws[:100], dist.sample(params, 100, rng=43))
    if dist.name == "negative_binomial":
        assert np.all(draws >= 0) and np.array_equal(draws, np.round(draws))
    mean, var = dist.mean(params), dist.variance(params)
    # Five standard errors: of the mean, sqrt(var / S); of the sample variance, sqrt((m4 - var**2) / S)
    # with the fourth central moment m4 estimated from the draws (the delta method).
    centred = draws - draws.mean(axis=0)
    m4 = np.mean(centred**4, axis=0)
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * np.sqrt(var / S))
    assert np.all(np.abs(draws.var(axis=0) - var) < 5 * np.sqrt((m4 - var**2) / S))


def test_sample_quantiles_match_the_quantile_function():
    params = SAMPLE_PARAMS["student_t"]
    draws = StudentT().sample(params, 100_000, rng=0)
    q = np.array([0.1, 0.5, 0.9])
    want = StudentT().quantile(params, q)  # (2, 3)
    got = np.quantile(draws, q, axis=0).T
    dens = np.exp(StudentT().log_prob(tuple(p[:, None] for p in params), want))
    se = np.sqrt(q * (1 - q) / 100_000) / dens  # standard error of a sample quantile
    assert np.all(np.abs(got - want) < 5 * se)


# ------------------------------------------------------------------ the trainer's layout
@pytest.mark.parametrize("dist", DISTS, ids=IDS)
def test_horizon_layout_is_the_flat_call_on_steps(dist):
    raw, y = case(dist, shape=(2, 5, 3))  # (B, T, horizon)
    loss = HorizonDistributionLoss(dist.name, scaled=dist.name == "negative_binomial")
    _, scale = window((2, 5, 3))
    scale = scale if loss.scaled else None
    weight = np.random.default_rng(4).uniform(0.0, 2.0, (2, 5, 3))
    pred = raw.reshape(2, 5, 3 * dist.n_params)
    target = loss.pack(y, scale=scale)
    assert target.shape == pred.shape
    np.testing.assert_array_equal(target.reshape(raw.shape)[..., 0], y)
    value, dpred = loss(pred, target, np.repeat(weight, dist.n_params, axis=-1))
    want_value, want_grad = dist(raw, y, weight, scale=scale)
    assert value == want_value and np.array_equal(dpred, want_grad.reshape(pred.shape))
    with pytest.raises(ValueError, match=f"horizon \\* {dist.n_params}"):
        loss(pred[..., :-1], target[..., :-1])
    with pytest.raises(ValueError, match="scale is required when scaled=True and not accepted otherwise"):
        loss.pack(y, scale=None if loss.scaled else 2.0)


def test_horizon_layout_doctest():
    import doctest

    from tsrnn.nn import horizon_distribution

    result = doctest.testmod(horizon_distribution, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["normal", "negative_binomial"])
def test_the_trainer_learns_the_parameters(name):
    # y = 2x + 0.5 noise, and counts with mean s * exp(0.5x + 1), dispersion 0.2, over window
    # scales s of 1, 10 and 100 that the network never sees (DeepAR's scaled negative binomial).
    rng = np.random.default_rng(0)
    loss = HorizonDistributionLoss(name, scaled=name == "negative_binomial")
    model = RecurrentRegressor("gru", 1, 8, loss.n_params, seed=0, dtype=np.float64)
    trainer = TBPTTTrainer(model, loss, Adam(model.parameters(), lr=0.02))
    for _ in range(300):
        x = rng.standard_normal((64, 10, 1))
        if name == "normal":
            target = loss.pack(2 * x + 0.5 * rng.standard_normal(x.shape))
        else:
            s = np.broadcast_to(rng.choice([1.0, 10.0, 100.0], (64, 1, 1)), x.shape)
            counts = rng.poisson(rng.gamma(1 / 0.2, 0.2 * s * np.exp(0.5 * x + 1))).astype(float)
            target = loss.pack(counts, scale=s)
        trainer.step(x, target)
    x = np.linspace(-1.0, 1.0, 5)
    first, second = loss.distribution.params(model.forward(x.reshape(1, 5, 1))[0][0])
    # 300 steps of Adam without decay: within ~10% of the truth (an untrained head's softplus
    # outputs sit near 0.69, and its location near 0).
    if name == "normal":
        assert np.all(np.abs(first - 2 * x) < 0.15) and np.all(np.abs(second / 0.5 - 1) < 0.12)
    else:
        assert np.all(np.abs(first / np.exp(0.5 * x + 1) - 1) < 0.1) and np.all(np.abs(second / 0.2 - 1) < 0.3)


# ----------------------------------------------------------------------------- errors
def test_errors_speak_to_the_user():
    raw, y = case(Normal())
    with pytest.raises(ValueError, match="trailing axis of 2 raw parameters"):
        Normal()(raw[..., :1], y)
    with pytest.raises(ValueError, match=r"expected \(4, 3\) or \(4, 3, 1\)"):
        Normal()(raw, y[:2])
    with pytest.raises(FloatingPointError, match="diverged"):
        Normal()(np.full_like(raw, np.nan), y)
    with pytest.raises(ValueError, match="float32 or float64 ndarray"):
        Normal()(raw.tolist(), y)
    with pytest.raises(ValueError, match=r"value\(s\) <= 0"):
        Normal()(raw, y, scale=np.zeros(3))
    with pytest.raises(ValueError, match="weight sums to 0"):
        Normal()(raw, y, np.zeros(3))
    with pytest.raises(ValueError, match="outside the support"):
        NegativeBinomial()(raw, -np.abs(y) - 1)
    with pytest.raises(ValueError, match="num_samples"):
        Normal().sample((0.0, 1.0), 0)
    with pytest.raises(ValueError, match="beyond 1e18"):
        NegativeBinomial().sample((1e19, 0.1), 3, rng=0)
    with pytest.raises(ValueError, match="floor"):
        Normal(floor=0.0)
    with pytest.raises(ValueError, match="not a known distribution"):
        get_distribution("poisson")


def test_get_distribution_names():
    assert isinstance(get_distribution("Student_T"), StudentT)
    assert isinstance(get_distribution("gaussian"), Normal)
    assert get_distribution("negative_binomial", floor=1e-4).floor == 1e-4
    d = NegativeBinomial()
    assert get_distribution(d) is d
    assert [c().n_params for c in (Normal, StudentT, NegativeBinomial)] == [2, 3, 2]
