"""Checking and preparing input text before it reaches spaCy."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .errors import InputError

MAX_CHARS = 20_000
"""Texts longer than this many characters are truncated (at a sentence or word boundary)
before scoring; the result says so in ``Result.warnings``."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# same-length replacements so offsets into the parsed text are offsets into Result.text
_QUOTES = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}


def normalise_quotes(text: str) -> str:
    """Curly quotes made straight (ASCII text has none; a few ``str.replace`` scans beat
    ``str.translate``'s per-character lookups)."""
    if text.isascii():
        return text
    for curly, plain in _QUOTES.items():
        text = text.replace(curly, plain)
    return text


@dataclass(frozen=True)
class Prepared:
    """A text ready to parse: ``text`` is what offsets refer to; ``parse`` has the same length."""

    text: str
    parse: str
    warnings: tuple[str, ...] = ()


_MISSING_TYPES = frozenset({"NAType", "NaTType"})  # pandas.NA and pandas.NaT, without pandas


def _is_missing(value) -> bool:
    """None, NaN, pandas.NA or pandas.NaT: the ways a table says "no value"."""
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or type(value).__name__ in _MISSING_TYPES)


def check_text(text, what: str = "text") -> str:
    """Return ``text`` if it can be scored; raise :class:`InputError` saying why if not."""
    if _is_missing(text):
        raise InputError(f"{what} is missing (None or NaN); pass a non-empty string")
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


_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|html|body|head|a|b|i|u|strong|em|table|tr|td|th|li|ul|ol|h[1-6]|img|"
    r"font|center|blockquote|style|script)\b[^>]*>",
    re.I,
)
_SKIPPED = frozenset({"script", "style", "head"})
_BLOCK = frozenset({"p", "br", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4",
                    "h5", "h6", "blockquote", "body", "html"})


class _TextExtractor(HTMLParser):
    """Collects the visible text: skips scripts, styles, the head, and elements hidden with
    ``display:none`` (the preheaders of marketing emails)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._hidden: list[list] = []  # [tag, depth of that tag name] of hidden elements

    def handle_starttag(self, tag, attrs):
        if self._hidden:
            if tag == self._hidden[-1][0]:
                self._hidden[-1][1] += 1
            return
        if tag in _SKIPPED:
            self._skip += 1
        elif _is_hidden(attrs):
            self._hidden.append([tag, 1])
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if not self._hidden and not self._skip and tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self._hidden:
            if tag == self._hidden[-1][0]:
                self._hidden[-1][1] -= 1
                if self._hidden[-1][1] == 0:
                    self._hidden.pop()
            return
        if tag in _SKIPPED:
            self._skip = max(self._skip - 1, 0)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip and not self._hidden:
            self.parts.append(data)


def _is_hidden(attrs) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "style" and value and re.search(r"display\s*:\s*none", value, re.I):
            return True
    return False


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment or page: tags dropped, blocks on their own lines,
    scripts and styles removed, entities decoded."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def looks_like_html(text: str) -> bool:
    return _HTML_TAG.search(text, 0, 20000) is not None


def prepare(text: str, max_chars: int = MAX_CHARS) -> Prepared:
    """Convert HTML to text, replace lone surrogates, truncate over-long text and normalise
    quote marks for parsing. Offsets in results refer to the returned ``text``."""
    warnings: list[str] = []
    if looks_like_html(text):
        converted = html_to_text(text)
        if converted.strip():
            text = converted
            warnings.append("converted HTML to plain text before scoring")
    elif "&" in text and re.search(r"&(?:[a-z]+|#\d+);", text):
        text = html.unescape(text)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
        warnings.append("replaced invalid characters (lone surrogates) with U+FFFD")
    if len(text) > max_chars:
        cut = _cut_point(text, max_chars)
        warnings.append(f"truncated from {len(text)} to {cut} characters (limit {max_chars})")
        text = text[:cut]
    parse = normalise_quotes(text)
    return Prepared(text=text, parse=parse, warnings=tuple(warnings))


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    for sep in ("\n", ". ", "! ", "? ", " "):
        i = window.rfind(sep)
        if i > limit * 0.8:
            return i + len(sep.rstrip()) if sep != " " else i
    return limit


_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")


def english_by_counts(text: str, words: int, function_words: int) -> bool:
    """Whether a text looks English: mostly Latin letters, and (with four words or more) enough
    common English function words. ``words`` counts its alphabetic tokens, ``function_words``
    those of them that are stop words.

    >>> english_by_counts("We have refunded the fee to your card.", 8, 5)
    True
    >>> english_by_counts("Nous avons remboursé les frais sur votre carte.", 8, 0)
    False
    """
    if _NON_LATIN_LETTER.search(text) is not None:  # only then count: most texts have none
        letters = len(_LETTER.findall(text))
        if letters >= 4 and 1.0 - len(_NON_LATIN_LETTER.findall(text)) / letters < 0.7:
            return False
    if words < 4:
        return True
    return function_words / words > 0.15
