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

    s = sub.add_parser(
        "score", help="score a text, or every row of a file or folder",
        description="Score one text (TEXT, or - for stdin), or every row of a file: .csv, .tsv, "
                    ".jsonl, .parquet, .txt (one text per line), .eml, .html, or a folder of them. "
                    "Output has one row per input row, in order, with an error column.")
    s.add_argument("input", metavar="TEXT_OR_FILE")
    s.add_argument("-c", "--context", help="the customer message the text replies to")
    s.add_argument("-o", "--output", help="write scored rows to this .csv, .jsonl or .parquet file")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.add_argument("--text-col", default="text", help="column holding the text (default: text)")
    s.add_argument("--context-col", help="column holding the customer message (default: context, if present)")
    s.add_argument("--id-col", help="column holding a row id (default: id, if present; else the row number)")
    s.add_argument("--keep", default="", metavar="COLS",
                   help="comma-separated input columns to copy to the output (e.g. agent,queue)")
    s.add_argument("--resume", action="store_true",
                   help="continue an interrupted run into the same --output")
    _batch_args(s)
    _model_args(s)

    tr = sub.add_parser(
        "transcripts", help="score the agent turns of conversations and find sliding door moments",
        description="Score every agent turn of a transcripts file (.csv, .tsv, .jsonl, .parquet) "
                    "against the customer turn(s) before it; summarise conversations and agents "
                    "and list the moments a customer showed strong emotion.")
    tr.add_argument("input", metavar="FILE")
    tr.add_argument("-o", "--output", metavar="DIR",
                    help="write turns, conversations, agents and moments tables to this folder")
    tr.add_argument("--format", default="csv", choices=["csv", "jsonl", "parquet"],
                    help="file format of the tables in --output (default: csv)")
    tr.add_argument("--conversation-col", default="conversation_id")
    tr.add_argument("--speaker-col", default="speaker")
    tr.add_argument("--text-col", default="text")
    tr.add_argument("--agent-col", help="column naming the agent (default: agent, if present)")
    tr.add_argument("--timestamp-col", help="column to order turns by (default: file order)")
    tr.add_argument("--customer", default="customer", metavar="VALUES",
                    help="comma-separated speaker values that mark customer turns (default: customer)")
    _batch_args(tr)
    _model_args(tr)

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
    e.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="resamples of the test scenarios for intervals of attune's lead over the "
                        "n-gram baseline (default 1000; 0 skips them)")
    e.add_argument("--cross-validate", action="store_true",
                   help="also compare attune with the n-gram baseline out of fold on the train "
                        "and dev splits (a larger sample than the test split; a few minutes)")
    e.add_argument("--n-jobs", type=_positive, default=1, help="parallel jobs for --cross-validate")
    e.add_argument("--write", action="store_true",
                   help="store the report in the model's manifest and rewrite its MODEL_CARD.md")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    return p


def _batch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch-size", type=_positive, default=64, help="texts per spaCy batch (default: 64)")
    p.add_argument("--n-process", type=_positive, default=1, help="worker processes (default: 1)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always show the progress line (default: only on a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false")


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="a model directory made by `attune train` (needs --trust)")
    p.add_argument("--trust", action="store_true", help="allow loading a model file that is not the shipped one")
    p.add_argument("--spacy-model", help="spaCy pipeline name or path (default: en_core_web_sm if installed)")


def _is_file_input(value: str) -> bool:
    from .io import READABLE

    if "\n" in value or len(value) > 1000:
        return False
    path = Path(value)
    try:
        return path.is_dir() or (path.suffix.lower() in READABLE and path.exists())
    except OSError:  # a text that is not a valid path
        return False


def _cmd_score(args) -> int:
    from .scorer import load

    if args.resume and not args.output:
        raise AttuneError("--resume continues a run into its --output file; give -o/--output")
    if not _is_file_input(args.input):
        if args.output or args.resume:
            raise AttuneError(f"{args.input!r} is not a readable file or folder; "
                              "-o/--output needs one (.csv, .jsonl, .parquet, .txt, .eml, .html)")
        scorer = load(model=args.model, spacy_model=args.spacy_model, trust=args.trust)
        text = sys.stdin.read() if args.input == "-" else args.input
        result = scorer.score(text, args.context)
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else result.summary())
        return 0
    scorer = load(model=args.model, spacy_model=args.spacy_model, trust=args.trust)
    keep = [c.strip() for c in args.keep.split(",") if c.strip()]
    if args.output:
        from .batch import score_file

        try:
            summary = score_file(args.input, args.output, scorer, text_col=args.text_col,
                                 context_col=args.context_col, id_col=args.id_col, keep=keep,
                                 batch_size=args.batch_size, n_process=args.n_process,
                                 resume=args.resume, progress=args.progress)
        except KeyboardInterrupt:
            print(f"attune: interrupted; the rows scored so far are kept. Run the same command "
                  f"with --resume to continue into {args.output}.", file=sys.stderr)
            return 130
        resumed = f", resumed after row {summary.resumed_from}" if summary.resumed_from else ""
        print(f"wrote {summary.rows} rows to {summary.output} ({summary.errors} not scored{resumed}; "
              f"{summary.rows_per_second:,.0f} rows/s)", file=sys.stderr)
        return 0
    from .batch import score_rows
    from .io import read_rows

    rows = score_rows(read_rows(args.input, args.text_col, args.context_col, args.id_col, keep),
                      scorer, args.batch_size, args.n_process, keep)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(_table(rows))
    return 0


def _table(out_rows) -> str:
    out_rows = list(out_rows)
    width = min(max([len(str(r["id"])) for r in out_rows] + [2]), 28)
    head = f"{'id':<{width}} {'overall':>7}  " + "  ".join(f"{SHORT[d]:>3}" for d in DIMENSIONS) + "  weakest: suggestion"
    lines = [head, "-" * len(head)]
    for out in out_rows:
        row_id = str(out["id"])
        row_id = row_id if len(row_id) <= width else "..." + row_id[-(width - 3):]
        if out["error"]:
            lines.append(f"{row_id:<{width}} {'-':>7}  error: {out['error']}")
            continue
        weakest = min(DIMENSIONS, key=lambda d: out[d])
        sugg = out[f"{weakest}_suggestion"] or ""
        scores = "  ".join(f"{out[d]:>3.0f}" for d in DIMENSIONS)
        lines.append(f"{row_id:<{width}} {out['overall']:>7.0f}  {scores}  {weakest}: {sugg[:70]}")
    lines.append("")
    lines.append("A awareness  T turning toward  T tolerance  U understanding  N non-defensiveness  E empathy (0-100)")
    return "\n".join(lines)


def _cmd_transcripts(args) -> int:
    from .scorer import load
    from .transcripts import read_table, score_transcripts

    frame = read_table(args.input)
    scorer = load(model=args.model, spacy_model=args.spacy_model, trust=args.trust)
    report = score_transcripts(
        frame, conversation=args.conversation_col, speaker=args.speaker_col, text=args.text_col,
        agent=args.agent_col, timestamp=args.timestamp_col,
        customer=[c.strip() for c in args.customer.split(",") if c.strip()], scorer=scorer,
        batch_size=args.batch_size, n_process=args.n_process)
    print(report.summary())
    if args.output:
        for path in report.to_dir(args.output, args.format):
            print(f"wrote {path}", file=sys.stderr)
    return 0


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
                      write=args.write, bootstrap=args.bootstrap,
                      cross_validate=args.cross_validate, n_jobs=args.n_jobs)
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
        commands = {"score": _cmd_score, "transcripts": _cmd_transcripts, "train": _cmd_train,
                    "evaluate": _cmd_evaluate}
        return commands[args.command](args)
    except AttuneError as exc:
        print(f"attune: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # an optional dependency (pandas, pyarrow) is missing
        if "attune-tone[" not in str(exc):
            raise
        print(f"attune: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
