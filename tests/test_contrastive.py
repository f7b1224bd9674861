"""Hand-written contrastive pairs (not in the training data): the attuned text of each pair
scores higher on the dimension the pair is about."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, read_jsonl

PAIRS = read_jsonl(FIXTURES / "contrastive_pairs.jsonl")


def test_there_are_enough_pairs_over_every_dimension():
    from attune import DIMENSIONS

    assert len(PAIRS) >= 20
    assert {p["dimension"] for p in PAIRS} == set(DIMENSIONS)


def test_pairs_are_not_in_the_training_data():
    from conftest import ROOT

    corpus = ROOT / "data" / "corpus.jsonl"
    texts = {item["text"] for item in read_jsonl(corpus)}
    for p in PAIRS:
        assert p["better"] not in texts and p["worse"] not in texts


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p['dimension']}:{p['note']}" for p in PAIRS])
def test_attuned_text_scores_higher(scorer, pair):
    dim = pair["dimension"]
    better = scorer.score(pair["better"], pair["context"])[dim].score
    worse = scorer.score(pair["worse"], pair["context"])[dim].score
    assert better > worse, f"{dim}: attuned {better:.1f} <= un-attuned {worse:.1f}"


def test_a_marketing_email_is_not_told_to_answer_a_customer_who_never_wrote(scorer):
    email = ("Hey friend! We've missed you SO much. Our biggest sale ends at MIDNIGHT - don't "
             "miss out! Shop now and save 40% on everything.")
    r = scorer.score(email)
    suggestions = [d.suggestion for d in r if d.suggestion]
    assert len(suggestions) >= 4  # a weak email gets advice on most dimensions
    for s in suggestions:
        assert "customer" not in s.lower(), s
    reply = scorer.score("Please see our website.", context="My order is a week late and nobody answers!")
    assert any("customer" in (d.suggestion or "").lower() for d in reply)
