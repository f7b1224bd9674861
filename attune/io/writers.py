"""Writing scored rows safely: staged in a hidden partial file, renamed into place at the end,
and resumable after an interruption.

The partial file sits next to the output (``.NAME.part``) with a checkpoint beside it
(``.NAME.part.json``: how many rows and bytes are complete, and what job made them). After each
batch the rows are flushed and the checkpoint updated, so a job killed at any moment can be
resumed: the partial file is cut back to the last checkpoint and the job skips that many input
rows. Parquet output is staged as JSON Lines and converted when the job finishes.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import DataError
from .readers import require_pyarrow
from .rows import FLOAT_COLUMNS

WRITABLE = (".csv", ".jsonl", ".parquet")


class RowWriter:
    """Write output rows to ``path`` through a partial file; resume an interrupted job.

    Parameters
    ----------
    path : the output file (``.csv``, ``.jsonl`` or ``.parquet``).
    columns : the output columns, in order.
    job : a JSON-able description of the job (input file, options); a resume is refused when
        the partial file was made by a different job.
    resume : continue from the partial file of an interrupted run, if there is one.

    Use it as a context manager: leaving the block normally finishes the file (renames it
    into place); an exception or Ctrl-C leaves the partial file for ``resume``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scores.csv"
    >>> with RowWriter(out, ["id", "error"]) as w:
    ...     w.write([{"id": "1", "error": None}])
    >>> out.read_text().splitlines()
    ['id,error', '1,']
    """

    def __init__(self, path: str | Path, columns: Sequence[str], job: dict[str, Any] | None = None,
                 resume: bool = False):
        self.path = Path(path)
        self.format = self.path.suffix.lower()
        if self.format not in WRITABLE:
            raise DataError(f"{self.path}: cannot write {self.format or 'files without a suffix'}; "
                            f"expected one of {', '.join(WRITABLE)}")
        if self.format == ".parquet":
            require_pyarrow("writing")
        self.columns = list(columns)
        self.job = {"columns": self.columns, **(job or {})}
        self.part = self.path.with_name(f".{self.path.name}.part")
        self.checkpoint = self.path.with_name(f".{self.path.name}.part.json")
        self.done = 0
        """Rows already written (by a resumed run, before this one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        size = self._resume_point() if resume else None
        if size is None:
            self.done = 0
            self._fh = open(self.part, "w", encoding="utf-8", newline="")
            if self.format == ".csv":
                csv.writer(self._fh).writerow(self.columns)
        else:
            os.truncate(self.part, size)  # drop a row cut short by the interruption
            self._fh = open(self.part, "a", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._fh, fieldnames=self.columns, extrasaction="ignore") \
            if self.format == ".csv" else None
        self._save_checkpoint()

    def _resume_point(self) -> int | None:
        """Bytes of the partial file that hold complete rows, or None to start afresh."""
        if not (self.part.exists() and self.checkpoint.exists()):
            return None
        try:
            saved = json.loads(self.checkpoint.read_text(encoding="utf-8"))
            rows, size, job = int(saved["rows"]), int(saved["bytes"]), saved["job"]
        except (OSError, ValueError, KeyError, TypeError):
            raise DataError(f"{self.checkpoint}: the checkpoint of the interrupted run is "
                            "damaged; run again without --resume to start over") from None
        if job != json.loads(json.dumps(self.job)):
            raise DataError(f"{self.part} was made by a different job (other input or options); "
                            "run again with the same options, or without --resume to start over")
        if self.part.stat().st_size < size:
            raise DataError(f"{self.part} is shorter than its checkpoint says; run again "
                            "without --resume to start over")
        self.done = rows
        return size

    def _save_checkpoint(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        tmp = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        tmp.write_text(json.dumps({"rows": self.done, "bytes": self._fh.tell(), "job": self.job}),
                       encoding="utf-8")
        os.replace(tmp, self.checkpoint)

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows, then record a checkpoint."""
        n = 0
        for row in rows:
            if self._writer is not None:
                self._writer.writerow(row)
            else:
                self._fh.write(json.dumps({c: row.get(c) for c in self.columns},
                                          ensure_ascii=False, default=str) + "\n")
            n += 1
        self.done += n
        self._save_checkpoint()

    def commit(self) -> int:
        """Finish: move the complete file into place; returns the number of rows."""
        self._fh.close()
        if self.format == ".parquet":
            tmp = self.part.with_name(self.part.name + ".parquet")
            _jsonl_to_parquet(self.part, tmp, self.columns)
            os.replace(tmp, self.path)
            self.part.unlink()
        else:
            os.replace(self.part, self.path)
        self.checkpoint.unlink(missing_ok=True)
        return self.done

    def close(self) -> None:
        """Stop without finishing: the partial file and checkpoint stay for a resume."""
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.close()


def write_rows(path: str | Path, rows: Iterable[dict[str, Any]],
               columns: Sequence[str] | None = None) -> int:
    """Write rows to ``path`` (CSV, JSON Lines or Parquet) through a partial file renamed at
    the end; returns the number of rows. ``columns`` defaults to attune's output columns."""
    from .rows import output_columns

    with RowWriter(path, columns or output_columns()) as writer:
        writer.write(rows)
    return writer.done


def _jsonl_to_parquet(src: Path, dest: Path, columns: Sequence[str]) -> None:
    """Convert the staged JSON Lines to Parquet in bounded batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.float64() if c in FLOAT_COLUMNS else pa.string()) for c in columns])

    def cell(column, value):
        if value is None or column in FLOAT_COLUMNS:
            return value
        return value if isinstance(value, str) else str(value)

    with pq.ParquetWriter(dest, schema) as writer, open(src, encoding="utf-8") as fh:
        batch: list[dict[str, Any]] = []
        for line in fh:
            row = json.loads(line)
            batch.append({c: cell(c, row.get(c)) for c in columns})
            if len(batch) >= 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
