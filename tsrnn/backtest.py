"""The old home of :func:`tsrnn.backtest` and :func:`tsrnn.evaluate` (now :mod:`tsrnn.evaluation`).

``from tsrnn.backtest import backtest, evaluate`` keeps working. Importing this module makes
Python set the attribute ``tsrnn.backtest`` to it (the import system binds every submodule
to its parent package), so that ``tsrnn.backtest(models, y, ...)`` keeps working whatever
was imported first, the module is callable: calling it calls
:func:`tsrnn.evaluation.backtest`.
"""

from __future__ import annotations

import inspect
import sys
import types

from .evaluation import backtest, evaluate

__all__ = ["backtest", "evaluate"]


class _CallableModule(types.ModuleType):
    """A module that forwards calls to :func:`tsrnn.evaluation.backtest`."""

    def __call__(self, *args, **kwargs):
        return backtest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
sys.modules[__name__].__signature__ = inspect.signature(backtest)
