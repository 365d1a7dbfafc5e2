"""Seeded synthetic series: sine waves, AR processes, trend + season, Mackey-Glass.

The generators of :mod:`tsrnn.datasets` (``make_sine``, ``make_ar``, ``make_trend_seasonal``,
``make_mackey_glass``; import them from there). Each returns a Series with a DatetimeIndex
named ``date``, or a long DataFrame (``unique_id``, ``ds``, ``y``) when ``n_series > 1``, and
is reproducible for its ``random_state``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_positive_int

__all__ = ["make_ar", "make_mackey_glass", "make_sine", "make_trend_seasonal"]


def _check_real(value, name: str, low=None, strict: bool = False) -> float:
    """``value`` as a finite float, ``>= low`` (``> low`` when ``strict``)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if ok and np.isfinite(value) and (low is None or (value > low if strict else value >= low)):
        return float(value)
    bound = "" if low is None else f" {'>' if strict else '>='} {low}"
    raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")


def _as_pandas(values: np.ndarray, start, freq, name: str):
    """Values of shape (S, T) as a Series (S=1) or a long DataFrame (unique_id series_0..., ds, y)."""
    n_series, n_time = values.shape
    index = pd.date_range(start, periods=n_time, freq=freq, name="date")
    if n_series == 1:
        return pd.Series(values[0], index=index, name=name)
    width = len(str(n_series - 1))
    ids = np.array([f"series_{i:0{width}d}" for i in range(n_series)])
    return pd.DataFrame(
        {"unique_id": np.repeat(ids, n_time), "ds": np.tile(index.to_numpy(), n_series), "y": values.ravel()}
    )


def _sizes(n, n_series) -> tuple[int, int]:
    return check_positive_int(n, "n"), check_positive_int(n_series, "n_series")


def make_sine(n=500, period=24, noise=0.1, amplitude=1.0, phase=0.0, n_series=1, start="2000-01-01", freq="h",
              random_state=None):  # fmt: skip
    """A sine wave plus Gaussian noise: ``amplitude * sin(2 pi t / period + phase) + noise * e_t``.

    Parameters
    ----------
    n : int, default 500
        Length T of each series.
    period : float, default 24
        Period in steps (> 0).
    noise : float, default 0.1
        Standard deviation of the i.i.d. Gaussian noise (>= 0).
    amplitude, phase : float
        Of the sine; the same for every series.
    n_series : int, default 1
        Number S of series; they differ only by their noise.
    start : str or Timestamp, default "2000-01-01"
        First timestamp.
    freq : str, default "h"
        pandas frequency of the index.
    random_state : int, numpy Generator or None
        Seed of the noise.

    Returns
    -------
    pandas.Series, shape (T,), or pandas.DataFrame, shape (S * T, 3)
        A Series named ``y`` indexed by ``date`` when ``n_series == 1``, else a long DataFrame
        with columns ``unique_id`` (series_0, series_1, ...), ``ds``, ``y``.
    """
    n, n_series = _sizes(n, n_series)
    period, noise = _check_real(period, "period", 0, strict=True), _check_real(noise, "noise", 0)
    amplitude, phase = _check_real(amplitude, "amplitude"), _check_real(phase, "phase")
    t = np.arange(n)
    eps = np.random.default_rng(random_state).standard_normal((n_series, n))
    return _as_pandas(amplitude * np.sin(2 * np.pi * t / period + phase) + noise * eps, start, freq, "y")


def _check_stationary(coefs: np.ndarray) -> None:
    if coefs.size == 0:
        return
    companion = np.eye(coefs.size, k=-1)
    companion[0] = coefs
    radius = np.max(np.abs(np.linalg.eigvals(companion)))
    if radius >= 1 - 1e-10:  # a unit root computed in floating point may come out just below 1
        raise ValueError(
            f"coefs={tuple(coefs.tolist())} define a non-stationary AR({coefs.size}) process: its characteristic "
            f"roots have modulus up to {radius:.4g}, expected all < 1 (all roots of 1 - a1 z - ... - ap z^p "
            f"outside the unit circle)"
        )


def make_ar(n=500, coefs=(0.6, -0.2), noise=1.0, burn_in=200, n_series=1, start="2000-01-01", freq="h",
            random_state=None):  # fmt: skip
    """A stationary autoregressive series: ``y_t = a1 y_{t-1} + ... + ap y_{t-p} + noise * e_t``.

    The recursion starts from zeros and runs ``burn_in`` steps before the first returned value,
    so the output is (close to) a draw from the stationary distribution.

    Parameters
    ----------
    n : int, default 500
        Length T of each series.
    coefs : sequence of float, shape (p,), default (0.6, -0.2)
        AR coefficients a1..ap; they must define a stationary process (else ValueError).
        Empty gives white noise.
    noise : float, default 1.0
        Standard deviation of the Gaussian innovations (>= 0).
    burn_in : int, default 200
        Steps simulated and dropped before the first value (>= 0).
    n_series, start, freq, random_state
        As in :func:`make_sine`.

    Returns
    -------
    pandas.Series, shape (T,), or pandas.DataFrame, shape (S * T, 3)
        As in :func:`make_sine`.
    """
    from scipy.signal import lfilter

    n, n_series = _sizes(n, n_series)
    noise = _check_real(noise, "noise", 0)
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    coefs = np.asarray(coefs, dtype=np.float64)
    if coefs.ndim != 1 or not np.all(np.isfinite(coefs)):
        raise ValueError(f"coefs must be a 1-D sequence of finite numbers, got {coefs.tolist()!r}")
    _check_stationary(coefs)
    eps = noise * np.random.default_rng(random_state).standard_normal((n_series, burn_in + n))
    values = lfilter([1.0], np.concatenate([[1.0], -coefs]), eps, axis=1)
    return _as_pandas(values[:, burn_in:], start, freq, "y")


def make_trend_seasonal(n=500, trend=0.01, period=24, amplitude=1.0, noise=0.1, level=0.0, n_series=1,
                        start="2000-01-01", freq="h", random_state=None):  # fmt: skip
    """Linear trend, sine seasonality and noise: ``level + trend t + amplitude sin(2 pi t / period) + noise e_t``.

    Parameters
    ----------
    n : int, default 500
        Length T of each series.
    trend : float, default 0.01
        Slope per step.
    period : float, default 24
        Seasonal period in steps (> 0).
    amplitude : float, default 1.0
        Amplitude of the seasonal sine.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise (>= 0).
    level : float, default 0.0
        Value of the trend at the first step.
    n_series, start, freq, random_state
        As in :func:`make_sine`.

    Returns
    -------
    pandas.Series, shape (T,), or pandas.DataFrame, shape (S * T, 3)
        As in :func:`make_sine`.
    """
    n, n_series = _sizes(n, n_series)
    trend, level = _check_real(trend, "trend"), _check_real(level, "level")
    amplitude = _check_real(amplitude, "amplitude")
    period, noise = _check_real(period, "period", 0, strict=True), _check_real(noise, "noise", 0)
    t = np.arange(n)
    eps = np.random.default_rng(random_state).standard_normal((n_series, n))
    return _as_pandas(level + trend * t + amplitude * np.sin(2 * np.pi * t / period) + noise * eps, start, freq, "y")


def _mackey_glass_steps(history: np.ndarray, n_steps: int, lag: int, beta, gamma, p, dt) -> np.ndarray:
    """Euler steps of the delay equation; ``history`` (S, lag + 1) are the values up to time 0."""
    x = np.empty((history.shape[0], lag + 1 + n_steps))
    x[:, : lag + 1] = history
    for k in range(lag, lag + n_steps):
        delayed = x[:, k - lag]
        x[:, k + 1] = x[:, k] + dt * (beta * delayed / (1.0 + delayed**p) - gamma * x[:, k])
    return x[:, lag + 1 :]


def make_mackey_glass(n=1000, tau=17, beta=0.2, gamma=0.1, p=10, dt=1.0, x0=None, noise=0.0, burn_in=500,
                      n_series=1, start="2000-01-01", freq="h", random_state=None):  # fmt: skip
    """The Mackey-Glass delay equation, a standard chaotic benchmark, integrated by Euler steps.

    ``dx/dt = beta * x(t - tau) / (1 + x(t - tau)^p) - gamma * x(t)``, discretised as
    ``x[k+1] = x[k] + dt * (beta * x[k - tau/dt] / (1 + x[k - tau/dt]^p) - gamma * x[k])``
    (with ``dt=1`` this is the usual discrete Mackey-Glass series; ``tau=17`` is chaotic).
    One returned value per step: with ``dt=0.1``, take every tenth value for unit time steps.
    From a positive history the values stay in (0, 2) (for the default parameters, below 1.5
    after the transient).

    Parameters
    ----------
    n : int, default 1000
        Length T of each series.
    tau : float, default 17
        Delay (> 0); ``tau / dt`` must be a whole number of steps.
    beta, gamma, p : float, default 0.2, 0.1, 10
        Production rate, decay rate and nonlinearity exponent (> 0).
    dt : float, default 1.0
        Step size (> 0, with ``gamma * dt < 1`` so that the scheme stays positive).
    x0 : float, optional
        Constant history (> 0). Default: a random history, each value drawn uniformly in
        (0.5, 1.5) from ``random_state``, so series differ by seed.
    noise : float, default 0.0
        Standard deviation of Gaussian observation noise added to the output (>= 0).
    burn_in : int, default 500
        Steps simulated and dropped before the first value (>= 0), to leave the transient.
    n_series, start, freq, random_state
        As in :func:`make_sine`.

    Returns
    -------
    pandas.Series, shape (T,), or pandas.DataFrame, shape (S * T, 3)
        As in :func:`make_sine`.
    """
    n, n_series = _sizes(n, n_series)
    tau, dt = _check_real(tau, "tau", 0, strict=True), _check_real(dt, "dt", 0, strict=True)
    beta, p = _check_real(beta, "beta", 0, strict=True), _check_real(p, "p", 0, strict=True)
    gamma, noise = _check_real(gamma, "gamma", 0, strict=True), _check_real(noise, "noise", 0)
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    lag = round(tau / dt)
    if lag < 1 or not np.isclose(lag * dt, tau, rtol=1e-9, atol=1e-12):
        raise ValueError(
            f"tau / dt must be a whole number of steps >= 1, got tau={tau}, dt={dt} (tau / dt = {tau / dt:.6g})"
        )
    if gamma * dt >= 1:
        raise ValueError(f"gamma * dt must be < 1 for the Euler scheme to stay positive, got gamma={gamma}, dt={dt}")
    rng = np.random.default_rng(random_state)
    if x0 is None:
        history = rng.uniform(0.5, 1.5, size=(n_series, lag + 1))
    else:
        history = np.full((n_series, lag + 1), _check_real(x0, "x0", 0, strict=True))
    values = _mackey_glass_steps(history, burn_in + n, lag, beta, gamma, p, dt)[:, burn_in:]
    if noise > 0:
        values = values + noise * rng.standard_normal(values.shape)
    return _as_pandas(values, start, freq, "y")
