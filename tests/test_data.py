"""The labelled corpus: every item complete, rationales are substrings, splits do not leak."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from attune import DIMENSIONS
from attune.data import load_corpus, read_labelled
from conftest import ROOT

FIELDS = ("id", "scenario_id", "kind", "channel", "industry", "customer_state", "context", "text",
          "labels", "rationales", "source")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_every_item_has_every_field(corpus):
    for item in corpus:
        missing = [f for f in FIELDS if f not in item]
        assert not missing, f"{item.get('id')}: missing {missing}"
        assert item["kind"] in ("reply", "marketing", "statement")
        assert item["split"] in ("train", "dev", "test")
        if item["kind"] == "reply":
            assert item["context"], f"{item['id']}: a reply needs its customer message"


def test_ids_are_unique(corpus):
    counts = Counter(i["id"] for i in corpus)
    assert not [k for k, v in counts.items() if v > 1]


def test_rationales_are_substrings_of_the_text(corpus):
    for item in corpus:
        assert set(item["rationales"]) == set(DIMENSIONS), item["id"]
        for dim, spans in item["rationales"].items():
            for span in spans:
                assert span and span in item["text"], f"{item['id']} {dim}: {span!r}"


def test_no_scenario_crosses_splits(corpus):
    splits = defaultdict(set)
    for item in corpus:
        splits[item["scenario_id"]].add(item["split"])
    assert not [s for s, v in splits.items() if len(v) > 1]


def test_test_split_is_at_least_a_fifth_and_has_no_augmented_items(corpus):
    test = [i for i in corpus if i["split"] == "test"]
    assert len(test) >= 0.2 * len(corpus)
    assert not [i["id"] for i in test if i["source"] == "augmented"]


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(len(words) - n + 1, 1))}


def test_no_near_duplicate_crosses_splits(corpus):
    """Word 5-gram Jaccard above 0.6 between items of different splits is a leak."""
    shingles = [(_shingles(i["text"]), i) for i in corpus]
    index = defaultdict(set)
    for k, (sh, _) in enumerate(shingles):
        for g in sh:
            index[g].add(k)
    leaks = []
    for k, (sh, item) in enumerate(shingles):
        candidates = Counter(j for g in sh for j in index[g] if j > k)
        for j, shared in candidates.items():
            other_sh, other = shingles[j]
            if other["split"] == item["split"]:
                continue
            jaccard = shared / len(sh | other_sh)
            if jaccard > 0.6:
                leaks.append((item["id"], other["id"], round(jaccard, 2)))
    assert not leaks, leaks[:10]


def test_every_level_of_every_dimension_is_represented(corpus):
    for dim in DIMENSIONS:
        counts = Counter(i["labels"][dim] for i in corpus)
        for level in range(4):
            assert counts[level] / len(corpus) >= 0.08, f"{dim} level {level}: {counts[level]}"


def test_corpus_size_for_the_first_release(corpus):
    assert len(corpus) >= 400
    kinds = Counter(i["kind"] for i in corpus)
    assert kinds["reply"] and kinds["marketing"]


def test_read_labelled_reports_bad_rows(tmp_path):
    from attune import DataError

    bad = tmp_path / "bad.csv"
    bad.write_text("text,awareness,turning_toward,tolerance,understanding,non_defensiveness,empathy\n"
                   "hello,1,2,3,4,1,1\n")
    with pytest.raises(DataError, match="row 2"):
        read_labelled(bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("text,awareness\nhello,1\n")
    with pytest.raises(DataError, match="turning_toward"):
        read_labelled(missing)


def test_third_pass_readings_are_applied_to_the_corpus(corpus):
    """Where both third-pass readers put an item on one side of a clarified line and its label
    is on that line, the corpus label is theirs (scripts/build_corpus.py was run)."""
    import json
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from build_corpus import CLARIFIED_LINES

    by_id = {i["id"]: i for i in corpus}
    rows = [json.loads(line) for path in sorted((ROOT / "data" / "raw" / "pass3").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert rows, "no third pass"
    for row in rows:
        assert row["id"] in by_id and row["dimension"] in CLARIFIED_LINES
        a, b = row["readers"]
        assert a in range(4) and b in range(4)
        line = CLARIFIED_LINES[row["dimension"]]
        label = by_id[row["id"]]["labels"][row["dimension"]]
        if a == b and a in line and label in line:
            assert label == a, row["id"]
