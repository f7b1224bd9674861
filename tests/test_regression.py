"""The shipped model keeps its recorded quality: its test-split figures may not fall more than
0.03 below those in its manifest."""

from __future__ import annotations

import json

import pytest

from attune import DIMENSIONS
from attune.data import load_corpus
from attune.model import load_model, shipped_model_dir
from attune.model.training import evaluate_items

TOLERANCE = 0.03


@pytest.fixture(scope="module")
def measured(nlp):
    model, _ = load_model()
    return evaluate_items(model, load_corpus(split="test"), nlp=nlp)


@pytest.fixture(scope="module")
def recorded():
    manifest = json.loads((shipped_model_dir() / "manifest.json").read_text())
    return manifest["metrics"]


def test_manifest_metrics_come_from_the_current_test_split(recorded):
    assert recorded["split"] == "test"
    assert recorded["per_dimension"]["awareness"]["n"] == len(load_corpus(split="test"))


@pytest.mark.parametrize("dim", DIMENSIONS)
@pytest.mark.parametrize("metric", ["spearman", "qwk", "pairwise_accuracy"])
def test_no_regression(measured, recorded, dim, metric):
    now = measured["per_dimension"][dim][metric]
    then = recorded["per_dimension"][dim][metric]
    assert now >= then - TOLERANCE, f"{dim} {metric}: {now:.3f} < recorded {then:.3f} - {TOLERANCE}"
