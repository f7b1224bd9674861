"""Typed, immutable results: what a scorer returns for one text.

A :class:`Result` holds one :class:`DimensionScore` per ATTUNE dimension; each carries the
:class:`Evidence` (character spans of the scored text) that moved it, so an explanation can be
rebuilt from ``Result.to_dict()`` alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

from .dimensions import DIMENSIONS, LABELS, check_dimension, level_for


class _Slotted:
    """Pickling for the frozen, slotted result classes: their state is their fields in order.
    (Python 3.11 gives such dataclasses the same; 3.10.0 could not unpickle them.) A scored
    batch holds a result per text, and slots keep each one a single object for the garbage
    collector to track, not an object and its ``__dict__``."""

    __slots__ = ()

    def __getstate__(self):
        return tuple(getattr(self, f.name) for f in fields(self))

    def __setstate__(self, state) -> None:
        for f, value in zip(fields(self), state):
            object.__setattr__(self, f.name, value)


@dataclass(frozen=True, slots=True)
class Evidence(_Slotted):
    """A span of the scored text that moved a dimension's score.

    ``start`` and ``end`` are character offsets into :attr:`Result.text`
    (``result.text[start:end] == evidence.text``); the span is a clause or sentence of the text
    (or, for a model without a rationale selector, the span of a cue or word n-gram). ``effect``
    is the signed change, in score points (0-100 scale), that the model's features inside the
    span made to the dimension: positive raised the score. ``cue`` names the strongest cue
    inside the span, or ``"phrase"`` when the span moved the score through its words alone.
    """

    start: int
    end: int
    text: str
    cue: str
    dimension: str
    effect: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "cue": self.cue,
            "dimension": self.dimension,
            "effect": round(self.effect, 2),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Evidence":
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            text=str(data["text"]),
            cue=str(data["cue"]),
            dimension=str(data["dimension"]),
            effect=float(data["effect"]),
        )


@dataclass(frozen=True, slots=True)
class DimensionScore(_Slotted):
    """The score of one dimension: 0-100, a level, the evidence and a suggestion.

    ``probabilities`` is the model's distribution over the codebook levels 0-3;
    ``score`` is its expected level scaled to 0-100.
    """

    dimension: str
    score: float
    probabilities: tuple[float, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    suggestion: str | None = None

    @property
    def level(self) -> str:
        """``"low"``, ``"medium"`` or ``"high"`` (``"none"`` when the text was not scored)."""
        return level_for(self.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "score": None if math.isnan(self.score) else round(self.score, 2),
            "level": self.level,
            "probabilities": [round(p, 4) for p in self.probabilities],
            "evidence": [e.to_dict() for e in self.evidence],
            "suggestion": self.suggestion,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DimensionScore":
        score = data.get("score")
        return cls(
            dimension=str(data["dimension"]),
            score=float("nan") if score is None else float(score),
            probabilities=tuple(float(p) for p in data.get("probabilities", ())),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            suggestion=data.get("suggestion"),
        )


@dataclass(frozen=True, slots=True)
class Result(_Slotted):
    """The ATTUNE scores of one text.

    Examples
    --------
    >>> import attune                                       # doctest: +SKIP
    >>> r = attune.score("That's on us. I've refunded the £40 today.",
    ...                  context="You charged me twice!")   # doctest: +SKIP
    >>> r.scores["non_defensiveness"], r["empathy"].level   # doctest: +SKIP
    (81.2, 'medium')

    ``ok`` is False when the text could not be scored; ``error`` then says why and every
    score is NaN. ``warnings`` lists what the scorer did to the input (truncation, for one).
    """

    text: str
    context: str | None
    dimensions: tuple[DimensionScore, ...]
    error: str | None = None
    warnings: tuple[str, ...] = ()
    model: str | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """True when the text was scored."""
        return self.error is None

    @property
    def scores(self) -> Mapping[str, float]:
        """The six scores, 0-100, by dimension name (read-only)."""
        return MappingProxyType({d.dimension: d.score for d in self.dimensions})

    @property
    def levels(self) -> Mapping[str, str]:
        """The six levels by dimension name (read-only)."""
        return MappingProxyType({d.dimension: d.level for d in self.dimensions})

    @property
    def overall(self) -> float:
        """The mean of the six scores (NaN when the text was not scored)."""
        values = [d.score for d in self.dimensions]
        return sum(values) / len(values) if values else float("nan")

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """All evidence over the six dimensions, in text order."""
        spans = [e for d in self.dimensions for e in d.evidence]
        return tuple(sorted(spans, key=lambda e: (e.start, e.end, e.dimension)))

    def __getitem__(self, name: str) -> DimensionScore:
        check_dimension(name)
        for d in self.dimensions:
            if d.dimension == name:
                return d
        raise KeyError(name)  # pragma: no cover - every result holds all six

    def __iter__(self):
        return iter(self.dimensions)

    def __repr__(self) -> str:
        if not self.ok:
            return f"<Result error={self.error!r}>"
        parts = " ".join(f"{d.dimension}={d.score:.0f}" for d in self.dimensions)
        return f"<Result overall={self.overall:.0f} {parts}>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """Notebook view: the text with its evidence highlighted, a bar per dimension and the
        suggestions (see :func:`attune.display.result_html`)."""
        from .display import result_html

        return result_html(self)

    def summary(self, evidence_per_dimension: int = 2) -> str:
        """A plain-text table: score, level, the top evidence and the suggestion per dimension."""
        if not self.ok:
            return f"not scored: {self.error}"
        lines = [f"overall {self.overall:5.1f}"]
        for d in self.dimensions:
            lines.append(f"{LABELS[d.dimension]:<18} {d.score:5.1f}  {d.level}")
            top = sorted(d.evidence, key=lambda e: -abs(e.effect))[:evidence_per_dimension]
            for e in top:
                sign = "+" if e.effect >= 0 else "-"
                lines.append(f"    {sign} {e.text!r} ({e.cue})")
            if d.suggestion:
                lines.append(f"    -> {d.suggestion}")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` rebuilds an equal result from it."""
        overall = self.overall
        return {
            "text": self.text,
            "context": self.context,
            "overall": None if math.isnan(overall) else round(overall, 2),
            "scores": {
                d.dimension: (None if math.isnan(d.score) else round(d.score, 2))
                for d in self.dimensions
            },
            "dimensions": {d.dimension: d.to_dict() for d in self.dimensions},
            "error": self.error,
            "warnings": list(self.warnings),
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Result":
        dims = data["dimensions"]
        return cls(
            text=data["text"],
            context=data.get("context"),
            dimensions=tuple(DimensionScore.from_dict(dims[name]) for name in DIMENSIONS),
            error=data.get("error"),
            warnings=tuple(data.get("warnings", ())),
            model=data.get("model"),
        )

    @classmethod
    def failed(cls, text: Any, context: Any, error: str, model: str | None = None) -> "Result":
        """A result for a text that could not be scored: NaN scores and the reason."""
        nan = float("nan")
        return cls(
            text=text if isinstance(text, str) else "",
            context=context if isinstance(context, str) else None,
            dimensions=tuple(DimensionScore(name, nan) for name in DIMENSIONS),
            error=error,
            model=model,
        )
