"""RNNForecaster's data-driven defaults: ``log="auto"`` and ``epochs="auto"`` resolved from what ``fit`` sees.

Both rules were chosen on the validation periods of the shared benchmark sets (the last h
values of every training series of M1, M3 and Tourism yearly, M1 and M3 quarterly, M1
monthly, M3 other, M4 weekly; never a test period), every run logged in
experiments/frequencies_results.csv; M4 Hourly's defaults are untouched by them (its
series are long). ``baseline="auto"`` has its own rule in :mod:`.model_space`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_MEDIAN_LENGTH_FOR_LOG", "SHORT_SERIES_WINDOW_BUDGET", "DEFAULT_EPOCHS", "resolve_log",
           "resolve_epochs"]  # fmt: skip

#: log="auto" takes logs only when the median series given to fit holds at least this many values.
MIN_MEDIAN_LENGTH_FOR_LOG = 40
#: epochs="auto" when most series are shorter than one training window: about this many windows in all.
SHORT_SERIES_WINDOW_BUDGET = 10_000
#: epochs="auto" otherwise (30 epochs of up to ``windows_per_epoch`` windows: the M4 Hourly budget).
DEFAULT_EPOCHS = 30


def resolve_log(log, values, lengths, counts=False) -> bool:
    """Whether the network models the logarithm of the data: ``log``, with ``"auto"`` resolved.

    "auto": logs when every value is positive, the head is not a count distribution, and
    the median series holds at least :data:`MIN_MEDIAN_LENGTH_FOR_LOG` values.

    Evidence (validation MASE, LSTM seeds 0 / 1, logs against none): on the sets of short
    series no logs were better or equal: M1 yearly (median 9 values; mean of 5 seeds 2.689
    against 2.552), M1 quarterly (32; 1.777 / 1.813 against 1.708 / 1.708), M3 quarterly
    (36; 1.206 / 1.205 against 1.197 / 1.178), M3 yearly (13; 3.505 against 3.491, 3
    seeds), Tourism yearly (19; 2.888 against 2.905, 3 seeds: a tie). From M1 monthly on
    logs were better or equal: M1 monthly (48; 1.451 / 1.398 against 1.450 / 1.424), M3
    other (55; 1.787 / 1.806 against 1.875 / 1.865), M4 weekly (921; 2.315 / 2.277 against
    2.451 / 2.495), and M4 Hourly's defaults were chosen with them. A log turns a trend into growth: extrapolated from a
    short history it overshoots, from a long one the window's scale already tells the
    network how fast the series grows.

    Parameters
    ----------
    log : {"auto", True, False}
    values : (N,) array
        Every value given to fit (NaN, where masked, is ignored).
    lengths : (S,) int array
        Values per series.
    counts : bool
        The head is a count distribution (never logs).
    """
    if log != "auto":
        return bool(log)
    positive = not np.any(values <= 0)
    return bool(positive and not counts and np.median(lengths) >= MIN_MEDIAN_LENGTH_FOR_LOG)


def resolve_epochs(epochs, train_len, window, out, train_windows, windows_per_epoch=None) -> int:
    """The number of epochs a fit runs: ``epochs``, with ``"auto"`` resolved.

    "auto": :data:`DEFAULT_EPOCHS`, except when the median series is shorter than the
    input window (``train_len`` counted after differencing and ``val_size``; such series
    are forecast from padded windows and give no training window): then about :data:`SHORT_SERIES_WINDOW_BUDGET` windows in all,
    ``round(SHORT_SERIES_WINDOW_BUDGET / n)`` epochs of ``n = min(train_windows,
    windows_per_epoch)`` windows, between 1 and :data:`DEFAULT_EPOCHS`.

    Evidence (validation MASE, mean of 5 seeds, no logs): with most series shorter than a
    window, the training windows all come from the few long series, and the network
    trained longer on them forecasts the short ones worse. M3 yearly (645 series, 1,882
    windows, median 13 values against 22 needed): 3, 4, 5, 10, 20, 30, 60 epochs gave 3.364,
    3.367, 3.381, 3.427, 3.473, 3.491, 3.553. With fewer windows the same budget is more
    epochs, and there 30 were as good as 20 or 60: M1 yearly (277 windows) 2.566, 2.552,
    2.597 at 20, 30, 60 epochs (3.066 at 3); Tourism yearly (311; median 19 values, window
    16: not ruled short) 2.869, 2.892, 2.962. The rule gives M1 yearly 30 epochs, M3 yearly
    5. It is kept to series shorter than the window: on M1 monthly (median 48 values,
    window 36, horizon 18) one epoch of its 7,845 windows was no better than 30.

    Parameters
    ----------
    epochs : int or "auto"
    train_len : (S,) int array
        Training values per series.
    window : int
        The (first member's) input window.
    out : int
        Targets per sample (the horizon for the direct strategy).
    train_windows : int
        Training windows of that window.
    windows_per_epoch : int or None
        The forecaster's cap on windows per epoch (None: every window).
    """
    if epochs != "auto":
        return int(epochs)
    per_epoch = min(train_windows, windows_per_epoch or train_windows)
    if train_len.size and np.median(train_len) < window and per_epoch > 0:
        return int(min(DEFAULT_EPOCHS, max(1, round(SHORT_SERIES_WINDOW_BUDGET / per_epoch))))
    return DEFAULT_EPOCHS
