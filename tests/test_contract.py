"""One contract suite over every forecaster class in tsrnn."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import NotFittedError, load
from tsrnn.forecasters import BaseForecaster, forecaster_classes

CLASSES = sorted(forecaster_classes().items())


def comparable(value):
    """Parameters with forecasters in them (a Combination's members) as (class, parameters), compared by value."""
    if isinstance(value, BaseForecaster):
        return type(value).__name__, comparable(value.get_params())
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(comparable(v) for v in value)
    return value


def make_long(n_series=3, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        n = 80 + 10 * i
        ds = pd.date_range("2024-01-01", periods=n, freq="h") + pd.Timedelta(hours=5 * i)
        t = np.arange(n)
        y = 10 + i + np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(n)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def make_series():
    idx = pd.date_range("2024-03-01", periods=90, freq="D")
    return pd.Series(np.sin(np.arange(90) / 3.0) + 5, index=idx, name="sales")


def make_wide():
    idx = pd.date_range("2024-01-01", periods=70, freq="h")
    t = np.arange(70)
    return pd.DataFrame({"a": np.sin(t / 2), "b": np.cos(t / 3) + 2.0}, index=idx)


@pytest.fixture(params=CLASSES, ids=[name for name, _ in CLASSES])
def cls(request):
    return request.param[1]


def new(cls, **kw):
    return cls(**{**cls._test_params(), **kw})


def test_fit_returns_self_and_sets_learned_state(cls):
    f = new(cls)
    assert f.fit(make_series()) is f
    learned = [k for k in vars(f) if k.endswith("_") and not k.startswith("_")]
    assert learned, "fit should set attributes ending in '_'"


def test_init_only_stores_params(cls):
    f = new(cls)
    params = comparable(f.get_params())
    assert params == {**params, **comparable(cls._test_params())}
    assert not [k for k in vars(f) if k.endswith("_")]


def test_predict_series_layout(cls):
    y = make_series()
    f = new(cls).fit(y)
    h = f._default_h() or 5
    out = f.predict(h)
    assert isinstance(out, pd.Series) and len(out) == h
    pd.testing.assert_index_equal(out.index, pd.date_range(y.index[-1], periods=h + 1, freq="D")[1:])
    assert out.name == f.name_
    assert np.all(np.isfinite(out.to_numpy()))


def test_predict_long_layout(cls):
    df = make_long()
    f = new(cls).fit(df)
    out = f.predict(h=3)
    assert list(out.columns) == ["unique_id", "ds", f.name_]
    assert len(out) == 3 * 3
    for uid, g in df.groupby("unique_id"):
        got = out.loc[out.unique_id == uid, "ds"]
        want = pd.date_range(g.ds.max(), periods=4, freq="h")[1:]
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    sub = f.predict(h=2, ids=["s2"])
    assert list(sub.unique_id.unique()) == ["s2"] and len(sub) == 2
    np.testing.assert_allclose(sub[f.name_].to_numpy(), out.loc[out.unique_id == "s2", f.name_].to_numpy()[:2])


def test_predict_wide_layout(cls):
    wide = make_wide()
    f = new(cls).fit(wide)
    out = f.predict(h=2)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"]
    pd.testing.assert_index_equal(out.index, pd.date_range(wide.index[-1], periods=3, freq="h")[1:])


def test_clone_gives_unfitted_copy_with_same_params(cls):
    sklearn_base = pytest.importorskip("sklearn.base")
    f = new(cls).fit(make_series())
    g = sklearn_base.clone(f)
    assert type(g) is cls and comparable(g.get_params()) == comparable(f.get_params())
    with pytest.raises(NotFittedError):
        g.predict(3)


def test_refit_and_seed_reproducibility(cls):
    y = make_long()
    a = new(cls).fit(y).predict(4)
    f = new(cls)
    b = f.fit(y).predict(4)
    c = f.fit(y).predict(4)  # refit on the same object
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(b, c, check_exact=True)


def test_not_fitted_error(cls):
    f = new(cls)
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        f.predict(3)
    with pytest.raises(NotFittedError):
        f.save("never.tsrnn")


def test_save_load_round_trip(cls, tmp_path):
    y = make_long()
    f = new(cls).fit(y)
    path = f.save(tmp_path / "model.tsrnn")
    g = load(path)
    assert type(g) is cls and comparable(g.get_params()) == comparable(f.get_params())
    pd.testing.assert_frame_equal(g.predict(4), f.predict(4), check_exact=True)
    pd.testing.assert_frame_equal(g.predict(h=2, ids=["s1"]), f.predict(h=2, ids=["s1"]), check_exact=True)


def test_predict_from_new_history(cls):
    y = make_long()
    f = new(cls).fit(y)
    newer = y[y.unique_id != "s0"]
    out = f.predict(3, y=newer)
    assert list(out.unique_id.unique()) == ["s1", "s2"] and len(out) == 6
    assert np.all(np.isfinite(out[f.name_]))


def test_set_params_rejects_unknown(cls):
    with pytest.raises(ValueError, match="has no parameter 'nonsense'"):
        new(cls).set_params(nonsense=1)
