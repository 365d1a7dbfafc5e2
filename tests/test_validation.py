"""Bad input gives a ValueError naming the argument, what was seen and what was expected."""

import numpy as np
import pytest

from tsrnn.nn import GRU, LSTM, RNN, Adam, RecurrentRegressor, TBPTTTrainer


@pytest.fixture
def lstm():
    return LSTM(3, 4, num_layers=2, dtype=np.float64, seed=0)


@pytest.mark.parametrize(
    "x, pattern",
    [
        (np.zeros((2, 5)), r"x has 2 dimensions \(shape \(2, 5\)\); expected 3"),
        (np.zeros((2, 5, 4)), r"x has shape \(2, 5, 4\); expected \(B, T, I=3\) \(I must be 3, got 4\)"),
        (np.zeros((2, 5, 3), np.float32), r"x has dtype float32; expected float64"),
        (np.zeros((2, 5, 3), np.int64), r"x has dtype int64; expected float64"),
        (np.zeros((0, 5, 3)), r"x has shape \(0, 5, 3\); expected at least one sequence"),
    ],
)
def test_bad_input_shapes_and_dtypes(lstm, x, pattern):
    with pytest.raises(ValueError, match=pattern):
        lstm.forward(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(lstm, bad):
    x = np.zeros((2, 5, 3))
    x[1, 2, 0] = bad
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(first at index \(1, 2, 0\)"):
        lstm.forward(x)


def test_bad_states(lstm):
    x = np.zeros((2, 5, 3))
    h = np.zeros((2, 2, 4))
    with pytest.raises(ValueError, match=r"state for an LSTM must be a tuple \(h, c\)"):
        lstm.forward(x, h)
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) has shape \(2, 3, 4\); expected \(L=2, B=2, H=4\)"):
        lstm.forward(x, (h, np.zeros((2, 3, 4))))
    gru = GRU(3, 4, num_layers=2, dtype=np.float64)
    with pytest.raises(ValueError, match=r"state has shape \(1, 2, 4\); expected \(L=2, B=2, H=4\)"):
        gru.forward(x, np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"state for GRU is one array h"):
        gru.forward(x, (h, h))
    bad = h.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"state contains NaN or inf"):
        gru.forward(x, bad)


def test_bad_backward(lstm):
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        lstm.backward(np.zeros((2, 5, 4)))
    lstm.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(2, 4, 4\); expected \(B=2, T=5, H=4\)"):
        lstm.backward(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"dstate\[0\] \(h\) has shape"):
        lstm.backward(np.zeros((2, 5, 4)), (np.zeros((2, 1, 4)), np.zeros((2, 2, 4))))


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(input_size=0, hidden_size=4), r"input_size must be an integer >= 1, got 0"),
        (dict(input_size=2, hidden_size=2.5), r"hidden_size must be an integer >= 1, got 2.5"),
        (dict(input_size=2, hidden_size=4, num_layers=0), r"num_layers must be an integer >= 1, got 0"),
        (dict(input_size=2, hidden_size=4, dtype=np.int32), r"dtype=int32 is not supported"),
        (dict(input_size=2, hidden_size=4, init="xavier"), r"init='xavier' is not known"),
    ],
)
def test_bad_constructor_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        LSTM(**kwargs)


def test_rnn_nonlinearity_checked():
    with pytest.raises(ValueError, match=r"nonlinearity='sigmoid' is not known"):
        RNN(1, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"cell='transformer' is not known"):
        RecurrentRegressor("transformer", 1, 2, 1)


def test_load_state_dict_checks_names_shapes_dtypes(lstm):
    good = lstm.state_dict()
    before = lstm.flat_params.copy()
    missing = dict(good)
    del missing["bias_hh_l1"]
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l1'\]"):
        lstm.load_state_dict(missing)
    wrong_shape = dict(good, weight_hh_l0=np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"state_dict\['weight_hh_l0'\] has shape \(4, 4\), expected \(16, 4\)"):
        lstm.load_state_dict(wrong_shape)
    wrong_dtype = dict(good, bias_ih_l0=good["bias_ih_l0"].astype(np.float32))
    with pytest.raises(ValueError, match=r"state_dict\['bias_ih_l0'\] has dtype float32, expected float64"):
        lstm.load_state_dict(wrong_dtype)
    nan = dict(good, bias_ih_l0=np.full(16, np.nan))
    with pytest.raises(ValueError, match=r"contains NaN or inf"):
        lstm.load_state_dict(nan)
    np.testing.assert_array_equal(lstm.flat_params, before)


def _exploding_setup():
    model = RecurrentRegressor("rnn", 1, 8, 1, dtype=np.float64, seed=0)
    x = np.ones((4, 10, 1))
    y = np.ones((4, 10, 1))
    return model, x, y


def test_non_finite_loss_raises_and_keeps_weights():
    model, x, y = _exploding_setup()
    trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=1e-3))
    trainer.step(x, y)
    before = [p.copy() for p, _ in model.parameters()]
    y_bad = np.full_like(y, 1e300)  # finite targets whose squared error overflows
    with pytest.raises(FloatingPointError, match=r"non-finite (loss|gradient) .* at training step 2; the weights were not"):
        trainer.step(x, y_bad)
    for (p, _), b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p, b)
        assert np.all(np.isfinite(p))


def test_trainer_arguments_checked():
    model, x, y = _exploding_setup()
    opt = Adam(model.parameters())
    with pytest.raises(ValueError, match=r"mode='online' is not known"):
        TBPTTTrainer(model, "mse", opt, mode="online")
    with pytest.raises(ValueError, match=r"needs the chunk length k"):
        TBPTTTrainer(model, "mse", opt, mode="stateful")
    with pytest.raises(ValueError, match=r"clip_norm must be a positive finite number"):
        TBPTTTrainer(model, "mse", opt, clip_norm=-1.0)
    trainer = TBPTTTrainer(model, "mse", opt)
    with pytest.raises(ValueError, match=r"y has shape \(4, 9, 1\); expected \(B=4, T=10, O=1\)"):
        trainer.step(x, y[:, :9])
    with pytest.raises(ValueError, match=r"weight has shape \(4, 10\); expected the shape of y"):
        trainer.step(x, y, weight=np.ones((4, 10)))
