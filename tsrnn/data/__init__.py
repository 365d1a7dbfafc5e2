"""Data layer: pandas in, CSR-style arrays of many series (values/indptr), model-ready arrays out.

Shapes: N total observations, S series, h horizon, Q quantiles.
"""

from .panel import Panel, TimeAxis, from_forecasts, slice_panel, to_panel
from .transforms import SCALERS, difference, fit_scaler, scale, undifference, unscale
from .windows import WindowSampler, last_windows

__all__ = [
    "Panel",
    "TimeAxis",
    "to_panel",
    "from_forecasts",
    "slice_panel",
    "SCALERS",
    "fit_scaler",
    "scale",
    "unscale",
    "difference",
    "undifference",
    "WindowSampler",
    "last_windows",
]
