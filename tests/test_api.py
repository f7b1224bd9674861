"""The public API a user relies on: load, score, score_many, Result."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import FrozenInstanceError

import pytest

import attune
from attune import DIMENSIONS, InputError, Result

CONTEXT = "The engineer never showed up AGAIN and I took a day off work for it."
ATTUNED = ("You took a day off for this and we let you down again. That's on us. I've booked "
           "the first slot tomorrow, 8-10am, and I'll call you at 7:45 to confirm. Priya")


def test_dimensions_are_the_six_in_attune_order():
    assert DIMENSIONS == ("awareness", "turning_toward", "tolerance", "understanding",
                          "non_defensiveness", "empathy")


def test_import_loads_nothing_heavy():
    code = ("import sys, attune; heavy = [m for m in ('spacy', 'sklearn', 'joblib') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert out.stderr == ""


def test_score_returns_six_scores_in_range(scorer):
    r = scorer.score(ATTUNED, context=CONTEXT)
    assert isinstance(r, Result) and r.ok
    assert list(r.scores) == list(DIMENSIONS)
    for name, value in r.scores.items():
        assert 0.0 <= value <= 100.0
        assert r[name].score == value
        assert r[name].level in ("low", "medium", "high")
        assert len(r[name].probabilities) == 4
        assert math.isclose(sum(r[name].probabilities), 1.0, rel_tol=1e-6)
    assert math.isclose(r.overall, sum(r.scores.values()) / 6)


def test_module_level_score_uses_default_scorer():
    r = attune.score("Refunded the £12 today, sorry for the mix-up. Ana", context="You charged me twice")
    assert r.ok and set(r.scores) == set(DIMENSIONS)


def test_evidence_offsets_point_into_the_text(scorer):
    r = scorer.score(ATTUNED, context=CONTEXT)
    assert r.evidence, "an attuned reply has evidence"
    for e in r.evidence:
        assert r.text[e.start:e.end] == e.text
        assert e.dimension in DIMENSIONS
        assert e.effect != 0
    cues = {e.cue for e in r["non_defensiveness"].evidence}
    assert "ownership" in cues


def test_suggestion_appears_where_score_is_low(scorer):
    r = scorer.score("Our records show the engineer attempted to visit. Please ensure someone is home.",
                     context=CONTEXT)
    low = [d for d in r if d.level == "low"]
    assert low
    for d in low:
        assert d.suggestion and len(d.suggestion) > 10
    high = [d for d in scorer.score(ATTUNED, context=CONTEXT) if d.level == "high"]
    assert all(d.suggestion is None for d in high)


def test_to_dict_is_json_and_round_trips(scorer):
    r = scorer.score(ATTUNED, context=CONTEXT)
    data = json.loads(json.dumps(r.to_dict()))
    assert set(data["scores"]) == set(DIMENSIONS)
    again = Result.from_dict(data)
    assert again.text == r.text
    for d in DIMENSIONS:
        assert again[d].score == pytest.approx(r[d].score, abs=0.01)
        assert [(e.start, e.end, e.cue) for e in again[d].evidence] == \
               [(e.start, e.end, e.cue) for e in r[d].evidence]


def test_repr_and_summary_are_readable(scorer):
    r = scorer.score(ATTUNED, context=CONTEXT)
    assert repr(r).startswith("<Result overall=")
    assert "non_defensiveness=" in repr(r)
    text = r.summary()
    assert "Awareness" in text and "Empathy" in text


def test_result_is_immutable(scorer):
    r = scorer.score(ATTUNED)
    with pytest.raises(Exception):
        r.text = "changed"
    with pytest.raises(TypeError):
        r.scores["awareness"] = 1.0
    evidence = r.evidence
    assert evidence
    with pytest.raises(FrozenInstanceError):
        evidence[0].effect = 0.0


def test_results_pickle_and_copy_equal(scorer):
    """Results cross process boundaries (n_process > 1, multiprocessing users): a pickled or
    copied result equals the original, evidence and all, and stays immutable."""
    import copy
    import pickle

    r = scorer.score(ATTUNED, context="You charged me twice and nobody called back!")
    for again in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r)):
        assert again == r and again.to_dict() == r.to_dict()
        assert again["empathy"].evidence == r["empathy"].evidence
        with pytest.raises(FrozenInstanceError):
            again.text = "changed"


def test_unknown_dimension_names_the_valid_ones(scorer):
    r = scorer.score(ATTUNED)
    with pytest.raises(KeyError, match="awareness"):
        r["kindness"]


@pytest.mark.parametrize("bad", [None, "", "   \n\t", 42, b"bytes", ["a list"], float("nan")])
def test_score_rejects_unscorable_text_with_a_clear_error(scorer, bad):
    with pytest.raises(InputError) as info:
        scorer.score(bad)
    assert isinstance(info.value, attune.AttuneError)
    assert "text" in str(info.value)


def test_score_rejects_non_string_context(scorer):
    with pytest.raises(InputError, match="context"):
        scorer.score("Thanks, done.", context=123)


def test_blank_context_means_no_context(scorer):
    assert scorer.score(ATTUNED, context="   ").context is None


def test_score_many_keeps_every_row_in_order(scorer):
    texts = [ATTUNED, None, "", "Sorry, but that's our policy.", 7, "Thanks Jo, done today."]
    contexts = [CONTEXT, None, None, CONTEXT, None, None]
    results = scorer.score_many(texts, contexts, batch_size=2)
    assert len(results) == len(texts)
    assert [r.ok for r in results] == [True, False, False, True, False, True]
    assert results[0].text == ATTUNED and results[3].text.startswith("Sorry, but")
    for r in results:
        if not r.ok:
            assert r.error and all(math.isnan(v) for v in r.scores.values())
            assert r.to_dict()["scores"]["empathy"] is None


def test_score_many_matches_score(scorer):
    texts = [ATTUNED, "Our policy does not allow refunds."]
    many = scorer.score_many(texts, [CONTEXT, CONTEXT])
    for text, r in zip(texts, many):
        single = scorer.score(text, CONTEXT)
        assert r.scores == pytest.approx(dict(single.scores))


def test_score_many_can_raise(scorer):
    with pytest.raises(InputError):
        scorer.score_many(["fine", None], on_error="raise")


def test_score_many_checks_lengths(scorer):
    with pytest.raises(InputError, match="contexts"):
        scorer.score_many(["a reply", "another"], ["only one context"])
    with pytest.raises(InputError):
        scorer.score_many("a single string")


def test_score_many_empty_list(scorer):
    assert scorer.score_many([]) == []


def test_long_text_is_truncated_and_says_so(scorer):
    from attune._text import MAX_CHARS

    text = "We have refunded your order today. " * (MAX_CHARS // 20)
    r = scorer.score(text)
    assert r.ok and len(r.text) <= MAX_CHARS
    assert any("truncated" in w for w in r.warnings)


def test_non_english_text_is_flagged(scorer):
    r = scorer.score("Nous sommes désolés pour le retard de votre commande, elle arrivera demain.")
    assert r.ok
    assert any("English" in w for w in r.warnings)


def test_load_accepts_a_language_object(scorer):
    other = attune.load(spacy_model=scorer.nlp)
    assert other.nlp is scorer.nlp


def test_load_reports_a_missing_pipeline():
    with pytest.raises(attune.PipelineError, match="pip install"):
        attune.load(spacy_model="no_such_pipeline_xyz")


def test_load_rejects_a_wrong_spacy_model_type():
    with pytest.raises(attune.PipelineError, match="spacy_model"):
        attune.load(spacy_model=3.14)


def test_n_process_2_gives_identical_results_in_order(scorer):
    texts = [f"Order {1000 + i}: I've refunded the £{i}.50 today, sorry for the wait. Sam" if i % 7
             else None for i in range(60)]
    contexts = ["Where is my refund?" if i % 3 else None for i in range(60)]
    one = scorer.score_many(texts, contexts, batch_size=4)
    two = scorer.score_many(texts, contexts, batch_size=4, n_process=2)
    assert len(two) == len(texts)
    assert [r.to_dict() for r in one] == [r.to_dict() for r in two]
