"""The rationale selector: which words of a text explain each dimension's score.

A person labelling the corpus justifies each level with *rationales*: the clauses of the text
that made them choose it (``data/CODEBOOK.md``). Evidence is chosen the same way. The text is
cut into units (sentences, and clauses set off inside them; see
:func:`attune.features.clause_units`), and per dimension a logistic regression gives each unit
the probability that it would be quoted as a rationale. Its inputs are

- the cues found in the unit, counted per cue;
- the signed contributions of the dimension's model located in the unit (the cue features whose
  spans fall in it, the word n-grams it contains; raising and lowering summed apart), and how
  they compare with the text's other units;
- the text's predicted level on the dimension, alone and times those contributions;
- the unit's place (first or last unit, first or last sentence, relative position), its length,
  whether it is a question, whether the text answers a customer or is an e-mail;
- the unit's word n-grams (the model's vocabulary), once weighted by the predicted level and
  once by its complement, so that "as per our terms" can mark a low score and "you're right
  that" a high one.

Per text, the units are then chosen that maximise the expected token F1 against the rationale
(the plug-in rule: take units in order of probability while the expected F1 grows), and none
when even the best choice expects less than a minimum, or when a gate (a logistic regression on
the predicted level probabilities and the unit probabilities) says the text is unlikely to have
a rationale for the dimension at all (an awareness-0 reply that ignores the feeling: nothing in
it is the rationale). Before choosing, a unit's probability for a dimension is lowered by
how much more probable the other dimensions find it (:func:`joint_penalty`): labellers seldom
quote one clause for two dimensions, and the six classifiers, each reading the unit alone, pick
the same unit for several far more often than that. Each chosen unit is reported with the
signed sum of the model's contributions located in it, in score points.

Everything is fitted by :func:`fit_rationale_selector`: the contributions it learns from are
out-of-fold (each text's from a level model that did not see its scenario), as they are for a
new text; the decision rule and the gate's threshold are chosen by grouped cross-validation;
scoring is a few numpy products per batch of texts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy import sparse

from ..dimensions import DIMENSIONS, MAX_LEVEL
from ..features import Features, cue_columns, cue_table
from ..features._units import Unit
from .linear import GramIndex, LinearLevels, locate_grams

log = logging.getLogger(__name__)

SCALE = 100.0 / MAX_LEVEL
"""Contributions to the expected level (0-3) times this are score points (0-100)."""

C_SELECTOR = 0.3
"""Inverse regularisation of the unit classifiers (chosen on the dev split; see
``scripts/add_rationale_selector.py``)."""

COVERED = 0.5
"""A unit is a rationale when at least this share of its words lies in the dimension's
rationales."""

RULE_GRID = {"alpha": (0.7, 1.0, 1.5), "beta": (0.0, 2.0, 5.0), "minimum": (0.0, 0.1, 0.2, 0.3)}
"""The decision rule's settings tried by cross-validation: ``alpha`` scales the unit
probabilities, ``beta`` is a prior number of rationale words added to the expected count, and
``minimum`` is the expected F1 below which a text gets no evidence."""

JOINT_GRID = (0.0, 0.5, 1.0, 2.0, 4.0)
"""Strengths of :func:`joint_penalty` tried by cross-validation (0: the dimension's own
probabilities, unchanged)."""

GATE_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7)
"""Gate thresholds tried by cross-validation: a text whose probability of having a rationale
for the dimension is below the threshold gets no evidence (0: no gate)."""

_POSITION = ("first_unit", "last_unit", "position", "first_sentence", "last_sentence",
             "log_units", "log_words", "question", "has_context", "is_email")
_LOCATED = ("raised_by_cues", "lowered_by_cues", "raised_by_phrases", "lowered_by_phrases",
            "raised_share", "lowered_share", "raised_most", "lowered_most", "level",
            "level_x_raised", "level_x_lowered", "low_x_raised", "low_x_lowered")
_WORD = re.compile(r"\w+")

GRAM = -1
"""``UnitBatch.loc_cue`` of an n-gram entry."""

OTHER_CUE = -2
"""``UnitBatch.loc_cue`` of a span-based feature that is not a listed cue."""


def unit_columns(cues: Sequence[str]) -> tuple[str, ...]:
    """The names of the dense unit features, in order."""
    return tuple(f"cue:{c}" for c in cues) + _LOCATED + _POSITION


@dataclass
class UnitBatch:
    """The units of a batch of texts and what lies in each: everything the selector needs that
    does not depend on the dimension. Units of text ``k`` are rows ``bounds[k]:bounds[k + 1]``.

    ``loc_*`` list the located features: one entry per (unit, feature) where a cue span or an
    n-gram occurrence of the model's input falls, with the share of the feature's contribution
    it carries (a cue's contribution is split evenly over its spans, an n-gram's over its
    occurrences); ``loc_cue`` is the cue's index in :func:`cue_table` order, :data:`GRAM` for
    an n-gram, :data:`OTHER_CUE` for a feature read from spans that are not a listed cue
    (``hedge``, ``time``).
    """

    bounds: np.ndarray
    item: np.ndarray
    start: np.ndarray
    end: np.ndarray
    words: np.ndarray
    cue_counts: np.ndarray
    position: np.ndarray
    loc_unit: np.ndarray
    loc_item: np.ndarray
    loc_col: np.ndarray
    loc_share: np.ndarray
    loc_cue: np.ndarray
    grams: sparse.csr_matrix
    loc_pos: np.ndarray | None = None
    layout: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.item)

    def located(self, contributions, rows: np.ndarray | None = None) -> np.ndarray:
        """Score points carried by each located entry, from the contributions of the batch's
        texts (a dense array, one row per text, or a sparse matrix); ``rows`` maps a text to
        its row when they differ.

        Sparse contributions laid out as the scorer's level models lay them out (each row's
        cue features, then its n-grams in column order: ``layout`` is that ``indptr``, and the
        columns at ``loc_pos`` are checked) are read at those positions, with no search."""
        if sparse.issparse(contributions):
            if (rows is None and self.layout is not None and contributions.format == "csr"
                    and np.array_equal(contributions.indptr, self.layout)
                    and np.array_equal(contributions.indices[self.loc_pos], self.loc_col)):
                values = contributions.data[self.loc_pos]
            else:
                r = self.loc_item if rows is None else rows[self.loc_item]
                values = np.asarray(contributions[r, self.loc_col]).ravel()
        else:
            r = self.loc_item if rows is None else rows[self.loc_item]
            values = contributions[r, self.loc_col]
        return values * self.loc_share * SCALE

    def design(self, located: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The dense unit features of one dimension (columns :func:`unit_columns`) and each
        unit's predicted level on 0-1, from :meth:`located` and the texts' expected levels."""
        n = len(self.item)
        is_cue = self.loc_cue != GRAM
        up, down = np.maximum(located, 0.0), np.minimum(located, 0.0)
        raised_c = np.bincount(self.loc_unit[is_cue], up[is_cue], minlength=n)
        lowered_c = np.bincount(self.loc_unit[is_cue], down[is_cue], minlength=n)
        raised_g = np.bincount(self.loc_unit[~is_cue], up[~is_cue], minlength=n)
        lowered_g = np.bincount(self.loc_unit[~is_cue], down[~is_cue], minlength=n)
        raised, lowered = raised_c + raised_g, lowered_c + lowered_g
        most_raised = self._per_text(np.maximum.reduceat, raised)
        most_lowered = self._per_text(np.minimum.reduceat, lowered)
        level = expected[self.item] / MAX_LEVEL
        D = np.column_stack([
            self.cue_counts,
            raised_c / 10, lowered_c / 10, raised_g / 10, lowered_g / 10,
            raised / (most_raised + 1e-9), lowered / (-most_lowered + 1e-9),
            (raised >= most_raised) & (raised > 0), (lowered <= most_lowered) & (lowered < 0),
            level, level * raised / 10, level * lowered / 10,
            (1 - level) * raised / 10, (1 - level) * lowered / 10,
            self.position,
        ])
        return D, level

    def _per_text(self, reduce, values: np.ndarray) -> np.ndarray:
        """``reduce`` (a ufunc's reduceat) of ``values`` over each text's units, per unit."""
        counts = np.diff(self.bounds)
        if not len(values):
            return values
        nonempty = counts > 0
        return np.repeat(reduce(values, self.bounds[:-1][nonempty]), counts[nonempty])


def unit_batch(feature_names: tuple[str, ...], vocabulary: dict[str, int], texts: Sequence[str],
               features: Sequence[Features], cues: Sequence[str] | None = None,
               grams: GramIndex | None = None) -> UnitBatch:
    """Collect the units of featurised texts, their cue counts (per cue of ``cues``, by default
    :func:`cue_table`'s), positions and located features. ``grams`` is
    :func:`~attune.model.linear.locate_grams` of ``features``, when the caller has it.

    The per-text work is list building; placing spans and n-grams in units, counting and the
    position features are done once for the batch with numpy.
    """
    cues = tuple(cue_table()) if cues is None else tuple(cues)
    cue_index = {c: i for i, c in enumerate(cues)}
    by_cue = cue_columns(feature_names)
    n_dense = len(feature_names)
    rows: list[Unit] = []
    questions: list[bool] = []
    flags: list[tuple[float, float]] = []
    bounds = [0]
    # located cue entries: (text, char middle, feature column, share, cue index)
    c_item: list[int] = []
    c_mid: list[int] = []
    c_col: list[int] = []
    c_share: list[float] = []
    c_cue: list[int] = []
    for k, (text, f) in enumerate(zip(texts, features)):
        units = f.units
        if units:
            rows.extend(units)
            questions.extend([text[e - 1:e] == "?" for _, e, _, _ in units])
            flags.append((f.values.get("has_context", 0.0), f.values.get("is_email", 0.0)))
            for cue, spans in f.hits.items():
                if not spans:
                    continue
                ci = cue_index.get(cue, OTHER_CUE)
                cols = by_cue.get(cue, ())
                if ci < 0 and not cols:
                    continue
                share = 1.0 / len(spans)
                for s, e in spans:
                    for j in (cols or (-1,)):  # -1: counted as a cue, no feature column
                        c_item.append(k)
                        c_mid.append((s + e) >> 1)
                        c_col.append(j)
                        c_share.append(share)
                        c_cue.append(ci)
        bounds.append(len(rows))
    n_units = len(rows)
    bounds_a = np.asarray(bounds, dtype=np.int64)
    counts_per_text = np.diff(bounds_a)
    item = np.repeat(np.arange(len(texts)), counts_per_text)
    table = np.asarray(rows, dtype=np.int64).reshape(n_units, 4)
    start, end, sentence, words = table.T
    # a span or an n-gram belongs to the unit its middle falls in (or the text's first unit)
    key = (item << 32) + start
    first_of_item = bounds_a[:-1]

    def place(items_, mids):
        items_ = np.asarray(items_, dtype=np.int64)
        at = np.searchsorted(key, (items_ << 32) + np.asarray(mids, dtype=np.int64), side="right") - 1
        return np.maximum(at, first_of_item[items_])

    c_unit = place(c_item, c_mid)
    c_cue_a = np.asarray(c_cue, dtype=np.int64)
    c_col_a = np.asarray(c_col, dtype=np.int64)
    counted = c_cue_a >= 0
    counts = np.zeros((n_units, len(cues)))
    # a span counts once for its cue however many features read it
    first_entry = np.ones(len(c_col_a), dtype=bool)
    if len(c_col_a):
        same = (np.diff(c_unit) == 0) & (np.diff(c_cue_a) == 0) & (np.diff(np.asarray(c_mid)) == 0)
        first_entry[1:] = ~same
    np.add.at(counts, (c_unit[counted & first_entry], c_cue_a[counted & first_entry]), 1.0)
    located = c_col_a >= 0
    if grams is None:
        grams = locate_grams(vocabulary, features)
    g_item_a, g_col_a = grams.item, grams.col
    g_unit = place(g_item_a, grams.mid)
    n_vocab = len(vocabulary)
    if len(g_col_a):
        # an n-gram's contribution is split over its occurrences in the text
        keys, inverse, per_key = np.unique(g_item_a * max(n_vocab, 1) + g_col_a,
                                           return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        g_share = 1.0 / per_key[inverse]
    else:
        keys, inverse, g_share = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    # where each located entry sits in sparse contributions with one entry per cue feature and
    # per distinct n-gram, row by row (see attune.model.linear.levels_and_contributions)
    n_texts = len(texts)
    gram_indptr = np.searchsorted(keys, np.arange(n_texts + 1, dtype=np.int64) * max(n_vocab, 1))
    layout = n_dense * np.arange(n_texts + 1, dtype=np.int64) + gram_indptr
    c_item_a = np.asarray(c_item, dtype=np.int64)[located]
    loc_pos = np.concatenate([layout[c_item_a] + c_col_a[located],
                              inverse + (g_item_a + 1) * n_dense]).astype(np.int64)
    grams = sparse.csr_matrix((np.ones(len(g_col_a)), (g_unit, g_col_a)), shape=(n_units, n_vocab))
    grams.sum_duplicates()
    grams.data[:] = 1.0
    # position features
    rank = np.arange(n_units) - np.repeat(first_of_item, counts_per_text)
    n_of = np.repeat(counts_per_text, counts_per_text)
    last_sentence = np.repeat(sentence[np.maximum(bounds_a[1:] - 1, 0)], counts_per_text) \
        if n_units else sentence
    text_flags = np.asarray(flags, dtype=np.float64).reshape(-1, 2)
    position = np.column_stack([
        rank == 0, rank == n_of - 1, rank / np.maximum(n_of - 1, 1), sentence == 0,
        sentence == last_sentence, np.log1p(n_of), np.log1p(words),
        np.asarray(questions, dtype=bool), np.repeat(text_flags, counts_per_text[counts_per_text > 0], axis=0),
    ]).astype(np.float64) if n_units else np.zeros((0, len(_POSITION)))
    return UnitBatch(
        bounds=bounds_a,
        item=item,
        start=start.copy(),
        end=end.copy(),
        words=np.maximum(words, 1).astype(np.float64),
        cue_counts=np.log1p(counts),
        position=position,
        loc_unit=np.concatenate([c_unit[located], g_unit]),
        loc_item=np.concatenate([c_item_a, g_item_a]),
        loc_col=np.concatenate([c_col_a[located], n_dense + g_col_a]),
        loc_share=np.concatenate([np.asarray(c_share)[located], g_share]),
        loc_cue=np.concatenate([c_cue_a[located], np.full(len(g_col_a), GRAM)]),
        grams=grams,
        loc_pos=loc_pos,
        layout=layout,
    )


@dataclass
class RationaleSelector:
    """Per dimension, a linear scorer of units, a gate and the rule that picks a text's evidence.

    Plain numpy arrays: ``coef[dim]`` weighs the dense unit features (:attr:`columns`,
    standardisation folded in), ``gram_high[dim]`` and ``gram_low[dim]`` the model's n-grams
    present in the unit, weighted by the predicted level (0-1) and its complement.
    ``gate_coef[dim]`` weighs a text's :data:`GATE_COLUMNS` into the probability that the text
    has a rationale for the dimension at all. ``rule[dim]`` holds ``(alpha, beta, minimum,
    gate)`` (see :data:`RULE_GRID`, :data:`GATE_GRID`), and ``joint[dim]`` the strength of
    :func:`joint_penalty` applied before it (absent, in a selector saved before the penalty
    existed: none). ``cv`` records the cross-validated evidence F1 of the chosen rule.
    """

    cues: tuple[str, ...]
    columns: tuple[str, ...]
    coef: dict[str, np.ndarray] = field(default_factory=dict)
    gram_high: dict[str, np.ndarray] = field(default_factory=dict)
    gram_low: dict[str, np.ndarray] = field(default_factory=dict)
    intercept: dict[str, float] = field(default_factory=dict)
    gate_coef: dict[str, np.ndarray] = field(default_factory=dict)
    gate_intercept: dict[str, float] = field(default_factory=dict)
    rule: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    joint: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    cv: dict[str, dict[str, float]] = field(default_factory=dict)

    def probability(self, dimension: str, batch: UnitBatch, design: np.ndarray,
                    level: np.ndarray) -> np.ndarray:
        """Each unit's probability of being a rationale of ``dimension``."""
        z = _unit_logits(self.coef[dimension], self.gram_high[dimension], self.gram_low[dimension],
                         self.intercept[dimension], design, level, batch.grams)
        return 1.0 / (1.0 + np.exp(-z))

    def choose(self, dimension: str, batch: UnitBatch, probability: np.ndarray,
               levels: np.ndarray, others: Sequence[np.ndarray] = ()) -> np.ndarray:
        """A boolean mask over the batch's units: the evidence of each text (``levels``: the
        texts' predicted distributions over the levels 0-3, a row per text; ``others``: the
        other dimensions' :meth:`probability` of the same units, for :func:`joint_penalty`)."""
        alpha, beta, minimum, gate = self.rule[dimension]
        strength = getattr(self, "joint", {}).get(dimension, 0.0)  # absent in older selectors
        if strength > 0 and len(others):
            probability = joint_penalty(probability, others, strength)
        mask = choose_units(batch, probability, alpha, beta, minimum)
        if gate > 0:
            z = gate_features(batch, probability, levels) @ self.gate_coef[dimension]
            has = 1.0 / (1.0 + np.exp(-(z + self.gate_intercept[dimension])))
            mask &= (has >= gate)[batch.item]
        return mask


def joint_penalty(probability: np.ndarray, others: Sequence[np.ndarray],
                  strength: float) -> np.ndarray:
    """A dimension's unit probabilities lowered where other dimensions find the unit more
    probable: ``p * exp(-strength * sum_k max(p_k - p, 0))`` over the other dimensions ``k``.
    A unit the dimension finds likelier than every other dimension keeps its probability."""
    excess = np.zeros_like(probability)
    for other in others:
        excess += np.maximum(other - probability, 0.0)
    return probability * np.exp(-strength * excess)


GATE_COLUMNS = ("level_0", "level_1", "level_2", "level_3", "most_probable_unit",
                "expected_units", "log_units", "has_context", "is_email")
"""Per text, what the gate reads: the predicted probability of each level, the largest and the
summed unit probabilities, the number of units, whether it answers a customer, an e-mail."""


def gate_features(batch: UnitBatch, probability: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The :data:`GATE_COLUMNS` of each text of the batch (zeros for a text without units)."""
    n_texts = len(batch.bounds) - 1
    counts = np.diff(batch.bounds)
    nonempty = counts > 0
    most, total, first = np.zeros(n_texts), np.zeros(n_texts), np.zeros((n_texts, 2))
    if len(probability):
        starts = batch.bounds[:-1][nonempty]
        most[nonempty] = np.maximum.reduceat(probability, starts)
        total[nonempty] = np.add.reduceat(probability, starts)
        first[nonempty] = batch.position[starts][:, -2:]
    return np.column_stack([levels, most, total, np.log1p(counts), first])


def choose_units(batch: UnitBatch, probability: np.ndarray, alpha: float, beta: float,
                 minimum: float) -> np.ndarray:
    """Per text, the units that maximise the expected token F1 (vectorised over the batch).

    With ``q = min(alpha * p, 1)`` a unit's chance of being a rationale and ``w`` its words,
    taking the ``r`` most probable units expects ``F1 = 2 sum(q w) / (sum(w) + sum_all(q w) +
    beta)``; the best ``r`` is taken when its expected F1 reaches ``minimum``.
    """
    n = len(batch.item)
    mask = np.zeros(n, dtype=bool)
    if not n:
        return mask
    q = np.minimum(alpha * probability, 1.0)
    order = np.lexsort((-q, batch.item))
    qw = (q * batch.words)[order]
    w = batch.words[order]
    counts = np.diff(batch.bounds)
    first = np.repeat(batch.bounds[:-1], counts)
    cq = np.concatenate([[0.0], np.cumsum(qw)])
    cw = np.concatenate([[0.0], np.cumsum(w)])
    pos = np.arange(n)
    total = np.repeat(cq[batch.bounds[1:]] - cq[batch.bounds[:-1]], counts)
    f1 = 2 * (cq[pos + 1] - cq[first]) / (cw[pos + 1] - cw[first] + total + beta)
    best = batch._per_text(np.maximum.reduceat, f1)
    rank = pos - first
    best_rank = batch._per_text(np.minimum.reduceat, np.where(f1 >= best, rank, n))
    mask[order[(rank <= best_rank) & (best >= minimum)]] = True
    return mask


# -- fitting ----------------------------------------------------------------------------------

def unit_labels(text: str, rationales: Sequence[str], batch: UnitBatch, k: int) -> np.ndarray:
    """1.0 for each unit of text ``k`` whose words lie mostly (:data:`COVERED`) in the
    rationales, else 0.0. Rationales are located at their first occurrence."""
    words, gold = _gold_words(text, rationales)
    a, b = batch.bounds[k], batch.bounds[k + 1]
    out = np.zeros(b - a)
    for r, (s, e) in enumerate(zip(batch.start[a:b], batch.end[a:b])):
        inside = _words_in(words, s, e)
        if inside:
            out[r] = float(len(inside & gold) / len(inside) >= COVERED)
    return out


def _gold_words(text: str, rationales: Sequence[str]) -> tuple[list[tuple[int, int]], set[int]]:
    words = [m.span() for m in _WORD.finditer(text)]
    gold: set[int] = set()
    for rationale in rationales:
        at = text.find(rationale)
        if at >= 0:
            gold |= _words_in(words, at, at + len(rationale))
    return words, gold


def _words_in(words: list[tuple[int, int]], start: int, end: int) -> set[int]:
    return {k for k, (a, b) in enumerate(words) if a < end and start < b}


def _fold_inputs(model, feats: Sequence[Features], X, splits) -> list[tuple]:
    """Per split, the input matrices of its training and held-out texts in the model's columns,
    each fold's n-grams from a vocabulary of its own training texts (see
    :mod:`attune.model.folds`): the held-out contributions are then those of texts the model
    never saw, as at scoring time."""
    from .folds import FoldData

    if model.vectorizer is None:
        return [(X[tr], X[va]) for tr, va in splits]
    data = FoldData(feats)
    return [data.matrices(tr, va, columns=model.ngram_vocabulary) for tr, va in splits]


def _oof_levels(model, inputs: Sequence[tuple], labels: dict[str, np.ndarray], splits, n_jobs: int):
    """Per dimension: out-of-fold contributions (sparse, a row per text, the rows in ``where``)
    and level probabilities, from clones of the dimension's level model refitted without each
    fold's scenarios (and given the fitted model's temperature); ``inputs`` are
    :func:`_fold_inputs` of ``splits``."""
    from joblib import Parallel, delayed
    from sklearn.base import clone

    def fit(dim, tr, va, X_tr, X_va):
        est = model.estimators[dim]
        if isinstance(est, LinearLevels):  # a loaded model: its hyperparameters, refitted
            clf, temperature = est.classifier(), est.temperature
        else:
            clf, temperature = clone(est), getattr(est, "temperature_", 1.0)
        clf = clf.fit(X_tr, labels[dim][tr])
        clf.temperature_ = temperature
        proba, contrib = clf.level_proba_and_contributions(X_va)
        return dim, va, sparse.csr_matrix(contrib), proba

    jobs = [(dim, tr, va, *xs) for dim in DIMENSIONS for (tr, va), xs in zip(splits, inputs)]
    results = Parallel(n_jobs=n_jobs)(delayed(fit)(*job) for job in jobs)
    n = sum(len(va) for _, va in splits)
    out = {}
    for dim in DIMENSIONS:
        parts = [(va, c, e) for d, va, c, e in results if d == dim]
        rows = np.concatenate([va for va, _, _ in parts])
        where = np.empty(n, dtype=np.int64)
        where[rows] = np.arange(n)
        levels = np.empty((n, MAX_LEVEL + 1))
        levels[rows] = np.vstack([e for _, _, e in parts])
        out[dim] = (sparse.vstack([c for _, c, _ in parts]).tocsr(), where, levels)
    return out


def _unit_logits(coef, gram_high, gram_low, intercept, design, level, grams) -> np.ndarray:
    z = design @ coef + intercept
    if grams.shape[1]:
        z = z + level * (grams @ gram_high) + (1 - level) * (grams @ gram_low)
    return z


def _fit_units(design, level, grams, y, C):
    """Fit one dimension's unit classifier; returns plain arrays with the standardisation of
    the dense features folded into their weights."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(design)
    X = sparse.hstack([sparse.csr_matrix(scaler.transform(design)), sparse.diags(level) @ grams,
                       sparse.diags(1 - level) @ grams], format="csr")
    lr = LogisticRegression(C=C, max_iter=5000).fit(X, y)
    w = lr.coef_[0]
    m, v = design.shape[1], grams.shape[1]
    coef = w[:m] / scaler.scale_
    intercept = float(lr.intercept_[0] - (w[:m] * scaler.mean_ / scaler.scale_).sum())
    return coef, w[m:m + v].copy(), w[m + v:].copy(), intercept


def _rows(batch: UnitBatch, items: np.ndarray) -> np.ndarray:
    """The unit rows of the given texts."""
    return np.concatenate([np.arange(batch.bounds[k], batch.bounds[k + 1]) for k in items]) \
        if len(items) else np.zeros(0, dtype=np.int64)


def span_f1(pred: set[int], gold: set[int]) -> tuple[float, float, float] | None:
    """Token F1, precision and recall of one text; None when both sides are empty."""
    if not pred and not gold:
        return None
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def _per_text_scores(batch: UnitBatch, mask: np.ndarray, unit_words, gold) -> np.ndarray:
    """Token F1, precision and recall per text of the units in ``mask`` (NaN where both the
    evidence and the rationale are empty: such a text is not counted)."""
    out = np.full((len(gold), 3), np.nan)
    for k in range(len(gold)):
        a = batch.bounds[k]
        pred: set[int] = set()
        for r in np.flatnonzero(mask[a:batch.bounds[k + 1]]):
            pred |= unit_words[a + r]
        m = span_f1(pred, gold[k])
        if m is not None:
            out[k] = m
    return out


def _fit_gate(features, has, C=1.0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(features)
    lr = LogisticRegression(C=C, max_iter=5000).fit(scaler.transform(features), has)
    w = lr.coef_[0]
    return w / scaler.scale_, float(lr.intercept_[0] - (w * scaler.mean_ / scaler.scale_).sum())


def fit_rationale_selector(model, items: Sequence[dict[str, Any]], feats: Sequence[Features],
                           folds: int = 5, C: float = C_SELECTOR, n_jobs: int = 1,
                           X=None) -> RationaleSelector | None:
    """Fit the rationale selector of ``model`` (its fitted level models, feature names and
    n-gram vocabulary) on labelled ``items`` with rationales and their features.

    The unit classifiers learn from out-of-fold contributions (level models refitted without
    each fold's scenarios, with the fitted models' parameters and an n-gram vocabulary of the
    fold's training texts), so that they see contributions as they are for texts the model
    never saw. The decision rule of each dimension is chosen by
    grouped ``folds``-fold cross-validation of the unit classifiers (criterion: the mean token
    F1 against the rationales, as :func:`attune.model.evaluation.evidence_f1` measures it),
    with the strength of :func:`joint_penalty` (from :data:`JOINT_GRID`, applied with the other
    dimensions' out-of-fold unit probabilities); the classifiers are then refitted on all items.
    Returns None when no item has a rationale.
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import GroupKFold

    from .. import _text
    from ..data import label_array

    if not any(any(i.get("rationales", {}).get(d) for d in DIMENSIONS) for i in items):
        return None
    texts = [_text.prepare(i["text"]).text for i in items]
    if X is None:
        X = model.matrix(list(feats))
    groups = [i.get("scenario_id") or i.get("id") or str(k) for k, i in enumerate(items)]
    n_folds = min(folds, len(set(groups)))
    splits = list(GroupKFold(n_splits=n_folds).split(np.zeros(len(items)), groups=groups))
    labels = {d: label_array(items, d) for d in DIMENSIONS}
    log.info("rationale selector: out-of-fold contributions (%d folds)", n_folds)
    levels = _oof_levels(model, _fold_inputs(model, feats, X, splits), labels, splits, n_jobs)
    batch = unit_batch(model.feature_names, model.ngram_vocabulary, texts, feats)
    cues = tuple(cue_table())
    selector = RationaleSelector(cues=cues, columns=unit_columns(cues), params={
        "C": C, "covered": COVERED, "folds": n_folds, "units": len(batch), "texts": len(items),
        "criterion": "mean token F1 against the rationales, grouped cross-validation",
    })
    grid = [(a, b, m) for a in RULE_GRID["alpha"] for b in RULE_GRID["beta"]
            for m in RULE_GRID["minimum"]]
    unit_words = []
    for k, text in enumerate(texts):
        words = [m.span() for m in _WORD.finditer(text)]
        for s, e in zip(batch.start[batch.bounds[k]:batch.bounds[k + 1]],
                        batch.end[batch.bounds[k]:batch.bounds[k + 1]]):
            unit_words.append(_words_in(words, s, e))
    # each dimension's unit classifier: out-of-fold probabilities (for the rule), then refitted
    fitted: dict[str, tuple[np.ndarray, list[set[int]]]] = {}
    for dim in DIMENSIONS:
        contrib, where, proba = levels[dim]
        design, level = batch.design(batch.located(contrib, where), proba @ np.arange(MAX_LEVEL + 1.0))
        rationales = [i.get("rationales", {}).get(dim, []) for i in items]
        if not any(rationales):
            continue
        y = np.concatenate([unit_labels(texts[k], rationales[k], batch, k) for k in range(len(items))]) \
            if len(batch) else np.zeros(0)
        if y.min(initial=0) == y.max(initial=0):
            continue

        def fold(tr, va):
            ut, uv = _rows(batch, tr), _rows(batch, va)
            if not len(uv):
                return uv, np.zeros(0)
            if y[ut].min() == y[ut].max():
                return uv, np.full(len(uv), float(y[ut].mean()))
            fit = _fit_units(design[ut], level[ut], batch.grams[ut], y[ut], C)
            z = _unit_logits(*fit, design[uv], level[uv], batch.grams[uv])
            return uv, 1.0 / (1.0 + np.exp(-z))

        probability = np.zeros(len(batch))
        for uv, p in Parallel(n_jobs=n_jobs)(delayed(fold)(tr, va) for tr, va in splits):
            probability[uv] = p
        fitted[dim] = probability, [_gold_words(t, r)[1] for t, r in zip(texts, rationales)]
        coef, high, low, intercept = _fit_units(design, level, batch.grams, y, C)
        selector.coef[dim], selector.gram_high[dim], selector.gram_low[dim] = coef, high, low
        selector.intercept[dim] = intercept
    # each dimension's decision: the joint penalty's strength, the rule and the gate threshold
    # with the best mean F1 (ties: the first, simplest), all from out-of-fold probabilities
    for dim, (own, gold) in fitted.items():
        proba = levels[dim][2]
        others = [p for d, (p, _) in fitted.items() if d != dim]
        has = np.array([bool(g) for g in gold], dtype=float)
        best, best_f1 = None, -1.0
        for strength in JOINT_GRID if others else (0.0,):
            probability = joint_penalty(own, others, strength) if strength > 0 else own
            # the gate (does the text have a rationale at all?), out-of-fold
            gates = gate_features(batch, probability, proba)
            has_p = np.ones(len(items))
            if 0 < has.sum() < len(has):
                for tr, va in splits:
                    if has[tr].min() != has[tr].max():
                        coef, intercept = _fit_gate(gates[tr], has[tr])
                        has_p[va] = 1.0 / (1.0 + np.exp(-(gates[va] @ coef + intercept)))
            for rule in grid:
                chosen = choose_units(batch, probability, *rule)
                per_text = _per_text_scores(batch, chosen, unit_words, gold)
                for gate in GATE_GRID:
                    scores = per_text.copy()
                    shut = has_p < gate
                    scores[shut & (has > 0)] = 0.0       # a rationale, and no evidence
                    scores[shut & (has == 0)] = np.nan   # neither: not counted
                    mean = np.nanmean(scores, axis=0) if np.isfinite(scores[:, 0]).any() \
                        else np.zeros(3)
                    if mean[0] > best_f1 + 1e-9:
                        best, best_f1, best_scores = (strength, *rule, gate), mean[0], mean
                        best_gates = gates
        if 0 < has.sum() < len(has):
            selector.gate_coef[dim], selector.gate_intercept[dim] = _fit_gate(best_gates, has)
        else:
            selector.gate_coef[dim] = np.zeros(best_gates.shape[1])
            selector.gate_intercept[dim] = 0.0
            best = (*best[:4], 0.0)
        selector.joint[dim] = float(best[0])
        selector.rule[dim] = tuple(float(x) for x in best[1:])
        f1, p, r = best_scores
        selector.cv[dim] = {"f1": round(float(f1), 4), "precision": round(float(p), 4),
                            "recall": round(float(r), 4)}
        log.info("rationale selector %s: joint penalty %s, rule %s, cross-validated evidence F1 "
                 "%.3f (P %.3f R %.3f)", dim, selector.joint[dim], selector.rule[dim], f1, p, r)
    return selector


def rationale_manifest(selector: RationaleSelector | None) -> dict[str, Any]:
    """What the manifest records about a fitted selector (empty when there is none)."""
    if selector is None:
        return {}
    return {
        "units": "clauses and sentences of the parse (attune.features.clause_units)",
        "params": dict(selector.params),
        "rule": {d: dict(zip(("alpha", "beta", "minimum", "gate"), r)) for d, r in selector.rule.items()},
        "joint_penalty": dict(getattr(selector, "joint", {})),
        "cv_evidence_f1": dict(selector.cv),
    }
