"""Reading labelled data: the bundled ATTUNE corpus and users' own labelled files.

The corpus lives in the repository's ``data/`` folder (it is not installed with the wheel):
``data/corpus.jsonl`` holds the adjudicated items and ``data/splits.json`` the frozen
train/dev/test assignment of each scenario.

A user's own file can be JSON Lines in the corpus format, or CSV with a ``text`` column,
an optional ``context`` column, and one column per dimension holding its 0-3 label::

    text,context,awareness,turning_toward,tolerance,understanding,non_defensiveness,empathy
    "I've refunded the fee.","You charged me twice!",1,2,2,2,2,1

Optional CSV columns: ``id``, ``scenario_id`` (rows of one scenario never straddle a
cross-validation fold), ``split`` (train/dev/test).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from .dimensions import DIMENSIONS, MAX_LEVEL
from .errors import DataError

SPLITS = ("train", "dev", "test")


def data_dir() -> Path:
    """The repository's ``data/`` folder (only present in a source checkout)."""
    path = Path(__file__).resolve().parents[1] / "data"
    if not (path / "corpus.jsonl").is_file():
        raise DataError(
            "the ATTUNE corpus is not installed with the package; clone the repository "
            "(it lives in data/corpus.jsonl) or pass the path of a labelled file"
        )
    return path


def load_corpus(path: str | Path | None = None, split: str | Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Items of the labelled corpus (or of any labelled file), with their ``split``.

    ``split`` keeps only the named split(s): ``"train"``, ``"dev"``, ``"test"`` or a list.

    >>> train = load_corpus(split="train")          # doctest: +SKIP
    >>> sorted(train[0]["labels"]) == sorted(DIMENSIONS)   # doctest: +SKIP
    True
    """
    if path is None:
        base = data_dir()
        items = read_labelled(base / "corpus.jsonl")
        splits = load_splits(base / "splits.json")
        for item in items:
            item.setdefault("split", splits.get(item["scenario_id"]))
    else:
        items = read_labelled(path)
    if split is not None:
        wanted = {split} if isinstance(split, str) else set(split)
        unknown = wanted - set(SPLITS)
        if unknown:
            raise DataError(f"unknown split(s) {sorted(unknown)}; expected {SPLITS}")
        items = [i for i in items if i.get("split") in wanted]
    return items


def load_splits(path: str | Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_labelled(path: str | Path) -> list[dict[str, Any]]:
    """Read a labelled ``.jsonl`` or ``.csv`` file into corpus-format dicts; check every row.

    Raises :class:`attune.DataError` naming the file, the row and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        rows = _read_jsonl(path)
    elif path.suffix == ".csv":
        rows = _read_csv(path)
    else:
        raise DataError(f"{path}: expected a .jsonl or .csv file, got {path.suffix or 'no suffix'}")
    unit = "row" if path.suffix == ".csv" else "line"
    items = []
    for n, row in rows:
        items.append(_check_row(f"{path}, {unit} {n}", n, row))
    if not items:
        raise DataError(f"{path}: no labelled rows")
    return items


def _read_jsonl(path: Path):
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}, line {n}: invalid JSON ({exc})") from exc


def _read_csv(path: Path):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in ("text", *DIMENSIONS) if c not in header]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)} (have {', '.join(header)})")
        for n, row in enumerate(reader, 2):
            labels = {}
            for d in DIMENSIONS:
                try:
                    labels[d] = int(float(row[d]))
                except (TypeError, ValueError) as exc:
                    raise DataError(f"{path}, row {n}: {d} must be a number 0-{MAX_LEVEL}, got {row[d]!r}") from exc
            item = {
                "id": row.get("id") or f"row-{n}",
                "scenario_id": row.get("scenario_id") or row.get("id") or f"row-{n}",
                "kind": row.get("kind") or ("reply" if row.get("context") else "marketing"),
                "context": row.get("context") or None,
                "text": row["text"],
                "labels": labels,
            }
            if row.get("split"):
                item["split"] = row["split"]
            yield n, item


def _check_row(where: str, n: int, row: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected an object")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{where}: 'text' must be a non-empty string")
    labels = row.get("labels")
    if not isinstance(labels, dict):
        raise DataError(f"{where}: 'labels' must map the six dimensions to 0-{MAX_LEVEL}")
    for d in DIMENSIONS:
        v = labels.get(d)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_LEVEL:
            raise DataError(f"{where}: label {d} must be an integer 0-{MAX_LEVEL}, got {v!r}")
    row.setdefault("id", f"line-{n}")
    row.setdefault("scenario_id", row["id"])
    ctx = row.get("context")
    if ctx is not None and not isinstance(ctx, str):
        raise DataError(f"{where}: 'context' must be a string or null")
    if row.get("split") not in (None, *SPLITS):
        raise DataError(f"{where}: split must be one of {SPLITS}, got {row['split']!r}")
    return row


def label_array(items: Iterable[dict[str, Any]], dimension: str):
    """The labels of ``dimension`` over ``items`` as an integer numpy array."""
    import numpy as np

    return np.array([i["labels"][dimension] for i in items], dtype=int)


def data_hash(items: Iterable[dict[str, Any]]) -> str:
    """SHA-256 over the texts, contexts, labels and splits of ``items`` (order-independent)."""
    h = hashlib.sha256()
    keyed = sorted(
        json.dumps([i.get("id"), i.get("context"), i["text"], [i["labels"][d] for d in DIMENSIONS],
                    i.get("split")], ensure_ascii=False)
        for i in items
    )
    for k in keyed:
        h.update(k.encode("utf-8"))
    return h.hexdigest()
