"""Shared by the experiment scripts: keep each script's table in its own block of RESULTS.md."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(key: str, text: str, path: Path = RESULTS) -> None:
    """Replace the block between ``<!-- key:start -->`` and ``<!-- key:end -->`` (append it if absent)."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else "# Results\n\n"
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) + 1 :]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)
