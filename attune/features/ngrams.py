"""Word n-grams of a reply, with their character spans.

The classifier reads them beside the cue features (a TF-IDF weighting fitted on the training
texts); because every n-gram keeps its spans, an n-gram that moves a score is shown as
evidence like any cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ._view import DocView

Gram = tuple[str, int, int]


class Grams(Sequence):
    """A text's word n-grams: a sequence of ``(gram, start, end)``, stored as three lists.

    A scored batch keeps the n-grams of a few hundred texts alive at once; three lists of
    strings and integers per text are three objects for Python's garbage collector to track,
    where a tuple per n-gram were a hundred or more, and the collector's full passes over them
    cost a quarter of a millisecond per text.

    >>> g = Grams(["refund", "sent", "refund sent"], [0, 7, 0], [6, 11, 11])
    >>> g[2], len(g)
    (('refund sent', 0, 11), 3)
    """

    __slots__ = ("strings", "starts", "ends")

    def __init__(self, strings: Sequence[str] = (), starts: Sequence[int] = (),
                 ends: Sequence[int] = ()):
        if not len(strings) == len(starts) == len(ends):
            raise ValueError("strings, starts and ends must have the same length")
        self.strings = list(strings)
        self.starts = list(starts)
        self.ends = list(ends)

    def __len__(self) -> int:
        return len(self.strings)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Grams(self.strings[i], self.starts[i], self.ends[i])
        return self.strings[i], self.starts[i], self.ends[i]

    def __iter__(self) -> Iterator[Gram]:
        return zip(self.strings, self.starts, self.ends)

    def __eq__(self, other) -> bool:
        if isinstance(other, Grams):
            return (self.strings, self.starts, self.ends) == (other.strings, other.starts, other.ends)
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Grams({list(self)!r})"

    def __getstate__(self):
        return self.strings, self.starts, self.ends

    def __setstate__(self, state) -> None:
        self.strings, self.starts, self.ends = state

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


def ngrams(v: DocView) -> Grams:
    """Unigrams and bigrams of words (punctuation and spaces skipped, digits mapped to 0),
    each with the character span it covers."""
    idx, ends, words = v.idx, v.ends, v.words
    norms = _norms(v, words)
    starts = [idx[i] for i in words]
    stops = [ends[i] for i in words]
    return Grams(norms + list(map(" ".join, zip(norms, norms[1:]))),
                 starts + starts[:-1], stops + stops[1:])


def gram_strings(grams: Sequence[Gram]) -> list[str]:
    """The n-gram strings alone (what the TF-IDF vectorizer counts)."""
    if isinstance(grams, Grams):
        return grams.strings
    return [g for g, _, _ in grams]


def identity(x):
    """Analyzer for a vectorizer fed pre-computed n-grams (module level, so it pickles)."""
    return x
