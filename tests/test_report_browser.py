"""The HTML report renders in headless Chromium with its images and leaderboard.

Skipped where Debian's chromium or the playwright package is missing (``apt-get install
chromium``; ``pip install playwright``); experiments/check_report_chromium.py is the same
check as a script.
"""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


@pytest.mark.slow
def test_demo_report_renders_in_chromium(tmp_path):
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed")
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("no chromium binary (apt-get install chromium)")
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import check_report_chromium
    finally:
        sys.path.remove(str(EXPERIMENTS))
    from tsrnn.cli import main

    assert main(["demo", "--out", str(tmp_path)]) == 0
    facts = check_report_chromium.check(tmp_path / "report.html", tmp_path / "shot.png")
    # leaderboard, forecasts, backtest (one panel per model), training curves
    assert facts["images"] == 4 and facts["decoded"] == facts["images"]
    assert facts["page_width"] == 1100
    for natural, shown in facts["widths"]:
        assert shown == min(natural, 1100)  # no figure scaled down: its text stays >= 10 px
    assert facts["leaderboard_rows"] == 7
    assert facts["leaderboard_header"][:3] == ["model", "rank", "smape"]
    for section in ("Data", "Leaderboard", "Forecasts", "Backtests", "Training curves", "Versions"):
        assert section in facts["sections"]
    assert (tmp_path / "shot.png").read_bytes()[:4] == b"\x89PNG"
    for name in ("forecasts.csv", "backtest.csv", "forecast.png", "leaderboard.png", "backtest.png"):
        assert (tmp_path / name).stat().st_size > 0
