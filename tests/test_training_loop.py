"""tsrnn.nn.TrainingLoop alone: schedules, early stopping, best weights and history, with a scripted trainer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tsrnn.nn import TrainingLoop


class Opt:
    def __init__(self, lr):
        self.lr = lr


class Model:
    """Holds one number as its weights; records train/eval switches."""

    def __init__(self):
        self.w = 0.0
        self.modes = []

    def train(self, mode=True):
        self.modes.append("train" if mode else "eval")
        return self

    def eval(self):
        return self.train(False)

    def state_dict(self):
        return {"w": np.array(self.w)}

    def load_state_dict(self, state):
        self.w = float(state["w"])


class Trainer:
    """Returns scripted batch losses and moves the model's weight by one per step; records the lr of every step."""

    def __init__(self, model, opt, losses):
        self.model, self.opt, self.losses = model, opt, list(losses)
        self.lrs = []

    def step(self, x, y, w):
        self.lrs.append(self.opt.lr)
        self.model.w += 1
        return self.losses.pop(0)


def batches(n):
    x = np.zeros((4, 3, 1))
    return lambda: [(x, x, None)] * n


def test_cosine_schedule_step_by_step_from_lr_to_min_lr():
    model, opt = Model(), Opt(0.1)
    trainer = Trainer(model, opt, [1.0] * 12)
    rows, best = TrainingLoop(epochs=3, lr=0.1, min_lr=0.001).run(model, trainer, opt, batches(4), 4)
    want = [0.001 + (0.1 - 0.001) * 0.5 * (1 + math.cos(math.pi * k / 12)) for k in range(12)]
    np.testing.assert_allclose(trainer.lrs, want, rtol=0, atol=1e-15)
    assert [r[3] for r in rows] == [trainer.lrs[0], trainer.lrs[4], trainer.lrs[8]]  # each epoch's first lr
    assert best == 3 and [r[0] for r in rows] == [1, 2, 3]
    assert model.modes == ["train", "eval"] * 3


def test_training_loss_is_the_batch_weighted_mean_and_skips_non_finite_batches():
    model, opt = Model(), Opt(0.1)
    trainer = Trainer(model, opt, [1.0, float("nan"), 3.0])
    rows, _ = TrainingLoop(epochs=1, lr=0.1).run(model, trainer, opt, batches(3), 3)
    assert rows[0][1] == 2.0 and math.isnan(rows[0][2])


def test_plateau_schedule_multiplies_the_lr_after_patience_epochs():
    model, opt = Model(), Opt(0.1)
    losses = [5.0, 4.0, 4.0, 4.0, 4.0, 4.0]  # improves once, then flat
    trainer = Trainer(model, opt, losses)
    loop = TrainingLoop(epochs=6, lr=0.1, lr_schedule="plateau", lr_patience=2, lr_factor=0.5, min_lr=0.02)
    rows, _ = loop.run(model, trainer, opt, batches(1), 1)
    assert [r[3] for r in rows] == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]
    assert opt.lr == pytest.approx(0.025)


def test_early_stopping_restores_the_best_validation_weights():
    model, opt = Model(), Opt(0.1)
    trainer = Trainer(model, opt, [1.0] * 10)
    val = iter([3.0, 1.0, 2.0, 2.5, 9.0, 9.0])
    rows, best = TrainingLoop(epochs=10, lr=0.1, patience=3).run(model, trainer, opt, batches(1), 1,
                                                                  val_loss=lambda m: next(val))  # fmt: skip
    assert best == 2 and len(rows) == 5  # three epochs without improvement after epoch 2
    assert model.w == 2.0  # the weights of epoch 2, not of epoch 5
    assert [r[2] for r in rows] == [3.0, 1.0, 2.0, 2.5, 9.0]


def test_without_validation_it_runs_every_epoch_and_keeps_the_last_weights():
    model, opt = Model(), Opt(0.1)
    trainer = Trainer(model, opt, [1.0, 2.0, 3.0, 4.0])
    rows, best = TrainingLoop(epochs=4, lr=0.1, patience=1).run(model, trainer, opt, batches(1), 1)
    assert best == 4 and len(rows) == 4 and model.w == 4.0


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="lr_schedule='step' is not known"):
        TrainingLoop(epochs=1, lr=0.1, lr_schedule="step")


def test_docstring_example_runs():
    import doctest

    import tsrnn.nn.loop

    result = doctest.testmod(tsrnn.nn.loop)
    assert result.attempted >= 1 and result.failed == 0
