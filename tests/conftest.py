"""Shared, expensive fixtures: one spaCy pipeline and one scorer per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def scorer():
    import attune

    return attune.load()


@pytest.fixture(scope="session")
def nlp(scorer):
    return scorer.nlp


@pytest.fixture(scope="session")
def parse(nlp):
    """Parse a text with exactly the components attune uses."""
    from attune.pipeline import disabled_components

    disabled = disabled_components(nlp)

    def _parse(text):
        if text is None:
            return None
        with nlp.select_pipes(disable=disabled):
            return nlp(text)

    return _parse


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
