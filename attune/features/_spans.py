"""Span helpers shared by the cue detectors: negation scope, quotation, grouping tokens."""

from __future__ import annotations

import re
from typing import Sequence

from spacy.strings import StringStore
from spacy.tokens import Doc, Span, Token

from ._view import DocView

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
    # (?<![\w'])'(?=\w)...: a quote not after a word or a quote, written to start with the
    # quote mark, which the regex engine finds by a fast scan
    re.compile(r"'(?<![\w']')(?=\w)[^'\n]{1,400}?(?<=[\w.!?,])'(?![\w])"),
)


# the same as string ids (what ``Token.dep``, ``.lemma`` and ``.norm`` hold)
_ids = StringStore()
_NEG = _ids["neg"]
_NEG_WORD_IDS = frozenset(_ids[w] for w in _NEG_WORDS)
_NEG_IDIOM_IDS = frozenset(_ids[w] for w in _NEG_IDIOMS)
_HEAD_DEP_IDS = frozenset(_ids[d] for d in _HEAD_DEPS)


def _negates(head: Token, start: int, end: int) -> bool:
    """Whether ``head`` has a negation child outside tokens [start, end)."""
    if head.lemma in _NEG_IDIOM_IDS:
        return False
    return any(c.dep == _NEG and not start <= c.i < end for c in head.children)


def is_negated(span: Span) -> bool:
    """True when a negation outside ``span`` scopes over it in the dependency parse.

    Words that are part of the span itself ("not our fault") do not count.
    """
    start, end = span.start, span.end
    for tok in span:
        if _negates(tok, start, end):
            return True
    root = span.root
    head = root.head
    if root.dep in _HEAD_DEP_IDS and not start <= head.i < end and _negates(head, start, end):
        return True
    if start > 0:
        prev = span.doc[start - 1]
        if prev.norm in _NEG_WORD_IDS and prev.head.lemma not in _NEG_IDIOM_IDS:
            return True
    return False


def negated(v: DocView, start: int, end: int) -> bool:
    """:func:`is_negated` for the tokens [start, end) of a :class:`DocView`, read from its
    lists (the same answer, without making a ``Token`` per word)."""
    negs, lemma = v.neg_children, v.lemma
    if negs:
        for t in range(start, end):
            kids = negs.get(t)
            if kids and lemma[t] not in _NEG_IDIOM_IDS and any(not start <= c < end for c in kids):
                return True
        root = span_root(v, start, end)
        head = v.head[root]
        if v.dep[root] in _HEAD_DEP_IDS and not start <= head < end:
            kids = negs.get(head)
            if kids and lemma[head] not in _NEG_IDIOM_IDS and any(not start <= c < end for c in kids):
                return True
    if start > 0:
        prev = start - 1
        if v.norm[prev] in _NEG_WORD_IDS and lemma[v.head[prev]] not in _NEG_IDIOM_IDS:
            return True
    return False


def span_root(v: DocView, start: int, end: int) -> int:
    """The index of ``Span.root`` of tokens [start, end), as spaCy finds it: a sentence root
    inside the span, else the token with a head outside it nearest the root of its sentence
    (a punctuation or space token with no children counts as far), the first of equals."""
    head = v.head
    for i in range(start, end):
        if head[i] == i:
            return i
    n = len(head)
    best, root = n, -1
    for i in range(start, end):
        if start <= head[i] < end:
            continue
        if (v.space[i] or v.punct[i]) and i not in v.has_children:
            steps = n - 1
        else:
            steps, t = 0, i
            while head[t] != t and steps < n:
                t = head[t]
                steps += 1
        if steps < best:
            best, root = steps, i
    return start if root == -1 else root


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
