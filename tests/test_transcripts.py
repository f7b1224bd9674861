"""Transcripts: agent turns scored against the customer turns before them; conversations,
agents and sliding door moments summarised; every input row kept."""

from __future__ import annotations

import math

import pytest

pd = pytest.importorskip("pandas")

import attune  # noqa: E402
from attune import DataError  # noqa: E402
from attune.cli import main  # noqa: E402
from attune.transcripts import read_table, score_transcripts  # noqa: E402
from conftest import ROOT  # noqa: E402

ANGRY = "This is the THIRD time the engineer hasn't turned up. I took the day off work. I'm furious."
TOWARD = ("Three missed visits and a lost day off work: you have every right to be furious, and "
          "that's on us. I've booked Sam for 8am tomorrow, credited £30 for the wasted day, and "
          "I'll call you at 7:45 to confirm he's on his way. Does that work for you?")
AWAY = "Please note that appointments can be rebooked online via our website."

ROWS = [
    # c1: the agent greets first, then a strong moment met well
    ("c1", "agent", "Ana", "2026-10-01T09:00:00Z", "Hello, you're through to Ana. How can I help?"),
    ("c1", "customer", "Ana", "2026-10-01T09:01:00Z", ANGRY),
    ("c1", "agent", "Ana", "2026-10-01T09:02:00Z", TOWARD),
    ("c1", "customer", "Ana", "2026-10-01T09:03:00Z", "ok thanks"),
    # c2: two customer turns before the agent answers, and the moment is turned away from
    ("c2", "Customer", "Bo", "2026-10-01T10:00:00Z", "Hi, my engineer didn't come."),
    ("c2", "customer", "Bo", "2026-10-01T10:00:30Z", ANGRY),
    ("c2", "agent", "Bo", "2026-10-01T10:03:00Z", AWAY),
    # c3: a customer with no agent reply, and a row without a speaker
    ("c3", "customer", "Bo", "2026-10-01T11:00:00Z", ANGRY),
    ("c3", None, "Bo", "2026-10-01T11:01:00Z", "who said this?"),
]


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(ROWS, columns=["conversation_id", "speaker", "agent", "timestamp", "text"],
                        index=[100 + k for k in range(len(ROWS))])


@pytest.fixture(scope="module")
def report(scorer, frame):
    return score_transcripts(frame, timestamp="timestamp", scorer=scorer)


def test_every_row_is_kept_with_its_role_and_the_context_it_was_scored_with(report, frame):
    turns = report.turns
    assert turns.index.equals(frame.index) and len(turns) == len(frame)
    assert turns["role"].tolist() == ["agent", "customer", "agent", "customer", "customer",
                                      "customer", "agent", "customer", None]
    assert turns.loc[100, "context"] is None  # the agent spoke first
    assert turns.loc[102, "context"] == ANGRY
    assert turns.loc[106, "context"] == "Hi, my engineer didn't come.\n" + ANGRY
    assert turns.loc[[100, 102, 106], "overall"].notna().all()
    assert turns.loc[[101, 103, 104, 105, 107], "overall"].isna().all()
    assert "speaker" in turns.loc[108, "error"]


def test_agent_turns_are_scored_against_their_context(report, scorer):
    expected = scorer.score(TOWARD, ANGRY)
    assert report.turns.loc[102, "turning_toward"] == pytest.approx(round(expected.scores["turning_toward"], 1))


def test_sliding_door_moments_toward_away_and_unanswered(report):
    m = report.moments
    assert m["customer_row"].tolist() == [101, 105, 107]
    assert m["response"].tolist() == ["toward", "away", "unanswered"]
    assert m.loc[0, "agent_row"] == 102 and m.loc[1, "agent_row"] == 106
    assert "anger" in m.loc[0, "emotion_families"]
    assert not report.turns.loc[103, "sliding_door"]  # "ok thanks" is no moment


def test_conversations_and_agents_summaries(report):
    conv = report.conversations
    assert conv.index.tolist() == ["c1", "c2", "c3"]
    assert conv.loc["c1", "agent_turns"] == 2 and conv.loc["c1", "toward"] == 1
    assert conv.loc["c2", "away"] == 1 and conv.loc["c3", "unanswered"] == 1
    assert conv.loc["c1", "overall_min"] <= conv.loc["c1", "overall_mean"]
    assert math.isnan(conv.loc["c3", "overall_mean"])
    agents = report.agents
    assert agents.loc["Ana", "toward_rate"] == 1.0 and agents.loc["Bo", "toward_rate"] == 0.0
    assert agents.loc["Ana", "empathy_mean"] > agents.loc["Bo", "empathy_mean"]
    text = report.summary()
    assert "3 conversations" in text and "moments turned away" in text and AWAY[:40] in text


def test_timestamps_order_the_turns(scorer, frame):
    shuffled = frame.iloc[[2, 0, 1, 3, 4, 5, 6, 7, 8]]
    report = score_transcripts(shuffled, timestamp="timestamp", scorer=scorer)
    assert report.turns.loc[102, "context"] == ANGRY
    unordered = score_transcripts(shuffled, scorer=scorer)  # file order: the reply comes first
    assert unordered.turns.loc[102, "context"] is None


def test_missing_columns_are_clear_errors(scorer, frame):
    with pytest.raises(DataError, match="no speaker column 'role'"):
        score_transcripts(frame, speaker="role", scorer=scorer)
    with pytest.raises(DataError, match="no timestamp column 'time'"):
        score_transcripts(frame, timestamp="time", scorer=scorer)


def test_the_bundled_sample_ranks_strong_agents_above_weak_ones(scorer):
    report = attune.score_transcripts(read_table(ROOT / "data" / "samples" / "transcripts.csv"),
                                      timestamp="timestamp", scorer=scorer)
    assert report.conversations.shape[0] >= 30
    means = report.agents["overall_mean"]
    # data/samples/README.md: Maren and Joel are written strong, Gareth and Roz weak
    assert min(means["Maren"], means["Joel"]) > max(means["Gareth"], means["Roz"])


def test_cli_writes_the_four_tables(tmp_path, capsys):
    out = tmp_path / "report"
    src = ROOT / "data" / "samples" / "transcripts.csv"
    assert main(["transcripts", str(src), "--timestamp-col", "timestamp", "-o", str(out)]) == 0
    assert "sliding door moments" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["agents.csv", "conversations.csv",
                                                     "moments.csv", "turns.csv"]
    turns = pd.read_csv(out / "turns.csv")
    assert len(turns) == len(pd.read_csv(src))


def test_a_malformed_transcript_line_is_named(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("conversation_id,speaker,text\nc1,customer,hello\nc1,agent,a,b,c\n")
    with pytest.raises(DataError, match="line 3"):
        read_table(src)


def test_a_conversation_renders_with_the_agent_turns_highlighted(report):
    assert set(report.results) == {100, 102, 106}
    assert report.results[102].context == ANGRY
    html = report.conversation("c2")._repr_html_()
    assert "sliding door moment" in html and "attune-result" in html
    assert "Hi, my engineer didn&#x27;t come." in html or "Hi, my engineer didn't come." in html
    with pytest.raises(KeyError):
        report.conversation("nope")


def test_a_customer_turn_is_parsed_once_for_its_emotion_and_as_context(scorer, frame, monkeypatch):
    """Customer messages are analysed once (the same message in three conversations too) and
    reused as the context of the agent turn after them; only a block of several customer turns
    (c2) is parsed again, joined."""
    parsed: list[str] = []
    pipe = scorer.nlp.pipe

    def counting(texts, *args, **kwargs):
        texts = list(texts)
        parsed.extend(texts)
        return pipe(texts, *args, **kwargs)

    monkeypatch.setattr(scorer.nlp, "pipe", counting)
    report = score_transcripts(frame, timestamp="timestamp", scorer=scorer)
    monkeypatch.undo()
    customer = [r[4] for r in ROWS if r[1] and r[1].lower() == "customer"]
    agent = [r[4] for r in ROWS if r[1] == "agent"]
    joined = "Hi, my engineer didn't come.\n" + ANGRY
    assert sorted(parsed) == sorted(list(set(customer)) + agent + [joined])
    assert report.turns["emotion"].notna().sum() == len(customer)
