"""README.md: the example prints what it says, the setup commands sit at the top, every python block runs."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_output():
    text = README.read_text()
    block = re.search(r"<!-- readme-example.*?-->\s*```python\n(.*?)```\s*prints\s*```text\n(.*?)```", text, re.S)
    assert block, "README example block not found"
    code, expected = block.group(1), block.group(2)
    assert len(code.strip().splitlines()) <= 10
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
    assert buf.getvalue().rstrip() == expected.rstrip()


def test_readme_setup_commands_at_top():
    lines = README.read_text().splitlines()[:20]
    assert "pip install . && tsrnn demo" in lines
    assert 'pip install -e ".[test]" && python -m pytest' in lines


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && python -m pytest' in ci.splitlines()


# Every ```python block of the README runs as written, each in a fresh namespace (no name
# carried over from an earlier block). A block is left out only under a visible marker
# right above it: <!-- readme: skip (the reason) -->. The readme-example block is run (and its
# output checked) by test_readme_example_output.
_BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[^>]*?)\s*-->\s*)?```python\n(?P<code>.*?)```", re.S)


def _python_blocks():
    text = README.read_text()
    return [(text.count("\n", 0, m.start("code")) + 1, m["marker"] or "", m["code"]) for m in _BLOCK.finditer(text)]


def test_readme_blocks_are_found_and_skips_give_a_reason():
    blocks = _python_blocks()
    assert len(blocks) >= 6
    for line, marker, _ in blocks:
        if marker.startswith("readme: skip"):
            assert re.fullmatch(r"readme: skip \(.{8,}\)", marker), f"README.md:{line}: a skip needs a reason"


@pytest.mark.slow
@pytest.mark.parametrize("line, marker, code", _python_blocks(), ids=[f"README.md:{b[0]}" for b in _python_blocks()])
def test_readme_block_runs_as_written(line, marker, code):
    if marker.startswith("readme-example"):
        pytest.skip("run and its output checked by test_readme_example_output")
    if marker.startswith("readme: skip"):
        pytest.skip(marker)
    import matplotlib

    matplotlib.use("Agg")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "readme_block"})
