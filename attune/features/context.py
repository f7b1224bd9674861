"""What the customer's message carries: emotion by family, stakes, repetition, shouting.

These are plain functions of the context ``Doc``; :func:`attune.features.extract` compares
them with the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc

from ._lexicon import CONTEXT_FILE, matcher_for
from ._spans import is_negated

EMOTION_FAMILIES = (
    "anger", "frustration", "anxiety", "grief", "disappointment", "confusion", "repetition"
)
"""Families of negative emotion a customer can express."""

ACRONYMS = frozenset(
    "UK US USA EU ID OK PIN FAQ FAQS SMS TV ATM API VAT GDPR IT NHS GP CEO CFO HR PDF URL "
    "IBAN BIC DD PM AM ETA ASAP RSVP BST GMT UTC CET EST PST NI VIP SIM TSB PO IVA".split()
)


@dataclass
class Signals:
    """Emotion and stakes found in one text, by family, with the words that carried them."""

    families: dict[str, int] = field(default_factory=dict)
    words: dict[str, set[str]] = field(default_factory=dict)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    caps: int = 0
    exclamations: int = 0

    def count(self, family: str) -> int:
        return self.families.get(family, 0)

    @property
    def emotion(self) -> int:
        """How much negative emotion the text carries, over all families."""
        return sum(self.count(f) for f in EMOTION_FAMILIES)


def caps_tokens(doc: Doc) -> list:
    """Tokens written in capitals (two letters or more, not a known acronym)."""
    return [
        t for t in doc
        if t.is_alpha and len(t.text) >= 2 and t.text.isupper() and t.text not in ACRONYMS
    ]


def signals(doc: Doc) -> Signals:
    """Find emotion, stakes and repetition words in ``doc`` (negated ones do not count)."""
    out = Signals()
    matcher = matcher_for(doc.vocab, (CONTEXT_FILE,))
    for match_id, start, end in matcher(doc):
        span = doc[start:end]
        family = doc.vocab.strings[match_id]
        if family != "stakes" and is_negated(span):
            continue
        out.families[family] = out.families.get(family, 0) + 1
        out.words.setdefault(family, set()).add(span.text.lower())
        out.spans.setdefault(family, []).append((span.start_char, span.end_char))
    out.caps = len(caps_tokens(doc))
    out.exclamations = doc.text.count("!")
    if out.caps >= 1:
        out.families["anger"] = out.families.get("anger", 0) + 1
    if out.exclamations >= 2:
        out.families["frustration"] = out.families.get("frustration", 0) + 1
    return out
