"""Evidence: clauses picked by the rationale selector, with the signed contributions inside them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from attune import DIMENSIONS
from attune.features import clause_units, cue_table, extract
from attune.features._view import view
from attune.model import load_model, save_model, shipped_model_dir
from attune.model.rationale import RationaleSelector, UnitBatch, choose_units, joint_penalty

CONTEXT = "My parcel never arrived and you've charged me anyway. This is the second time."
BLAMING = ("Our records show the parcel was delivered to your address. You should have checked "
           "the tracking before contacting us.")
OWNING = ("That's our mistake, not yours. I've refunded the £24 today and a replacement goes out "
          "by tracked post tomorrow.")


def _covering(evidence, words):
    """The pieces of evidence whose text contains ``words``."""
    return [e for e in evidence if words in e.text]


# -- units ------------------------------------------------------------------------------------

def _units(parse, text):
    doc = parse(text)
    return [doc.text[s:e] for s, e, _, _ in clause_units(view(doc))]


def test_units_split_clauses_with_their_own_subject(parse):
    units = _units(parse, "I can see exactly why you're fuming, and I'll call you at 8am tomorrow.")
    assert units == ["I can see exactly why you're fuming", "I'll call you at 8am tomorrow."]


def test_units_keep_a_clause_with_two_verbs_and_a_hyphenated_word_whole(parse):
    units = _units(parse, "We'd like to refund your cabin and invite you both back at check-in.")
    assert units == ["We'd like to refund your cabin and invite you both back at check-in."]


def test_units_split_at_line_breaks_and_dashes(parse):
    units = _units(parse, "Hi Sam,\n\nYour refund is approved - it goes out on Friday.\nThanks, Jo")
    assert "Your refund is approved" in units
    assert "it goes out on Friday." in units
    assert all("\n" not in u for u in units)


def test_units_never_cross_a_sentence_and_are_trimmed(parse):
    text = ("Sorry, but that's our policy. If you'd prefer, you can cancel; we won't charge you. "
            "Would Thursday suit?")
    doc = parse(text)
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    for start, end, sentence, words in clause_units(view(doc)):
        a, b = sentences[sentence]
        assert a <= start < end <= b
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert text[start] not in ",;:-" and words >= 1


def test_units_of_an_empty_or_punctuation_only_doc(parse):
    assert clause_units(view(parse("..."))) == []


def test_features_carry_the_units(parse):
    feats = extract(parse("That's on us. I've refunded you today."), parse("You charged me twice!"))
    assert [(s, e) for s, e, _, _ in feats.units] == [(0, 13), (14, 38)]


# -- the selector on the shipped model --------------------------------------------------------

def test_shipped_model_has_a_selector_for_every_dimension():
    model, manifest = load_model()
    assert isinstance(model.rationale, RationaleSelector)
    assert set(model.rationale.coef) == set(DIMENSIONS)
    for dim in DIMENSIONS:
        assert len(model.rationale.coef[dim]) == len(model.rationale.columns)
        assert len(model.rationale.gram_high[dim]) == len(model.ngram_vocabulary)
    assert set(manifest["rationale"]["rule"]) == set(DIMENSIONS)


def test_blaming_reply_is_shown_its_blame_with_a_negative_effect(scorer):
    nd = scorer.score(BLAMING, context=CONTEXT)["non_defensiveness"]
    assert nd.level == "low"
    blame = _covering(nd.evidence, "You should have checked the tracking") + \
        _covering(nd.evidence, "Our records show the parcel was delivered")
    assert blame, [e.text for e in nd.evidence]
    assert all(e.effect < 0 for e in blame)
    assert not _covering(nd.evidence, "That's our mistake")


def test_owning_reply_is_shown_its_ownership_with_a_positive_effect(scorer):
    nd = scorer.score(OWNING, context=CONTEXT)["non_defensiveness"]
    assert nd.score > scorer.score(BLAMING, context=CONTEXT)["non_defensiveness"].score
    owned = _covering(nd.evidence, "That's our mistake, not yours")
    assert owned and owned[0].effect > 0, [(e.text, e.effect) for e in nd.evidence]


def test_an_excuse_is_the_evidence_of_a_formulaic_statement(scorer):
    r = scorer.score("We are sorry for any inconvenience caused. Delays were due to high demand "
                     "and are beyond our control.", context=CONTEXT)
    excuse = _covering(r["non_defensiveness"].evidence, "due to high demand")
    assert excuse and excuse[0].effect < 0 and excuse[0].cue == "excuse"


def test_evidence_is_clauses_of_the_text_within_one_sentence(scorer, parse):
    from attune.data import load_corpus

    items = load_corpus(split="test")[::25]
    results = scorer.score_many([i["text"] for i in items], [i["context"] for i in items])
    cues = set(cue_table()) | {"phrase"}
    seen = 0
    for r in results:
        doc = parse(r.text)
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        for e in r.evidence:
            seen += 1
            assert r.text[e.start:e.end] == e.text
            assert e.text == e.text.strip() and e.effect != 0 and e.cue in cues
            assert any(a <= e.start and e.end <= b for a, b in sentences), (e.text, r.text)
        for d in r:
            assert list(d.evidence) == sorted(d.evidence, key=lambda e: -abs(e.effect))
    assert seen > 2 * len(results)


def test_evidence_offsets_survive_html_and_long_texts(scorer):
    r = scorer.score("<p>Sorry, that's on us.</p><p>I've refunded the &pound;12 today.</p>")
    long = scorer.score("We have refunded your order today. " * 700)
    for result in (r, long):
        for e in result.evidence:
            assert result.text[e.start:e.end] == e.text


def test_a_model_without_a_selector_falls_back_to_cue_spans(scorer):
    from attune.scorer import Scorer

    model, manifest = load_model()
    model.rationale = None
    legacy = Scorer(model, scorer.nlp, manifest)
    r = legacy.score(OWNING, context=CONTEXT)
    new = scorer.score(OWNING, context=CONTEXT)
    assert r.scores == new.scores
    assert r.evidence and all(r.text[e.start:e.end] == e.text for e in r.evidence)


# -- the decision rule and persistence ---------------------------------------------------------

def _reference_choice(p, words, alpha, beta, minimum):
    """Per-text expected-F1 rule, written plainly."""
    q = np.minimum(alpha * p, 1.0)
    order = sorted(range(len(p)), key=lambda u: (-q[u], u))
    total = float((q * words).sum())
    best, best_f1 = 0, -1.0
    for r in range(1, len(p) + 1):
        top = order[:r]
        f1 = 2 * float((q[top] * words[top]).sum()) / (float(words[top].sum()) + total + beta)
        if f1 > best_f1:
            best, best_f1 = r, f1
    return set(order[:best]) if best_f1 >= minimum else set()


@pytest.mark.parametrize("rule", [(1.0, 0.0, 0.0), (0.7, 2.0, 0.1), (1.5, 5.0, 0.3)])
def test_vectorised_choice_matches_the_plain_rule(rule):
    rng = np.random.default_rng(0)
    sizes = [3, 0, 1, 7, 4, 0, 12]
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    n = int(bounds[-1])
    empty = np.zeros(0)
    batch = UnitBatch(bounds=bounds, item=np.repeat(np.arange(len(sizes)), sizes),
                      start=np.zeros(n), end=np.zeros(n), words=rng.integers(1, 15, n).astype(float),
                      cue_counts=np.zeros((n, 0)), position=np.zeros((n, 0)), loc_unit=empty,
                      loc_item=empty, loc_col=empty, loc_share=empty, loc_cue=empty, grams=None)
    p = rng.random(n) ** 2
    mask = choose_units(batch, p, *rule)
    for k in range(len(sizes)):
        a, b = bounds[k], bounds[k + 1]
        expected = _reference_choice(p[a:b], batch.words[a:b], *rule)
        assert set(np.flatnonzero(mask[a:b])) == expected


def test_selector_round_trips_through_save_and_load(tmp_path, scorer):
    from attune.scorer import Scorer

    model, manifest = load_model()
    out = tmp_path / "model"
    shutil.copytree(shipped_model_dir(), out)
    save_model(model, out, {k: v for k, v in manifest.items() if k != "files"})
    again, _ = load_model(out, trust=True)
    for dim in DIMENSIONS:
        for name in ("coef", "gram_high", "gram_low", "gate_coef"):
            np.testing.assert_array_equal(getattr(again.rationale, name)[dim],
                                          getattr(model.rationale, name)[dim])
        assert again.rationale.rule[dim] == model.rationale.rule[dim]
    r1 = scorer.score(OWNING, context=CONTEXT)
    r2 = Scorer(again, scorer.nlp).score(OWNING, context=CONTEXT)
    assert [e.to_dict() for e in r1.evidence] == [e.to_dict() for e in r2.evidence]


def test_joint_penalty_lowers_only_units_other_dimensions_find_more_probable():
    p = np.array([0.8, 0.5, 0.2, 0.1])
    others = [np.array([0.3, 0.9, 0.2, 0.0]), np.array([0.1, 0.6, 0.7, 0.05])]
    out = joint_penalty(p, others, 2.0)
    assert out[0] == p[0] and out[3] == p[3]          # the most probable dimension: unchanged
    np.testing.assert_allclose(out[1], 0.5 * np.exp(-2.0 * (0.4 + 0.1)))
    np.testing.assert_allclose(out[2], 0.2 * np.exp(-2.0 * 0.5))
    np.testing.assert_array_equal(joint_penalty(p, others, 0.0), p)


def test_a_joint_penalty_changes_evidence_only_through_the_other_dimensions(scorer):
    """A selector saved before the penalty (no ``joint``) chooses as one with no penalty;
    with a penalty, the scores stay, the evidence changes, and the scorer and a per-dimension
    call given the six readings agree."""
    import copy

    from attune.explain import batch_evidence, unit_batch_for, unit_readings
    from attune.scorer import Scorer

    texts = [OWNING, BLAMING, "I'm sorry, that's on us. I've refunded the £40 today. I'll call at 4pm."]
    model = scorer.model
    old = copy.deepcopy(model)
    old.rationale.__dict__.pop("joint", None)  # as a selector saved before the penalty
    none = copy.deepcopy(model)
    none.rationale.joint = {d: 0.0 for d in DIMENSIONS}
    plain = Scorer(none, scorer.nlp).score_many(texts)
    assert [r.to_dict()["dimensions"] for r in Scorer(old, scorer.nlp).score_many(texts)] == \
        [r.to_dict()["dimensions"] for r in plain]
    joint = copy.deepcopy(model)
    joint.rationale.joint = {d: 4.0 for d in DIMENSIONS}
    results = Scorer(joint, scorer.nlp).score_many(texts)
    assert [r.scores for r in results] == [r.scores for r in plain]
    assert [r.evidence for r in results] != [r.evidence for r in plain]  # the penalty bites here
    feats = [extract(scorer.nlp(t)) for t in texts]
    X = joint.matrix(feats)
    units = unit_batch_for(joint, texts, feats)
    readings, levels = {}, {}
    for dim in DIMENSIONS:
        levels[dim], contrib = joint.estimators[dim].level_proba_and_contributions(X)
        readings[dim] = unit_readings(joint, dim, contrib, levels[dim], units)
    for dim in DIMENSIONS:
        evidence = batch_evidence(joint, dim, texts, feats, None, levels[dim], units, readings)
        for k, r in enumerate(results):
            assert [e.to_dict() for e in r[dim].evidence] == \
                [e.to_dict() for e in evidence[k]]


def test_fit_rationale_selector_learns_from_rationales_only(nlp):
    from attune.data import load_corpus
    from attune.model.rationale import GATE_GRID, JOINT_GRID, RULE_GRID, fit_rationale_selector
    from attune.model.training import featurize

    model, _ = load_model()
    items = load_corpus(split="train")[:150]
    feats = featurize(items, nlp)
    selector = fit_rationale_selector(model, items, feats, folds=3)
    assert set(selector.coef) == set(DIMENSIONS)
    for dim in DIMENSIONS:
        alpha, beta, minimum, gate = selector.rule[dim]
        assert alpha in RULE_GRID["alpha"] and beta in RULE_GRID["beta"]
        assert minimum in RULE_GRID["minimum"] and gate in GATE_GRID
        assert selector.joint[dim] in JOINT_GRID
        assert 0 < selector.cv[dim]["f1"] <= 1
    bare = [{k: v for k, v in i.items() if k != "rationales"} for i in items]
    assert fit_rationale_selector(model, bare, feats, folds=3) is None


def test_located_contributions_are_read_alike_from_sparse_and_dense(scorer):
    from attune.explain import unit_batch_for

    texts = ["I'm sorry, that's on us. I've refunded the £40 today and I'll call you at 4pm.",
             "As per our terms, the fee stands.", "Thanks!", ""]
    contexts = ["You charged me twice and I'm furious.", None, "Got it, thanks", None]
    docs = [scorer.nlp(t) for t in texts]
    ctx_docs = [scorer.nlp(c) if c else None for c in contexts]
    feats = [extract(d, c) for d, c in zip(docs, ctx_docs)]
    model = scorer.model
    grams = model.gram_index(feats)
    X = model.matrix(feats, grams)
    units = unit_batch_for(model, texts, feats, grams)
    assert units.layout is not None
    for dim in DIMENSIONS:
        _, contrib = model.estimators[dim].level_proba_and_contributions(X)
        fast = units.located(contrib)  # positions computed once per batch
        np.testing.assert_allclose(fast, units.located(contrib.toarray()), rtol=0, atol=0)
        pruned = contrib.copy()  # the same values without its zeros: another layout, searched
        pruned.eliminate_zeros()
        assert not np.array_equal(pruned.indptr, units.layout)
        np.testing.assert_allclose(units.located(pruned), fast, rtol=0, atol=0)
