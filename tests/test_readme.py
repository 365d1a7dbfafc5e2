"""The README's pandas example prints exactly what the README says it prints."""

import contextlib
import io
import re
from pathlib import Path

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
