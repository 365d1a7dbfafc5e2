"""tsrnn.report.write_report: the title names data, target, horizon and models; one precision per
metric and "lower is better"; dates written to the frequency; every figure's text >= 10 px at
the page's width (read from the embedded SVG); many series as a grid of the most voluminous
plus a table; legends outside the data.
"""

import base64
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from tsrnn import Naive, RNNForecaster, SeasonalNaive, Theta
from tsrnn.backtest import backtest, evaluate
from tsrnn.datasets import load_airpassengers, make_trend_seasonal
from tsrnn.report import write_report

PAGE_WIDTH = 1100  # CSS px: the report's body width


def images(text):
    """(alt, width attribute, SVG text) of every embedded figure."""
    found = re.findall(r'<img alt="([^"]*)" width="(\d+)" height="\d+" src="data:image/svg\+xml;base64,([^"]+)"', text)
    return [(alt, int(w), base64.b64decode(data).decode("utf-8")) for alt, w, data in found]


def rendered_font_px(svg, width_px):
    """CSS px height of every text of an SVG shown ``width_px`` wide (at most the page's width)."""
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1])
    shown = min(width_px, PAGE_WIDTH)
    sizes = [float(s) for s in re.findall(r"<text[^>]*font-size:\s*([\d.]+)px", svg)]
    return [s * shown / view_width for s in sizes]


def table_after(text, heading):
    """Header and body cells of the first table after ``<h2>heading</h2>``."""
    part = text.split(f"<h2>{heading}</h2>", 1)[1]
    table = re.search(r"<table[^>]*>(.*?)</table>", part, re.S)[1]
    header = re.findall(r"<th>(.*?)</th>", table)
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1])]
    return header, rows


@pytest.fixture(scope="module")
def airline_report(tmp_path_factory):
    y = load_airpassengers()
    rnn = RNNForecaster(cell="gru", horizon=12, window=36, epochs=2, windows_per_epoch=200, random_state=0)
    models = [Naive(), SeasonalNaive(12), Theta(12), rnn]
    cv = backtest(models, y, horizon=12, n_windows=2)
    board = evaluate(cv, metrics=["smape", "mase", "mae"], y=y, season_length=12)
    fc = pd.concat([m.fit(y).predict(12) for m in models], axis=1)
    path = write_report(tmp_path_factory.mktemp("r") / "report.html", y=y, cv=cv, leaderboard=board, forecasts=fc,
                        models=models, timings={"backtest": 1.234}, data="airline.csv", max_models=3)  # fmt: skip
    return path.read_text(), board, fc


@pytest.mark.slow
def test_title_names_data_target_horizon_and_models(airline_report):
    text, board, _ = airline_report
    h1 = re.search(r"<h1>(.*?)</h1>", text)[1]
    assert h1 == "airline.csv: forecasts of passengers, 12 months ahead"
    assert re.search(r"<title>(.*?)</title>", text)[1] == h1
    facts = re.search(r'<p class="facts">(.*?)</p>', text)[1]
    assert facts == ("data <b>airline.csv</b> · target <b>passengers</b> · horizon <b>12 months</b> · models <b>"
                     + ", ".join(board.model) + "</b>")  # fmt: skip


@pytest.mark.slow
def test_leaderboard_decimals_and_lower_is_better(airline_report):
    text, board, _ = airline_report
    part = text.split("<h2>Leaderboard</h2>", 1)[1]
    assert part.startswith('<p class="note"><b>Lower is better</b> for smape, mase, mae; rank 1 is the best by smape.')
    header, rows = table_after(text, "Leaderboard")
    assert header == ["model", "rank", "smape", "mase", "mae", "failed_windows"]
    assert [r[0] for r in rows] == list(board.model) and [r[1] for r in rows] == ["1", "2", "3", "4"]
    for j, metric in enumerate(["smape", "mase", "mae"], start=2):
        cells = [r[j] for r in rows]
        decimals = {len(c.split(".")[1]) if "." in c else 0 for c in cells}
        assert len(decimals) == 1, (metric, cells)  # one precision per metric
        largest = board[metric].abs().max()
        assert decimals == {max(0, 3 - int(np.floor(np.log10(largest))))}
        np.testing.assert_allclose([float(c.replace(",", "")) for c in cells], board[metric], atol=10.0 ** -min(decimals))


@pytest.mark.slow
def test_dates_follow_the_frequency(airline_report):
    text, _, fc = airline_report
    _, summary = table_after(text, "Data")
    assert dict(map(tuple, summary))["from"] == "1949-01" and dict(map(tuple, summary))["to"] == "1960-12"
    header, rows = table_after(text, "Forecasts")
    assert header == ["time", "Naive", "SeasonalNaive", "Theta", "GRU"]
    assert [r[0] for r in rows] == [f"1961-{m:02d}" for m in range(1, 13)]
    assert rows[0][1] == f"{fc['Naive'].iloc[0]:.1f}"  # one precision for the whole table (values up to 600s)
    assert "00:00:00" not in text


@pytest.mark.slow
def test_every_figure_reads_at_least_10_px_at_the_page_width(airline_report):
    text, _, _ = airline_report
    figures = images(text)
    assert [alt for alt, _, _ in figures] == ["leaderboard", "forecasts", "backtest passengers", "training curves"]
    for alt, width, svg in figures:
        assert width <= PAGE_WIDTH, alt  # shown at its natural size: never scaled down
        sizes = rendered_font_px(svg, width)
        assert len(sizes) == svg.count("<text"), alt  # every text has a size in px
        assert sizes and min(sizes) >= 10.0, (alt, min(sizes))


@pytest.mark.slow
def test_forecast_grid_shows_the_best_models_with_the_legend_outside(airline_report):
    text, board, _ = airline_report
    assert "Drawn: the 3 best models of the leaderboard (" + ", ".join(board.model[:3]) + ")" in text
    svg = dict((alt, s) for alt, _, s in images(text))["forecasts"]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert [m for m in board.model if m in labels] == list(board.model[:3])  # the 4th model is not drawn


def many_series():
    df = make_trend_seasonal(n=24 * 8, period=24, n_series=9, random_state=0)
    df["y"] += df["unique_id"].str[-1].astype(int) * 3.0  # series_8 the largest
    return df.rename(columns={"unique_id": "store", "ds": "date", "y": "sales"})


@pytest.mark.slow
def test_many_series_grid_of_the_most_voluminous_plus_a_table(tmp_path):
    df = many_series()
    std = df.rename(columns={"store": "unique_id", "date": "ds", "sales": "y"})
    models = [Naive(), SeasonalNaive(24)]
    cv = backtest(models, std, horizon=24, n_windows=2)
    board = evaluate(cv, metrics=["mae"])
    fc = models[0].fit(std).predict(24).merge(models[1].fit(std).predict(24), on=["unique_id", "ds"])
    fc = fc.rename(columns={"unique_id": "store", "ds": "date"})
    path = write_report(tmp_path / "r.html", y=df, cv=cv, leaderboard=board, forecasts=fc, data="sales.csv",
                        max_series=4, id_col="store", time_col="date", target_col="sales")  # fmt: skip
    text = path.read_text()
    assert re.search(r"<h1>(.*?)</h1>", text)[1] == "sales.csv: forecasts of sales, 24 hours ahead"
    assert "Drawn: the 4 most voluminous of 9 series (largest sum of |sales|)" in text
    svg = dict((alt, s) for alt, _, s in images(text))["forecasts"]
    titles = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.startswith("series_")]
    assert titles == ["series_8", "series_7", "series_6", "series_5"]
    header, rows = table_after(text, "Series")
    assert header[:6] == ["series", "observations", "from", "to", "sum |sales|", "in the grid"]
    assert [r[0] for r in rows] == [f"series_{k}" for k in range(8, -1, -1)]
    assert [r[5] for r in rows] == ["yes"] * 4 + [""] * 5
    assert rows[0][2] == "2000-01-01 00:00" and rows[0][3] == "2000-01-08 23:00"  # hourly: date and time
    mae = (cv.y - cv.Naive).abs().groupby(cv.unique_id).mean()
    assert header[6] == "Naive MAE" and float(rows[0][6]) == pytest.approx(mae["series_8"], abs=1e-3)
    assert [alt for alt, _, _ in images(text) if alt.startswith("backtest")] == ["backtest series_8", "backtest series_7"]
    for alt, width, svg in images(text):
        assert min(rendered_font_px(svg, width)) >= 10.0, alt


def test_quarterly_and_yearly_dates_and_a_given_title(tmp_path):
    idx = pd.date_range("1990-01-01", periods=40, freq="QS")
    y = pd.Series(np.arange(40.0) + 100, index=idx, name="gdp")
    fc = SeasonalNaive(4).fit(y).predict(4).to_frame()
    text = write_report(tmp_path / "q.html", y=y, forecasts=fc, title="GDP outlook").read_text()
    assert re.search(r"<h1>(.*?)</h1>", text)[1] == "GDP outlook"
    assert re.search(r'<p class="facts">(.*?)</p>', text)[1] == (
        "data <b>gdp</b> · target <b>gdp</b> · horizon <b>4 quarters</b> · models <b>SeasonalNaive</b>")
    _, rows = table_after(text, "Data")
    assert dict(map(tuple, rows))["from"] == "1990Q1" and dict(map(tuple, rows))["to"] == "1999Q4"
    _, rows = table_after(text, "Forecasts")
    assert [r[0] for r in rows] == ["2000Q1", "2000Q2", "2000Q3", "2000Q4"]

    y = pd.Series(np.arange(30.0), index=pd.date_range("1990", periods=30, freq="YS"))
    text = write_report(tmp_path / "y.html", y=y).read_text()
    _, rows = table_after(text, "Data")
    assert dict(map(tuple, rows))["from"] == "1990" and dict(map(tuple, rows))["to"] == "2019"
    assert re.search(r"<h1>(.*?)</h1>", text)[1] == "the data: forecasts of values"


def test_ragged_wide_frame_report(tmp_path):
    long = make_trend_seasonal(n=24 * 6, period=24, n_series=3, random_state=1)
    long = long[~((long.unique_id == "series_1") & (long.ds > long.ds.max() - pd.Timedelta(hours=5)))]
    wide = long.pivot(index="ds", columns="unique_id", values="y")
    wide.attrs["name"] = "meters"
    model = SeasonalNaive(24)
    fc = model.fit(wide).predict(6)
    cv = backtest(model, wide, horizon=6, n_windows=2)
    text = write_report(tmp_path / "w.html", y=wide, cv=cv, forecasts=fc).read_text()
    assert re.search(r"<h1>(.*?)</h1>", text)[1] == "meters: forecasts of values, 6 hours ahead"
    _, rows = table_after(text, "Series")
    ends = {r[0]: r[3] for r in rows}
    assert ends["series_1"] == "2000-01-06 18:00" and ends["series_0"] == "2000-01-06 23:00"  # its own end
    largest = wide.abs().sum().sort_values(ascending=False).index[:2]
    assert [alt for alt, _, _ in images(text)] == ["forecasts"] + [f"backtest {uid}" for uid in largest]
