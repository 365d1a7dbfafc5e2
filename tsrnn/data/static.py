"""Static covariates: one row of values per series (a region, a store size), read from a frame keyed by series id.

``static`` is a DataFrame with the id column (``unique_id`` by default, or an index of that
name) and one column per static covariate. Columns of object, category, string or bool dtype
are categorical (their values compared as text, so ``True`` is the category ``"True"``); every
other column must be numeric and finite. Rows are matched by series id: the frame may hold
rows of other series too, never fewer than the series asked for, and each id once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["StaticTable", "read_static", "is_categorical"]

_SHOW = 10  # at most this many offending series are named in an error message


def is_categorical(column: pd.Series) -> bool:
    """True for object, category, string and bool columns (embedded), False for numeric ones (standardized)."""
    dtype = column.dtype
    return (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))  # fmt: skip


class StaticTable:
    """The static covariates of some series, as arrays.

    Attributes
    ----------
    numeric : (S, Sn) float64 array
        Numeric columns, raw.
    numeric_names : list of str
    categories : (S, Sc) object array of str
        Categorical columns, as text.
    categorical_names : list of str
    """

    def __init__(self, numeric, numeric_names, categories, categorical_names):
        self.numeric, self.numeric_names = numeric, list(numeric_names)
        self.categories, self.categorical_names = categories, list(categorical_names)


def _keyed(static, id_col):
    """``static`` as a DataFrame indexed by series id (the id column, or an index of that name)."""
    if not isinstance(static, pd.DataFrame):
        raise ValueError(f"static must be a pandas DataFrame with a {id_col!r} column and one column per static "
                         f"covariate, got {type(static).__name__}")  # fmt: skip
    if id_col in static.columns:
        frame = static.set_index(id_col)
    elif static.index.name == id_col:
        frame = static
    else:
        raise ValueError(f"static lacks the id column {id_col!r}; found columns {list(static.columns)}")
    if frame.index.has_duplicates:
        dup = list(dict.fromkeys(frame.index[frame.index.duplicated()]))[:_SHOW]
        raise ValueError(f"static has more than one row for the series {dup}; expected one row per series")
    if frame.shape[1] == 0:
        raise ValueError("static has no covariate columns beside the id column")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _check_names(frame, numeric_names, categorical_names):
    """The frame's columns against those seen in ``fit`` (same names, same kinds)."""
    expected = list(numeric_names) + list(categorical_names)
    missing = [c for c in expected if c not in frame.columns]
    extra = [c for c in frame.columns if c not in expected]
    if missing or extra:
        raise ValueError(f"static has columns {list(frame.columns)}; the model was fitted with {expected} "
                         f"(missing {missing}, unexpected {extra})")  # fmt: skip
    swapped = [c for c in numeric_names if is_categorical(frame[c])]
    if swapped:
        raise ValueError(f"static column(s) {swapped} were numeric in fit but are not numbers here")


def read_static(static, ids, id_col="unique_id", numeric_names=None, categorical_names=None) -> StaticTable:
    """The static covariates of the series ``ids``, checked.

    Parameters
    ----------
    static : pandas.DataFrame
        See the module docstring.
    ids : list
        The series whose rows are read, in this order.
    id_col : str
    numeric_names, categorical_names : list of str, optional
        The columns seen in ``fit``; None: every column, split by dtype.

    Returns
    -------
    StaticTable

    Raises
    ------
    ValueError
        Not a DataFrame, no id column, duplicated ids, series without a row, columns other
        than those of ``fit``, non-finite numbers or missing categories, naming what was seen.
    """
    frame = _keyed(static, id_col)
    if numeric_names is None:
        categorical_names = [c for c in frame.columns if is_categorical(frame[c])]
        numeric_names = [c for c in frame.columns if c not in categorical_names]
    else:
        _check_names(frame, numeric_names, categorical_names)
    rows = frame.index.get_indexer(pd.Index(list(ids)))
    absent = [ids[i] for i in np.flatnonzero(rows < 0)]
    if absent:
        raise ValueError(f"static has no row for {len(absent)} series: {absent[:_SHOW]}"
                         f"{' ...' if len(absent) > _SHOW else ''}; give one row per series of y")  # fmt: skip
    frame = frame.iloc[rows]
    numeric = _numeric(frame, numeric_names, ids)
    categories = np.empty((len(ids), len(categorical_names)), dtype=object)
    for j, name in enumerate(categorical_names):
        column = frame[name]
        holes = column.isna().to_numpy()
        if holes.any():
            raise ValueError(f"static column {name!r} has no value for the series "
                             f"{[ids[i] for i in np.flatnonzero(holes)[:_SHOW]]}; every series needs a category")  # fmt: skip
        categories[:, j] = [str(v) for v in column]
    return StaticTable(numeric, numeric_names, categories, categorical_names)


def _numeric(frame, names, ids):
    numeric = np.empty((len(ids), len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        column = frame[name]
        if not pd.api.types.is_numeric_dtype(column.dtype):
            raise ValueError(f"static column {name!r} has dtype {column.dtype}; expected numbers or categories "
                             "(object, category, string or bool)")  # fmt: skip
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"static column {name!r} is NaN or infinite for the series "
                             f"{[ids[i] for i in bad[:_SHOW]]}; static numbers must be finite")  # fmt: skip
        numeric[:, j] = values
    return numeric
