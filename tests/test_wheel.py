"""The wheel carries the shipped model: build it, install it in a fresh virtual environment
outside the repository, and score a text there.

Marked slow (one to two minutes: it installs spaCy and scikit-learn into the new environment): CI runs it through `make test`; skip it locally with
`make test-fast` or `pytest -m "not slow"`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_installs_and_scores_outside_the_repo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("attune_tone-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "attune/_shipped_model/manifest.json" in names
    assert "attune/_shipped_model/attune.joblib" in names
    assert any(n.startswith("attune/features/lexicons/") and n.endswith(".tsv") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # a real install: the wheel and its dependencies from the package registry (pip's cache helps)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import attune, json; r = attune.score('That is on us. I have refunded the £20 today, Sam.', "
            "context='You charged me twice!'); import attune.model.artifact as a; "
            "print(json.dumps({'file': attune.__file__, 'model': str(a.shipped_model_dir()), "
            "'ok': r.ok, 'n': len(r.scores)}))")
    out = subprocess.run([str(py), "-c", code], cwd=work, env=env, check=True, capture_output=True, text=True)
    import json

    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["ok"] and info["n"] == 6
    assert str(ROOT) not in info["file"], "the installed package, not the checkout, was imported"
    assert info["model"].endswith("_shipped_model")
