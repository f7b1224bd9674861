"""Compute the corpus figures and write data/README.md (the data card).

    python scripts/data_card.py

Figures: counts by kind, industry, channel, customer state and hard case; label distribution
per dimension; agreement between the two labelling passes (quadratic-weighted kappa, exact and
within-one agreement), the adjudication count, and the token F1 of the second pass's rationales
against the corpus rationales. The prose sections live in
scripts/data_card_template.md; the figures replace its {placeholders}.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
DATA = ROOT / "data"
DIMENSIONS = ["awareness", "turning_toward", "tolerance", "understanding", "non_defensiveness", "empathy"]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def table(counter: Counter, total: int, name: str) -> str:
    rows = [f"| {name} | items | share |", "|---|---|---|"]
    for key, n in counter.most_common():
        rows.append(f"| {key} | {n} | {100 * n / total:.1f}% |")
    return "\n".join(rows)


def pass1_labels() -> dict[str, dict[str, int]]:
    """The writers' (first pass) labels by item id."""
    return {row["id"]: row["labels"] for path in sorted((DATA / "raw" / "pass1").glob("*.jsonl"))
            for row in read_jsonl(path)}


def agreement(corpus: list[dict]) -> tuple[str, dict]:
    from build_corpus import adjudicated_labels

    pass1 = pass1_labels()
    pass2 = {}
    rationales2 = {}
    for path in sorted((DATA / "raw" / "pass2").glob("*.jsonl")):
        for row in read_jsonl(path):
            pass2[row["id"]] = row["labels"]
            rationales2[row["id"]] = row.get("rationales", {})
    final = {i["id"]: i for i in corpus}
    adjudicated = set(adjudicated_labels())
    ids = sorted(set(pass1) & set(pass2))
    rows = ["| dimension | QW kappa | exact agreement | within one | disagreements of 2+ | adjudicated "
            "| rationale token F1, all / test |",
            "|---|---|---|---|---|---|---|"]
    summary = {"n": len(ids)}
    for d in DIMENSIONS:
        a = [pass1[i][d] for i in ids]
        b = [pass2[i][d] for i in ids]
        if not ids:
            continue
        k = cohen_kappa_score(a, b, weights="quadratic", labels=[0, 1, 2, 3])
        exact = sum(x == y for x, y in zip(a, b)) / len(ids)
        within = sum(abs(x - y) <= 1 for x, y in zip(a, b)) / len(ids)
        big = [i for i in ids if abs(pass1[i][d] - pass2[i][d]) >= 2]
        adj = sum((i, d) in adjudicated for i in big)
        summary[d] = round(k, 3)
        f1_all = rationale_f1([final[i] for i in ids if i in final], rationales2, d)
        f1_test = rationale_f1([final[i] for i in ids if i in final and final[i]["split"] == "test"],
                               rationales2, d)
        rows.append(f"| {d} | {k:.3f} | {100 * exact:.1f}% | {100 * within:.1f}% | {len(big)} | {adj} "
                    f"| {f1_all:.3f} / {f1_test:.3f} |")
    return "\n".join(rows), summary


def third_pass(corpus: list[dict]) -> str:
    """The third pass, one bullet per re-read dimension: how many items, the two readers'
    agreement with each other and with the labels they may move (pass 1 or adjudicated), and
    how many labels moved, by split (see scripts/build_corpus.py)."""
    from build_corpus import CLARIFIED_LINES, adjudicated_labels, clarified, third_pass as readings

    pass1 = pass1_labels()
    adjudicated = adjudicated_labels()
    split_of = {i["id"]: i["split"] for i in corpus}
    third = readings()
    bullets = []
    for d in DIMENSIONS:
        keys = sorted(k for k in third if k[1] == d)
        if not keys:
            continue
        a = [third[k][0] for k in keys]
        b = [third[k][1] for k in keys]
        before = [adjudicated.get(k, pass1[k[0]][d]) for k in keys]
        moved = Counter(split_of[k[0]] for k, was in zip(keys, before)
                        if clarified(was, third[k], CLARIFIED_LINES[d]) != was)
        lo, hi = CLARIFIED_LINES[d]
        bullets.append(
            f"- **{d}**, {len(keys)} items: the readers' kappa with each other "
            f"{cohen_kappa_score(a, b, weights='quadratic', labels=[0, 1, 2, 3]):.3f} "
            f"({100 * sum(x == y for x, y in zip(a, b)) / len(keys):.1f}% exact), with the earlier "
            f"labels {cohen_kappa_score(a, before, weights='quadratic', labels=[0, 1, 2, 3]):.3f} and "
            f"{cohen_kappa_score(b, before, weights='quadratic', labels=[0, 1, 2, 3]):.3f}; "
            f"{sum(moved.values())} labels moved between {lo} and {hi} (train {moved['train']}, "
            f"dev {moved['dev']}, test {moved['test']}).")
    return "\n".join(bullets) if bullets else "- none"


def rationale_f1(items: list[dict], second: dict[str, dict], dimension: str) -> float:
    """Token F1 between the second pass's rationales and the corpus rationales, measured as
    ``attune evaluate`` measures evidence (:func:`attune.model.evaluation.token_f1`, averaged
    over the items where either side has a span)."""
    from attune.model.evaluation import token_f1

    scores = []
    for item in items:
        text = item["text"]
        spans = [(at, at + len(r)) for r in second.get(item["id"], {}).get(dimension, [])
                 if (at := text.find(r)) >= 0]
        measured = token_f1(text, spans, item["rationales"].get(dimension, []))
        if measured is not None:
            scores.append(measured[0])
    return sum(scores) / len(scores) if scores else float("nan")


def main() -> int:
    corpus = read_jsonl(DATA / "corpus.jsonl")
    splits = json.loads((DATA / "splits.json").read_text())
    n = len(corpus)
    for item in corpus:
        item["split"] = splits[item["scenario_id"]]
    replies = [i for i in corpus if i["kind"] == "reply"]
    per_scenario = Counter(i["scenario_id"] for i in replies)
    dist = ["| dimension | 0 | 1 | 2 | 3 |", "|---|---|---|---|---|"]
    for d in DIMENSIONS:
        c = Counter(i["labels"][d] for i in corpus)
        dist.append(f"| {d} | " + " | ".join(f"{100 * c[lv] / n:.1f}%" for lv in range(4)) + " |")
    agree_table, agree = agreement(corpus)
    split_counts = Counter(i["split"] for i in corpus)
    figures = {
        "n": n,
        "n_scenarios": len({i["scenario_id"] for i in corpus}),
        "n_replies": len(replies),
        "n_reply_scenarios": len(per_scenario),
        "n_multi": sum(3 <= v <= 5 for v in per_scenario.values()),
        "n_marketing": sum(i["kind"] == "marketing" for i in corpus),
        "n_statements": sum(i["kind"] == "statement" for i in corpus),
        "n_hard": sum(bool(i.get("hard_case")) for i in corpus),
        "n_augmented": sum(i["source"] == "augmented" for i in corpus),
        "splits": ", ".join(f"{s} {split_counts[s]} ({100 * split_counts[s] / n:.0f}%)" for s in ("train", "dev", "test")),
        "kind_table": table(Counter(i["kind"] for i in corpus), n, "kind"),
        "industry_table": table(Counter(i["industry"] for i in corpus), n, "industry"),
        "channel_table": table(Counter(i["channel"] for i in corpus), n, "channel"),
        "state_table": table(Counter(i["customer_state"] for i in replies), len(replies), "customer state (replies)"),
        "hard_table": table(Counter(i["hard_case"] for i in corpus if i.get("hard_case")), n, "hard case"),
        "label_table": "\n".join(dist),
        "agreement_table": agree_table,
        "third_pass": third_pass(corpus),
        "n_double": agree.get("n", 0),
    }
    template = (ROOT / "scripts" / "data_card_template.md").read_text(encoding="utf-8")
    (DATA / "README.md").write_text(template.format(**figures), encoding="utf-8")
    print(json.dumps({k: v for k, v in figures.items() if not k.endswith("table")} | {"kappa": agree}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
