"""Evaluating a model against labelled data, with baselines and evidence quality.

One run gives, per dimension and on one split: Spearman rho, quadratic-weighted kappa,
macro-F1, expected calibration error and pairwise accuracy on the contrastive groups, for attune
and for three baselines fitted on the training split only:

- ``vader``: VADER's compound sentiment of the text (``vaderSentiment``, a dev extra);
- ``cue_count``: the number of the dimension's positive cues minus its negative cues;
- ``ngram_lr``: a logistic regression on TF-IDF word uni- and bigrams alone.

A baseline's raw score is mapped to levels by thresholds that reproduce the training split's
label distribution, so its kappa and F1 are comparable. Evidence quality is the token-level F1
between attune's evidence spans (the clauses and sentences its rationale selector picks) and the
corpus rationales of each dimension.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np

from ..data import label_array
from ..dimensions import DIMENSIONS, MAX_LEVEL
from ..explain import evidence_by_dimension, unit_batch_for
from ..features import Features, cue_table
from ..features.ngrams import gram_strings
from .artifact import AttuneModel
from .metrics import LEVELS, ece, macro_f1, pairwise_accuracy, qwk, spearman
from .rationale import _gold_words, _words_in, span_f1

log = logging.getLogger(__name__)



def level_thresholds(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cut points that map raw scores to levels 0-3 with the labels' level shares."""
    shares = np.cumsum([np.mean(labels == lv) for lv in LEVELS])[:-1]
    return np.quantile(scores, shares) if len(scores) else np.zeros(MAX_LEVEL)


def to_levels(scores: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return np.searchsorted(cuts, scores, side="right").astype(float)


def score_metrics(y, expected, groups, proba=None) -> dict[str, float]:
    """Metrics for a model or a baseline; ECE and macro-F1 need a distribution (``proba``)."""
    pw, pairs = pairwise_accuracy(y, expected, groups)
    out = {
        "spearman": spearman(y, expected),
        "qwk": qwk(y, expected),
        "pairwise_accuracy": pw,
        "pairs": pairs,
        "n": int(len(y)),
    }
    if proba is not None:
        out["macro_f1"] = macro_f1(y, proba)
        out["ece"] = ece(y, proba)
    else:
        onehot = np.eye(MAX_LEVEL + 1)[np.clip(np.rint(expected), 0, MAX_LEVEL).astype(int)]
        out["macro_f1"] = macro_f1(y, onehot)
        out["ece"] = None
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def cue_count(features: Features, dim: str) -> float:
    """Positive minus negative cue hits of one dimension."""
    total = 0.0
    for name, info in cue_table().items():
        if info.dimension == dim:
            n = len(features.hits.get(name, ())) or (1.0 if features.values.get(name, 0) > 0 and name == "emotion_ignored" else 0)
            total += info.sign * n
    return total


def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        log.warning("vaderSentiment is not installed (pip install 'attune-tone[dev]'); skipping the VADER baseline")
        return None
    return SentimentIntensityAnalyzer()


def baselines(train_items, train_feats, test_items, test_feats,
              probabilities: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, dict]]:
    """The three baselines' metrics per dimension (fitted or thresholded on train only).
    ``probabilities``, when given, receives the n-gram LR's level distributions on the test
    items, per dimension."""
    from sklearn.linear_model import LogisticRegression

    from .training import make_vectorizer

    groups = [i["scenario_id"] for i in test_items]
    out: dict[str, dict[str, dict]] = {"vader": {}, "cue_count": {}, "ngram_lr": {}}
    vader = _vader()
    if vader is not None:
        v_train = np.array([vader.polarity_scores(i["text"])["compound"] for i in train_items])
        v_test = np.array([vader.polarity_scores(i["text"])["compound"] for i in test_items])
    vec = make_vectorizer()  # the same n-gram weighting attune's model uses
    N_train = vec.fit_transform([gram_strings(f.grams) for f in train_feats])
    N_test = vec.transform([gram_strings(f.grams) for f in test_feats])
    for dim in DIMENSIONS:
        y_train, y_test = label_array(train_items, dim), label_array(test_items, dim)
        if vader is not None:
            cuts = level_thresholds(v_train, y_train)
            out["vader"][dim] = score_metrics(y_test, to_levels(v_test, cuts), groups) | {"raw_spearman": spearman(y_test, v_test)}
        c_train = np.array([cue_count(f, dim) for f in train_feats])
        c_test = np.array([cue_count(f, dim) for f in test_feats])
        cuts = level_thresholds(c_train, y_train)
        out["cue_count"][dim] = score_metrics(y_test, to_levels(c_test, cuts), groups) | {"raw_spearman": spearman(y_test, c_test)}
        lr = LogisticRegression(C=3.0, max_iter=3000).fit(N_train, y_train)
        p = np.zeros((len(test_items), MAX_LEVEL + 1))
        p[:, lr.classes_.astype(int)] = lr.predict_proba(N_test)
        out["ngram_lr"][dim] = score_metrics(y_test, p @ LEVELS, groups, p)
        if probabilities is not None:
            probabilities[dim] = p
    if vader is None:
        del out["vader"]
    return out


def token_f1(text: str, spans: Sequence[tuple[int, int]],
             rationales: Sequence[str]) -> tuple[float, float, float] | None:
    """Token F1, precision and recall of the character ``spans`` of ``text`` against its
    ``rationales`` (substrings, located at their first occurrence), over the words (``\\w+``)
    of the text; None when neither side covers a word.

    >>> token_f1("That's on us, sorry.", [(0, 12)], ["That's on us"])
    (1.0, 1.0, 1.0)
    """
    words, gold = _gold_words(text, rationales)
    return span_f1({k for s, e in spans for k in _words_in(words, s, e)}, gold)


def evidence_f1(model: AttuneModel, items: Sequence[dict[str, Any]], feats: Sequence[Features],
                X=None) -> dict[str, dict[str, float]]:
    """Token-level F1 between attune's evidence spans and the rationales, per dimension.

    The evidence is exactly what the scorer reports: with a rationale selector (the shipped
    model has one), the units of the text, clauses and sentences, that it picks for the
    dimension; without one, the spans of the cues and n-grams that moved the score most.
    Computed per item over the words (``\\w+``) of the text, and averaged over the items where
    either side has a span; an item where both are empty is skipped, one where only one side
    is empty counts as 0. Rationale substrings are located at their first occurrence.
    """
    from .. import _text

    if X is None:
        X = model.matrix(list(feats))
    texts = [_text.prepare(i["text"]).text for i in items]
    evidence_of = evidence_by_dimension(
        model, texts, feats,
        {dim: model.estimators[dim].level_proba_and_contributions(X) for dim in DIMENSIONS},
        unit_batch_for(model, texts, feats))
    out = {}
    for dim in DIMENSIONS:
        evidence = evidence_of[dim]
        scores, precisions, recalls = [], [], []
        for item, text, ev in zip(items, texts, evidence):
            measured = token_f1(text, [(e.start, e.end) for e in ev],
                                item.get("rationales", {}).get(dim, []))
            if measured is None:  # neither side has a span: not counted
                continue
            scores.append(measured[0])
            precisions.append(measured[1])
            recalls.append(measured[2])
        out[dim] = {"f1": round(float(np.mean(scores)), 4) if scores else float("nan"),
                    "precision": round(float(np.mean(precisions)), 4) if precisions else float("nan"),
                    "recall": round(float(np.mean(recalls)), 4) if recalls else float("nan"),
                    "items": len(scores)}
    return out


def reliability(model: AttuneModel, items, X, bins: int = 5) -> dict[str, list[dict[str, float]]]:
    """Per dimension: for bins of the predicted score, the mean predicted and the mean labelled
    level (both on 0-100), and the item count. A calibrated model has the two close."""
    out = {}
    for dim in DIMENSIONS:
        expected = model.estimators[dim].expected_level(X)
        y = label_array(items, dim)
        edges = np.linspace(0, MAX_LEVEL, bins + 1)
        rows = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            mask = (expected >= lo) & ((expected < hi) if hi < MAX_LEVEL else (expected <= hi))
            if mask.any():
                rows.append({"from": round(100 * lo / MAX_LEVEL), "to": round(100 * hi / MAX_LEVEL),
                             "predicted": round(100 * float(expected[mask].mean()) / MAX_LEVEL, 1),
                             "labelled": round(100 * float(y[mask].mean()) / MAX_LEVEL, 1),
                             "n": int(mask.sum())})
        out[dim] = rows
    return out


def cross_validated_comparison(items: Sequence[dict[str, Any]], feats: Sequence[Features],
                               params: dict[str, dict[str, Any]], folds: int = 5,
                               bootstrap: int = 1000, n_jobs: int = 1) -> dict[str, Any]:
    """attune's level models against the n-gram baseline, out of fold on ``items`` (grouped by
    scenario): a larger sample than a test split, for the differences a test split is too small
    to settle (its calibration error above all).

    Per dimension, both systems are refitted without each fold's scenarios (the n-gram
    vocabulary too, :class:`~attune.model.folds.FoldData`) with the same settings as for the
    test split: attune's level model with the dimension's ``params`` (its
    shipped C, class weight and n-gram weight) and the n-gram logistic regression of
    :func:`baselines`. attune's probabilities are temperature-scaled as the shipped model's
    are, with the temperature fitted on the other folds' out-of-fold logits, never on the fold
    itself. Returns, per dimension, both systems' metrics and 95% intervals of attune minus the
    baseline from ``bootstrap`` scenario resamples (:func:`~.metrics.bootstrap_differences`).

    The settings were chosen by cross-validation on these same items (``attune train``), so
    attune's figures here carry a small optimism that the baseline's fixed setting does not.
    """
    from joblib import Parallel, delayed
    from scipy.special import softmax
    from sklearn.linear_model import LogisticRegression

    from .estimator import LevelClassifier, fit_temperature
    from .folds import FoldData, fold_matrices, grouped_splits
    from .metrics import bootstrap_differences

    groups = np.array([i["scenario_id"] for i in items])
    splits = grouped_splits(groups, folds)
    n_folds = len(splits)
    data = FoldData(feats)  # each fold's n-gram vocabulary from its training rows
    n_dense = data.n_dense
    matrices = fold_matrices(data, splits)
    labels = {dim: label_array(items, dim) for dim in DIMENSIONS}

    def fold(dim, k):
        train, held, X_train, X_held = matrices[k]
        y = labels[dim]
        setting = {key: v for key, v in params[dim].items() if key in ("C", "class_weight", "ngram_weight")}
        clf = LevelClassifier(n_dense=n_dense, **setting).fit(X_train, y[train])
        logits = np.full((len(held), MAX_LEVEL + 1), -30.0)  # a level the fold never saw
        logits[:, clf.classes_.astype(int)] = clf.decision_logits(X_held)
        lr = LogisticRegression(C=3.0, max_iter=3000).fit(X_train[:, n_dense:], y[train])
        proba = np.zeros((len(held), MAX_LEVEL + 1))
        proba[:, lr.classes_.astype(int)] = lr.predict_proba(X_held[:, n_dense:])
        return logits, proba

    jobs = [(dim, k) for dim in DIMENSIONS for k in range(n_folds)]
    done = Parallel(n_jobs=n_jobs)(delayed(fold)(dim, k) for dim, k in jobs)
    out: dict[str, Any] = {"items": len(items), "folds": n_folds, "baseline": "ngram_lr",
                           "resamples": int(bootstrap), "per_dimension": {}}
    for dim in DIMENSIONS:
        y = labels[dim]
        logits = np.zeros((len(items), MAX_LEVEL + 1))
        lr_proba = np.zeros_like(logits)
        for (d, k), (lg, pr) in zip(jobs, done):
            if d == dim:
                logits[splits[k][1]], lr_proba[splits[k][1]] = lg, pr
        proba = np.zeros_like(logits)
        for k, (train, held) in enumerate(splits):
            # the temperature comes from the other folds' out-of-fold logits
            proba[held] = softmax(logits[held] / fit_temperature(logits[train], y[train], LEVELS),
                                  axis=1)
        entry = {"attune": score_metrics(y, proba @ LEVELS, groups, proba),
                 "ngram_lr": score_metrics(y, lr_proba @ LEVELS, groups, lr_proba)}
        if bootstrap > 0:
            entry["intervals"] = {m: [round(lo, 4), round(hi, 4)] for m, (lo, hi) in
                                  bootstrap_differences(y, proba, lr_proba, groups, n=bootstrap).items()}
        out["per_dimension"][dim] = entry
    return out
