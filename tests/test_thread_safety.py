"""One fitted RNNForecaster shared by many threads forecasts exactly what it forecasts one call at a time.

The layers reuse gate scratch buffers between calls (tests/test_scratch_buffers.py); they are
kept per thread, so concurrent forecasts never write into each other's. Fitting one object
from two threads at once is refused.
"""

import threading

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn.backtest import backtest
from tsrnn.forecasters.rnn import forecaster as forecaster_module

N_THREADS = 8
ROUNDS = 20


def _panel(n_series=40, length=192, scale=1.0):
    t = np.arange(length)
    rows = []
    for i in range(n_series):
        values = scale * (10 + i + 3 * np.sin(2 * np.pi * (t + i) / 24) + 0.1 * (t % 7))
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": t, "y": values}))
    return pd.concat(rows, ignore_index=True)


def _tiny(**kw):
    params = dict(cell="lstm", hidden_size=16, window=96, horizon=4, season_length=24, epochs=1,
                  windows_per_epoch=256, batch_size=32, random_state=0)  # fmt: skip
    return RNNForecaster(**{**params, **kw})


@pytest.fixture(scope="module")
def fitted():
    return _tiny().fit(_panel())


def _run_threads(work):
    """``work(thread, round)`` from N_THREADS threads, rounds started together; returns {(t, r): result}."""
    results, failures = {}, []
    barrier = threading.Barrier(N_THREADS)

    def run(t):
        try:
            for r in range(ROUNDS):
                barrier.wait()
                results[(t, r)] = work(t, r)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(t,)) for t in range(N_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return results


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_concurrent_predict_with_new_history_is_bit_identical(fitted, strategy):
    model = fitted if strategy == "direct" else _tiny(strategy="recursive").fit(_panel())
    inputs = [_panel(scale=1.0 + 0.25 * k) for k in range(N_THREADS)]
    expected = [model.predict(y=y)[model.name_].to_numpy() for y in inputs]
    assert all(np.isfinite(e).all() and e.shape == (40 * 4,) for e in expected)
    assert len({e.tobytes() for e in expected}) == N_THREADS

    results = _run_threads(lambda t, r: model.predict(y=inputs[(t + r) % N_THREADS])[model.name_].to_numpy())
    wrong = [(t, r) for (t, r), got in results.items() if got.tobytes() != expected[(t + r) % N_THREADS].tobytes()]
    assert wrong == [], f"{len(wrong)} of {len(results)} concurrent forecasts differ from the sequential ones"


def test_concurrent_predict_of_fitted_series_and_subsets_is_bit_identical(fitted):
    subsets = [None] + [[f"s{i}" for i in range(k, 40, N_THREADS)] for k in range(1, N_THREADS)]
    expected = [fitted.predict(ids=ids)[fitted.name_].to_numpy() for ids in subsets]
    results = _run_threads(lambda t, r: fitted.predict(ids=subsets[(t * 3 + r) % N_THREADS])[fitted.name_].to_numpy())
    for (t, r), got in results.items():
        assert got.tobytes() == expected[(t * 3 + r) % N_THREADS].tobytes(), (t, r)


def test_concurrent_backtests_of_a_shared_model_are_bit_identical():
    model = _tiny(windows_per_epoch=64)
    y = _panel(n_series=6)
    expected = backtest(model, y, horizon=4, n_windows=2)
    results, failures = [None] * 4, []

    def run(t):
        try:
            results[t] = backtest(model, y, horizon=4, n_windows=2)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    column = model.name_
    assert np.isfinite(expected[column]).all() and len(expected) == 6 * 2 * 4
    for got in results:
        pd.testing.assert_frame_equal(got, expected)
        assert got[column].to_numpy().tobytes() == expected[column].to_numpy().tobytes()


def test_fit_from_a_second_thread_is_refused_while_the_first_runs(monkeypatch):
    model = _tiny()
    y = _panel(n_series=4)
    started, release = threading.Event(), threading.Event()
    original = forecaster_module.train_members

    def slow_train(*args, **kwargs):
        started.set()
        assert release.wait(60)
        return original(*args, **kwargs)

    monkeypatch.setattr(forecaster_module, "train_members", slow_train)
    errors = []
    first = threading.Thread(target=lambda: errors.append(None) if model.fit(y) else None)
    first.start()
    try:
        assert started.wait(60)
        with pytest.raises(RuntimeError, match=r"RNNForecaster\.fit was called while another thread is fitting the "
                                               r"same object; its weights would mix"):  # fmt: skip
            model.fit(y)
    finally:
        release.set()
        first.join()
    assert errors == [None]
    monkeypatch.undo()
    # Once the first fit is done the object is free again, and its forecasts are those of a fresh fit.
    expected = _tiny().fit(y).predict()
    assert model.fit(y).predict().equals(expected)


def test_predict_while_another_thread_fits_is_refused(monkeypatch, fitted):
    model = _tiny().fit(_panel(n_series=4))
    started, release = threading.Event(), threading.Event()
    original = forecaster_module.train_members

    def slow_train(*args, **kwargs):
        started.set()
        assert release.wait(60)
        return original(*args, **kwargs)

    monkeypatch.setattr(forecaster_module, "train_members", slow_train)
    first = threading.Thread(target=model.fit, args=(_panel(n_series=4),))
    first.start()
    try:
        assert started.wait(60)
        with pytest.raises(RuntimeError, match=r"RNNForecaster\.predict was called while another thread is fitting"):
            model.predict()
    finally:
        release.set()
        first.join()
