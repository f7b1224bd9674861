"""What the customer's message carries: emotion by family, stakes, repetition, shouting.

These are plain functions of the context ``Doc``; :func:`attune.features.extract` compares
them with the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.strings import StringStore
from spacy.symbols import NOUN, PROPN
from spacy.tokens import Doc

from ._lexicon import CONTEXT_FILE, matcher_for
from ._spans import negated
from ._view import DocView, view

EMOTION_FAMILIES = (
    "anger", "frustration", "anxiety", "grief", "disappointment", "confusion", "repetition"
)
"""Families of negative emotion a customer can express."""
_ZEROS = (0,) * len(EMOTION_FAMILIES)

ACRONYMS = frozenset(
    "UK US USA EU ID OK PIN FAQ FAQS SMS TV ATM API VAT GDPR IT NHS GP CEO CFO HR PDF URL "
    "IBAN BIC DD PM AM ETA ASAP RSVP BST GMT UTC CET EST PST NI VIP SIM TSB PO IVA "
    "EV MOT DVLA HMRC ISA APR USB PC DM CV BBC ITV DHL UPS GPS LED LCD HD SSD CCTV NB PS "
    "AC DC WIFI MRI ICU AE APP SMS BACS CHAPS PPI".split()
)


@dataclass
class Signals:
    """Emotion and stakes found in one text, by family, with the words that carried them."""

    families: dict[str, int] = field(default_factory=dict)
    words: dict[str, set[str]] = field(default_factory=dict)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    caps: int = 0
    exclamations: int = 0

    def count(self, family: str) -> int:
        return self.families.get(family, 0)

    @property
    def emotion(self) -> int:
        """How much negative emotion the text carries, over all families."""
        return sum(map(self.families.get, EMOTION_FAMILIES, _ZEROS))


_ids = StringStore()
_LOAD_NOUNS = frozenset(_ids[w] for w in ("stress", "strain"))
_LOAD_VERBS = frozenset(_ids[w] for w in ("put", "place", "exert", "apply", "add"))
_ONTO = frozenset(_ids[w] for w in ("on", "onto"))
_PEOPLE = frozenset(_ids[w] for w in (
    "family", "staff", "team", "people", "customer", "parent", "child", "kid", "everyone",
    "household", "relationship", "health", "mind", "nerve"))


def _physical_load(v: DocView, start: int, end: int) -> bool:
    """Whether the word [start, end) is "stress" or "strain" as a load on a thing: what a verb
    such as "put" places on an object ("heavier bags put stress on the handles", "a lot of
    strain on the zip"), not on a person or their life ("put so much stress on you", "on
    your family"), which is a feeling."""
    if end - start != 1 or v.lemma[start] not in _LOAD_NOUNS:
        return False
    verb = v.head[start]
    for _ in range(3):  # up through "a lot of stress" to its verb
        if v.lemma[verb] in _LOAD_VERBS or v.head[verb] == verb:
            break
        verb = v.head[verb]
    if v.lemma[verb] not in _LOAD_VERBS:
        return False
    for prep in v.doc[verb].children:
        if prep.lemma in _ONTO:
            things = [t for t in prep.children if t.dep_ == "pobj"]
            return bool(things) and all(t.pos == NOUN and t.lemma not in _PEOPLE for t in things)
    return False


_AFRAID = _ids["afraid"]
_FEAR_OF = frozenset(_ids[w] for w in ("of", "for"))
_FIRST_PERSON = frozenset(_ids[w] for w in ("i", "we"))


def _hedge(v: DocView, start: int, end: int) -> bool:
    """Whether the word [start, end) is the "afraid" of a writer's "I'm afraid we can't" or
    "I'm afraid not": a softener, not fear (fear is "afraid of" or "for")."""
    if end - start != 1 or v.lemma[start] != _AFRAID:
        return False
    be = v.head[start]
    if not any(v.lower[t] in _FIRST_PERSON and v.head[t] == be for t in range(max(be - 3, 0), be)):
        return False
    return not any(t.lemma in _FEAR_OF for t in v.doc[start].children)


# two capitals or more, not inside a word: (?<![\w'’])[A-Z]{2,}(?![\w'’]), written to start
# with a character class, which the regex engine finds by a fast scan
_CAPS = re.compile(r"[A-Z](?<![\w'’][A-Z])[A-Z]+(?![\w'’])")
_CODE_AFTER = re.compile(r"[-/]?\d")
_CODE_BEFORE = re.compile(r"\d[-/]?$")


def _caps_words(text: str):
    """Words in capitals (two letters or more) that are not a known acronym, nor the letters
    of a reference code (``IV-30815``, ``MTR448120``, ``12-AB``), nor a social-media agent's
    initials (``^HB``)."""
    for m in _CAPS.finditer(text):
        if m.group() in ACRONYMS or text[m.start() - 1:m.start()] == "^":
            continue
        if _CODE_AFTER.match(text, m.end()) or _CODE_BEFORE.search(text, max(m.start() - 2, 0), m.start()):
            continue
        yield m


def caps_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of words in capitals (two letters or more, not a known acronym);
    neighbouring capitalised words form one span."""
    spans: list[tuple[int, int]] = []
    for m in _caps_words(text):
        if spans and text[spans[-1][1]:m.start()].strip(" ,") == "":
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append(m.span())
    return spans


def signals(doc: Doc, text: str | None = None, v: DocView | None = None,
            reply: bool = False) -> Signals:
    """Find emotion, stakes and repetition words in ``doc`` (negated ones do not count).
    ``v`` is the ``DocView`` of ``doc``, when the caller has it. In a ``reply``, the writer's
    "I'm afraid" is a softener, not fear (a customer's "I'm afraid I'll lose the flat" is)."""
    if v is None:
        v = view(doc, text)
    out = Signals()
    matcher = matcher_for(doc.vocab, (CONTEXT_FILE,))
    text, idx, ends = v.text, v.idx, v.ends  # a match ends in a word, never in a whitespace token
    for family, start, end in matcher(doc, text):
        if family != "stakes" and (negated(v, start, end) or _physical_load(v, start, end)
                                   or (reply and _hedge(v, start, end))):
            continue
        lo, hi = idx[start], ends[end - 1]
        out.families[family] = out.families.get(family, 0) + 1
        out.words.setdefault(family, set()).add(text[lo:hi].lower())
        out.spans.setdefault(family, []).append((lo, hi))
    out.caps = sum(1 for _ in _caps_words(text))
    out.exclamations = text.count("!")
    if out.caps >= 1:
        out.families["anger"] = out.families.get("anger", 0) + 1
    negative = any(out.families.get(f) for f in EMOTION_FAMILIES)
    if out.exclamations >= 2 and (negative or not out.families.get("pleasure")):
        # "!!!" is frustration, unless it is all relief or delight ("it went through!!! phew")
        out.families["frustration"] = out.families.get("frustration", 0) + 1
    return out


@dataclass
class ContextInfo:
    """What the reply is compared with: the customer message's signals, its content lemmas
    (string ids) and the lower-cased ids of its numbers, references and names."""

    signals: Signals
    lemmas: frozenset[int]
    details: frozenset[int]
    text: str


def analyse(doc: Doc, text: str | None = None) -> ContextInfo:
    """Analyse a customer message once; the result can be reused for every reply to it.
    ``text`` is the string ``doc`` was parsed from, if known."""
    from .cues import content_tokens

    v = view(doc, text)
    content = content_tokens(v)
    text = v.text
    digits, lower, pos, idx, ends = v.digits, v.lower, v.pos, v.idx, v.ends
    details = frozenset(
        lower[i] for i in range(len(v))
        if (i in digits and ends[i] - idx[i] >= 2) or pos[i] == PROPN
    )
    return ContextInfo(signals=signals(doc, text, v), lemmas=frozenset(v.lemma[i] for i in content),
                       details=details, text=text)
