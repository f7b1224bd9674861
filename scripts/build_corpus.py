"""Build data/corpus.jsonl and data/splits.json from the raw labelling passes.

    python scripts/build_corpus.py

- data/raw/pass1/*.jsonl: the authored items with the first (author's) labels and rationales.
- data/raw/pass2/*.jsonl: blind second labels (id, labels, rationales), when present.
- data/raw/adjudication.jsonl: adjudicated labels for items whose passes differ by 2 or more
  on a dimension (id, dimension, label, note), when present.

- data/raw/pass3/*.jsonl: a later blind re-reading of one dimension under a codebook
  clarification that draws the line between two adjacent levels (id, dimension, readers: two
  labels, why).

Final label per dimension: the adjudicated label when there is one; otherwise the first pass
(the passes agree within one point there). Then, where a third pass re-read the dimension, a
final label on one side of the clarified line moves to the other side only when both readers
put it there (:data:`CLARIFIED_LINES`). Splits are assigned per scenario and frozen: a
scenario already in data/splits.json keeps its split; a new one gets one from a hash of its id
(60% train, 15% dev, 25% test). Augmented items always go to train or dev. Scenarios linked
by a near-duplicate text (word 5-gram Jaccard above 0.6) are put in one split.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DIMENSIONS = ["awareness", "turning_toward", "tolerance", "understanding", "non_defensiveness", "empathy"]
FIELDS = ["id", "scenario_id", "kind", "channel", "industry", "customer_state", "context", "text",
          "labels", "rationales", "source", "hard_case", "note"]


CLARIFIED_LINES = {"awareness": (0, 1)}
"""The adjacent levels a third pass may move a label between, per dimension (CODEBOOK.md,
"Awareness 0 or 1 in marketing and statements", 2026-11-23)."""


def adjudicated_labels() -> dict[tuple[str, str], int]:
    """The adjudicated labels, keyed by (id, dimension); empty when there are none."""
    path = DATA / "raw" / "adjudication.jsonl"
    return {(r["id"], r["dimension"]): r["label"] for r in read_jsonl(path)} if path.exists() else {}


def third_pass() -> dict[tuple[str, str], list[int]]:
    """The third pass's two readers' labels, keyed by (id, dimension)."""
    out = {}
    for path in sorted((DATA / "raw" / "pass3").glob("*.jsonl")):
        for row in read_jsonl(path):
            out[(row["id"], row["dimension"])] = row["readers"]
    return out


def clarified(label: int, readers: list[int], line: tuple[int, int]) -> int:
    """``label`` moved across the clarified ``line`` when both ``readers`` put it on the other
    side; otherwise unchanged.

    >>> clarified(1, [0, 0], (0, 1)), clarified(1, [0, 1], (0, 1)), clarified(2, [0, 0], (0, 1))
    (0, 1, 2)
    """
    a, b = readers
    if label in line and a == b and a in line and a != label:
        return a
    return label


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_for(scenario_id: str) -> str:
    bucket = int(hashlib.sha256(scenario_id.encode()).hexdigest(), 16) % 100
    return "train" if bucket < 60 else ("dev" if bucket < 75 else "test")


def shingles(text: str, n: int = 5) -> set:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(len(words) - n + 1, 1))}


def near_duplicate_groups(items: list[dict], threshold: float = 0.6) -> list[set[str]]:
    """Scenarios linked by a near-duplicate text (word 5-gram Jaccard above ``threshold``).

    Independently written boilerplate ("Thank you for your feedback. Your comments have been
    noted.") can be near-identical across scenarios; such scenarios must share a split.
    """
    sh = [shingles(i["text"]) for i in items]
    index = defaultdict(set)
    for k, grams in enumerate(sh):
        for g in grams:
            index[g].add(k)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k, grams in enumerate(sh):
        shared = Counter(j for g in grams for j in index[g] if j > k)
        for j, n in shared.items():
            a, b = items[k]["scenario_id"], items[j]["scenario_id"]
            if a != b and n / len(grams | sh[j]) > threshold:
                parent[find(a)] = find(b)
    groups = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return [g for g in groups.values() if len(g) > 1]


def main() -> int:
    items = []
    for path in sorted((DATA / "raw" / "pass1").glob("*.jsonl")):
        items.extend(read_jsonl(path))
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        print("duplicate ids in pass1", file=sys.stderr)
        return 1
    pass2 = {}
    for path in sorted((DATA / "raw" / "pass2").glob("*.jsonl")):
        for row in read_jsonl(path):
            pass2[row["id"]] = row
    adjudicated = adjudicated_labels()
    third = third_pass()
    moved = 0
    splits_path = DATA / "splits.json"
    splits = json.loads(splits_path.read_text()) if splits_path.exists() else {}
    unresolved = 0
    out = []
    for item in sorted(items, key=lambda i: i["id"]):
        final = dict(item["labels"])
        second = pass2.get(item["id"])
        for d in DIMENSIONS:
            if (item["id"], d) in adjudicated:
                final[d] = adjudicated[(item["id"], d)]
            elif second is not None and abs(second["labels"][d] - item["labels"][d]) >= 2:
                unresolved += 1
            if (item["id"], d) in third and d in CLARIFIED_LINES:
                new = clarified(final[d], third[(item["id"], d)], CLARIFIED_LINES[d])
                moved += new != final[d]
                final[d] = new
        sid = item["scenario_id"]
        if sid not in splits:
            split = split_for(sid)
            if item.get("source") == "augmented" and split == "test":
                split = "train"
            splits[sid] = split
        row = {k: item.get(k) for k in FIELDS}
        row["labels"] = final
        out.append(row)
    for group in near_duplicate_groups(out):
        first = min(group)
        for sid in group:
            splits[sid] = splits[first]
    with open(DATA / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    splits_path.write_text(json.dumps(dict(sorted(splits.items())), indent=0) + "\n")
    counts = {s: sum(splits[i["scenario_id"]] == s for i in out) for s in ("train", "dev", "test")}
    print(f"{len(out)} items, {len({i['scenario_id'] for i in out})} scenarios, splits {counts}, "
          f"{len(pass2)} second labels, {unresolved} disagreements >= 2 not yet adjudicated, "
          f"{len(third)} third-pass readings moving {moved} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
