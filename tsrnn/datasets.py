"""Data sets: bundled real series, statsmodels' series, M4 and ETT from a data folder, generators.

Every loader returns pandas. Single series come back with a DatetimeIndex named ``date`` whose
frequency is set; panels come back as long DataFrames with columns ``unique_id``, ``ds``, ``y``.

* Bundled with tsrnn (no network, no data folder): :func:`load_airpassengers`.
* Shipped by statsmodels (imported on first use): :func:`load_sunspots`, :func:`load_co2`,
  :func:`load_nile`, :func:`load_elnino`, :func:`load_macrodata`.
* Competition data read from a local folder (``data_home=``, else ``$TSRNN_DATA_HOME``, else
  ``~/tsrnn_data``): :func:`load_m4`, :func:`load_ett` (and the older :func:`load_m4_hourly`,
  :func:`load_etth1`). tsrnn never downloads on its own: :func:`download_m4` and
  :func:`download_ett` fetch the public files into that folder when you call them. Layout::

      <data_home>/m4/<Group>-train.csv, <Group>-test.csv    (M4 competition, e.g. Hourly-train.csv)
      <data_home>/ett/<name>.csv                            (ETTh1, ETTh2, ETTm1, ETTm2)

* Seeded synthetic series: :func:`make_sine`, :func:`make_ar`, :func:`make_trend_seasonal`,
  :func:`make_mackey_glass`. Each returns a Series, or a long DataFrame when ``n_series > 1``.
  They are defined in ``tsrnn._synthetic`` and imported here; this module holds the loaders
  and downloaders.
"""

from __future__ import annotations

import http.client
import importlib
import importlib.resources
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from ._atomic import atomic_write
from ._synthetic import make_ar, make_mackey_glass, make_sine, make_trend_seasonal
from ._validation import check_positive_int

__all__ = [
    "ETT_NAMES",
    "ETT_URL",
    "M4_GROUPS",
    "M4_URL",
    "download_ett",
    "download_m4",
    "get_data_home",
    "load_airpassengers",
    "load_co2",
    "load_elnino",
    "load_ett",
    "load_etth1",
    "load_m4",
    "load_m4_hourly",
    "load_macrodata",
    "load_nile",
    "load_sunspots",
    "make_ar",
    "make_mackey_glass",
    "make_sine",
    "make_trend_seasonal",
]

logger = logging.getLogger(__name__)

#: M4 groups: (horizon, seasonality, id prefix), as used by the competition's evaluation.
M4_GROUPS = {
    "Yearly": (6, 1, "Y"),
    "Quarterly": (8, 4, "Q"),
    "Monthly": (18, 12, "M"),
    "Weekly": (13, 1, "W"),
    "Daily": (14, 1, "D"),
    "Hourly": (48, 24, "H"),
}
#: ETT files and their sampling frequency.
ETT_NAMES = {"ETTh1": "h", "ETTh2": "h", "ETTm1": "15min", "ETTm2": "15min"}

M4_URL = "https://raw.githubusercontent.com/Mcompetitions/M4-methods/master/Dataset"
ETT_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small"


# --------------------------------------------------------------------------------------------
# Data folder
# --------------------------------------------------------------------------------------------


def get_data_home(data_home=None) -> Path:
    """The data folder: ``data_home``, else ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``."""
    if data_home is None:
        data_home = os.environ.get("TSRNN_DATA_HOME") or Path.home() / "tsrnn_data"
    return Path(data_home).expanduser()


def _need(path: Path, what: str, fetch: str | None = None) -> Path:
    if not path.exists():
        how = f", or fetch it with tsrnn.datasets.{fetch}" if fetch else ""
        raise FileNotFoundError(
            f"{what} not found at {path}. Put the file there, or point data_home= / TSRNN_DATA_HOME at the folder "
            f"that holds it{how}"
        )
    return path


def _check_choice(value, name: str, choices) -> str:
    lookup = {str(c).lower(): c for c in choices}
    if not isinstance(value, str) or value.lower() not in lookup:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return lookup[value.lower()]


# --------------------------------------------------------------------------------------------
# Bundled series
# --------------------------------------------------------------------------------------------


def _bundled(name: str):
    """The bundled file ``name``: from the installed ``tsrnn._bundled``, else the checkout's datasets/."""
    try:
        resource = importlib.resources.files("tsrnn._bundled").joinpath(name)
        if resource.is_file():
            return resource
    except ModuleNotFoundError:
        pass  # editable installs cannot map a data-only subpackage that lives outside tsrnn/
    path = Path(__file__).resolve().parents[1] / "datasets" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"bundled data file {name!r} is missing from the tsrnn installation (looked in tsrnn._bundled and {path}); "
            f"reinstall tsrnn"
        )
    return path


def load_airpassengers() -> pd.Series:
    """Monthly international airline passengers, January 1949 to December 1960 (Box and Jenkins' series G).

    Bundled with tsrnn; see ``datasets/README.md`` for the source and licence.

    Returns
    -------
    pandas.Series, shape (T=144,)
        Named ``passengers`` (thousands, int64), indexed by ``date``: a monthly DatetimeIndex with
        frequency ``MS`` (each value labelled by the first day of its month).

    Examples
    --------
    >>> y = load_airpassengers()
    >>> y.index.freqstr, len(y), int(y.sum()), int(y.iloc[-1])
    ('MS', 144, 40363, 432)
    """
    with _bundled("airpassengers.csv").open("r", encoding="utf-8") as f:
        table = pd.read_csv(f, dtype={"month": str, "passengers": np.int64})
    index = pd.DatetimeIndex(pd.to_datetime(table["month"], format="%Y-%m"), freq="MS", name="date")
    return pd.Series(table["passengers"].to_numpy(), index=index, name="passengers")


# --------------------------------------------------------------------------------------------
# Series shipped by statsmodels
# --------------------------------------------------------------------------------------------


def _statsmodels_table(name: str) -> pd.DataFrame:
    # statsmodels is slow to import; only these loaders need it.
    return importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data


def _yearly(first_year, n: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{int(first_year)}-01-01", periods=n, freq="YS", name="date")


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot numbers, 1700 to 2008 (``statsmodels.datasets.sunspots``).

    Returns
    -------
    pandas.Series, shape (T=309,)
        Named ``sunactivity``, indexed by ``date``: a yearly DatetimeIndex with frequency ``YS-JAN``
        (each year labelled by its first day).
    """
    table = _statsmodels_table("sunspots")
    return pd.Series(table["SUNACTIVITY"].to_numpy(), index=_yearly(table["YEAR"].iloc[0], len(table)),
                     name="sunactivity")  # fmt: skip


def load_nile() -> pd.Series:
    """Yearly flow of the Nile at Aswan, 1871 to 1970, in 10^8 m^3 (``statsmodels.datasets.nile``).

    Returns
    -------
    pandas.Series, shape (T=100,)
        Named ``volume``, indexed by ``date``: a yearly DatetimeIndex with frequency ``YS-JAN``.
    """
    table = _statsmodels_table("nile")
    return pd.Series(table["volume"].to_numpy(), index=_yearly(table["year"].iloc[0], len(table)), name="volume")


def load_co2(interpolate: bool = True) -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, March 1958 to December 2001, in ppm (``statsmodels.datasets.co2``).

    The series is kept weekly (weeks ending on Saturday, as in the source). The source has 59
    missing weeks; by default they are filled by linear interpolation in time so that the
    series can be fed to models that need complete data.

    Parameters
    ----------
    interpolate : bool, default True
        Fill the missing weeks by linear interpolation; ``False`` keeps them as NaN.

    Returns
    -------
    pandas.Series, shape (T=2284,)
        Named ``co2``, indexed by ``date``: a weekly DatetimeIndex with frequency ``W-SAT``.
    """
    values = _statsmodels_table("co2")["co2"]
    series = values.asfreq("W-SAT").rename("co2").rename_axis("date")
    if interpolate:
        series = series.interpolate(method="time", limit_direction="both")
    return series


def load_elnino() -> pd.Series:
    """Monthly sea surface temperature in the Nino 1+2 region, 1950 to 2010, in °C (``statsmodels.datasets.elnino``).

    statsmodels stores one row per year and one column per month; this is the same data as one
    monthly series in time order.

    Returns
    -------
    pandas.Series, shape (T=732,)
        Named ``sst``, indexed by ``date``: a monthly DatetimeIndex with frequency ``MS``.
    """
    table = _statsmodels_table("elnino")
    values = table.drop(columns="YEAR").to_numpy(dtype=np.float64).ravel()  # row-major: year by year, Jan..Dec
    index = pd.date_range(f"{int(table['YEAR'].iloc[0])}-01-01", periods=values.size, freq="MS", name="date")
    return pd.Series(values, index=index, name="sst")


def load_macrodata() -> pd.DataFrame:
    """Quarterly US macroeconomic data, 1959Q1 to 2009Q3 (``statsmodels.datasets.macrodata``).

    Returns
    -------
    pandas.DataFrame, shape (T=203, 12)
        Columns realgdp, realcons, realinv, realgovt, realdpi, cpi, m1, tbilrate, unemp, pop,
        infl, realint (the source's ``year`` and ``quarter`` become the index), indexed by
        ``date``: a quarterly DatetimeIndex with frequency ``QS-JAN`` (each quarter labelled by
        its first day).
    """
    table = _statsmodels_table("macrodata")
    first = f"{int(table['year'].iloc[0])}-{3 * int(table['quarter'].iloc[0]) - 2:02d}-01"
    index = pd.date_range(first, periods=len(table), freq="QS", name="date")
    return table.drop(columns=["year", "quarter"]).set_index(index)


# --------------------------------------------------------------------------------------------
# M4 and ETT from the data folder
# --------------------------------------------------------------------------------------------


def _m4_wide_to_long(path: Path, n_series=None) -> pd.DataFrame:
    wide = pd.read_csv(path, nrows=n_series)
    ids = wide.pop("V1").astype(str)
    values = wide.to_numpy(dtype=np.float64)
    present = ~np.isnan(values)
    lengths = present.sum(axis=1)
    # M4 pads shorter series with empty cells at the end of the row, so position = step.
    starts = np.cumsum(lengths) - lengths
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids.to_numpy(), lengths),
            "ds": np.arange(lengths.sum()) - np.repeat(starts, lengths),
            "y": values[present],
        }
    )


def load_m4(group: str = "Hourly", data_home=None, n_series=None):
    """One M4 competition group as long DataFrames: training histories and the test horizon.

    M4 has no timestamps: ``ds`` is the integer step, starting at 0 in the training file and
    continuing from each series' end in the test file. Horizon, seasonality and id prefix per
    group are in :data:`M4_GROUPS` (Hourly: 414 series, horizon 48, seasonality 24).

    Parameters
    ----------
    group : {"Yearly", "Quarterly", "Monthly", "Weekly", "Daily", "Hourly"}, default "Hourly"
        The group (case-insensitive). Files ``<data_home>/m4/<Group>-train.csv`` and
        ``<Group>-test.csv``, in the competition's wide format (id column ``V1``, then values).
    data_home : str or Path, optional
        The data folder; default ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``.
    n_series : int, optional
        The first ``n_series`` series only.

    Returns
    -------
    train, test : pandas.DataFrame
        Columns ``unique_id`` (str, e.g. H1...H414), ``ds`` (int), ``y`` (float).

    Raises
    ------
    FileNotFoundError
        When a file is missing: the message says where it looked.
    """
    group = _check_choice(group, "group", M4_GROUPS)
    if n_series is not None:
        n_series = check_positive_int(n_series, "n_series")
    root = get_data_home(data_home) / "m4"
    fetch = f"download_m4({group!r}, data_home=...)"
    train = _m4_wide_to_long(_need(root / f"{group}-train.csv", f"M4 {group}-train.csv", fetch), n_series)
    test = _m4_wide_to_long(_need(root / f"{group}-test.csv", f"M4 {group}-test.csv", fetch), n_series)
    ends = train.groupby("unique_id", sort=False).ds.max() + 1
    test["ds"] = test["ds"] + test["unique_id"].map(ends).to_numpy()
    return train, test


def load_m4_hourly(data_home=None, n_series=None):
    """M4 Hourly: 414 series, horizon 48, seasonality 24, as long DataFrames.

    Same as ``load_m4("Hourly", data_home, n_series)``.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder holding ``m4/Hourly-train.csv`` and ``m4/Hourly-test.csv``.
    n_series : int, optional
        The first ``n_series`` series only.

    Returns
    -------
    train, test : pandas.DataFrame
        Columns ``unique_id`` (H1...H414), ``ds`` (int), ``y`` (float).
    """
    return load_m4("Hourly", data_home=data_home, n_series=n_series)


def _ett_wide(name: str, data_home) -> pd.DataFrame:
    fetch = f"download_ett({name!r}, data_home=...)"
    path = _need(get_data_home(data_home) / "ett" / f"{name}.csv", f"{name}.csv", fetch)
    df = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return df.asfreq(ETT_NAMES[name])


def load_ett(name: str = "ETTh1", data_home=None) -> pd.DataFrame:
    """An Electricity Transformer Temperature file as a long DataFrame, one series per column.

    Parameters
    ----------
    name : {"ETTh1", "ETTh2", "ETTm1", "ETTm2"}, default "ETTh1"
        The file ``<data_home>/ett/<name>.csv`` (hourly for ETTh*, every 15 minutes for ETTm*).
    data_home : str or Path, optional
        The data folder; default ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``.

    Returns
    -------
    pandas.DataFrame, shape (7 * T, 3)
        Columns ``unique_id`` (HUFL, HULL, MUFL, MULL, LUFL, LULL, OT: the file's columns, in
        that order; OT is the usual target), ``ds`` (timestamps, complete and regular), ``y`` (float).
        Rows are grouped by series, in time order within each.
    """
    name = _check_choice(name, "name", ETT_NAMES)
    wide = _ett_wide(name, data_home)
    n_time, n_cols = wide.shape
    return pd.DataFrame(
        {
            "unique_id": np.repeat(wide.columns.astype(str).to_numpy(), n_time),
            "ds": np.tile(wide.index.to_numpy(), n_cols),
            "y": wide.to_numpy(dtype=np.float64).T.ravel(),
        }
    )


def load_etth1(data_home=None) -> pd.DataFrame:
    """ETTh1: hourly transformer load and oil temperature, 17,420 rows.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (hourly DatetimeIndex with frequency), columns HUFL, HULL, MUFL,
        MULL, LUFL, LULL and OT (the usual target).
    """
    return _ett_wide("ETTh1", data_home)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------

_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


def _copy_url(url: str, out, timeout: float, dest: Path) -> None:
    """Stream ``url`` into the open binary file ``out``; raise ConnectionError on any network failure."""
    hint = f"Check the network, or download the file elsewhere and copy it by hand to {dest}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            expected, size = response.length, 0  # length is None without a Content-Length header
            while chunk := response.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as err:
        raise ConnectionError(f"could not download {url}: HTTP {err.code} {err.reason}. {hint}") from err
    except _NETWORK_ERRORS as err:
        reason = getattr(err, "reason", None) or err
        raise ConnectionError(f"could not download {url}: {reason!s} ({type(err).__name__}). {hint}") from err
    if expected is not None and size < expected:
        raise ConnectionError(
            f"could not download {url}: the connection closed after {size} of {expected} bytes. {hint}"
        )


def _fetch(url: str, dest: Path, timeout: float, force: bool) -> Path:
    """Download ``url`` to ``dest`` through a temporary file, so ``dest`` is either complete or absent."""
    if dest.exists() and not force:
        logger.info("%s already present, not downloading", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(dest, suffix=".part") as out:
        logger.info("downloading %s to %s", url, dest)
        _copy_url(url, out, timeout, dest)
    return dest


def _check_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def download_m4(group: str = "Hourly", data_home=None, base_url: str = M4_URL, timeout: float = 60.0,
                force: bool = False) -> list[Path]:  # fmt: skip
    """Download one M4 group's train and test files into ``<data_home>/m4/``.

    Files already there are kept (unless ``force``). Each file is written to a temporary file
    in the same folder and renamed when complete, so an interrupted download leaves nothing.

    Parameters
    ----------
    group : {"Yearly", "Quarterly", "Monthly", "Weekly", "Daily", "Hourly"}, default "Hourly"
        The group (case-insensitive).
    data_home : str or Path, optional
        The data folder; default ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``.
    base_url : str, default :data:`M4_URL`
        Folder URL holding ``Train/<Group>-train.csv`` and ``Test/<Group>-test.csv``
        (the ``Dataset`` folder of github.com/Mcompetitions/M4-methods).
    timeout : float, default 60
        Seconds to wait for the server on each connection or read.
    force : bool, default False
        Download again even when the files are present.

    Returns
    -------
    list of Path
        The train and test files.

    Raises
    ------
    ConnectionError
        When the download fails (no network, HTTP error, connection cut); names the URL.
    """
    group = _check_choice(group, "group", M4_GROUPS)
    timeout = _check_timeout(timeout)
    root, base = get_data_home(data_home) / "m4", base_url.rstrip("/")
    return [
        _fetch(f"{base}/Train/{group}-train.csv", root / f"{group}-train.csv", timeout, force),
        _fetch(f"{base}/Test/{group}-test.csv", root / f"{group}-test.csv", timeout, force),
    ]


def download_ett(name: str = "ETTh1", data_home=None, base_url: str = ETT_URL, timeout: float = 60.0,
                 force: bool = False) -> Path:  # fmt: skip
    """Download one ETT file into ``<data_home>/ett/``.

    The file is kept if already there (unless ``force``), and written through a temporary file
    renamed when complete, so an interrupted download leaves nothing.

    Parameters
    ----------
    name : {"ETTh1", "ETTh2", "ETTm1", "ETTm2"}, default "ETTh1"
        The file (case-insensitive).
    data_home : str or Path, optional
        The data folder; default ``$TSRNN_DATA_HOME``, else ``~/tsrnn_data``.
    base_url : str, default :data:`ETT_URL`
        Folder URL holding ``<name>.csv`` (``ETT-small`` in github.com/zhouhaoyi/ETDataset).
    timeout : float, default 60
        Seconds to wait for the server on each connection or read.
    force : bool, default False
        Download again even when the file is present.

    Returns
    -------
    Path
        The downloaded (or already present) file.

    Raises
    ------
    ConnectionError
        When the download fails (no network, HTTP error, connection cut); names the URL.
    """
    name = _check_choice(name, "name", ETT_NAMES)
    timeout = _check_timeout(timeout)
    dest = get_data_home(data_home) / "ett" / f"{name}.csv"
    return _fetch(f"{base_url.rstrip('/')}/{name}.csv", dest, timeout, force)

