"""The command line: score a text, score a file row by row, train on a user's CSV."""

from __future__ import annotations

import csv
import json

import pytest

from attune.cli import main
from conftest import ROOT


def test_score_text_prints_the_six_dimensions(capsys):
    assert main(["score", "That's on us. I've refunded the £20 today.", "--context", "You charged me twice!"]) == 0
    out = capsys.readouterr().out
    for name in ("Awareness", "Turning toward", "Tolerance", "Understanding", "Non-defensiveness", "Empathy"):
        assert name in out


def test_score_text_json(capsys):
    assert main(["score", "Thanks, sorted.", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["scores"]) == {"awareness", "turning_toward", "tolerance", "understanding",
                                   "non_defensiveness", "empathy"}


def test_score_file_keeps_one_row_per_input_row(tmp_path, capsys):
    src = tmp_path / "in.csv"
    with open(src, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "context", "text"])
        w.writerow(["a", "Where is my parcel?", "It arrives tomorrow before noon, Sam."])
        w.writerow(["b", "", ""])
        w.writerow(["c", "", "Sorry, but that is our policy."])
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out)]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["error"] == "" and rows[1]["error"] != "" and rows[2]["error"] == ""
    assert float(rows[0]["overall"]) > 0


def test_score_file_missing_column_is_named(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,hello\n")
    assert main(["score", str(src)]) == 2
    assert "'text'" in capsys.readouterr().err


def test_bundled_samples_score(capsys):
    assert main(["score", str(ROOT / "data" / "samples" / "replies.csv")]) == 0
    out = capsys.readouterr().out
    assert "r01" in out and "m03" in out and "error" not in out


def test_train_on_a_users_csv_and_score_with_it(tmp_path, capsys):
    from attune import DIMENSIONS
    from attune.data import load_corpus

    items = load_corpus(split="train")[:120]
    src = tmp_path / "scorecards.csv"
    with open(src, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "scenario_id", "context", "text", *DIMENSIONS])
        for i in items:
            w.writerow([i["id"], i["scenario_id"], i["context"] or "", i["text"], *[i["labels"][d] for d in DIMENSIONS]])
    model_dir = tmp_path / "qa-model"
    assert main(["train", str(src), "-o", str(model_dir), "--folds", "3"]) == 0
    assert (model_dir / "manifest.json").is_file()
    capsys.readouterr()
    assert main(["score", "Refunded today, sorry. Jo", "--model", str(model_dir), "--json"]) == 2
    assert "trust" in capsys.readouterr().err
    assert main(["score", "Refunded today, sorry. Jo", "--model", str(model_dir), "--trust", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "qa-model"


@pytest.mark.parametrize("bad", ["missing.csv"])
def test_train_reports_a_missing_file(tmp_path, capsys, bad):
    assert main(["train", str(tmp_path / bad), "-o", str(tmp_path / "m")]) == 2
    assert "no such file" in capsys.readouterr().err
