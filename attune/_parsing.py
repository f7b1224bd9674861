"""Parsing texts and the customer messages they answer, and extracting their features.

Scoring and training both go through :func:`featurize_pairs`, so a model is trained on exactly
the features it is later scored with: each distinct context is parsed and analysed once, every
text is parsed with only the components attune needs.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ._text import Prepared
from .features import Features, analyse_context, extract
from .pipeline import disabled_components


def featurize_pairs(nlp: Language, texts: Sequence[Prepared], contexts: Sequence[Prepared | None],
                    batch_size: int = 64, n_process: int = 1) -> Iterator[tuple[Doc, Features]]:
    """Yield ``(doc, features)`` for each prepared text and its prepared context (or None),
    in order."""
    disable = disabled_components(nlp)
    unique = {c.text: c for c in contexts if c is not None}
    docs = nlp.pipe([c.parse for c in unique.values()], batch_size=batch_size,
                    n_process=n_process, disable=disable) if unique else iter(())
    info = {key: analyse_context(doc) for key, doc in zip(unique, docs)}
    if not texts:
        return
    parsed = nlp.pipe([t.parse for t in texts], batch_size=batch_size, n_process=n_process,
                      disable=disable)
    for doc, ctx in zip(parsed, contexts):
        yield doc, extract(doc, info[ctx.text] if ctx is not None else None)
