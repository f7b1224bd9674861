"""Batch jobs: score every row of a file or folder into an output file, streaming.

The job reads one record at a time (:func:`attune.io.read_rows`), scores in batches
(:meth:`Scorer.pipe`, in worker processes with ``n_process > 1``) and writes each batch to a
partial file with a checkpoint (:class:`attune.io.RowWriter`), so memory stays flat on a file
of any length, every input row gives exactly one output row in input order, and an
interrupted job continues where it stopped with ``resume=True``.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ._progress import Progress
from .errors import DataError
from .io import RowWriter, output_columns, read_rows, result_row
from .io.readers import DOCUMENTS, readable_files

if TYPE_CHECKING:  # pragma: no cover
    from .scorer import Scorer

WRITE_EVERY = 512
"""Output rows are written, and a checkpoint taken, every this many rows."""


@dataclass(frozen=True)
class BatchSummary:
    """What a finished :func:`score_file` job did."""

    output: str
    rows: int
    errors: int
    resumed_from: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        scored = self.rows - self.resumed_from
        return scored / self.seconds if self.seconds > 0 else float("nan")


def score_rows(rows: Iterable[dict[str, Any]], scorer: "Scorer", batch_size: int = 64,
               n_process: int = 1, keep: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Score reader rows (see :func:`attune.io.read_rows`) into output rows, lazily and in
    order. A row the reader could not read keeps the reader's error."""
    in_flight: deque[dict[str, Any]] = deque()  # read but not yet scored, in order

    def pairs():
        for row in rows:
            in_flight.append(row)
            yield (row["text"] if row["error"] is None else None), row["context"]

    for result in scorer._pipe_pairs(pairs(), batch_size=batch_size, n_process=n_process):
        row = in_flight.popleft()
        out = result_row(row["id"], result, {c: row["extra"].get(c) for c in keep})
        if row["error"]:
            out["error"] = row["error"]
        if row.get("warning"):
            out["warnings"] = "; ".join(filter(None, (row["warning"], out["warnings"])))
        yield out


def score_file(
    input: str | Path,
    output: str | Path,
    scorer: "Scorer | None" = None,
    *,
    text_col: str = "text",
    context_col: str | None = None,
    id_col: str | None = None,
    keep: Sequence[str] = (),
    batch_size: int = 64,
    n_process: int = 1,
    resume: bool = False,
    progress: bool | None = None,
) -> BatchSummary:
    """Score every row of ``input`` (a file or folder) into ``output`` (.csv, .jsonl, .parquet).

    Output has exactly one row per input row, in input order, with the columns of
    :func:`attune.io.output_columns` (``keep`` adds input columns after ``id``). The file
    appears only when the job finishes; until then rows go to a partial file next to it, and
    ``resume=True`` continues an interrupted job from its last checkpoint, without losing or
    repeating rows. ``progress`` shows a progress line on a terminal (None: when stderr is one).

    Examples
    --------
    >>> from attune.batch import score_file                        # doctest: +SKIP
    >>> score_file("chats.csv", "scored.parquet", n_process=2)     # doctest: +SKIP
    BatchSummary(output='scored.parquet', rows=20000, errors=3, ...)
    """
    if scorer is None:
        from .frame import _cached_scorer

        scorer = _cached_scorer(None, None, False)  # the default scorer, loaded once
    input = Path(input)
    job = {"input": str(input.resolve()), "input_signature": _signature(input),
           "text_col": text_col, "context_col": context_col, "id_col": id_col,
           "model": scorer.model_name}
    rows = read_rows(input, text_col, context_col, id_col, keep)
    first = next(rows, None)  # reads the header: a missing column fails before any output
    rows = itertools.chain([first] if first is not None else [], rows)
    t0 = time.monotonic()
    errors = 0
    with RowWriter(output, output_columns(keep), job=job, resume=resume) as writer:
        done = writer.done
        if done:
            skipped = sum(1 for _ in itertools.islice(rows, done))
            if skipped < done:
                raise DataError(f"{output}: the interrupted run wrote {done} rows but the "
                                f"input has only {skipped}; run without --resume")
        bar = Progress(enabled=progress, start=done)
        if bar.enabled:  # counting rows reads the whole input once more: only for the bar
            bar.total = estimate_rows(input)
        try:
            batch: list[dict[str, Any]] = []
            for out in score_rows(rows, scorer, batch_size, n_process, keep):
                batch.append(out)
                errors += out["error"] is not None
                if len(batch) >= WRITE_EVERY:
                    writer.write(batch)
                    bar.update(len(batch))
                    batch = []
            writer.write(batch)
            bar.update(len(batch))
        finally:
            bar.close()
        total = writer.done
    return BatchSummary(str(output), total, errors, done, time.monotonic() - t0)


def _signature(path: Path) -> list:
    """Size and modification time of the input (or of each file in a folder)."""
    try:
        if path.is_dir():
            return [[p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns]
                    for p in readable_files(path)]
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]
    except OSError:
        return []


def estimate_rows(path: str | Path) -> int | None:
    """About how many rows ``path`` holds (for the progress line); None when unknown.

    Counts lines for line-based formats (a CSV field with line breaks makes it an
    overestimate), reads the row count of a Parquet file, and counts documents in a folder.
    """
    path = Path(path)
    try:
        if path.is_dir():
            return sum(estimate_rows(p) or 0 for p in readable_files(path)) or None
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if suffix in DOCUMENTS:
            return 1
        lines = 0
        last = b"\n"
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        lines += last != b"\n"
        return max(lines - (suffix in (".csv", ".tsv")), 0)
    except (OSError, ImportError, ValueError):
        return None
