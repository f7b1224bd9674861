"""HTML views of results for notebooks, and side-by-side comparison of two drafts.

:func:`result_html` renders one :class:`~attune.result.Result` as a self-contained HTML
fragment: the text with its evidence highlighted, a bar per dimension, the suggestions, the
customer message it replies to and any warnings. ``Result._repr_html_`` uses it, so a result
left at the end of a notebook cell shows itself.

:func:`compare` scores two drafts against the same context and returns a :class:`Comparison`
that prints as a table and renders as two highlighted columns with the change per dimension.

Standard library only: no scripts, no external styles or fonts, and everything that came from
the user (text, context, error and warning messages) is escaped.

Examples
--------
>>> import attune                                                   # doctest: +SKIP
>>> attune.score("Refunds take 5-7 days.", context="Where is my money?")   # doctest: +SKIP
>>> c = attune.compare("Refunds take 5-7 days.",
...                    "Sorry, Sam - that's on us. I've refunded the £40 today.",
...                    context="You charged me twice and nobody answers!")  # doctest: +SKIP
>>> print(c)                                                        # doctest: +SKIP
"""

from __future__ import annotations

import html
import itertools
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from .dimensions import DIMENSIONS, HIGH_FROM, LABELS, LOW_BELOW, level_for
from .result import Evidence, Result

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .scorer import Scorer

__all__ = ["result_html", "compare", "Comparison"]

POSITIVE_RGB = "46, 160, 67"
"""Highlight colour of evidence that raised a score (green)."""

NEGATIVE_RGB = "218, 54, 51"
"""Highlight colour of evidence that lowered a score (red)."""

MARK_FULL_AT = 8.0
"""A single piece of evidence is drawn at full intensity from this many score points."""

SEGMENT_FULL_AT = 15.0
"""A stretch of text is drawn at full intensity when its evidence sums to this many points."""

UNCHANGED_BELOW = 0.5
"""Changes smaller than this many points are shown as unchanged in a comparison."""

CHIPS_PER_DIMENSION = 3
"""How many pieces of evidence are listed under each dimension's bar."""

CHIP_CHARS = 48
"""Evidence longer than this is shortened in the list under a bar (the text keeps it whole)."""

_radio_groups = itertools.count(1)


# -- styles ---------------------------------------------------------------------------------

def _filter_rules() -> str:
    """CSS that, when a dimension is picked above the text, shows only that dimension's marks."""
    rules = [
        ".attune-result:has(.attune-filter input:not([value='all']):checked) .attune-seg"
        "{background:transparent;border-bottom-color:transparent}"
    ]
    for name in DIMENSIONS:
        picked = f".attune-result:has(.attune-filter input[value='{name}']:checked)"
        mark = f'mark[data-dimension="{name}"]'
        rules.append(f"{picked} {mark}.attune-pos{{background:rgba({POSITIVE_RGB},var(--a))}}")
        rules.append(f"{picked} {mark}.attune-neg{{background:rgba({NEGATIVE_RGB},var(--a))}}")
    return "\n".join(rules)


_CSS = f"""
.attune-result, .attune-compare {{
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  font-size: 14px; line-height: 1.45; color: #1f2328; background: #ffffff;
  text-align: left; box-sizing: border-box;
}}
.attune-result *, .attune-compare * {{ box-sizing: border-box; }}
.attune-result {{
  max-width: 880px; padding: 16px 18px; border: 1px solid #d8dee4; border-radius: 10px;
  margin: 4px 0;
}}
.attune-result .attune-head {{
  display: flex; align-items: baseline; gap: 10px; margin-bottom: 12px; flex-wrap: wrap;
}}
.attune-result .attune-title {{ font-weight: 600; font-size: 15px; }}
.attune-result .attune-overall {{ font-size: 22px; font-weight: 700; }}
.attune-result .attune-outof {{ color: #656d76; font-size: 13px; }}
.attune-result .attune-model {{ color: #8c959f; font-size: 11px; margin-top: 8px; }}
.attune-result .attune-caption, .attune-compare .attune-caption {{
  font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase;
  color: #656d76; margin: 0 0 4px;
}}
.attune-result .attune-context, .attune-compare .attune-context {{
  background: #f4f6f8; color: #57606a; border-left: 3px solid #afb8c1; border-radius: 6px;
  padding: 8px 12px; margin-bottom: 14px; white-space: pre-wrap; font-size: 13px;
}}
.attune-result .attune-text {{
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 15px; line-height: 1.75;
  padding: 10px 12px; border: 1px solid #d8dee4; border-radius: 6px; margin-bottom: 6px;
}}
.attune-result mark {{ background: transparent; color: inherit; padding: 0; border-radius: 2px; }}
.attune-result .attune-seg {{ border-bottom: 2px solid transparent; }}
.attune-result .attune-seg.attune-pos {{
  background: rgba({POSITIVE_RGB}, var(--a)); border-bottom-color: rgb({POSITIVE_RGB});
}}
.attune-result .attune-seg.attune-neg {{
  background: rgba({NEGATIVE_RGB}, var(--a)); border-bottom-color: rgb({NEGATIVE_RGB});
}}
.attune-result .attune-filter {{
  display: flex; flex-wrap: wrap; align-items: center; gap: 4px; margin: 0 0 6px;
  font-size: 12px; color: #656d76;
}}
.attune-result .attune-filter label {{ position: relative; cursor: pointer; }}
.attune-result .attune-filter input {{
  position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0;
}}
.attune-result .attune-filter span {{
  display: inline-block; padding: 1px 8px; border: 1px solid #d0d7de; border-radius: 999px;
  color: #424a53; background: #fff;
}}
.attune-result .attune-filter input:checked + span {{
  background: #24292f; border-color: #24292f; color: #fff;
}}
.attune-result .attune-filter input:focus-visible + span {{ outline: 2px solid #0969da; }}
.attune-result .attune-legend {{ font-size: 12px; color: #656d76; margin-bottom: 14px; }}
.attune-result .attune-key {{
  display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 3px 0 8px;
  vertical-align: -1px;
}}
.attune-result .attune-key.attune-pos {{ background: rgba({POSITIVE_RGB}, .55); }}
.attune-result .attune-key.attune-neg {{ background: rgba({NEGATIVE_RGB}, .55); }}
.attune-result .attune-dim {{
  display: grid; grid-template-columns: 140px minmax(80px, 1fr) 38px 62px;
  column-gap: 10px; row-gap: 3px; align-items: center; padding: 7px 0;
  border-top: 1px solid #eaeef2;
}}
.attune-result .attune-label {{ font-weight: 600; }}
.attune-result .attune-bar {{
  position: relative; height: 10px; border-radius: 5px; background: #eaeef2; overflow: hidden;
}}
.attune-result .attune-band {{
  position: absolute; top: 0; bottom: 0; width: 2px; background: #ffffff; z-index: 1;
}}
.attune-result .attune-fill {{ height: 100%; border-radius: 5px; }}
.attune-result .attune-low .attune-fill {{ background: #cf222e; }}
.attune-result .attune-medium .attune-fill {{ background: #d4a72c; }}
.attune-result .attune-high .attune-fill {{ background: #2da44e; }}
.attune-result .attune-score {{ text-align: right; font-variant-numeric: tabular-nums;
  font-weight: 600; }}
.attune-result .attune-level {{
  font-size: 11px; text-align: center; border-radius: 999px; padding: 1px 0; font-weight: 600;
}}
.attune-result .attune-low .attune-level {{ background: #ffebe9; color: #a40e26; }}
.attune-result .attune-medium .attune-level {{ background: #fff8c5; color: #7d4e00; }}
.attune-result .attune-high .attune-level {{ background: #dafbe1; color: #116329; }}
.attune-result .attune-none .attune-level {{ background: #eaeef2; color: #57606a; }}
.attune-result .attune-detail {{ grid-column: 2 / -1; font-size: 12.5px; }}
.attune-result .attune-chip {{
  display: inline-block; margin: 1px 6px 1px 0; padding: 0 6px; border-radius: 4px;
  max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  vertical-align: top;
}}
.attune-result .attune-chip.attune-pos {{ background: rgba({POSITIVE_RGB}, .13); color: #116329; }}
.attune-result .attune-chip.attune-neg {{ background: rgba({NEGATIVE_RGB}, .12); color: #a40e26; }}
.attune-result .attune-chip b {{ font-variant-numeric: tabular-nums; font-weight: 600; }}
.attune-result .attune-suggestion {{ color: #424a53; font-style: italic; margin-top: 2px; }}
.attune-result .attune-warning {{
  background: #fff8c5; border: 1px solid #e6d27a; color: #4d3800; border-radius: 6px;
  padding: 6px 10px; margin-top: 10px; font-size: 13px;
}}
.attune-result .attune-error {{
  background: #ffebe9; border: 1px solid #ff8182; color: #82071e; border-radius: 6px;
  padding: 8px 12px; margin-bottom: 12px;
}}
.attune-compare {{
  max-width: 1180px; margin: 4px 0; padding: 16px 18px; border: 1px solid #d8dee4;
  border-radius: 10px;
}}
.attune-compare .attune-compare-title {{ font-weight: 600; font-size: 15px; margin-bottom: 12px; }}
.attune-compare .attune-cols {{
  display: grid; grid-template-columns: repeat(auto-fit, minmax(430px, 1fr)); gap: 14px;
  align-items: start;
}}
.attune-compare .attune-cols .attune-result {{ max-width: none; margin: 0; }}
.attune-compare table.attune-changes {{
  border-collapse: collapse; margin: 0 0 14px; font-size: 13.5px; width: auto;
}}
.attune-compare table.attune-changes th, .attune-compare table.attune-changes td {{
  padding: 4px 14px; border: none; border-bottom: 1px solid #eaeef2; text-align: right;
  background: transparent; color: #1f2328; font-variant-numeric: tabular-nums;
}}
.attune-compare table.attune-changes th {{ font-size: 11px; text-transform: uppercase;
  letter-spacing: .06em; color: #656d76; font-weight: 600; }}
.attune-compare table.attune-changes .attune-name {{ text-align: left; font-weight: 600; }}
.attune-compare table.attune-changes tr.attune-total td {{
  border-top: 2px solid #d0d7de; font-weight: 700;
}}
.attune-compare table.attune-changes td.attune-up {{ color: #116329; font-weight: 700; }}
.attune-compare table.attune-changes td.attune-down {{ color: #a40e26; font-weight: 700; }}
.attune-compare table.attune-changes td.attune-same {{ color: #8c959f; }}
.attune-compare table.attune-changes .attune-lvl {{ text-align: left; }}
.attune-compare table.attune-changes td.attune-lvl {{ color: #656d76; font-size: 12px; }}
{_filter_rules()}
"""


def _style() -> str:
    return f"<style>{_CSS}</style>"


# -- small helpers --------------------------------------------------------------------------

def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float, spec: str = ".1f") -> str:
    return "—" if value is None or math.isnan(value) else format(value, spec)


def _whole(score: float) -> str:
    """A score as a whole number, rounded down so it agrees with its level (39.9 is "39",
    low, not "40"); the thresholds are whole numbers."""
    return "—" if score is None or math.isnan(score) else str(math.floor(score))


def _sign_class(value: float) -> str:
    return "attune-pos" if value >= 0 else "attune-neg"


def _alpha(value: float, full_at: float) -> str:
    return f"{0.14 + 0.46 * min(abs(value) / full_at, 1.0):.2f}"


def _label(dimension: str) -> str:
    return LABELS.get(dimension, dimension)


def _describe(e: Evidence) -> str:
    """One line of a tooltip: ``"Empathy +6.2 (cue: apology_owned)"``."""
    return f"{_label(e.dimension)} {e.effect:+.1f} (cue: {e.cue})"


def _segments(text: str, evidence: Sequence[Evidence]) -> Iterator[tuple[int, int, list[int]]]:
    """Split ``text`` at every evidence boundary.

    Yields ``(start, end, covering)`` for consecutive stretches that together make up the whole
    text; ``covering`` lists the indices of the evidence spanning the stretch. Offsets outside
    the text are clipped and empty spans skipped, so a result edited by hand cannot break the
    markup.
    """
    n = len(text)
    spans = []
    for i, e in enumerate(evidence):
        start, end = max(0, min(e.start, n)), max(0, min(e.end, n))
        if start < end:
            spans.append((i, start, end))
    cuts = sorted({0, n} | {s for _, s, _ in spans} | {e for _, _, e in spans})
    for start, end in zip(cuts, cuts[1:]):
        covering = [i for i, s, e in spans if s <= start and end <= e]
        # longest span outermost, so nesting mirrors containment
        covering.sort(key=lambda i: (-(evidence[i].end - evidence[i].start), i))
        yield start, end, covering


# -- one result -----------------------------------------------------------------------------

def _highlighted_text(result: Result) -> str:
    """The text, escaped, with every stretch covered by evidence wrapped in nested marks.

    Each stretch sits in a ``span.attune-seg`` coloured by the summed effect of the evidence
    covering it; inside, one ``<mark>`` per piece of evidence carries its dimension, effect,
    sign class and tooltip (the innermost one lists every piece covering the stretch, since a
    browser shows the innermost tooltip).
    """
    evidence = result.evidence
    out = []
    for start, end, covering in _segments(result.text, evidence):
        piece = html.escape(result.text[start:end], quote=False)
        if not covering:
            out.append(piece)
            continue
        net = sum(evidence[i].effect for i in covering)
        marks = []
        for depth, i in enumerate(covering):
            e = evidence[i]
            lines = [_describe(e)]
            if depth == len(covering) - 1:
                others = [evidence[j] for j in covering if j != i]
                lines += [_describe(x) for x in sorted(others, key=lambda x: -abs(x.effect))]
            marks.append(
                f'<mark class="{_sign_class(e.effect)}" data-evidence="{i}" '
                f'data-dimension="{_esc(e.dimension)}" data-effect="{e.effect:.2f}" '
                f'data-cue="{_esc(e.cue)}" style="--a:{_alpha(e.effect, MARK_FULL_AT)}" '
                f'title="{_esc(chr(10).join(lines))}">'
            )
        out.append(
            f'<span class="attune-seg {_sign_class(net)}" '
            f'style="--a:{_alpha(net, SEGMENT_FULL_AT)}">'
            + "".join(marks) + piece + "</mark>" * len(marks) + "</span>"
        )
    return "".join(out)


def _filter(group: str) -> str:
    """Pills above the text that pick which dimension's evidence is highlighted (CSS only)."""
    options = [("all", "All")] + [(name, LABELS[name]) for name in DIMENSIONS]
    pills = "".join(
        f'<label><input type="radio" name="{group}" value="{value}"'
        f'{" checked" if value == "all" else ""}><span>{_esc(text)}</span></label>'
        for value, text in options
    )
    return f'<div class="attune-filter">Highlight {pills}</div>'


def _chips(evidence: Sequence[Evidence]) -> str:
    """The strongest evidence of one dimension, one chip each (same text and cue listed once)."""
    seen, chips = set(), []
    for e in sorted(evidence, key=lambda x: -abs(x.effect)):
        if (e.text, e.cue) in seen:
            continue
        seen.add((e.text, e.cue))
        shown = e.text if len(e.text) <= CHIP_CHARS else e.text[: CHIP_CHARS - 1].rstrip() + "…"
        chips.append(
            f'<span class="attune-chip {_sign_class(e.effect)}" title="{_esc(_describe(e))}">'
            f"<b>{e.effect:+.1f}</b> {_esc(shown)}</span>"
        )
        if len(chips) == CHIPS_PER_DIMENSION:
            break
    return "".join(chips)


def _dimension_rows(result: Result) -> str:
    rows = []
    for d in result.dimensions:
        level = d.level
        width = 0.0 if math.isnan(d.score) else max(0.0, min(d.score, 100.0))
        detail = _chips(d.evidence)
        if d.suggestion:
            detail += f'<div class="attune-suggestion">→ {_esc(d.suggestion)}</div>'
        rows.append(
            f'<div class="attune-dim attune-{level}" data-dimension="{_esc(d.dimension)}">'
            f'<span class="attune-label">{_esc(_label(d.dimension))}</span>'
            f'<div class="attune-bar" title="{_esc(_label(d.dimension))}: {_fmt(d.score)} / 100">'
            f'<div class="attune-band" style="left:{LOW_BELOW:g}%"></div>'
            f'<div class="attune-band" style="left:{HIGH_FROM:g}%"></div>'
            f'<div class="attune-fill" style="width:{width:.1f}%"></div></div>'
            f'<span class="attune-score">{_whole(d.score)}</span>'
            f'<span class="attune-level">{_esc(level)}</span>'
            + (f'<div class="attune-detail">{detail}</div>' if detail else "")
            + "</div>"
        )
    return "".join(rows)


def _context_box(context: str | None) -> str:
    if not context:
        return ""
    return (f'<div class="attune-caption">Customer wrote</div>'
            f'<div class="attune-context">{html.escape(context, quote=False)}</div>')


def _result_body(result: Result, title: str = "ATTUNE", show_context: bool = True) -> str:
    """The inside of a ``div.attune-result``: everything but the root and the style sheet."""
    parts = []
    if result.ok:
        overall = result.overall
        parts.append(
            f'<div class="attune-head"><span class="attune-title">{_esc(title)}</span>'
            f'<span class="attune-overall">{_whole(overall)}</span>'
            f'<span class="attune-outof">/ 100 overall · {_esc(level_for(overall))}</span>'
            "</div>"
        )
    else:
        parts.append(f'<div class="attune-head"><span class="attune-title">{_esc(title)}</span>'
                     f'<span class="attune-outof">not scored</span></div>')
        parts.append(f'<div class="attune-error"><b>Not scored:</b> {_esc(result.error)}</div>')
    if show_context:
        parts.append(_context_box(result.context))
    if result.ok:
        parts.append(_filter(f"attune-{next(_radio_groups)}"))
        parts.append('<div class="attune-text" style="white-space:pre-wrap">'
                     + _highlighted_text(result) + "</div>")
        parts.append('<div class="attune-legend">'
                     '<span class="attune-key attune-pos"></span>raised a score'
                     '<span class="attune-key attune-neg"></span>lowered a score'
                     " · darker = stronger · hover a highlight for the cues behind it</div>")
        parts.append(_dimension_rows(result))
    elif result.text:
        parts.append('<div class="attune-text" style="white-space:pre-wrap">'
                     + html.escape(result.text, quote=False) + "</div>")
    for warning in result.warnings:
        parts.append(f'<div class="attune-warning">⚠ {_esc(warning)}</div>')
    if result.model:
        parts.append(f'<div class="attune-model">model: {_esc(result.model)}</div>')
    return "".join(parts)


def result_html(result: Result) -> str:
    """Render a result as a self-contained HTML fragment for notebooks and reports.

    The fragment is one ``<div class="attune-result">`` holding its own scoped ``<style>``;
    it loads nothing and needs no JavaScript. It shows the customer message (if any), the text
    with each piece of evidence in a ``<mark>`` (green when it raised a score, red when it
    lowered one, stronger for larger effects, a tooltip naming the dimension, effect and cue),
    a bar, level and suggestion per dimension, and the warnings. A result that was not scored
    shows its error. All user-supplied text is escaped.

    Parameters
    ----------
    result : Result
        What :func:`attune.score` returned (or :meth:`Result.from_dict` rebuilt).

    Returns
    -------
    str
        The HTML fragment.

    Examples
    --------
    >>> from attune.display import result_html
    >>> from attune.result import Result
    >>> html = result_html(Result.failed("<b>hi</b>", None, "text is empty"))
    >>> "&lt;b&gt;hi&lt;/b&gt;" in html and "text is empty" in html
    True
    """
    if not isinstance(result, Result):
        raise TypeError(f"expected an attune Result, got {type(result).__name__}")
    return f'<div class="attune-result">{_style()}{_result_body(result)}</div>'


# -- two drafts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    """Two results of the same context side by side: ``a`` (the draft) and ``b`` (the rewrite).

    Build one with :func:`compare`. ``deltas`` holds ``b - a`` per dimension; ``table()`` and
    ``to_frame()`` give the numbers; printing it gives a plain-text table, and in a notebook it
    renders both highlighted texts in two columns under the change per dimension.
    """

    a: Result
    b: Result

    @property
    def deltas(self) -> Mapping[str, float]:
        """The change per dimension, ``b`` minus ``a`` in score points (read-only, NaN if
        either text was not scored)."""
        a, b = self.a.scores, self.b.scores
        return MappingProxyType({name: b[name] - a[name] for name in DIMENSIONS})

    def table(self) -> list[dict[str, Any]]:
        """One row per dimension plus an ``overall`` row: dimension, a, b, change, a_level,
        b_level (scores 0-100 unrounded; NaN where a text was not scored)."""
        rows = []
        for name in DIMENSIONS:
            da, db = self.a[name], self.b[name]
            rows.append({"dimension": name, "a": da.score, "b": db.score,
                         "change": db.score - da.score, "a_level": da.level, "b_level": db.level})
        oa, ob = self.a.overall, self.b.overall
        rows.append({"dimension": "overall", "a": oa, "b": ob, "change": ob - oa,
                     "a_level": level_for(oa), "b_level": level_for(ob)})
        return rows

    def to_frame(self) -> "pandas.DataFrame":
        """:meth:`table` as a pandas DataFrame indexed by dimension (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                'Comparison.to_frame() needs pandas: pip install "attune-tone[frame]"'
            ) from exc
        return pd.DataFrame(self.table()).set_index("dimension")

    def summary(self) -> str:
        """A plain-text table of both scores, the change and the levels per dimension."""
        lines = [f"{'':<18} {'A':>6} {'B':>6} {'change':>7}  levels"]
        for row in self.table():
            name = "Overall" if row["dimension"] == "overall" else _label(row["dimension"])
            change = row["change"]
            lines.append(f"{name:<18} {_fmt(row['a']):>6} {_fmt(row['b']):>6} "
                         f"{_fmt(change, '+.1f'):>7}  {row['a_level']} -> {row['b_level']}")
        for tag, r in (("A", self.a), ("B", self.b)):
            if not r.ok:
                lines.append(f"{tag} not scored: {r.error}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _changes_html(self) -> str:
        head = ("<tr><th class='attune-name'>Dimension</th><th>A</th><th>B</th>"
                "<th>Change</th><th class='attune-lvl'>Level</th></tr>")
        rows = []
        for row in self.table():
            change = row["change"]
            if math.isnan(change):
                cls, shown = "attune-same", "—"
            elif change >= UNCHANGED_BELOW:
                cls, shown = "attune-up", f"▲ {change:+.1f}"
            elif change <= -UNCHANGED_BELOW:
                cls, shown = "attune-down", f"▼ {change:+.1f}"
            else:
                cls, shown = "attune-same", f"= {change:+.1f}"
            total = row["dimension"] == "overall"
            name = "Overall" if total else _label(row["dimension"])
            tr_class = ' class="attune-total"' if total else ""
            rows.append(
                f'<tr{tr_class} data-dimension="{_esc(row["dimension"])}">'
                f'<td class="attune-name">{_esc(name)}</td><td>{_whole(row["a"])}</td>'
                f'<td>{_whole(row["b"])}</td><td class="{cls}">{shown}</td>'
                f'<td class="attune-lvl">{_esc(row["a_level"])} → {_esc(row["b_level"])}</td>'
                "</tr>"
            )
        return f'<table class="attune-changes">{head}{"".join(rows)}</table>'

    def _repr_html_(self) -> str:
        """Both results in two columns under a table of the change per dimension."""
        context = self.a.context if self.a.context == self.b.context else None
        cols = "".join(
            f'<div class="attune-result">'
            f"{_result_body(r, title=title, show_context=context is None)}</div>"
            for r, title in ((self.a, "A · draft"), (self.b, "B · rewrite"))
        )
        return (f'<div class="attune-compare">{_style()}'
                '<div class="attune-compare-title">ATTUNE · draft A and rewrite B</div>'
                f'{_context_box(context)}'
                f'{self._changes_html()}<div class="attune-cols">{cols}</div></div>')


def compare(
    draft_a: str,
    draft_b: str,
    context: str | None = None,
    scorer: "Scorer | None" = None,
) -> Comparison:
    """Score two drafts replying to the same customer message and compare them.

    Parameters
    ----------
    draft_a, draft_b : str
        The draft and its rewrite.
    context : str, optional
        The customer message both reply to; None for marketing emails.
    scorer : Scorer, optional
        Defaults to the scorer :func:`attune.score` uses.

    Returns
    -------
    Comparison
        ``.deltas`` holds ``b - a`` per dimension.

    Raises
    ------
    attune.InputError
        When either draft is None, not a string, or blank.

    Examples
    --------
    >>> import attune                                                  # doctest: +SKIP
    >>> c = attune.compare("Refunds take 5-7 days.",
    ...                    "I'm sorry - that's on us. I've refunded the £40 today.",
    ...                    context="You charged me twice!")            # doctest: +SKIP
    >>> c.deltas["non_defensiveness"] > 0                              # doctest: +SKIP
    True
    """
    if scorer is None:
        from . import _default_scorer

        scorer = _default_scorer()
    return Comparison(scorer.score(draft_a, context), scorer.score(draft_b, context))
