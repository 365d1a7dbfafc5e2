"""The fused training path (issue 19) gives the NumPy path's batches, losses, gradients and weights.

Bit-identical with every step trained (``target_steps="all"``): the fused kernels do the
NumPy expressions' arithmetic element for element in the same dtypes, the head calls the
same BLAS products, and every sum over the batch stays a NumPy sum of an array of the same
shape. With only the last step trained, the fused step skips the masked steps' zeros, so
the sums group their terms differently: equal to 1e-12 (relative) in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import tsrnn._config as config
from tests.reference import stacked_backward, stacked_forward
from tsrnn.data.fused_gather import FusedGather
from tsrnn.data.samples import window_batches
from tsrnn.data.windows import WindowSampler
from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer
from tsrnn.nn.losses import HuberLoss, MAELoss, MSELoss

CELLS = ("lstm", "gru", "rnn")
DTYPES = (np.float32, np.float64)
LOSSES = {"mse": MSELoss(), "mae": MAELoss(), "huber": HuberLoss(0.5)}


@pytest.fixture
def unfused(monkeypatch):
    """A context that switches the fused path off (the NumPy path it replaced)."""

    class Switch:
        def __enter__(self):
            monkeypatch.setattr(config, "FUSED_TRAINING", False)

        def __exit__(self, *exc):
            monkeypatch.setattr(config, "FUSED_TRAINING", True)

    return Switch()


def _batches(dtype, weights, B=16, T=20, O=5, n=3, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.standard_normal((B, T, 1)).astype(dtype)
        y = rng.standard_normal((B, T, O)).astype(dtype)
        if weights == "last":
            w = np.zeros((B, T, O), dtype)
            w[:, -1] = 1.0
        elif weights == "random":
            w = (rng.random((B, T, O)) * (rng.random((B, T, O)) > 0.3)).astype(dtype)
        else:
            w = None
        out.append((x, y, w))
    return out


def _train(cell, dtype, loss, batches, last_step=False, dropout=0.0):
    """Losses, gradients of the last step and weights after every step of a trainer fed ``batches``."""
    model = RecurrentRegressor(cell, 1, 8, batches[0][1].shape[2], num_layers=2, dtype=dtype, seed=3, dropout=dropout)
    model.train()
    trainer = TBPTTTrainer(model, loss, Adam(model.parameters(), lr=1e-2), clip_norm=1.0)
    trainer._batches_checked = True
    trainer._last_step = last_step
    values = [trainer.step(x, y, w) for x, y, w in batches]
    fused = trainer._fused is not None
    return values, [g.copy() for _, g in model.parameters()], model.state_dict(), fused


@pytest.mark.parametrize("weights", [None, "random"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cell", CELLS)
def test_fused_step_is_bit_identical(cell, dtype, loss, weights, unfused):
    batches = _batches(dtype, weights)
    got_v, got_g, got_w, fused = _train(cell, dtype, LOSSES[loss], batches)
    with unfused:
        want_v, want_g, want_w, was_fused = _train(cell, dtype, LOSSES[loss], batches)
    assert fused and not was_fused
    assert got_v == want_v
    for a, b in zip(got_g, want_g):
        np.testing.assert_array_equal(a, b)
    for name in want_w:
        np.testing.assert_array_equal(got_w[name], want_w[name], err_msg=name)


def test_fused_step_with_dropout_is_bit_identical(unfused):
    batches = _batches(np.float32, None)
    got_v, got_g, got_w, fused = _train("lstm", np.float32, MSELoss(), batches, dropout=0.3)
    with unfused:
        want_v, want_g, want_w, _ = _train("lstm", np.float32, MSELoss(), batches, dropout=0.3)
    assert fused and got_v == want_v
    for a, b in zip(got_g, want_g):
        np.testing.assert_array_equal(a, b)
    for name in want_w:
        np.testing.assert_array_equal(got_w[name], want_w[name], err_msg=name)


@pytest.mark.parametrize("kind", [np.int64, np.float64])
def test_weights_of_another_dtype_give_the_same_step(kind, unfused):
    batches = [(x, y, (w > 0.4).astype(kind) if kind is np.int64 else w.astype(np.float64))
               for x, y, w in _batches(np.float32, "random", n=2)]  # fmt: skip
    got = _train("gru", np.float32, MSELoss(), batches)
    with unfused:
        want = _train("gru", np.float32, MSELoss(), batches)
    assert got[3] and got[0] == want[0]
    for a, b in zip(got[1], want[1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cell", CELLS)
def test_last_step_head_agrees_to_rounding(cell, dtype, unfused):
    batches = _batches(dtype, "last")
    got_v, got_g, got_w, fused = _train(cell, dtype, MSELoss(), batches, last_step=True)
    with unfused:
        want_v, want_g, want_w, _ = _train(cell, dtype, MSELoss(), batches, last_step=True)
    assert fused
    rtol, atol = (1e-12, 1e-15) if dtype == np.float64 else (2e-5, 1e-7)
    np.testing.assert_allclose(got_v, want_v, rtol=rtol)
    for a, b in zip(got_g, want_g):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    for name in want_w:
        np.testing.assert_allclose(got_w[name], want_w[name], rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("last_step", [False, True])
@pytest.mark.parametrize("cell", CELLS)
def test_fused_gradients_match_the_float64_reference(cell, last_step):
    (x, y, w), = _batches(np.float64, "last" if last_step else None, n=1)
    model = RecurrentRegressor(cell, 1, 6, y.shape[2], num_layers=2, dtype=np.float64, seed=5)
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=1e-2))
    trainer._batches_checked, trainer._last_step = True, last_step
    model.zero_grad()
    value = trainer._fused_step().gradients(x, y, w)

    params = model.rnn.state_dict()
    B, L, H = x.shape[0], 2, 6
    state = (np.zeros((L, B, H)), np.zeros((L, B, H))) if cell == "lstm" else np.zeros((L, B, H))
    h, _, caches = stacked_forward(cell, x, params, L, state)
    W, b = model.head.params["weight"], model.head.params["bias"]
    pred = h @ W.T + b
    mask = np.ones_like(y) if w is None else w
    want_value = float(np.sum(mask * (pred - y) ** 2) / mask.sum())
    dpred = 2 * mask * (pred - y) / mask.sum()
    _, grads, _ = stacked_backward(cell, dpred @ W, state, caches)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(model.head.grads["weight"], np.einsum("bto,bth->oh", dpred, h), rtol=1e-9, atol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(model.rnn.grads[name], g, rtol=1e-8, atol=1e-11, err_msg=name)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_fused_step_refuses_what_the_loss_refuses():
    model = RecurrentRegressor("gru", 1, 4, 3, dtype=np.float64, seed=0)
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters()))
    trainer._batches_checked = True
    (x, y, w), = _batches(np.float64, "random", B=4, T=6, O=3, n=1)
    bad = y.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="target holds 1 NaN/inf value"):
        trainer.step(x, bad, None)
    w = np.ones_like(y)
    w[1, 2, 0] = -1.0
    with pytest.raises(ValueError, match="weight must be finite and nonnegative"):
        trainer.step(x, y, w)
    with pytest.raises(ValueError, match="weight must be a real numeric array, got dtype bool"):
        trainer.step(x, y, w > 0)
    with pytest.raises(ValueError, match="weight is zero everywhere"):
        trainer.step(x, y, np.zeros_like(y))
    model.head.params["weight"][...] = np.inf
    with pytest.raises(FloatingPointError, match="diverged"):
        trainer.step(x, y, None)
    assert trainer.steps == 0


def _sampler(baseline, seasons, target_steps="all", scaling="window", scale=1.0):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(12 * 300).cumsum() * 0.1 + np.tile(np.sin(np.arange(300) / 3), 12)) * scale
    dptr = np.arange(0, z.size + 1, 300)
    return WindowSampler(z, dptr, 40, 7, target_steps=target_steps, scaling=scaling, season_length=seasons,
                         baseline=baseline)  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target_steps", ["all", "last"])
@pytest.mark.parametrize("scaling", ["window", None])
@pytest.mark.parametrize(
    "baseline,seasons", [("seasonal_naive", (6, 24)), ("seasonal_naive", 6), ("naive", (6, 24)), (None, 1)]
)
def test_fused_gather_is_bit_identical(baseline, seasons, scaling, target_steps, dtype):
    sampler = _sampler(baseline, seasons, target_steps, scaling)
    fused = FusedGather.for_sampler(sampler, dtype, 32)
    assert fused is not None
    rng = np.random.default_rng(1)
    for B in (32, 32, 9):
        idx = rng.choice(len(sampler), B, replace=False)
        want = sampler.gather(idx, dtype)
        got = fused.gather(idx)
        for a, b in zip(got, want):
            if b is None:
                assert a is None
                continue
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_fused_gather_covers_the_common_samplers_only(unfused):
    assert FusedGather.for_sampler(_sampler("seasonal_average", 6), np.float32, 8) is None
    assert FusedGather.for_sampler(_sampler("drift", 1), np.float32, 8) is None
    with unfused:
        assert FusedGather.for_sampler(_sampler("naive", 1), np.float32, 8) is None
    # Values too large for float32 window statistics: the batch comes from gather (in float64 statistics).
    sampler = _sampler("naive", 1, scale=1e33)
    idx = np.arange(5)
    for a, b in zip(FusedGather.for_sampler(sampler, np.float32, 8).gather(idx), sampler.gather(idx, np.float32)):
        np.testing.assert_array_equal(a, b)


def test_reused_batches_equal_fresh_ones():
    sampler = _sampler("seasonal_naive", (6, 24))
    fresh, n = window_batches(sampler, np.random.default_rng(4), 16, 100, np.float32)
    reused, m = window_batches(sampler, np.random.default_rng(4), 16, 100, np.float32, reuse=True)
    assert n == m == 7
    count = 0
    for (x0, y0, w0), (x1, y1, w1) in zip(fresh(), reused()):
        np.testing.assert_array_equal(x0, x1)
        np.testing.assert_array_equal(y0, y1)
        assert w0 is None and w1 is None
        count += 1
    assert count == 7


@pytest.mark.parametrize("target_steps", ["all", "last"])
def test_forecaster_fit_unchanged(target_steps, unfused):
    from tsrnn.datasets import make_sine
    from tsrnn.forecasters import RNNForecaster

    y = make_sine(n=240, n_series=3, random_state=0)
    params = {"hidden_size": 8, "horizon": 6, "epochs": 2, "windows_per_epoch": 120, "batch_size": 32,
              "random_state": 0, "target_steps": target_steps}  # fmt: skip
    got = RNNForecaster(**params).fit(y)
    with unfused:
        want = RNNForecaster(**params).fit(y)
    a, b = got.predict()["LSTM"].to_numpy(), want.predict()["LSTM"].to_numpy()
    if target_steps == "all":
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(got.history_["train_loss"], want.history_["train_loss"])
    else:  # float32 training: the last-step sums round differently, far below the forecasts' scale
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got.history_["train_loss"], want.history_["train_loss"], rtol=1e-4)


def test_batches_and_step_buffers_are_reused():
    sampler = _sampler("seasonal_naive", (6, 24))
    epoch, _ = window_batches(sampler, np.random.default_rng(0), 16, 64, np.float32, reuse=True)
    batches = [(x, y) for x, y, _ in epoch()]
    assert all(np.shares_memory(x, batches[0][0]) and np.shares_memory(y, batches[0][1]) for x, y in batches)
    model = RecurrentRegressor("gru", 1, 4, 7, seed=0)
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters()))
    trainer._batches_checked = True
    seen = []
    for x, y, w in epoch():
        trainer.step(x, y, w)
        seen.append({name: id(buf) for name, buf in trainer._fused._bufs.items()})
    assert len(seen) == 4 and all(s == seen[0] for s in seen) and {"pred", "dpred", "elem", "dh"} <= set(seen[0])


def test_unfused_environment_variable_selects_the_numpy_path():
    import os
    import subprocess
    import sys

    code = "import tsrnn._config as c; print(c.fused_training())"
    for value, want in (("1", "False"), ("0", "True")):
        env = {**os.environ, "TSRNN_UNFUSED": value}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == want


# ------------------------------------------------------------------------------ validation loss during fit
def _fit_scoring_both(monkeypatch, **params):
    """Fit with a validation split, scoring every epoch with ValidationPass and with validation_loss.

    Returns the fitted forecaster, the (fused, NumPy) losses of every epoch, and the last
    scorer's arguments.
    """
    from tsrnn.datasets import make_trend_seasonal
    from tsrnn.forecasters import RNNForecaster
    from tsrnn.forecasters.rnn import training
    from tsrnn.forecasters.rnn.prediction import validation_loss
    from tsrnn.forecasters.rnn.validation import ValidationPass

    seen, args = [], {}

    def scorer(fc, model, window, val_set, loss):
        assert ValidationPass.covers(fc, model, loss, val_set)
        fused = ValidationPass(fc, model, window, val_set, loss)
        args.update(fc=fc, window=window, val_set=val_set, loss=loss, fused=fused)

        def both(m):
            seen.append((fused(m), validation_loss(fc, m, window, val_set, loss)))
            return seen[-1][1]

        return both

    monkeypatch.setattr(training, "validation_scorer", scorer)
    y = make_trend_seasonal(n=300, n_series=4, period=24, noise=0.3, level=10.0, random_state=0)
    base = {"hidden_size": 8, "horizon": 12, "window": 48, "epochs": 3, "windows_per_epoch": 96, "batch_size": 32,
            "val_size": 36, "random_state": 0}  # fmt: skip
    fc = RNNForecaster(**{**base, **params}).fit(y)
    return fc, seen, args


@pytest.mark.parametrize(
    "cell, loss, dtype, setup",
    [("lstm", "mse", "float32", {}), ("gru", "mae", "float32", {}), ("rnn", "huber", "float32", {}),
     ("lstm", "mse", "float64", {"season_length": [6, 24]}), ("gru", "mse", "float32", {"baseline": "naive", "log": False}),
     ("lstm", "huber", "float64", {"baseline": None, "scaler": "standard"}),
     ("rnn", "mae", "float32", {"baseline": "seasonal_naive", "scaler": "minmax", "log": False})],
)  # fmt: skip
def test_validation_pass_gives_the_validation_loss_bit_for_bit(cell, loss, dtype, setup, monkeypatch):
    fc, seen, _ = _fit_scoring_both(monkeypatch, cell=cell, loss=loss, dtype=dtype, **setup)
    assert len(seen) == 3 and len({want for _, want in seen}) == 3  # the network changed between epochs
    for got, want in seen:
        assert np.isfinite(want) and want > 0
        assert got == want
    np.testing.assert_array_equal(fc.history_["val_loss"], [want for _, want in seen])


@pytest.mark.parametrize("target_steps", ["all", "last"])
def test_fit_with_validation_unchanged(target_steps, unfused):
    from tsrnn.datasets import make_sine
    from tsrnn.forecasters import RNNForecaster

    y = make_sine(n=240, n_series=3, random_state=0)
    params = {"hidden_size": 8, "horizon": 6, "epochs": 3, "windows_per_epoch": 120, "batch_size": 32, "val_size": 24,
              "random_state": 0, "target_steps": target_steps, "cell": "gru"}  # fmt: skip
    got = RNNForecaster(**params).fit(y)
    with unfused:
        want = RNNForecaster(**params).fit(y)
    if target_steps == "all":
        np.testing.assert_array_equal(got.history_["val_loss"], want.history_["val_loss"])
        np.testing.assert_array_equal(got.predict()["GRU"], want.predict()["GRU"])
    else:  # the fused last-step training rounds differently (see test_forecaster_fit_unchanged)
        np.testing.assert_allclose(got.history_["val_loss"], want.history_["val_loss"], rtol=1e-3)
    assert got.history_["val_loss"].notna().all() and (got.history_["val_loss"] > 0).all()


def test_validation_pass_buffers_are_reused_and_errors_match(monkeypatch):
    from tsrnn.forecasters.rnn.prediction import validation_loss

    fc, _, a = _fit_scoring_both(monkeypatch)
    fused, model = a["fused"], fc.models_[0]
    first = fused(model)
    buffers = {name: id(buf) for name, buf in fused.step._bufs.items()}
    assert fused(model) == first and {n: id(b) for n, b in fused.step._bufs.items()} == buffers
    assert fused.pred.shape == (len(a["val_set"][0]), 12)
    model.head.params["bias"][3] = np.nan  # a diverged network: the NumPy loss's error, word for word
    with pytest.raises(FloatingPointError) as want:
        validation_loss(fc, model, a["window"], a["val_set"], a["loss"])
    with pytest.raises(FloatingPointError) as got:
        fused(model)
    assert str(got.value) == str(want.value) and "diverged" in str(got.value)


def test_validation_scorer_falls_back_where_the_pass_does_not_apply(unfused):
    from tsrnn.datasets import make_sine
    from tsrnn.forecasters import RNNForecaster
    from tsrnn.forecasters.rnn.validation import ValidationPass, validation_scorer
    from tsrnn.nn import get_loss

    y = make_sine(n=200, n_series=2, random_state=0)
    small = {"hidden_size": 4, "horizon": 6, "epochs": 1, "windows_per_epoch": 32, "val_size": 12, "random_state": 0}
    for params, covered in [({}, True), ({"loss": "huber"}, True), ({"strategy": "recursive"}, False),
                            ({"quantiles": [0.1, 0.5, 0.9]}, False), ({"series_embedding": 2}, False),
                            ({"fill_missing": "mask"}, False), ({"distribution": "normal"}, False)]:  # fmt: skip
        fc = RNNForecaster(**small, **params).fit(y)
        val_set = (list(np.random.default_rng(0).standard_normal((3, 60))), np.zeros((3, 6)), None, np.zeros(3, int))
        loss = get_loss(fc.loss_) if fc.quantiles_ is None else None
        scorer = validation_scorer(fc, fc.models_[0], fc.windows_[0], val_set, loss)
        assert isinstance(scorer, ValidationPass) is covered
        with unfused:
            assert not isinstance(validation_scorer(fc, fc.models_[0], fc.windows_[0], val_set, loss), ValidationPass)


# ------------------------------------------------------------------------------ prediction in groups of series
def _count_forwards(monkeypatch):
    calls = []
    original = RecurrentRegressor.forward

    def counted(self, x, state=None):
        calls.append(x.shape[0])
        return original(self, x, state)

    monkeypatch.setattr(RecurrentRegressor, "forward", counted)
    return calls


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cell", CELLS)
def test_forward_last_in_groups_is_bit_identical(cell, dtype, layers, monkeypatch):
    from tsrnn.nn.model import row_groups

    model = RecurrentRegressor(cell, 1, 32, 12, num_layers=layers, dtype=dtype, seed=0).eval()
    x = np.random.default_rng(1).standard_normal((1000, 48, 1)).astype(dtype)
    want = model.forward(x)[0][:, -1]
    calls = _count_forwards(monkeypatch)
    for rows in (16, 300, 5000):
        calls.clear()
        got = model.forward_last(x, rows=rows)
        assert got.dtype == dtype and got.shape == (1000, 12)
        np.testing.assert_array_equal(got, want)
        # groups of about 2**22 / (48 * 32 * 12) = 228 rows at least, even when asked for 16
        assert calls == {16: [192, 192, 208, 208, 200], 300: [240, 256, 256, 248], 5000: [1000]}[rows]
    assert row_groups(1025, 1024, 16) == [(0, 512), (512, 1025)]
    assert row_groups(100353, 1024, 16)[-2:] == [(98320, 99344), (99344, 100353)]  # no group of one row at the end
    assert row_groups(33, 1, 16) == [(0, 16), (16, 33)] and row_groups(10, 1024, 16) == [(0, 10)]


def test_prediction_in_groups_of_series_is_bit_identical(monkeypatch):
    import tsrnn._config as cfg
    from tsrnn.datasets import make_sine
    from tsrnn.forecasters import RNNForecaster

    y = make_sine(n=200, n_series=100, random_state=0)
    fc = RNNForecaster(hidden_size=64, window=96, horizon=24, epochs=1, windows_per_epoch=64, random_state=0).fit(y)
    want = fc.predict()["LSTM"].to_numpy()
    calls = _count_forwards(monkeypatch)
    monkeypatch.setattr(cfg, "PREDICT_ROWS", 32)
    got = fc.predict()["LSTM"].to_numpy()
    assert calls == [16, 32, 32, 20]  # groups of PREDICT_ROWS series, starting at multiples of BATCH_CHUNK
    np.testing.assert_array_equal(got, want)
