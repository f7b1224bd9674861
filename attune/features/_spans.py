"""Span helpers shared by the cue detectors: negation scope, quotation, grouping tokens."""

from __future__ import annotations

import re
from typing import Sequence

from spacy.tokens import Doc, Span, Token

_NEG_WORDS = frozenset({"not", "n't", "never", "no", "nothing", "nor", "neither"})
# heads whose negation does not negate what follows ("don't hesitate to let me know")
_NEG_IDIOMS = frozenset({"hesitate"})
_HEAD_DEPS = frozenset(
    {"acomp", "attr", "xcomp", "dobj", "ccomp", "oprd", "advmod", "prep", "pobj", "npadvmod",
     "amod", "nsubj", "nsubjpass"}
)

_QUOTE_PATTERNS = (
    re.compile(r'"[^"\n]{1,400}"'),
    re.compile(r"“[^”\n]{1,400}”"),
    re.compile(r"‘[^’\n]{1,400}’"),
    re.compile(r"(?<![\w'])'(?=\w)[^'\n]{1,400}?(?<=[\w.!?,])'(?![\w])"),
)


def _negates(head: Token, inside: set[int]) -> bool:
    if head.lemma_ in _NEG_IDIOMS:
        return False
    return any(c.dep_ == "neg" and c.i not in inside for c in head.children)


def is_negated(span: Span) -> bool:
    """True when a negation outside ``span`` scopes over it in the dependency parse.

    Words that are part of the span itself ("not our fault") do not count.
    """
    inside = set(range(span.start, span.end))
    for tok in span:
        if _negates(tok, inside):
            return True
    root = span.root
    if root.dep_ in _HEAD_DEPS and root.head.i not in inside and _negates(root.head, inside):
        return True
    if span.start > 0:
        prev = span.doc[span.start - 1]
        if prev.norm_ in _NEG_WORDS and prev.head.lemma_ not in _NEG_IDIOMS:
            return True
    return False


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of text in quotation marks (double, curly, or paired single quotes)."""
    ranges: list[tuple[int, int]] = []
    for pattern in _QUOTE_PATTERNS:
        ranges.extend(m.span() for m in pattern.finditer(text))
    return sorted(ranges)


def inside(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) lies within one of ``ranges``."""
    return any(s <= start and end <= e for s, e in ranges)


def clause(tok: Token, start_tok: Token | None = None, max_tokens: int = 25,
           sent: tuple[int, int] | None = None) -> tuple[int, int]:
    """Character span from ``start_tok`` (or ``tok``'s left edge) to ``tok``'s right edge,
    kept within its sentence (token bounds ``sent``) and at most ``max_tokens`` long."""
    doc: Doc = tok.doc
    if sent is None:
        s = tok.sent
        sent = (s.start, s.end)
    left = start_tok if start_tok is not None else tok.left_edge
    lo = max(left.i, sent[0])
    hi = min(tok.right_edge.i, sent[1] - 1, lo + max_tokens - 1)
    while hi > lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)
