"""Figures for forecasts, backtests, training curves, leaderboards and residuals (matplotlib).

Every function draws on the Axes it is given (``ax=``) or on a new pyplot figure, and returns
the Axes it drew on (``plot_residuals``: an array of three; the grids: their figure and what
each panel shows), so figures can be composed, restyled and saved by the caller; nothing is shown (no ``plt.show()``) and no global
``rcParams`` is changed. A figure made here is a pyplot figure (it displays in notebooks):
close it with ``plt.close(ax.figure)`` when drawing many. ``save_figure`` writes a PNG
atomically.

matplotlib is imported on first use, so ``import tsrnn.plotting`` stays cheap.

Inputs follow the package's pandas layouts (see :mod:`tsrnn.data.panel`): a Series indexed
by time; a long DataFrame ``unique_id, ds, <value columns>``; or a wide DataFrame indexed by
time with one column per series. Prediction intervals are columns ``<model>-lo-<level>`` and
``<model>-hi-<level>`` (Nixtla's naming), e.g. ``GRU-lo-80`` and ``GRU-hi-80``. Datetime and
period indexes are drawn as dates, integer indexes as integers.

The functions live in one module per kind of figure: :mod:`~tsrnn.plotting.forecasts`
(``plot_forecast``, ``plot_backtest``), :mod:`~tsrnn.plotting.grid` (small multiples:
``plot_forecast_grid`` of the most voluminous series, ``plot_backtest_grid`` of one series
model by model, and ``largest_series``), :mod:`~tsrnn.plotting.training` (``plot_history``),
:mod:`~tsrnn.plotting.evaluation` (``plot_leaderboard``, ``plot_residuals``) and
:mod:`~tsrnn.plotting.saving` (``save_figure``); shared helpers are in ``_common``.
"""

from __future__ import annotations

from .evaluation import plot_leaderboard, plot_residuals
from .forecasts import plot_backtest, plot_forecast
from .grid import largest_series, plot_backtest_grid, plot_forecast_grid
from .saving import save_figure
from .training import plot_history

__all__ = ["largest_series", "plot_backtest", "plot_backtest_grid", "plot_forecast", "plot_forecast_grid", "plot_history",
           "plot_leaderboard", "plot_residuals", "save_figure"]
