"""Fuzz counts: damaged model files and bad data through tsrnn, with the outcome of every case.

Runs the cases of tests/fuzz_cases.py (the ones tests/test_fuzz_io.py and
tests/test_fuzz_inputs.py draw with hypothesis) from a seeded generator: model files of every
forecaster class with flipped bytes, truncations and hostile header values; frames with NaN,
inf, odd dtypes and indexes, magnitudes 1e-30 to 1e300, duplicates and empty series through
fit/predict, backtest and ``tsrnn forecast``. Prints the counts (cases tried, outcomes, failures
per kind) and writes them into experiments/RESULTS.md between ``<!-- fuzz:start -->`` and
``<!-- fuzz:end -->``.

    python experiments/fuzz_report.py [--cases 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _results import write_section  # noqa: E402
from fuzz_cases import (  # noqa: E402
    MODELS,
    RngChooser,
    bad_frame,
    damaged_file,
    run_backtest,
    run_cli,
    run_fit_predict,
    run_model_file,
    saved_models,
)


def _model_files(n, seed, folder):
    saved = saved_models(folder)
    choose = RngChooser(seed)
    counts = collections.Counter()
    for i in range(n):
        name = choose.choose(sorted(saved))
        kind, raw = damaged_file(saved[name], choose)
        path = Path(folder) / f"case{i}.tsrnn"
        path.write_bytes(raw)
        counts[(f"model files ({kind})", run_model_file(path))] += 1
    return counts


def _inputs(n, seed, folder):
    choose = RngChooser(seed + 1)
    counts = collections.Counter()
    for _ in range(n):
        y, name = bad_frame(choose), choose.choose(MODELS)
        what = choose.choose(["fit/predict", "backtest", "cli"])
        if what == "fit/predict":
            outcome = run_fit_predict(name, y)
        elif what == "backtest":
            outcome = run_backtest(name, y)
        else:
            outcome = run_cli(choose.choose(["naive", "snaive", "mean", "drift", "lstm"]), y, folder)
        counts[(f"data: {what}", outcome)] += 1
    return counts


def _table(counts) -> str:
    suites = sorted({suite for suite, _ in counts})
    lines = ["| suite | cases | refused (ModelFileError) | clear error (ValueError / exit 2) | finite result | failures |",
             "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for suite in suites:
        row = {outcome: c for (s, outcome), c in counts.items() if s == suite}
        fails = sum(c for o, c in row.items() if o.startswith("FAIL"))
        lines.append(f"| {suite} | {sum(row.values())} | {row.get('refused', 0)} | {row.get('error', 0)} | "
                     f"{row.get('finite', 0)} | {fails} |")  # fmt: skip
    kinds = collections.Counter()
    for (suite, outcome), c in counts.items():
        if outcome.startswith("FAIL"):
            kinds[f"{suite}: {outcome[5:]}"] += c
    lines.append("")
    lines.append("Failures per kind: " + ("; ".join(f"{k} ({c})" for k, c in sorted(kinds.items())) or "none"))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=300, help="cases per group (model files, data)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        counts = _model_files(args.cases, args.seed, folder) + _inputs(args.cases, args.seed, folder)
    header = (f"Fuzz cases (experiments/fuzz_report.py --cases {args.cases} --seed {args.seed}; "
              f"{platform.machine()}, Python {platform.python_version()}, {datetime.date.today()}):")  # fmt: skip
    text = header + "\n\n" + _table(counts) + "\n"
    print(text)
    if not args.no_write:
        write_section("fuzz", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
