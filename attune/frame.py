"""Dataframes: score a text column of a pandas or Dask dataframe into added columns.

Needs pandas (``pip install "attune-tone[frame]"``); Dask dataframes also need
``"attune-tone[dask]"``. The rows keep their index and order; a row that cannot be scored
gets NaN scores and the reason in ``error``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import DataError
from .io.rows import FLOAT_COLUMNS, output_columns, result_row

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .scorer import Scorer


def require_pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError('attune\'s dataframe functions need pandas: pip install "attune-tone[frame]"') from None
    return pandas


def added_columns() -> list[str]:
    """The columns :func:`score_frame` adds, in order."""
    return output_columns()[1:]


def score_frame(
    df,
    text: str = "text",
    context: str | None = None,
    *,
    scorer: "Scorer | None" = None,
    batch_size: int = 64,
    n_process: int = 1,
    prefix: str = "",
    model: str | None = None,
    spacy_model: str | None = None,
    trust: bool = False,
):
    """Score the ``text`` column of a dataframe; return a copy with the scores added.

    Parameters
    ----------
    df : pandas.DataFrame or dask.dataframe.DataFrame
        The rows to score. A Dask dataframe is scored partition by partition on its workers
        (each worker loads its own scorer once) and a Dask dataframe is returned, lazily.
    text, context : str
        Column names: the text to score, and optionally the customer message it answers.
    scorer : Scorer, optional
        The scorer to use (pandas only); by default the shipped model, or ``model`` /
        ``spacy_model`` / ``trust`` as for :func:`attune.load`.
    prefix : str
        Put before every added column name, e.g. ``"attune_"``, when the frame already has
        columns with those names.

    Returns
    -------
    A frame with the same index, the original columns, then ``overall``, the six scores
    (0-100), their levels, ``<dimension>_evidence`` and ``<dimension>_suggestion``,
    ``warnings`` and ``error``.

    Examples
    --------
    >>> import pandas as pd, attune                                          # doctest: +SKIP
    >>> chats = pd.DataFrame({"reply": ["Sorry Sam, I've refunded the £12 today."],
    ...                       "message": ["You charged me twice!"]})          # doctest: +SKIP
    >>> attune.score_frame(chats, text="reply", context="message")[["overall", "empathy"]]  # doctest: +SKIP
    """
    if _is_dask(df):
        if scorer is not None:
            raise ValueError("with a Dask dataframe, pass model=/spacy_model= instead of scorer: "
                             "each worker loads its own scorer")
        return _score_dask(df, text, context, batch_size, prefix, (model, spacy_model, trust))
    pd = require_pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"score_frame takes a pandas or Dask DataFrame, not {type(df).__name__}")
    _check_columns(df.columns, text, context, prefix)
    if scorer is None:
        scorer = _cached_scorer(model, spacy_model, trust)
    texts = df[text].tolist()
    contexts = df[context].tolist() if context is not None else None
    rows = [result_row(None, r) for r in scorer.pipe(texts, contexts, batch_size=batch_size,
                                                    n_process=n_process)]
    return _join(pd, df, rows, prefix)


def _check_columns(columns, text, context, prefix) -> None:
    have = list(columns)
    listed = ", ".join(map(repr, have))
    for what, name in (("text", text), ("context", context)):
        if name is not None and name not in have:
            raise DataError(f"no {what} column {name!r} in the frame (columns: {listed})")
    clash = [prefix + c for c in added_columns() if prefix + c in have]
    if clash:
        raise DataError(f"the frame already has column(s) {', '.join(map(repr, clash[:3]))}; "
                        "pass prefix='attune_' (or another) to score_frame")


def _join(pd, df, rows, prefix):
    data = {}
    for col in added_columns():
        values = [r[col] for r in rows]
        if col in FLOAT_COLUMNS:
            data[prefix + col] = pd.Series([math.nan if v is None else v for v in values],
                                           index=df.index, dtype="float64")
        else:
            data[prefix + col] = pd.Series(values, index=df.index, dtype=object)
    return pd.concat([df, pd.DataFrame(data, index=df.index)], axis=1)


_SCORERS: dict[tuple, Any] = {}


def _cached_scorer(model, spacy_model, trust) -> "Scorer":
    """One scorer per process and model choice (on Dask workers: loaded once per worker)."""
    key = (model, spacy_model, trust)
    if key == (None, None, False):
        from . import _default_scorer

        return _default_scorer()
    if key not in _SCORERS:
        from .scorer import load

        _SCORERS[key] = load(model=model, spacy_model=spacy_model, trust=trust)
    return _SCORERS[key]


def _is_dask(df) -> bool:
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr")


def _score_partition(part, text, context, batch_size, prefix, model_args):
    import pandas as pd

    if len(part) == 0:
        return _join(pd, part, [], prefix)
    return score_frame(part, text, context, scorer=_cached_scorer(*model_args),
                       batch_size=batch_size, prefix=prefix)


def _score_dask(ddf, text, context, batch_size, prefix, model_args):
    pd = require_pandas()
    _check_columns(ddf.columns, text, context, prefix)
    meta = _join(pd, ddf._meta, [], prefix)
    return ddf.map_partitions(_score_partition, text, context, batch_size, prefix, model_args,
                              meta=meta)
