"""Open a tsrnn HTML report in headless Chromium, check that it renders, and save a screenshot.

    python experiments/check_report_chromium.py [REPORT] [--screenshot experiments/report_screenshot.png]

Needs Debian's chromium (``apt-get install chromium``) and the Python package playwright
(``pip install playwright``; its own browser download is not needed: Debian's binary is
used). Without REPORT, runs ``tsrnn demo`` into a temporary folder first. Checks: every
<img> decoded (naturalWidth > 0) and shown at its natural width (or the page's, if narrower:
the figures' text is >= 10 px there, tests/test_report.py), the leaderboard table has one
row per model, and the page has the expected sections; exits 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check(report: Path, screenshot: Path) -> dict:
    from playwright.sync_api import sync_playwright

    exe = find_chromium()
    if exe is None:
        raise RuntimeError("no chromium binary found (apt-get install chromium)")
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=exe, args=CHROMIUM_ARGS,
                                                       viewport={"width": 1200, "height": 900})  # fmt: skip
        page = browser.new_page()
        page.goto(report.resolve().as_uri(), wait_until="load")
        facts = page.evaluate(
            """() => {
                const imgs = Array.from(document.images);
                // The leaderboard's table (a note on which way is better comes between it and its heading).
                const table = document.querySelector('table.leaderboard');
                return {
                    images: imgs.length,
                    widths: imgs.map(i => [i.naturalWidth, Math.round(i.getBoundingClientRect().width)]),
                    page_width: Math.round(document.body.getBoundingClientRect().width),
                    decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                    sections: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
                    leaderboard_rows: table ? table.querySelectorAll('tbody tr').length : 0,
                    leaderboard_header: table ? Array.from(table.querySelectorAll('th')).map(t => t.textContent) : [],
                    title: document.title,
                };
            }"""
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=False)
        browser.close()
    return facts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("report", nargs="?", default=None)
    p.add_argument("--screenshot", default=str(HERE / "report_screenshot.png"))
    p.add_argument("--models", type=int, default=7, help="rows expected in the leaderboard")
    args = p.parse_args(argv)
    tmp = None
    if args.report is None:
        from tsrnn.cli import main as tsrnn_main

        tmp = tempfile.mkdtemp()
        assert tsrnn_main(["demo", "--out", tmp]) == 0
        args.report = str(Path(tmp) / "report.html")
    facts = check(Path(args.report), Path(args.screenshot))
    print(facts)
    problems = []
    if facts["images"] == 0 or facts["decoded"] != facts["images"]:
        problems.append(f"{facts['images'] - facts['decoded']} of {facts['images']} images did not render")
    if facts["leaderboard_rows"] != args.models:
        problems.append(f"leaderboard has {facts['leaderboard_rows']} rows, expected {args.models}")
    for natural, shown in facts["widths"]:
        # Figures are drawn for their natural width (text >= 10 px there); a smaller one shrinks the text.
        if shown < min(natural, facts["page_width"]):
            problems.append(f"an image {natural} px wide is shown {shown} px wide (text below 10 px)")
    for section in ("Data", "Leaderboard", "Forecasts", "Backtests", "Versions"):
        if section not in facts["sections"]:
            problems.append(f"section {section!r} missing")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print(f"report renders: {facts['decoded']} images, {facts['leaderboard_rows']} leaderboard rows; "
          f"screenshot {args.screenshot}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
