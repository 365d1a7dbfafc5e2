"""``tsrnn.load``: read a model file written by ``Forecaster.save``."""

from __future__ import annotations

from .forecasters import forecaster_classes
from .io import ModelFileError, read_model_file

__all__ = ["load"]


def load(path):
    """Load a forecaster saved with ``save(path)``.

    The file is read without pickle: a JSON header and plain numeric arrays, checked
    before anything large is allocated. Only tsrnn's own forecaster classes can be named
    by a file, so loading never runs code from the file.

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    BaseForecaster
        Fitted; predicts bit-identically to the saved model.

    Raises
    ------
    ModelFileError
        Truncated, corrupted or foreign files, or headers that do not describe a tsrnn model.
    """
    header, arrays = read_model_file(path)
    name = header.get("class")
    classes = forecaster_classes()
    if name not in classes:
        raise ModelFileError(f"{path}: the file names the model class {name!r}, which tsrnn does not have "
                             f"(known: {sorted(classes)})")  # fmt: skip
    for key in ("params", "panel"):
        if not isinstance(header.get(key), dict):
            raise ModelFileError(f"{path}: the header has no '{key}' object; not a saved tsrnn forecaster")
    try:
        return classes[name]._from_saved(header, arrays)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path}: the file does not describe a valid {name}: {exc}") from None
