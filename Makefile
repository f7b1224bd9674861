# attune: two commands. `make demo` scores the bundled samples; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test test-fast venv corpus train evaluate benchmark benchmark-batch visual clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "attune needs Python 3.10 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

venv: $(BIN)/python

demo: $(BIN)/python
	$(PIP) install ".[frame]"
	$(BIN)/attune score data/samples/replies.csv
	$(BIN)/attune score data/samples/emails
	$(BIN)/attune transcripts data/samples/transcripts.csv --timestamp-col timestamp

test: $(BIN)/python
	$(PIP) install -e ".[dev]"
	$(BIN)/python -m pytest

# skip the slow wheel-install test while developing
test-fast: $(BIN)/python
	$(PIP) install -e ".[dev]"
	$(BIN)/python -m pytest -m "not slow"

corpus: $(BIN)/python
	$(BIN)/python scripts/build_corpus.py
	$(BIN)/python scripts/data_card.py

train: $(BIN)/python
	$(BIN)/attune -v train -o models --n-jobs 2
	$(BIN)/attune evaluate models --write --cross-validate --n-jobs 2
	$(BIN)/python scripts/readme_figures.py

evaluate: $(BIN)/python
	$(BIN)/attune evaluate

benchmark: $(BIN)/python
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python scripts/readme_figures.py

# HTML and PNG snapshots of the notebook display in docs/visual/ (needs /usr/bin/chromium,
# Debian's chromium package; not part of `make test`)
# rows/s of `attune score` on a 20,000-row CSV (1 and 2 processes), memory on 200,000 rows
benchmark-batch: $(BIN)/python
	$(PIP) install -e .
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python scripts/readme_figures.py

visual: $(BIN)/python
	$(PIP) install -e ".[plot]"
	$(BIN)/python scripts/visual.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
