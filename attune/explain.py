"""From feature contributions to evidence spans and a suggestion, per dimension.

Evidence is the units of the text (clauses and sentences) that the model's rationale selector
picks for a dimension (:mod:`attune.model.rationale`), each with the signed sum of the
contributions located in it. A model without a selector (trained before it existed, or on
data without rationales) falls back to :func:`evidence_for`: the spans of the cues and word
n-grams that moved the score most.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .dimensions import HIGH_FROM, MAX_LEVEL
from .features import Features, cue_columns, cue_table
from .result import Evidence

if TYPE_CHECKING:
    from .model import AttuneModel
    from .model.rationale import UnitBatch

MIN_EFFECT = 0.5
"""Evidence moves a score by at least this many points (0-100 scale) to be reported."""

MIN_EFFECT_PHRASE = 1.5
"""A word n-gram is reported when it moves a score at least this many points."""

MAX_PHRASES = 4
"""At most this many n-grams are reported per dimension."""

MIN_EFFECT_OTHER = 2.0
"""A cue that belongs to another dimension (a commitment moving empathy, say) is reported
only when it moves the score at least this much."""

GENERIC_SUGGESTIONS = {
    "awareness": "Acknowledge what the customer is feeling and what is at stake for them.",
    "turning_toward": "Put the customer's concern first and commit to a concrete next step.",
    "tolerance": "Treat the customer's view as legitimate, and leave the choice with them.",
    "understanding": "Show you read the message: restate the specifics, or ask a checking question.",
    "non_defensiveness": "Own the company's part plainly, without excuses or policy.",
    "empathy": "Respond in a warm, human voice: validate the reaction and sign with your name.",
}


def unit_batch_for(model: "AttuneModel", texts: Sequence[str], features: Sequence[Features],
                   grams=None) -> "UnitBatch | None":
    """The units of a batch of texts, when ``model`` has a rationale selector (else None);
    ``grams`` is ``model.gram_index(features)``, when the caller has it."""
    if getattr(model, "rationale", None) is None:
        return None
    from .model.rationale import unit_batch

    return unit_batch(model.feature_names, model.ngram_vocabulary, texts, features,
                      model.rationale.cues, grams)


def unit_readings(model: "AttuneModel", dimension: str, contributions, levels: np.ndarray,
                  units: "UnitBatch | None") -> tuple[np.ndarray, np.ndarray] | None:
    """What the rationale selector reads of ``dimension`` in a batch's units: the located
    contributions (:meth:`~attune.model.rationale.UnitBatch.located`) and each unit's
    probability of being a rationale; None when there is no selector for the dimension."""
    selector = getattr(model, "rationale", None)
    if units is None or selector is None or dimension not in selector.coef:
        return None
    located = units.located(contributions)
    design, level = units.design(located, levels @ np.arange(MAX_LEVEL + 1.0))
    return located, selector.probability(dimension, units, design, level)


def evidence_by_dimension(model: "AttuneModel", texts: Sequence[str], features: Sequence[Features],
                          levels: dict, units: "UnitBatch | None" = None
                          ) -> dict[str, list[tuple[Evidence, ...]]]:
    """The evidence of every dimension of ``levels`` for each text of a batch, as the scorer
    reports it: ``levels`` maps a dimension to its ``(level probabilities, contributions)``
    (see :func:`batch_evidence`), and the selector chooses a dimension's units once all of
    them have read the batch (:func:`unit_readings`)."""
    readings = {dim: unit_readings(model, dim, contrib, proba, units)
                for dim, (proba, contrib) in levels.items()}
    return {dim: batch_evidence(model, dim, texts, features, contrib, proba, units, readings)
            for dim, (proba, contrib) in levels.items()}


def batch_evidence(
    model: "AttuneModel",
    dimension: str,
    texts: Sequence[str],
    features: Sequence[Features],
    contributions,
    levels: np.ndarray,
    units: "UnitBatch | None" = None,
    readings: "dict[str, tuple[np.ndarray, np.ndarray] | None] | None" = None,
) -> list[tuple[Evidence, ...]]:
    """The evidence of ``dimension`` for each text of a batch, strongest first.

    ``contributions`` has one row per text, dense or sparse (the level model's
    ``level_proba_and_contributions``), and ``levels`` the texts' probabilities of the levels
    0-3;
    ``units`` is :func:`unit_batch_for` of the batch, built once for the six dimensions.
    ``readings`` maps dimensions to their :func:`unit_readings` of the batch: the selector
    lowers a unit's probability where other dimensions find it more probable
    (:func:`~attune.model.rationale.joint_penalty`), so the scorer passes all six; this
    dimension's reading is computed from ``contributions`` when it is missing (its
    ``contributions`` may then be None).
    """
    selector = getattr(model, "rationale", None)
    readings = readings or {}
    own = readings.get(dimension)
    if own is None:
        own = unit_readings(model, dimension, contributions, levels, units)
    if own is None:
        return [evidence_for(dimension, text, f, model.feature_names, _row(contributions, k),
                             model.ngram_vocabulary) for k, (text, f) in enumerate(zip(texts, features))]
    located, probability = own
    others = [r[1] for d, r in readings.items() if d != dimension and r is not None]
    chosen = selector.choose(dimension, units, probability, levels, others)
    effect = np.bincount(units.loc_unit, located, minlength=len(units))
    moved = np.bincount(units.loc_unit, np.abs(located), minlength=len(units)) > 0
    picked = np.flatnonzero(chosen & moved)
    # per text, strongest first (a stable sort: of equal ones, the first in the text)
    picked = picked[np.lexsort((-np.abs(effect[picked]), units.item[picked]))]
    cues = _strongest_cues(dimension, units, located, chosen, selector.cues)
    out: list[list[Evidence]] = [[] for _ in texts]
    for u, k, start, end, points in zip(picked.tolist(), units.item[picked].tolist(),
                                        units.start[picked].tolist(), units.end[picked].tolist(),
                                        effect[picked].tolist()):
        out[k].append(Evidence(start, end, texts[k][start:end], cues.get(u, "phrase"),
                               dimension, points))
    return [tuple(ev) for ev in out]


def _strength(e: Evidence) -> float:
    return -abs(e.effect)


def _row(contributions, k: int) -> np.ndarray:
    """Row ``k`` of a dense or sparse contributions matrix, as a dense vector."""
    if hasattr(contributions, "toarray"):
        return contributions[k].toarray().ravel()
    return contributions[k]


def _strongest_cues(dimension, units, located, chosen, cue_names) -> dict[int, str]:
    """For each chosen unit, the cue whose located contribution is largest among those that
    moved the score the way the codebook says they should (a cue of ``dimension`` first; of
    equal ones, the first located)."""
    keep = np.flatnonzero(chosen[units.loc_unit] & (units.loc_cue >= 0) & (located != 0))
    if not len(keep):
        return {}
    sign, own = _cue_signs(tuple(cue_names), dimension)
    # the located entries of each (unit, cue), summed in order of location
    pairs, first, inverse = np.unique(units.loc_unit[keep] * len(sign) + units.loc_cue[keep],
                                      return_index=True, return_inverse=True)
    totals = np.bincount(inverse.ravel(), located[keep], minlength=len(pairs))
    unit, cue = np.divmod(pairs, len(sign))
    agree = totals * sign[cue] > 0
    unit, cue, totals, first = unit[agree], cue[agree], totals[agree], first[agree]
    # per unit: own dimension's cues first, then the largest, then the first located
    order = np.lexsort((first, -np.abs(totals), ~own[cue], unit))
    best = order[np.r_[True, unit[order][1:] != unit[order][:-1]]] if len(order) else order
    return {int(unit[b]): cue_names[cue[b]] for b in best}


@lru_cache(maxsize=64)
def _cue_signs(cue_names: tuple[str, ...], dimension: str) -> tuple[np.ndarray, np.ndarray]:
    """Per cue of ``cue_names``: its sign in the codebook (0 for a name that is not a listed
    cue) and whether it belongs to ``dimension``."""
    table = cue_table()
    sign = np.array([table[c].sign if c in table else 0 for c in cue_names], dtype=np.float64)
    own = np.array([c in table and table[c].dimension == dimension for c in cue_names], dtype=bool)
    return sign, own


def evidence_for(
    dimension: str,
    text: str,
    features: Features,
    feature_names: tuple[str, ...],
    contributions: np.ndarray,
    vocabulary: dict[str, int] | None = None,
) -> tuple[Evidence, ...]:
    """The spans behind the features that moved ``dimension``, strongest first.

    Only cues present in the text have spans. An effect is reported when its sign agrees with
    the cue's meaning in the codebook (a positive cue raising the score, a negative one lowering
    it); the model's weight is split evenly over the cue's spans.
    """
    table = cue_table()
    scale = 100.0 / MAX_LEVEL
    out: list[Evidence] = []
    by_cue = cue_columns(feature_names)
    for cue, spans in features.hits.items():
        if not spans:
            continue
        info = table.get(cue)
        for j in by_cue.get(cue, ()):
            effect = float(contributions[j]) * scale
            if info is not None and effect * info.sign <= 0:
                continue
            own = info is not None and info.dimension == dimension
            if abs(effect) < (MIN_EFFECT if own else MIN_EFFECT_OTHER):
                continue
            share = effect / len(spans)
            for start, end in spans:
                out.append(Evidence(start, end, text[start:end], cue, dimension, share))
    out.extend(_phrase_evidence(dimension, text, features, len(feature_names), contributions,
                                vocabulary or {}))
    merged: dict[tuple[int, int, str], Evidence] = {}
    for e in out:
        key = (e.start, e.end, e.cue)
        if key in merged:
            prev = merged[key]
            merged[key] = Evidence(e.start, e.end, e.text, e.cue, dimension, prev.effect + e.effect)
        else:
            merged[key] = e
    return tuple(sorted(merged.values(), key=_strength))


GENERIC_SUGGESTIONS_NO_CONTEXT = {
    "awareness": "Show you know the reader's situation: what they are likely to feel or need right now.",
    "turning_toward": "Lead with what the reader needs and one concrete next step, with a date or time.",
    "tolerance": "Leave the choice with the reader: no countdowns or guilt, and an easy way to say no.",
    "understanding": "Be specific to the reader: their plan, order, date or amount, not generic claims.",
    "non_defensiveness": "If something went wrong for the reader recently, own it plainly before asking anything.",
    "empathy": "Write warmly as a named person, in your own voice, without fake familiarity.",
}
"""Suggestions for a text with no customer message (a marketing e-mail, a statement)."""

REPLY_ONLY_CUES = frozenset({
    "emotion_named", "emotion_echo", "stakes_reflected", "repetition_noticed", "emotion_ignored",
    "emotion_unprompted", "formulaic_understanding", "restatement", "detail_carried",
    "clarifying_question", "apology", "full_apology", "early_address", "validation", "ownership",
})
"""Positive or missing-cue suggestions that only make sense in answer to a customer message."""


@lru_cache(maxsize=16)
def _dimension_cues(feature_names: tuple[str, ...], dimension: str) -> tuple[tuple[int, str], ...]:
    """(feature index, cue name) of the cues of ``dimension`` that carry a suggestion."""
    table = cue_table()
    return tuple((j, name) for j, name in enumerate(feature_names)
                 if name in table and table[name].dimension == dimension and table[name].suggestion)


def _gram_spans(features: Features, vocabulary: dict[str, int]):
    """The text's n-grams that the model knows: their column indices (an array) and, per
    index, the n-gram's spans. Computed once per text and reused for the six dimensions."""
    cached = features.__dict__.get("_gram_spans")
    if cached is not None and cached[0] is vocabulary:
        return cached[1], cached[2]
    spans: dict[int, list[tuple[int, int]]] = {}
    for gram, start, end in features.grams:
        j = vocabulary.get(gram)
        if j is not None:
            spans.setdefault(j, []).append((start, end))
    columns = np.fromiter(spans, dtype=np.int64, count=len(spans))
    features.__dict__["_gram_spans"] = (vocabulary, columns, spans)
    return columns, spans


def _phrase_evidence(dimension, text, features, n_dense, contributions, vocabulary) -> list[Evidence]:
    """Evidence from word n-grams: the strongest few, each at its occurrences in the text."""
    if not vocabulary:
        return []
    columns, spans = _gram_spans(features, vocabulary)
    if not len(columns):
        return []
    effects = contributions[n_dense + columns] * (100.0 / MAX_LEVEL)
    strong = np.flatnonzero(np.abs(effects) >= MIN_EFFECT_PHRASE)
    if not len(strong):
        return []
    top = strong[np.argsort(-np.abs(effects[strong]), kind="stable")[:MAX_PHRASES]]
    out = []
    for k in top:
        where = spans[int(columns[k])]
        effect = float(effects[k])
        for start, end in where:
            out.append(Evidence(start, end, text[start:end], "phrase", dimension, effect / len(where)))
    return out


@lru_cache(maxsize=64)
def _suggestion_cues(feature_names: tuple[str, ...], dimension: str):
    """The dimension's cues that carry a suggestion, as arrays: their names, feature columns,
    whether each lowers the score, whether it only applies to replies, and the suggestion."""
    table = cue_table()
    cues = _dimension_cues(feature_names, dimension)
    names = tuple(name for _, name in cues)
    return (names,
            np.array([j for j, _ in cues], dtype=np.intp),
            np.array([table[n].sign < 0 for n in names], dtype=bool),
            np.array([n in REPLY_ONLY_CUES for n in names], dtype=bool),
            tuple(table[n].suggestion for n in names))


def batch_suggestions(
    dimension: str,
    scores: Sequence[float],
    features: Sequence[Features],
    feature_names: tuple[str, ...],
    contributions: np.ndarray,
    values: np.ndarray,
) -> list[str | None]:
    """What to change in each text of a batch: None for a score at "high" or above, else the
    suggestion of the costliest cue of ``dimension`` among those that can cost (a
    negative cue present, a positive cue missing; a cue about the customer's message only in
    a reply), or the dimension's generic suggestion when none cost anything.

    ``contributions`` holds the cue features' contributions, one row per text (at least the
    columns of ``feature_names``); ``values`` the texts' feature values in the same columns.
    """
    out: list[str | None] = [None] * len(scores)
    low = [k for k, s in enumerate(scores) if s < HIGH_FROM]
    if not low:
        return out
    names, cols, negative, reply_only, texts = _suggestion_cues(feature_names, dimension)
    rows = [features[k] for k in low]
    replying = np.array([f.values.get("has_context", 0.0) > 0 for f in rows], dtype=bool)
    if len(cols):
        present = np.asarray(values)[np.ix_(low, cols)] > 0
        position = {n: m for m, n in enumerate(names)}
        for r, f in enumerate(rows):  # a cue with spans is present whatever its value
            for name, spans in f.hits.items():
                if spans and name in position:
                    present[r, position[name]] = True
        can_cost = (present == negative) & ~(reply_only & ~present & ~replying[:, None])
        effects = np.where(can_cost, np.asarray(contributions)[low][:, cols], 0.0)
        worst = effects.argmin(axis=1)  # the first of equal minima, as a scan in cue order
        costs = effects[np.arange(len(low)), worst]
    generic = GENERIC_SUGGESTIONS, GENERIC_SUGGESTIONS_NO_CONTEXT
    for r, k in enumerate(low):
        if len(cols) and costs[r] < 0:
            out[k] = texts[worst[r]]
        else:
            out[k] = generic[0 if replying[r] else 1][dimension]
    return out
