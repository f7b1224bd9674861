"""The fitted models as plain numpy arrays: what scoring needs, without scikit-learn.

Training fits scikit-learn objects (:class:`~attune.model.estimator.LevelClassifier`, a
``TfidfVectorizer``); :func:`compile_model` copies the numbers they learned into
:class:`LinearLevels` and :class:`NgramWeights`, which compute the same probabilities,
contributions and n-gram weights with a few numpy products. The saved model holds only these,
so loading it imports neither scikit-learn nor (through it) pandas and scipy.stats, a second
of every cold start, and the pickle refers to no scikit-learn class that a later release
could rename.
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import NamedTuple, Sequence

import numpy as np
from scipy import sparse

from ..dimensions import MAX_LEVEL


class LevelOutputs:
    """What a level model derives from its :meth:`predict_proba` over the levels in its
    ``classes_`` (shared by the scikit-learn estimator and its numpy copy)."""

    def level_proba(self, X) -> np.ndarray:
        """Probabilities over all four levels 0-3, shape (n_samples, 4); zero for a level
        unseen in training."""
        return self._pad_levels(self.predict_proba(X))

    def _pad_levels(self, p: np.ndarray) -> np.ndarray:
        """Class probabilities as columns 0-3, zero for a level unseen in training."""
        out = np.zeros((p.shape[0], MAX_LEVEL + 1))
        out[:, self.classes_.astype(int)] = p
        return out

    def expected_level(self, X) -> np.ndarray:
        """The expected level, 0-3, under the predicted distribution."""
        return self.level_proba(X) @ np.arange(MAX_LEVEL + 1, dtype=np.float64)


class LinearLevels(LevelOutputs):
    """One dimension's level model: standardise the dense features, append the weighted
    n-gram columns, take a softmax of the linear logits divided by the calibration temperature.

    Built from a fitted :class:`~attune.model.estimator.LevelClassifier` with
    :meth:`from_classifier`; its methods match the classifier's to floating-point rounding.
    """

    def __init__(self, mean, scale, coef, intercept, classes, temperature: float = 1.0,
                 n_dense: int | None = None, ngram_weight: float = 1.0, params: dict | None = None):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        if coef.shape[0] == 1:  # two levels: scikit-learn stores one row, for the second
            coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
            intercept = np.array([0.0, intercept[0]])
        self.coef = coef
        self.intercept = intercept
        self.classes_ = np.asarray(classes)
        self.temperature = float(temperature)
        self.n_dense = len(self.mean) if n_dense is None else int(n_dense)
        self.ngram_weight = float(ngram_weight)
        self.params = dict(params or {})  # the classifier's hyperparameters, for refitting
        self._prepare()

    _DERIVED = ("_dense_w", "_dense_b", "_gram_w")

    def __getstate__(self):  # the derived products are rebuilt on loading, not stored
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._prepare()

    def _prepare(self) -> None:
        """The products used for scoring: the temperature folded into the weights, the n-gram
        weight into the n-gram columns and the standardisation into the dense ones."""
        coef, intercept = self.coef, self.intercept
        w = coef / self.temperature
        self._dense_w = (w[:, :self.n_dense] / self.scale).T.copy()           # (f, k)
        self._dense_b = intercept / self.temperature - self.mean / self.scale @ w[:, :self.n_dense].T
        self._gram_w = (w[:, self.n_dense:] * self.ngram_weight).T.copy()     # (g, k)

    @classmethod
    def from_classifier(cls, clf) -> "LinearLevels":
        """The arrays of a fitted :class:`~attune.model.estimator.LevelClassifier`."""
        return cls(clf.scaler_.mean_, clf.scaler_.scale_, clf.model_.coef_, clf.model_.intercept_,
                   clf.classes_, getattr(clf, "temperature_", 1.0), clf.n_dense_, clf.ngram_weight,
                   clf.get_params())

    def classifier(self):
        """An unfitted :class:`~attune.model.estimator.LevelClassifier` with the
        hyperparameters this model was fitted with (to refit it on other rows)."""
        from .estimator import LevelClassifier

        return LevelClassifier(**{"n_dense": self.n_dense, "ngram_weight": self.ngram_weight,
                                  **self.params})

    @property
    def n_features_in_(self) -> int:
        return self.n_dense + self._gram_w.shape[0]

    def _parts(self, X):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the model expects {self.n_features_in_}")
        if sparse.issparse(X):
            X = X.tocsr()
            return X[:, :self.n_dense].toarray(), X[:, self.n_dense:]
        X = np.asarray(X, dtype=np.float64)
        return X[:, :self.n_dense], (sparse.csr_matrix(X[:, self.n_dense:]) if X.shape[1] > self.n_dense else None)

    def _logits(self, dense, grams) -> np.ndarray:
        logits = dense @ self._dense_w + self._dense_b
        if grams is not None and grams.shape[1] and self.ngram_weight:
            logits += np.asarray(grams @ self._gram_w)
        return logits

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def decision_logits(self, X) -> np.ndarray:
        """Logits before the temperature, one column per class in :attr:`classes_`."""
        return self._logits(*self._parts(X)) * self.temperature

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities of the levels seen in training (columns follow ``classes_``)."""
        return self._softmax(self._logits(*self._parts(X)))

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def contributions(self, X):
        """Each feature's signed contribution to the expected level, shaped like ``X`` (see
        :meth:`attune.model.estimator.LevelClassifier.contributions`); a CSR matrix when ``X``
        is sparse (an n-gram that is absent contributes nothing, so most entries are zero)."""
        return self.level_proba_and_contributions(X)[1]

    def level_proba_and_contributions(self, X):
        """:meth:`level_proba` and :meth:`contributions` in one pass."""
        dense, grams = self._parts(X)
        if sparse.issparse(X):  # each row's cue entries, then its n-grams (same sparsity as X's)
            proba, contributions, _ = levels_and_contributions([self], dense, grams)[0]
            return proba, contributions
        p = self._softmax(self._logits(dense, grams))
        levels = self.classes_.astype(np.float64)
        A = p * (levels[None, :] - (p @ levels)[:, None])   # d E / d logit_k, shape (n, k)
        # a dense feature's input is its standardised value; its weight row is _dense_w * scale
        z = (dense - self.mean) / self.scale
        out = np.zeros((dense.shape[0], self.n_features_in_))
        out[:, :self.n_dense] = (A @ (self._dense_w * self.scale[:, None]).T) * z
        if grams is not None and grams.nnz and self.ngram_weight:
            g = grams.tocoo()
            out[g.row, self.n_dense + g.col] = np.einsum("nk,nk->n", A[g.row], self._gram_w[g.col]) * g.data
        return self._pad_levels(p), out


def levels_and_contributions(estimators: Sequence[LinearLevels], dense: np.ndarray,
                             grams: sparse.csr_matrix | None) -> list[tuple[np.ndarray, sparse.csr_matrix, np.ndarray]]:
    """For each level model of one design, what
    :meth:`LinearLevels.level_proba_and_contributions` gives for the rows whose cue features
    are ``dense`` and whose n-gram columns are ``grams`` (a CSR matrix, None without n-grams),
    plus the contributions of the cue features alone as a dense array.

    The scorer runs the six dimensions' models over one batch: the layout of the sparse
    contributions and the gathering of each n-gram's weights are the same for all six, so they
    are done once, with the six models' n-gram weights side by side.
    """
    n, nd = dense.shape
    if grams is None:
        grams = sparse.csr_matrix((n, 0))
    for est in estimators:
        if (nd, grams.shape[1]) != (est.n_dense, est.n_features_in_ - est.n_dense):
            raise ValueError(f"got {nd} cue and {grams.shape[1]} n-gram columns, the model expects "
                             f"{est.n_dense} and {est.n_features_in_ - est.n_dense}")
    grams = grams.tocsr()
    grams.sort_indices()
    stack = _stacked_gram_weights(tuple(estimators))
    offsets = np.cumsum([0] + [len(est.classes_) for est in estimators])
    rows = np.repeat(np.arange(n), np.diff(grams.indptr))
    cols = grams.indices
    # the layout: row r holds its nd cue entries, then its n-grams in column order; everything
    # before it is r * nd cue entries and the n-grams of the rows before, so n-gram k of row r
    # sits at k + (r + 1) * nd
    indptr = grams.indptr.astype(np.int64) + nd * np.arange(n + 1)
    gram_pos = np.arange(grams.nnz) + nd * (rows + 1)
    dense_pos = np.ones(indptr[-1], dtype=bool)
    dense_pos[gram_pos] = False
    dense_pos = np.flatnonzero(dense_pos)
    indices = np.empty(indptr[-1], dtype=np.int64)
    indices[dense_pos] = np.tile(np.arange(nd), n)
    indices[gram_pos] = nd + cols
    probas, slopes = [], []
    for est in estimators:
        p = est._softmax(est._logits(dense, grams if grams.shape[1] else None))
        levels = est.classes_.astype(np.float64)
        probas.append(p)
        slopes.append(p * (levels[None, :] - (p @ levels)[:, None]))  # d E / d logit_k
    gram_c = np.zeros((grams.nnz, len(estimators)))
    if grams.nnz and stack is not None:
        products = np.hstack(slopes)[rows] * stack[cols]
        gram_c = np.add.reduceat(products, offsets[:-1], axis=1) * grams.data[:, None]
    out = []
    for e, (est, p, A) in enumerate(zip(estimators, probas, slopes)):
        z = (dense - est.mean) / est.scale
        dense_c = (A @ (est._dense_w * est.scale[:, None]).T) * z
        data = np.empty(indptr[-1])
        data[dense_pos] = dense_c.ravel()
        data[gram_pos] = gram_c[:, e] if est.ngram_weight else 0.0
        contrib = sparse.csr_matrix((data, indices, indptr), shape=(n, est.n_features_in_))
        out.append((est._pad_levels(p), contrib, dense_c))
    return out


_STACKS: dict[tuple[int, ...], tuple[tuple, np.ndarray | None]] = {}


def _stacked_gram_weights(estimators: tuple) -> np.ndarray | None:
    """The n-gram weights of ``estimators`` side by side, shape (n-grams, sum of their
    levels), kept for the few models in use (None without n-grams)."""
    if len(estimators) == 1:  # one model (training, evaluation): its own weights, not kept
        weights = estimators[0]._gram_w
        return weights if weights.shape[0] else None
    key = tuple(map(id, estimators))
    hit = _STACKS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], estimators)):
        if len(_STACKS) >= 8:
            _STACKS.clear()
        weights = [est._gram_w for est in estimators]
        stack = np.hstack(weights) if weights and weights[0].shape[0] else None
        hit = _STACKS[key] = (estimators, stack)
    return hit[1]


class NgramWeights:
    """The n-gram columns of the model: sublinear TF-IDF weights of a fixed vocabulary, each
    row scaled to unit length, as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes
    them. Built from a fitted vectorizer with :meth:`from_vectorizer`."""

    def __init__(self, vocabulary: dict[str, int], idf, sublinear_tf: bool = True):
        self.vocabulary_ = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.sublinear_tf = bool(sublinear_tf)

    @classmethod
    def from_vectorizer(cls, vec) -> "NgramWeights":
        if vec.norm != "l2" or not vec.use_idf or vec.binary:
            raise ValueError("only l2-normalised, idf-weighted, non-binary vectorizers are supported")
        return cls(vec.vocabulary_, vec.idf_, vec.sublinear_tf)

    def transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """One row per document (a list of n-gram strings); n-grams outside the vocabulary
        are ignored."""
        docs = [list(d) for d in docs]
        item, col, _ = _lookup(self.vocabulary_, list(chain.from_iterable(docs)), [len(d) for d in docs])
        return self.weights(GramIndex(item, col, np.zeros(len(col), dtype=np.int64), len(docs)))

    def weights(self, index: "GramIndex") -> sparse.csr_matrix:
        """The n-gram columns of the texts of ``index`` (see :func:`locate_grams`)."""
        n_vocab = len(self.idf)
        n = index.n_texts
        keys, counts = np.unique(index.item * n_vocab + index.col, return_counts=True)
        rows, cols = np.divmod(keys, n_vocab)
        data = counts.astype(np.float64)
        if self.sublinear_tf:
            data = np.log(data) + 1.0
        data *= self.idf[cols]
        # each row scaled to unit length (a row with no known n-gram stays empty)
        data /= np.sqrt(np.bincount(rows, weights=data * data, minlength=n))[rows]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return sparse.csr_matrix((data, cols, indptr), shape=(n, n_vocab))


class GramIndex(NamedTuple):
    """Where a model's n-grams occur in a batch of texts: one entry per occurrence, with the
    text (``item``), the n-gram's column in the vocabulary (``col``) and the character in the
    middle of the occurrence (``mid``)."""

    item: np.ndarray
    col: np.ndarray
    mid: np.ndarray
    n_texts: int


def locate_grams(vocabulary: dict[str, int], features: Sequence) -> GramIndex:
    """The :class:`GramIndex` of featurised texts: one dictionary lookup per n-gram, shared by
    the model's input (:meth:`NgramWeights.weights`) and the evidence units."""
    grams = [_parts(f.grams) for f in features]
    item, col, found = _lookup(vocabulary, list(chain.from_iterable(g[0] for g in grams)),
                               [len(g[0]) for g in grams])
    starts = np.fromiter(chain.from_iterable(g[1] for g in grams), dtype=np.int64)
    ends = np.fromiter(chain.from_iterable(g[2] for g in grams), dtype=np.int64)
    return GramIndex(item, col, (starts[found] + ends[found]) >> 1, len(features))


def _parts(grams) -> tuple[Sequence[str], Sequence[int], Sequence[int]]:
    """The strings, starts and ends of a text's n-grams (a Grams or a list of tuples)."""
    if hasattr(grams, "strings"):
        return grams.strings, grams.starts, grams.ends
    return tuple(zip(*grams)) or ((), (), ())


def _lookup(vocabulary: dict[str, int], strings: Sequence[str],
            counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vocabulary's n-grams among ``strings``, the n-grams of consecutive texts (``counts``
    of them per text): for each one found, its text, its column and its position in ``strings``."""
    cols = np.fromiter(map(vocabulary.get, strings, repeat(-1)), dtype=np.int64, count=len(strings))
    found = np.flatnonzero(cols >= 0)
    item = np.repeat(np.arange(len(counts), dtype=np.int64), counts)[found]
    return item, cols[found], found


def dense_block(contributions, n_dense: int) -> np.ndarray:
    """The first ``n_dense`` columns (the cue features) of contributions, as a dense array."""
    if sparse.issparse(contributions):
        return contributions[:, :n_dense].toarray()
    return np.asarray(contributions)[:, :n_dense]


def compile_model(model):
    """The model with its scikit-learn level models and vectorizer replaced by their numpy
    equivalents (a new :class:`~attune.model.artifact.AttuneModel`; ``model`` is unchanged).
    Already compiled parts are kept."""
    from dataclasses import replace

    estimators = {dim: est if isinstance(est, LinearLevels) else LinearLevels.from_classifier(est)
                  for dim, est in model.estimators.items()}
    vec = model.vectorizer
    if vec is not None and not isinstance(vec, NgramWeights):
        vec = NgramWeights.from_vectorizer(vec)
    return replace(model, estimators=estimators, vectorizer=vec)
