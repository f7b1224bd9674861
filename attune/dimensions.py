"""The six ATTUNE dimensions and the scale they are reported on.

Each dimension is labelled 0-3 by a person (see ``data/CODEBOOK.md``); attune reports
``score = 100 * expected_level / 3`` and a coarse level derived from the score.
"""

from __future__ import annotations

DIMENSIONS: tuple[str, ...] = (
    "awareness",
    "turning_toward",
    "tolerance",
    "understanding",
    "non_defensiveness",
    "empathy",
)
"""The six dimension names, in ATTUNE order."""

LABELS: dict[str, str] = {
    "awareness": "Awareness",
    "turning_toward": "Turning toward",
    "tolerance": "Tolerance",
    "understanding": "Understanding",
    "non_defensiveness": "Non-defensiveness",
    "empathy": "Empathy",
}
"""Human-readable names of the dimensions."""

MAX_LEVEL = 3
"""Labels run 0 (absent or violated) to 3 (exemplary)."""

LOW_BELOW = 40.0
"""Scores under this are ``"low"`` (expected level under 1.2: absent or formulaic)."""

HIGH_FROM = 65.0
"""Scores from this up are ``"high"`` (expected level about 2 or more: clearly present)."""

LEVELS: tuple[str, ...] = ("low", "medium", "high")


def level_for(score: float) -> str:
    """Map a 0-100 score to ``"low"``, ``"medium"`` or ``"high"``.

    >>> level_for(20.0), level_for(50.0), level_for(90.0)
    ('low', 'medium', 'high')
    """
    if score != score:  # NaN: nothing was scored
        return "none"
    if score < LOW_BELOW:
        return "low"
    if score < HIGH_FROM:
        return "medium"
    return "high"


def check_dimension(name: str) -> str:
    """Return ``name`` if it is a dimension, else raise ``KeyError`` listing the valid ones."""
    if name not in DIMENSIONS:
        raise KeyError(f"unknown dimension {name!r}; expected one of {', '.join(DIMENSIONS)}")
    return name
