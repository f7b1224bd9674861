"""Cutting a reply into units (clauses and sentences): the candidates for evidence.

A unit is a sentence, or a part of one: a sentence is cut before and after a clause of its
own (a conjoined clause with its own subject, an adverbial clause such as "if you'd prefer",
a parenthetical), before and after a complement or relative clause set off by punctuation, after
a semicolon, colon, dash or bracket, and at line breaks. Units are read from the parse already
made, so they cost a pass over the tokens and the edges of a few clause heads.
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.strings import StringStore
from spacy.symbols import AUX, VERB

from ._view import DocView

_ids = StringStore()
_SUBJECTS = frozenset(_ids[d] for d in ("nsubj", "nsubjpass", "expl", "csubj"))
_CONJ = _ids["conj"]
_CC = _ids["cc"]
_OWN_CLAUSE = frozenset(_ids[d] for d in ("advcl", "parataxis"))
_SET_OFF_CLAUSE = frozenset(_ids[d] for d in ("ccomp", "relcl"))
_CLAUSE_DEPS = frozenset({_CONJ}) | _OWN_CLAUSE | _SET_OFF_CLAUSE
_BREAKS = frozenset({";", ":", "—", "–", "-", "--", "(", ")"})
_HYPHENS = frozenset({"-", "--"})
_SET_OFF = frozenset({",", ";", ":", "—", "–", "-", "--"})
_FINAL = frozenset({".", "!", "?", "…"})

Unit = tuple[int, int, int, int]
"""``(start, end, sentence, words)``: character offsets, sentence index, number of words."""


def clause_units(v: DocView) -> list[Unit]:
    """The units of a parsed reply, in text order, trimmed of the punctuation, spaces and
    coordinating conjunctions at their edges (a sentence-final ``.``, ``!`` or ``?`` is kept).

    >>> import spacy                                                      # doctest: +SKIP
    >>> from attune.features._view import view                            # doctest: +SKIP
    >>> doc = nlp("I can see why you're fuming, and I'll call you at 8am.") # doctest: +SKIP
    >>> [doc.text[s:e] for s, e, _, _ in clause_units(view(doc))]        # doctest: +SKIP
    ["I can see why you're fuming", "I'll call you at 8am."]
    """
    n = len(v)
    if n == 0:
        return []
    text, dep, head, punct, space, idx, ends = v.text, v.dep, v.head, v.punct, v.space, v.idx, v.ends
    cuts = bytearray(n + 1)
    for a, _ in v.sents:
        cuts[a] = 1
    cuts[n] = 1
    for i in [i for i, p in enumerate(punct) if p]:
        mark = text[idx[i]:ends[i]]
        if mark in _BREAKS and (mark not in _HYPHENS or (i and idx[i] > ends[i - 1])):
            cuts[i + 1] = 1  # a hyphen inside a word ("check-in") is no break
    for i in [i for i, s in enumerate(space) if s and not punct[i]]:
        if "\n" in text[idx[i]:ends[i] + 1]:
            cuts[i] = cuts[i + 1] = 1
    heads = [i for i, d in enumerate(dep) if d in _CLAUSE_DEPS and head[i] != i]
    if heads:
        subject_of = {head[i] for i, d in enumerate(dep) if d in _SUBJECTS}
        doc = v.doc
        for i in heads:
            d = dep[i]
            if d == _CONJ and (v.pos[i] not in (VERB, AUX) or i not in subject_of):
                continue  # "refund it and invite you back": one clause, two verbs
            tok = doc[i]
            left, right = tok.left_edge.i, tok.right_edge.i
            if d in _SET_OFF_CLAUSE and not (
                left > 0 and punct[left - 1] and text[idx[left - 1]:ends[left - 1]] in _SET_OFF
            ):
                continue  # "I can see why you're fuming" stays whole
            cuts[left] = 1
            cuts[right + 1] = 1
    units: list[Unit] = []
    sent_of, words = v.sent_of, v.words
    a = 0
    for b in [b for b in range(1, n + 1) if cuts[b]]:
        lo, hi = a, b
        a = b
        while lo < hi and (punct[lo] or space[lo] or dep[lo] == _CC):
            lo += 1
        while hi > lo and (punct[hi - 1] or space[hi - 1] or dep[hi - 1] == _CC):
            hi -= 1
        if lo == hi:
            continue
        n_words = bisect_left(words, hi) - bisect_left(words, lo)
        while hi < b and punct[hi] and text[idx[hi]:ends[hi]] in _FINAL:
            hi += 1
        units.append((idx[lo], ends[hi - 1], sent_of[lo], n_words))
    return units
