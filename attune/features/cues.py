"""Cue detectors: plain functions of the reply ``Doc`` (and the context ``Doc``).

Each detector adds character spans to a ``hits`` mapping of cue name to spans. Lexicon cues
come from the TSV files in ``lexicons/``; the structural ones (commitments, apologies, blame,
agentless passives, restatement, specificity, a human sign-off) read the dependency parse.
"""

from __future__ import annotations

import re
from typing import Sequence

from spacy.strings import StringStore
from spacy.symbols import ADJ, NOUN, PROPN, VERB
from spacy.tokens import Doc, Span, Token

from ._lexicon import matcher_for
from ._spans import clause, inside, is_negated
from ._view import DocView
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
_SIGNED_INLINE = re.compile(
    r"(?:^|[\s.!?])(?:[-–—~]\s*|(?:thanks|cheers|best|regards|warmly),?\s+)"
    r"(?P<name>[A-Z][a-zà-ÿ'’-]+)(?:\s*\([^)]{0,40}\))?\s*$",
    re.I,
)
_SELF_INTRO = re.compile(
    r"\b(my name is|my name's|i'm|i am|this is)\s+(?P<name>[A-Z][a-z'’-]+)\b(?:\s+(from|at|in|on|and|,))"
)
_NOT_NAMES = frozenset(
    {"The", "Team", "Customer", "Support", "Service", "Services", "Care", "Management", "Sent",
     "Regards", "Thanks", "Best", "Cheers", "Sincerely", "Yours", "Kind", "Warm", "Many",
     "Subject", "Hi", "Hello", "Dear", "All", "Your", "Our", "Unsubscribe", "Reply", "Order",
     "Ps", "PS", "Sorry", "Please", "Note", "Call", "Visit", "Shop", "See", "Terms", "Happy"}
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


def lexicon_hits(doc: Doc, quoted: Sequence[tuple[int, int]], text: str | None = None) -> Hits:
    """Lexicon cues in the agent's own words: not negated, not inside quotation marks.

    Overlapping matches of one cue keep the longest.
    """
    text = doc.text if text is None else text
    hits: Hits = {}
    by_cue: dict[str, list[Span]] = {}
    for cue, start, end in matcher_for(doc.vocab)(doc, text):
        by_cue.setdefault(cue, []).append(doc[start:end])
    for cue, spans in by_cue.items():
        spans.sort(key=lambda s: (-(s.end - s.start), s.start))
        taken: list[Span] = []
        for span in spans:
            if any(span.start < t.end and t.start < span.end for t in taken):
                continue
            if cue not in _QUOTE_EXEMPT and inside(quoted, span.start_char, span.end_char):
                continue
            if cue not in _NEGATION_EXEMPT and is_negated(span):
                continue
            taken.append(span)
        for span in sorted(taken, key=lambda s: s.start):
            _add(hits, cue, (span.start_char, span.end_char))
    # a clarifying question is a question: its sentence ends with "?"
    if "clarifying_question" in hits:
        hits["clarifying_question"] = [s for s in hits["clarifying_question"] if _sentence_end(text, s[1]) == "?"]
        if not hits["clarifying_question"]:
            del hits["clarifying_question"]
    # "sorry to hear you feel that way" is a conditional non-apology, not compassion
    if "compassion" in hits and "conditional_apology" in hits:
        cond = hits["conditional_apology"]
        hits["compassion"] = [s for s in hits["compassion"]
                              if not any(a < s[1] and s[0] < b for a, b in cond)]
        if not hits["compassion"]:
            del hits["compassion"]
    return hits


def apology_hits(doc: Doc, v: DocView, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """Classify each apology: sincere, negated, cancelled by "but", conditional or formulaic."""
    conditional = hits.get("conditional_apology", [])
    formulaic = hits.get("formulaic", [])
    n = len(v)
    for i in (i for i in range(n) if v.lower[i] in _APOLOGY_IDS):
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
        if is_negated(doc[i:i + 1]):
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
    for i in range(len(v)):
        if v.lower[i] != _AGAIN:
            continue
        a, b = v.sent_tokens(i)
        if any(v.lower[j] in _FAILURE_WORDS for j in range(a, b)):
            _add(hits, "repetition_noticed", (v.idx[i], v.ends[i]))


def _first_person_subject(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("i", "we"):
            return c
    head = verb.head
    if verb.dep_ in ("xcomp", "ccomp") and head is not verb:
        if head.lower_ == "going" or head.lemma_ in ("go", "let", "want", "like", "be"):
            for c in head.children:
                if c.dep_ in ("nsubj", "dobj") and c.lower_ in ("i", "we", "me", "us"):
                    return c
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _first_person_subject(verb.head)
    return None


def commitment_hits(doc: Doc, v: DocView, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """First-person commitments to an action: "I'll call you", "we've refunded", "let me fix"."""
    time_spans = hits.get("time", [])
    for i in range(len(v)):
        if v.pos[i] != VERB or v.lemma[i] in _NOT_ACTION_IDS:
            continue
        verb = doc[i]
        subj = _first_person_subject(verb)
        if subj is None:
            continue
        s_start, s_end = v.sent_tokens(i)
        sent_lo, sent_hi = v.sent_chars(i)
        if subj.lower_ == "we" and v.text[sent_lo:sent_hi].rstrip().endswith("?"):
            continue
        auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
        head = verb.head
        future = any(a.norm_ in _FUTURE_AUX or a.lower_ in _FUTURE_AUX for a in auxes)
        future = future or (verb.dep_ == "xcomp" and head.lower_ == "going")
        future = future or (verb.dep_ in ("xcomp", "ccomp") and head.lemma_ == "let")
        perfect = verb.tag_ == "VBN" and any(a.lemma_ == "have" for a in auxes)
        progressive = verb.tag_ == "VBG" and any(a.lemma_ == "be" for a in auxes)
        past = verb.tag_ == "VBD" and verb.lemma_ in _PAST_ACTIONS
        if not (future or perfect or progressive or past):
            continue
        if is_negated(doc[i:i + 1]) or (verb.dep_ == "xcomp" and is_negated(doc[head.i:head.i + 1])):
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
    for i in range(len(v)):
        dep = v.dep[i]
        if dep == _NSUBJ and v.lower[i] == _YOU and v.pos[v.head[i]] == VERB:
            h = v.head[i]
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
    text = v.text
    out = []
    for i in range(len(v)):
        if v.num[i] or _has_digit(text, v.idx[i], v.ends[i]):
            out.append(i)
        elif (v.pos[i] in _CONTENT_POS and not v.stop[i] and v.ends[i] - v.idx[i] > 2
              and v.lemma[i] not in _GENERIC_IDS):
            out.append(i)
    return out


_DIGIT = re.compile(r"\d")


def _has_digit(text: str, a: int, b: int) -> bool:
    return _DIGIT.search(text, a, b) is not None


def specific_tokens(v: DocView) -> list[int]:
    """Numbers, amounts, references and names (proper nouns not opening a sentence)."""
    text = v.text
    sent_starts = {a for a, _ in v.sents}
    out = []
    for i in range(len(v)):
        a, b = v.idx[i], v.ends[i]
        if _has_digit(text, a, b) or text[a:b] in _CURRENCY:
            out.append(i)
        elif v.pos[i] == PROPN and v.alpha[i] and i not in sent_starts:
            out.append(i)
    return out


_CURRENCY = frozenset("£$€¥")


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


def signoff_hits(text: str, hits: Hits) -> None:
    """A named person writing: a sign-off with a first name, or "my name is ..."."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    tail = [(s, line) for s, line in lines if line.strip()][-3:]
    found = False
    for start, line in reversed(tail if len(tail) > 1 else []):
        stripped = line.strip()
        if _CLOSINGS.match(stripped):
            break
        m = _NAME_LINE.match(stripped)
        if m and len(stripped) <= 70 and m.group("name").split()[0] not in _NOT_NAMES:
            offset = start + line.index(stripped)
            _add(hits, "human_voice", (offset + m.start("name"), offset + m.end("name")))
            found = True
            break
    if not found:
        m = _SIGNED_INLINE.search(text)
        if m and m.group("name") not in _NOT_NAMES:
            _add(hits, "human_voice", (m.start("name"), m.end("name")))
            found = True
    for m in _SELF_INTRO.finditer(text):
        if m.group("name") not in _NOT_NAMES:
            _add(hits, "human_voice", (m.start(), m.end("name")))


def style_hits(text: str, hits: Hits, ctx: Signals | None, quoted: Sequence[tuple[int, int]] = ()) -> None:
    """Capitals (shouting) and emoji or exclamation cheer that misfit a serious message.
    Capitals quoted from the customer are theirs, not the writer's."""
    for span in caps_spans(text):
        if not inside(quoted, *span):
            _add(hits, "shouting", span)
    serious = ctx is not None and (ctx.count("grief") + ctx.count("anger") + ctx.count("anxiety")) > 0
    if serious:
        for m in _EMOJI.finditer(text):
            _add(hits, "emoji_misfit", m.span())
        for m in re.finditer(r"!+", text):
            _add(hits, "emoji_misfit", m.span())


def emoji_count(text: str) -> int:
    return len(_EMOJI.findall(text))
