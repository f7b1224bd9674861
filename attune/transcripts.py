"""Conversations: score each agent turn against the customer turn(s) before it, summarise
conversations and agents, and find the "sliding door" moments.

A sliding door moment is a customer turn carrying strong emotion (anger, anxiety, grief,
exasperation at repeat contact...); what matters is whether the next agent turn turned toward
it or away. Needs pandas (``pip install "attune-tone[frame]"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from . import _text
from .dimensions import DIMENSIONS, HIGH_FROM, LOW_BELOW
from .errors import DataError, InputError
from .frame import _cached_scorer, _join, added_columns, require_pandas
from .io.rows import result_row

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .scorer import Scorer

CUSTOMER_SPEAKERS = ("customer",)

MIN_EMOTION = 1
"""A customer turn is a sliding door moment from this many emotion signals (emotion words by
family, words in capitals, repeated exclamation marks); any sign of grief is enough alone.

Chosen on the customer messages of the corpus's train split: at 1 it flags 87% of the angry
messages, 76% of the anxious and all the grieving ones, and 13% of the neutral; at 2 it flags
about half of the angry and under a third of the anxious."""

RESPONSES = ("toward", "partly", "away", "unanswered")
"""How the next agent turn met a moment: its turning-toward score is high (toward), medium
(partly) or low (away); "unanswered" when no agent turn follows or it could not be scored."""


@dataclass
class TranscriptReport:
    """What :func:`score_transcripts` found.

    Attributes
    ----------
    turns : DataFrame
        Every input row (same index and order) with ``role`` (customer/agent), the ``context``
        an agent turn was scored against, the scores of agent turns, and for customer turns
        ``emotion`` (how many emotion signals), ``emotion_families`` and ``sliding_door``.
    conversations : DataFrame
        One row per conversation: turn counts, the mean and minimum of each dimension over its
        agent turns, and its moments by response.
    moments : DataFrame
        One row per sliding door moment: the customer turn, its emotion, the next agent turn,
        its awareness, turning-toward and empathy scores, and the ``response``.
    agents : DataFrame or None
        One row per agent (when there is an agent column): conversations, turns, the mean and
        minimum of each dimension over their turns, moments by response and ``toward_rate``.
    """

    turns: "pd.DataFrame"
    conversations: "pd.DataFrame"
    moments: "pd.DataFrame"
    agents: "pd.DataFrame | None" = None
    results: dict = field(default_factory=dict, repr=False)
    """The full :class:`attune.Result` of every agent turn, by the turn's index label."""
    _conversation_col: str = field(default="conversation_id", repr=False)
    _text_col: str = field(default="text", repr=False)

    def conversation(self, conversation_id) -> "ConversationView":
        """One conversation's turns, each agent turn with its highlighted evidence; renders as
        HTML in a notebook (``report.conversation("c007")``)."""
        turns = self.turns[self.turns[self._conversation_col] == conversation_id]
        if not len(turns):
            raise KeyError(f"no conversation {conversation_id!r}")
        return ConversationView(conversation_id, turns, self.results, self._text_col)

    def summary(self, top: int = 5) -> str:
        """A plain-text overview: agents, the weakest conversations, the moments turned away."""
        lines = []
        scored = self.turns[self.turns["role"] == "agent"]
        lines.append(f"{self.conversations.shape[0]} conversations, {len(self.turns)} turns, "
                     f"{len(scored)} agent turns scored ({int(scored['error'].notna().sum())} not), "
                     f"{len(self.moments)} sliding door moments")
        if len(self.moments):
            counts = self.moments["response"].value_counts()
            lines.append("  responses: " + ", ".join(f"{r} {int(counts.get(r, 0))}" for r in RESPONSES))
        if self.agents is not None and len(self.agents):
            lines.append("")
            lines.append(f"{'agent':<16} {'convs':>5} {'turns':>5} {'overall':>7} "
                         + " ".join(f"{d[:6]:>6}" for d in DIMENSIONS) + f" {'toward':>7}")
            for name, row in self.agents.sort_values("overall_mean", ascending=False).iterrows():
                rate = row["toward_rate"]
                lines.append(f"{str(name)[:16]:<16} {int(row['conversations']):>5} {int(row['agent_turns']):>5} "
                             f"{_fmt(row['overall_mean']):>7} "
                             + " ".join(f"{_fmt(row[d + '_mean']):>6}" for d in DIMENSIONS)
                             + f" {'-' if rate != rate else f'{rate:.0%}':>7}")
        worst = self.conversations.sort_values("overall_min").head(top)
        if len(worst):
            lines.append("")
            lines.append("weakest conversations (lowest agent turn):")
            for conv, row in worst.iterrows():
                lines.append(f"  {conv}: min {_fmt(row['overall_min'])}, mean {_fmt(row['overall_mean'])}, "
                             f"moments turned away {int(row['away'])}")
        away = self.moments[self.moments["response"] == "away"].head(top)
        if len(away):
            lines.append("")
            lines.append("moments turned away:")
            for _, m in away.iterrows():
                lines.append(f"  {m['conversation']}: customer: {_clip(m['customer_text'])}")
                lines.append(f"  {'':{len(str(m['conversation']))}}  agent:    {_clip(m['agent_text'])}")
        return "\n".join(lines)

    def to_dir(self, path: str | Path, format: str = "csv") -> list[Path]:
        """Write ``turns``, ``conversations``, ``moments`` (and ``agents``) to ``path``."""
        if format not in ("csv", "jsonl", "parquet"):
            raise ValueError(f"format must be csv, jsonl or parquet, got {format!r}")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {"turns": self.turns, "conversations": self.conversations, "moments": self.moments}
        if self.agents is not None:
            tables["agents"] = self.agents
        for name, table in tables.items():
            out = path / f"{name}.{format}"
            tmp = path / f".{name}.{format}.part"
            keep_index = name in ("conversations", "agents")
            frame = table.reset_index() if keep_index else table
            if format == "csv":
                frame.to_csv(tmp, index=False)
            elif format == "jsonl":
                frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
            else:
                frame.to_parquet(tmp, index=False)
            tmp.replace(out)
            written.append(out)
        return written

    def __repr__(self) -> str:
        return (f"<TranscriptReport conversations={len(self.conversations)} turns={len(self.turns)} "
                f"moments={len(self.moments)}>")


class ConversationView:
    """A conversation for display: customer turns as plain text, agent turns with their scores
    and highlighted evidence (:func:`attune.display.result_html`)."""

    def __init__(self, conversation_id, turns, results, text_col: str = "text"):
        self.conversation_id = conversation_id
        self.turns = turns
        self.results = results
        self.text_col = text_col

    def _repr_html_(self) -> str:
        import html

        from .display import result_html

        parts = [f'<div class="attune-conversation"><h3 style="font:600 15px sans-serif">'
                 f'Conversation {html.escape(str(self.conversation_id))}</h3>']
        for label, row in self.turns.iterrows():
            if row["role"] == "agent" and label in self.results:
                parts.append(result_html(self.results[label]))
            else:
                who = "customer" if row["role"] == "customer" else "unknown speaker"
                moment = " - sliding door moment" if row.get("sliding_door") else ""
                value = row.get(self.text_col)
                text = html.escape(value) if isinstance(value, str) else ""
                parts.append(f'<div style="margin:8px 0;padding:8px 10px;background:#f3f4f6;'
                             f'border-radius:6px;font:14px sans-serif;white-space:pre-wrap">'
                             f'<b>{who}{moment}</b><br>{text}</div>')
        parts.append("</div>")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<ConversationView {self.conversation_id!r}: {len(self.turns)} turns>"


def score_transcripts(
    df,
    conversation: str = "conversation_id",
    speaker: str = "speaker",
    text: str = "text",
    agent: str | None = None,
    timestamp: str | None = None,
    customer: Iterable[str] = CUSTOMER_SPEAKERS,
    *,
    scorer: "Scorer | None" = None,
    batch_size: int = 64,
    n_process: int = 1,
    min_emotion: int = MIN_EMOTION,
) -> TranscriptReport:
    """Score the agent turns of conversations and find the sliding door moments.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per turn.
    conversation, speaker, text : str
        Column names. A turn is a customer turn when its speaker is one of ``customer``
        (case-insensitive); any other speaker is an agent.
    agent : str, optional
        Column naming the agent who wrote each turn (default: ``agent`` if present).
    timestamp : str, optional
        Column to order each conversation's turns by; turns without a readable time keep
        their place after those with one. Default: the order of the rows.
    min_emotion : int
        Emotion signals needed for a customer turn to be a sliding door moment.

    Each agent turn is scored with the customer turns just before it (since the previous
    agent turn, joined by line breaks) as its context; an agent turn with no customer turn
    before it is scored without context.

    Examples
    --------
    >>> import pandas as pd, attune                                        # doctest: +SKIP
    >>> report = attune.score_transcripts(pd.read_csv("data/samples/transcripts.csv"))  # doctest: +SKIP
    >>> report.agents[["overall_mean", "toward_rate"]]                     # doctest: +SKIP
    >>> report.moments.query("response == 'away'")                         # doctest: +SKIP
    """
    pd = require_pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"score_transcripts takes a pandas DataFrame, not {type(df).__name__}")
    if agent is None and "agent" in df.columns:
        agent = "agent"
    listed = ", ".join(map(repr, df.columns))
    for what, name in (("conversation", conversation), ("speaker", speaker), ("text", text),
                       ("agent", agent), ("timestamp", timestamp)):
        if name is not None and name not in df.columns:
            raise DataError(f"no {what} column {name!r} in the transcripts (columns: {listed})")
    customers = {str(c).strip().lower() for c in ([customer] if isinstance(customer, str) else customer)}
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    scorer = scorer if scorer is not None else _cached_scorer(None, None, False)

    order = _turn_order(pd, df, conversation, timestamp)
    roles = [None if _missing(s) else ("customer" if str(s).strip().lower() in customers else "agent")
             for s in df[speaker].tolist()]
    texts = df[text].tolist()
    convs = df[conversation].tolist()

    # the context of each agent turn: the customer turns just before it
    contexts: dict[int, str | None] = {}
    customer_block: list[str] = []
    last_conv = object()
    last_role = None
    for i in order:
        if convs[i] != last_conv:
            customer_block, last_conv, last_role = [], convs[i], None
        if roles[i] == "customer":
            if last_role != "customer":
                customer_block = []
            if isinstance(texts[i], str) and texts[i].strip():
                customer_block.append(texts[i].strip())
        elif roles[i] == "agent":
            contexts[i] = "\n".join(customer_block) or None
        last_role = roles[i] if roles[i] is not None else last_role

    # customer turns are parsed once: for their emotion here, and (most agent turns answer a
    # single customer turn) as the context of the agent turn after them
    from ._parsing import ContextCache, analyse_contexts

    cust_rows = [i for i in range(len(df)) if roles[i] == "customer"]
    messages = [_prepared(texts[i].strip() if isinstance(texts[i], str) else texts[i])
                for i in cust_rows]
    analysed = ContextCache(maxsize=max(4096, len(cust_rows)))
    info = analyse_contexts(scorer.nlp, messages, batch_size, cache=analysed)
    emotion = _emotions([info[m.text] if m is not None else None for m in messages])
    agent_rows = [i for i in range(len(df)) if roles[i] == "agent"]
    results = list(scorer._pipe_pairs(zip([texts[i] for i in agent_rows],
                                          [contexts[i] for i in agent_rows]),
                                      batch_size, n_process, contexts=analysed))
    rows: list[dict[str, Any]] = [dict.fromkeys(added_columns()) for _ in range(len(df))]
    kept: dict[Any, Any] = {}
    for i, r in zip(agent_rows, results):
        rows[i] = result_row(None, r)
        kept[df.index[i]] = r
    for i, role in enumerate(roles):
        if role is None:
            rows[i]["error"] = f"no {speaker!r} value; cannot tell a customer turn from an agent turn"

    turns = _join(pd, df, rows, "")
    turns.insert(len(df.columns), "role", pd.Series(roles, index=df.index, dtype=object))
    turns.insert(len(df.columns) + 1, "context",
                 pd.Series([contexts.get(i) for i in range(len(df))], index=df.index, dtype=object))
    strength = [math.nan] * len(df)
    families: list[str | None] = [None] * len(df)
    door = [False] * len(df)
    for i, (n, fams) in zip(cust_rows, emotion):
        strength[i] = n
        families[i] = ", ".join(fams) or None
        door[i] = n >= min_emotion or "grief" in fams
    turns["emotion"] = pd.Series(strength, index=df.index, dtype="float64")
    turns["emotion_families"] = pd.Series(families, index=df.index, dtype=object)
    turns["sliding_door"] = pd.Series(door, index=df.index, dtype=bool)

    moments = _moments(pd, df, order, convs, roles, texts, door, strength, families, rows,
                       agent, conversation)
    conversations = _conversations(pd, turns, conversation, agent, moments)
    agents = _agents(pd, turns, agent, conversation, moments) if agent is not None else None
    return TranscriptReport(turns=turns, conversations=conversations, moments=moments, agents=agents,
                            results=kept, _conversation_col=conversation, _text_col=text)


def _missing(value) -> bool:
    return _text._is_missing(value) or (isinstance(value, str) and not value.strip())


def read_table(path: str | Path) -> "pd.DataFrame":
    """Read a transcripts table (.csv, .tsv, .jsonl or .parquet) with every column as text.

    A malformed line is an error that names it (a transcript with a turn silently dropped
    would mislead); bytes that are not valid UTF-8 are replaced with U+FFFD.
    """
    pd = require_pandas()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str,
                               keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                               encoding_errors="replace")
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False, encoding_errors="replace")
        if suffix == ".parquet":
            from .io.readers import require_pyarrow

            require_pyarrow("reading")
            return pd.read_parquet(path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read the transcripts ({exc})") from None
    raise DataError(f"{path}: cannot read {suffix or 'files without a suffix'} transcripts; "
                    "expected .csv, .tsv, .jsonl or .parquet")


def _turn_order(pd, df, conversation, timestamp) -> list[int]:
    """Row positions in conversation order: conversations by first appearance, turns by time
    (when a timestamp column is given) or by row order."""
    first_seen: dict[Any, int] = {}
    for pos, conv in enumerate(df[conversation].tolist()):
        first_seen.setdefault(conv, pos)
    keys = pd.DataFrame({
        "conv": [first_seen[c] for c in df[conversation].tolist()],
        "pos": range(len(df)),
    })
    by = ["conv"]
    if timestamp is not None:
        keys["time"] = pd.to_datetime(df[timestamp].reset_index(drop=True), errors="coerce", utc=True)
        by.append("time")
    keys = keys.sort_values(by + ["pos"], kind="stable", na_position="last")
    return keys["pos"].tolist()


def _prepared(text) -> "_text.Prepared | None":
    """A customer turn ready to parse, or None when it is missing or blank."""
    try:
        return _text.prepare(_text.check_text(text))
    except InputError:
        return None


def _emotions(analysed: Sequence[Any]) -> list[tuple[int, list[str]]]:
    """Emotion signals of analysed customer turns (None: missing or blank): how many, and
    their families."""
    from .features.context import EMOTION_FAMILIES

    out = []
    for info in analysed:
        if info is None:
            out.append((0, []))
            continue
        s = info.signals
        out.append((s.emotion, [f for f in EMOTION_FAMILIES if s.count(f)]))
    return out


def _response(turning_toward: float | None) -> str:
    if turning_toward is None or turning_toward != turning_toward:
        return "unanswered"
    if turning_toward >= HIGH_FROM:
        return "toward"
    if turning_toward < LOW_BELOW:
        return "away"
    return "partly"


def _moments(pd, df, order, convs, roles, texts, door, strength, families, rows, agent, conversation):
    agents = df[agent].tolist() if agent is not None else None
    out = []
    for k, i in enumerate(order):
        if not door[i]:
            continue
        nxt = None
        for m in range(k + 1, len(order)):  # the next agent turn in this conversation
            j = order[m]
            if convs[j] != convs[i]:
                break
            if roles[j] == "agent":
                nxt = j
                break
        scored = nxt is not None and rows[nxt]["error"] is None
        out.append({
            "conversation": convs[i],
            "customer_row": df.index[i],
            "customer_text": texts[i],
            "emotion": strength[i],
            "emotion_families": families[i],
            "agent_row": df.index[nxt] if nxt is not None else None,
            "agent": agents[nxt] if (agents is not None and nxt is not None) else None,
            "agent_text": texts[nxt] if nxt is not None else None,
            "awareness": rows[nxt]["awareness"] if scored else None,
            "turning_toward": rows[nxt]["turning_toward"] if scored else None,
            "empathy": rows[nxt]["empathy"] if scored else None,
            "response": _response(rows[nxt]["turning_toward"] if scored else None),
        })
    columns = ["conversation", "customer_row", "customer_text", "emotion", "emotion_families",
               "agent_row", "agent", "agent_text", "awareness", "turning_toward", "empathy", "response"]
    frame = pd.DataFrame(out, columns=columns)
    for col in ("awareness", "turning_toward", "empathy", "emotion"):
        frame[col] = frame[col].astype("float64")
    return frame


def _score_stats(group) -> dict[str, float]:
    out = {}
    for d in ("overall", *DIMENSIONS):
        values = group[d].dropna()
        out[f"{d}_mean"] = float(values.mean()) if len(values) else math.nan
        out[f"{d}_min"] = float(values.min()) if len(values) else math.nan
    return out


_NO_MOMENTS = dict.fromkeys(("moments", *RESPONSES), 0)


def _response_counts_by(moments, key: str) -> dict[Any, dict[str, int]]:
    """Moments and their responses counted per value of ``key``, in one pass."""
    out: dict[Any, dict[str, int]] = {}
    for value, response in zip(moments[key].tolist(), moments["response"].tolist()):
        counts = out.setdefault(value, dict(_NO_MOMENTS))
        counts["moments"] += 1
        counts[response] += 1
    return out


def _conversations(pd, turns, conversation, agent, moments):
    records = []
    by_conversation = _response_counts_by(moments, "conversation")
    for conv, group in turns.groupby(conversation, sort=False, dropna=False):
        agent_turns = group[group["role"] == "agent"]
        rec = {conversation: conv}
        if agent is not None:
            names = [str(a) for a in agent_turns[agent].dropna().unique()]
            rec["agent"] = ", ".join(names) or None
        rec["turns"] = len(group)
        rec["customer_turns"] = int((group["role"] == "customer").sum())
        rec["agent_turns"] = len(agent_turns)
        rec["scored_turns"] = int(agent_turns["error"].isna().sum())
        rec.update(_score_stats(agent_turns))
        rec.update(by_conversation.get(conv, _NO_MOMENTS))
        records.append(rec)
    return pd.DataFrame(records).set_index(conversation)


def _agents(pd, turns, agent, conversation, moments):
    records = []
    agent_turns = turns[turns["role"] == "agent"]
    by_agent = _response_counts_by(moments, "agent")
    for name, group in agent_turns.groupby(agent, sort=True):
        rec = {"agent": name, "conversations": int(group[conversation].nunique()),
               "agent_turns": len(group), "scored_turns": int(group["error"].isna().sum())}
        rec.update(_score_stats(group))
        counts = by_agent.get(name, _NO_MOMENTS)
        rec.update(counts)
        answered = counts["toward"] + counts["partly"] + counts["away"]
        rec["toward_rate"] = counts["toward"] / answered if answered else math.nan
        records.append(rec)
    columns = None if records else ["agent"]
    return pd.DataFrame(records, columns=columns).set_index("agent")


def _fmt(value) -> str:
    return "-" if value is None or value != value else f"{value:.0f}"


def _clip(text, width: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."
