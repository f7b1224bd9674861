"""attune.display: the HTML view of a result and the comparison of two drafts."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

import attune
from attune import DIMENSIONS
from attune.dimensions import LABELS
from attune.display import Comparison, compare, result_html
from attune.result import DimensionScore, Evidence, Result

ANGRY = ("Third time I'm writing. The engineer never showed up AGAIN and I took a day off "
         "work for it. I want to know what you're going to do about it.")
CURT = "Refunds take 5-7 days."
WARM = ("I'm so sorry - you took a day off work for this and our engineer let you down for the "
        "third time. That's on us, not you. I've booked the first slot tomorrow, 8-10am, with "
        "a named engineer, and I'll call you at 8am to confirm he is on his way.")

VOID = {"input", "br", "meta", "img", "hr", "link", "wbr"}


class Parsed(HTMLParser):
    """Checks that the markup is well nested and collects what the tests look at.

    ``visible`` is the text inside ``div.attune-text`` (entities unescaped); ``pieces`` maps
    each mark's ``data-evidence`` index to the text it wraps; ``marks`` lists every mark's
    attributes.
    """

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.text_depth: int | None = None
        self.visible: list[str] = []
        self.texts: list[str] = []
        self.pieces: dict[int, str] = defaultdict(str)
        self.marks: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.feed(markup)
        self.close()
        assert not self.stack, f"unclosed tags: {[t for t, _ in self.stack]}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in VOID:
            return
        self.stack.append((tag, attrs))
        if tag == "div" and "attune-text" in attrs.get("class", "").split():
            assert self.text_depth is None, "text blocks must not nest"
            self.text_depth = len(self.stack)
            self.visible = []
        if tag == "mark":
            self.marks.append(attrs)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        open_tag, _ = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>: not well nested"
        if self.text_depth is not None and len(self.stack) < self.text_depth:
            self.texts.append("".join(self.visible))
            self.text_depth = None

    def handle_data(self, data):
        if self.text_depth is None:
            return
        self.visible.append(data)
        for tag, attrs in self.stack:
            if tag == "mark":
                self.pieces[int(attrs["data-evidence"])] += data


def ev(text: str, phrase: str, dimension: str, effect: float, cue: str = "test_cue",
       occurrence: int = 0) -> Evidence:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return Evidence(start, start + len(phrase), phrase, cue, dimension, effect)


def make(text: str, evidence=(), context=None, scores=None, warnings=(), suggestions=None,
         model=None) -> Result:
    scores = scores or {}
    suggestions = suggestions or {}
    dims = tuple(
        DimensionScore(name, scores.get(name, 50.0),
                       evidence=tuple(e for e in evidence if e.dimension == name),
                       suggestion=suggestions.get(name))
        for name in DIMENSIONS
    )
    return Result(text=text, context=context, dimensions=dims, warnings=tuple(warnings),
                  model=model)


OVERLAP_TEXT = "I'm so sorry, that's on us.\nI'll fix it today & call you <b>at 8am</b>."


@pytest.fixture
def overlapping() -> Result:
    t = OVERLAP_TEXT
    evidence = [
        ev(t, "I'm so sorry", "empathy", 6.2, "apology_owned"),
        ev(t, "sorry, that's on us", "non_defensiveness", 8.0, "ownership"),
        ev(t, "sorry", "awareness", -1.5, "phrase"),          # inside both of the above
        ev(t, "sorry", "tolerance", 0.7, "phrase"),           # same span, another dimension
        ev(t, "on us.\nI'll fix", "turning_toward", 3.0),     # crosses the newline
        ev(t, "I'll fix it today & call you <b>at 8am</b>", "turning_toward", 5.5, "commitment"),
        ev(t, "today", "understanding", 1.2, "time_bound"),
        ev(t, "<b>at 8am</b>.", "empathy", -2.0),             # runs to the last character
        ev(t, "I", "understanding", 0.4),                      # the first character
    ]
    return make(t, evidence, context="Where is my <script>engineer</script>?!")


@pytest.fixture(scope="module")
def replies(scorer) -> Comparison:
    """The curt and the warm reply to the angry customer, scored once for the module."""
    return compare(CURT, WARM, context=ANGRY, scorer=scorer)


# -- escaping and self-containment ---------------------------------------------------------

def test_script_in_text_and_context_is_escaped():
    text = "Hi <script>alert(1)</script> & welcome"
    r = make(text, [ev(text, "<script>alert(1)</script>", "empathy", -3.0)],
             context="<script>alert('ctx')</script>", warnings=["<script>w</script>"])
    out = result_html(r)
    assert "<script" not in out.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;script&gt;alert(&#x27;ctx&#x27;)&lt;/script&gt;" in out or \
           "&lt;script&gt;alert('ctx')&lt;/script&gt;" in out
    parsed = Parsed(out)
    assert parsed.texts == [text]
    assert not any(tag == "script" for tag, _ in parsed.tags)


def test_output_loads_nothing_from_outside(overlapping, replies):
    for out in (result_html(overlapping), replies._repr_html_(), result_html(replies.b)):
        lowered = out.lower()
        for banned in ("http://", "https://", "<link", "src=", "<script", "@import", "url("):
            assert banned not in lowered, banned


def test_one_root_div_with_scoped_style(overlapping):
    out = result_html(overlapping)
    assert out.startswith('<div class="attune-result"><style>')
    assert out.endswith("</div>")
    css = re.search(r"<style>(.*?)</style>", out, re.S).group(1)
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", css) for s in block.split(",")]
    assert selectors and all(s.startswith((".attune-result", ".attune-compare"))
                             for s in selectors if s)


# -- evidence highlighting ------------------------------------------------------------------

def test_overlapping_evidence_is_well_nested_and_every_mark_matches_its_offsets(overlapping):
    parsed = Parsed(result_html(overlapping))  # asserts well-nestedness
    assert parsed.texts == [OVERLAP_TEXT]
    evidence = overlapping.evidence
    assert set(parsed.pieces) == set(range(len(evidence)))
    for i, e in enumerate(evidence):
        assert parsed.pieces[i] == OVERLAP_TEXT[e.start:e.end]
    for attrs in parsed.marks:
        e = evidence[int(attrs["data-evidence"])]
        assert attrs["data-dimension"] == e.dimension
        assert float(attrs["data-effect"]) == pytest.approx(e.effect, abs=0.005)


def test_real_result_marks_match_offsets(replies):
    for r in (replies.a, replies.b):
        parsed = Parsed(r._repr_html_())
        assert parsed.texts == [r.text]
        assert r.evidence, "the shipped model should find evidence in both replies"
        for i, e in enumerate(r.evidence):
            assert parsed.pieces[i] == r.text[e.start:e.end] == e.text


def test_positive_and_negative_marks_carry_different_classes(overlapping):
    parsed = Parsed(result_html(overlapping))
    classes = {attrs["class"] for attrs in parsed.marks}
    assert classes == {"attune-pos", "attune-neg"}
    for attrs in parsed.marks:
        expected = "attune-pos" if float(attrs["data-effect"]) > 0 else "attune-neg"
        assert attrs["class"] == expected


def test_mark_tooltip_names_dimension_effect_and_cue(overlapping):
    parsed = Parsed(result_html(overlapping))
    titles = [attrs["title"] for attrs in parsed.marks]
    assert any(t.startswith("Empathy +6.2 (cue: apology_owned)") for t in titles)
    assert any(t.startswith("Awareness -1.5 (cue: phrase)") for t in titles)
    # the innermost mark over "sorry" lists all four pieces of evidence covering it
    innermost = [t for t in titles if t.count("\n") == 3]
    assert innermost and all(LABELS[d] in innermost[0]
                             for d in ("empathy", "non_defensiveness", "awareness", "tolerance"))


def test_stronger_evidence_is_drawn_more_intensely():
    text = "weak strong"
    r = make(text, [ev(text, "weak", "empathy", 0.5), ev(text, "strong", "empathy", 9.0)])
    alphas = {a["data-effect"]: float(re.search(r"--a:([\d.]+)", a["style"]).group(1))
              for a in Parsed(result_html(r)).marks}
    assert alphas["9.00"] > alphas["0.50"]


def test_evidence_outside_the_text_is_clipped_not_fatal():
    text = "short text"
    bad = [Evidence(6, 50, "text", "x", "empathy", 2.0), Evidence(3, 3, "", "x", "tolerance", 1.0),
           Evidence(-4, 2, "sh", "x", "awareness", -1.0)]
    r = make(text, bad)
    parsed = Parsed(result_html(r))
    assert parsed.texts == [text]
    assert parsed.pieces[r.evidence.index(bad[0])] == "text"  # clipped at the end
    assert parsed.pieces[r.evidence.index(bad[2])] == "sh"    # clipped at the start
    assert len(parsed.marks) == 2                               # the empty span is skipped


def test_newlines_are_kept_and_shown_as_line_breaks(overlapping):
    out = result_html(overlapping)
    assert "\n" in Parsed(out).texts[0]
    block = re.search(r'<div class="attune-text" style="([^"]*)"', out)
    assert block and "white-space:pre-wrap" in block.group(1)


def test_each_result_gets_its_own_filter_group(overlapping):
    names = [re.findall(r'type="radio" name="([^"]+)"', result_html(overlapping))
             for _ in range(2)]
    assert len(set(names[0])) == 1 and len(names[0]) == len(DIMENSIONS) + 1
    assert names[0][0] != names[1][0]


# -- scores, suggestions, context, warnings, errors -----------------------------------------

def test_every_dimension_has_a_labelled_bar_with_its_score(overlapping, replies):
    scores = dict(zip(DIMENSIONS, (12.0, 37.5, 50.0, 64.9, 65.0, 100.0)))
    out = result_html(make("Thanks.", scores=scores))
    for name, score in scores.items():
        row = re.search(rf'<div class="attune-dim attune-(\w+)" data-dimension="{name}">(.*?)'
                        r'(?=<div class="attune-dim |$)', out, re.S)
        assert row, name
        assert f">{LABELS[name]}<" in row.group(2)
        assert f'style="width:{score:.1f}%"' in row.group(2)
        # rounded down so the number agrees with the level: 64.9 is "64", medium
        assert f'<span class="attune-score">{math.floor(score)}</span>' in row.group(2)
    levels = re.findall(r'<div class="attune-dim attune-(\w+)"', out)
    assert levels == ["low", "low", "medium", "medium", "high", "high"]
    real = replies.b._repr_html_()
    assert all(f">{LABELS[name]}<" in real for name in DIMENSIONS)


def test_suggestions_are_shown_escaped():
    r = make("Noted.", suggestions={"empathy": 'Say "sorry" & <mean> it.'})
    out = result_html(r)
    assert 'Say &quot;sorry&quot; &amp; &lt;mean&gt; it.' in out


def test_context_is_shown_only_when_present(overlapping):
    assert "Customer wrote" in result_html(overlapping)
    assert "Where is my &lt;script&gt;engineer&lt;/script&gt;?!" in result_html(overlapping)
    assert "Customer wrote" not in result_html(make("A marketing email."))


def test_warnings_and_model_are_shown():
    r = make("Long text.", warnings=["text truncated to 20000 characters <at a sentence>"],
             model="attune-en-1")
    out = result_html(r)
    assert "text truncated to 20000 characters &lt;at a sentence&gt;" in out
    assert "attune-en-1" in out


def test_failed_result_renders_its_error_and_text():
    r = Result.failed("<i>half</i> a reply", None, "the text does not look like English")
    out = result_html(r)
    parsed = Parsed(out)
    assert "the text does not look like English" in out
    assert "Not scored" in out
    assert parsed.texts == ["<i>half</i> a reply"]
    assert parsed.marks == []
    assert 'class="attune-dim' not in out  # no bars of NaN scores
    assert "<i>" not in out


def test_repr_html_is_result_html(overlapping):
    def strip_group(s):
        return re.sub(r'name="attune-\d+"', 'name="g"', s)

    assert strip_group(overlapping._repr_html_()) == strip_group(result_html(overlapping))


def test_result_html_rejects_other_objects():
    with pytest.raises(TypeError, match="Result"):
        result_html({"text": "hi"})


# -- compare --------------------------------------------------------------------------------

def test_compare_deltas_are_b_minus_a(replies):
    a, b = replies.a.scores, replies.b.scores
    assert dict(replies.deltas) == {name: b[name] - a[name] for name in DIMENSIONS}
    with pytest.raises(TypeError):
        replies.deltas["empathy"] = 0.0  # read-only


def test_warm_owned_apology_beats_curt_reply_on_empathy(replies):
    assert replies.a.text == CURT and replies.b.text == WARM
    assert replies.a.context == replies.b.context == ANGRY
    assert replies.deltas["empathy"] > 20
    assert replies.deltas["non_defensiveness"] > 0
    row = next(r for r in replies.table() if r["dimension"] == "empathy")
    assert row["change"] > 0 and row["b"] > row["a"]


def test_compare_table_rows(replies):
    rows = replies.table()
    assert [r["dimension"] for r in rows] == [*DIMENSIONS, "overall"]
    assert set(rows[0]) == {"dimension", "a", "b", "change", "a_level", "b_level"}
    overall = rows[-1]
    assert overall["a"] == pytest.approx(replies.a.overall)
    assert overall["change"] == pytest.approx(replies.b.overall - replies.a.overall)
    for row in rows[:-1]:
        assert row["a_level"] == replies.a[row["dimension"]].level
        assert row["b_level"] == replies.b[row["dimension"]].level


def test_compare_to_frame(replies):
    pytest.importorskip("pandas")
    frame = replies.to_frame()
    assert list(frame.index) == [*DIMENSIONS, "overall"]
    assert list(frame.columns) == ["a", "b", "change", "a_level", "b_level"]
    assert frame.loc["empathy", "change"] == pytest.approx(replies.deltas["empathy"])


def test_to_frame_without_pandas_names_the_extra(replies, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape('pip install "attune-tone[frame]"')):
        replies.to_frame()


def test_compare_summary_is_a_plain_table(replies):
    text = str(replies)
    assert text == replies.summary()
    lines = text.splitlines()
    assert len(lines) == 1 + len(DIMENSIONS) + 1
    assert lines[-1].startswith("Overall")
    empathy = next(line for line in lines if line.startswith("Empathy"))
    assert f"{replies.deltas['empathy']:+.1f}" in empathy
    assert "<" not in text.replace("->", "")


def test_compare_html_shows_two_columns_and_arrows(replies):
    out = replies._repr_html_()
    parsed = Parsed(out)
    assert parsed.texts == [CURT, WARM]
    assert out.count('<div class="attune-result">') == 2
    assert out.count("Customer wrote") == 1  # the shared context once, above both
    empathy_row = re.search(r'<tr data-dimension="empathy">(.*?)</tr>', out).group(1)
    assert 'class="attune-up">▲ +' in empathy_row


def test_compare_html_marks_a_drop_down_and_red():
    a = make("Good.", scores={"empathy": 80.0})
    b = make("Bad.", scores={"empathy": 30.0, "tolerance": 50.2})
    c = Comparison(a, b)
    out = c._repr_html_()
    assert re.search(r'<tr data-dimension="empathy">.*?class="attune-down">▼ -50\.0<', out)
    assert re.search(r'<tr data-dimension="tolerance">.*?class="attune-same">', out)
    assert c.deltas["empathy"] == -50.0


class FakeScorer:
    def __init__(self):
        self.calls = []

    def score(self, text, context=None):
        self.calls.append((text, context))
        return make(text, context=context, scores={"empathy": 10.0 * len(self.calls)})


def test_compare_uses_the_default_scorer(monkeypatch):
    fake = FakeScorer()
    monkeypatch.setattr(attune, "_default_scorer", lambda: fake)
    c = attune.compare("first", "second", context="ctx")
    assert fake.calls == [("first", "ctx"), ("second", "ctx")]
    assert c.deltas["empathy"] == 10.0


def test_compare_with_a_failed_result():
    c = Comparison(Result.failed("", None, "text is empty"), make("ok"))
    assert all(math.isnan(v) for v in c.deltas.values())
    assert "A not scored: text is empty" in c.summary()
    Parsed(c._repr_html_())


def test_compare_rejects_blank_drafts(scorer):
    with pytest.raises(attune.InputError):
        compare("   ", WARM, context=ANGRY, scorer=scorer)


def test_compare_is_exported_lazily():
    code = ("import sys, attune; attune.compare; attune.Comparison; "
            "from attune import compare, Comparison; "
            "heavy = [m for m in ('spacy', 'sklearn', 'pandas', 'matplotlib') if m in sys.modules];"
            " assert not heavy, heavy; assert 'compare' in attune.__all__")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
