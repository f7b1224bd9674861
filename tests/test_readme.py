"""The README's Python examples run."""

from __future__ import annotations

import re

from conftest import ROOT


def test_quick_start_example_runs(capsys):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has a Python quick start"
    quick = blocks[0]
    assert len([l for l in quick.splitlines() if l.strip()]) <= 6
    exec(compile(quick, "README quick start", "exec"), {})
    out = capsys.readouterr().out
    assert "Non-defensiveness" in out
