"""The models the ``tsrnn`` command builds from short names, and how long a series must be for them.

The RNNs are ``RNNForecaster(cell=..., horizon=h)`` with the library's defaults for every
other parameter; ``--window``, ``--epochs``, ``--season-length`` and ``--seed`` set
``window``, ``epochs``, ``season_length`` and ``random_state`` when given.
"""

from __future__ import annotations

import re

from .messages import UserError, info

__all__ = ["MODELS", "check_names", "build_models", "season_of", "min_length", "skip_short", "explain_fit_error"]

#: Short name -> what the command builds (m: the season length, h: the horizon).
MODELS = {
    "naive": "Naive()",
    "snaive": "SeasonalNaive(m)",
    "naive2": "Naive2(m)",
    "drift": "Drift()",
    "mean": "Mean()",
    "ets": "ETS(trend='add', damped_trend=True, seasonal='mul' if m > 1, season_length=m)",
    "autoets": "AutoETS(season_length=m)",
    "theta": "Theta(season_length=m)",
    "arima": "ARIMA(order=(1, 1, 1), seasonal_order=(0, 1, 1, m) if m > 1)",
    "lstm": "RNNForecaster(cell='lstm', horizon=h)",
    "gru": "RNNForecaster(cell='gru', horizon=h)",
    "rnn": "RNNForecaster(cell='rnn', horizon=h)",
}
RNN_NAMES = ("lstm", "gru", "rnn")


def check_names(text) -> list:
    """The model names of ``--model``/``--models`` (comma separated), or :class:`UserError` naming every unknown one."""
    names = [n.strip().lower() for n in str(text).split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        shown = ", ".join(repr(n) for n in unknown) or "none given"
        raise UserError(f"unknown model{'s' if len(unknown) > 1 else ''} {shown}; choose from {', '.join(MODELS)}")
    return names


def season_of(y) -> int:
    """The season length the library infers for ``y`` (hourly 24, daily 7, monthly 12, ...; 1 when none)."""
    from ..data.panel import to_panel
    from ..data.seasons import infer_season_length

    return int(infer_season_length(to_panel(y)))


def build_models(names, horizon, season, window=None, epochs=None, season_given=False, seed=None):
    """Forecasters for ``names`` (see :data:`MODELS`); RNN arguments other than those given stay the library's."""
    from ..forecasters import ARIMA, ETS, AutoETS, Drift, Mean, Naive, Naive2, RNNForecaster, SeasonalNaive, Theta

    simple = {"naive": Naive, "drift": Drift, "mean": Mean}
    models = []
    for key in names:
        if key in simple:
            models.append(simple[key]())
        elif key == "snaive":
            models.append(SeasonalNaive(season, alias="SeasonalNaive"))
        elif key == "naive2":
            models.append(Naive2(season))
        elif key == "ets":
            models.append(ETS(trend="add", damped_trend=True, seasonal="mul" if season > 1 else None,
                              season_length=season))  # fmt: skip
        elif key == "autoets":
            models.append(AutoETS(season_length=season))
        elif key == "theta":
            models.append(Theta(season_length=season))
        elif key == "arima":
            seasonal = (0, 1, 1, season) if season > 1 else (0, 0, 0, 0)
            models.append(ARIMA(order=(1, 1, 1), seasonal_order=seasonal))
        else:
            given = {"window": window, "epochs": epochs, "random_state": seed,
                     "season_length": season if season_given else None}  # fmt: skip
            models.append(RNNForecaster(cell=key, horizon=horizon, **{k: v for k, v in given.items() if v is not None}))
    return models


def rnn_window(model, y) -> int:
    """The input window an RNNForecaster will use on ``y``: its ``window``, or the library's default rule."""
    if model.window is not None:
        return int(model.window)
    from ..data.panel import to_panel
    from ..data.seasons import default_window, infer_seasons

    seasons = (model.season_length,) if model.season_length else infer_seasons(to_panel(y))
    return int(default_window(model.horizon, seasons))


def min_length(model) -> int:
    """Fewest values a series needs for ``model`` to forecast it.

    The baselines' own minimum (SeasonalNaive: a season); 1 for the statsmodels models (too
    short a series gets their naive fallback, with a warning) and the RNNs (a short series is
    left out of training, with a warning, and still forecast).
    """
    if getattr(model, "fallback", None) is not None or not hasattr(model, "_min_length"):
        return 1
    return int(model._min_length())


def skip_short(data, need, why, skip, hint=""):
    """``data`` without the series shorter than ``need`` values (``why`` says what needs them), with a warning.

    Raises :class:`UserError` when every series is short, or when ``skip`` is False and one is.
    """
    lengths = data.lengths()
    short = lengths[lengths < need]
    if short.empty:
        return data
    if len(short) == len(lengths):
        one = len(lengths) == 1
        subject = f"the series has {int(lengths.iloc[0])} values" if one else \
            f"every series is shorter than that (the longest has {int(lengths.max())})"  # fmt: skip
        raise UserError(f"{why} needs at least {need} values per series; {subject}{hint}")
    listed = ", ".join(repr(i) for i in short.index[:10]) + (" ..." if len(short) > 10 else "")
    if not skip:
        raise UserError(f"{len(short)} series are shorter than {need} values ({why}): {listed}; drop --no-skip-short "
                        "to leave them out")  # fmt: skip
    import warnings

    warnings.warn(f"skipped {len(short)} of {len(lengths)} series shorter than {need} values ({why}): {listed}",
                  UserWarning, stacklevel=2)  # fmt: skip
    return data.without(short.index)


def explain_fit_error(exc, model, y, window_given) -> str:
    """A library error of ``model.fit(y)``, in the command's words (a too-short series names --window)."""
    text = str(exc)
    found = re.search(r"every series is too short: training needs (.+?) = (\d+) values .*the longest has (\d+)", text)
    if not found:
        return text
    window = rnn_window(model, y)
    whose = "set by --window" if window_given else "the library's default for this data; --window sets it"
    return (f"every series is too short for {model.name_}: the longest has {found[3]} values, and training needs "
            f"{found[1]} = {found[2]} (window {window}, {whose}); pass a smaller --window or choose a model that "
            "needs less history (naive, snaive, theta, ets)")  # fmt: skip


def describe(models, y, horizon, season) -> None:
    """A note of what will run: the RNNs' window (the default rule's, unless --window)."""
    parts = []
    for m in models:
        if hasattr(m, "cell"):
            parts.append(f"{m.name_} (window {rnn_window(m, y)}, epochs {m.epochs})")
        else:
            parts.append(m.name_)
    info(f"models: {', '.join(parts)}; horizon {horizon}, season length {season}")
