"""Plots of results and of scored frames, with the low/medium/high bands shaded.

Needs matplotlib (``pip install "attune-tone[plot]"``); it is imported when a plot is drawn,
so ``import attune.plot`` works without it and says what to install on first use.

>>> from attune.plot import plot_profile, plot_distribution    # doctest: +SKIP
>>> plot_profile([draft, rewrite], labels=["draft", "rewrite"])  # doctest: +SKIP
>>> plot_distribution(scored, by="agent")                       # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

from .dimensions import DIMENSIONS, HIGH_FROM, LABELS, LOW_BELOW
from .result import Result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_profile", "plot_distribution"]

BANDS: tuple[tuple[float, float, str, str], ...] = (
    (0.0, LOW_BELOW, "low", "#cf222e"),
    (LOW_BELOW, HIGH_FROM, "medium", "#d4a72c"),
    (HIGH_FROM, 100.0, "high", "#2da44e"),
)
"""(from, to, level, colour) of the score bands drawn behind the plots."""

BAND_ALPHA = 0.08
"""Opacity of the shaded bands."""

SERIES_COLOURS = ("#8c959f", "#0969da", "#8250df", "#bf3989", "#1a7f37", "#bc4c00")
"""Colours of the results in a grouped profile, in order (a lone result is coloured by level)."""

KINDS = ("box", "strip")
"""What :func:`plot_distribution` can draw."""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            'attune.plot needs matplotlib; install it with: pip install "attune-tone[plot]"'
        ) from exc
    return plt


def _level_colour(score: float) -> str:
    for low, high, _, colour in BANDS:
        if score < high:
            return colour
    return BANDS[-1][3]


def _shade_bands(ax: "Axes", axis: str) -> None:
    """Shade the level bands along ``axis`` ("x" or "y"); on "x", name them on a top axis
    (matplotlib places a title above it, so the two never overlap)."""
    for low, high, level, colour in BANDS:
        if axis == "x":
            ax.axvspan(low, high, color=colour, alpha=BAND_ALPHA, lw=0, zorder=0)
        else:
            ax.axhspan(low, high, color=colour, alpha=BAND_ALPHA, lw=0, zorder=0)
    if axis == "x":
        top = ax.secondary_xaxis("top")
        top.set_xticks([(low + high) / 2 for low, high, _, _ in BANDS],
                       [level for _, _, level, _ in BANDS])
        top.tick_params(length=0, labelsize=8)
        for label, (_, _, _, colour) in zip(top.get_xticklabels(), BANDS):
            label.set_color(colour)
        top.spines["top"].set_visible(False)


def _as_results(value: Any) -> list[Result]:
    if isinstance(value, Result):
        return [value]
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"expected a Result or a sequence of Results, got {type(value).__name__}")
    results = list(value)
    if not results:
        raise ValueError("expected at least one Result, got an empty sequence")
    for r in results:
        if not isinstance(r, Result):
            raise TypeError(f"expected Results, got a {type(r).__name__} among them")
    return results


def plot_profile(
    result_or_results: Result | Sequence[Result],
    ax: "Axes | None" = None,
    labels: Sequence[str] | None = None,
) -> "Axes":
    """Horizontal bars of the six scores of one result, or grouped bars for several.

    The low, medium and high bands are shaded behind the bars; each bar is labelled with its
    score. A single result's bars are coloured by level; several results (a draft and its
    rewrite, say) get one colour each and a legend.

    Parameters
    ----------
    result_or_results : Result or sequence of Result
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    labels : sequence of str, optional
        Legend names of the results (default "#1", "#2", ...).

    Returns
    -------
    matplotlib.axes.Axes
    """
    results = _as_results(result_or_results)
    if labels is None:
        labels = [f"#{i + 1}" for i in range(len(results))]
    else:
        labels = [str(x) for x in labels]
        if len(labels) != len(results):
            raise ValueError(f"got {len(labels)} labels for {len(results)} results")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 1.4 + 0.45 * len(DIMENSIONS) * max(1.5, len(results))))

    _shade_bands(ax, "x")
    n = len(results)
    slot = 0.8 / n
    for k, (result, label) in enumerate(zip(results, labels)):
        scores = [result.scores[name] for name in DIMENSIONS]
        ys = [i - 0.4 + slot * (k + 0.5) for i in range(len(DIMENSIONS))]
        widths = [0.0 if math.isnan(s) else s for s in scores]
        colours = ([_level_colour(s) for s in widths] if n == 1
                   else SERIES_COLOURS[k % len(SERIES_COLOURS)])
        ax.barh(ys, widths, height=slot * 0.85, color=colours, label=label, zorder=2)
        for y, s in zip(ys, scores):
            # rounded down, as in the HTML view, so the number agrees with its level
            text = "not scored" if math.isnan(s) else str(math.floor(s))
            ax.text((0 if math.isnan(s) else s) + 1, y, text, va="center", ha="left",
                    fontsize=8 if n > 1 else 9, color="#24292f", zorder=3)

    ax.set_yticks(range(len(DIMENSIONS)), [LABELS[name] for name in DIMENSIONS])
    ax.set_ylim(len(DIMENSIONS) - 0.5, -0.5)  # Awareness on top
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0-100)")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if n > 1:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(n, 4),
                  frameon=False, fontsize=9)
    return ax


def _check_frame(frame: Any, by: str, dimensions: Any) -> list[str]:
    columns = getattr(frame, "columns", None)
    if columns is None or not hasattr(frame, "groupby"):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if by not in columns:
        raise ValueError(f"frame has no column {by!r} to group by; its columns are: "
                         f"{', '.join(map(str, columns))}")
    if dimensions is None:
        dims = list(DIMENSIONS)
    elif isinstance(dimensions, str):
        dims = [dimensions]
    else:
        dims = list(dimensions)
    if not dims:
        raise ValueError("dimensions is empty; pass at least one dimension name")
    missing = [name for name in dims if name not in columns]
    if missing:
        raise ValueError(
            f"frame has no column {missing[0]!r}"
            + (f" (nor {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + "; expected one score column per dimension, named as in attune.DIMENSIONS"
        )
    return dims


def plot_distribution(
    frame: Any,
    by: str,
    dimensions: Sequence[str] | str | None = None,
    kind: str = "box",
    ax: "Axes | None" = None,
) -> "Figure | Axes":
    """Per-dimension score distributions of a scored frame, grouped by a column.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per dimension (names from :data:`attune.DIMENSIONS`, scores 0-100, NaN for
        texts that were not scored; NaN values are left out) and the column ``by``.
    by : str
        The column to group by: agent, queue, campaign...
    dimensions : sequence of str, optional
        Which dimensions to plot (default all six, in ATTUNE order).
    kind : {"box", "strip"}
        Box plots, or every score as a jittered dot with the group median as a bar.
    ax : matplotlib Axes, optional
        Draw every dimension on this one Axes, the groups side by side in colours with a
        legend. Without it, a grid of small multiples is made, one panel per dimension.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        The new Figure of the grid, or ``ax`` when it was given.

    Raises
    ------
    ValueError
        When ``by`` or a dimension column is missing (the message names it), ``kind`` is
        unknown, or no row has a group.
    """
    dims = _check_frame(frame, by, dimensions)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    groups = []
    for key, sub in frame.groupby(by, sort=True, dropna=True):
        key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
        values = {}
        for name in dims:
            try:
                column = sub[name].astype(float)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {name!r} must hold scores 0-100: {exc}") from exc
            values[name] = column[column.notna()].to_numpy()
        groups.append((str(key), values))
    if not groups:
        raise ValueError(f"no row has a value in {by!r}; nothing to plot")
    plt = _pyplot()

    if ax is not None:
        _draw_grouped(ax, groups, dims, kind)
        return ax

    ncols = min(3, len(dims))
    nrows = math.ceil(len(dims) / ncols)
    width = max(3.2, 0.55 * len(groups) + 1.6)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, 3.4 * nrows),
                             sharey=True, squeeze=False)
    for i, name in enumerate(dims):
        panel = axes[i // ncols][i % ncols]
        data = [values[name] for _, values in groups]
        _draw(panel, data, list(range(1, len(groups) + 1)), kind, ["#0969da"] * len(groups), 0.6)
        panel.set_title(LABELS.get(name, name), fontsize=11)
        panel.set_xticks(range(1, len(groups) + 1),
                         [f"{key}\nn={len(d)}" for (key, _), d in zip(groups, data)],
                         fontsize=8, rotation=30 if len(groups) > 5 else 0,
                         ha="right" if len(groups) > 5 else "center")
        _finish_panel(panel)
        if i % ncols == 0:
            panel.set_ylabel("score (0-100)")
    for j in range(len(dims), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    fig.suptitle(f"ATTUNE scores by {by}", fontsize=12)
    fig.tight_layout()
    return fig


def _draw_grouped(ax: "Axes", groups: list, dims: list[str], kind: str) -> None:
    """All dimensions on one Axes: a cluster per dimension, a colour per group."""
    g = len(groups)
    slot = 0.8 / g
    for k, (key, values) in enumerate(groups):
        colour = SERIES_COLOURS[(k + 1) % len(SERIES_COLOURS)]
        positions = [i - 0.4 + slot * (k + 0.5) for i in range(len(dims))]
        _draw(ax, [values[name] for name in dims], positions, kind, [colour] * len(dims),
              slot * 0.8)
        ax.plot([], [], color=colour, lw=6, label=key)  # legend entry
    ax.set_xticks(range(len(dims)), [LABELS.get(name, name) for name in dims], fontsize=9)
    ax.set_xlim(-0.5, len(dims) - 0.5)
    ax.set_ylabel("score (0-100)")
    _finish_panel(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(g, 5), frameon=False,
              fontsize=9)


def _draw(ax: "Axes", data: list, positions: list[float], kind: str, colours: list[str],
          width: float) -> None:
    import numpy as np

    if kind == "box":
        # an empty group draws nothing (boxplot would warn about it)
        keep = [i for i, d in enumerate(data) if len(d)]
        if keep:
            parts = ax.boxplot([data[i] for i in keep], positions=[positions[i] for i in keep],
                               widths=width, patch_artist=True, manage_ticks=False,
                               medianprops={"color": "#24292f", "lw": 1.5},
                               flierprops={"marker": "o", "markersize": 3, "alpha": 0.5},
                               zorder=2)
            for patch, i in zip(parts["boxes"], keep):
                patch.set_facecolor(colours[i])
                patch.set_alpha(0.55)
                patch.set_edgecolor("#24292f")
        return
    rng = np.random.default_rng(0)  # the same jitter every time
    for d, x, colour in zip(data, positions, colours):
        if not len(d):
            continue
        jitter = rng.uniform(-width / 3, width / 3, size=len(d))
        ax.scatter(x + jitter, d, s=10, color=colour, alpha=0.6, lw=0, zorder=2)
        median = float(np.median(d))
        ax.plot([x - width / 2, x + width / 2], [median, median], color="#24292f", lw=2,
                zorder=3)


def _finish_panel(ax: "Axes") -> None:
    _shade_bands(ax, "y")
    ax.set_ylim(0, 100)
    ax.grid(axis="y", color="#d0d7de", lw=0.5, zorder=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
