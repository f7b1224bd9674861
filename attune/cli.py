"""The ``attune`` command line: score texts and files, train and evaluate models."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .__about__ import __version__
from .dimensions import DIMENSIONS
from .errors import AttuneError

SHORT = {"awareness": "A", "turning_toward": "T", "tolerance": "T", "understanding": "U",
         "non_defensiveness": "N", "empathy": "E"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="attune", description="Score customer-facing writing on the six ATTUNE dimensions.")
    p.add_argument("--version", action="version", version=f"attune {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score a text, or a .csv/.jsonl/.txt file of texts",
                       description="Score one text (TEXT, or - for stdin) or every row of a file.")
    s.add_argument("input", metavar="TEXT_OR_FILE")
    s.add_argument("-c", "--context", help="the customer message the text replies to")
    s.add_argument("-o", "--output", help="write scored rows to this .csv or .jsonl file")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.add_argument("--text-col", default="text")
    s.add_argument("--context-col", default="context")
    s.add_argument("--id-col", default="id")
    s.add_argument("--batch-size", type=int, default=64)
    s.add_argument("--n-process", type=int, default=1)
    _model_args(s)

    t = sub.add_parser("train", help="train a model on labelled data",
                       description="Train on a labelled .jsonl or .csv file (text, context and one 0-3 column per dimension).")
    t.add_argument("data", nargs="?", help="labelled file; default: the bundled corpus")
    t.add_argument("-o", "--output", required=True, help="model directory to write")
    t.add_argument("--spacy-model")
    t.add_argument("--folds", type=int, default=5)
    t.add_argument("--n-jobs", type=int, default=1, help="parallel cross-validation jobs")

    e = sub.add_parser("evaluate", help="evaluate a model on a labelled split")
    e.add_argument("model_dir", nargs="?", help="model directory; default: the shipped model")
    e.add_argument("--data", help="labelled file; default: the bundled corpus")
    e.add_argument("--split", default="test", choices=["train", "dev", "test"])
    e.add_argument("--trust", action="store_true")
    e.add_argument("--spacy-model")
    e.add_argument("--no-baselines", action="store_true", help="skip the baselines (faster)")
    e.add_argument("--write", action="store_true",
                   help="store the report in the model's manifest and rewrite its MODEL_CARD.md")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    return p


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="a model directory made by `attune train` (needs --trust)")
    p.add_argument("--trust", action="store_true", help="allow loading a model file that is not the shipped one")
    p.add_argument("--spacy-model", help="spaCy pipeline name or path (default: en_core_web_sm if installed)")


def _is_file_input(value: str) -> bool:
    if "\n" in value or len(value) > 1000:
        return False
    path = Path(value)
    return path.suffix in (".csv", ".jsonl", ".txt") and path.exists()


def _cmd_score(args) -> int:
    from .io import read_rows, result_row, write_rows
    from .scorer import load

    scorer = load(model=args.model, spacy_model=args.spacy_model, trust=args.trust)
    if _is_file_input(args.input):
        rows = list(read_rows(args.input, args.text_col, args.context_col, args.id_col))
        results = scorer.score_many([r["text"] if r["error"] is None else None for r in rows],
                                    [r["context"] for r in rows],
                                    batch_size=args.batch_size, n_process=args.n_process)
        out_rows = []
        for row, res in zip(rows, results):
            out = result_row(row["id"], res)
            if row["error"]:
                out["error"] = row["error"]
            out_rows.append(out)
        if args.output:
            n = write_rows(args.output, out_rows)
            print(f"wrote {n} rows to {args.output}", file=sys.stderr)
        elif args.json:
            for row in out_rows:
                print(json.dumps(row, ensure_ascii=False))
        else:
            print(_table(out_rows, rows))
        return 0
    text = sys.stdin.read() if args.input == "-" else args.input
    result = scorer.score(text, args.context)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else result.summary())
    return 0


def _table(out_rows, in_rows) -> str:
    head = f"{'id':<8} {'overall':>7}  " + "  ".join(f"{SHORT[d]:>3}" for d in DIMENSIONS) + "  weakest: suggestion"
    lines = [head, "-" * len(head)]
    for out, row in zip(out_rows, in_rows):
        if out["error"]:
            lines.append(f"{out['id']:<8} {'-':>7}  error: {out['error']}")
            continue
        weakest = min(DIMENSIONS, key=lambda d: out[d])
        sugg = out[f"{weakest}_suggestion"] or ""
        scores = "  ".join(f"{out[d]:>3.0f}" for d in DIMENSIONS)
        lines.append(f"{out['id']:<8} {out['overall']:>7.0f}  {scores}  {weakest}: {sugg[:70]}")
    lines.append("")
    lines.append("A awareness  T turning toward  T tolerance  U understanding  N non-defensiveness  E empathy (0-100)")
    return "\n".join(lines)


def _cmd_train(args) -> int:
    from .model.training import train

    manifest = train(args.data, args.output, spacy_model=args.spacy_model, folds=args.folds,
                     n_jobs=args.n_jobs)
    print(json.dumps({"model": args.output, "cv_score": manifest["cv_score"],
                      "metrics": manifest["metrics"].get("mean")}, indent=2))
    return 0


def _cmd_evaluate(args) -> int:
    from .model.training import evaluate

    from .model.card import evaluation_section, metrics_table

    report = evaluate(args.model_dir, data=args.data, split=args.split, trust=args.trust,
                      spacy_model=args.spacy_model, with_baselines=not args.no_baselines,
                      write=args.write)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(metrics_table(report["attune"]))
        print()
        print(evaluation_section(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return {"score": _cmd_score, "train": _cmd_train, "evaluate": _cmd_evaluate}[args.command](args)
    except AttuneError as exc:
        print(f"attune: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
