"""Lexicons: TSV files inside the package, compiled once per spaCy vocabulary into a Matcher."""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

from spacy.matcher import Matcher
from spacy.vocab import Vocab

LEXICON_FILES = (
    "awareness",
    "turning_toward",
    "tolerance",
    "understanding",
    "non_defensiveness",
    "empathy",
    "general",
)
CONTEXT_FILE = "context"

_GAP = {"OP": "{0,3}"}
_NUMBER = {"LIKE_NUM": True}


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
def _term_tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def _token_pattern(word: str) -> list[dict]:
    if word == "*":
        return [_GAP]
    if word == "#":
        return [_NUMBER]
    tokenizer = _term_tokenizer()
    alternatives = [[t.norm_ for t in tokenizer(alt)] for alt in word.split("|")]
    if all(len(a) == 1 for a in alternatives):
        norms = sorted({n for a in alternatives for n in _CLITICS.get(a[0], [a[0]])})
        return [{"NORM": norms[0]} if len(norms) == 1 else {"NORM": {"IN": norms}}]
    if len(alternatives) == 1:  # a word the tokenizer splits ("can't", "#am")
        return [_norm_token(n) for n in alternatives[0]]
    raise ValueError(f"alternatives in {word!r} must each be one token")


# spaCy leaves the ambiguous clitics "'s" and "'d" un-normalised; let "is"/"has" match "'s"
# and "would"/"had" match "'d", so "that is on us" also finds "that's on us".
_CLITICS = {"is": ["'s", "is"], "has": ["'s", "has"], "would": ["'d", "would"], "had": ["'d", "had"],
            "'s": ["'s", "is", "has"], "'d": ["'d", "would", "had"]}


def _norm_token(norm: str) -> dict:
    alts = _CLITICS.get(norm)
    return {"NORM": {"IN": alts}} if alts else {"NORM": norm}


def compile_term(term: str) -> list[dict]:
    """Turn a lexicon term into a spaCy Matcher token pattern.

    >>> compile_term("you're right")
    [{'NORM': 'you'}, {'NORM': 'are'}, {'NORM': 'right'}]
    >>> compile_term("that's it")[1]
    {'NORM': {'IN': ["'s", 'is', 'has']}}
    """
    pattern: list[dict] = []
    tokenizer = _term_tokenizer()
    for chunk in term.split():
        if chunk in ("*", "#") or "|" in chunk:
            pattern.extend(_token_pattern(chunk))
        else:
            pattern.extend(_norm_token(t.norm_) for t in tokenizer(chunk))
    return pattern


@lru_cache(maxsize=None)
def lexicon_patterns(files: tuple[str, ...]) -> dict[str, list[list[dict]]]:
    """Patterns by cue name for the given lexicon files."""
    by_cue: dict[str, list[list[dict]]] = {}
    for name in files:
        for row in _rows(name):
            term = row["term"].strip()
            if term:
                by_cue.setdefault(row["cue"].strip(), []).append(compile_term(term))
    return by_cue


_matchers: dict[tuple[int, tuple[str, ...]], tuple[Vocab, Matcher]] = {}
_lock = threading.Lock()


def matcher_for(vocab: Vocab, files: tuple[str, ...] = LEXICON_FILES) -> Matcher:
    """The compiled Matcher for ``files`` over ``vocab``, built on first use and cached."""
    key = (id(vocab), files)
    hit = _matchers.get(key)
    if hit is not None and hit[0] is vocab:
        return hit[1]
    with _lock:
        matcher = Matcher(vocab)
        for cue, patterns in lexicon_patterns(files).items():
            matcher.add(cue, patterns)
        _matchers[key] = (vocab, matcher)
        return matcher
