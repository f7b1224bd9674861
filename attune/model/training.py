"""Training and evaluating attune models: ``attune train`` and ``attune evaluate``.

Training is deterministic: the same data, versions and parameters give the same model.
Hyperparameters are chosen by grouped cross-validation (scenarios never straddle folds) on the
training and development splits only; the test split is scored once, at the end. After the six
level models, the rationale selector that picks each dimension's evidence is fitted on the same
items (:func:`attune.model.rationale.fit_rationale_selector`).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .. import _text
from ..data import data_hash, label_array, load_corpus
from ..dimensions import DIMENSIONS, MAX_LEVEL
from .._parsing import featurize_pairs
from ..features import Features, feature_names
from ..features.ngrams import gram_strings, identity
from ..pipeline import SpacyModel, load_pipeline, pipeline_name
from .artifact import AttuneModel, library_versions, load_model, save_model
from .card import write_card
from .folds import FixedMatrix, FoldData, fold_matrices, grouped_splits
from .estimator import LevelClassifier, fit_temperature
from .metrics import LEVELS
from .rationale import fit_rationale_selector, rationale_manifest

log = logging.getLogger(__name__)

C_GRID = (0.1, 0.3, 1.0, 3.0)
WEIGHT_GRID = ("balanced",)
NGRAM_WEIGHTS = (0.0, 1.0, 3.0, 10.0, 30.0, 100.0)


def featurize(items: Sequence[dict[str, Any]], nlp, batch_size: int = 64, n_process: int = 1) -> list[Features]:
    """The features of labelled items, in the order of ``items`` (as the scorer computes them)."""
    texts = [_text.prepare(i["text"]) for i in items]
    contexts = [_text.prepare(i["context"]) if i.get("context") else None for i in items]
    return [f for _, f in featurize_pairs(nlp, texts, contexts, batch_size, n_process)]


def make_vectorizer() -> TfidfVectorizer:
    """TF-IDF over pre-computed word uni- and bigrams; rare n-grams (in fewer than two
    training texts) are dropped."""
    return TfidfVectorizer(analyzer=identity, min_df=2, sublinear_tf=True, max_features=20000)


def _cv_logits(folds, y, n_dense, params) -> np.ndarray:
    """Out-of-fold logits, one column per level 0-3 (-inf for a level missing from a fold), from
    :func:`~attune.model.folds.fold_matrices` ``folds``."""
    out = np.full((len(y), MAX_LEVEL + 1), -np.inf)
    for tr, va, X_tr, X_va in folds:
        clf = LevelClassifier(n_dense=n_dense, **params).fit(X_tr, y[tr])
        out[np.ix_(va, clf.classes_.astype(int))] = clf.decision_logits(X_va)
    return out


def _expected_from_logits(logits: np.ndarray) -> np.ndarray:
    """Expected level under the softmax of (uncalibrated) logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p @ np.arange(MAX_LEVEL + 1)


CV_CRITERION = "mean of quadratic kappa, Spearman rho and pairwise accuracy within scenarios"


def cv_criterion(y, expected, groups) -> float:
    """The model-selection score of out-of-fold expected levels (see :data:`CV_CRITERION`);
    pairwise accuracy counts only when some scenario has differently labelled texts."""
    from .metrics import pairwise_accuracy, qwk, spearman

    scores = [qwk(y, expected), spearman(y, expected)]
    pairwise, pairs = pairwise_accuracy(y, expected, groups)
    if pairs:
        scores.append(pairwise)
    return float(np.mean(scores))


def select_params(data: FoldData | FixedMatrix, y, groups, folds: int = 5, n_jobs: int = 1,
                  matrices: list[tuple] | None = None) -> tuple[dict[str, Any], float, np.ndarray]:
    """Pick C, class_weight and the n-gram weight by grouped cross-validation.

    The criterion is :func:`cv_criterion` of the out-of-fold expected levels: the mean of
    quadratic kappa, Spearman's rho and the pairwise accuracy within scenarios (the headline
    figures that rank texts; calibration is fitted afterwards). Each fold's n-gram vocabulary
    is fitted on its training rows (:class:`~attune.model.folds.FoldData`), so held-out texts
    are read as new texts are. Ties keep the first (simplest) setting, so the choice is
    deterministic. Returns the setting, its score and its out-of-fold logits (which calibrate
    the final model).

    ``matrices``, the :func:`~attune.model.folds.fold_matrices` of ``data`` for the grouped
    splits of ``groups``, saves building them again when several dimensions share the rows.
    """
    from joblib import Parallel, delayed

    folds_ = matrices if matrices is not None else fold_matrices(data, grouped_splits(groups, folds))
    n_dense = data.n_dense
    weights = NGRAM_WEIGHTS if data.has_ngrams else (0.0,)
    grid = [{"C": C, "class_weight": cw, "ngram_weight": w}
            for w in weights for C in C_GRID for cw in WEIGHT_GRID]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_cv_logits)(folds_, y, n_dense, params) for params in grid)
    best, best_score, best_logits = grid[0], -np.inf, results[0]
    for params, logits in zip(grid, results):
        score = cv_criterion(y, _expected_from_logits(logits), groups)
        if score > best_score + 1e-9:
            best, best_score, best_logits = params, score, logits
    return best, float(best_score), best_logits


def _finite(logits: np.ndarray) -> np.ndarray:
    """Logits with the -inf of a level a fold never saw replaced by a large negative number."""
    return np.where(np.isfinite(logits), logits, -30.0)


def refit_factor(data: FoldData | FixedMatrix, y, groups, params: dict[str, Any], folds: int = 5,
                 n_jobs: int = 1) -> float:
    """How much to soften the out-of-fold temperature for a model refitted on all the rows.

    The temperature is fitted on out-of-fold logits, from models that saw four fifths of the
    data; the final model sees all of it and is more confident. (On the development split its
    best temperature was 1.03-1.33 times the out-of-fold one while the folds shared one n-gram
    vocabulary; with a vocabulary per fold, :mod:`attune.model.folds`, the factors found for
    the shipped model are 0.99-1.03.) The
    factor repeats the procedure one level down: in each outer fold, a temperature fitted by
    inner cross-validation calibrates a model refitted on the outer training part, and the
    factor is the extra temperature that the outer held-out rows ask of it.

    One dimension's factor; :func:`refit_factors` finds several dimensions' at once.
    """
    return refit_factors(data, {"": y}, groups, {"": params}, folds, n_jobs)[""]


def refit_factors(data: FoldData | FixedMatrix, labels: dict[str, np.ndarray], groups,
                  params: dict[str, dict[str, Any]], folds: int = 5, n_jobs: int = 1) -> dict[str, float]:
    """:func:`refit_factor` for several dimensions (``labels`` and ``params`` keyed alike) on
    the same rows: each outer fold builds its nested fold matrices once for all of them, the
    costly part, instead of once per dimension."""
    from joblib import Parallel, delayed

    groups = np.asarray(groups)
    splits = grouped_splits(groups, folds)
    n_dense = data.n_dense

    def outer(tr, va):
        X_tr, X_va = data.matrices(tr, va)
        inner_folds = fold_matrices(data, grouped_splits(groups[tr], len(splits)), rows=tr)
        out = {}
        for key, y in labels.items():
            clf = LevelClassifier(n_dense=n_dense, **params[key]).fit(X_tr, y[tr])
            present = clf.classes_.astype(int)
            inner = _cv_logits(inner_folds, y[tr], n_dense, params[key])
            clf.calibrate(_finite(inner[:, present]), y[tr])
            logits = np.full((len(va), MAX_LEVEL + 1), -np.inf)
            logits[:, present] = clf.decision_logits(X_va) / clf.temperature_
            out[key] = logits
        return out

    done = Parallel(n_jobs=n_jobs)(delayed(outer)(tr, va) for tr, va in splits)
    factors = {}
    for key, y in labels.items():
        held_out = np.full((len(y), MAX_LEVEL + 1), -np.inf)
        for (_, va), logits in zip(splits, done):
            held_out[va] = logits[key]
        levels = np.unique(y)
        factors[key] = fit_temperature(_finite(held_out[:, levels.astype(int)]), y, levels)
    return factors


def train(
    data: str | Path | None = None,
    out_dir: str | Path = "model",
    spacy_model: SpacyModel = None,
    folds: int = 5,
    name: str | None = None,
    ngrams: bool = True,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Train a model on labelled data and save it to ``out_dir``; return its manifest.

    ``data`` is a labelled ``.jsonl`` or ``.csv`` file (see :mod:`attune.data`) or None for the
    bundled corpus. When the data has splits, parameters are chosen by cross-validation on
    train+dev, the model is fitted on train+dev and evaluated on test; without splits, all rows
    are used for cross-validation and fitting, and the metrics are cross-validated ones. When
    the data has rationales, the rationale selector is fitted on the same rows.

    The many small model fits run with one BLAS thread each: on a 2-core machine, letting
    OpenBLAS start threads for every tiny fit made a 200-row training about 40 times slower.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _train(data, out_dir, spacy_model, folds, name, ngrams, n_jobs)


def _train(data, out_dir, spacy_model, folds, name, ngrams, n_jobs) -> dict[str, Any]:
    t0 = time.perf_counter()
    items = load_corpus(data)
    nlp = load_pipeline(spacy_model)
    has_splits = any(i.get("split") for i in items)
    fit_items = [i for i in items if i.get("split") in ("train", "dev")] if has_splits else items
    test_items = [i for i in items if i.get("split") == "test"] if has_splits else []
    log.info("featurising %d items", len(items))
    F_fit = featurize(fit_items, nlp)
    F_test = featurize(test_items, nlp) if test_items else None
    vectorizer = make_vectorizer().fit([gram_strings(f.grams) for f in F_fit]) if ngrams else None
    model = AttuneModel(feature_names=feature_names(), estimators={}, vectorizer=vectorizer)
    X_fit = model.matrix(F_fit)
    n_dense = len(model.feature_names)
    cv_data = FoldData(F_fit, ngrams=vectorizer is not None)
    groups = [i["scenario_id"] for i in fit_items]
    # the folds depend on the scenarios alone: their matrices are built once for every dimension
    matrices = fold_matrices(cv_data, grouped_splits(groups, folds))
    labels = {dim: label_array(fit_items, dim) for dim in DIMENSIONS}
    params, cv, oof = {}, {}, {}
    for dim in DIMENSIONS:
        params[dim], score, oof[dim] = select_params(cv_data, labels[dim], groups, folds,
                                                     n_jobs=n_jobs, matrices=matrices)
        cv[dim] = round(score, 4)
        log.info("%s: %s cv score=%.3f", dim, params[dim], score)
    del matrices
    factors = refit_factors(cv_data, labels, groups, params, folds, n_jobs)
    for dim in DIMENSIONS:
        y = labels[dim]
        clf = LevelClassifier(n_dense=n_dense, **params[dim]).fit(X_fit, y)
        # calibrate: a temperature fitted on the out-of-fold logits of the chosen setting,
        # softened for a model fitted on all the rows (see refit_factor)
        present = clf.classes_.astype(int)
        clf.calibrate(_finite(oof[dim][:, present]), y, factors[dim])
        params[dim] = params[dim] | {"temperature": round(clf.temperature_, 3),
                                     "refit_factor": round(factors[dim], 3)}
        model.estimators[dim] = clf
        log.info("%s: temperature=%.2f (refit factor %.3f)", dim, clf.temperature_, factors[dim])
    model.rationale = fit_rationale_selector(model, fit_items, F_fit, folds, n_jobs=n_jobs, X=X_fit)
    metrics = evaluate_items(model, test_items, model.matrix(F_test)) if test_items else {}
    manifest = {
        "name": name or Path(out_dir).name,
        "created": time.strftime("%Y-%m-%d"),
        "spacy_pipeline": pipeline_name(nlp),
        "ngram_vocabulary": len(model.ngram_vocabulary),
        "data": {
            "source": str(data) if data else "data/corpus.jsonl",
            "sha256": data_hash(items),
            "n_fit": len(fit_items),
            "n_test": len(test_items),
        },
        "params": params,
        "cv_score": cv,
        "cv_criterion": (f"{CV_CRITERION}, grouped {folds}-fold CV on "
                         f"{'train+dev' if has_splits else 'all rows'}"),
        "metrics": {"split": "test", **metrics} if metrics else {},
        "rationale": rationale_manifest(model.rationale),
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    save_model(model, out_dir, manifest)
    write_card(manifest | {"versions": library_versions(), "features": list(model.feature_names)}, out_dir)
    return manifest


def evaluate_items(model: AttuneModel, items: Sequence[dict[str, Any]], X=None,
                   nlp=None) -> dict[str, Any]:
    """Metrics of ``model`` on labelled ``items``, per dimension and averaged."""
    from .evaluation import score_metrics

    if X is None:
        X = model.matrix(featurize(items, nlp or load_pipeline()))
    groups = [i["scenario_id"] for i in items]
    per_dim = {}
    for dim in DIMENSIONS:
        proba = model.estimators[dim].level_proba(X)
        per_dim[dim] = score_metrics(label_array(items, dim), proba @ LEVELS, groups, proba)
    keys = ("spearman", "qwk", "macro_f1", "ece", "pairwise_accuracy")
    mean = {k: round(float(np.nanmean([per_dim[d][k] for d in DIMENSIONS])), 4) for k in keys}
    return {"per_dimension": per_dim, "mean": mean}


def evaluate(model_dir: str | Path | None = None, data: str | Path | None = None, split: str = "test",
             trust: bool = False, spacy_model: SpacyModel = None, with_baselines: bool = True,
             write: bool = False, bootstrap: int = 0, cross_validate: bool = False,
             n_jobs: int = 1) -> dict[str, Any]:
    """Evaluate a saved model on a split of the corpus (or of a labelled file): attune's metrics,
    the baselines (fitted on the train split), evidence F1 against the rationales, and the
    calibration of the scores on the evaluated split. ``bootstrap=N`` adds 95% intervals of
    attune's lead over the n-gram baseline from N scenario resamples
    (:func:`~attune.model.metrics.bootstrap_differences`). ``cross_validate=True`` adds attune
    against the n-gram baseline out of fold on the train and dev splits, a larger sample than
    the test split (:func:`~attune.model.evaluation.cross_validated_comparison`; ``n_jobs``
    fits its folds in parallel). ``write=True`` stores the report in the model's manifest and
    rewrites its ``MODEL_CARD.md``."""
    from .artifact import MANIFEST_FILE, read_manifest, shipped_model_dir
    from .evaluation import baselines, cross_validated_comparison, evidence_f1, reliability

    model, manifest = load_model(model_dir, trust=trust)
    nlp = load_pipeline(spacy_model)
    items = load_corpus(data, split=split) if split else load_corpus(data)
    if not items:
        raise ValueError(f"no items in split {split!r}")
    feats = featurize(items, nlp)
    X = model.matrix(feats)
    report: dict[str, Any] = {"split": split, "attune": evaluate_items(model, items, X)}
    if any("rationales" in i for i in items):
        report["evidence_f1"] = evidence_f1(model, items, feats, X)
    report["reliability"] = reliability(model, items, X)
    train_items = load_corpus(data, split="train") if split != "train" else []
    if with_baselines and train_items:
        lr_proba: dict[str, np.ndarray] = {}
        report["baselines"] = baselines(train_items, featurize(train_items, nlp), items, feats,
                                        lr_proba)
        if bootstrap > 0:
            from .metrics import bootstrap_differences

            groups = [i["scenario_id"] for i in items]
            report["comparison"] = {
                "baseline": "ngram_lr", "resamples": int(bootstrap), "seed": 0,
                "per_dimension": {
                    dim: {m: [round(lo, 4), round(hi, 4)] for m, (lo, hi) in bootstrap_differences(
                        label_array(items, dim), model.estimators[dim].level_proba(X),
                        lr_proba[dim], groups, n=bootstrap).items()}
                    for dim in DIMENSIONS},
            }
    fit_items = load_corpus(data, split=["train", "dev"]) if cross_validate else []
    if fit_items:
        report["cross_validated"] = cross_validated_comparison(
            fit_items, featurize(fit_items, nlp), manifest["params"], bootstrap=bootstrap,
            n_jobs=n_jobs)
    if write:
        target = Path(model_dir) if model_dir is not None else shipped_model_dir()
        manifest = read_manifest(target)
        manifest["evaluation"] = report
        (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_card(manifest, target)
    return report
