"""Check an authored corpus slice (JSONL) against the corpus schema.

Usage: python3 scripts/check_slice.py data/raw/pass1/SLICE.jsonl [--pass2]

Prints problems (one per line) and a summary of counts and label distribution.
Exit status 1 when any item is invalid. Standard library only, so authors can run it
before the package is installed.
"""
import collections
import json
import sys

DIMENSIONS = ["awareness", "turning_toward", "tolerance", "understanding",
              "non_defensiveness", "empathy"]
KINDS = {"reply", "marketing", "statement"}
CHANNELS = {"email", "chat", "social", "call", "letter", "web"}
STATES = {"angry", "frustrated", "anxious", "grieving", "confused", "disappointed",
          "neutral", "pleased", None}
PASS1_FIELDS = ["id", "scenario_id", "kind", "channel", "industry", "customer_state",
                "context", "text", "labels", "rationales", "source", "hard_case"]


def check_item(item, pass2=False):
    problems = []
    fields = ["id", "labels", "rationales"] if pass2 else PASS1_FIELDS
    for f in fields:
        if f not in item:
            problems.append(f"missing field {f!r}")
    if problems:
        return problems
    labels, rats = item["labels"], item["rationales"]
    if sorted(labels) != sorted(DIMENSIONS):
        problems.append(f"labels must have exactly the six dimensions, got {sorted(labels)}")
    for d in DIMENSIONS:
        v = labels.get(d)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 3:
            problems.append(f"label {d} must be an int 0-3, got {v!r}")
    if sorted(rats) != sorted(DIMENSIONS):
        problems.append("rationales must have exactly the six dimensions")
    if pass2:
        return problems
    text = item["text"]
    if not isinstance(text, str) or not text.strip():
        problems.append("text must be a non-empty string")
        return problems
    for d, spans in rats.items():
        if not isinstance(spans, list):
            problems.append(f"rationales[{d}] must be a list")
            continue
        for s in spans:
            if not isinstance(s, str) or not s or s not in text:
                problems.append(f"rationale for {d} is not a substring of text: {s!r}")
    if item["kind"] not in KINDS:
        problems.append(f"kind must be one of {sorted(KINDS)}, got {item['kind']!r}")
    if item["channel"] not in CHANNELS:
        problems.append(f"channel must be one of {sorted(CHANNELS)}, got {item['channel']!r}")
    if item["customer_state"] not in STATES:
        problems.append(f"customer_state must be one of {sorted(s for s in STATES if s)} or null")
    if item["kind"] == "reply" and not item["context"]:
        problems.append("a reply needs its customer message in context")
    if item["kind"] == "marketing" and item["context"] is not None:
        problems.append("a marketing email has context null")
    if item["source"] not in ("authored", "augmented"):
        problems.append("source must be 'authored' or 'augmented'")
    return problems


def main(argv):
    path = argv[1]
    pass2 = "--pass2" in argv
    bad = 0
    ids = set()
    dist = {d: collections.Counter() for d in DIMENSIONS}
    kinds = collections.Counter()
    scen = collections.Counter()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"line {n}: invalid JSON: {exc}")
                bad += 1
                continue
            probs = check_item(item, pass2)
            if item.get("id") in ids:
                probs.append(f"duplicate id {item.get('id')!r}")
            ids.add(item.get("id"))
            for p in probs:
                print(f"line {n} ({item.get('id')}): {p}")
            bad += bool(probs)
            if not probs:
                kinds[item.get("kind", "?")] += 1
                scen[item.get("scenario_id")] += 1
                for d in DIMENSIONS:
                    dist[d][item["labels"][d]] += 1
    total = len(ids)
    if pass2:
        print(f"\n{total} items, {bad} invalid")
    else:
        print(f"\n{total} items, {bad} invalid, {len(scen)} scenarios, kinds {dict(kinds)}")
    for d in DIMENSIONS:
        c = dist[d]
        n = sum(c.values()) or 1
        print(f"  {d:18s} " + "  ".join(f"{lv}:{100 * c[lv] / n:4.0f}%" for lv in range(4)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
