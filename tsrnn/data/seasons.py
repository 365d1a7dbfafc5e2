"""Season lengths of a panel and the input window they call for.

:func:`infer_season_length` reads the main season from the timestamps' frequency (or from the
autocorrelation on an integer axis), :func:`infer_seasons` adds a week for sub-daily data, and
:func:`default_window` turns a horizon and seasons into the window RNNForecaster reads when
none is given. Data questions: no network, no forecaster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["infer_season_length", "infer_seasons", "default_window"]

# Calendar periods tried on an integer time axis (quarterly, working week, week, monthly,
# hourly, weekly-of-year, minutes, 15-minute).
_SEASON_CANDIDATES = (4, 5, 7, 12, 24, 52, 60, 96)
_ANCHORED_SEASON = {"W": 52, "M": 12, "MS": 12, "ME": 12, "BM": 12, "BMS": 12, "BME": 12, "SM": 24, "SMS": 24,
                    "SME": 24, "Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4, "BQE": 4, "A": 1, "AS": 1, "Y": 1,
                    "YS": 1, "YE": 1, "BA": 1, "BY": 1, "BYS": 1, "BYE": 1, "B": 5, "C": 5}  # fmt: skip


def infer_season_length(panel) -> int:
    """Season length m of a panel: from its frequency, or from the autocorrelation on an integer axis.

    Timestamps give a calendar cycle: a day for steps shorter than a day (hourly 24,
    15-minute 96, ...), a week for daily data (7; business days 5), a year for weekly (52),
    monthly (12) and quarterly (4) data, 1 for yearly data. An integer axis (M4, for
    example) has no calendar: the candidates 4, 5, 7, 12, 24, 52, 60 and 96 are tried, and
    the one whose lag-m autocorrelation of the first differences (averaged over the series,
    each over its last 2,000 values) peaks: a local peak (above lags m - 1 and m + 1) above
    the 95% noise band 2 / sqrt(T). Of those, the shortest whose peak reaches 80% of the
    highest wins (a season's multiples peak too); none: 1 (no season).

    Parameters
    ----------
    panel : tsrnn.data.Panel

    Returns
    -------
    int
    """
    axis = panel.axis
    if axis.kind != "range":
        freq = axis.freq
        code = (getattr(freq, "rule_code", None) or str(freq)).split("-")[0]
        if code in _ANCHORED_SEASON:
            return _ANCHORED_SEASON[code]
        try:
            step = pd.Timedelta(freq)
        except (TypeError, ValueError):
            step = None
        if step is not None and step > pd.Timedelta(0):
            day = pd.Timedelta(days=1)
            if step == day:
                return 7
            if step < day and day % step == pd.Timedelta(0):
                return int(day // step)
    return _acf_season(panel)


def _acf_season(panel) -> int:
    # First differences: a trend or a slowly drifting level would otherwise smear the peaks.
    series = [np.diff(panel.values[panel.indptr[i] : panel.indptr[i + 1]][-2001:]) for i in range(panel.n_series)]
    peaks = {}
    for m in _SEASON_CANDIDATES:
        rows, sizes = [], []
        for s in series:
            if s.size < 3 * m:
                continue
            d = s - s.mean()
            den = float(d @ d)
            if den <= 0:
                continue
            rows.append([float(d[k:] @ d[:-k]) / den for k in (m - 1, m, m + 1)])
            sizes.append(s.size)
        if not rows:
            continue
        before, r, after = np.mean(rows, axis=0)
        if r > before and r > after and r > 2 / np.sqrt(np.median(sizes)):
            peaks[m] = r
    if not peaks:
        return 1
    # Multiples of a season peak too: the shortest peak nearly as high as the highest wins.
    best = max(peaks.values())
    return min(m for m, r in peaks.items() if r >= 0.8 * best)


# Season lengths read as a day of sub-daily steps on an integer axis (hours, quarter hours).
_DAYS_ON_INTEGER_AXIS = (24, 96)


def infer_seasons(panel) -> tuple:
    """Season lengths of a panel: the main one (:func:`infer_season_length`), then a week if it applies.

    When the main season is a day of sub-daily steps (timestamps under a day apart, or a
    season of 24 or 96 on an integer axis, read as hours or quarter hours, as M4 Hourly's),
    a week of them (7 m: 168 for hourly data) is added, provided the median series holds at
    least three weeks. The seasonal-naive baseline then picks, for every window, the season
    whose lag differences have been smallest over the series' history up to the window's end
    (:func:`tsrnn.data.windows.season_choice`), so a series without a weekly pattern keeps
    repeating its last day.

    Parameters
    ----------
    panel : tsrnn.data.Panel

    Returns
    -------
    tuple of int
    """
    m = infer_season_length(panel)
    if m <= 1:
        return (m,)
    if panel.axis.kind == "range":
        is_day = m in _DAYS_ON_INTEGER_AXIS
    else:
        try:
            step = pd.Timedelta(panel.axis.freq)
        except (TypeError, ValueError):
            step = None
        is_day = step is not None and pd.Timedelta(0) < step < pd.Timedelta(days=1)
    if is_day and np.median(panel.lengths) >= 3 * 7 * m:
        return (m, 7 * m)
    return (m,)


def default_window(horizon, seasons) -> int:
    """The ``window`` used when none is given: ``max(min(2 * horizon, 2 * m), max(seasons), 16)``.

    m is the main (first) season; without one (m = 1), ``max(2 * horizon, 16)``.
    Two horizons of history for a direct forecast, but no more than two main seasons when
    the horizon is longer than the season, and every season in full (the main one
    for the window statistics; a week, for hourly data with a weekly season). M4 Hourly
    (horizon 48, seasons 24 and 168): 168; on its validation split (experiments/m4_tune.py)
    a window of 168 gave OWA 0.443 against 0.452 for 96, at twice the fit time. The rule
    asked for four main seasons until the validation periods of other frequencies showed
    long windows cost accuracy where series are short or the season is long
    (experiments/frequencies.py, validation MASE, LSTM with baseline "naive"): M4 Weekly
    (m = 52) 2.583 with 208, 2.545 with 104, 2.360 with 52; M1 Monthly (m = 12) 1.465 with
    48, 1.437 with 36 (= 2 horizons). Shorter still was better there (LSTM defaults, seeds
    0 / 1): 1.312 / 1.302 with 24 (two seasons) against 1.450 / 1.398 with 36, and 1.382 /
    1.342 with 18, hence the cap of two seasons (a horizon of 18 months, longer than the
    season; input windows "a little longer than the season" are also what Hewamalage et al.
    (2021) found best for M3 monthly). Where the horizon is at most the season the cap does
    not bind (quarterly, horizon 8 and m = 4: 16; hourly: 168; the airline series, horizon
    12: 24), and on the quarterly sets shorter windows were worse (M3 quarterly 1.237 /
    1.258 with 12 against 1.197 / 1.178 with 16).

        Parameters
    ----------
    horizon : int
    seasons : int or tuple of int

    Returns
    -------
    int
    """
    seasons = tuple(seasons) if isinstance(seasons, (list, tuple)) else (int(seasons),)
    main = int(seasons[0])
    history = 2 * int(horizon) if main <= 1 else min(2 * int(horizon), 2 * main)
    return int(max(history, max(int(m) for m in seasons), 16))

