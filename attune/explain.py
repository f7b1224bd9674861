"""From feature contributions to evidence spans and a suggestion, per dimension."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .dimensions import HIGH_FROM, MAX_LEVEL
from .features import Features, cue_table, feature_cue
from .result import Evidence

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
    by_cue = _features_by_cue(feature_names)
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
    return tuple(sorted(merged.values(), key=lambda e: -abs(e.effect)))


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
def _features_by_cue(feature_names: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Cue name -> indices of the features whose evidence it provides."""
    out: dict[str, list[int]] = {}
    for j, name in enumerate(feature_names):
        cue = feature_cue(name)
        if cue:
            out.setdefault(cue, []).append(j)
    return {k: tuple(v) for k, v in out.items()}


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


def suggestion_for(
    dimension: str,
    score: float,
    features: Features,
    feature_names: tuple[str, ...],
    contributions: np.ndarray,
) -> str | None:
    """What to change, when the score is below "high": the suggestion of the cue of this
    dimension that cost the most (a negative cue present, or a positive cue missing)."""
    if score >= HIGH_FROM:
        return None
    table = cue_table()
    replying = features.values.get("has_context", 0.0) > 0
    best, best_effect = None, 0.0
    for j, name in _dimension_cues(feature_names, dimension):
        info = table[name]
        present = bool(features.hits.get(name)) or features.values.get(name, 0.0) > 0
        if (info.sign < 0) != present:
            continue
        if not replying and not present and name in REPLY_ONLY_CUES:
            continue  # do not ask a marketing e-mail to echo a customer who never wrote
        effect = float(contributions[j])
        if effect < best_effect:
            best, best_effect = info.suggestion, effect
    return best or (GENERIC_SUGGESTIONS if replying else GENERIC_SUGGESTIONS_NO_CONTEXT)[dimension]
