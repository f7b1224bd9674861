"""Evaluation metrics for ordinal 0-3 labels and predicted level distributions."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score

from ..dimensions import MAX_LEVEL

LEVELS = np.arange(MAX_LEVEL + 1)


def spearman(y: Sequence[int], expected: Sequence[float]) -> float:
    """Spearman's rho between labels and expected levels (0.0 when either is constant)."""
    y, e = np.asarray(y, float), np.asarray(expected, float)
    if len(y) < 3 or np.all(y == y[0]) or np.all(e == e[0]):
        return 0.0
    return float(spearmanr(y, e).statistic)


def qwk(y: Sequence[int], expected: Sequence[float]) -> float:
    """Quadratic-weighted kappa between labels and the rounded expected level."""
    pred = np.clip(np.rint(np.asarray(expected, float)), 0, MAX_LEVEL).astype(int)
    return float(cohen_kappa_score(np.asarray(y, int), pred, weights="quadratic", labels=LEVELS))


def macro_f1(y: Sequence[int], proba: np.ndarray) -> float:
    """Macro-F1 over the four levels, predicting the most probable level."""
    pred = np.asarray(proba).argmax(axis=1)
    return float(f1_score(np.asarray(y, int), pred, average="macro", labels=LEVELS, zero_division=0))


def ece(y: Sequence[int], proba: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the most probable level's confidence (equal-width bins)."""
    proba = np.asarray(proba)
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == np.asarray(y, int)).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(total)


def pairwise_accuracy(y: Sequence[int], expected: Sequence[float], groups: Sequence[str]) -> tuple[float, int]:
    """Within each group (scenario), the share of differently-labelled pairs the scores order
    the same way as the labels (ties count half). Returns (accuracy, number of pairs)."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    y, e = np.asarray(y), np.asarray(expected, float)
    hits, pairs = 0.0, 0
    for idx in by_group.values():
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                i, j = idx[a], idx[b]
                if y[i] == y[j]:
                    continue
                pairs += 1
                d = (e[i] - e[j]) * (y[i] - y[j])
                hits += 1.0 if d > 0 else (0.5 if d == 0 else 0.0)
    return (hits / pairs if pairs else float("nan")), pairs


def all_metrics(y, proba, groups) -> dict[str, float]:
    """Every metric for one dimension."""
    proba = np.asarray(proba)
    expected = proba @ LEVELS
    pw, n_pairs = pairwise_accuracy(y, expected, groups)
    return {
        "spearman": spearman(y, expected),
        "qwk": qwk(y, expected),
        "macro_f1": macro_f1(y, proba),
        "ece": ece(y, proba),
        "pairwise_accuracy": pw,
        "pairs": n_pairs,
        "n": int(len(y)),
    }


COMPARED = ("qwk", "spearman", "pairwise_accuracy", "macro_f1", "ece")
"""The metrics :func:`bootstrap_differences` compares."""


def bootstrap_differences(y, proba_a: np.ndarray, proba_b: np.ndarray, groups: Sequence[str],
                          n: int = 1000, seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% intervals of metric(a) - metric(b) for two systems' level distributions on the same
    items, by resampling whole groups (scenarios) with replacement ``n`` times; each drawn copy
    of a group is its own group, so pairs never cross copies. Deterministic for a ``seed``.

    >>> y = np.array([0, 1, 2, 3] * 10)
    >>> good = np.eye(4)[y] * 0.9 + 0.025
    >>> groups = [f"s{k // 4}" for k in range(40)]
    >>> lo, hi = bootstrap_differences(y, good, good, groups, n=50)["qwk"]
    >>> (lo, hi)
    (0.0, 0.0)
    """
    y = np.asarray(y)
    a, b = np.asarray(proba_a), np.asarray(proba_b)
    groups = np.asarray(groups)
    names, codes = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(codes == g) for g in range(len(names))]
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[float]] = {m: [] for m in COMPARED}
    for _ in range(n):
        drawn = rng.integers(0, len(names), len(names))
        rows = np.concatenate([members[g] for g in drawn])
        copy = np.repeat(np.arange(len(drawn)), [len(members[g]) for g in drawn])
        ma = all_metrics(y[rows], a[rows], copy)
        mb = all_metrics(y[rows], b[rows], copy)
        for m in COMPARED:
            if np.isfinite(ma[m]) and np.isfinite(mb[m]):
                diffs[m].append(ma[m] - mb[m])
    return {m: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) if v else (float("nan"),) * 2
            for m, v in diffs.items()}
