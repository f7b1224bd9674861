"""Dataframes: score_frame keeps the index and every row; Dask gives the same results."""

from __future__ import annotations

import math

import pytest

pd = pytest.importorskip("pandas")

import attune  # noqa: E402
from attune import DataError  # noqa: E402
from attune.frame import added_columns, score_frame  # noqa: E402

TEXTS = [
    "You're right, and I'm sorry. I've refunded the £40 today and will call you at 5pm, Sam.",
    "As stated in our terms, refunds take 5-7 working days.",
    None,
    "   ",
    "Thanks for letting us know. Your new card is on its way.",
    float("nan"),
    "I can see why that was upsetting. Could you tell me which order it was?",
    "Please be aware that our staff are not responsible for courier delays.",
]
CONTEXT = "I was charged twice and nobody answers the phone. I'm furious."


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame({"reply": TEXTS, "message": [CONTEXT] * len(TEXTS),
                         "agent": list("ABABABAB")}, index=[f"t{k}" for k in range(len(TEXTS))][::-1])


def test_same_index_original_columns_then_the_scores(scorer, frame):
    out = attune.score_frame(frame, text="reply", context="message", scorer=scorer)
    assert out.index.equals(frame.index)
    assert list(out.columns) == list(frame.columns) + added_columns()
    pd.testing.assert_frame_equal(out[frame.columns], frame)
    assert out["overall"].dtype == "float64" and out["empathy"].dtype == "float64"


def test_scores_match_the_scorer_and_bad_rows_say_why(scorer, frame):
    out = score_frame(frame, "reply", "message", scorer=scorer)
    for k, text in enumerate(TEXTS):
        row = out.iloc[k]
        if isinstance(text, str) and text.strip():
            r = scorer.score(text, CONTEXT)
            assert row["error"] is None
            assert row["empathy"] == pytest.approx(round(r.scores["empathy"], 1))
        else:
            assert row["error"] and math.isnan(row["overall"]) and math.isnan(row["empathy"])


def test_contrastive_rows_move_the_right_way(scorer, frame):
    out = score_frame(frame, "reply", "message", scorer=scorer)
    assert out.iloc[0]["non_defensiveness"] > out.iloc[1]["non_defensiveness"]
    assert out.iloc[0]["empathy"] > out.iloc[7]["empathy"]


def test_missing_column_and_clashing_names_are_clear_errors(scorer, frame):
    with pytest.raises(DataError, match=r"no text column 'text' in the frame \(columns: 'reply'"):
        score_frame(frame, scorer=scorer)
    with pytest.raises(DataError, match="no context column 'ctx'"):
        score_frame(frame, "reply", "ctx", scorer=scorer)
    scored = score_frame(frame, "reply", scorer=scorer)
    with pytest.raises(DataError, match="prefix="):
        score_frame(scored, "reply", scorer=scorer)
    again = score_frame(scored, "reply", scorer=scorer, prefix="v2_")
    assert "v2_empathy" in again.columns and len(again) == len(frame)


def test_empty_frame(scorer):
    out = score_frame(pd.DataFrame({"text": pd.Series([], dtype=object)}), scorer=scorer)
    assert len(out) == 0 and "overall" in out.columns


def test_not_a_frame_is_a_type_error(scorer):
    with pytest.raises(TypeError, match="DataFrame"):
        score_frame(["a list"], scorer=scorer)


def test_missing_pandas_names_the_install_command(monkeypatch):
    import sys

    from attune.frame import require_pandas

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'pip install "attune-tone\[frame\]"'):
        require_pandas()


@pytest.mark.slow
def test_dask_on_a_two_worker_cluster_matches_pandas(scorer, frame):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    big = pd.concat([frame] * 3)
    big.index = [f"r{k}" for k in range(len(big))]
    expected = score_frame(big, "reply", "message", scorer=scorer)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(big, npartitions=4, sort=False)
        assert ddf.npartitions >= 4
        lazy = attune.score_frame(ddf, text="reply", context="message")
        got = lazy.compute()
    assert list(got.index) == list(big.index)
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        a, b = expected[col].tolist(), got[col].tolist()
        assert [None if _na(x) else x for x in a] == [None if _na(x) else x for x in b], col


def _na(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
