"""attune: score the tone of customer-facing writing on the six ATTUNE dimensions.

Quick start::

    >>> import attune
    >>> r = attune.score("You're right, we missed your delivery twice. That's on us. "
    ...                  "I've refunded the £4.99 fee and booked Saturday 9-12.",
    ...                  context="Second missed delivery this week and you still charged me!")
    >>> sorted(r.scores) == sorted(attune.DIMENSIONS)
    True
    >>> r["non_defensiveness"].level in ("low", "medium", "high")
    True

``attune.score`` uses a default :class:`Scorer` built on first use; build your own with
:func:`attune.load` to choose the model or the spaCy pipeline, and use
:meth:`Scorer.score_many` for batches. Importing attune loads nothing and prints nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .dimensions import DIMENSIONS, LEVELS
from .errors import AttuneError, DataError, InputError, ModelError, PipelineError, UntrustedModelError
from .result import DimensionScore, Evidence, Result

if TYPE_CHECKING:  # pragma: no cover
    from .display import Comparison, compare
    from .scorer import Scorer

__all__ = [
    "__version__",
    "DIMENSIONS",
    "LEVELS",
    "load",
    "score",
    "score_many",
    "score_frame",
    "score_transcripts",
    "Scorer",
    "Result",
    "DimensionScore",
    "Evidence",
    "compare",
    "Comparison",
    "AttuneError",
    "InputError",
    "ModelError",
    "UntrustedModelError",
    "PipelineError",
    "DataError",
]

_default: "Scorer | None" = None
_default_lock = threading.Lock()


def load(model=None, spacy_model=None, trust: bool = False) -> "Scorer":
    """Build a :class:`Scorer` (see :func:`attune.scorer.load` for the parameters)."""
    from .scorer import load as _load

    return _load(model=model, spacy_model=spacy_model, trust=trust)


def _default_scorer() -> "Scorer":
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load()
    return _default


def score(text: str, context: str | None = None) -> Result:
    """Score one text with the default scorer (the shipped model and English pipeline).

    ``context`` is the customer message the text replies to; None for marketing emails and
    stand-alone texts. Raises :class:`InputError` for None, non-string or blank text.
    """
    return _default_scorer().score(text, context)


def score_many(texts, contexts=None, **kwargs: Any) -> list[Result]:
    """Score many texts with the default scorer; see :meth:`Scorer.score_many`."""
    return _default_scorer().score_many(texts, contexts, **kwargs)


def score_frame(df, text: str = "text", context: str | None = None, **kwargs: Any):
    """Score a dataframe's text column; see :func:`attune.frame.score_frame`."""
    from .frame import score_frame as _score_frame

    return _score_frame(df, text, context, **kwargs)


def score_transcripts(df, **kwargs: Any):
    """Score conversations turn by turn; see :func:`attune.transcripts.score_transcripts`."""
    from .transcripts import score_transcripts as _score_transcripts

    return _score_transcripts(df, **kwargs)


def __getattr__(name: str):
    if name == "Scorer":
        from .scorer import Scorer

        return Scorer
    if name in ("compare", "Comparison"):
        from . import display

        return getattr(display, name)
    raise AttributeError(f"module 'attune' has no attribute {name!r}")
