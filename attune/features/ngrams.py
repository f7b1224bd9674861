"""Word n-grams of a reply, with their character spans.

The classifier reads them beside the cue features (a TF-IDF weighting fitted on the training
texts); because every n-gram keeps its spans, an n-gram that moves a score is shown as
evidence like any cue.
"""

from __future__ import annotations

import re

from ._view import DocView

Gram = tuple[str, int, int]

_DIGITS = re.compile(r"\d")


def _norm(word: str) -> str:
    word = word.lower()
    return _DIGITS.sub("0", word) if not word.isalpha() else word


_NORM_OF: dict[int, str] = {}
"""The normal form of a word, by the hash of its lower-case form (``Token.lower``)."""


def _norms(v: DocView, words: list[int]) -> list[str]:
    """The normal forms of the word tokens ``words``: lower case, digits mapped to 0."""
    lower, get = v.lower, _NORM_OF.get
    norms = [get(lower[i]) for i in words]
    if None in norms:
        if len(_NORM_OF) > 500_000:  # bounded, for streams of ever-new words
            _NORM_OF.clear()
        text, idx, ends = v.text, v.idx, v.ends
        for k, i in enumerate(words):
            if norms[k] is None:
                norms[k] = _NORM_OF[lower[i]] = _norm(text[idx[i]:ends[i]])
    return norms


def ngrams(v: DocView) -> list[Gram]:
    """Unigrams and bigrams of words (punctuation and spaces skipped, digits mapped to 0),
    each with the character span it covers."""
    idx, ends, words = v.idx, v.ends, v.words
    norms = _norms(v, words)
    starts = [idx[i] for i in words]
    stops = [ends[i] for i in words]
    grams = list(zip(norms, starts, stops))
    grams += zip(map(" ".join, zip(norms, norms[1:])), starts, stops[1:])
    return grams


def gram_strings(grams: list[Gram]) -> list[str]:
    """The n-gram strings alone (what the TF-IDF vectorizer counts)."""
    return [g for g, _, _ in grams]


def identity(x):
    """Analyzer for a vectorizer fed pre-computed n-grams (module level, so it pickles)."""
    return x
