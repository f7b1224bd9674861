"""Whatever an export contains, scoring never crashes and never loses a row."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune import InputError, Result

ANY_CHAR = st.characters(codec=None)  # every code point, lone surrogates included
WEIRD = st.sampled_from(["\u200b", "\u200f", "\u202e", "\ufeff", "\x00", "\x07", "\r\n", "\u2028",
                         "🙂", "😡🔥", "\U0001F3F3\uFE0F\u200D\U0001F308", "\ud800", "\udfff",
                         "<script>alert(1)</script>", "&amp;", "\t", "ÅÄÖ", "日本語", "مرحبا"])
TEXTS = st.one_of(
    st.text(alphabet=ANY_CHAR, max_size=200),
    st.lists(WEIRD | st.text(max_size=20), max_size=12).map("".join),
    st.builds(lambda body: f"<html><body><p>{body}</p><br><div>Thanks, Jo</div></body></html>",
              st.text(max_size=80)),
)
CELLS = st.one_of(st.none(), st.just(float("nan")), st.integers(), st.floats(), st.binary(max_size=10),
                  st.just(""), st.just("   \n "), TEXTS)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check(result: Result) -> None:
    assert isinstance(result, Result)
    data = json.dumps(result.to_dict(), ensure_ascii=False)  # serialisable, no lone surrogates
    data.encode("utf-8")
    if result.ok:
        assert all(0.0 <= v <= 100.0 for v in result.scores.values())
        for e in result.evidence:
            assert result.text[e.start:e.end] == e.text
    else:
        assert result.error and all(math.isnan(v) for v in result.scores.values())


@SETTINGS
@given(batch=st.lists(st.tuples(CELLS, st.one_of(st.none(), TEXTS)), max_size=8))
def test_score_many_keeps_every_row(scorer, batch):
    texts = [t for t, _ in batch]
    contexts = [c for _, c in batch]
    results = scorer.score_many(texts, contexts, batch_size=3)
    assert len(results) == len(texts)
    for r in results:
        _check(r)


@SETTINGS
@given(text=CELLS)
def test_score_returns_a_result_or_a_clear_input_error(scorer, text):
    try:
        result = scorer.score(text)
    except InputError as exc:
        assert str(exc)
        return
    _check(result)


def test_html_is_converted_and_script_text_dropped(scorer):
    r = scorer.score("<html><head><style>p{color:red}</style></head><body><p>Sorry, we got this "
                     "wrong.</p><p>I&#39;ve refunded &pound;20 today.</p><script>alert(1)</script>"
                     "</body></html>")
    assert r.ok
    assert "<p>" not in r.text and "alert" not in r.text and "color" not in r.text
    assert "£20" in r.text and "I've refunded" in r.text
    assert any("HTML" in w for w in r.warnings)


def test_huge_text_is_truncated_not_dropped(scorer):
    text = ("We are sorry for the delay to order 1234. " * 5000)
    r = scorer.score(text)
    assert r.ok and any("truncated" in w for w in r.warnings)


@pytest.mark.parametrize("text", ["Bonjour, votre commande arrive demain matin, merci de votre patience.",
                                  "Ihre Bestellung wurde heute versandt und kommt morgen an.",
                                  "ご注文の商品は明日届きます。ご不便をおかけして申し訳ありません。"])
def test_non_english_is_flagged_low_confidence(scorer, text):
    r = scorer.score(text)
    assert r.ok and any("English" in w for w in r.warnings)


@SETTINGS
@given(batch=st.lists(st.tuples(CELLS, st.one_of(st.none(), st.just(float("nan")), TEXTS)), max_size=8),
       start=st.integers(-5, 5))
def test_score_frame_keeps_every_row_and_the_index(scorer, batch, start):
    pd = pytest.importorskip("pandas")
    from attune.frame import score_frame

    index = pd.Index([start + 3 * k for k in range(len(batch))][::-1], name="row")
    df = pd.DataFrame({"text": pd.Series([t for t, _ in batch], index=index, dtype=object),
                       "context": pd.Series([c for _, c in batch], index=index, dtype=object)})
    out = score_frame(df, "text", "context", scorer=scorer, batch_size=3)
    assert len(out) == len(df) and out.index.equals(df.index)
    pd.testing.assert_frame_equal(out[["text", "context"]], df)
    for overall, error in zip(out["overall"].tolist(), out["error"].tolist()):
        if error is None:
            assert 0.0 <= overall <= 100.0
        else:
            assert math.isnan(overall) and error
