"""The validation loss during fit (``val_size > 0``) as one compiled pass per epoch.

:func:`tsrnn.forecasters.rnn.prediction.validation_loss` forecasts the held-out origins as
prediction does (padding and window-scaling every history, each series' season, the
baseline forecast), runs the network, then takes the forecasts to the data's scale and back
and calls the NumPy loss: every epoch, although only the network changes between epochs.
:class:`ValidationPass` computes the data-only parts once per fit (with the same code,
:func:`~tsrnn.forecasters.rnn.prediction.member_inputs`), and each epoch runs the network,
then one numba loop for the baseline and the scale's round trip
(:func:`tsrnn.kernels.fused.round_trip_forecast`) and :meth:`tsrnn.nn.fused_step.FusedStep.loss_value`
for the loss, into buffers allocated once: no gradients, no per-epoch NumPy temporaries
outside the network's forward, and the same loss bit for bit.

It covers what the fused training step covers (a CPU
:class:`~tsrnn.nn.RecurrentRegressor`, MSE, MAE or Huber) with a direct point forecast (no
quantile or distribution head), no
covariates (dynamic or static), no series embedding and no masked missing values; other
fits keep ``validation_loss``.
"""

from __future__ import annotations

import numpy as np

from ..._config import fused_training
from ...nn.fused_step import FusedStep
from .missing import masks
from .prediction import last_outputs, member_inputs, validation_loss
from .static import series_table

__all__ = ["ValidationPass", "validation_scorer"]


class ValidationPass:
    """The validation loss of one network on fixed origins: ``ValidationPass(...)(model) == validation_loss(...)``.

    Parameters
    ----------
    fc : RNNForecaster
        Being fitted (its transforms and parameters set).
    model : RecurrentRegressor
    window : int
        The network's input window.
    val_set : tuple
        :func:`tsrnn.data.samples.validation_origins` of the series: n histories and their
        (n, horizon) targets.
    loss : MSELoss, MAELoss or HuberLoss
    """

    def __init__(self, fc, model, window, val_set, loss):
        prep = member_inputs(fc, window, val_set[0], fc.horizon)
        dtype = fc._np_dtype
        self.inputs = prep.inputs
        self.has_base = prep.base is not None
        self.base = prep.base if self.has_base else np.zeros((1, 1), dtype)
        self.loc = np.ascontiguousarray(prep.loc[:, 0])
        self.scale = np.ascontiguousarray(prep.scale[:, 0])
        self.target = np.ascontiguousarray(((val_set[1] - prep.loc) / prep.scale).astype(dtype))
        self.pred = np.empty(self.target.shape, dtype)
        self.horizon = fc.horizon
        self.step = FusedStep(model, loss)

    @staticmethod
    def covers(fc, model, loss, val_set) -> bool:
        """Whether the pass gives this fit's validation loss (see the module docstring)."""
        return (
            fused_training()
            and FusedStep.covers(model, loss, "windows", None)
            and fc.strategy == "direct"
            and fc.quantiles_ is None
            and getattr(fc, "distribution_", None) is None
            and val_set[2] is None
            and series_table(fc, val_set[3]) is None
            and not masks(fc)
        )

    def __call__(self, model) -> float:
        """The mean loss of ``model``'s forecasts of the origins, in the space the network trains in."""
        from ...kernels.fused import round_trip_forecast

        last = last_outputs(model, self.inputs)
        round_trip_forecast(last[:, : self.horizon], self.base, self.has_base, self.loc, self.scale, self.pred)
        return float(self.step.loss_value(self.pred, self.target))


def validation_scorer(fc, model, window, val_set, loss):
    """``val_loss(model) -> float`` for :class:`tsrnn.nn.TrainingLoop`: a :class:`ValidationPass` where it applies."""
    if ValidationPass.covers(fc, model, loss, val_set):
        return ValidationPass(fc, model, window, val_set, loss)
    return lambda m: validation_loss(fc, m, window, val_set, loss)
