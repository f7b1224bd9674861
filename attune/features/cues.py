"""Cue detectors: plain functions of the reply ``Doc`` (and the context ``Doc``).

Each detector adds character spans to a ``hits`` mapping of cue name to spans. Lexicon cues
come from the TSV files in ``lexicons/``; the structural ones (commitments, apologies, blame,
agentless passives, restatement, specificity, a human sign-off) read the dependency parse.
"""

from __future__ import annotations

import re
from typing import Sequence

from spacy.tokens import Doc, Span, Token

from ._lexicon import matcher_for
from ._spans import clause, group_tokens, inside, is_negated
from .context import Signals, caps_tokens

Spans = list[tuple[int, int]]
Hits = dict[str, Spans]

# cues whose matches are kept even inside quotation marks (they describe the text, not a stance)
_QUOTE_EXEMPT = frozenset({"time", "hedge"})
# cues whose meaning does not flip under negation ("didn't come again" still notices repetition)
_NEGATION_EXEMPT = frozenset({"time", "hedge", "repetition_noticed"})

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


def lexicon_hits(doc: Doc, quoted: Sequence[tuple[int, int]]) -> Hits:
    """Lexicon cues in the agent's own words: not negated, not inside quotation marks.

    Overlapping matches of one cue keep the longest.
    """
    hits: Hits = {}
    matches = matcher_for(doc.vocab)(doc)
    by_cue: dict[str, list[Span]] = {}
    for match_id, start, end in matches:
        by_cue.setdefault(doc.vocab.strings[match_id], []).append(doc[start:end])
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
    return hits


def apology_hits(doc: Doc, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """Classify each apology: sincere, negated, cancelled by "but", conditional or formulaic."""
    conditional = hits.get("conditional_apology", [])
    formulaic = hits.get("formulaic", [])
    compassion = hits.get("compassion", [])
    for tok in doc:
        if tok.lower_ not in _APOLOGY_WORDS:
            continue
        if inside(quoted, tok.idx, tok.idx + len(tok.text)):
            continue
        sent = tok.sent
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if nxt is not None and nxt.lower_ == "to" and tok.i + 2 < len(doc) and doc[tok.i + 2].lemma_ in ("hear", "learn", "read", "see"):
            continue  # "sorry to hear": sympathy, counted as compassion
        start_tok = tok
        for j in range(tok.i - 1, max(sent.start, tok.i - 4) - 1, -1):
            if doc[j].norm_ in ("i", "we", "am", "are", "so", "really", "truly", "very", "deeply", "sincerely", "genuinely", "do", "our", "my", "please", "accept"):
                start_tok = doc[j]
            else:
                break
        span = clause(tok, start_tok=start_tok)
        if is_negated(doc[tok.i : tok.i + 1]):
            _add(hits, "negated_apology", span)
            continue
        if any(s <= tok.idx < e or s <= span[0] < e for s, e in conditional):
            continue
        if any(s <= tok.idx < e or (sent.start_char <= s < sent.end_char) for s, e in formulaic):
            continue
        canceller = next((t for t in doc[tok.i + 1 : sent.end] if t.lower_ in _CANCELLERS), None)
        if canceller is None and sent.end < len(doc):
            first = doc[sent.end]
            if first.lower_ in ("but", "however", "unfortunately"):
                canceller = first
        if canceller is not None:
            _add(hits, "sorry_but", (span[0], canceller.idx + len(canceller.text)))
            continue
        if any(s <= tok.idx < e for s, e in compassion):
            _add(hits, "apology", span)
            continue
        _add(hits, "apology", span)


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


def commitment_hits(doc: Doc, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """First-person commitments to an action: "I'll call you", "we've refunded", "let me fix"."""
    time_spans = hits.get("time", [])
    for verb in doc:
        if verb.pos_ != "VERB" or verb.lemma_ in _NOT_ACTIONS:
            continue
        subj = _first_person_subject(verb)
        if subj is None:
            continue
        sent = verb.sent
        if sent.text.rstrip().endswith("?") and subj.lower_ == "we":
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
        if is_negated(doc[verb.i : verb.i + 1]) or (
            verb.dep_ == "xcomp" and is_negated(doc[head.i : head.i + 1])
        ):
            continue
        start = min([subj] + auxes, key=lambda t: t.i)
        if start.sent != sent:
            start = verb
        span = clause(verb, start_tok=start, max_tokens=22)
        if inside(quoted, *span):
            continue
        known = hits.setdefault("commitment", [])
        if any(s <= span[0] and span[1] <= e for s, e in known):
            continue
        known[:] = [(s, e) for s, e in known if not (span[0] <= s and e <= span[1])]
        known.append(span)
        for s, e in time_spans:
            if sent.start_char <= s and e <= sent.end_char:
                _add(hits, "time_bound", (s, e))


def blame_and_passive_hits(doc: Doc, quoted: Sequence[tuple[int, int]], hits: Hits) -> None:
    """Blame on the customer ("you failed to", "you entered the wrong...") and agentless
    passives that hide who made a fault ("mistakes were made")."""
    for tok in doc:
        if inside(quoted, tok.idx, tok.idx + len(tok.text)):
            continue
        if tok.dep_ == "nsubj" and tok.lower_ == "you" and tok.head.pos_ == "VERB":
            verb = tok.head
            wrong = any(c.lower_ in ("wrong", "incorrect") for c in verb.subtree)
            if (verb.lemma_ in _FAILURE_VERBS or wrong) and not verb.sent.text.rstrip().endswith("?"):
                _add(hits, "blame_shift", clause(verb, start_tok=tok, max_tokens=14))
        if tok.dep_ == "nsubjpass" and tok.lemma_.lower() in _FAULT_NOUNS:
            verb = tok.head
            if not any(c.dep_ == "agent" for c in verb.children):
                _add(hits, "agentless_passive", clause(verb, start_tok=tok.left_edge, max_tokens=12))


def _content(tok: Token) -> bool:
    if tok.like_num or any(ch.isdigit() for ch in tok.text):
        return True
    return (
        tok.pos_ in ("NOUN", "PROPN", "VERB", "ADJ")
        and not tok.is_stop
        and len(tok.text) > 2
        and tok.lemma_.lower() not in _GENERIC_LEMMAS
    )


_GENERIC_LEMMAS = frozenset(
    {"get", "go", "make", "thank", "thanks", "please", "know", "want", "need", "say", "tell",
     "contact", "hello", "hi", "dear", "regard", "let", "help", "look", "come", "use", "give",
     "try", "see", "take", "customer", "company", "team", "service", "time", "day", "good",
     "sorry", "hope", "think", "able", "sure", "happy", "write", "email", "message", "like",
     "keep", "just", "still", "really", "ask"}
)


def _is_specific(tok: Token) -> bool:
    if any(ch.isdigit() for ch in tok.text) or tok.is_currency:
        return True
    return tok.pos_ == "PROPN" and not tok.is_sent_start and tok.is_alpha


def overlap_hits(doc: Doc, context: Doc | None, hits: Hits) -> tuple[int, float]:
    """Restatement and carried-over details; returns (matched lemmas, share of the context's).

    Adds ``restatement`` (content words carried over), ``detail_carried`` (numbers, references
    and names carried over) and ``specificity`` (numbers, amounts, names in the reply).
    """
    specific = [t for t in doc if _is_specific(t)]
    for s in group_tokens(specific):
        _add(hits, "specificity", s)
    if context is None:
        return 0, 0.0
    ctx_lemmas = {t.lemma_.lower() for t in context if _content(t)}
    ctx_texts = {t.lower_ for t in context if any(ch.isdigit() for ch in t.text) or t.pos_ == "PROPN"}
    if not ctx_lemmas:
        return 0, 0.0
    carried = [t for t in doc if _content(t) and t.lemma_.lower() in ctx_lemmas]
    details = [t for t in carried if t.lower_ in ctx_texts]
    for s in group_tokens(carried):
        _add(hits, "restatement", s)
    for s in group_tokens(details):
        _add(hits, "detail_carried", s)
    matched = {t.lemma_.lower() for t in carried}
    return len(matched), len(matched) / len(ctx_lemmas)


def opening_sentence(doc: Doc) -> Span | None:
    """The first sentence that is not a greeting or a subject line."""
    for sent in doc.sents:
        words = [t for t in sent if not t.is_punct and not t.is_space]
        if not words:
            continue
        if _GREETING.match(sent.text) and len(words) <= 5:
            continue
        if sent.text.lower().startswith("subject:"):
            continue
        return sent
    return None


def early_address_hits(doc: Doc, context: Doc | None, hits: Hits) -> None:
    """The opening sentence engages with the customer's message (not a script)."""
    if context is None:
        return
    first = opening_sentence(doc)
    if first is None:
        return
    lo, hi = first.start_char, first.end_char
    engaging = ("restatement", "emotion_named", "ownership", "apology", "commitment", "validation",
                "empathic_validation", "compassion")
    negative = ("turning_away", "blame_shift", "policy_hiding", "contradiction", "turning_against",
                "lecturing")
    scripted = any(lo <= s < hi for cue in negative for s, _ in hits.get(cue, []))
    if not scripted and any(lo <= s < hi for cue in engaging for s, _ in hits.get(cue, [])):
        _add(hits, "early_address", (lo, hi))


def signoff_hits(doc: Doc, hits: Hits) -> None:
    """A named person writing: a sign-off with a first name, or "my name is ..."."""
    text = doc.text
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


def style_hits(doc: Doc, hits: Hits, ctx: Signals | None) -> None:
    """Capitals (shouting) and emoji or exclamation cheer that misfit a serious message."""
    for s in group_tokens(caps_tokens(doc)):
        _add(hits, "shouting", s)
    serious = ctx is not None and (ctx.count("grief") + ctx.count("anger") + ctx.count("anxiety")) > 0
    if serious:
        for m in _EMOJI.finditer(doc.text):
            _add(hits, "emoji_misfit", m.span())
        for m in re.finditer(r"!{1,}", doc.text):
            _add(hits, "emoji_misfit", m.span())


def emoji_count(text: str) -> int:
    return len(_EMOJI.findall(text))
