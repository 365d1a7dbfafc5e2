"""short_series="pad": short series padded into training samples, their padded targets masked out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn.data.samples import pad_short_series
from tsrnn.data.windows import WindowSampler


def test_pad_short_series_puts_first_values_before_the_short_ones_only():
    values = np.array([1.0, 2, 3, 10, 11, 12, 13, 14, 15, 16, 20, 21])
    indptr = np.array([0, 3, 10, 12])
    cov = np.arange(24.0).reshape(12, 2)
    v, p, n, padded, c = pad_short_series(values, indptr, np.array([3, 7, 2]), need=6, min_length=3, covariates=cov)
    np.testing.assert_array_equal(padded, [3, 0, 0])  # the third is below min_length: left as it is
    np.testing.assert_array_equal(p, [0, 6, 13, 15])
    np.testing.assert_array_equal(v[:6], [1, 1, 1, 1, 2, 3])
    np.testing.assert_array_equal(v[6:], values[3:])
    np.testing.assert_array_equal(n, [6, 7, 2])
    np.testing.assert_array_equal(c[:4], [[0, 1]] * 4)
    np.testing.assert_array_equal(c[4:], cov[1:])


def test_sampler_gives_padded_targets_no_weight():
    # One series of 5 real values padded by 4 to fill window 6 + horizon 3.
    v, p, n, padded, _ = pad_short_series(np.arange(1.0, 6.0), np.array([0, 5]), np.array([5]), 9, 5)
    sampler = WindowSampler(v, p, 6, 3, ends=n, padded=padded)
    assert len(sampler) == 1
    x, y, w = sampler.gather(np.array([0]), np.float64)
    np.testing.assert_array_equal(x[0, :, 0], [1, 1, 1, 1, 1, 2])
    # Target j of step t sits at position t + 1 + j; the real values start at position 4.
    pos = np.arange(6)[:, None] + 1 + np.arange(3)
    np.testing.assert_array_equal(w[0], (pos >= 4).astype(float))
    np.testing.assert_array_equal(y[0, -1], [3, 4, 5])
    # Without padding, no weights are made.
    assert WindowSampler(np.arange(20.0), np.array([0, 20]), 6, 3).gather(np.array([0]))[2] is None


def test_forecaster_pads_short_series_instead_of_leaving_them_out():
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": np.arange(n), "y": 10 + np.cumsum(rng.random(n))})
              for i, n in enumerate([60, 60, 12, 11])]  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    fast = dict(cell="gru", hidden_size=8, window=24, horizon=6, season_length=1, epochs=2, random_state=0)
    with pytest.warns(UserWarning, match=r"2 series shorter than window \+ 6 = 30"):
        RNNForecaster(**fast).fit(df)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = RNNForecaster(short_series="pad", **fast).fit(df)
    assert np.all(np.isfinite(f.predict()[f.name_]))
    tiny = pd.concat([df, pd.DataFrame({"unique_id": "t", "ds": np.arange(7), "y": np.arange(7.0) + 1})])
    with pytest.warns(UserWarning, match=r"1 series shorter than 6 \+ 2 \(short_series='pad'\) = 8 .*\['t'\]"):
        RNNForecaster(short_series="pad", **fast).fit(tiny)
    with pytest.raises(ValueError, match="short_series='zero' is not known"):
        RNNForecaster(short_series="zero", **fast).fit(df)
