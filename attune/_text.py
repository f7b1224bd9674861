"""Checking and preparing input text before it reaches spaCy."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import InputError

MAX_CHARS = 20_000
"""Texts longer than this many characters are truncated (at a sentence or word boundary)
before scoring; the result says so in ``Result.warnings``."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# same-length replacements so offsets into the parsed text are offsets into Result.text
_NORMALISE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Prepared:
    """A text ready to parse: ``text`` is what offsets refer to; ``parse`` has the same length."""

    text: str
    parse: str
    warnings: tuple[str, ...] = ()


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_text(text, what: str = "text") -> str:
    """Return ``text`` if it can be scored; raise :class:`InputError` saying why if not."""
    if _is_missing(text):
        raise InputError(f"{what} is missing (got {text!r}); pass a non-empty string")
    if isinstance(text, bytes):
        raise InputError(f"{what} is bytes; decode it first, e.g. text.decode('utf-8')")
    if not isinstance(text, str):
        raise InputError(f"{what} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InputError(f"{what} is empty or only whitespace; there is nothing to score")
    return text


def check_context(context) -> str | None:
    """None, NaN and blank contexts mean "no context"; anything else must be a string."""
    if _is_missing(context):
        return None
    if not isinstance(context, str):
        raise InputError(f"context must be a string or None, got {type(context).__name__}")
    return context if context.strip() else None


def prepare(text: str, max_chars: int = MAX_CHARS) -> Prepared:
    """Replace lone surrogates, truncate over-long text and normalise quote marks for parsing."""
    warnings: list[str] = []
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
        warnings.append("replaced invalid characters (lone surrogates) with U+FFFD")
    if len(text) > max_chars:
        cut = _cut_point(text, max_chars)
        warnings.append(f"truncated from {len(text)} to {cut} characters (limit {max_chars})")
        text = text[:cut]
    parse = text.translate(_NORMALISE)
    return Prepared(text=text, parse=parse, warnings=tuple(warnings))


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    for sep in ("\n", ". ", "! ", "? ", " "):
        i = window.rfind(sep)
        if i > limit * 0.8:
            return i + len(sep.rstrip()) if sep != " " else i
    return limit


def looks_english(parse_doc) -> bool:
    """A cheap check that a parsed text is English: enough common English function words."""
    words = [t for t in parse_doc if t.is_alpha]
    if len(words) < 4:
        return True
    ascii_share = sum(all(ord(c) < 128 for c in t.text) for t in words) / len(words)
    stop_share = sum(t.is_stop for t in words) / len(words)
    return ascii_share > 0.7 and stop_share > 0.15


