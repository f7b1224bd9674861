"""Write blind copies of a pass-1 slice for the second labelling pass.

    python scripts/make_blind.py data/raw/pass1/SLICE.jsonl OUT.jsonl

The blind copy keeps only what a labeller may see: id, kind, channel, industry, context, text.
Labels, rationales, the author's note and the hard-case tag are removed.
"""

import json
import random
import sys
from itertools import groupby

KEEP = ("id", "kind", "channel", "industry", "context", "text")


def main(src: str, dst: str) -> None:
    """Items of one scenario stay together, in a shuffled order (the author's order can hint
    at the intended labels)."""
    with open(src, encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    items.sort(key=lambda i: i["scenario_id"])
    rng = random.Random(0)
    with open(dst, "w", encoding="utf-8") as out:
        for _, group in groupby(items, key=lambda i: i["scenario_id"]):
            group = list(group)
            rng.shuffle(group)
            for item in group:
                out.write(json.dumps({k: item.get(k) for k in KEEP}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
