"""Lexicons: TSV files inside the package, compiled once per spaCy vocabulary.

Plain phrases go into a ``PhraseMatcher`` on ``NORM`` (hash lookups, cheap at any lexicon size);
the few terms with a gap (``*``) or a number slot (``#``) go into a token ``Matcher``. Terms are
tokenised with the target pipeline's own vocabulary, so its norm table (which maps "apologise"
to "apologize", "'re" to "are") applies to terms and texts alike.
"""

from __future__ import annotations

import csv
import itertools
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..dimensions import DIMENSIONS

LEXICON_FILES = (*DIMENSIONS, "general")
"""One lexicon file per dimension, plus general cues (time expressions, hedges)."""
CONTEXT_FILE = "context"

_GAP = {"OP": "{0,3}"}
_NUMBER = {"LIKE_NUM": True}
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


def _token_pattern(word: str, tokenize) -> list[dict]:
    if word == "*":
        return [_GAP]
    if word == "#":
        return [_NUMBER]
    alternatives = [[t.norm_ for t in tokenize(a)] for a in word.split("|")]
    if all(len(a) == 1 for a in alternatives):
        norms = sorted({n for a in alternatives for n in _CLITICS.get(a[0], (a[0],))} |
                       {a[0] for a in alternatives})
        return [{"NORM": norms[0]} if len(norms) == 1 else {"NORM": {"IN": norms}}]
    if len(alternatives) == 1:
        return [{"NORM": n} for n in alternatives[0]]
    raise ValueError(f"alternatives in {word!r} must each be one token")


def compile_term(term: str, tokenize) -> list[dict]:
    """A token-Matcher pattern for a term with a gap or a number slot."""
    pattern: list[dict] = []
    for chunk in term.split():
        if chunk in ("*", "#") or "|" in chunk:
            pattern.extend(_token_pattern(chunk, tokenize))
        else:
            pattern.extend(
                {"NORM": {"IN": sorted(set(_CLITICS.get(t.norm_, (t.norm_,))))}}
                if t.norm_ in _CLITICS else {"NORM": t.norm_}
                for t in tokenize(chunk)
            )
    return pattern


class LexiconMatcher:
    """Matches the terms of some lexicon files in a ``Doc``: ``matcher(doc)`` returns
    ``(cue, start, end)`` token spans."""

    def __init__(self, vocab: Vocab, files: tuple[str, ...]):
        import spacy

        tokenizer = spacy.blank("en", vocab=vocab).tokenizer
        self.vocab = vocab
        self.phrases = PhraseMatcher(vocab, attr="NORM")
        self.tokens = Matcher(vocab)
        phrase_docs: dict[str, list[Doc]] = {}
        token_patterns: dict[str, list[list[dict]]] = {}
        for cue, term in lexicon_terms(files):
            if "*" in term.split() or "#" in term.split():
                token_patterns.setdefault(cue, []).append(compile_term(term, tokenizer))
            else:
                phrase_docs.setdefault(cue, []).extend(tokenizer(v) for v in expand_term(term))
        for cue, docs in phrase_docs.items():
            self.phrases.add(cue, docs)
        for cue, patterns in token_patterns.items():
            self.tokens.add(cue, patterns)

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        strings = self.vocab.strings
        found = [(strings[m], s, e) for m, s, e in self.phrases(doc)]
        if len(self.tokens):
            found += [(strings[m], s, e) for m, s, e in self.tokens(doc)]
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
