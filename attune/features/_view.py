"""A flat, list-based view of a parsed ``Doc``: one C-level ``to_array`` call instead of
creating a ``Token`` object per attribute access, which is where pure-Python feature code
spends its time."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import compress

import numpy as np
from spacy.attrs import (DEP, HEAD, IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LEMMA, LENGTH, LIKE_NUM,
                         LOWER, NORM, POS, SENT_START)
from spacy.strings import StringStore
from spacy.tokens import Doc

_ATTRS = [POS, DEP, LOWER, LEMMA, NORM, IS_PUNCT, IS_SPACE, IS_STOP, LIKE_NUM, IS_ALPHA, HEAD, SENT_START, IDX, LENGTH]
_HEAD_COL = _ATTRS.index(HEAD)
_DIGIT = re.compile(r"\d")
_NEG = StringStore()["neg"]


@dataclass
class DocView:
    """Per-token attributes of ``doc`` as Python lists (hash ids for strings, absolute heads)."""

    doc: Doc
    text: str
    pos: list[int]
    dep: list[int]
    lower: list[int]
    lemma: list[int]
    norm: list[int]
    punct: list[int]
    space: list[int]
    stop: list[int]
    num: list[int]
    alpha: list[int]
    head: list[int]
    idx: list[int]
    ends: list[int]
    sent_of: list[int]
    sents: list[tuple[int, int]]

    def __len__(self) -> int:
        return len(self.pos)

    @cached_property
    def words(self) -> list[int]:
        """Indices of the word tokens (neither punctuation nor space)."""
        return [i for i, (p, s) in enumerate(zip(self.punct, self.space)) if not p and not s]

    @cached_property
    def digits(self) -> frozenset[int]:
        """Indices of the tokens whose text contains a digit."""
        text, idx, ends = self.text, self.idx, self.ends
        out = set()
        for m in _DIGIT.finditer(text):
            i = bisect_right(idx, m.start()) - 1
            if i >= 0 and m.start() < ends[i]:
                out.add(i)
        return frozenset(out)

    @cached_property
    def neg_children(self) -> dict[int, list[int]]:
        """Token -> its children with the dependency ``neg``, for the tokens that have any."""
        out: dict[int, list[int]] = {}
        head = self.head
        for i in [i for i, d in enumerate(self.dep) if d == _NEG]:
            if head[i] != i:
                out.setdefault(head[i], []).append(i)
        return out

    @cached_property
    def has_children(self) -> frozenset[int]:
        """Indices of the tokens that head another token."""
        return frozenset(h for i, h in enumerate(self.head) if h != i)

    def sent_chars(self, i: int) -> tuple[int, int]:
        """Character bounds of the sentence of token ``i``."""
        start, end = self.sents[self.sent_of[i]]
        return self.idx[start], self.ends[end - 1]

    def sent_tokens(self, i: int) -> tuple[int, int]:
        """Token bounds [start, end) of the sentence of token ``i``."""
        return self.sents[self.sent_of[i]]


def view(doc: Doc, text: str | None = None) -> DocView:
    """Build the :class:`DocView` of a parsed ``doc``; ``text`` is the string it was parsed
    from, if known (``Doc.text`` is a property that rebuilds it from every token)."""
    n = len(doc)
    if text is None:
        text = doc.text
    if n == 0:
        return DocView(doc, text, *([] for _ in range(14)), [])
    arr = doc.to_array(_ATTRS)
    head = (arr[:, _HEAD_COL].view(np.int64) + np.arange(n)).tolist()  # relative -> absolute
    pos, dep, lower, lemma, norm, punct, space, stop, num, alpha, _, sent_start, idx, length = arr.T.tolist()
    ends = _ends(text, idx, length, space)
    sents: list[tuple[int, int]] = []
    sent_of = [0] * n
    if doc.has_annotation("SENT_START"):
        starts = [i for i, s in enumerate(sent_start) if s == 1 or i == 0]
    else:
        starts = [0]
    bounds = starts + [n]
    for k in range(len(starts)):
        a, b = bounds[k], bounds[k + 1]
        sents.append((a, b))
        sent_of[a:b] = [k] * (b - a)
    return DocView(doc, text, pos, dep, lower, lemma, norm, punct, space, stop, num, alpha, head, idx, ends, sent_of, sents)


def _ends(text: str, idx: list[int], length: list[int], space: list[int]) -> list[int]:
    """End character of every token; a whitespace token runs to the next token (or the end of
    the text), to cover the whitespace spaCy attaches to it. (spaCy's tokenizer keeps
    whitespace out of every other token.)"""
    ends = list(map(int.__add__, idx, length))
    last = len(idx) - 1
    for i in compress(range(len(idx)), space):
        ends[i] = idx[i + 1] if i < last else len(text)
    return ends
