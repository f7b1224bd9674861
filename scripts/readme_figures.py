"""Refresh the figures in README.md from the shipped model's manifest and the benchmark results.

    python scripts/readme_figures.py

Replaces the text between <!-- metrics:start --> / <!-- metrics:end --> (test-split metrics and
the baseline comparison from models/manifest.json) and <!-- bench:start --> / <!-- bench:end -->
(benchmarks/results.json).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def _human_rationale_f1() -> str:
    """The second labelling pass's agreement with the corpus rationales on the test split, the
    scale for the evidence F1 (see scripts/data_card.py); empty without the raw passes."""
    from attune.data import load_corpus
    from attune.dimensions import DIMENSIONS

    sys.path.insert(0, str(ROOT / "scripts"))
    from data_card import DATA, read_jsonl, rationale_f1

    second = {row["id"]: row.get("rationales", {})
              for path in sorted((DATA / "raw" / "pass2").glob("*.jsonl")) for row in read_jsonl(path)}
    if not second:
        return ""
    test = [i for i in load_corpus(split="test") if i["id"] in second]
    agree = [rationale_f1(test, second, d) for d in DIMENSIONS]
    return (f" A second labeller's rationales agree with the corpus rationales at {min(agree):.2f}-"
            f"{max(agree):.2f} on the same texts, measured the same way (the data card, "
            "`data/README.md`, has them per dimension).")


_METRIC_NAMES = {"qwk": "kappa", "spearman": "Spearman", "pairwise_accuracy": "pairwise accuracy",
                 "macro_f1": "macro-F1", "ece": "calibration error"}


def _not_ahead(ours: dict, theirs: dict) -> list[str]:
    """The (dimension, metric) cells where attune does not lead the baseline."""
    from attune.dimensions import DIMENSIONS

    cells = []
    for d in DIMENSIONS:
        for key, name in _METRIC_NAMES.items():
            lead = ours[d][key] - theirs[d][key]
            if (-lead if key == "ece" else lead) <= 0:
                cells.append(f"{d} {name}")
    return cells


def _listed(cells: list[str]) -> str:
    return cells[0] if len(cells) == 1 else ", ".join(cells[:-1]) + " and " + cells[-1]


def _cross_validated_line(evaluation: dict) -> str:
    """Where attune does not lead the n-gram baseline on the test split, and how it does out of
    fold on train+dev, a larger sample."""
    from attune.dimensions import DIMENSIONS

    cross = evaluation["cross_validated"]
    base = cross["baseline"]
    line = ""
    if base in evaluation.get("baselines", {}):
        behind = _not_ahead(evaluation["attune"]["per_dimension"], evaluation["baselines"][base])
        if behind:
            line = (f"On the test split attune does not lead `{base}` on {_listed(behind)} "
                    "(the model card has the bootstrap intervals). ")
    ours = {d: cross["per_dimension"][d]["attune"] for d in DIMENSIONS}
    theirs = {d: cross["per_dimension"][d][base] for d in DIMENSIONS}
    behind = _not_ahead(ours, theirs)
    unsure = []  # ahead, with an interval of the lead that spans zero
    for d in DIMENSIONS:
        for key, name in _METRIC_NAMES.items():
            lo, hi = cross["per_dimension"][d].get("intervals", {}).get(key, (1, 1))
            if lo <= 0 <= hi and f"{d} {name}" not in behind:
                unsure.append(f"{d} {name}")
    line += (f"Out of fold on train+dev, a larger sample ({cross['items']} texts, `attune evaluate "
             f"--cross-validate`; the model card has the table), attune leads it on "
             + ("every metric and dimension" if not behind else "all but " + _listed(behind)))
    if unsure:
        line += "; the 95% interval of the lead excludes zero except for " + _listed(unsure)
    return line + "."


def main() -> int:
    from attune.model.card import comparison_table, metrics_table

    manifest = json.loads((ROOT / "models" / "manifest.json").read_text())
    readme = (ROOT / "README.md").read_text()
    parts = [metrics_table(manifest["metrics"])]
    evaluation = manifest.get("evaluation")
    if evaluation and evaluation.get("baselines"):
        parts += ["", "Quadratic-weighted kappa against the baselines (fitted on the train split; "
                  "see the model card for Spearman, pairwise accuracy, macro-F1, calibration error and 95% "
                  "bootstrap intervals of attune's lead over the n-gram baseline):", "",
                  comparison_table(evaluation, "qwk")]
    if evaluation and evaluation.get("cross_validated"):
        parts += ["", _cross_validated_line(evaluation)]
    if evaluation and evaluation.get("evidence_f1"):
        ev = evaluation["evidence_f1"]
        parts += ["", "Evidence against the corpus rationales, token-level F1: " + ", ".join(
            f"{d} {ev[d]['f1']:.2f}" for d in ev) + "." + _human_rationale_f1()]
    readme = replace(readme, "metrics", "\n".join(parts))
    results = ROOT / "benchmarks" / "results.json"
    if results.exists():
        from bench_scoring import table

        res = json.loads(results.read_text())
        body = (f"`make benchmark` on {res['machine']}, {res['date']}:\n\n" + table(res))
        readme = replace(readme, "bench", body)
    batch = ROOT / "benchmarks" / "batch_results.json"
    if batch.exists():
        from bench_batch import table as batch_table

        res = json.loads(batch.read_text())
        readme = replace(readme, "batch", f"`make benchmark-batch` on {res['machine']}, {res['date']}:\n\n"
                         + batch_table(res))
    (ROOT / "README.md").write_text(readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
