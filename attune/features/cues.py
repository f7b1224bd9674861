"""Cue detectors: plain functions of the reply ``Doc`` (and the context ``Doc``).

Each detector adds character spans to a ``hits`` mapping of cue name to spans. Lexicon cues
come from the TSV files in ``lexicons/``; the structural ones (commitments, apologies, blame,
agentless passives, restatement, specificity, a human sign-off) read the dependency parse.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Sequence

from spacy.strings import StringStore
from spacy.symbols import ADJ, AUX, NOUN, PROPN, VERB
from spacy.tokens import Doc

from ._lexicon import matcher_for
from ._spans import clause, inside, negated
from ._view import DocView, view
from .context import Signals, caps_spans

_ids = StringStore()


def _hashes(words) -> frozenset[int]:
    """The string ids of ``words`` as they appear in ``Doc.to_array`` (LOWER, LEMMA, DEP)."""
    return frozenset(_ids[w] for w in words)

Spans = list[tuple[int, int]]
Hits = dict[str, Spans]

# cues whose matches are kept even inside quotation marks (they describe the text, not a stance)
_QUOTE_EXEMPT = frozenset({"time", "hedge"})
# cues whose meaning does not flip under negation ("didn't come again" still notices repetition)
_NEGATION_EXEMPT = frozenset({"time", "hedge", "repetition_noticed", "upsell"})

_APOLOGY_WORDS = frozenset(
    {"sorry", "apologise", "apologize", "apologies", "apology", "apologising", "apologizing",
     "apologised", "apologized"}
)
_CANCELLERS = frozenset({"but", "however", "although", "though", "unfortunately", "yet"})
_NOT_ACTIONS = frozenset(
    {"be", "have", "understand", "apologise", "apologize", "appreciate", "hope", "know", "see",
     "feel", "think", "want", "like", "love", "regret", "thank", "value", "hear", "believe",
     "agree", "wish", "need", "pride", "remain", "strive", "aim", "miss", "imagine", "realise",
     "realize", "get", "can", "may", "must", "take", "continue", "try", "do"}
)
_FUTURE_AUX = frozenset({"will", "shall", "'ll"})
_PAST_ACTIONS = frozenset(
    {"book", "refund", "send", "arrange", "escalate", "credit", "cancel", "fix", "replace",
     "reschedule", "waive", "add", "update", "order", "raise", "process", "issue", "log",
     "transfer", "remove", "reverse", "resend", "dispatch", "reopen", "email", "call", "text",
     "correct", "restore", "reinstate", "approve", "release", "unlock", "reset", "extend",
     "upgrade", "pay", "apply", "change", "amend", "flag", "put", "set", "ask", "speak",
     "confirm", "check", "track", "locate", "chase", "contact", "attach", "block", "freeze",
     "rebook", "refunded", "compensate", "investigate"}
)
_FAILURE_VERBS = frozenset(
    {"fail", "forget", "neglect", "ignore", "misread", "misunderstand", "overlook", "omit"}
)
_FAULT_NOUNS = frozenset(
    {"mistake", "error", "issue", "problem", "fault", "oversight", "failure", "delay",
     "inconvenience", "incident", "glitch", "breach", "outage", "disruption", "miscommunication"}
)
_APOLOGY_IDS = _hashes(_APOLOGY_WORDS)
_APOLOGY_LEAD_IDS = _hashes(
    ["i", "we", "am", "are", "'m", "'re", "so", "really", "truly", "very", "deeply", "sincerely",
     "genuinely", "do", "our", "my", "please", "accept", "’m", "’re"]
)
_CANCELLER_IDS = _hashes(_CANCELLERS)
_NEXT_CANCELLER_IDS = _hashes(["but", "however", "unfortunately"])
_HEAR_IDS = _hashes(["hear", "learn", "read", "see"])
_TO = _ids["to"]
_YOU = _ids["you"]
_NSUBJ = _ids["nsubj"]
_NSUBJPASS = _ids["nsubjpass"]
_NOT_ACTION_IDS = _hashes(_NOT_ACTIONS)
_FAILURE_IDS = _hashes(_FAILURE_VERBS)
_FAULT_IDS = _hashes(_FAULT_NOUNS)
_WRONG_IDS = _hashes(["wrong", "incorrect"])
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|morning|afternoon|subject:)",
    re.I,
)
_CLOSINGS = re.compile(
    r"^(thanks|thank you|cheers|best|regards|kind regards|best wishes|warm regards|warmly|"
    r"many thanks|all the best|sincerely|yours sincerely|yours faithfully|take care|speak soon)"
    r"[,!.]?$",
    re.I,
)
_NAME_LINE = re.compile(
    r"^[-–—~]?\s*(?P<name>[A-Z][a-zà-ÿ'’-]+(?: [A-Z][a-zà-ÿ'’.-]+){0,2})"
    r"(?:\s*(?:[,|/(–—-]|\bat\b|\bfrom\b)\s*.{0,60})?$"
)
# a name signed at the end of the text, "(?:^|[\s.!?])" + _SIGNED, searched for as two
# patterns: at the start, else after a space or a stop (a pattern that starts with a character
# class is found by a fast scan; one that starts with "(?:^|...)" is tried at every position)
_SIGNED = (r"(?:[-–—~]\s*|(?:thanks|cheers|best|regards|warmly),?\s+)"
           r"(?P<name>[A-Z][a-zà-ÿ'’-]+)(?:\s*\([^)]{0,40}\))?\s*$")
_SIGNED_AT_START = re.compile("^" + _SIGNED, re.I)
_SIGNED_AFTER = re.compile(r"[\s.!?]" + _SIGNED, re.I)
_INTRODUCTIONS = ("my name is", "my name's", "i'm", "i am", "this is")
_SELF_INTRO = re.compile(
    r"\b(" + "|".join(_INTRODUCTIONS) + r")\s+(?P<name>[A-Z][a-z'’-]+)\b(?:\s+(from|at|in|on|and|,))"
)
_NOT_NAMES = frozenset(
    {"The", "Team", "Customer", "Support", "Service", "Services", "Care", "Management", "Sent",
     "Regards", "Thanks", "Best", "Cheers", "Sincerely", "Yours", "Kind", "Warm", "Many",
     "Subject", "Hi", "Hello", "Dear", "All", "Your", "Our", "Unsubscribe", "Reply", "Order",
     "Ps", "PS", "Sorry", "Please", "Note", "Call", "Visit", "Shop", "See", "Terms", "Happy",
     "Love", "Hugs", "Mwah", "Everyone", "Xx", "Xoxo"}
)
# words that make a signed name an organisation, a team or a job title rather than a person
_NOT_PERSON_WORDS = frozenset(
    "Team Customer Support Service Services Care Management Ltd Limited Plc Inc Group Trust "
    "Society Bank Insurance Energy Power Water Networks Fibre Broadband Mobile Airways Airlines "
    "Rail Tours Trips Travel Holidays Hotels Hotel Estates Homes Home Pharmacy Dental Clinic "
    "Surgery Practice Council Gym Yoga Studio Leisure Club Collective Press News Media "
    "Motors Garage Grocer Pantry Kitchen Coffee Roasters Bakery Outfitters Store Shop Rescue "
    "Fundraising Foundation Charity Academy School College University Engineering Security "
    "Insights Quality Office Department Desk Centre Center Partners Solutions Senior Junior "
    "Account Executive Manager Director Officer Head Lead Adviser Advisor Agent Assistant "
    "Coordinator Specialist Representative".split()
)
_EMOJI = re.compile(
    "[\U0001F300-\U0001F5FF\U0001F600-\U0001F64F\U0001F680-\U0001F6FF\U0001F900-\U0001F9FF"
    "\U0001FA70-\U0001FAFF\u2600-\u26FF\u2700-\u27BF]"
)


def _add(hits: Hits, cue: str, span: tuple[int, int]) -> None:
    spans = hits.setdefault(cue, [])
    if span not in spans:
        spans.append(span)


def _sentence_end(text: str, end: int) -> str:
    m = _SENT_END.search(text, end)
    return m.group() if m else ""


_SENT_END = re.compile(r"[.!?\n]")
_ANSWER = re.compile(r"\s*(?:yes|no|yep|nope|absolutely|definitely|certainly|of course)\s*[,.!;:—–-]",
                     re.I)  # "Yes, ..." or "No." answers; "No worries if not" does not


def _answered(text: str, end: int) -> bool:
    """Whether the question that goes on from ``end`` is answered by its writer straight after
    its "?" ("Was it our fault? Yes, and ...")."""
    m = _SENT_END.search(text, end)
    return m is not None and m.group() == "?" and _ANSWER.match(text, m.end()) is not None


def lexicon_hits(doc: Doc, quoted: Sequence[tuple[int, int]], text: str | None = None,
                 v: DocView | None = None) -> Hits:
    """Lexicon cues in the agent's own words: not negated, not inside quotation marks.

    Overlapping matches of one cue keep the longest. ``v`` is the ``DocView`` of ``doc``, when
    the caller has it.
    """
    if v is None:
        v = view(doc, text)
    text = v.text
    hits: Hits = {}
    by_cue: dict[str, list[tuple[int, int]]] = {}  # token spans [start, end)
    for cue, start, end in matcher_for(doc.vocab)(doc, text):
        by_cue.setdefault(cue, []).append((start, end))
    idx, ends = v.idx, v.ends  # a match ends in a word, never in a whitespace token
    kept: dict[str, list[tuple[int, int]]] = {}
    for cue, spans in by_cue.items():
        spans.sort(key=_longest_first)
        taken: list[tuple[int, int]] = []
        for start, end in spans:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            if cue not in _QUOTE_EXEMPT and inside(quoted, idx[start], ends[end - 1]):
                continue
            if cue not in _NEGATION_EXEMPT and negated(v, start, end):
                continue
            if cue == "formulaic_understanding" and _names_the_concern(v, end - 1):
                continue  # "I understand your concern was the fee": checking what it was
            if cue == "dismissing" and _normal_to_feel(v, end):
                continue  # "it's completely normal to feel worried" validates the feeling
            taken.append((start, end))
        kept[cue] = sorted(taken)
    # an outside cause told together with ownership is an explanation, not an excuse ("The
    # courier lost it, and choosing them was our call, so it's ours to fix": codebook, N)
    if kept.get("excuse") and kept.get("ownership"):
        sent_of = v.sent_of
        owned = {sent_of[start] for start, _ in kept["ownership"]}
        kept["excuse"] = [t for t in kept["excuse"] if sent_of[t[0]] not in owned]
    for cue, taken in kept.items():
        for start, end in taken:
            _add(hits, cue, (idx[start], ends[end - 1]))
    # a clarifying question is a question (its sentence ends with "?") that the writer leaves
    # to the customer: "Was it our fault? Yes, ..." answers itself
    if "clarifying_question" in hits:
        hits["clarifying_question"] = [s for s in hits["clarifying_question"]
                                       if _sentence_end(text, s[1]) == "?" and not _answered(text, s[1])]
        if not hits["clarifying_question"]:
            del hits["clarifying_question"]
    # "at the same time" holds two views as a connective ("..., and at the same time it's the
    # fee"), not as a time ("they'll arrive at the same time", "at the same time as the visit")
    if "both_and" in hits:
        hits["both_and"] = [s for s in hits["both_and"] if not _same_time_as_time(doc, text, s)]
        if not hits["both_and"]:
            del hits["both_and"]
    # "sorry to hear you feel that way" is a conditional non-apology, not compassion
    if "compassion" in hits and "conditional_apology" in hits:
        cond = hits["conditional_apology"]
        hits["compassion"] = [s for s in hits["compassion"]
                              if not any(a < s[1] and s[0] < b for a, b in cond)]
        if not hits["compassion"]:
            del hits["compassion"]
    return hits


_TO_FOR = frozenset({_TO, _ids["for"]})
_NORMAL = _ids["normal"]


def _normal_to_feel(v: DocView, end: int) -> bool:
    """Whether a match ending in "normal" at token ``end - 1`` goes on to say what is normal
    ("completely normal to feel worried", "normal for you to want"): a feeling called normal is
    validated, not dismissed, as "that's completely normal in a new build" dismisses a fault."""
    return end < len(v) and v.lower[end - 1] == _NORMAL and v.lower[end] in _TO_FOR


def _names_the_concern(v: DocView, i: int) -> bool:
    """Whether token ``i`` ("concern") is the subject of a clause that says what it is ("your
    concern was the late fee"), rather than the object of a stock "I understand your concern"
    (or the subject of an evaluation: "your concerns are important to us")."""
    if v.dep[i] not in _SUBJECT_DEPS:
        return False
    verb = v.head[i]
    return any(v.head[j] == verb and v.dep[j] == _ATTR for j in range(verb + 1, v.sent_tokens(verb)[1]))


_ATTR = _ids["attr"]


def _longest_first(span: tuple[int, int]) -> tuple[int, int]:
    return span[0] - span[1], span[0]


_CONNECTIVE_BEFORE = frozenset({"and", "but", "yet", "so", "while", "whilst", "though", "although"})


def _same_time_as_time(doc: Doc, text: str, span: tuple[int, int]) -> bool:
    """Whether the span is "at the same time" saying when something happens: after a word
    that is not a conjunction, or followed by "as"."""
    if text[span[0]:span[1]].lower() != "at the same time":
        return False
    tokens = doc.char_span(span[0], span[1], alignment_mode="expand")
    if tokens is None:
        return False
    after = doc[tokens.end] if tokens.end < len(doc) else None
    if after is not None and after.lower_ == "as":
        return True
    if tokens.start == 0 or doc[tokens.start].is_sent_start:
        return False
    before = doc[tokens.start - 1]
    return not (before.is_punct or before.is_space or before.lower_ in _CONNECTIVE_BEFORE)


def apology_hits(doc: Doc, v: DocView, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """Classify each apology: sincere, negated, cancelled by "but", conditional or formulaic."""
    conditional = hits.get("conditional_apology", [])
    formulaic = hits.get("formulaic", [])
    n = len(v)
    for i in [i for i, w in enumerate(v.lower) if w in _APOLOGY_IDS]:
        start_c, end_c = v.idx[i], v.ends[i]
        if inside(quoted, start_c, end_c):
            continue
        if i + 2 < n and v.lower[i + 1] == _TO and v.lemma[i + 2] in _HEAR_IDS:
            continue  # "sorry to hear": sympathy, counted as compassion
        s_start, s_end = v.sent_tokens(i)
        sent_lo, sent_hi = v.sent_chars(i)
        tok = doc[i]
        first = i
        for j in range(i - 1, max(s_start, i - 4) - 1, -1):
            if v.lower[j] in _APOLOGY_LEAD_IDS:
                first = j
            else:
                break
        span = clause(tok, start_tok=doc[first], sent=(s_start, s_end))
        if negated(v, i, i + 1):
            _add(hits, "negated_apology", span)
            continue
        if any(a <= start_c < b or a <= span[0] < b for a, b in conditional):
            continue
        if any(a <= start_c < b or sent_lo <= a < sent_hi for a, b in formulaic):
            continue
        canceller = next((j for j in range(i + 1, s_end) if v.lower[j] in _CANCELLER_IDS), None)
        if canceller is None and s_end < n and v.lower[s_end] in _NEXT_CANCELLER_IDS:
            canceller = s_end
        if canceller is not None:
            _add(hits, "sorry_but", (span[0], v.ends[canceller]))
            continue
        _add(hits, "apology", span)


_AGAIN = _ids["again"]
_FAILURE_WORDS = _hashes(["not", "n't", "never", "sorry", "apologise", "apologize", "missed",
                          "failed", "let", "late", "wrong", "lost", "down"])


def repetition_hits(v: DocView, hits: Hits) -> None:
    """ "again" in a sentence about a failure ("the engineer didn't come again", "sorry we let
    you down again") notices that the customer has been failed before."""
    if _AGAIN not in v.lower:
        return
    for i in [i for i, w in enumerate(v.lower) if w == _AGAIN]:
        a, b = v.sent_tokens(i)
        if any(v.lower[j] in _FAILURE_WORDS for j in range(a, b)):
            _add(hits, "repetition_noticed", (v.idx[i], v.ends[i]))


_FIRST_PERSON = _hashes(["i", "we", "me", "us"])
_FIRST_PERSON_SUBJECTS = _hashes(["i", "we"])
_SUBJECT_DEPS = _hashes(["nsubj", "nsubjpass"])
_PERSON_DEPS = _hashes(["nsubj", "dobj"])  # "I want", "let me", "want us"
_COMPLEMENT_DEPS = _hashes(["xcomp", "ccomp"])
_GOING = _ids["going"]
_CONTROL_LEMMAS = _hashes(["go", "let", "want", "like", "be"])
_CONJ = _ids["conj"]
_XCOMP = _ids["xcomp"]
_AUX_DEPS = _hashes(["aux", "auxpass"])
_FUTURE_AUX_IDS = _hashes(_FUTURE_AUX)
_PAST_ACTION_IDS = _hashes(_PAST_ACTIONS)
_LET, _HAVE, _BE = _ids["let"], _ids["have"], _ids["be"]


_Children = tuple[dict[int, int], dict[int, int]]


def _first_person_children(v: DocView) -> _Children:
    """Token -> its first child that is a first-person subject ("I", "we"), and token -> its
    first child that is a first-person subject or object ("I", "we", "me", "us")."""
    subjects: dict[int, int] = {}
    persons: dict[int, int] = {}
    lower, dep, head = v.lower, v.dep, v.head
    for j in [j for j, w in enumerate(lower) if w in _FIRST_PERSON]:
        h = head[j]
        if h == j:
            continue
        if dep[j] in _SUBJECT_DEPS and lower[j] in _FIRST_PERSON_SUBJECTS:
            subjects.setdefault(h, j)
        if dep[j] in _PERSON_DEPS:
            persons.setdefault(h, j)
    return subjects, persons


def _first_person_subject(v: DocView, i: int, children: _Children) -> int | None:
    """The first-person subject of verb ``i``: its own ("I'll call"), that of the verb it
    complements ("let me fix", "we're going to call") or of the verb it is conjoined with
    ("we refunded and credited"); None if it has none. ``children`` is
    :func:`_first_person_children` of ``v``."""
    subjects, persons = children
    while i not in subjects:
        h, d = v.head[i], v.dep[i]
        if (d in _COMPLEMENT_DEPS and h != i and h in persons
                and (v.lower[h] == _GOING or v.lemma[h] in _CONTROL_LEMMAS)):
            return persons[h]
        if d != _CONJ or v.pos[h] not in (VERB, AUX):
            return None
        i = h
    return subjects[i]


def commitment_hits(doc: Doc, v: DocView, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """First-person commitments to an action: "I'll call you", "we've refunded", "let me fix"."""
    time_spans = hits.get("time", [])
    children = None
    lemmas = v.lemma
    for i in [i for i, pos in enumerate(v.pos) if pos == VERB]:
        if lemmas[i] in _NOT_ACTION_IDS:
            continue
        if children is None:
            children = _first_person_children(v)
        j = _first_person_subject(v, i, children)
        if j is None:
            continue
        verb, subj = doc[i], doc[j]
        s_start, s_end = v.sent_tokens(i)
        sent_lo, sent_hi = v.sent_chars(i)
        if subj.lower_ == "we" and v.text[sent_lo:sent_hi].rstrip().endswith("?"):
            continue
        auxes = [c for c in verb.children if c.dep in _AUX_DEPS]
        h, dep, tag = v.head[i], v.dep[i], verb.tag_
        future = any(a.norm in _FUTURE_AUX_IDS or a.lower in _FUTURE_AUX_IDS for a in auxes)
        future = future or (dep == _XCOMP and v.lower[h] == _GOING)
        future = future or (dep in _COMPLEMENT_DEPS and v.lemma[h] == _LET)
        perfect = tag == "VBN" and any(a.lemma == _HAVE for a in auxes)
        progressive = tag == "VBG" and any(a.lemma == _BE for a in auxes)
        past = tag == "VBD" and v.lemma[i] in _PAST_ACTION_IDS
        if not (future or perfect or progressive or past):
            continue
        if negated(v, i, i + 1) or (dep == _XCOMP and negated(v, h, h + 1)):
            continue
        start = min([subj] + auxes, key=lambda t: t.i)
        if not s_start <= start.i < s_end:
            start = verb
        span = clause(verb, start_tok=start, max_tokens=22, sent=(s_start, s_end))
        if inside(quoted, *span):
            continue
        known = hits.setdefault("commitment", [])
        if any(a <= span[0] and span[1] <= b for a, b in known):
            continue
        known[:] = [(a, b) for a, b in known if not (span[0] <= a and b <= span[1])]
        known.append(span)
        for a, b in time_spans:
            if sent_lo <= a and b <= sent_hi:
                _add(hits, "time_bound", (a, b))


def blame_and_passive_hits(doc: Doc, v: DocView, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """Blame on the customer ("you failed to", "you entered the wrong...") and agentless
    passives that hide who made a fault ("mistakes were made")."""
    any_wrong = not _WRONG_IDS.isdisjoint(v.lower)
    for i in [i for i, d in enumerate(v.dep) if d == _NSUBJ or d == _NSUBJPASS]:
        dep = v.dep[i]
        if dep == _NSUBJ and v.lower[i] == _YOU and v.pos[v.head[i]] == VERB:
            h = v.head[i]
            if not any_wrong and v.lemma[h] not in _FAILURE_IDS:
                continue  # neither a failure verb nor "wrong" anywhere: no blame
            verb = doc[h]
            sent_lo, sent_hi = v.sent_chars(h)
            if inside(quoted, v.idx[i], v.ends[i]) or v.text[sent_lo:sent_hi].rstrip().endswith("?"):
                continue
            wrong = any(v.lower[j] in _WRONG_IDS for j in range(verb.left_edge.i, verb.right_edge.i + 1))
            if v.lemma[h] in _FAILURE_IDS or wrong:
                _add(hits, "blame_shift", clause(verb, start_tok=doc[i], max_tokens=14, sent=v.sent_tokens(h)))
        elif dep == _NSUBJPASS and v.lemma[i] in _FAULT_IDS:
            verb = doc[v.head[i]]
            if inside(quoted, v.idx[i], v.ends[i]):
                continue
            if not any(c.dep_ == "agent" for c in verb.children):
                _add(hits, "agentless_passive",
                     clause(verb, start_tok=doc[i].left_edge, max_tokens=12, sent=v.sent_tokens(v.head[i])))


_GENERIC_LEMMAS = frozenset(
    {"get", "go", "make", "thank", "thanks", "please", "know", "want", "need", "say", "tell",
     "contact", "hello", "hi", "dear", "regard", "let", "help", "look", "come", "use", "give",
     "try", "see", "take", "customer", "company", "team", "service", "time", "day", "good",
     "sorry", "hope", "think", "able", "sure", "happy", "write", "email", "message", "like",
     "keep", "just", "still", "really", "ask"}
)
_GENERIC_IDS = _hashes(_GENERIC_LEMMAS)
_CONTENT_POS = frozenset({NOUN, PROPN, VERB, ADJ})


def content_tokens(v: DocView) -> list[int]:
    """Indices of content tokens: numbers and anything with a digit, and nouns, proper nouns,
    verbs and adjectives that are not stop words or generic service words."""
    digits, num, pos, stop, lemma, idx, ends = v.digits, v.num, v.pos, v.stop, v.lemma, v.idx, v.ends
    return [i for i in range(len(v))
            if num[i] or i in digits
            or (pos[i] in _CONTENT_POS and not stop[i] and ends[i] - idx[i] > 2
                and lemma[i] not in _GENERIC_IDS)]


def specific_tokens(v: DocView) -> list[int]:
    """Numbers, amounts, references and names (proper nouns not opening a sentence); not the
    idiom "100%" ("I'm 100% on it", "I agree 100%")."""
    text, digits, pos, alpha, idx, ends = v.text, v.digits, v.pos, v.alpha, v.idx, v.ends
    sent_starts = {a for a, _ in v.sents}
    found = {i for i, p in enumerate(pos) if p == PROPN and alpha[i] and i not in sent_starts}
    found.update(i for i in digits if not _idiomatic_hundred(v, i))
    if any(map(text.__contains__, _CURRENCY)):
        found.update(i for i in range(len(v)) if ends[i] - idx[i] == 1 and text[idx[i]] in _CURRENCY)
    return sorted(found)


def _idiomatic_hundred(v: DocView, i: int) -> bool:
    """Whether token ``i`` is the "100" of "100%" used as "completely": followed by "%" and
    then by neither a noun nor "of" ("a 100% refund" and "100% of the fee" are amounts)."""
    text, idx, ends = v.text, v.idx, v.ends
    if text[idx[i]:ends[i]] != "100" or i + 1 >= len(v) or text[idx[i + 1]:ends[i + 1]] != "%":
        return False
    j = i + 2
    while j < len(v) and v.space[j]:
        j += 1
    return j >= len(v) or not (v.pos[j] in (NOUN, PROPN) or v.lower[j] == _OF)


_CURRENCY = frozenset("£$€¥")
_OF = _ids["of"]


def group(v: DocView, indices: Sequence[int], gap: int = 1) -> list[tuple[int, int]]:
    """Merge token indices that are up to ``gap`` apart into character spans."""
    spans: list[tuple[int, int]] = []
    last = None
    for i in sorted(indices):
        if last is not None and i - last <= gap and spans:
            spans[-1] = (spans[-1][0], v.ends[i])
        else:
            spans.append((v.idx[i], v.ends[i]))
        last = i
    return spans


def overlap_hits(v: DocView, ctx, hits: Hits) -> tuple[int, float]:
    """Restatement and carried-over details; returns (matched lemmas, share of the context's).

    ``ctx`` is the :class:`attune.features.context.ContextInfo` of the customer message, or
    None. Adds ``restatement`` (content words carried over), ``detail_carried`` (numbers,
    references and names carried over) and ``specificity`` (numbers, amounts, names).
    """
    for span in group(v, specific_tokens(v)):
        _add(hits, "specificity", span)
    if ctx is None or not ctx.lemmas:
        return 0, 0.0
    carried = [i for i in content_tokens(v) if v.lemma[i] in ctx.lemmas]
    details = [i for i in carried if v.lower[i] in ctx.details]
    for span in group(v, carried):
        _add(hits, "restatement", span)
    for span in group(v, details):
        _add(hits, "detail_carried", span)
    matched = {v.lemma[i] for i in carried}
    return len(matched), len(matched) / len(ctx.lemmas)


def opening_sentence(v: DocView) -> tuple[int, int] | None:
    """Character bounds of the first sentence that is not a greeting or a subject line."""
    text = v.text
    for a, b in v.sents:
        words = [i for i in range(a, b) if not v.punct[i] and not v.space[i]]
        if not words:
            continue
        lo, hi = v.idx[a], v.ends[b - 1]
        sent = text[lo:hi]
        if _GREETING.match(sent) and len(words) <= 5:
            continue
        if sent.lower().startswith("subject:"):
            continue
        return lo, hi
    return None


def early_address_hits(v: DocView, has_context: bool, hits: Hits) -> None:
    """The opening sentence engages with the customer's message (not a script)."""
    if not has_context:
        return
    first = opening_sentence(v)
    if first is None:
        return
    lo, hi = first
    engaging = ("restatement", "emotion_named", "ownership", "apology", "commitment", "validation",
                "empathic_validation", "compassion")
    negative = ("turning_away", "blame_shift", "policy_hiding", "contradiction", "turning_against",
                "lecturing")
    scripted = any(lo <= a < hi for cue in negative for a, _ in hits.get(cue, []))
    if not scripted and any(lo <= a < hi for cue in engaging for a, _ in hits.get(cue, [])):
        _add(hits, "early_address", (lo, hi))


def _last_lines(text: str, k: int) -> list[tuple[int, str]]:
    """The last ``k`` lines of ``text`` that are not blank, as (start, line), in text order."""
    out: list[tuple[int, str]] = []
    end = len(text)
    while end >= 0 and len(out) < k:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip():
            out.append((start, line))
        end = start - 1
    return out[::-1]


def _may_end_signed(text: str) -> bool:
    """Whether ``text`` can end in a signed name (:data:`_SIGNED`): its last character that is
    not a space can end a name (a letter, an apostrophe, a hyphen or "÷", which the name's
    character range "à-ÿ" holds) or a bracket after it. Most texts end in a stop, and this
    test spares them a search of the whole text."""
    end = text.rstrip()
    return bool(end) and (end[-1].isalpha() or end[-1] in ")'’-÷")


# how a person's name appears in their own text: "I'm Ken", "from Jo at", "Jo here"
_PERSON_BEFORE = _INTRODUCTIONS + ("from", "it's", "it’s", "it is", "love", "with", "-", "—")
_PERSON_AFTER = (" here", " from ", " at ", ",", " (")


def _not_a_person(name: str, text: str, before: int) -> bool:
    """Whether a signed ``name`` is an organisation, a team or a title ("Greenbasket Customer
    Care", "Senior Account Executive"): it has such a word, or it already appears in the text
    before the sign-off (at ``before``) other than as the writer introducing themselves ("your
    Greenbasket delivery", not "I'm Ana")."""
    if any(w in _NOT_PERSON_WORDS for w in name.split()):
        return True
    at = text.find(name, 0, before)
    while at >= 0:
        lead = text[max(at - 12, 0):at].lower().rstrip()
        if not (lead.endswith(_PERSON_BEFORE) or text.startswith(_PERSON_AFTER, at + len(name))):
            return True
        at = text.find(name, at + 1, before)
    return False



def signoff_hits(text: str, hits: Hits) -> None:
    """A named person writing: a sign-off with a person's name (not a company's or a team's),
    or "my name is ..."."""
    tail = _last_lines(text, 3)
    found = under_company = False
    for start, line in reversed(tail if len(tail) > 1 else []):
        stripped = line.strip()
        if _CLOSINGS.match(stripped):
            break
        if under_company and (stripped[-1] in ".!?:" or len(stripped.split()) > 6):
            break  # above a company's name, only a line with just a name and a title signs
        m = _NAME_LINE.match(stripped)
        if m and len(stripped) <= 70 and m.group("name").split()[0] not in _NOT_NAMES:
            if _not_a_person(m.group("name"), text, start):
                under_company = True  # the company under a person's name: try the line above
                continue
            offset = start + line.index(stripped)
            _add(hits, "human_voice", (offset + m.start("name"), offset + m.end("name")))
            found = True
            break
    if not found and _may_end_signed(text):
        m = _SIGNED_AT_START.match(text) or _SIGNED_AFTER.search(text)
        if m and m.group("name") not in _NOT_NAMES and not _not_a_person(m.group("name"), text, m.start("name")):
            _add(hits, "human_voice", (m.start("name"), m.end("name")))
            found = True
    if not any(map(text.__contains__, _INTRODUCTIONS)):
        return  # the regular expression needs one of them
    for m in _SELF_INTRO.finditer(text):
        if m.group("name") not in _NOT_NAMES:
            _add(hits, "human_voice", (m.start(), m.end("name")))


def style_hits(text: str, hits: Hits, ctx: Signals | None, quoted: Sequence[tuple[int, int]] = (),
               v: DocView | None = None) -> None:
    """Capitals (shouting) and emoji or exclamation cheer that misfit a serious message.
    Capitals quoted from the customer are theirs, not the writer's; with the parse (``v``), a
    lone word in capitals that it reads as a proper noun is an abbreviation or a code ("your
    TDS certificate", "the PCN"), not shouting, which reads as words ("SO sorry", "BOOK NOW")."""
    for span in caps_spans(text):
        if inside(quoted, *span) or (v is not None and _lone_proper_noun(v, *span)):
            continue
        _add(hits, "shouting", span)
    serious = ctx is not None and (ctx.count("grief") + ctx.count("anger") + ctx.count("anxiety")) > 0
    if serious:
        for m in _EMOJI.finditer(text):
            _add(hits, "emoji_misfit", m.span())
        for m in re.finditer(r"!+", text):
            _add(hits, "emoji_misfit", m.span())


_SALES_WORDS = frozenset({"off", "best", "free", "new", "now", "sale", "last", "hurry", "plus",
                          "wow", "huge", "final", "only", "today"})
"""Words a tagger may read as a proper noun in capitals ("20% OFF", "the BEST offer") that are
still shouting."""


def _lone_proper_noun(v: DocView, start: int, end: int) -> bool:
    """Whether the characters ``start:end`` are exactly one token, a proper noun (and not one of
    :data:`_SALES_WORDS`)."""
    i = bisect_left(v.idx, start)
    return (i < len(v) and v.idx[i] == start and v.ends[i] == end and v.pos[i] == PROPN
            and v.text[start:end].lower() not in _SALES_WORDS)


def emoji_count(text: str) -> int:
    if text.isascii():  # no emoji (a far quicker test than the pattern)
        return 0
    return len(_EMOJI.findall(text))
