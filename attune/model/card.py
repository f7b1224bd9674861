"""The model card: a Markdown page written beside every trained model from its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..dimensions import DIMENSIONS, LABELS

CARD_FILE = "MODEL_CARD.md"


def metrics_table(metrics: dict[str, Any]) -> str:
    """A Markdown table of per-dimension metrics."""
    rows = ["| dimension | Spearman rho | QW kappa | macro-F1 | ECE | pairwise acc. (pairs) | n |",
            "|---|---|---|---|---|---|---|"]
    per = metrics.get("per_dimension", {})
    for d in DIMENSIONS:
        m = per.get(d)
        if not m:
            continue
        rows.append(f"| {LABELS[d]} | {m['spearman']:.3f} | {m['qwk']:.3f} | {m['macro_f1']:.3f} | "
                    f"{m['ece']:.3f} | {m['pairwise_accuracy']:.3f} ({m['pairs']}) | {m['n']} |")
    mean = metrics.get("mean")
    if mean:
        rows.append(f"| **mean** | {mean['spearman']:.3f} | {mean['qwk']:.3f} | {mean['macro_f1']:.3f} | "
                    f"{mean['ece']:.3f} | {mean['pairwise_accuracy']:.3f} | |")
    return "\n".join(rows)


def comparison_table(evaluation: dict[str, Any], metric: str) -> str:
    """attune against each baseline on one metric, per dimension."""
    systems = [("attune", evaluation["attune"]["per_dimension"])]
    for name, per in evaluation.get("baselines", {}).items():
        systems.append((name, per))
    rows = ["| dimension | " + " | ".join(name for name, _ in systems) + " |",
            "|---|" + "---|" * len(systems)]
    for d in DIMENSIONS:
        cells = []
        for _, per in systems:
            v = per.get(d, {}).get(metric)
            cells.append("n/a" if v is None else f"{v:.3f}")
        rows.append(f"| {LABELS[d]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def evaluation_section(evaluation: dict[str, Any]) -> str:
    """Markdown for an ``attune evaluate`` report: baselines, evidence F1, calibration."""
    out = [f"## Evaluation on the {evaluation['split']} split (`attune evaluate`)", ""]
    if evaluation.get("baselines"):
        out += ["Baselines are fitted or thresholded on the train split only: `vader` is VADER's "
                "compound sentiment, `cue_count` the dimension's positive minus negative cues, "
                "`ngram_lr` a logistic regression on word uni- and bigrams. Raw baseline scores are "
                "mapped to levels by thresholds that reproduce the train split's level shares.", ""]
        for metric, title in (("qwk", "Quadratic-weighted kappa"), ("spearman", "Spearman rho"),
                              ("pairwise_accuracy", "Pairwise accuracy on contrastive groups"),
                              ("macro_f1", "Macro-F1 over levels"),
                              ("ece", "Expected calibration error (lower is better; n/a for a "
                                      "baseline without probabilities)")):
            out += [f"**{title}**", "", comparison_table(evaluation, metric), ""]
    comparison = evaluation.get("comparison")
    if comparison:
        out += [_comparison_section(evaluation, comparison), ""]
    cross = evaluation.get("cross_validated")
    if cross:
        out += [_cross_validated_section(cross), ""]
    ev = evaluation.get("evidence_f1")
    if ev:
        out += ["**Evidence against the rationales** (token-level, averaged over items): the words "
                "of the evidence attune reports (the clauses and sentences its rationale selector "
                "picks) against the words of the corpus rationales, per text; a text where neither "
                "has a span is skipped, one where only one side has a span counts as 0. For scale, "
                "the corpus data card (`data/README.md`, \"Agreement between the two passes\") gives "
                "how far a second labeller's rationales agree with the corpus rationales, measured "
                "the same way.", "",
                "| dimension | F1 | precision | recall | items |", "|---|---|---|---|---|"]
        for d in DIMENSIONS:
            m = ev[d]
            out.append(f"| {LABELS[d]} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['items']} |")
        out.append("")
    rel = evaluation.get("reliability")
    if rel:
        bins = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]
        out += [f"**Calibration on the {evaluation['split']} split**: mean predicted score against "
                "mean labelled level (both 0-100) in bins of the predicted score. The probabilities "
                "are temperature-scaled on out-of-fold predictions of train+dev (each fold with "
                "an n-gram vocabulary of its own training texts), the temperature "
                "softened for the model refitted on all of it by a factor found by nested "
                "cross-validation.", "",
                "| dimension | " + " | ".join(f"{a}-{b}" for a, b in bins) + " |",
                "|---|" + "---|" * len(bins)]
        for d in DIMENSIONS:
            by_bin = {(r["from"], r["to"]): r for r in rel[d]}
            cells = [(f"{by_bin[b]['predicted']:.0f} / {by_bin[b]['labelled']:.0f} (n={by_bin[b]['n']})"
                      if b in by_bin else "-") for b in bins]
            out.append(f"| {LABELS[d]} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def _evidence_lines(rationale: dict[str, Any]) -> list[str]:
    """How the evidence is chosen, when the model has a rationale selector."""
    if not rationale:
        return ["Evidence: the spans of the cues and word n-grams whose signed contributions "
                "moved each score most.", ""]
    cv = rationale.get("cv_evidence_f1", {})
    params = rationale.get("params", {})
    lines = [
        "Evidence: the text is cut into clauses and sentences from its parse, and per dimension a "
        "logistic regression (the rationale selector) gives each the probability that a labeller "
        "would quote it as the rationale for the level, from the cues in it, the signed "
        "contributions of the dimension's model located in it, the predicted level, its place "
        "and its word n-grams; a gate on the predicted level probabilities decides whether the "
        "text has evidence for the dimension at all, and the units that maximise the expected "
        "token F1 are reported, each with the sum of the contributions located in it (positive: "
        "it raised the score). The selector learns from out-of-fold contributions on "
        f"{params.get('texts', 'the')} fitting texts; its decision rule is chosen by grouped "
        f"{params.get('folds', 5)}-fold cross-validation (C={params.get('C')}).",
    ]
    joint = {d: v for d, v in (rationale.get("joint_penalty") or {}).items() if v}
    if joint:
        lines.append(
            "Labellers seldom quote one clause for two dimensions, and the six selectors, each "
            "reading a unit alone, pick the same unit for several far more often; so before "
            "choosing, a unit's probability for a dimension is lowered by how much more "
            "probable the other dimensions find it (p * exp(-s * sum of the other dimensions' "
            "excess)), with the strength s chosen by the same cross-validation: " + ", ".join(
                f"{d} {joint[d]:g}" for d in DIMENSIONS if d in joint) + " (0 for the others).")
    if cv:
        lines.append("Cross-validated evidence F1 against the rationales: " + ", ".join(
            f"{d} {cv[d]['f1']:.2f}" for d in DIMENSIONS if d in cv) + ".")
    return lines + [""]


def write_card(manifest: dict[str, Any], directory: str | Path) -> Path:
    """Write ``MODEL_CARD.md`` for the model in ``directory`` from its manifest."""
    data = manifest.get("data", {})
    versions = manifest.get("versions", {})
    metrics = manifest.get("metrics") or {}
    params = manifest.get("params", {})
    lines = [
        f"# Model card: {manifest.get('name', 'attune model')}",
        "",
        "Written by `attune train` from the model's `manifest.json`; do not edit by hand.",
        "",
        "## What it is",
        "Six multinomial logistic regressions, one per ATTUNE dimension, over attune's cue "
        f"features ({len(manifest.get('features', []))} features from the spaCy parse of the text "
        "and of the customer message it answers) and, where cross-validation chose them, TF-IDF "
        f"weights of word uni- and bigrams ({manifest.get('ngram_vocabulary', 0)} n-grams). Each "
        "predicts the probability of the codebook levels 0-3; the score is the expected level "
        "scaled to 0-100.",
        "",
        *_evidence_lines(manifest.get("rationale") or {}),
        "## Intended use",
        "Scoring English customer-facing writing (agent replies by email, chat, social media or "
        "phone; marketing and outbound emails; public statements about complaints) to coach "
        "writers and to look at teams and queues in aggregate. It is a writing aid and a QA "
        "signal, not a verdict on a person: do not use it alone to rate or discipline agents.",
        "",
        "## Data",
        f"- Source: `{data.get('source')}` (sha256 `{str(data.get('sha256', ''))[:16]}...`)",
        f"- Fitted on {data.get('n_fit')} items; evaluated on {data.get('n_test')} held-out items "
        "(scenario-disjoint test split).",
        "- The corpus is written and labelled by the attune team following `data/CODEBOOK.md`; "
        "see `data/README.md`.",
        "",
        "## Training",
        f"- spaCy pipeline: `{manifest.get('spacy_pipeline')}`",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- Regularisation (C), class weighting and n-gram weight per dimension chosen by "
        + _selection(manifest.get("cv_criterion", "")) + ":",
    ]
    for d in DIMENSIONS:
        if d in params:
            lines.append(f"  - {d}: C={params[d]['C']}, class_weight={params[d]['class_weight']}, "
                         f"n-gram weight {params[d].get('ngram_weight', 0)}, "
                         f"temperature {params[d].get('temperature', 1.0)}"
                         + (f" (refit factor {params[d]['refit_factor']})" if "refit_factor" in params[d] else "")
                         + ", "
                         f"cv score {manifest.get('cv_score', {}).get(d)}")
    lines += ["", "## Test-split metrics", ""]
    lines.append(metrics_table(metrics) if metrics else "No labelled test split was given.")
    evaluation = manifest.get("evaluation")
    if evaluation:
        lines += ["", evaluation_section(evaluation)]
    lines += [
        "",
        "Spearman rho and quadratic-weighted kappa (against the rounded expected level) compare "
        "with the adjudicated labels; macro-F1 is over the four levels; ECE is the expected "
        "calibration error of the most probable level; pairwise accuracy is the share of "
        "differently labelled replies to the same customer message that the scores order correctly.",
        "",
        "## Limitations",
        "- English only; other languages get a warning and unreliable scores.",
        "- Trained on texts written for this project, in UK-leaning English, over utilities, "
        "telecom, banking, insurance, retail, travel, SaaS, healthcare administration, public "
        "services, hospitality, housing, logistics and subscriptions. It has not seen legal, "
        "medical-advice, employee-to-employee or non-customer writing.",
        "- Cues are lexical and syntactic: well-disguised sarcasm, irony and cultural register can "
        "fool it; a long text is judged as a whole.",
        "- Labels come from the team's reading of the codebook; see the agreement figures in "
        "`data/README.md` for how far two readers agree.",
        "",
    ]
    path = Path(directory) / CARD_FILE
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _selection(criterion: str) -> str:
    """'grouped 5-fold CV on train+dev (criterion: ...)' from the manifest's ``cv_criterion``
    ('<criterion>, grouped 5-fold CV on train+dev')."""
    if ", grouped " not in criterion:
        return "grouped 5-fold cross-validation on train+dev"
    what, how = criterion.split(", grouped ", 1)
    return f"grouped {how} (criterion: the {what})"


_COMPARED_TITLES = (("qwk", "QW kappa"), ("spearman", "Spearman"), ("pairwise_accuracy", "pairwise"),
                    ("macro_f1", "macro-F1"), ("ece", "ECE"))
"""The metrics set side by side with a baseline's, and their column titles."""


def _comparison_section(evaluation: dict[str, Any], comparison: dict[str, Any]) -> str:
    """attune minus the strongest baseline per metric, with its bootstrap interval."""
    name = comparison["baseline"]
    metrics = _COMPARED_TITLES
    ours = evaluation["attune"]["per_dimension"]
    theirs = evaluation["baselines"][name]
    rows = [f"**attune minus `{name}`**, with 95% intervals from {comparison['resamples']} "
            "resamples of the test scenarios (higher is better, except ECE). An interval that "
            "spans 0 is a difference this test split cannot tell from chance.", "",
            "| dimension | " + " | ".join(title for _, title in metrics) + " |",
            "|---|" + "---|" * len(metrics)]
    for d in DIMENSIONS:
        cells = []
        for key, _ in metrics:
            lo, hi = comparison["per_dimension"][d][key]
            diff = ours[d][key] - theirs[d][key]
            cells.append(f"{diff:+.3f} ({lo:+.3f}, {hi:+.3f})")
        rows.append(f"| {LABELS[d]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cross_validated_section(cross: dict[str, Any]) -> str:
    """attune against the n-gram baseline out of fold on train+dev, with intervals."""
    metrics = _COMPARED_TITLES
    name = cross["baseline"]
    rows = [f"**Out of fold on train+dev** ({cross['items']} texts, grouped {cross['folds']}-fold "
            "cross-validation, `attune evaluate --cross-validate`): both systems refitted without "
            "each fold's scenarios, with the settings used for the test split (attune's "
            "temperature fitted on the other folds). The sample is larger than the test split's, "
            "but attune's settings were chosen by cross-validation on these texts, a small "
            f"optimism the baseline does not get. attune / `{name}`, and attune minus `{name}` "
            f"with 95% intervals from {cross['resamples']} resamples of the scenarios:", "",
            "| dimension | " + " | ".join(title for _, title in metrics) + " |",
            "|---|" + "---|" * len(metrics)]
    for d in DIMENSIONS:
        entry = cross["per_dimension"][d]
        cells = []
        for key, _ in metrics:
            a, b = entry["attune"][key], entry[name][key]
            cell = f"{a:.3f} / {b:.3f}: {a - b:+.3f}"
            if "intervals" in entry:
                lo, hi = entry["intervals"][key]
                cell += f" ({lo:+.3f}, {hi:+.3f})"
            cells.append(cell)
        rows.append(f"| {LABELS[d]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
