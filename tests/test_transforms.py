"""Per-series scalers and differencing on CSR-stored series, checked against hand-computed numbers."""

import json

import numpy as np
import pytest

from tsrnn.data.transforms import SCALERS, difference, fit_scaler, scale, undifference, unscale

# Three series of different lengths, stored unsorted so the robust scaler has to sort within each.
A = [7.0, 1.0, 11.0, 2.0, 4.0]  # sorted 1 2 4 7 11: mean 5, var 66/5, median 4, q25 2, q75 7
B = [2.0, 4.0, 9.0]  # mean 5, var 26/3, median 4, q25 3, q75 6.5
C = [10.0, 0.0, 4.0, 6.0]  # sorted 0 4 6 10: mean 5, var 52/4, median 5, q25 3, q75 7
VALUES = np.array(A + B + C)
INDPTR = np.array([0, 5, 8, 12], dtype=np.int64)

EXPECTED = {
    "standard": [[5.0, np.sqrt(66 / 5)], [5.0, np.sqrt(26 / 3)], [5.0, np.sqrt(13.0)]],
    "minmax": [[1.0, 10.0], [2.0, 7.0], [0.0, 10.0]],
    "robust": [[4.0, 5.0], [4.0, 3.5], [5.0, 4.0]],
    None: [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]],
}


@pytest.mark.parametrize("kind", SCALERS)
def test_scaler_stats_by_hand(kind):
    stats = fit_scaler(kind, VALUES, INDPTR)
    assert stats.dtype == np.float64 and stats.shape == (3, 2)
    np.testing.assert_allclose(stats, EXPECTED[kind], rtol=1e-15, atol=0)


def test_scaler_stats_match_numpy():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 40, size=25)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    values = rng.normal(3.0, 2.0, size=indptr[-1])
    series = [values[indptr[i] : indptr[i + 1]] for i in range(25)]
    robust = fit_scaler("robust", values, indptr)
    standard = fit_scaler("standard", values, indptr)
    for i, s in enumerate(series):
        if s.size > 1:
            q25, q50, q75 = np.percentile(s, [25, 50, 75])
            np.testing.assert_allclose(robust[i], [q50, q75 - q25], rtol=1e-12)
            np.testing.assert_allclose(standard[i], [s.mean(), s.std()], rtol=1e-12)


def test_minmax_maps_each_series_onto_unit_interval():
    scaled = scale(VALUES, INDPTR, fit_scaler("minmax", VALUES, INDPTR))
    np.testing.assert_allclose(scaled[:5], [0.6, 0.0, 1.0, 0.1, 0.3], rtol=1e-15)
    np.testing.assert_allclose(scaled[5:8], [0.0, 2 / 7, 1.0], rtol=1e-15)
    np.testing.assert_allclose(scaled[8:], [1.0, 0.0, 0.4, 0.6], rtol=1e-15)


@pytest.mark.parametrize("kind", SCALERS)
def test_scale_then_unscale_round_trips(kind):
    rng = np.random.default_rng(1)
    x = rng.normal(100.0, 30.0, size=(4, 17))
    indptr = np.arange(0, 4 * 17 + 1, 17)
    stats = fit_scaler(kind, x.ravel(), indptr)
    scaled = scale(x.ravel(), indptr, stats)
    np.testing.assert_allclose(unscale(scaled.reshape(4, 17), stats), x, rtol=0, atol=1e-12)
    # Unequal lengths: each series unscales with its own row of stats.
    stats = fit_scaler(kind, VALUES, INDPTR)
    scaled = scale(VALUES, INDPTR, stats)
    for i in range(3):
        part = scaled[INDPTR[i] : INDPTR[i + 1]]
        restored = unscale(part[None], stats[i : i + 1])[0]
        np.testing.assert_allclose(restored, VALUES[INDPTR[i] : INDPTR[i + 1]], rtol=0, atol=1e-12)


def test_unscale_broadcasts_over_trailing_axes():
    stats = np.array([[1.0, 2.0], [-1.0, 10.0]])
    x = np.ones((2, 3, 4))
    out = unscale(x, stats)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[0], 3.0)
    np.testing.assert_array_equal(out[1], 9.0)
    np.testing.assert_array_equal(unscale(np.array([0.5, 0.5]), stats), [2.0, 4.0])


@pytest.mark.parametrize("kind", ["standard", "minmax", "robust"])
def test_constant_series_fall_back_to_unit_scale(kind, recwarn):
    # 0.1 ten times does not average to exactly 0.1; the location must still be 0.1 itself.
    values = np.array([3.0, 3.0, 3.0] + [0.1] * 10 + [-2.5] + [1.0, 5.0])
    indptr = np.array([0, 3, 13, 14, 16])
    stats = fit_scaler(kind, values, indptr)
    np.testing.assert_array_equal(stats[:3], [[3.0, 1.0], [0.1, 1.0], [-2.5, 1.0]])
    np.testing.assert_array_equal(scale(values, indptr, stats)[:14], 0.0)
    assert len(recwarn) == 0


def test_robust_zero_iqr_falls_back_to_unit_scale():
    stats = fit_scaler("robust", np.array([5.0, 5.0, 5.0, 5.0, 100.0]), np.array([0, 5]))
    np.testing.assert_array_equal(stats, [[5.0, 1.0]])


def test_difference_seasonal_then_ordinary_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 6.0, 8.0, 3.0] + [10.0, 20.0, 40.0, 30.0])
    indptr = np.array([0, 9, 13])
    new_values, new_indptr, tails = difference(y, indptr, d=1, m=2, D=1)
    # series 0, y_t - y_{t-2}: 2 2 -1 0 4 4 -3; then first differences: 0 -3 1 4 0 -7
    # series 1, y_t - y_{t-2}: 30 10; then first differences: -20
    np.testing.assert_array_equal(new_values, [0.0, -3.0, 1.0, 4.0, 0.0, -7.0, -20.0])
    np.testing.assert_array_equal(new_indptr, [0, 6, 7])
    # last m=2 original values, then the last seasonal difference
    np.testing.assert_array_equal(tails, [[8.0, 3.0, -3.0], [40.0, 30.0, 10.0]])
    assert new_values.dtype == np.float64 and new_indptr.dtype == np.int64 and tails.dtype == np.float64


def test_difference_order_zero_is_a_copy():
    new_values, new_indptr, tails = difference(VALUES, INDPTR)
    np.testing.assert_array_equal(new_values, VALUES)
    np.testing.assert_array_equal(new_indptr, INDPTR)
    assert tails.shape == (3, 0)
    assert not np.shares_memory(new_values, VALUES)


CONFIGS = [
    dict(d=0),
    dict(d=1),
    dict(d=2),
    dict(D=1, m=4),
    dict(D=1, m=4, d=1),
    dict(D=1, m=4, d=2),
]


def _random_panel(rng, lengths):
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    # trend + season + noise so every differencing stage sees non-trivial values
    t = np.concatenate([np.arange(n) for n in lengths])
    values = 0.3 * t + 5.0 * np.sin(2 * np.pi * t / 4) + rng.normal(size=indptr[-1]).cumsum()
    return values, indptr


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("h", [1, 3, 4, 11])
def test_undifference_recovers_true_future(config, h):
    rng = np.random.default_rng(h)
    history_lengths = np.array([20, 13, 9])
    values, indptr = _random_panel(rng, history_lengths + h)
    full = [values[indptr[i] : indptr[i + 1]] for i in range(3)]
    history = np.concatenate([s[:-h] for s in full])
    hist_indptr = np.concatenate(([0], np.cumsum(history_lengths)))
    future = np.stack([s[-h:] for s in full])

    _, _, tails = difference(history, hist_indptr, **config)
    diffed, diff_indptr, _ = difference(values, indptr, **config)
    future_diffs = np.stack([diffed[diff_indptr[i + 1] - h : diff_indptr[i + 1]] for i in range(3)])

    out = undifference(future_diffs, tails, **config)
    assert out.shape == (3, h) and out.dtype == np.float64
    np.testing.assert_allclose(out, future, rtol=0, atol=1e-9)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("h", [3, 11])
def test_undifference_integrates_each_quantile(config, h):
    # Q different futures after one shared history: each quantile column is its own path.
    rng = np.random.default_rng(100 + h)
    history, indptr = _random_panel(rng, [15, 10])
    _, _, tails = difference(history, indptr, **config)
    futures = rng.normal(size=(2, h, 3)).cumsum(axis=1) + 10.0
    k = tails.shape[1]
    expected_diffs = np.empty_like(futures)
    for q in range(3):
        for i in range(2):
            series = np.concatenate([history[indptr[i] : indptr[i + 1]], futures[i, :, q]])
            d, _, _ = difference(series, np.array([0, series.size]), **config)
            expected_diffs[i, :, q] = d[-h:]
    out = undifference(expected_diffs, tails, **config)
    assert out.shape == (2, h, 3)
    np.testing.assert_allclose(out, futures, rtol=0, atol=1e-9)
    assert k == config.get("D", 0) * config.get("m", 0) + config.get("d", 0)


def test_tails_store_and_restore_as_json_and_npz(tmp_path):
    values, indptr = _random_panel(np.random.default_rng(5), [12, 9])
    _, _, tails = difference(values, indptr, d=1, m=4, D=1)
    assert tails.shape == (2, 5)
    restored = np.asarray(json.loads(json.dumps(tails.tolist())), dtype=np.float64).reshape(2, 5)
    np.testing.assert_array_equal(restored, tails)
    np.savez(tmp_path / "t.npz", tails=tails)
    np.testing.assert_array_equal(np.load(tmp_path / "t.npz")["tails"], tails)


# ----------------------------------------------------------------------------- errors


def test_unknown_scaler_lists_valid_ones():
    pattern = r"unknown scaler 'zscore'; expected one of \('standard', 'minmax', 'robust', None\)"
    with pytest.raises(ValueError, match=pattern):
        fit_scaler("zscore", VALUES, INDPTR)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(D=1), r"seasonal differencing D=1 needs the season length m .*got m=None"),
        (dict(D=1, m=1), r"m \(season length\) must be an integer >= 2 or None, got 1"),
        (dict(D=1, m=4.0), r"m \(season length\) must be an integer >= 2 or None, got 4.0"),
        (dict(d=3), r"d must be one of \(0, 1, 2\), got 3"),
        (dict(d=-1), r"d must be one of \(0, 1, 2\), got -1"),
        (dict(D=2, m=4), r"D must be one of \(0, 1\), got 2"),
    ],
)
def test_bad_differencing_orders(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        difference(VALUES, INDPTR, **kwargs)
    with pytest.raises(ValueError, match=pattern):
        undifference(np.zeros((3, 2)), np.zeros((3, 0)), **kwargs)


def test_too_short_series_are_named_with_their_lengths():
    values = np.arange(18.0)
    indptr = np.array([0, 10, 13, 18])  # lengths 10, 3, 5
    with pytest.raises(ValueError, match=r"positions \[1, 2\] \(lengths \[3, 5\]\).*removes 5 values.*at least 6"):
        difference(values, indptr, d=1, m=4, D=1)
    with pytest.raises(ValueError, match=r"positions \[1\] \(lengths \[3\]\).*removes 3 values.*at least 4"):
        difference(values, indptr, d=1, m=2, D=1)


@pytest.mark.parametrize(
    "values, indptr, pattern",
    [
        (VALUES, np.array([0, 8, 5, 12]), r"indptr decreases at position 1 \(8 -> 5\)"),
        (VALUES, np.array([0, 5, 11]), r"indptr runs from 0 to 11; expected it to run from 0 to len\(values\) = 12"),
        (VALUES, np.array([0.0, 12.0]), r"indptr has dtype float64"),
        (np.array([1.0, np.nan]), np.array([0, 2]), r"values contains NaN or inf \(first at index \(1,\): nan\)"),
        (VALUES.reshape(3, 4), INDPTR, r"values has 2 dimensions \(shape \(3, 4\)\); expected 1"),
    ],
)
def test_bad_csr_input(values, indptr, pattern):
    with pytest.raises(ValueError, match=pattern):
        fit_scaler("standard", values, indptr)


def test_empty_series_cannot_be_scaled():
    with pytest.raises(ValueError, match=r"empty series: positions \[1\] \(lengths \[0\]\)"):
        fit_scaler("robust", VALUES, np.array([0, 5, 5, 12]))


def test_shape_mismatches_say_what_was_expected():
    stats = fit_scaler("standard", VALUES, INDPTR)
    with pytest.raises(ValueError, match=r"stats has shape \(3, 2\) for x of shape \(2, 4\); expected \(S=2, 2\)"):
        unscale(np.zeros((2, 4)), stats)
    with pytest.raises(ValueError, match=r"stats has shape \(2, 2\); expected \(S=3, 2\)"):
        scale(VALUES, INDPTR, stats[:2])
    with pytest.raises(ValueError, match=r"tails has shape \(3, 4\); expected \(S=3, K=5\)"):
        undifference(np.zeros((3, 6)), np.zeros((3, 4)), d=1, m=4, D=1)


def test_no_series_and_empty_horizon():
    empty, indptr = np.zeros(0), np.array([0])
    assert fit_scaler("robust", empty, indptr).shape == (0, 2)
    new_values, new_indptr, tails = difference(empty, indptr, d=1, m=4, D=1)
    assert new_values.shape == (0,) and new_indptr.tolist() == [0] and tails.shape == (0, 5)
    assert undifference(np.zeros((0, 7)), tails, d=1, m=4, D=1).shape == (0, 7)
    assert undifference(np.zeros((2, 0, 3)), np.zeros((2, 5)), d=1, m=4, D=1).shape == (2, 0, 3)
