"""The model artifact: hashes verified, untrusted files refused, estimator contract kept."""

from __future__ import annotations

import json
import shutil

import numpy as np
from scipy import sparse
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


def _fitted(n_levels: int = 4, seed: int = 0):
    """A LevelClassifier over 3 dense columns and 6 n-gram columns (a sparse design)."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(120, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -3.0]
    grams = sparse.random(120, 6, density=0.3, random_state=seed, format="csr")
    y = np.clip(np.rint(1.5 + dense[:, 0] + grams[:, 0].toarray().ravel()), 0, n_levels - 1).astype(int)
    X = sparse.hstack([sparse.csr_matrix(dense), grams], format="csr")
    clf = LevelClassifier(C=2.0, n_dense=3, ngram_weight=3.0).fit(X, y)
    clf.calibrate(clf.decision_logits(X), y)
    return clf, X


@pytest.mark.parametrize("n_levels", [4, 2])
def test_numpy_levels_reproduce_the_fitted_classifier(n_levels):
    from attune.model import LinearLevels

    clf, X = _fitted(n_levels)
    lin = LinearLevels.from_classifier(clf)
    np.testing.assert_allclose(lin.predict_proba(X), clf.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(lin.decision_logits(X), clf.decision_logits(X), atol=1e-10)
    np.testing.assert_array_equal(lin.predict(X), clf.predict(X))
    p_lin, c_lin = lin.level_proba_and_contributions(X)
    p_clf, c_clf = clf.level_proba_and_contributions(X)
    assert p_lin.shape == (X.shape[0], 4)
    np.testing.assert_allclose(p_lin, p_clf, atol=1e-12)
    np.testing.assert_allclose(c_lin.toarray(), c_clf, atol=1e-12)  # sparse in, sparse out
    _, c_dense = lin.level_proba_and_contributions(X.toarray())
    np.testing.assert_allclose(c_dense, c_clf, atol=1e-12)
    with pytest.raises(ValueError, match="features"):
        lin.predict_proba(X[:, :4])


def test_numpy_levels_refit_with_the_same_hyperparameters():
    from attune.model import LinearLevels

    clf, X = _fitted()
    again = LinearLevels.from_classifier(clf).classifier()
    assert again.get_params() == clf.get_params()


def test_numpy_ngram_weights_match_scikit_learn_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from attune.features.ngrams import identity
    from attune.model import NgramWeights

    docs = [["sorry", "so sorry", "sorry"], ["refund", "today"], [], ["unknown"], ["today", "today", "sorry"]]
    vec = TfidfVectorizer(analyzer=identity, min_df=2, sublinear_tf=True).fit(docs)
    ours = NgramWeights.from_vectorizer(vec)
    np.testing.assert_allclose(ours.transform(docs).toarray(), vec.transform(docs).toarray(), atol=1e-12)
    assert ours.transform([[], []]).shape == (2, len(vec.vocabulary_))


def test_loading_and_scoring_do_not_import_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, attune; s = attune.load(); s.score('Sorry, I have refunded you.', "
            "context='You charged me twice!'); print(sorted(m for m in ('sklearn', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_model_from_a_newer_attune_is_a_clear_error(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(shipped_model_dir(), copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["format"] = 99
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(attune.ModelError, match="newer attune"):
        load_model(copy, trust=True)


def test_a_format_1_model_of_scikit_learn_objects_still_loads(tmp_path):
    import joblib

    from attune.model import AttuneModel, LinearLevels
    from attune.model.artifact import _sha256

    clf, X = _fitted()
    old = AttuneModel(feature_names=("a", "b", "c"), estimators={"empathy": clf})
    copy = tmp_path / "model"
    copy.mkdir()
    joblib.dump(old, copy / MODEL_FILE)
    (copy / MANIFEST_FILE).write_text(json.dumps({
        "format": 1, "versions": {"scikit-learn": "0.1.0"}, "files": {MODEL_FILE: _sha256(copy / MODEL_FILE)}}))
    with pytest.warns(UserWarning, match="scikit-learn 0.1.0"):
        model, _ = load_model(copy, trust=True)
    assert isinstance(model.estimators["empathy"], LinearLevels)
    np.testing.assert_allclose(model.estimators["empathy"].level_proba(X), clf.level_proba(X), atol=1e-12)


def test_model_selection_rewards_ranking_within_scenarios():
    from attune.model.training import cv_criterion

    y = np.array([0, 1, 2, 3, 0, 3])
    groups = ["a", "a", "a", "a", "b", "b"]
    assert cv_criterion(y, y.astype(float), groups) == pytest.approx(1.0)
    swapped = np.array([0.0, 1, 2, 3, 3, 0])  # right overall, wrong inside scenario b
    assert cv_criterion(y, swapped, groups) < cv_criterion(y, y.astype(float), groups)
    # no scenario with two labels: kappa and rho alone
    assert cv_criterion(y, y.astype(float), list("abcdef")) == pytest.approx(1.0)


def test_temperature_fit_recovers_how_overconfident_logits_are():
    from attune.model.estimator import fit_temperature

    rng = np.random.default_rng(3)
    logits = rng.normal(scale=3.0, size=(4000, 4))
    p = np.exp(logits / 2.0)
    p /= p.sum(axis=1, keepdims=True)  # the true distribution is twice as soft as the logits
    y = np.array([rng.choice(4, p=row) for row in p])
    assert fit_temperature(logits, y, [0, 1, 2, 3]) == pytest.approx(2.0, rel=0.1)
    assert fit_temperature(logits / 2.0, y, [0, 1, 2, 3]) == pytest.approx(1.0, rel=0.1)


def test_refit_factor_is_positive_and_deterministic():
    from attune.model.folds import FixedMatrix
    from attune.model.training import refit_factor

    clf, X = _fitted()
    y = clf.predict(X)
    y[::7] = (y[::7] + 1) % 4  # some noise, so no level is perfectly separated
    groups = [f"s{k // 4}" for k in range(X.shape[0])]
    params = {"C": 1.0, "class_weight": "balanced", "ngram_weight": 3.0}
    first = refit_factor(FixedMatrix(X, 3), y, groups, params, folds=3)
    assert np.isfinite(first) and 0.05 < first < 20
    assert refit_factor(FixedMatrix(X, 3), y, groups, params, folds=3) == first


def test_refit_factors_of_several_dimensions_equal_each_found_alone():
    from attune.model.folds import FixedMatrix
    from attune.model.training import refit_factor, refit_factors

    clf, X = _fitted()
    y = clf.predict(X)
    y[::7] = (y[::7] + 1) % 4
    other = y.copy()
    other[::5] = (other[::5] + 2) % 4  # a second dimension's labels, noisier
    groups = [f"s{k // 4}" for k in range(X.shape[0])]
    params = {"a": {"C": 1.0, "class_weight": "balanced", "ngram_weight": 3.0},
              "b": {"C": 0.3, "class_weight": None, "ngram_weight": 1.0}}
    together = refit_factors(FixedMatrix(X, 3), {"a": y, "b": other}, groups, params, folds=3)
    assert together == {"a": refit_factor(FixedMatrix(X, 3), y, groups, params["a"], folds=3),
                        "b": refit_factor(FixedMatrix(X, 3), other, groups, params["b"], folds=3)}
    assert together["a"] != together["b"]


def test_bootstrap_intervals_separate_a_better_system_and_not_an_equal_one():
    from attune.model.metrics import bootstrap_differences

    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 200)
    groups = [f"s{k // 4}" for k in range(200)]
    sharp = np.eye(4)[y] * 0.7 + 0.075                    # right, and fairly sure
    noisy = np.eye(4)[rng.integers(0, 4, 200)] * 0.7 + 0.075  # a guess
    lead = bootstrap_differences(y, sharp, noisy, groups, n=200)
    assert lead["qwk"][0] > 0 and lead["pairwise_accuracy"][0] > 0
    assert lead["ece"][1] < 0  # the guess is badly calibrated
    same = bootstrap_differences(y, noisy, noisy, groups, n=50)
    assert all(lo == hi == 0.0 for lo, hi in same.values())
    assert bootstrap_differences(y, sharp, noisy, groups, n=50, seed=3) == \
        bootstrap_differences(y, sharp, noisy, groups, n=50, seed=3)


def test_model_card_shows_the_lead_over_the_baseline_with_its_interval():
    from attune.model.card import evaluation_section

    per = {d: {"qwk": 0.8, "spearman": 0.85, "pairwise_accuracy": 0.95, "macro_f1": 0.7, "ece": 0.05}
           for d in attune.DIMENSIONS}
    base = {d: {"qwk": 0.7, "spearman": 0.8, "pairwise_accuracy": 0.95, "macro_f1": 0.6, "ece": 0.08}
            for d in attune.DIMENSIONS}
    interval = {d: {m: [-0.01, 0.2] for m in per[d]} for d in attune.DIMENSIONS}
    text = evaluation_section({"split": "test", "attune": {"per_dimension": per},
                               "baselines": {"ngram_lr": base},
                               "comparison": {"baseline": "ngram_lr", "resamples": 1000, "seed": 0,
                                              "per_dimension": interval}})
    assert "attune minus `ngram_lr`" in text
    assert "| Awareness | +0.100 (-0.010, +0.200) | +0.050 (-0.010, +0.200) | +0.000 (-0.010, +0.200)" in text


def test_levels_of_several_models_at_once_match_each_model_alone():
    """The scorer runs the six dimensions' models together (levels_and_contributions): the
    same probabilities and contributions, in the same sparse layout, as one model at a time,
    whatever levels each model has seen."""
    from scipy import sparse

    from attune.model import LinearLevels
    from attune.model.linear import levels_and_contributions

    models, X = [], None
    for n_levels, seed in [(4, 0), (2, 1), (3, 2)]:
        clf, X_seed = _fitted(n_levels, seed)
        X = X_seed if X is None else X  # one design: the first model's rows for all three
        models.append(LinearLevels.from_classifier(clf))
    models.append(LinearLevels(models[0].mean, models[0].scale, models[0].coef, models[0].intercept,
                               models[0].classes_, 1.3, n_dense=3, ngram_weight=0.0))
    keep = np.ones(X.shape[0])
    keep[5] = 0  # a row without n-grams
    dense, grams = X[:, :3].toarray(), (sparse.diags(keep) @ X[:, 3:]).tocsr()
    grams.eliminate_zeros()
    X = sparse.hstack([sparse.csr_matrix(dense), grams], format="csr")
    together = levels_and_contributions(models, dense, grams)
    for model, (proba, contrib, cue_contrib) in zip(models, together):
        p_alone, c_alone = model.level_proba_and_contributions(X)
        np.testing.assert_allclose(proba, p_alone, atol=1e-12)
        assert sparse.issparse(contrib)
        np.testing.assert_array_equal(contrib.indptr, c_alone.indptr)
        np.testing.assert_array_equal(contrib.indices, c_alone.indices)
        np.testing.assert_allclose(contrib.data, c_alone.data, atol=1e-12)
        np.testing.assert_allclose(cue_contrib, c_alone[:, :3].toarray(), atol=1e-12)
    with pytest.raises(ValueError, match="n-gram columns"):
        levels_and_contributions(models, dense, grams[:, :4])


def test_cross_validated_comparison_scores_every_fitting_text_once_out_of_fold(nlp):
    from attune.data import load_corpus
    from attune.model.card import evaluation_section
    from attune.model.evaluation import cross_validated_comparison
    from attune.model.training import featurize

    train = load_corpus(split="train")
    scenarios = sorted({i["scenario_id"] for i in train})[:24]
    items = [i for i in train if i["scenario_id"] in scenarios]
    feats = featurize(items, nlp)
    params = {d: {"C": 0.3, "class_weight": "balanced", "ngram_weight": 30.0, "temperature": 9.0}
              for d in attune.DIMENSIONS}
    report = cross_validated_comparison(items, feats, params, folds=3, bootstrap=20)
    assert report["items"] == len(items) and report["folds"] == 3
    for d in attune.DIMENSIONS:
        entry = report["per_dimension"][d]
        assert entry["attune"]["n"] == entry["ngram_lr"]["n"] == len(items)
        assert set(entry["intervals"]) == {"qwk", "spearman", "pairwise_accuracy", "macro_f1", "ece"}
        assert all(lo <= hi for lo, hi in entry["intervals"].values())
    # the shipped temperature (9.0 here, near-uniform probabilities: mean ECE about .25 on these
    # texts) is not used; each fold's is fitted on the other folds (mean ECE about .10)
    assert np.mean([report["per_dimension"][d]["attune"]["ece"] for d in attune.DIMENSIONS]) < 0.18
    assert cross_validated_comparison(items, feats, params, folds=3, bootstrap=20) == report
    text = evaluation_section({"split": "test", "attune": {"per_dimension": {}},
                               "cross_validated": report})
    aw = report["per_dimension"]["awareness"]
    assert f"| Awareness | {aw['attune']['qwk']:.3f} / {aw['ngram_lr']['qwk']:.3f}: " in text


def test_cross_validation_folds_read_held_out_texts_as_new_texts(nlp):
    """Each fold's n-gram vocabulary comes from its training rows: a word that only one training
    text shares with the held-out text is unknown to the fold (min_df=2), as it would be to a
    model meeting the text for the first time; with one vocabulary for all texts it was kept."""
    from attune.model.folds import FixedMatrix, FoldData
    from attune.model.training import featurize, make_vectorizer
    from attune.features.ngrams import gram_strings

    texts = ["The parcel is late.", "The parcel is late again.", "Your refund is on its way.",
             "Your refund is on its way today."]
    feats = featurize([{"text": t} for t in texts], nlp)
    train, held = np.array([0, 1, 2]), np.array([3])
    X_train, X_held = FoldData(feats).matrices(train, held)
    n_dense = FoldData(feats).n_dense
    shared = make_vectorizer().fit([gram_strings(f.grams) for f in feats])
    X_all = sparse.hstack([sparse.csr_matrix(FoldData(feats).dense), shared.transform(
        [gram_strings(f.grams) for f in feats])], format="csr")
    # of the held-out text's n-grams, only "is" is in two training texts: "your refund", "on
    # its way" are in one
    assert X_held[:, n_dense:].nnz == 1
    assert X_all[3, n_dense:].nnz > 5
    assert X_train.shape[0] == 3 and X_train[:2, n_dense:].nnz > 0  # "the parcel is late"
    fixed_train, fixed_held = FixedMatrix(X_all, n_dense).matrices(train, held)
    assert (fixed_held != X_all[3]).nnz == 0 and fixed_train.shape == (3, X_all.shape[1])
    # laid out in the full vocabulary's columns: the same values, each under its own n-gram
    wide_train, wide_held = FoldData(feats).matrices(train, held, columns=shared.vocabulary_)
    assert wide_train.shape == (3, X_all.shape[1]) and wide_held[:, n_dense:].nnz == 1
    assert wide_held[0, n_dense + shared.vocabulary_["is"]] == pytest.approx(X_held[0, n_dense:].sum())
    assert wide_train[:, n_dense:].sum() == pytest.approx(X_train[:, n_dense:].sum())
    assert wide_train[0, n_dense + shared.vocabulary_["the parcel"]] > 0
    # an n-gram the full vocabulary does not have (its size cap) is dropped, the rest kept
    capped = {g: j for j, g in enumerate(g for g in shared.vocabulary_ if g != "the parcel")}
    narrow_train, _ = FoldData(feats).matrices(train, held, columns=capped)
    assert narrow_train.shape == (3, n_dense + len(capped))
    assert narrow_train[:, n_dense:].sum() == pytest.approx(
        X_train[:, n_dense:].sum() - wide_train[:, n_dense + shared.vocabulary_["the parcel"]].sum())
