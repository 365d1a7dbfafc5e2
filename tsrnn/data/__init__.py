"""Data layer: arrays of many series (CSR-style values/indptr) in, model-ready arrays out.

Shapes: N total observations, S series, h horizon, Q quantiles.
"""

from .transforms import SCALERS, difference, fit_scaler, scale, undifference, unscale

__all__ = ["SCALERS", "fit_scaler", "scale", "unscale", "difference", "undifference"]
