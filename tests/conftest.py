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


def assert_cue(parse, cue, text, context, expected):
    """Check one cue case: ``expected`` is the span text the cue must fire on (a found span may
    be up to 25 characters longer around it), or None when the cue must not fire."""
    from attune.features import extract

    doc = parse(text)
    feats = extract(doc, parse(context))
    spans = [doc.text[s:e] for s, e in feats.hits.get(cue, [])]
    if expected is None:
        assert spans == [], f"{cue} must not fire on {text!r}, got {spans}"
    else:
        near = [s for s in spans if expected in s and len(s) <= len(expected) + 25]
        assert near, f"{cue} should fire on {expected!r} in {text!r}, got {spans}"
