"""Every JIT option and numeric policy of tsrnn, in one place.

Kernels never hard-code ``cache=``, ``fastmath=`` or ``parallel=``: they take them from
:data:`JIT` and :data:`JIT_PARALLEL` below. Each option can be overridden through an
environment variable, read once when :mod:`tsrnn` is imported (numba freezes these
options when a kernel is first compiled, so they cannot change later in a process).

Environment variables
---------------------
TSRNN_CACHE : {"1", "0"}, default "1"
    Write compiled kernels to numba's on-disk cache so that a second process does not
    recompile. Numba puts the cache beside the sources, or under ``NUMBA_CACHE_DIR``.
TSRNN_FASTMATH : {"0", "1"}, default "0"
    Let LLVM reassociate and contract floating-point arithmetic in the kernels. Off by
    default: the float64 kernels are checked against a NumPy reference to 1e-10, and
    results must not depend on the machine's vector width. NaN/inf semantics are never
    relaxed (tsrnn relies on detecting non-finite values).
TSRNN_PARALLEL : {"1", "0"}, default "1"
    Run the per-chunk time loops with ``numba.prange``.
TSRNN_BATCH_CHUNK : int, default 16
    Rows of the batch given to one parallel task. The split depends on this number only,
    never on the thread count, which is why results are bit-identical for any
    ``NUMBA_NUM_THREADS``.
TSRNN_FAST_ACTIVATIONS : {"1", "0"}, default "1"
    Use a clamped rational approximation of tanh (and sigmoid through
    ``sigmoid(x) = 0.5 + 0.5 * tanh(x / 2)``) in float32 kernels, about 6x cheaper than
    ``math.tanh`` on builds of numba without SVML. Its relative error is below 1e-6,
    under float32's own rounding of the recurrences. float64 has its own flag, below.
TSRNN_FAST_ACTIVATIONS_FLOAT64 : {"1", "0"}, default "1"
    Use a vectorizable range-reduced exp (degree-13 polynomial, ``2**k`` built in the
    exponent bits) for tanh and sigmoid in the float64 CPU kernels, about 1.4 ns a value
    against 9-14 ns for libm's ``tanh``/``exp``. Measured error on 10^7 points of
    [-40, 40] and the edge cases: at most 2.3e-16 absolute (4.5e-16 relative) for both,
    exact limits, NaN propagated; the float64 kernels still match the NumPy reference to
    1e-10. "0" selects libm (``math.tanh``, ``math.exp``) for bit-level agreement with
    earlier releases. float64 on the GPU always uses the exact functions.
TSRNN_UNFUSED : {"0", "1"}, default "0"
    Train through the NumPy per-batch path (window gather, head, loss) instead of the fused
    one (:mod:`tsrnn.data.fused_gather`, :mod:`tsrnn.nn.fused_step`), for comparison: the
    results are the same, bit for bit, except with ``target_steps="last"`` (to rounding).
"""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "JIT",
    "JIT_PARALLEL",
    "JIT_EXACT",
    "BATCH_CHUNK",
    "PREDICT_ROWS",
    "FAST_ACTIVATIONS_FLOAT32",
    "FAST_ACTIVATIONS_FLOAT64",
    "DEFAULT_DTYPE",
    "SUPPORTED_DTYPES",
]


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r}: expected an integer >= {minimum}") from None
    if value < minimum:
        raise ValueError(f"environment variable {name}={raw!r}: expected an integer >= {minimum}")
    return value


CACHE: bool = _env_flag("TSRNN_CACHE", True)
FASTMATH = {"reassoc", "contract", "arcp", "nsz"} if _env_flag("TSRNN_FASTMATH", False) else False
PARALLEL: bool = _env_flag("TSRNN_PARALLEL", True)
BATCH_CHUNK: int = _env_int("TSRNN_BATCH_CHUNK", 16, 1)
#: Rows (series) per forward pass of prediction (RecurrentRegressor.forward_last): bounds its memory
#: (about T x rows x (6 H + O) values) whatever the number of series.
PREDICT_ROWS: int = 1024
FAST_ACTIVATIONS_FLOAT32: bool = _env_flag("TSRNN_FAST_ACTIVATIONS", True)
FAST_ACTIVATIONS_FLOAT64: bool = _env_flag("TSRNN_FAST_ACTIVATIONS_FLOAT64", True)

#: Train through the fused per-batch path (tsrnn.data.fused_gather, tsrnn.nn.fused_step); TSRNN_UNFUSED=1, or
#: setting this to False at run time (experiments/bench_fit.py), takes the NumPy path they replace, for comparison.
FUSED_TRAINING: bool = not _env_flag("TSRNN_UNFUSED", False)


def fused_training() -> bool:
    """Whether training takes the fused path: :data:`FUSED_TRAINING`, read at every call."""
    return FUSED_TRAINING


#: Options for serial kernels (``numba.njit(**JIT)``).
JIT = {"cache": CACHE, "fastmath": FASTMATH, "nogil": True, "error_model": "numpy"}
#: Options for kernels with a ``prange`` loop.
JIT_PARALLEL = dict(JIT, parallel=PARALLEL)
#: Options for kernels that must round exactly as the NumPy expressions they replace (never fastmath):
#: the fused training step (tsrnn/kernels/fused.py).
JIT_EXACT = dict(JIT, fastmath=False)

DEFAULT_DTYPE = np.float32
SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
