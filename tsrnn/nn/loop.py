"""TrainingLoop: epochs of batches through a trainer, with the learning-rate schedule, early stopping and history.

What a forecaster configures once and runs per network: it owns the epoch loop (the cosine
or plateau learning rate, the monitored loss, patience and the best weights, a tqdm bar)
and nothing of the data. Batches come from a callable that yields one epoch's
``(x, y, weight)`` batches; a validation loss, if any, from a callable of the model.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["TrainingLoop"]

_SCHEDULES = ("cosine", "plateau")


class TrainingLoop:
    """The epoch loop of one network's training.

    Parameters
    ----------
    epochs : int
        Passes of ``batches()``.
    lr : float
        Peak learning rate (the optimizer's ``lr`` is set from it by the cosine schedule;
        the plateau schedule starts from the optimizer's own ``lr``).
    lr_schedule : {"cosine", "plateau"}
        "cosine": from ``lr`` to ``min_lr`` along a half cosine over every step of every
        epoch. "plateau": times ``lr_factor`` after ``lr_patience`` epochs whose monitored
        loss improved by less than 1e-4 relative, never below ``min_lr``.
    min_lr : float
    lr_patience : int
    lr_factor : float
    patience : int
        Epochs without a better validation loss before stopping (only with a validation loss).
    verbose : bool
        Show a tqdm bar with loss, validation loss and learning rate.
    desc : str
        The bar's label.

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.nn import Adam, RecurrentRegressor, TBPTTTrainer, TrainingLoop, get_loss
    >>> model = RecurrentRegressor("gru", 1, 8, 2, seed=0)
    >>> opt = Adam(model.parameters(), lr=1e-2)
    >>> trainer = TBPTTTrainer(model, get_loss("mse"), opt, mode="windows")
    >>> x = np.random.default_rng(0).standard_normal((16, 12, 1)).astype(np.float32)
    >>> y = np.repeat(x, 2, axis=2)
    >>> rows, best = TrainingLoop(epochs=3, lr=1e-2).run(model, trainer, opt, lambda: [(x, y, None)], 1)
    >>> len(rows), best
    (3, 3)
    """

    #: The fields of every row :meth:`run` returns.
    columns = ("epoch", "train_loss", "val_loss", "lr", "seconds")

    def __init__(self, epochs, lr, lr_schedule="cosine", min_lr=1e-5, lr_patience=4, lr_factor=0.5, patience=10,
                 verbose=False, desc="fit"):  # fmt: skip
        if lr_schedule not in _SCHEDULES:
            raise ValueError(f"lr_schedule={lr_schedule!r} is not known; expected one of {_SCHEDULES}")
        self.epochs = int(epochs)
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.min_lr = min_lr
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.patience = patience
        self.verbose = verbose
        self.desc = desc

    def run(self, model, trainer, opt, batches, n_batches, val_loss=None):
        """Train ``model`` for up to ``epochs`` epochs; with ``val_loss``, keep its best weights.

        Parameters
        ----------
        model : RecurrentRegressor or a model with ``train``, ``eval``, ``state_dict``, ``load_state_dict``
        trainer : TBPTTTrainer
            Its ``step(x, y, weight)`` runs one batch and returns the batch loss.
        opt : Adam or SGD
            Its ``lr`` is set by the schedule.
        batches : callable
            ``batches()`` yields one epoch's ``(x, y, weight)``: x (B, T, I), y and weight (B, T, O).
        n_batches : int
            Batches per epoch (for the cosine schedule's step count).
        val_loss : callable, optional
            ``val_loss(model) -> float``, called after every epoch; it is the monitored loss
            (else the epoch's training loss) and enables early stopping.

        Returns
        -------
        rows : list of tuple
            One ``(epoch, train_loss, val_loss, lr, seconds)`` per epoch run (:attr:`columns`).
        best_epoch : int
            The epoch whose weights the model holds: the best validation epoch, or the last.
        """
        from tqdm.auto import tqdm

        state = _Monitor()
        bar = tqdm(range(1, self.epochs + 1), desc=self.desc, unit="epoch", disable=not self.verbose, leave=True)
        for epoch in bar:
            t0 = time.perf_counter()
            model.train()
            train_loss, epoch_lr = self._epoch(trainer, opt, batches, n_batches, epoch)
            model.eval()
            val = float("nan") if val_loss is None else val_loss(model)
            state.rows.append((epoch, train_loss, val, epoch_lr, time.perf_counter() - t0))
            if self.verbose:
                bar.set_postfix(loss=f"{train_loss:.4f}", val_loss=f"{val:.4f}", lr=f"{epoch_lr:.1e}")
            out_of_patience = self._after_epoch(state, model, opt, val if val_loss is not None else train_loss, epoch)
            if out_of_patience and val_loss is not None:
                break
        bar.close()
        if val_loss is not None and state.best_params is not None:
            model.load_state_dict(state.best_params)
        return state.rows, (state.best_epoch if val_loss is not None else len(state.rows))

    def _epoch(self, trainer, opt, batches, n_batches, epoch):
        """One pass of ``batches()``: the weighted mean batch loss and the epoch's first learning rate."""
        cosine = self.lr_schedule == "cosine"
        total = self.epochs * max(n_batches, 1)
        losses, weights = [], []
        epoch_lr = opt.lr
        for j, (x, y, w) in enumerate(batches()):
            if cosine:
                done = ((epoch - 1) * n_batches + j) / total
                opt.lr = self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + np.cos(np.pi * done))
                if j == 0:
                    epoch_lr = opt.lr
            value = trainer.step(x, y, w)
            if np.isfinite(value):
                losses.append(value)
                weights.append(x.shape[0])
        train_loss = float(np.average(losses, weights=weights)) if losses else float("nan")
        return train_loss, epoch_lr

    def _after_epoch(self, state, model, opt, monitor, epoch) -> bool:
        """Track the best epoch and the plateau schedule; True when patience has run out."""
        if monitor < state.best:
            state.best, state.best_epoch, state.since_best = monitor, epoch, 0
            state.best_params = model.state_dict()  # NumPy copies, on the CPU and on a GPU alike
        else:
            state.since_best += 1
        if self.lr_schedule != "cosine":
            # Learning rate reduced on plateau (relative improvement below 1e-4).
            if monitor < state.lr_best * (1 - 1e-4):
                state.lr_best, state.since_lr = monitor, 0
            else:
                state.since_lr += 1
                if state.since_lr >= self.lr_patience and opt.lr > self.min_lr:
                    opt.lr = max(self.min_lr, opt.lr * self.lr_factor)
                    state.since_lr = 0
        return state.since_best >= self.patience


class _Monitor:
    """What the loop remembers between epochs."""

    def __init__(self):
        self.rows = []
        self.best = np.inf
        self.best_params = None
        self.best_epoch = 0
        self.since_best = 0
        self.since_lr = 0
        self.lr_best = np.inf
