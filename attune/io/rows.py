"""The flat output row of one scored text: what the CLI, files and dataframes carry."""

from __future__ import annotations

from typing import Any, Sequence

from ..dimensions import DIMENSIONS
from ..result import Result


FLOAT_COLUMNS = frozenset(("overall", *DIMENSIONS))
"""Output columns holding numbers (0-100, or missing); every other column is text."""


def output_columns(keep: Sequence[str] = ()) -> list[str]:
    """Output column names, in order: ``id``, the kept input columns, ``overall``, the six
    scores, their levels, the top evidence and the suggestion per dimension, ``warnings`` and
    ``error``."""
    cols = ["id", *keep, "overall", *DIMENSIONS, *(f"{d}_level" for d in DIMENSIONS)]
    for d in DIMENSIONS:
        cols += [f"{d}_evidence", f"{d}_suggestion"]
    return cols + ["warnings", "error"]


def result_row(row_id: Any, result: Result, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A flat output row: scores (rounded to 0.1), levels, overall, the strongest evidence
    span and the suggestion per dimension; scores are None when the text was not scored."""
    out: dict[str, Any] = {"id": row_id}
    if extra:
        out.update(extra)
    ok = result.ok
    out["overall"] = round(result.overall, 1) if ok else None
    for d in result.dimensions:
        out[d.dimension] = round(d.score, 1) if ok else None
    for d in result.dimensions:
        out[f"{d.dimension}_level"] = d.level if ok else None
    for d in result.dimensions:
        top = max(d.evidence, key=lambda e: abs(e.effect), default=None)
        out[f"{d.dimension}_evidence"] = top.text if top else None
        out[f"{d.dimension}_suggestion"] = d.suggestion
    out["warnings"] = "; ".join(result.warnings) or None
    out["error"] = result.error
    return out
