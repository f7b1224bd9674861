"""The user notebooks in notebooks/: stored without outputs, and they run top to bottom.

Each notebook is executed headlessly with nbclient in a kernel that runs this interpreter
(``sys.executable``) with the repository first on ``PYTHONPATH``, so it imports the same attune
as the tests. The notebooks write only to temporary folders (here, under pytest's tmp_path).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01_quickstart.ipynb", "02_batch_transcripts.ipynb", "03_train_on_your_labels.ipynb")
KERNEL = "attune-test"


def test_notebooks_are_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(NAMES)
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat == 4
        assert nb.metadata["kernelspec"]["name"] == "python3", name
        for n, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{name}: cell {n} has stored outputs"
                assert cell.execution_count is None, f"{name}: cell {n} has an execution count"


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory):
    """Execute a notebook in a kernel running sys.executable; return the executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    spec_dir = kernels / KERNEL
    spec_dir.mkdir()
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL,
        "language": "python",
        "env": {
            "PYTHONPATH": pythonpath,
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "TMPDIR": str(tmp_path_factory.mktemp("notebook-tmp")),  # what the notebooks write
        },
    }))
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)

    def run(name: str):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
        client = nbclient.NotebookClient(
            nb, km=km, kernel_name=KERNEL, timeout=600,
            resources={"metadata": {"path": str(NOTEBOOKS)}},  # the kernel's working directory
        )
        client.execute()  # raises CellExecutionError on the first failing cell
        return nb

    return run


def _outputs(nb):
    """Every output of every code cell, as (mime type or stream, text)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                yield "stream", out.text
            elif out.output_type in ("execute_result", "display_data"):
                for mime, data in out.data.items():
                    yield mime, data if isinstance(data, str) else json.dumps(data)


def _text_of(nb, mime=None) -> str:
    return "\n".join(text for kind, text in _outputs(nb) if mime is None or kind == mime)


def _check_no_errors(nb):
    errors = [out for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.output_type == "error"]
    assert not errors, errors


def test_quickstart_runs(run_notebook):
    nb = run_notebook("01_quickstart.ipynb")
    _check_no_errors(nb)
    html = _text_of(nb, "text/html")
    assert 'class="attune-result"' in html          # a Result rendered itself
    assert 'class="attune-compare"' in html         # the comparison rendered itself
    assert 'data-dimension="empathy"' in html
    plain = _text_of(nb)
    assert "empathy" in plain and "non_defensiveness" in plain
    assert "suggestion:" in plain
    assert "image/png" in {kind for kind, _ in _outputs(nb)}  # the profile plot


def test_batch_transcripts_runs(run_notebook):
    nb = run_notebook("02_batch_transcripts.ipynb")
    _check_no_errors(nb)
    text = _text_of(nb)
    for agent in ("Maren", "Joel", "Callum", "Ines", "Gareth", "Roz"):
        assert agent in text, agent
    assert "sliding door moments" in text
    assert "01-outage-apology.eml" in text and "08-autumn-newsletter.eml" in text
    assert "BatchSummary(" in text and "rows=8" in text and "errors=0" in text
    kinds = {kind for kind, _ in _outputs(nb)}
    assert "image/png" in kinds                      # the distribution plot
    assert 'class="attune-result"' in _text_of(nb, "text/html")


def test_train_on_your_labels_runs(run_notebook):
    nb = run_notebook("03_train_on_your_labels.ipynb")
    _check_no_errors(nb)
    text = _text_of(nb)
    assert "without trust:" in text                  # loading needs trust=True
    assert "our model" in text and "shipped" in text
    assert "attune.joblib" in text and "manifest.json" in text
    assert "95% bootstrap interval" in text
