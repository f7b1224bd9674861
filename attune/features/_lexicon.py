"""Lexicons: TSV files inside the package, compiled once per spaCy vocabulary.

Plain phrases go into a ``PhraseMatcher`` on ``NORM`` (hash lookups, cheap at any lexicon size);
the few terms with a gap (``*``) or a number slot (``#``) become a regular expression over the
lower-cased text, whose matches are snapped to token boundaries. Terms are tokenised with the
target pipeline's own vocabulary, so its norm table (which maps "apologise" to "apologize",
"'re" to "are") applies to terms and texts alike.
"""

from __future__ import annotations

import csv
import itertools
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..dimensions import DIMENSIONS

LEXICON_FILES = (*DIMENSIONS, "general")
"""One lexicon file per dimension, plus general cues (time expressions, hedges)."""
CONTEXT_FILE = "context"

# spaCy leaves the ambiguous clitics "'s" and "'d" un-normalised: a term written with "is" or
# "has" also matches "'s", one with "would" or "had" also matches "'d".
_CLITICS = {"is": ("is", "'s"), "has": ("has", "'s"), "would": ("would", "'d"), "had": ("had", "'d")}


@dataclass(frozen=True)
class Cue:
    """One row of ``cues.tsv``: a cue's dimension, its sign and its suggestion."""

    name: str
    dimension: str
    sign: int
    description: str
    suggestion: str | None


def _rows(name: str) -> Iterator[dict[str, str]]:
    ref = resources.files("attune.features") / "lexicons" / f"{name}.tsv"
    with ref.open("r", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield row


@lru_cache(maxsize=None)
def cue_table() -> dict[str, Cue]:
    """All cues by name, from ``lexicons/cues.tsv``."""
    table = {}
    for row in _rows("cues"):
        table[row["cue"]] = Cue(
            name=row["cue"],
            dimension=row["dimension"],
            sign=1 if row["sign"].strip() == "+" else -1,
            description=row["description"],
            suggestion=(row.get("suggestion") or "").strip() or None,
        )
    return table


@lru_cache(maxsize=None)
def lexicon_terms(files: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(cue, term) pairs of the given lexicon files, in file order."""
    return tuple(
        (row["cue"].strip(), row["term"].strip())
        for name in files
        for row in _rows(name)
        if row["term"].strip()
    )


def expand_term(term: str) -> list[str]:
    """The phrase variants of a term without gaps: ``a|b`` alternatives and clitic forms.

    >>> expand_term("that is on us")
    ['that is on us', "that 's on us"]
    >>> expand_term("by monday|friday")
    ['by monday', 'by friday']
    """
    options = []
    for word in term.split():
        alts = word.split("|")
        options.append([form for a in alts for form in _CLITICS.get(a, (a,))])
    return [" ".join(words) for words in itertools.product(*options)]


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "a few")
_NUMBER_RE = r"(?:[£$€]?\d[\d,.:]*|" + "|".join(_NUMBER_WORDS) + ")"
_ANY_DIGIT = re.compile(r"\d")


def compile_regex(term: str) -> str:
    """A regular expression for a term with a gap (``*``: up to three words) or a number slot
    (``#``), matched against lower-cased text.

    >>> bool(re.search(compile_regex("only # left"), "only 3 left in stock"))
    True
    >>> bool(re.search(compile_regex("we take * seriously"), "we take your privacy very seriously"))
    True
    """
    parts = []
    for word in term.split():
        if word == "*":
            parts.append(r"(?:\S+\s+){0,3}?")
            continue
        if word == "#":
            parts.append(_NUMBER_RE + r"\s*")
            continue
        alts = "|".join(re.escape(a) for a in word.split("|"))
        parts.append(f"(?:{alts})" + r"\s+")
    pattern = "".join(parts)
    pattern = re.sub(r"(\\s\+|\\s\*)$", "", pattern)
    return r"\b" + pattern + r"\b"


_SOME_DIGIT = "#"  # stands for "a digit" among the words a text must contain


def required_words(term: str) -> tuple[frozenset[str], ...]:
    """What lower-cased text must contain to match the regular expression of ``term``: for
    each word of the term, one of its alternatives; for a number slot, a digit (written
    ``#``) or a number word. The longest words, the rarest, come first.

    >>> [sorted(words) for words in required_words("we take * seriously|gravely")]
    [['gravely', 'seriously'], ['take'], ['we']]
    """
    slots = [frozenset((_SOME_DIGIT, *_NUMBER_WORDS) if word == "#" else word.split("|"))
             for word in term.split() if word != "*"]
    return tuple(sorted(slots, key=lambda words: -min(map(len, words))))


def _contains_all(lower: str, required: tuple[frozenset[str], ...]) -> bool:
    """Whether ``lower`` contains a word of each set in ``required`` (see
    :func:`required_words`): a cheap test that skips most expressions on most texts."""
    contains = lower.__contains__
    for words in required:
        if _SOME_DIGIT in words and _ANY_DIGIT.search(lower) is not None:
            continue
        if not any(map(contains, words)):
            return False
    return True


class LexiconMatcher:
    """Matches the terms of some lexicon files in a ``Doc``: ``matcher(doc)`` returns
    ``(cue, start, end)`` token spans."""

    def __init__(self, vocab: Vocab, files: tuple[str, ...]):
        import spacy

        tokenizer = spacy.blank("en", vocab=vocab).tokenizer
        self.vocab = vocab
        self.phrases = PhraseMatcher(vocab, attr="NORM")
        phrase_docs: dict[str, list[Doc]] = {}
        self.regexes: list[tuple[str, re.Pattern]] = []
        self._required: list[tuple[frozenset[str], ...]] = []  # one per regex
        for cue, term in lexicon_terms(files):
            if "*" in term.split() or "#" in term.split():
                self.regexes.append((cue, re.compile(compile_regex(term))))
                self._required.append(required_words(term))
            else:
                phrase_docs.setdefault(cue, []).extend(tokenizer(v) for v in expand_term(term))
        for cue, docs in phrase_docs.items():
            self.phrases.add(cue, docs)

    def __call__(self, doc: Doc, text: str | None = None) -> list[tuple[str, int, int]]:
        strings = self.vocab.strings
        found = [(strings[m], s, e) for m, s, e in self.phrases(doc)]
        if self.regexes:
            lower = (doc.text if text is None else text).lower()
            for (cue, rx), required in zip(self.regexes, self._required):
                if not _contains_all(lower, required):
                    continue  # a word the expression needs is missing
                for m in rx.finditer(lower):
                    span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                    if span is not None and len(span):
                        found.append((cue, span.start, span.end))
        return found


_matchers: dict[tuple[int, tuple[str, ...]], tuple[Vocab, LexiconMatcher]] = {}
_lock = threading.Lock()


def matcher_for(vocab: Vocab, files: tuple[str, ...] = LEXICON_FILES) -> LexiconMatcher:
    """The compiled matcher for ``files`` over ``vocab``, built on first use and cached."""
    key = (id(vocab), files)
    hit = _matchers.get(key)
    if hit is not None and hit[0] is vocab:
        return hit[1]
    with _lock:
        hit = _matchers.get(key)
        if hit is None or hit[0] is not vocab:
            hit = (vocab, LexiconMatcher(vocab, files))
            _matchers[key] = hit
        return hit[1]
