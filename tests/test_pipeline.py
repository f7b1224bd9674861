"""The spaCy pipeline attune parses with: the fast attribute ruler gives exactly the
annotations of spaCy's own, so the trained model sees the same features, faster."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG

from attune._attributes import FastAttributeRuler
from attune.data import load_corpus
from attune.pipeline import default_pipeline_name, load_pipeline, use_fast_attribute_ruler
from conftest import ROOT

COLUMNS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
EDGE_CASES = ["", " ", "\n\n", "  leading spaces\n\n and   gaps  ",
              "I'd've gone. Y'all can't. 'cause it's 5pm!!", "Hello\u00a0there", "ok",
              "That's on us: I've refunded the £4.99 fee and booked Saturday 9-12, Sam.",
              "WHY IS NOBODY ANSWERING?!?! this is the 3rd time", "Anyone? Something? Nothing.",
              "It's her dog's bed, not theirs; we'd better ask him whether he'll pay."]


@pytest.fixture(scope="module")
def stock():
    return spacy.load(default_pipeline_name(), exclude=["ner"])


@pytest.fixture(scope="module")
def texts():
    items = load_corpus()
    out = [t for i in items[::6] for t in (i["text"], i["context"]) if t]
    with open(ROOT / "data" / "samples" / "transcripts.csv", newline="", encoding="utf-8") as fh:
        out += [row["text"] for row in csv.DictReader(fh)][::3]
    return out + EDGE_CASES


def test_fast_ruler_annotates_exactly_like_spacys(stock, texts):
    fast = load_pipeline()
    assert "attune_attribute_ruler" in fast.pipe_names and "attribute_ruler" in fast.disabled
    assert len(texts) > 500
    for a, b in zip(stock.pipe(texts), fast.pipe(texts)):
        if not np.array_equal(a.to_array(COLUMNS), b.to_array(COLUMNS)):
            diff = [(x.text, x.pos_, y.pos_, str(x.morph), str(y.morph), x.lemma_, y.lemma_)
                    for x, y in zip(a, b) if (x.pos_, x.morph, x.lemma_, x.dep_) != (y.pos_, y.morph, y.lemma_, y.dep_)]
            pytest.fail(f"annotations differ on {a.text[:60]!r}: {diff[:3]}")


def test_fast_ruler_round_trips_through_bytes_and_disk(stock, tmp_path):
    fast = FastAttributeRuler(stock.vocab)
    fast.add_patterns(stock.get_pipe("attribute_ruler").patterns)
    again = FastAttributeRuler(stock.vocab).from_bytes(fast.to_bytes())
    fast.to_disk(tmp_path / "ruler")
    from_disk = FastAttributeRuler(stock.vocab).from_disk(tmp_path / "ruler")
    assert again.patterns == fast.patterns == from_disk.patterns
    doc = stock("They're here, aren't they?", disable=["attribute_ruler", "lemmatizer"])
    expected = stock("They're here, aren't they?")
    assert [t.pos_ for t in again(doc)] == [t.pos_ for t in expected]


def test_a_ruler_it_cannot_compile_is_left_alone():
    nlp = spacy.blank("en")
    nlp.add_pipe("parser")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"SHAPE": "Xxxx"}]], {"POS": "PROPN"})
    assert use_fast_attribute_ruler(nlp) is False
    assert "attribute_ruler" in nlp.pipe_names and "attune_attribute_ruler" not in nlp.component_names
