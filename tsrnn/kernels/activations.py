"""Scalar activations shared by every cell kernel, exact and fast.

The cell kernels take a ``fast`` flag that the layer sets once per call (see
``TSRNN_FAST_ACTIVATIONS`` and ``TSRNN_FAST_ACTIVATIONS_FLOAT64``). They branch on it once
per row and call their inlined row functions with a literal ``True`` or ``False``, so the
branch inside :func:`tanh_` and :func:`sigmoid_` folds away and the pointwise loops are
branch-free. The fast form is chosen by the dtype at compile time (:func:`typed_fast_tanh`,
:func:`typed_fast_sigmoid`).

Why a fast path: numba from PyPI has no SVML, so ``math.tanh``/``math.exp`` are scalar
libm calls (about 10-100 ns each) that LLVM cannot vectorize, and they dominate small-H
cells. Two branch-free replacements vectorize instead:

- float32: :func:`fast_tanh`, the clamped rational approximation Eigen uses for float
  tanh, accurate to a few float32 ulps (4e-7) on the whole real line;
- float64: :func:`fast_tanh64` and :func:`fast_sigmoid64`, a range-reduced exp
  (``y = k ln2 + r``, Cody-Waite split of ln2, degree-13 Taylor polynomial for
  ``expm1(r)``, ``2**k`` assembled in the exponent bits), accurate to 2.3e-16 absolute
  and 4.5e-16 relative (checked on 10^7 points of [-40, 40] against ``np.tanh`` and the
  exact logistic), about 1.4 ns a value in a vectorized loop against 9-14 ns for libm.

Arithmetic runs in the dtype of the data: every constant of the generic functions goes
through :func:`as_type_of`, so a float32 kernel never promotes to float64 through a
literal such as ``1.0`` (which would halve the width of its vectorized loops and add
conversions). The CUDA kernels do the same (:mod:`tsrnn.kernels.cuda._math`); they have
no float64 fast form (the layers run float64 on the GPU with the exact functions).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from .._config import JIT

__all__ = [
    "tanh_",
    "sigmoid_",
    "fast_tanh",
    "fast_tanh64",
    "fast_sigmoid64",
    "typed_fast_tanh",
    "typed_fast_sigmoid",
    "exact_sigmoid",
    "as_type_of",
]

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


# ------------------------------------------------------------------ float64 fast path
# exp(y) = 2**k * exp(r), k = round(y / ln2), |r| <= ln2 / 2. ln2 in two parts (fdlibm's):
# _LN2_HI has its low 21 bits zero, so k * _LN2_HI is exact for |k| < 2**21 and r carries
# no error from the reduction beyond one rounding (and none at all for k = 0, which keeps
# the relative accuracy of expm1 near 0).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# Adding 1.5 * 2**52 to an integer-valued float of magnitude < 2**51 puts it in the low
# mantissa bits (two's complement), from where a shift moves it to the exponent field.
_SHIFT = 6755399441055744.0
_EXP_BIAS_BITS = 1023 << 52
# tanh(x) rounds to +-1 in float64 from |x| = 19.06 on: clamp there (exp(40) is finite).
_TANH_CLAMP64 = 20.0
# Below -708 the logistic (e**x) is subnormal; the fast sigmoid returns 0 there (error < 3e-308).
_SIGMOID_FLOOR64 = 708.0


@intrinsic
def _int64_as_float64(typingctx, i):
    """The float64 whose bits are the int64 ``i`` (an LLVM bitcast: free, and it vectorizes)."""
    if not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        value = context.cast(builder, args[0], signature.args[0], types.int64)
        return builder.bitcast(value, ir.DoubleType())

    return types.float64(i), codegen


@intrinsic
def _float64_as_int64(typingctx, x):
    """The int64 whose bits are the float64 ``x`` (an LLVM bitcast)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(x), codegen


@njit(inline="always", **JIT)
def _exp_parts64(y):
    """``(s, p)`` with ``exp(y) = s * (1 + p)``: ``s = 2**k`` exactly, ``p = expm1(r)``, ``|r| <= ln2/2``.

    Needs ``-1022 <= round(y / ln2) <= 1023`` (callers clamp ``y``). Branch-free: ``np.floor``
    (not ``math.floor``, which returns an integer) and integer ops on the bits vectorize.
    The rounding constant is added to ``k`` only on the way to the bits, never subtracted
    again, so the reduction stays correct under ``TSRNN_FASTMATH`` reassociation.
    """
    k = np.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    # expm1(r) = r + r**2 (1/2! + r/3! + ... + r**11/13!); truncation < 1.2e-17 relative.
    q = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0
    q = r * q + 1.0 / 39916800.0
    q = r * q + 1.0 / 3628800.0
    q = r * q + 1.0 / 362880.0
    q = r * q + 1.0 / 40320.0
    q = r * q + 1.0 / 5040.0
    q = r * q + 1.0 / 720.0
    q = r * q + 1.0 / 120.0
    q = r * q + 1.0 / 24.0
    q = r * q + 1.0 / 6.0
    q = r * q + 0.5
    p = r + (r * r) * q
    s = _int64_as_float64((_float64_as_int64(k + _SHIFT) << 52) + _EXP_BIAS_BITS)
    return s, p


@njit(inline="always", **JIT)
def fast_tanh64(x):
    """float64 tanh, vectorizable: max abs error 2.3e-16, relative 4.5e-16, exact +-1 for |x| >= 19.1 (and +-inf), tanh(+-0) = +-0, NaN in gives NaN out.

    ``tanh|x| = u / (u + 2)`` with ``u = expm1(2|x|) = s p + (s - 1)``, exact in ``s``; for
    ``|x| < 0.17`` (k = 0) ``u = p`` keeps the relative accuracy of expm1 near 0. Written
    without data-dependent branches (min, select, copysign) so loops calling it vectorize.
    float64 only (its constants are float64 literals).
    """
    y = 2.0 * min(abs(x), _TANH_CLAMP64)
    s, p = _exp_parts64(y)
    u = s * p + (s - 1.0)
    t = math.copysign(u / (u + 2.0), x)
    return t if x == x else x


@njit(inline="always", **JIT)
def fast_sigmoid64(x):
    """float64 logistic, vectorizable: max abs error 2.3e-16, relative 4.5e-16 down to 1e-307, exact 1 (0) for large positive (negative) x, NaN in gives NaN out.

    ``e = exp(-|x|)``; ``1 / (1 + e)`` for ``x >= 0``, ``e / (1 + e)`` otherwise, as
    :func:`exact_sigmoid` but by selects; 0 for ``x <= -708``.
    """
    s, p = _exp_parts64(-min(abs(x), _SIGMOID_FLOOR64))
    e = s + s * p
    q = 1.0 / (1.0 + e)
    r = q if x >= 0.0 else e * q
    r = r if x > -_SIGMOID_FLOOR64 else 0.0
    return r if x == x else x


def typed_fast_tanh(x):
    """The fast tanh for the dtype of ``x``: :func:`fast_tanh64` for float64, :func:`fast_tanh` otherwise.

    Chosen when the caller is compiled, so no branch is left in the loop. Pure-Python fallback
    (also the compiled function, called from Python) takes Python floats as float64.
    """
    if isinstance(x, np.float32):
        return fast_tanh(x)
    return fast_tanh64(x)


def typed_fast_sigmoid(x):
    """The fast logistic for the dtype of ``x``: :func:`fast_sigmoid64` for float64, ``0.5 + 0.5 * fast_tanh(x / 2)`` otherwise."""
    if isinstance(x, np.float32):
        half = np.float32(0.5)
        return half + half * fast_tanh(half * x)
    return fast_sigmoid64(x)


# Plain overloads (see as_type_of): typed once per dtype; LLVM inlines them into the
# calling loops, which still vectorize.
@overload(typed_fast_tanh)
def _ol_typed_fast_tanh(x):
    if x == types.float64:
        return lambda x: fast_tanh64(x)
    if isinstance(x, types.Float):
        return lambda x: fast_tanh(x)
    return None


@overload(typed_fast_sigmoid)
def _ol_typed_fast_sigmoid(x):
    if x == types.float64:
        return lambda x: fast_sigmoid64(x)
    if isinstance(x, types.Float):

        def impl(x):
            half = as_type_of(0.5, x)
            return half + half * fast_tanh(half * x)

        return impl
    return None


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
    """tanh, exact (libm) or fast (``fast`` is a bool flag set once per kernel call; the fast form per dtype, see :func:`typed_fast_tanh`)."""
    if fast:
        return typed_fast_tanh(x)
    return math.tanh(x)


@njit(inline="always", **JIT)
def sigmoid_(x, fast):
    """Logistic sigmoid; the fast form is ``0.5 + 0.5 * fast_tanh(x / 2)`` in float32, :func:`fast_sigmoid64` in float64."""
    if fast:
        return typed_fast_sigmoid(x)
    return exact_sigmoid(x)
