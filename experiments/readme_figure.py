"""Make experiments/demo_forecast.png (the README's picture) by running ``tsrnn demo``.

    python experiments/readme_figure.py
"""

import shutil
import tempfile
from pathlib import Path

from tsrnn.cli import main

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        assert main(["demo", "--out", tmp]) == 0
        shutil.copyfile(Path(tmp) / "forecast.png", HERE / "demo_forecast.png")
        shutil.copyfile(Path(tmp) / "leaderboard.png", HERE / "demo_leaderboard.png")
    print(f"wrote {HERE / 'demo_forecast.png'}")
