"""Panel: the three pandas layouts a forecaster accepts, as one CSR array, and back.

``to_panel`` reads

* a ``pd.Series`` (one series) indexed by a DatetimeIndex, PeriodIndex or integer index;
* a long ``pd.DataFrame`` with columns ``unique_id``, ``ds``, ``y`` (Nixtla's convention;
  the names are configurable and other columns are ignored);
* a wide ``pd.DataFrame`` (any frame without the id and time columns), one column per series;

checks it (regular time grid, one shared frequency, no inf, no NaN unless asked to fill) and
returns a :class:`Panel`: every series concatenated into one float64 array ``values`` with
offsets ``indptr``, plus a :class:`TimeAxis` that knows each series' first and last timestamp
and how to continue it. ``from_forecasts`` turns an array of forecasts back into the layout
the user passed in, indexed by the timestamps that follow each series. ``slice_panel`` cuts
every series of a panel to a range of its values.

Missing values, in every layout:

* leading NaNs are dropped: the series starts at its first observed value;
* in a wide frame, a column's trailing NaNs are dropped too: the series ends at its last
  observed value (a ragged wide frame, as a pivot of a long frame gives, is read as that
  long frame, and each column is forecast from its own end);
* other interior and trailing NaNs are an error, unless ``fill_missing="interpolate"``:
  interior NaNs are then filled linearly and trailing NaNs (of a Series or a long frame)
  carry the last observed value forward, so the series still ends where the user's data ends;
* a missing timestamp (a gap in the grid) is always an error: it reports the first missing
  timestamp. Insert the missing rows with NaN values to have them interpolated.

This module is the public entry point; the code lives in one module per concern:

* :mod:`tsrnn.data.time_axis`: :class:`TimeAxis`;
* :mod:`tsrnn.data.csr`: the :class:`Panel` container and :func:`slice_panel`;
* :mod:`tsrnn.data.from_pandas`: :func:`to_panel`, its layout readers and missing-value rules;
* :mod:`tsrnn.data.frequency`: time index kinds, frequency inference and grid checks;
* :mod:`tsrnn.data.to_pandas`: :func:`from_forecasts`.
"""

from __future__ import annotations

from .csr import Panel, slice_panel
from .from_pandas import to_panel
from .time_axis import TimeAxis
from .to_pandas import from_forecasts

__all__ = ["Panel", "TimeAxis", "from_forecasts", "slice_panel", "to_panel"]
