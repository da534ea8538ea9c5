"""How far to trust a box of inputs: screening the inputs, bounding a density, testing each limit.

The statistics behind scenario discovery (sim.experiments.discovery), each a few lines of numpy and
scipy, each from its source: Pearson's (1900) chi-square test of independence to screen the inputs,
Wilson's (1927) score interval to bound a box's density (the same interval every share in a report
carries: sim.report.figures.common imports it from here), and Bryant & Lempert's (2010) quasi-p-value
to decide which of a box's limits to state.

Everything is counted per design point: ``trials`` is how many runs a point has (its replicates) and
``hits`` how many of them ended in the outcome. A point lies wholly inside or outside any box, so a
box's runs and hits are sums over its points, and the statistics are those of the runs; a sweep
with R replicates per point costs R times less to search than its runs would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binom, chi2, norm

SIGNIFICANCE = 0.05  # the quasi-p-value a stated limit must beat; the screen's family-wise level
CONFIDENCE = 0.95  # of the Wilson bound that chooses a box
SCREEN_BINS = 10  # quantile bins of an input in the screening test


def screen(x: pd.DataFrame, trials: np.ndarray, hits: np.ndarray, bins: int = SCREEN_BINS) -> list[str]:
    """The inputs whose association with y is significant: Pearson's chi-square test of independence
    of y and the input's quantile bin (Pearson 1900), Bonferroni-corrected over the inputs.

    For a 0/1 outcome over B bins, with N runs, share m and per-bin shares m_b over N_b runs, the
    statistic is sum_b N_b (m_b - m)^2 / (m (1 - m)) = N eta^2, chi-square with B - 1 degrees of
    freedom under independence. PRIM peels greedily, and without this screen it peels noise: with
    dozens of inputs and a noisy outcome, some input always looks better by chance than a weak real
    driver (a held-out half shows those peels gain nothing). An input that acts only together with
    another, with no effect of its own, is missed; docs/sensitivity.md says so.
    """
    kept: list[str] = []
    runs = float(trials.sum())
    share = hits.sum() / runs
    if share in (0, 1):
        return kept
    for name in x.columns:
        column = x[name].to_numpy()
        edges = np.unique(np.quantile(column, np.linspace(0, 1, bins + 1)[1:-1]))
        index = np.searchsorted(edges, column, side="right")
        in_bin = np.bincount(index, weights=trials)
        hits_in_bin = np.bincount(index, weights=hits)
        filled = in_bin > 0
        statistic = float(
            np.sum((hits_in_bin[filled] - in_bin[filled] * share) ** 2 / in_bin[filled])
            / (share * (1 - share))
        )
        if chi2.sf(statistic, filled.sum() - 1) < SIGNIFICANCE / len(x.columns):
            kept.append(name)
    return kept


def inside(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Which rows of ``values`` lie in the box: every input within its limits, ends included."""
    return np.all((values >= low) & (values <= high), axis=1)


def count(
    values: np.ndarray, trials: np.ndarray, hits: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[int, int]:
    """Runs in the box [low, high] and how many of them are hits: sums over the points inside."""
    within = inside(values, low, high)
    return int(trials[within].sum()), int(hits[within].sum())


def wilson_interval(
    hits: np.ndarray, trials: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of hits/trials, elementwise: unlike p +- z se it stays inside [0, 1] and
    does not collapse to a point at 0 or all hits."""
    hits, trials = np.asarray(hits, dtype=float), np.asarray(trials, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    share = hits / trials
    scale = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / scale
    half = z / scale * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


def wilson_low(hits: np.ndarray | int, trials: np.ndarray | int) -> np.ndarray | float:
    """The lower end of the Wilson (1927) score interval of hits / trials."""
    low, _ = wilson_interval(hits, trials)
    return float(low) if low.ndim == 0 else low


def quasi_p(hits: int, runs: int, density_without: float) -> float:
    """Bryant & Lempert's (2010) quasi-p-value: P(at least ``hits`` of ``runs``) at the density without
    the limit: a one-sided binomial test of whether the limit raises the density at all."""
    return float(binom.sf(hits - 1, runs, density_without))


@dataclass(frozen=True)
class Pruned:
    """A box's limits after pruning: what is left, what went, and each kept input's quasi-p-value."""

    low: np.ndarray
    high: np.ndarray
    dropped: tuple[str, ...]  # "LABEL lower limit (quasi-p 0.2)"
    quasi_p: dict[int, float]  # input column -> the largest quasi-p-value of its limits kept


def prune(
    values: np.ndarray,
    trials: np.ndarray,
    hits: np.ndarray,
    limits: tuple[np.ndarray, np.ndarray],
    full: tuple[np.ndarray, np.ndarray],
    labels: Sequence[str],
) -> Pruned:
    """Drop the least significant limit until every limit left has a quasi-p-value under SIGNIFICANCE.

    A backward elimination: each limit is tested against the box without it, on the held-out points
    ``values`` with their ``trials`` and ``hits``, and the worst goes first, because removing one
    limit changes the others' tests. ``full`` is the inputs' range; a limit at or beyond it restricts nothing.
    """
    full_low, full_high = full
    low, high = np.maximum(limits[0], full_low), np.minimum(limits[1], full_high)
    dropped: list[str] = []
    while True:
        n, k = count(values, trials, hits, low, high)
        scores: dict[tuple[int, int], float] = {}
        for j in np.flatnonzero(low > full_low):
            scores[(int(j), 0)] = _without(values, (trials, hits), (low, high), (j, 0, full_low[j]), (n, k))
        for j in np.flatnonzero(high < full_high):
            scores[(int(j), 1)] = _without(values, (trials, hits), (low, high), (j, 1, full_high[j]), (n, k))
        if not scores:
            return Pruned(low, high, tuple(dropped), {})
        (j, side), worst = max(scores.items(), key=lambda item: item[1])
        if worst < SIGNIFICANCE:
            kept: dict[int, float] = {}
            for (column, _), value in scores.items():
                kept[column] = max(kept.get(column, 0.0), value)
            return Pruned(low, high, tuple(dropped), kept)
        dropped.append(f"{labels[j]} {'lower' if side == 0 else 'upper'} limit (quasi-p {worst:.2g})")
        low, high = low.copy(), high.copy()
        if side == 0:
            low[j] = full_low[j]
        else:
            high[j] = full_high[j]


def _without(
    values: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray],
    box: tuple[np.ndarray, np.ndarray],
    limit: tuple[int, int, float],
    counted: tuple[int, int],
) -> float:
    """The quasi-p-value of one limit (column, side 0 low / 1 high, its unlimited value) of ``box``."""
    column, side, unlimited = limit
    relaxed = (box[0].copy(), box[1].copy())
    relaxed[side][column] = unlimited
    runs, hits = count(values, *counts, *relaxed)
    if counted[0] == 0 or runs == 0:
        return 1.0
    return quasi_p(counted[1], counted[0], hits / runs)
