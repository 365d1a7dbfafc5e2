"""Which device a network runs on, for the layers above nn (forecasters ask here, not the CUDA kernels).

``"cpu"`` resolves without importing :mod:`numba.cuda`; ``"cuda"`` and ``"auto"`` ask
:func:`tsrnn.kernels.cuda.resolve_device` whether a GPU is there.
"""

from __future__ import annotations

__all__ = ["resolve_device"]


def resolve_device(device) -> str:
    """``"cpu"``, ``"cuda"`` or ``"auto"`` as the device to use, ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    ValueError
        For a value that is not one of ``"cpu"``, ``"cuda"``, ``"auto"``.
    RuntimeError
        For ``"cuda"`` on a machine where numba finds no CUDA GPU.
    """
    if isinstance(device, str) and device == "cpu":
        return "cpu"  # without importing numba.cuda
    from ..kernels.cuda import resolve_device as resolve

    return resolve(device)
