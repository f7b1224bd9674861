"""Reading texts to score from files and writing scored rows: CSV, JSON Lines and plain text.

Every input row gives exactly one output row, in order; a row that cannot be read or scored
keeps its place and says why in its ``error`` column.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from .dimensions import DIMENSIONS
from .errors import DataError
from .result import Result

READABLE = (".csv", ".jsonl", ".txt")
WRITABLE = (".csv", ".jsonl")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_rows(path: str | Path, text_col: str = "text", context_col: str | None = "context",
              id_col: str | None = "id") -> Iterator[dict[str, Any]]:
    """Yield ``{"id", "text", "context", "error"}`` per input row, in order.

    A column named in ``text_col`` must exist (a clear :class:`DataError` names it otherwise);
    ``context_col`` and ``id_col`` are used when present. A row that cannot be read (bad JSON)
    yields ``text=None`` and the reason in ``error``.
    """
    path = Path(path)
    if path.suffix not in READABLE:
        raise DataError(f"{path}: cannot read {path.suffix or 'files without a suffix'}; "
                        f"expected one of {', '.join(READABLE)}")
    if path.suffix == ".txt":
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            for n, line in enumerate(fh, 1):
                yield {"id": str(n), "text": line.rstrip("\r\n"), "context": None, "error": None}
        return
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if text_col not in header:
                raise DataError(f"{path}: no column {text_col!r} (columns: {', '.join(header)}); "
                                "choose the text column with --text-col")
            for n, row in enumerate(reader, 1):
                if None in row:  # more fields than the header
                    yield {"id": str(n), "text": None, "context": None,
                           "error": f"row {n} has more fields than the header"}
                    continue
                yield {
                    "id": row.get(id_col) if id_col and row.get(id_col) else str(n),
                    "text": row.get(text_col),
                    "context": (row.get(context_col) or None) if context_col else None,
                    "error": None,
                }
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                yield {"id": str(n), "text": None, "context": None, "error": f"line {n}: invalid JSON ({exc})"}
                continue
            yield {
                "id": str(obj.get(id_col, n)) if id_col else str(n),
                "text": obj.get(text_col),
                "context": obj.get(context_col) if context_col else None,
                "error": None,
            }


def result_row(row_id: str, result: Result) -> dict[str, Any]:
    """A flat output row: scores, levels, overall, top evidence and suggestion per dimension."""
    out: dict[str, Any] = {"id": row_id}
    ok = result.ok
    out["overall"] = round(result.overall, 1) if ok else None
    for d in result.dimensions:
        out[d.dimension] = round(d.score, 1) if ok else None
    for d in result.dimensions:
        out[f"{d.dimension}_level"] = d.level if ok else None
    for d in result.dimensions:
        top = max(d.evidence, key=lambda e: abs(e.effect), default=None)
        out[f"{d.dimension}_evidence"] = top.text if top else None
        out[f"{d.dimension}_suggestion"] = d.suggestion
    out["warnings"] = "; ".join(result.warnings) or None
    out["error"] = result.error
    return out


def output_columns() -> list[str]:
    cols = ["id", "overall", *DIMENSIONS, *(f"{d}_level" for d in DIMENSIONS)]
    for d in DIMENSIONS:
        cols += [f"{d}_evidence", f"{d}_suggestion"]
    return cols + ["warnings", "error"]


def write_rows(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to ``path`` (CSV or JSON Lines) through a temporary file renamed at the end."""
    path = Path(path)
    if path.suffix not in WRITABLE:
        raise DataError(f"{path}: cannot write {path.suffix or 'files without a suffix'}; "
                        f"expected one of {', '.join(WRITABLE)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if path.suffix == ".csv":
                writer = csv.DictWriter(fh, fieldnames=output_columns())
                writer.writeheader()
                for row in rows:
                    writer.writerow(row)
                    n += 1
            else:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
