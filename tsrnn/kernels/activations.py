"""Scalar activations shared by every cell kernel, exact and fast.

The cell kernels call :func:`tanh_` and :func:`sigmoid_` with a ``fast`` flag that the
layer sets once per call (fast only for float32, see ``TSRNN_FAST_ACTIVATIONS``); the
branch is loop-invariant, so LLVM hoists it out of the pointwise loops.

Why a fast path: numba from PyPI has no SVML, so ``math.tanh``/``math.exp`` are scalar
libm calls of about 100 ns each in hot loops, which dominate small-H cells. The
rational approximation below (the minimax form used by Eigen for float tanh) costs
about 17 ns and is accurate to a few float32 ulps on the whole real line.

Arithmetic runs in the dtype of the data: every constant goes through :func:`as_type_of`,
so a float32 kernel never promotes to float64 through a literal such as ``1.0`` (which
would halve the width of its vectorized loops and add conversions); float64 kernels are
unaffected. The CUDA kernels do the same (:mod:`tsrnn.kernels.cuda._math`).
"""

from __future__ import annotations

import math

from numba import njit, types
from numba.extending import overload

from .._config import JIT

__all__ = ["tanh_", "sigmoid_", "fast_tanh", "exact_sigmoid", "as_type_of"]

_CLAMP = 7.90531110763549805
_A1 = 4.89352455891786e-03
_A3 = 6.37261928875436e-04
_A5 = 1.48572235717979e-05
_A7 = 5.12229709037114e-08
_A9 = -8.60467152213735e-11
_A11 = 2.00018790482477e-13
_A13 = -2.76076847742355e-16
_B0 = 4.89352518554385e-03
_B2 = 2.26843463243900e-03
_B4 = 1.18534705686654e-04
_B6 = 1.19825839466702e-06


def as_type_of(value, like):
    """``value`` cast to the dtype of ``like`` (a scalar or an array), in compiled code.

    Pure-Python fallback: returns ``value`` unchanged.
    """
    return value


# A plain overload, not inline="always": numba then types it once per dtype instead of
# splicing its IR into every call site (a dozen per fast tanh), which cost ~1.5 s of a cold
# compile per cell; LLVM still inlines and folds the cast, the machine code is the same.
@overload(as_type_of)
def _ol_as_type_of(value, like):
    target = like.dtype if isinstance(like, types.Array) else like
    if not isinstance(target, types.Float):
        return None

    def impl(value, like):
        return target(value)

    return impl


@njit(inline="always", **JIT)
def fast_tanh(x):
    """Clamped rational tanh; max abs error 4e-7 in float32 (2e-7 in float64), exact limits +-1, NaN in gives NaN out.

    Written without data-dependent branches (clamps and the NaN test compile to selects)
    so that LLVM can vectorize the loops that call it.
    """
    clamp = as_type_of(_CLAMP, x)
    c = min(max(x, -clamp), clamp)
    x2 = c * c
    p = x2 * as_type_of(_A13, x) + as_type_of(_A11, x)
    p = x2 * p + as_type_of(_A9, x)
    p = x2 * p + as_type_of(_A7, x)
    p = x2 * p + as_type_of(_A5, x)
    p = x2 * p + as_type_of(_A3, x)
    p = x2 * p + as_type_of(_A1, x)
    q = x2 * as_type_of(_B6, x) + as_type_of(_B4, x)
    q = x2 * q + as_type_of(_B2, x)
    q = x2 * q + as_type_of(_B0, x)
    r = c * p / q
    return r if x == x else x


@njit(inline="always", **JIT)
def exact_sigmoid(x):
    """Logistic function without overflow warnings for large negative ``x``."""
    one = as_type_of(1.0, x)
    if x >= 0.0:
        return one / (one + math.exp(-x))
    e = math.exp(x)
    return e / (one + e)


@njit(inline="always", **JIT)
def tanh_(x, fast):
    """tanh, exact or fast (``fast`` is a bool flag set once per kernel call)."""
    if fast:
        return fast_tanh(x)
    return math.tanh(x)


@njit(inline="always", **JIT)
def sigmoid_(x, fast):
    """Logistic sigmoid; the fast form is ``0.5 + 0.5 * tanh(x / 2)``."""
    if fast:
        half = as_type_of(0.5, x)
        return half + half * fast_tanh(half * x)
    return exact_sigmoid(x)
