"""attune.plot: profile and distribution plots (skipped when matplotlib is not installed)."""

from __future__ import annotations

import re
import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from attune import DIMENSIONS  # noqa: E402
from attune.dimensions import LABELS  # noqa: E402
from attune.plot import plot_distribution, plot_profile  # noqa: E402
from attune.result import DimensionScore, Result  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
INSTALL = 'pip install "attune-tone[plot]"'


def make(scores) -> Result:
    dims = tuple(DimensionScore(name, score) for name, score in zip(DIMENSIONS, scores))
    return Result(text="a reply", context=None, dimensions=dims)


DRAFT = make([5.0, 22.0, 25.0, 7.5, 20.0, 2.0])
REWRITE = make([92.0, 98.0, 66.0, 50.0, 100.0, 85.0])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 2000


@pytest.fixture
def scored():
    pd = pytest.importorskip("pandas")
    rows = []
    for i, agent in enumerate(["ana", "ben", "cho"] * 8):
        rows.append({"agent": agent, **{name: (10 * i + 7 * j) % 100
                                        for j, name in enumerate(DIMENSIONS)}})
    frame = pd.DataFrame(rows)
    frame.loc[3, list(DIMENSIONS)] = float("nan")  # a text that was not scored
    frame.loc[4, "agent"] = None                    # a row with no group
    return frame


# -- plot_profile ---------------------------------------------------------------------------

def test_profile_of_one_result_renders_a_png(tmp_path):
    ax = plot_profile(REWRITE)
    assert [t.get_text() for t in ax.get_yticklabels()] == [LABELS[d] for d in DIMENSIONS]
    assert ax.get_xlim() == (0.0, 100.0)
    widths = [p.get_width() for p in ax.containers[0]]
    assert widths == [REWRITE.scores[d] for d in DIMENSIONS]
    out = tmp_path / "profile.png"
    ax.figure.savefig(out)
    assert_png(out)


def test_profile_shades_the_level_bands():
    ax = plot_profile(DRAFT)
    spans = sorted((round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6))
                   for p in ax.patches if p.get_height() >= 1)  # axvspan covers the full height
    assert spans == [(0.0, 40.0), (40.0, 65.0), (65.0, 100.0)]
    ax.figure.canvas.draw()
    names = {t.get_text() for child in ax.child_axes for t in child.get_xticklabels()}
    assert names == {"low", "medium", "high"}  # named on a top axis, clear of any title


def test_profile_of_two_results_groups_bars_with_a_legend(tmp_path):
    fig, ax = plt.subplots()
    returned = plot_profile([DRAFT, REWRITE], ax=ax, labels=["draft", "rewrite"])
    assert returned is ax
    assert len(ax.containers) == 2
    assert [p.get_width() for p in ax.containers[1]] == [REWRITE.scores[d] for d in DIMENSIONS]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["draft", "rewrite"]
    out = tmp_path / "pair.png"
    fig.savefig(out)
    assert_png(out)


def test_profile_of_a_failed_result_says_not_scored():
    ax = plot_profile(Result.failed("", None, "text is empty"))
    assert [t.get_text() for t in ax.texts].count("not scored") == len(DIMENSIONS)


def test_profile_checks_its_input():
    with pytest.raises(TypeError, match="Result"):
        plot_profile("a text")
    with pytest.raises(TypeError, match="dict"):
        plot_profile([DRAFT, {"empathy": 3}])
    with pytest.raises(ValueError, match="empty"):
        plot_profile([])
    with pytest.raises(ValueError, match="1 labels for 2 results"):
        plot_profile([DRAFT, REWRITE], labels=["only one"])


# -- plot_distribution ----------------------------------------------------------------------

def test_distribution_grid_renders_a_png(scored, tmp_path):
    fig = plot_distribution(scored, by="agent")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [LABELS[d] for d in DIMENSIONS]
    ticks = [t.get_text() for t in visible[0].get_xticklabels()]
    assert [t.split("\n")[0] for t in ticks] == ["ana", "ben", "cho"]
    # 8 "ana" rows, one NaN (row 3) and one without an agent (row 4, a "ben") left out
    assert ticks == ["ana\nn=7", "ben\nn=7", "cho\nn=8"]
    out = tmp_path / "dist.png"
    fig.savefig(out)
    assert_png(out)


def test_distribution_strip_on_a_given_axes(scored, tmp_path):
    fig, ax = plt.subplots()
    returned = plot_distribution(scored, by="agent", dimensions=["empathy", "tolerance"],
                                 kind="strip", ax=ax)
    assert returned is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Empathy", "Tolerance"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ana", "ben", "cho"]
    out = tmp_path / "strip.png"
    fig.savefig(out)
    assert_png(out)


def test_distribution_of_one_dimension(scored):
    fig = plot_distribution(scored, by="agent", dimensions="empathy")
    assert [ax.get_title() for ax in fig.axes] == ["Empathy"]


def test_missing_group_column_is_named(scored):
    with pytest.raises(ValueError, match="'queue'"):
        plot_distribution(scored, by="queue")


def test_missing_dimension_column_is_named(scored):
    with pytest.raises(ValueError, match=r"no column 'empathy'"):
        plot_distribution(scored.drop(columns=["empathy"]), by="agent")
    with pytest.raises(ValueError, match=r"no column 'warmth'"):
        plot_distribution(scored, by="agent", dimensions=["empathy", "warmth"])


def test_distribution_checks_kind_and_values(scored):
    with pytest.raises(ValueError, match="kind"):
        plot_distribution(scored, by="agent", kind="violin")
    bad = scored.astype({"tolerance": object})
    bad.loc[0, "tolerance"] = "high"
    with pytest.raises(ValueError, match="'tolerance'"):
        plot_distribution(bad, by="agent")
    with pytest.raises(TypeError, match="DataFrame"):
        plot_distribution([{"agent": "ana"}], by="agent")


# -- without matplotlib ---------------------------------------------------------------------

def test_missing_matplotlib_names_the_extra(scored, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape(INSTALL)):
        plot_profile(DRAFT)
    with pytest.raises(ImportError, match=re.escape(INSTALL)):
        plot_distribution(scored, by="agent")
