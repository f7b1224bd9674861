"""The model artifact: hashes verified, untrusted files refused, estimator contract kept."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import attune
from attune.model import LevelClassifier, load_model, shipped_model_dir
from attune.model.artifact import MANIFEST_FILE, MODEL_FILE


def test_shipped_model_has_a_manifest_with_provenance():
    manifest = json.loads((shipped_model_dir() / MANIFEST_FILE).read_text())
    for key in ("versions", "data", "features", "metrics", "files", "params"):
        assert key in manifest
    assert manifest["data"]["sha256"] and len(manifest["files"][MODEL_FILE]) == 64
    assert set(manifest["versions"]) >= {"attune", "scikit-learn", "spacy", "numpy"}


def test_other_model_directories_need_trust(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(shipped_model_dir(), copy)
    with pytest.raises(attune.UntrustedModelError, match="trust=True"):
        load_model(copy)
    model, manifest = load_model(copy, trust=True)
    assert model.feature_names == tuple(manifest["features"])


def test_tampered_model_file_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(shipped_model_dir(), copy)
    with open(copy / MODEL_FILE, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(attune.ModelError, match="does not match its manifest"):
        load_model(copy, trust=True)


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(attune.ModelError, match="manifest.json"):
        load_model(tmp_path, trust=True)


def test_level_classifier_orders_levels_and_attributes_contributions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.clip(np.rint(1.5 + X[:, 0]), 0, 3).astype(int)
    clf = LevelClassifier(C=1.0).fit(X, y)
    lo, hi = np.array([[-2.0, 0, 0]]), np.array([[2.0, 0, 0]])
    assert clf.expected_level(hi)[0] > clf.expected_level(lo)[0]
    contrib = clf.contributions(hi)[0]
    assert contrib[0] > 0 and abs(contrib[0]) > abs(contrib[1]) and abs(contrib[0]) > abs(contrib[2])
    assert clf.level_proba(hi).shape == (1, 4)


def test_level_classifier_follows_the_estimator_contract():
    from sklearn.base import clone

    clf = LevelClassifier(C=0.5, class_weight="balanced")
    assert clone(clf).get_params() == clf.get_params()
    with pytest.raises(Exception, match="not fitted"):
        clf.predict(np.zeros((1, 2)))
