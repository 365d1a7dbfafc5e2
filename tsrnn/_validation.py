"""Input checks that speak to the user: the argument, what was seen, what was expected."""

from __future__ import annotations

import numpy as np

__all__ = ["check_array", "check_positive_int"]


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _shape_text(shape, letters) -> str:
    parts = []
    for i, s in enumerate(shape):
        letter = letters[i] if letters else "?"
        parts.append(letter if s is None else f"{letter}={s}" if letters else str(s))
    return "(" + ", ".join(parts) + ")"


def check_array(value, name: str, shape, dtype, letters: str | None = None, finite: bool = True) -> np.ndarray:
    """Check an array argument and return it as an ndarray (no copy when already right).

    Parameters
    ----------
    value : array_like
        The argument given by the user.
    name : str
        Its name, used in error messages.
    shape : tuple of (int or None)
        Expected shape; ``None`` accepts any size on that axis. Its length is the rank.
    dtype : numpy dtype
        The exact dtype expected (no silent casting between float32 and float64).
    letters : str, optional
        Shape letters for the message, e.g. ``"BTI"``.
    finite : bool
        Refuse NaN and inf.

    Raises
    ------
    ValueError
        Naming ``name``, the shape, dtype or value seen, and what was expected.
    """
    # The expected-shape text is built only for an error message (this check sits on the
    # per-step path of recursive forecasts).
    if not isinstance(value, np.ndarray):
        expected = _shape_text(shape, letters)
        if value is None:
            raise ValueError(f"{name} is None; expected an array of shape {expected}")
        try:
            value = np.asarray(value)
        except Exception as exc:  # noqa: BLE001 - report what the user passed
            raise ValueError(f"{name} could not be read as an array ({exc}); expected shape {expected}") from None
        if value.dtype.kind in "iuf" and value.dtype != dtype:
            value = value.astype(dtype)
    if value.ndim != len(shape):
        raise ValueError(f"{name} has {value.ndim} dimensions (shape {value.shape}); expected {len(shape)}: "
                         f"{_shape_text(shape, letters)}")  # fmt: skip
    for axis, (seen, want) in enumerate(zip(value.shape, shape)):
        if want is not None and seen != want:
            letter = letters[axis] if letters else f"axis {axis}"
            raise ValueError(f"{name} has shape {value.shape}; expected {_shape_text(shape, letters)} ({letter} must "
                             f"be {want}, got {seen})")  # fmt: skip
    if value.dtype != dtype:
        raise ValueError(
            f"{name} has dtype {value.dtype}; expected {np.dtype(dtype)} (the layer's dtype). "
            f"Cast it with .astype(np.{np.dtype(dtype).name})"
        )
    if finite and not np.isfinite(value).all():
        bad = np.argwhere(~np.isfinite(value))[0]
        raise ValueError(f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}: {value[tuple(bad)]})")
    return value
