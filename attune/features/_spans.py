"""Span helpers shared by the cue detectors: negation scope, quotation, grouping tokens."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

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


def group_tokens(tokens: Iterable[Token], gap: int = 1) -> list[tuple[int, int]]:
    """Merge tokens that are adjacent (up to ``gap`` tokens apart) into character spans."""
    spans: list[tuple[int, int]] = []
    last_i = None
    for tok in sorted(tokens, key=lambda t: t.i):
        if last_i is not None and tok.i - last_i <= gap and spans:
            spans[-1] = (spans[-1][0], tok.idx + len(tok.text))
        else:
            spans.append((tok.idx, tok.idx + len(tok.text)))
        last_i = tok.i
    return spans


def clause(tok: Token, start_tok: Token | None = None, max_tokens: int = 25) -> tuple[int, int]:
    """Character span from ``start_tok`` (or ``tok``'s left edge) to ``tok``'s right edge,
    kept within its sentence and at most ``max_tokens`` long."""
    sent = tok.sent
    left = start_tok if start_tok is not None else tok.left_edge
    right = tok.right_edge
    lo = max(left.i, sent.start)
    hi = min(right.i, sent.end - 1, lo + max_tokens - 1)
    doc: Doc = tok.doc
    while hi > lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)
