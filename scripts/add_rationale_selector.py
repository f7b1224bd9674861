"""Fit the rationale selector of a trained model and save it back, leaving its scores alone.

    PYTHONPATH=. python scripts/add_rationale_selector.py [models] [--n-jobs 2]
    PYTHONPATH=. python scripts/add_rationale_selector.py models --fit-on train --report dev

``attune train`` fits the selector itself; this script adds one to a model trained without
it (the shipped model was) without refitting the six level models, so every score stays as
it was. The selector is fitted as ``attune train`` fits it: on the train and dev splits of the
corpus, with the same features, out-of-fold contributions from the model's own parameters,
and the decision rule chosen by grouped cross-validation. The model file is saved back with
the manifest's file hash updated and a ``rationale`` entry added; then refresh the evaluation
and the README:

    PYTHONPATH=. python -m attune evaluate models --write
    python scripts/readme_figures.py

``--fit-on train --report dev`` fits on the train split alone and prints the evidence F1 on
dev without saving anything (how the design was compared; the test split is never used).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from attune.data import load_corpus
    from attune.dimensions import DIMENSIONS
    from attune.model.artifact import load_model, read_manifest, save_model
    from attune.model.card import write_card
    from attune.model.evaluation import evidence_f1
    from attune.model.rationale import fit_rationale_selector, rationale_manifest
    from attune.model.training import featurize
    from attune.pipeline import load_pipeline

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", nargs="?", default=str(ROOT / "models"))
    parser.add_argument("--fit-on", default="train,dev", help="splits to fit on (default train,dev)")
    parser.add_argument("--report", default=None, help="a split to print evidence F1 on; nothing is saved")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    t0 = time.perf_counter()
    model, _ = load_model(args.model, trust=True)
    nlp = load_pipeline()
    items = load_corpus(split=args.fit_on.split(","))
    if "test" in args.fit_on.split(","):
        raise SystemExit("the selector is never fitted on the test split")
    feats = featurize(items, nlp)
    model.rationale = fit_rationale_selector(model, items, feats, n_jobs=args.n_jobs)
    if model.rationale is None:
        raise SystemExit("no rationales in the fitting data")
    print(f"fitted on {len(items)} items ({args.fit_on}) in {time.perf_counter() - t0:.0f} s")
    for dim in DIMENSIONS:
        cv = model.rationale.cv.get(dim, {})
        print(f"  {dim:18s} rule {model.rationale.rule.get(dim)}  joint penalty "
              f"{model.rationale.joint.get(dim)}  cross-validated F1 {cv.get('f1')}"
              f"  P {cv.get('precision')}  R {cv.get('recall')}")
    if args.report:
        held = load_corpus(split=args.report)
        report = evidence_f1(model, held, featurize(held, nlp))
        print(f"evidence F1 on {args.report} ({len(held)} items):")
        for dim in DIMENSIONS:
            m = report[dim]
            print(f"  {dim:18s} F1 {m['f1']:.3f}  P {m['precision']:.3f}  R {m['recall']:.3f}  items {m['items']}")
        return 0
    if args.fit_on != "train,dev":
        raise SystemExit("only a selector fitted on train,dev is saved (as attune train fits it)")
    manifest = read_manifest(args.model)
    manifest.pop("files", None)
    manifest["rationale"] = rationale_manifest(model.rationale)
    save_model(model, args.model, manifest)
    write_card(read_manifest(args.model), args.model)
    print(f"saved {Path(args.model) / 'attune.joblib'}; now run: python -m attune evaluate "
          f"{args.model} --write && python scripts/readme_figures.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
