"""Batch jobs over files: every format, one output row per input row in order, bad rows kept
in place with a reason, interrupted runs resumed, identical output with worker processes."""

from __future__ import annotations

import csv
import itertools
import json
from email.message import EmailMessage
from io import StringIO

import pytest

from attune import DataError
from attune.batch import score_file, score_rows
from attune.cli import main
from attune.io import read_rows, write_rows
from conftest import ROOT

REPLIES = [
    ("We're sorry the engineer missed you twice. I've booked Sam for 8am tomorrow and "
     "credited £30.", "The engineer didn't turn up AGAIN."),
    ("Please refer to our terms and conditions.", "You charged me twice!"),
    ("Thanks, Jo. Your new card is on its way and should arrive by Friday.", None),
    ("Unfortunately that is not something we can help with.", "My parcel is lost and it was a gift."),
]


def _csv(path, rows, header=("id", "context", "text")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _eml(path, subject, plain=None, html=None):
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "news@example.com"
    msg["To"] = "reader@example.org"
    if plain is not None:
        msg.set_content(plain)
    if html is not None:
        if plain is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    path.write_bytes(bytes(msg))
    return path


# -- formats -------------------------------------------------------------------------------

def test_csv_rows_keep_order_ids_and_kept_columns(scorer, tmp_path):
    src = _csv(tmp_path / "in.csv", [(f"r{k}", c or "", t) for k, (t, c) in enumerate(REPLIES)],
               header=("id", "context", "text"))
    out = tmp_path / "out.csv"
    summary = score_file(src, out, scorer)
    rows = _read_csv(out)
    assert summary.rows == len(rows) == len(REPLIES)
    assert [r["id"] for r in rows] == ["r0", "r1", "r2", "r3"]
    assert all(r["error"] == "" for r in rows)
    # the owned apology with a concrete step beats the policy brush-off
    assert float(rows[0]["non_defensiveness"]) > float(rows[1]["non_defensiveness"])


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".csv"])
def test_output_formats_hold_the_same_rows(scorer, tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    import pandas as pd

    src = _csv(tmp_path / "in.csv", [(str(k), c or "", t) for k, (t, c) in enumerate(REPLIES)] + [("9", "", "")])
    out = tmp_path / f"out{suffix}"
    score_file(src, out, scorer)
    frame = {".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
             ".parquet": pd.read_parquet,
             ".csv": lambda p: pd.read_csv(p, dtype={"id": str})}[suffix](out)
    assert frame["id"].astype(str).tolist() == ["0", "1", "2", "3", "9"]
    assert frame["overall"].iloc[:4].between(0, 100).all() and pd.isna(frame["overall"].iloc[4])
    assert frame["error"].iloc[4] and "empty" in frame["error"].iloc[4]
    assert not list(tmp_path.glob(".*part*")), "the partial file and checkpoint are gone"


def test_jsonl_input_keeps_bad_lines_in_place(scorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": REPLIES[0][0], "context": REPLIES[0][1]}),
        "{not json",
        json.dumps({"id": "c", "text": None}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "e", "body": "no text field"}),
        json.dumps({"id": "f", "text": 42}),
        json.dumps({"id": "g", "text": REPLIES[2][0]}),
    ]) + "\n", encoding="utf-8")
    rows = list(score_rows(read_rows(src), scorer))
    assert [r["id"] for r in rows] == ["a", "2", "c", "4", "e", "f", "g"]
    errors = [r["error"] for r in rows]
    assert errors[0] is None and errors[-1] is None
    assert "invalid JSON" in errors[1] and "JSON object" in errors[3] and "'text'" in errors[4]
    assert errors[2] and errors[5]  # null text, a number


def test_txt_is_one_text_per_line(scorer, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(f"{REPLIES[0][0]}\n\n{REPLIES[2][0]}\n", encoding="utf-8")
    rows = list(score_rows(read_rows(src), scorer))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["error"] is None and rows[1]["error"] and rows[2]["error"] is None


def test_eml_and_html_files_and_folders(scorer, tmp_path):
    folder = tmp_path / "emails"
    (folder / "sub").mkdir(parents=True)
    _eml(folder / "a.eml", "Your refund", plain="Hi Sam,\n\nYour refund of £20 went out today.\n\nJo")
    _eml(folder / "b.eml", "Spring sale", plain="plain part",
         html="<html><body><span style='display:none'>preheader</span><p>Only <b>24 hours</b> left!"
              "</p><p>Buy now &amp; save</p></body></html>")
    (folder / "sub" / "c.html").write_text("<html><head><title>x</title><style>p{}</style></head>"
                                           "<body><p>We're sorry your order was late.</p></body></html>")
    (folder / "notes.md").write_text("not read")
    (folder / ".hidden.eml").write_text("not read")
    rows = list(score_rows(read_rows(folder), scorer))
    assert [r["id"] for r in rows] == ["a.eml", "b.eml", "sub/c.html"]
    assert all(r["error"] is None for r in rows)
    texts = [t["text"] for t in read_rows(folder)]
    assert texts[0].startswith("Your refund\n\nHi Sam,")
    assert "Only 24 hours left!" in texts[1] and "Buy now & save" in texts[1]
    assert "preheader" not in texts[1] and "plain part" not in texts[1], "the HTML part is used"
    assert texts[2] == "We're sorry your order was late."


def test_the_bundled_email_samples_all_score(scorer):
    rows = list(score_rows(read_rows(ROOT / "data" / "samples" / "emails"), scorer))
    assert len(rows) >= 8 and all(r["error"] is None for r in rows)


def test_a_broken_email_keeps_its_row(scorer, tmp_path):
    (tmp_path / "a.eml").write_bytes(b"Subject: x\r\nContent-Type: image/png\r\n\r\n\x89PNG")
    _eml(tmp_path / "b.eml", "Hello", plain="Thanks for staying with us, Ana.")
    rows = list(score_rows(read_rows(tmp_path), scorer))
    assert [r["id"] for r in rows] == ["a.eml", "b.eml"]
    assert "no text or HTML body" in rows[0]["error"] and rows[1]["error"] is None


# -- bad input -----------------------------------------------------------------------------

def test_malformed_csv_row_keeps_its_place(scorer, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,text\n1,"Thanks, Jo. All sorted."\n2,too,many,fields\n3\n4,"Sorry, we got it wrong."\n',
                   encoding="utf-8")
    rows = list(score_rows(read_rows(src), scorer))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["error"] is None and rows[3]["error"] is None
    assert "4 fields but the header has 2" in rows[1]["error"]
    assert "1 fields but the header has 2" in rows[2]["error"]


def test_invalid_utf8_is_replaced_and_flagged(scorer, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,Sorry for the wait \xff\xfe Jo\n2,Thanks for your patience.\n")
    rows = list(score_rows(read_rows(src), scorer))
    assert rows[0]["error"] is None and "not valid UTF-8" in rows[0]["warnings"]
    assert rows[1]["warnings"] is None


def test_a_missing_column_is_a_clear_error(tmp_path, capsys):
    src = _csv(tmp_path / "in.csv", [("1", "", "hello")], header=("id", "context", "body"))
    with pytest.raises(DataError, match=r"no column 'text' \(columns: 'id', 'context', 'body'\)"):
        next(read_rows(src))
    with pytest.raises(DataError, match="no context column 'message'"):
        next(read_rows(src, text_col="body", context_col="message"))
    assert main(["score", str(src), "-o", str(tmp_path / "out.csv")]) == 2
    assert "no column 'text'" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_empty_and_nan_rows_keep_their_place(scorer, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    src = tmp_path / "in.parquet"
    pd.DataFrame({"text": [REPLIES[2][0], None, "   ", REPLIES[0][0]],
                  "score": [1.0, float("nan"), 2.0, 3.0]}).to_parquet(src)
    rows = list(score_rows(read_rows(src), scorer))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["error"] is None for r in rows] == [True, False, False, True]


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path):
    (tmp_path / "a.xlsx").write_text("x")
    with pytest.raises(DataError, match="cannot read .xlsx"):
        next(read_rows(tmp_path / "a.xlsx"))
    with pytest.raises(DataError, match="no such file"):
        next(read_rows(tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="cannot write .xlsx"):
        write_rows(tmp_path / "out.xlsx", [])


# -- resume, processes, streaming, progress --------------------------------------------------

def _many(tmp_path, n=40):
    rows = [(f"r{k}", REPLIES[k % 4][1] or "", f"{REPLIES[k % 4][0]} (ref {k})") for k in range(n)]
    return _csv(tmp_path / "many.csv", rows)


def test_an_interrupted_run_resumes_without_losing_or_repeating_rows(scorer, tmp_path, monkeypatch):
    import attune.batch as batch

    src = _many(tmp_path, n=160)
    whole = tmp_path / "whole.csv"
    score_file(src, whole, scorer, batch_size=4)

    monkeypatch.setattr(batch, "WRITE_EVERY", 5)
    real_read = batch.read_rows
    interrupted = _interrupt_at(real_read, 130)

    out = tmp_path / "out.csv"
    monkeypatch.setattr(batch, "read_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        score_file(src, out, scorer, batch_size=4)
    assert not out.exists(), "the output appears only when the job finishes"
    part = tmp_path / ".out.csv.part"
    assert part.exists()
    with open(part, "a", encoding="utf-8") as fh:  # a row torn by the interruption
        fh.write("r99,12.5,half a ro")

    monkeypatch.setattr(batch, "read_rows", real_read)
    summary = score_file(src, out, scorer, batch_size=4, resume=True)
    assert 0 < summary.resumed_from < 130 and summary.resumed_from % 5 == 0
    assert out.read_text(encoding="utf-8") == whole.read_text(encoding="utf-8")
    assert not part.exists()


def _interrupt_at(read, n):
    """A reader that stops the job with Ctrl-C when it reaches row ``n``."""
    def interrupted(*args, **kwargs):
        for k, row in enumerate(read(*args, **kwargs)):
            if k == n:
                raise KeyboardInterrupt
            yield row
    return interrupted


def test_resume_refuses_a_different_input(scorer, tmp_path, monkeypatch):
    import attune.batch as batch

    src = _many(tmp_path, n=100)
    monkeypatch.setattr(batch, "WRITE_EVERY", 5)
    monkeypatch.setattr(batch, "read_rows", _interrupt_at(batch.read_rows, 90))
    with pytest.raises(KeyboardInterrupt):
        score_file(src, tmp_path / "out.csv", scorer, batch_size=4)
    monkeypatch.undo()
    _many(tmp_path, n=101)  # the input changed since
    with pytest.raises(DataError, match="different job"):
        score_file(src, tmp_path / "out.csv", scorer, resume=True)
    assert score_file(src, tmp_path / "out.csv", scorer).rows == 101  # starting over works


def test_cli_resume_and_n_process_2_give_identical_output(tmp_path, capsys):
    src = _many(tmp_path, n=60)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["score", str(src), "-o", str(one), "--batch-size", "4", "--n-process", "1"]) == 0
    assert main(["score", str(src), "-o", str(two), "--batch-size", "4", "--n-process", "2"]) == 0
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")
    assert len(one.read_text(encoding="utf-8").splitlines()) == 60
    assert "wrote 60 rows" in capsys.readouterr().err
    assert main(["score", "hello there", "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_scoring_streams_its_input(scorer):
    """An endless input still yields results: nothing waits for the whole input."""
    endless = ({"id": str(k), "text": REPLIES[k % 4][0], "context": None, "error": None,
                "warning": None, "extra": {}} for k in itertools.count())
    first = list(itertools.islice(score_rows(endless, scorer, batch_size=8), 20))
    assert [r["id"] for r in first] == [str(k) for k in range(20)]


def test_progress_line_shows_rate_on_a_terminal_and_is_silent_otherwise():
    from attune._progress import Progress

    shown = StringIO()
    bar = Progress(total=100, stream=shown, enabled=True)
    bar._last = -1.0
    bar.update(40)
    bar.close()
    assert "40/100 rows" in shown.getvalue() and "rows/s" in shown.getvalue() and "left" in shown.getvalue()
    quiet = StringIO()  # not a terminal
    bar = Progress(total=100, stream=quiet)
    bar.update(100)
    bar.close()
    assert quiet.getvalue() == ""


def test_estimate_rows_counts_records(tmp_path):
    from attune.batch import estimate_rows

    assert estimate_rows(_many(tmp_path, n=40)) == 40
    (tmp_path / "x.txt").write_text("a\nb\nc")
    assert estimate_rows(tmp_path / "x.txt") == 3
