"""One ``"windows"`` training step's gradients without the per-batch NumPy glue: the fused path of TBPTTTrainer.

:func:`tsrnn.nn.tbptt.tbptt_gradients` (full BPTT over each window, on the CPU) runs the
recurrent layers, then the head, the loss and their gradients through the public layer and
loss API: each call checks its inputs, and the loss makes float64 copies and a dozen
temporaries of the (B, T, O) output. :class:`FusedStep` computes the same gradients with

- the recurrent layers run time-major on state buffers reused from batch to batch
  (:mod:`tsrnn.nn.recurrent_train`): no batch-first copies of their input, output and
  output gradient, and no fresh (T+1, B, H) arrays whose page faults cost LSTM's forward a
  quarter of its time; with ``last_step`` the head reads the last state where it lies;
- the head's products into buffers allocated once (``np.matmul(..., out=)``, the same BLAS
  calls), without the per-call input checks;
- the loss terms and the loss gradient in one numba loop
  (:func:`tsrnn.kernels.fused.loss_grad`, the NumPy loss's arithmetic element for element;
  it also finds the NaN/inf the NumPy loss refuses, with the same errors), into reused
  buffers; the loss value is their NumPy sum, as before.

With all steps trained (``target_steps="all"``) the gradients, the weights after the step
and the loss are bit-identical to the NumPy path's. With ``last_step=True`` (the trainer is
told so when only the last step's targets carry weight, ``target_steps="last"``) the head
and the loss run at the last step only: the same terms, summed without the zeros of the
masked steps, so the results agree to rounding (about 1e-16 relative in float64).
"""

from __future__ import annotations

import numpy as np

from .._threads import single_blas_thread
from .losses import HuberLoss, MAELoss, MSELoss, _as_float_array
from .recurrent_train import backward_train, forward_train

__all__ = ["FusedStep"]

_KINDS = {MSELoss: 0, MAELoss: 1, HuberLoss: 2}


def _diverged(pred):
    return FloatingPointError(
        f"pred holds {int(np.count_nonzero(~np.isfinite(pred)))} NaN/inf value(s); the model has diverged"
    )


class FusedStep:
    """The gradients of one batch of windows for a CPU :class:`~tsrnn.nn.RecurrentRegressor`, on reused buffers.

    Parameters
    ----------
    model : RecurrentRegressor
    loss : MSELoss, MAELoss or HuberLoss
    last_step : bool
        Only the last step's targets carry weight: head and loss at that step only.
    """

    def __init__(self, model, loss, last_step=False):
        self.model = model
        self.kind = _KINDS[type(loss)]
        self.delta = float(getattr(loss, "delta", 1.0))
        self.last_step = bool(last_step)
        self._bufs = {}

    @staticmethod
    def covers(model, loss, mode, k) -> bool:
        """Whether the fused step computes this trainer's gradients: CPU, windows, full BPTT, MSE/MAE/Huber."""
        from .model import RecurrentRegressor

        return (
            type(model) is RecurrentRegressor
            and model.device == "cpu"
            and mode == "windows"
            and k is None
            and type(loss) in _KINDS
        )

    def _buf(self, name, shape, dtype, zeroed=False):
        """A buffer reused across batches; ``zeroed``: filled with zeros when (re)allocated."""
        buf = self._bufs.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._bufs[name] = (np.zeros if zeroed else np.empty)(shape, dtype=dtype)
        return buf

    def gradients(self, x, y, weight):
        """Add the batch's gradients into the model's (zeroed by the caller); returns the loss, as tbptt_gradients.

        Parameters
        ----------
        x : (B, T, I) array
        y : (B, T, O) array
        weight : (B, T, O) array or None
        """
        total_mass = float(weight.sum()) if weight is not None else float(y.size)
        if total_mass <= 0:
            raise ValueError("weight is zero everywhere: there is no target to fit")
        rnn = self.model.rnn
        with single_blas_thread():
            hs = forward_train(rnn, x)
            if self.last_step and weight is not None:
                value, d = self._head_last(hs, y, weight)
            else:
                h = self._buf("h", (x.shape[0], x.shape[1], hs.shape[2]), hs.dtype)
                np.copyto(h, hs[1:].transpose(1, 0, 2))
                value, dh = self._head_all(h, y, weight)
                d = self._buf("d_time_major", hs[1:].shape, hs.dtype)
                np.copyto(d, dh.transpose(1, 0, 2))
            backward_train(rnn, d)
        return 0.0 + value * (total_mass / total_mass)

    def loss_value(self, pred, y):
        """The mean loss of ``pred`` against ``y``, every element counted: the NumPy loss's value, bit for bit.

        For scoring without gradients (the validation loss during fit): the same compiled
        pass and buffers as :meth:`gradients`' loss, the gradient left unused.

        Parameters
        ----------
        pred : (...) float32 or float64 array, C-contiguous
        y : array of pred's shape and dtype

        Returns
        -------
        float

        Raises
        ------
        FloatingPointError
            When ``pred`` holds NaN or inf (the model has diverged).
        ValueError
            When ``y`` holds NaN or inf.
        """
        return self._loss(pred, y, None)[0]

    def _loss(self, pred, y, w):
        """Loss value and gradient (a reused buffer of pred's shape) of the flat-viewable ``pred``."""
        from ..kernels.fused import loss_grad

        dpred = self._buf("dpred", pred.shape, pred.dtype)
        elem = self._buf("elem", pred.shape, np.float64)
        yf = np.ascontiguousarray(y).reshape(-1)
        if w is None:
            wf, total = yf, float(pred.size)
        else:
            w64 = self._buf("w64", pred.shape, np.float64)
            np.copyto(w64, w)
            if w.dtype not in (np.float32, np.float64):  # integer weights, exact in float64; bool refused as there
                w = _as_float_array("weight", w).astype(np.float64)
            wf, total = np.ascontiguousarray(w).reshape(-1), float(np.sum(w64))
            if not total > 0:
                raise ValueError("weight sums to 0: no element counts, the mean loss is undefined")
        bad_pred, bad_target, bad_weight, bad_grad = loss_grad(
            self.kind, pred.reshape(-1), yf, wf, w is not None, self.delta, total, 1.0, dpred.reshape(-1), elem.reshape(-1)
        )
        if bad_weight:
            raise ValueError("weight must be finite and nonnegative (it holds NaN, inf or negative values)")
        if bad_pred:
            raise _diverged(pred)
        if bad_target:
            raise ValueError(f"target holds {bad_target} NaN/inf value(s)" + (" with nonzero weight" if w is not None
                             else "") + "; give them zero weight to mask them")  # fmt: skip
        if bad_grad:  # as the head's backward refuses it on the NumPy path
            raise ValueError("dy contains NaN or inf")
        return float(np.sum(elem)) / total, dpred

    def _head_all(self, h, y, weight):
        """Head forward, loss and head backward at every step; returns the loss and d loss / d h."""
        head = self.model.head
        W, b = head.params["weight"], head.params["bias"]
        B, T, H = h.shape
        h2 = h.reshape(-1, H)
        pred = self._buf("pred", (B, T, W.shape[0]), h.dtype)
        pred2 = pred.reshape(-1, W.shape[0])
        np.matmul(h2, W.T, out=pred2)
        pred2 += b
        value, dpred = self._loss(pred, y, weight)
        dy2 = dpred.reshape(-1, W.shape[0])
        head.grads["weight"] += dy2.T @ h2
        head.grads["bias"] += dy2.sum(axis=0)
        dh = self._buf("dh", h.shape, h.dtype)
        np.matmul(dy2, W, out=dh.reshape(-1, H))
        return value, dh

    def _head_last(self, hs, y, weight):
        """:meth:`_head_all` with the head and the loss at the last step only (the others' gradients are zero).

        Reads the last layer's time-major states ``hs`` (T+1, B, H) and returns the loss and
        the time-major (T, B, H) gradient of ``hs[1:]``: zero but at the last step.
        """
        head = self.model.head
        W, b = head.params["weight"], head.params["bias"]
        h_last = hs[-1]  # (B, H), contiguous
        pred = self._buf("pred_last", (h_last.shape[0], W.shape[0]), hs.dtype)
        np.matmul(h_last, W.T, out=pred)
        pred += b
        value, dpred = self._loss(pred, y[:, -1], None if weight is None else weight[:, -1])
        head.grads["weight"] += dpred.T @ h_last
        head.grads["bias"] += dpred.sum(axis=0)
        d = self._buf("d_last", hs[1:].shape, hs.dtype, zeroed=True)  # only its last step is ever written
        np.matmul(dpred, W, out=d[-1])
        return value, d
