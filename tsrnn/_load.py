"""``tsrnn.load``: read a model file written by ``Forecaster.save``."""

from __future__ import annotations

import os

from .forecasters import forecaster_classes
from .io import ModelFileError, read_model_file

__all__ = ["load"]

# What restoring a forecaster from a header and arrays raises on settings that do not fit together.
_RESTORE_ERRORS = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError)


def load(path, max_bytes=None):
    """Load a forecaster saved with ``save(path)``.

    The file is read without pickle: a JSON header and plain numeric arrays, checked
    before anything large is allocated. Only tsrnn's own forecaster classes can be named
    by a file, so loading never runs code from the file.

    Parameters
    ----------
    path : str or PathLike
    max_bytes : int, optional
        Budget in bytes for everything loading allocates: the stored arrays and the model
        built from them (for RNNForecaster, its parameters and gradient buffers). Default
        2 GiB (:data:`tsrnn.io.DEFAULT_MAX_BYTES`); lower it for files you do not trust.
        Before anything is built, every header setting that sizes the model (hidden size,
        layers, horizon, windows, seasons, quantiles, covariates, series vectors) is
        checked against the shapes of the stored arrays and the length of the stored
        history.

    Returns
    -------
    BaseForecaster
        Fitted; predicts bit-identically to the saved model.

    Raises
    ------
    ModelFileError
        Truncated, corrupted or foreign files, headers that do not describe a tsrnn model or
        disagree with the stored arrays, or files beyond ``max_bytes``; the message names
        the file and the field.
    ValueError
        If ``max_bytes`` is not an integer >= 0.
    """
    header, arrays = read_model_file(path, max_bytes)
    name = header.get("class")
    classes = forecaster_classes()
    if not isinstance(name, str) or name not in classes:
        raise ModelFileError(f"{os.fspath(path)!r}: the file names the model class {name!r}, which tsrnn does not have "
                             f"(known: {sorted(classes)})")  # fmt: skip
    for key in ("params", "panel"):
        if not isinstance(header.get(key), dict):
            raise ModelFileError(f"{os.fspath(path)!r}: the header has no '{key}' object; not a saved tsrnn forecaster")
    try:
        return classes[name]._from_saved(header, arrays, max_bytes)
    except ModelFileError:
        raise
    except _RESTORE_ERRORS as exc:
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelFileError(f"{os.fspath(path)!r}: the file does not describe a valid {name}: {problem}") from None
