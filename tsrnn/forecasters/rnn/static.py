"""RNNForecaster's static covariates and per-series input columns: fitted, looked up at predict, saved and checked.

``fit(y, static=frame)`` reads one row per series (:func:`tsrnn.data.static.read_static`):
numeric columns are standardized over the series, categorical ones coded as positions in
their sorted categories, each embedded by the network in a table of its own
(:func:`static_dim` values per category). :func:`series_table` gives the columns appended to
every input step of a series: its static values, then its position (with
``series_embedding``). Model files keep the categories as text in the JSON header and the
values as arrays (no pickle).
"""

from __future__ import annotations

import numpy as np

from ...data.static import read_static
from .covariates import series_positions

__all__ = ["static_dim", "static_sizes", "fit_static", "series_table", "predict_series_table", "save_static",
           "load_static", "static_input_width"]  # fmt: skip


def static_dim(n_categories: int) -> int:
    """Embedding size of a categorical column with ``n_categories`` values: min(4, ceil(n / 2))."""
    return min(4, (int(n_categories) + 1) // 2)


def static_sizes(categorical) -> list:
    """``(categories, dim)`` of every categorical column's embedding table."""
    return [(len(cats), static_dim(len(cats))) for _, cats in categorical]


def _clear(fc):
    fc.static_numeric_, fc.static_categorical_, fc.static_stats_ = [], [], None
    fc.static_raw_ = fc.static_codes_ = None


def fit_static(fc, panel, static):
    """Read and encode the static covariates of every fitted series (nothing without ``static``).

    Sets ``static_numeric_`` (names), ``static_categorical_`` (``[name, categories]`` pairs),
    ``static_stats_`` ((2, Sn) mean and standard deviation over the series), ``static_raw_``
    ((S, Sn) numbers) and ``static_codes_`` ((S, Sc) category positions).
    """
    _clear(fc)
    if static is None:
        return
    table = read_static(static, panel.ids, id_col=panel.columns[0])
    fc.static_numeric_ = table.numeric_names
    fc.static_categorical_ = [[name, sorted(set(table.categories[:, j]))]
                              for j, name in enumerate(table.categorical_names)]  # fmt: skip
    std = table.numeric.std(axis=0)
    fc.static_stats_ = np.stack([table.numeric.mean(axis=0), np.where(std > 0, std, 1.0)])
    fc.static_raw_ = table.numeric
    fc.static_codes_ = _codes(fc, table)


def _codes(fc, table):
    codes = np.empty(table.categories.shape, dtype=np.int64)
    for j, (name, cats) in enumerate(fc.static_categorical_):
        lookup = {c: i for i, c in enumerate(cats)}
        unknown = sorted({v for v in table.categories[:, j] if v not in lookup})
        if unknown:
            raise ValueError(f"static column {name!r} has categories {unknown[:10]} not seen in fit; the fitted "
                             f"ones are {cats[:20]}")  # fmt: skip
        codes[:, j] = [lookup[v] for v in table.categories[:, j]]
    return codes


def _rows(fc, numeric, codes):
    """(n, Sn + Sc) input columns: standardized numbers, then category codes."""
    return np.concatenate([(numeric - fc.static_stats_[0]) / fc.static_stats_[1], codes.astype(np.float64)], axis=1)


def _has_static(fc) -> bool:
    return bool(getattr(fc, "static_numeric_", None) or getattr(fc, "static_categorical_", None))


def series_table(fc, positions, rows=None):
    """(n, C) per-series input columns of the fitted series at ``positions``, or None when the model has none.

    ``rows`` replaces the fitted static values (new series given to ``predict``).
    """
    parts = []
    if _has_static(fc):
        parts.append(_rows(fc, fc.static_raw_[positions], fc.static_codes_[positions]) if rows is None else rows)
    if fc.series_embedding:
        parts.append(np.asarray(positions, dtype=np.float64)[:, None])
    return np.concatenate(parts, axis=1) if parts else None


def predict_series_table(fc, panel, positions, static):
    """The per-series input columns of the series to forecast (:func:`series_table`), from fit or from ``static``."""
    if not _has_static(fc):
        if static is not None:
            raise ValueError("static was given to predict, but the model was fitted without static covariates; "
                             "refit with fit(y, static=...) to use them")  # fmt: skip
        return series_table(fc, series_positions(fc, panel, positions)) if fc.series_embedding else None
    if static is not None and positions is not None:
        raise ValueError("static is for new series given with predict(y=..., static=...); the fitted series keep "
                         "the static covariates given to fit")  # fmt: skip
    rows = None
    if positions is None:
        if static is None:
            lookup = {k: i for i, k in enumerate(fc.panel_.ids)}
            unknown = [k for k in panel.ids if k not in lookup]
            if unknown:
                raise ValueError(f"the series {unknown[:10]} were not in fit, so the model has no static covariates "
                                 "for them; pass predict(y=..., static=...) with a row for every series of y")  # fmt: skip
            own = np.array([lookup[k] for k in panel.ids], dtype=np.int64)
            rows = _rows(fc, fc.static_raw_[own], fc.static_codes_[own])
        else:
            categorical = [name for name, _ in fc.static_categorical_]
            table = read_static(static, panel.ids, panel.columns[0], fc.static_numeric_, categorical)
            rows = _rows(fc, table.numeric, _codes(fc, table))
    embed_at = series_positions(fc, panel, positions) if fc.series_embedding else None
    at = np.arange(panel.n_series) if positions is None else positions
    table = series_table(fc, at, rows)
    if embed_at is not None:
        table[:, -1] = embed_at
    return table


def save_static(fc):
    """``(header, arrays)`` of the static covariates (empty without)."""
    if not _has_static(fc):
        return {}, {}
    header = {"static_numeric": list(fc.static_numeric_), "static_categorical": fc.static_categorical_}
    arrays = {"static.stats": fc.static_stats_, "static.numeric": fc.static_raw_, "static.codes": fc.static_codes_}
    return header, arrays


def static_input_width(header) -> tuple:
    """``(numeric columns, categorical (categories, dim) pairs)`` a file's header declares; ValueError if malformed."""
    numeric = header.get("static_numeric", [])
    categorical = header.get("static_categorical", [])
    if not isinstance(numeric, list) or not all(isinstance(n, str) for n in numeric):
        raise ValueError(f"state.static_numeric is {numeric!r}; expected a list of column names")
    good = isinstance(categorical, list) and all(
        isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and isinstance(c[1], list) and c[1]
        and all(isinstance(v, str) for v in c[1]) and len(set(c[1])) == len(c[1]) for c in categorical)  # fmt: skip
    if not good:
        raise ValueError("state.static_categorical is not a list of [name, [distinct category texts]] pairs")
    return len(numeric), static_sizes(categorical)


def load_static(fc, header, arrays):
    """Restore :func:`save_static`'s state into ``fc``, checking the arrays against the header."""
    _clear(fc)
    n_numeric, sizes = static_input_width(header)
    if not n_numeric and not sizes:
        return
    S = fc.panel_.n_series
    expect = {"static.stats": ((2, n_numeric), "f"), "static.numeric": ((S, n_numeric), "f"),
              "static.codes": ((S, len(sizes)), "iu")}  # fmt: skip
    for name, (shape, kinds) in expect.items():
        a = arrays.get(name)
        if a is None or a.shape != shape or a.dtype.kind not in kinds:
            seen = "missing" if a is None else f"{a.dtype}{list(a.shape)}"
            raise ValueError(f"arrays[{name!r}] is {seen}; the header's static covariates imply shape {shape}")
    if not (np.isfinite(arrays["static.numeric"]).all() and np.isfinite(arrays["static.stats"]).all()
            and np.all(arrays["static.stats"][1] > 0)):  # fmt: skip
        raise ValueError("the file's static covariates hold NaN or infinite values, or a scale that is not positive")
    codes = arrays["static.codes"].astype(np.int64)
    if sizes and (codes.min() < 0 or np.any(codes >= np.array([n for n, _ in sizes]))):
        raise ValueError("arrays['static.codes'] holds category positions beyond the header's categories")
    fc.static_numeric_ = list(header.get("static_numeric", []))
    fc.static_categorical_ = header.get("static_categorical", [])
    fc.static_stats_, fc.static_raw_, fc.static_codes_ = arrays["static.stats"], arrays["static.numeric"], codes
