"""Streaming readers: one row dict per input record, in input order, for every format.

Each row is ``{"id", "text", "context", "error", "warning", "extra"}``. A record that cannot
be read (bad JSON, a CSV line with the wrong number of fields, an unreadable e-mail) keeps its
place with ``text=None`` and the reason in ``error``; bytes that are not valid UTF-8 are
replaced with U+FFFD and the row carries a ``warning``. Nothing is loaded whole: a file of any
length is read record by record (``.parquet`` in record batches).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import DataError
from .documents import eml_to_text, html_file_to_text

TABLES = (".csv", ".tsv", ".jsonl", ".parquet", ".txt")
"""Formats with one text per record (a line or a table row)."""

DOCUMENTS = (".eml", ".html", ".htm")
"""Formats with one text per file."""

READABLE = TABLES + DOCUMENTS

INVALID_UTF8 = "bytes that are not valid UTF-8 were replaced with U+FFFD"

_ESCAPED = re.compile("[\udc80-\udcff]")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_rows(
    path: str | Path,
    text_col: str = "text",
    context_col: str | None = None,
    id_col: str | None = None,
    keep: Sequence[str] = (),
) -> Iterator[dict[str, Any]]:
    """Yield one row per input record of ``path`` (a file, or a folder of files), in order.

    Parameters
    ----------
    path : file or folder
        ``.csv``, ``.tsv``, ``.jsonl``, ``.parquet`` (needs pyarrow), ``.txt`` (one text per
        line), ``.eml`` or ``.html`` (one text per file), or a folder: its files in sorted
        order, read by their suffix, other files skipped.
    text_col : str
        The column (or JSON field) holding the text. It must exist in a table's header.
    context_col, id_col : str, optional
        The customer message each text answers, and a row id. When None, a column named
        ``context`` / ``id`` is used if present; a name given explicitly must exist.
    keep : column names
        Input columns to carry through to the output (agent, queue, campaign...).

    Raises
    ------
    attune.DataError
        When the file is missing, its format unknown, or a named column absent (the message
        names the column and lists the ones there are).
    """
    path = Path(path)
    if path.is_dir():
        yield from _read_folder(path, text_col, context_col, id_col, keep)
        return
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".tsv": _read_csv, ".jsonl": _read_jsonl,
               ".parquet": _read_parquet, ".txt": _read_txt}
    if suffix in readers:
        yield from readers[suffix](path, text_col, context_col, id_col, tuple(keep))
    elif suffix in DOCUMENTS:
        yield _read_document(path, path.name)
    else:
        raise DataError(f"{path}: cannot read {suffix or 'files without a suffix'}; "
                        f"expected one of {', '.join(READABLE)} or a folder")


def _row(row_id, text=None, context=None, error=None, warning=None, extra=None) -> dict[str, Any]:
    return {"id": row_id, "text": text, "context": context, "error": error, "warning": warning,
            "extra": extra or {}}


def _clean(value: Any) -> tuple[Any, bool]:
    """Replace escaped invalid bytes (surrogateescape) with U+FFFD; say whether there were any."""
    if isinstance(value, str) and _ESCAPED.search(value):
        return _ESCAPED.sub("\ufffd", value), True
    return value, False


def _columns(path: Path, header: Sequence[str], text_col, context_col, id_col, keep):
    """Check the named columns exist; resolve the optional ones."""
    have = set(header)
    listed = ", ".join(map(repr, header)) or "none"
    if text_col not in have:
        raise DataError(f"{path}: no column {text_col!r} (columns: {listed}); choose the text "
                        "column with --text-col / text=")
    for what, name in (("context", context_col), ("id", id_col)):
        if name is not None and name not in have:
            raise DataError(f"{path}: no {what} column {name!r} (columns: {listed})")
    missing = [k for k in keep if k not in have]
    if missing:
        raise DataError(f"{path}: no column {missing[0]!r} to keep (columns: {listed})")
    context_col = context_col if context_col is not None else ("context" if "context" in have else None)
    id_col = id_col if id_col is not None else ("id" if "id" in have else None)
    return context_col, id_col


def _read_csv(path: Path, text_col, context_col, id_col, keep) -> Iterator[dict[str, Any]]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path}: the file is empty (no header row)") from None
        except csv.Error as exc:
            raise DataError(f"{path}: cannot read the header row ({exc})") from None
        header = [_clean(h)[0].strip() for h in header]
        context_col, id_col = _columns(path, header, text_col, context_col, id_col, keep)
        index = {name: k for k, name in enumerate(header)}
        n = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                n += 1
                yield _row(str(n), error=f"row {n}: malformed CSV ({exc})")
                continue
            if not fields:  # a blank line is not a record
                continue
            n += 1
            if len(fields) != len(header):
                yield _row(str(n), error=f"row {n} has {len(fields)} fields but the header has "
                                         f"{len(header)}; check its quoting")
                continue
            bad = False
            values = {}
            for name in (text_col, context_col, id_col, *keep):
                if name is not None and name not in values:
                    values[name], invalid = _clean(fields[index[name]])
                    bad = bad or invalid
            yield _row(
                values[id_col] if id_col and values[id_col] else str(n),
                text=values[text_col],
                context=(values[context_col] or None) if context_col else None,
                warning=INVALID_UTF8 if bad else None,
                extra={k: values[k] for k in keep},
            )


def _read_jsonl(path: Path, text_col, context_col, id_col, keep) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as fh:
        n = 0
        for line in fh:
            if not line.strip():
                continue
            n += 1
            line, bad = _clean(line)
            try:
                obj = json.loads(line)
            except ValueError as exc:
                yield _row(str(n), error=f"line {n}: invalid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield _row(str(n), error=f"line {n}: expected a JSON object, got {type(obj).__name__}")
                continue
            row_id = obj.get(id_col or "id")
            row_id = str(row_id) if row_id is not None else str(n)
            if text_col not in obj:
                yield _row(row_id, error=f"line {n}: no {text_col!r} field", extra={k: obj.get(k) for k in keep})
                continue
            yield _row(
                row_id,
                text=obj[text_col],
                context=obj.get(context_col or "context"),
                warning=INVALID_UTF8 if bad else None,
                extra={k: obj.get(k) for k in keep},
            )


def _read_txt(path: Path, text_col, context_col, id_col, keep) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        for n, line in enumerate(fh, 1):
            text, bad = _clean(line.rstrip("\r\n"))
            yield _row(str(n), text=text, warning=INVALID_UTF8 if bad else None)


def require_pyarrow(doing: str = "reading") -> None:
    """Raise a :class:`DataError` naming the install command when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(f'{doing} .parquet needs pyarrow: pip install "attune-tone[parquet]"') from None


def _read_parquet(path: Path, text_col, context_col, id_col, keep) -> Iterator[dict[str, Any]]:
    require_pyarrow("reading")
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
    header = pf.schema_arrow.names
    context_col, id_col = _columns(path, header, text_col, context_col, id_col, keep)
    wanted = list(dict.fromkeys(c for c in (text_col, context_col, id_col, *keep) if c))
    n = 0
    for batch in pf.iter_batches(batch_size=1024, columns=wanted):
        for record in batch.to_pylist():
            n += 1
            row_id = record.get(id_col) if id_col else None
            yield _row(
                str(row_id) if row_id is not None else str(n),
                text=record[text_col],
                context=record.get(context_col) if context_col else None,
                extra={k: record.get(k) for k in keep},
            )


def _read_document(path: Path, row_id: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _row(row_id, error=f"cannot read {path.name}: {exc.strerror or exc}")
    try:
        if path.suffix.lower() == ".eml":
            text, warnings = eml_to_text(data)
        else:
            text, warnings = html_file_to_text(data), []
    except (ValueError, LookupError) as exc:
        return _row(row_id, error=f"{path.name}: {exc}")
    if not text.strip():
        return _row(row_id, error=f"{path.name}: no text found")
    return _row(row_id, text=text, warning="; ".join(warnings) or None)


def readable_files(folder: Path) -> list[Path]:
    """The files of ``folder`` (and its subfolders) that :func:`read_rows` reads, in the order
    it reads them: known suffixes, hidden files and folders skipped, sorted by path."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in READABLE
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _read_folder(folder: Path, text_col, context_col, id_col, keep) -> Iterator[dict[str, Any]]:
    files = readable_files(folder)
    if not files:
        raise DataError(f"{folder}: no readable files (expected {', '.join(READABLE)})")
    for path in files:
        rel = path.relative_to(folder).as_posix()
        if path.suffix.lower() in DOCUMENTS:
            row = _read_document(path, rel)
            row["extra"] = {k: None for k in keep}
            yield row
            continue
        for row in read_rows(path, text_col, context_col, id_col, keep):
            row["id"] = f"{rel}:{row['id']}"
            yield row
