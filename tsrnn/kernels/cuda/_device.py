"""Which device a layer runs on: ``"cpu"``, ``"cuda"`` or ``"auto"``, resolved once.

Nothing here imports :mod:`numba.cuda` at module level: ``device="cpu"`` never loads it,
and the other two load it only to ask whether a GPU is there.
"""

from __future__ import annotations

__all__ = ["DEVICES", "NO_GPU_MESSAGE", "check_device", "cuda_available", "resolve_device"]

DEVICES = ("cpu", "cuda", "auto")

#: The words every "asked for CUDA, there is none" error contains.
NO_GPU_MESSAGE = "no CUDA GPU found; use device='cpu'"


def check_device(device) -> str:
    """Return ``device`` if it is one of :data:`DEVICES`, else raise ``ValueError``."""
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"device={device!r} is not known; expected one of {DEVICES}")
    return device


def cuda_available() -> bool:
    """True when numba sees a usable CUDA GPU (or runs under ``NUMBA_ENABLE_CUDASIM=1``)."""
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver or toolkit means "no GPU" here
        return False


def resolve_device(device) -> str:
    """Turn ``"cpu"``, ``"cuda"`` or ``"auto"`` into the device to use, ``"cpu"`` or ``"cuda"``.

    ``"auto"`` picks CUDA when a GPU is available and the CPU otherwise, silently.

    Raises
    ------
    ValueError
        For a value that is not one of :data:`DEVICES`.
    RuntimeError
        For ``"cuda"`` on a machine where numba finds no CUDA GPU.
    """
    device = check_device(device)
    if device == "cpu":
        return "cpu"
    if cuda_available():
        return "cuda"
    if device == "auto":
        return "cpu"
    raise RuntimeError(
        f"device='cuda' was asked for, but {NO_GPU_MESSAGE} (or device='auto', which falls back to the CPU). "
        "numba.cuda.is_available() is False: no GPU, no driver, or no CUDA toolkit that numba can load."
    )
