"""Covariate alignment and calendar features."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.data import to_panel
from tsrnn.data.covariates import align_exog, calendar_features, calendar_names


def test_calendar_features_by_frequency():
    idx = pd.date_range("2024-01-01 00:00", periods=5, freq="h")
    f = calendar_features(idx, "datetime", idx.freq)
    assert calendar_names("datetime", idx.freq) == ["hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos",
                                                    "month_sin", "month_cos"]  # fmt: skip
    np.testing.assert_allclose(f[:, 0], np.sin(2 * np.pi * np.arange(5) / 24))
    np.testing.assert_allclose(f[:, 2], np.sin(2 * np.pi * 0 / 7))  # 2024-01-01 is a Monday (dayofweek 0)
    monthly = pd.date_range("2024-01-01", periods=3, freq="MS")
    assert calendar_names("datetime", monthly.freq) == ["month_sin", "month_cos"]
    np.testing.assert_allclose(calendar_features(monthly, "datetime", monthly.freq)[:, 1], np.cos(2 * np.pi * np.arange(3) / 12))
    assert calendar_names("datetime", pd.tseries.frequencies.to_offset("D")) == ["dayofweek_sin", "dayofweek_cos",
                                                                                "month_sin", "month_cos"]  # fmt: skip
    assert calendar_names("range", 1) == []
    assert calendar_features(pd.RangeIndex(4), "range", 1).shape == (4, 0)


def long_y():
    return pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 3, "ds": [0, 1, 2, 3, 1, 2, 3], "y": np.arange(7.0)})


def test_align_history_and_future_long():
    y = long_y()
    panel = to_panel(y)
    X = pd.DataFrame({"unique_id": ["a"] * 6 + ["b"] * 5, "ds": list(range(6)) + list(range(1, 6)),
                      "price": np.arange(11.0), "promo": np.arange(11.0) % 2})  # fmt: skip
    hist, names = align_exog(panel, X)
    assert names == ["price", "promo"] and hist.shape == (7, 2)
    np.testing.assert_array_equal(hist[:, 0], [0, 1, 2, 3, 6, 7, 8])
    fut, _ = align_exog(panel, X, h=2, names=names)
    np.testing.assert_array_equal(fut[:, :, 0], [[4, 5], [9, 10]])
    with pytest.raises(ValueError, match=r"X has no \(or NaN\) values for series 'a' at 6 \(1 of the 3 timestamps"):
        align_exog(panel, X, h=3, names=names)
    with pytest.raises(ValueError, match=r"fitted with \['price', 'promo'\] \(missing \['promo'\], unexpected \[\]\)"):
        align_exog(panel, X.drop(columns="promo"), names=names)
    with pytest.raises(ValueError, match=r"not numeric"):
        align_exog(panel, X.assign(promo="yes"))
    with pytest.raises(ValueError, match=r"duplicate rows for series 'a' at 0"):
        align_exog(panel, pd.concat([X, X.iloc[[0]]]))
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['unique_id'\]"):
        align_exog(panel, X.drop(columns="unique_id"))


def test_align_series_layout():
    idx = pd.date_range("2024", periods=5, freq="D")
    y = pd.Series(np.arange(5.0), index=idx)
    x = pd.Series(np.arange(8.0) * 10, index=pd.date_range("2024", periods=8, freq="D"), name="temp")
    panel = to_panel(y)
    hist, names = align_exog(panel, x)
    assert names == ["temp"] and hist[:, 0].tolist() == [0, 10, 20, 30, 40]
    fut, _ = align_exog(panel, x, h=3)
    assert fut.shape == (1, 3, 1) and fut[0, :, 0].tolist() == [50, 60, 70]
    with pytest.raises(ValueError, match=r"wide"):
        align_exog(to_panel(pd.DataFrame({"a": np.arange(5.0)}, index=idx)), x)
