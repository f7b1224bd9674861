"""A faster attribute ruler: the same rules as spaCy's ``attribute_ruler``, applied with numpy.

``en_core_web_sm``'s attribute ruler maps tags to coarse parts of speech and morphology, and
fixes lemmas, with about 180 token patterns run through spaCy's ``Matcher``: on this project's
texts that is about half of the time of the whole parse. Nearly every rule tests one token's
``TAG``, ``LOWER``, ``DEP`` or ``IS_SPACE``, which numpy can test for all tokens at once.

:class:`FastAttributeRuler` compiles a ruler's patterns into such tests and applies them with
the ruler's own semantics (all matches found on the incoming annotation, then applied in rule
order, so a later rule wins), giving token-for-token the same ``POS``, ``MORPH``, ``LEMMA``,
``TAG`` and ``DEP``; ``tests/test_pipeline.py`` checks this against the original on the
corpus. Patterns it cannot compile make it refuse (:func:`compile_rules` raises ValueError),
and attune then keeps spaCy's own ruler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import srsly
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.tokens import Doc

_TESTED = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_READ = [TAG, LOWER, DEP, IS_SPACE, POS, MORPH, LEMMA]
_SET = {"POS": 4, "MORPH": 5, "LEMMA": 6, "TAG": 0}  # column of each settable attribute


@dataclass
class _Rule:
    patterns: list[tuple[int, list[tuple[int, int, str, Any]]]]  # (width, [(offset, column, op, value)])
    attrs: dict[str, Any]
    index: int


class FastAttributeRuler:
    """Apply an attribute ruler's patterns with vectorised tests (see the module docstring)."""

    def __init__(self, vocab, name: str = "attune_attribute_ruler"):
        self.vocab = vocab
        self.name = name
        self.patterns: list[dict[str, Any]] = []
        self._rules: list[_Rule] = []
        self._regex_cache: dict[tuple[int, int], bool] = {}
        self._regexes: list[re.Pattern] = []
        self._index()

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        """Compile the patterns of a spaCy ``AttributeRuler`` (its ``.patterns``)."""
        self._rules = self._rules + compile_rules(self, patterns)
        self.patterns = self.patterns + list(patterns)
        self._index()

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0 or not self._rules:
            return doc
        rows = doc.to_array(_READ).tolist()
        rules = self._rules
        matches: list[tuple[int, int]] = []  # (rule id, token)
        by_tag_lower, by_tag, by_lower, single, space = (
            self._by_tag_lower, self._by_tag, self._by_lower, self._single, self._space)
        for i, row in enumerate(rows):
            for rid in (*by_tag_lower.get((row[0], row[1]), ()), *by_tag.get(row[0], ()),
                        *by_lower.get(row[1], ()), *single, *(space if row[3] else ())):
                if self._passes(rules[rid].patterns[0][1], rows, i):
                    matches.append((rid, i))
        if self._multi:
            where: dict[tuple[int, int], list[int]] = {}  # (column, value) -> token positions
            for i, row in enumerate(rows):
                for col in (0, 1):
                    key = (col, row[col])
                    if key in where:
                        where[key].append(i)
                    else:
                        where[key] = [i]
            for rid in self._multi:
                rule = rules[rid]
                for (width, tests), anchor in zip(rule.patterns, self._anchors[rid]):
                    shift = rule.index if rule.index >= 0 else width + rule.index
                    if anchor is None:
                        starts = range(n - width + 1)
                    else:
                        col, offset, values = anchor
                        starts = sorted({i - offset for v in values for i in where.get((col, v), ())
                                         if 0 <= i - offset <= n - width})
                    for start in starts:
                        if self._passes(tests, rows, start):
                            matches.append((rid, start + shift))
        if not matches:
            return doc
        matches.sort()  # rule order, as spaCy's ruler applies them: a later rule wins
        touched: set[int] = set()
        deps: list[tuple[int, str]] = []
        for rid, i in matches:
            for attr, value in rules[rid].attrs.items():
                if attr == "DEP":
                    deps.append((i, value))
                    continue
                col = _SET[attr]
                rows[i][col] = value
                touched.add(col)
        if touched:
            cols = sorted(touched)
            values = np.array([[row[c] for c in cols] for row in rows], dtype=np.uint64)
            doc.from_array([_READ[c] for c in cols], values)
        for i, value in deps:
            doc[i].dep_ = value
        return doc

    def _passes(self, tests, rows, start: int) -> bool:
        for offset, col, op, value in tests:
            v = rows[start + offset][col]
            if op == "==":
                if v != value:
                    return False
            elif op == "in":
                if v not in value:
                    return False
            elif op == "not_in":
                if v in value:
                    return False
            else:  # a regular expression on the string, remembered per string
                key = (value, v)
                found = self._regex_cache.get(key)
                if found is None:
                    found = self._regexes[value].search(self.vocab.strings[v]) is not None
                    if len(self._regex_cache) < 1_000_000:
                        self._regex_cache[key] = found
                if not found:
                    return False
        return True

    def _index(self) -> None:
        """Index the one-token rules by a value they require (a TAG, else a LOWER, exact or
        one of a set; else being a space), so each token is tested only against the rules
        that can match it; matches are sorted by rule afterwards, so the order is kept."""
        self._by_tag_lower: dict[tuple[int, int], tuple[int, ...]] = {}
        self._by_tag: dict[int, tuple[int, ...]] = {}
        self._by_lower: dict[int, tuple[int, ...]] = {}
        self._single: tuple[int, ...] = ()
        self._space: tuple[int, ...] = ()
        self._multi: tuple[int, ...] = ()

        def add(table, key, rid):
            table[key] = table.get(key, ()) + (rid,)

        self._anchors: dict[int, list] = {}
        for rid, rule in enumerate(self._rules):
            if len(rule.patterns) != 1 or rule.patterns[0][0] != 1:
                self._multi += (rid,)
                self._anchors[rid] = [_anchor(tests) for _, tests in rule.patterns]
                continue
            tests = rule.patterns[0][1]
            exact = {col: value for _, col, op, value in tests if op == "=="}
            sets = {col: value for _, col, op, value in tests if op == "in"}
            tag, lower = exact.get(0), exact.get(1)
            if tag is not None and lower is not None:
                add(self._by_tag_lower, (tag, lower), rid)
            elif tag is not None:
                add(self._by_tag, tag, rid)
            elif 0 in sets:
                for value in sets[0]:
                    add(self._by_tag, value, rid)
            elif lower is not None:
                add(self._by_lower, lower, rid)
            elif 1 in sets:
                for value in sets[1]:
                    add(self._by_lower, value, rid)
            elif exact.get(3) == 1:
                self._space += (rid,)
            else:
                self._single += (rid,)

    # serialisation: the patterns, recompiled on load
    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"patterns": self.patterns})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "FastAttributeRuler":
        self._rules, self.patterns = [], []
        self.add_patterns(srsly.msgpack_loads(data)["patterns"])
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        from pathlib import Path

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "patterns.json", self.patterns)

    def from_disk(self, path, *, exclude=tuple()) -> "FastAttributeRuler":
        from pathlib import Path

        self._rules, self.patterns = [], []
        self.add_patterns(srsly.read_json(Path(path) / "patterns.json"))
        return self


def _anchor(tests):
    """A test that every match must pass on a known TAG or LOWER value: (column, token offset,
    values), so only the positions holding those values are tried; None to try every start."""
    for want in (1, 0):  # LOWER values are rarer than tags
        for offset, col, op, value in tests:
            if col == want and op == "==":
                return col, offset, (value,)
            if col == want and op == "in":
                return col, offset, tuple(value)
    return None


def compile_rules(ruler: FastAttributeRuler, patterns: list[dict[str, Any]]) -> list[_Rule]:
    """Turn AttributeRuler patterns into vectorised tests; ValueError for anything else."""
    strings = ruler.vocab.strings
    rules = []
    for p in patterns:
        compiled = []
        for pattern in p["patterns"]:
            tests = []
            for offset, spec in enumerate(pattern):  # a token without tests matches any token
                for key, value in spec.items():
                    if key not in _TESTED:
                        raise ValueError(f"cannot compile a test on {key!r}")
                    col = _TESTED[key]
                    if key == "IS_SPACE":
                        if not isinstance(value, bool):
                            raise ValueError(f"cannot compile IS_SPACE={value!r}")
                        tests.append((offset, col, "==", int(value)))
                    elif isinstance(value, str):
                        tests.append((offset, col, "==", strings.add(value) if value else 0))
                    elif isinstance(value, dict) and len(value) == 1:
                        (op, arg), = value.items()
                        if op in ("IN", "NOT_IN"):
                            hashes = frozenset(strings.add(v) if v else 0 for v in arg)
                            tests.append((offset, col, op.lower(), hashes))
                        elif op == "REGEX" and key == "LOWER":
                            ruler._regexes.append(re.compile(arg))
                            tests.append((offset, col, "regex", len(ruler._regexes) - 1))
                        else:
                            raise ValueError(f"cannot compile {key}: {value!r}")
                    else:
                        raise ValueError(f"cannot compile {key}: {value!r}")
            compiled.append((len(pattern), tests))
        attrs = {}
        for attr, value in p["attrs"].items():
            if attr == "POS":
                attrs[attr] = int(POS_IDS[value])
            elif attr == "MORPH":
                attrs[attr] = int(ruler.vocab.morphology.add(value))
            elif attr in ("LEMMA", "TAG"):
                attrs[attr] = int(strings.add(value))
            elif attr == "DEP":
                attrs[attr] = value
            else:
                raise ValueError(f"cannot set {attr!r}")
        rules.append(_Rule(compiled, attrs, int(p.get("index", 0))))
    return rules


@Language.factory("attune_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    """spaCy factory; attune adds it with the patterns of the pipeline's ``attribute_ruler``."""
    return FastAttributeRuler(nlp.vocab, name)
