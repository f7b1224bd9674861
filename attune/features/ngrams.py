"""Word n-grams of a reply, with their character spans.

The classifier reads them beside the cue features (a TF-IDF weighting fitted on the training
texts); because every n-gram keeps its spans, an n-gram that moves a score is shown as
evidence like any cue.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ._view import DocView

Gram = tuple[str, int, int]

_DIGITS = re.compile(r"\d")


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    word = word.lower()
    return _DIGITS.sub("0", word) if not word.isalpha() else word


def ngrams(v: DocView) -> list[Gram]:
    """Unigrams and bigrams of words (punctuation and spaces skipped, digits mapped to 0),
    each with the character span it covers."""
    text, idx, ends = v.text, v.idx, v.ends
    words = [(_norm(text[idx[i]:ends[i]]), idx[i], ends[i]) for i in v.words]
    bigrams = [(f"{a[0]} {b[0]}", a[1], b[2]) for a, b in zip(words, words[1:])]
    return words + bigrams


def gram_strings(grams: list[Gram]) -> list[str]:
    """The n-gram strings alone (what the TF-IDF vectorizer counts)."""
    return [g for g, _, _ in grams]


def identity(x):
    """Analyzer for a vectorizer fed pre-computed n-grams (module level, so it pickles)."""
    return x
