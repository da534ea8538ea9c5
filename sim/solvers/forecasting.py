"""Closed-form group-decision forecasts on one issue, vectorized over replicates.

These are the baselines every richer model has to beat: on EU legislative data
the capability x salience weighted mean forecasts as well as the expected-utility
model (Achen 2006, in Thomson et al., *The European Union Decides*). All
positions are on the issue's normalised scale [0, 1]; arrays carry the
replicate axis first: positions and weights are [R, A]. An actor with zero
weight (no stake in the issue) has no say.
"""

from __future__ import annotations

import numpy as np


def weighted_mean(positions: np.ndarray, weights: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """The compromise model: sum(w x) / sum(w), or ``fallback`` [R] where nobody has any weight."""
    total = weights.sum(axis=1)
    pulled = (weights * positions).sum(axis=1)
    return np.where(total > 0, pulled / np.where(total > 0, total, 1.0), fallback)


def weighted_median(positions: np.ndarray, weights: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """The position of the weighted median voter: the Condorcet winner among the positions.

    With single-peaked, distance-based preferences over one dimension (Black
    1948), the position that beats every other in pairwise weighted votes is
    the one where cumulative weight, counted from either end, first reaches
    half. When it reaches exactly half at a position (an even split), every
    point between that position and the next ties, and we take the midpoint
    of the two, so the forecast does not depend on which end one counts from.
    """
    order = np.argsort(positions, axis=1, kind="stable")
    sorted_positions = np.take_along_axis(positions, order, axis=1)
    sorted_weights = np.take_along_axis(weights, order, axis=1)
    cumulative = np.cumsum(sorted_weights, axis=1)
    total = cumulative[:, -1:]
    half = total / 2.0
    tolerance = 1e-12 * np.maximum(total, 1.0)
    reached = cumulative >= half - tolerance
    first = np.argmax(reached, axis=1)
    rows = np.arange(len(positions))
    median = sorted_positions[rows, first]
    exactly_half = np.abs(cumulative[rows, first] - half[:, 0]) <= tolerance[:, 0]
    # the next position that carries weight, for the even-split midpoint
    later = np.arange(positions.shape[1])[None, :] > first[:, None]
    has_weight = later & (sorted_weights > 0)
    nxt = np.where(has_weight.any(axis=1), np.argmax(has_weight, axis=1), first)
    median = np.where(exactly_half, (median + sorted_positions[rows, nxt]) / 2.0, median)
    return np.where(total[:, 0] > 0, median, fallback)
