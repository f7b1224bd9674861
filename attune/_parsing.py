"""Parsing texts and the customer messages they answer, and extracting their features.

Scoring and training both go through :func:`featurize_pairs`, so a model is trained on exactly
the features it is later scored with: each distinct context is parsed and analysed once, every
text is parsed with only the components attune needs.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ._text import Prepared
from .features import ContextInfo, Features, analyse_context, extract
from .pipeline import disabled_components


def featurize_pairs(nlp: Language, texts: Sequence[Prepared], contexts: Sequence[Prepared | None],
                    batch_size: int = 64, n_process: int = 1,
                    cache: "ContextCache | None" = None) -> Iterator[tuple[Doc, Features]]:
    """Yield ``(doc, features)`` for each prepared text and its prepared context (or None),
    in order. ``cache`` keeps analysed contexts between calls (a stream scored in chunks
    parses each customer message once)."""
    info = analyse_contexts(nlp, contexts, batch_size, n_process, cache)
    if not texts:
        return
    parsed = nlp.pipe([t.parse for t in texts], batch_size=batch_size, n_process=n_process,
                      disable=disabled_components(nlp))
    for doc, text, ctx in zip(parsed, texts, contexts):
        yield doc, extract(doc, info[ctx.text] if ctx is not None else None, text.parse)


def analyse_contexts(nlp: Language, contexts: Sequence[Prepared | None], batch_size: int = 64,
                     n_process: int = 1, cache: "ContextCache | None" = None) -> dict[str, ContextInfo]:
    """The analysis of each distinct prepared customer message (None entries are skipped), by
    its text. Each is parsed once; those already in ``cache`` are not parsed at all, and the
    new ones are added to it."""
    known = cache if cache is not None else {}
    info = {c.text: known[c.text] for c in contexts if c is not None and c.text in known}
    unique = {c.text: c for c in contexts if c is not None and c.text not in info}
    if unique:
        docs = nlp.pipe([c.parse for c in unique.values()], batch_size=batch_size,
                        n_process=n_process, disable=disabled_components(nlp))
        for (key, ctx), doc in zip(unique.items(), docs):
            info[key] = analyse_context(doc, ctx.parse)
            if cache is not None:
                cache[key] = info[key]
    return info


class ContextCache(OrderedDict):
    """Analysed customer messages by text; beyond ``maxsize`` the oldest are dropped."""

    def __init__(self, maxsize: int = 4096):
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        while len(self) > self.maxsize:
            self.popitem(last=False)
