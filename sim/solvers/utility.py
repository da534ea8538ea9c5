"""Spatial utility and the solution concepts built on it, vectorized over replicates.

All positions here are on each issue's normalised scale [0, 1]. Equations and
sources are in docs/model.md; the short form:

* utility of a package x to actor a (salience-weighted spatial loss, with the
  curvature set by risk attitude, cf. Bueno de Mesquita 1994; Scholz et al. 2011)::

      u_a(x) = sum_i w_ai * (1 - |x_i - p_ai| ** gamma_a),   gamma_a = 2 ** (-risk_a)

  with w_ai the actor's saliences normalised to sum to one, so u lies in [0, 1].
* the mediator's text is the asymmetric Nash bargaining solution (Nash 1950;
  Kalai 1977) with capability as bargaining power and the reservation value as
  the disagreement point, found by a two-level grid search per issue.
"""

from __future__ import annotations

import numpy as np

# Below this surplus the Nash objective continues linearly, so texts that some
# party would refuse are still ranked (by how far short they fall) instead of
# all scoring minus infinity.
_SURPLUS_FLOOR = 1e-3


def curvature(risk: np.ndarray) -> np.ndarray:
    """Risk-acceptant actors (risk > 0) have convex utility over outcomes: gamma < 1."""
    return np.power(2.0, -risk)


def normalised_weights(salience: np.ndarray) -> np.ndarray:
    """Saliences scaled to sum to one per actor, so utilities are comparable across actors."""
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def utility(packages: np.ndarray, ideal: np.ndarray, weights: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Utility of each package to each actor.

    packages: [R, K, I]; ideal, weights: [R, A, I]; gamma: [R, A] -> [R, K, A].
    """
    distance = np.abs(packages[:, :, None, :] - ideal[:, None, :, :])
    loss = np.power(distance, gamma[:, None, :, None])
    return np.einsum("rkai,rai->rka", 1.0 - loss, weights)


def nash_objective(surplus: np.ndarray, power: np.ndarray) -> np.ndarray:
    """Weighted log Nash product, continued linearly below a small surplus.

    surplus: [R, K, P]; power: [R, P] -> [R, K].
    """
    floor = _SURPLUS_FLOOR
    safe = np.maximum(surplus, floor)
    value = np.where(surplus >= floor, np.log(safe), np.log(floor) + (surplus - floor) / floor)
    return np.einsum("rkp,rp->rk", value, power)


def issue_utilities(
    packages: np.ndarray, ideal: np.ndarray, weights: np.ndarray, gamma: np.ndarray
) -> np.ndarray:
    """Per-issue terms of the utility: packages [R, I] -> [R, P, I]; they sum to ``utility``."""
    distance = np.abs(packages[:, None, :] - ideal)
    return weights * (1.0 - np.power(distance, gamma[:, :, None]))


def nash_text(
    start: np.ndarray,
    movable: np.ndarray,
    ideal: np.ndarray,
    weights: np.ndarray,
    gamma: np.ndarray,
    disagreement: np.ndarray,
    power: np.ndarray,
    grid: int,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    sweeps: int = 2,
) -> np.ndarray:
    """The asymmetric Nash bargaining package over the movable issues.

    start: [R, I] current text (immovable issues keep these values);
    movable: [I] bool; ideal/weights: [R, P, I]; gamma, disagreement, power: [R, P].
    Coordinate ascent: for each movable issue, a coarse grid over [lower, upper],
    then a fine grid one coarse step either side of the best point. Resolution
    is 2 / (grid - 1) ** 2 of that interval. Utility is additive over issues,
    so moving one issue only re-evaluates that issue's term. ``lower`` and
    ``upper`` ([I] or [R, I], normalised) confine each issue, e.g. to the
    principals' declared red lines.
    """
    lower = np.broadcast_to(0.0 if lower is None else lower, start.shape)
    upper = np.broadcast_to(1.0 if upper is None else upper, start.shape)
    text = start.copy()
    rows = np.arange(len(text))
    fraction = np.linspace(0.0, 1.0, grid)
    fine_fraction = np.linspace(-1.0, 1.0, grid)
    terms = issue_utilities(text, ideal, weights, gamma)
    for _ in range(sweeps):
        for issue in np.flatnonzero(movable):
            low, high = lower[:, issue, None], upper[:, issue, None]  # [R, 1]
            step = (high - low) / (grid - 1)
            coarse = low + (high - low) * fraction[None, :]
            for values in (coarse, None):
                if values is None:
                    values = np.clip(text[:, issue, None] + step * fine_fraction[None, :], low, high)
                others = terms.sum(axis=2) - terms[:, :, issue]  # [R, P]
                distance = np.abs(values[:, :, None] - ideal[:, None, :, issue])  # [R, G, P]
                own = weights[:, None, :, issue] * (1.0 - np.power(distance, gamma[:, None, :]))
                surplus = others[:, None, :] + own - disagreement[:, None, :]
                best = np.argmax(nash_objective(surplus, power), axis=1)
                text[:, issue] = values[rows, best]
                terms[:, :, issue] = own[rows, best]
    return text


def concession_path_offer(
    own_ideal: np.ndarray,
    target: np.ndarray,
    movable: np.ndarray,
    own_weights: np.ndarray,
    own_gamma: np.ndarray,
    aspiration: np.ndarray,
    grid: int,
) -> np.ndarray:
    """The offer closest to ``target`` that still meets the proposer's aspiration.

    Walks the straight line from the proposer's ideal (on the movable issues)
    to the target package and stops at the last point whose utility to the
    proposer is at least its aspiration (a Zeuthen-style monotone concession).
    own_ideal, target: [R, I]; own_weights: [R, I]; own_gamma, aspiration: [R].
    """
    start = np.where(movable[None, :], own_ideal, target)
    fractions = np.linspace(0.0, 1.0, grid)
    path = start[:, None, :] + fractions[None, :, None] * (target - start)[:, None, :]
    value = utility(path, own_ideal[:, None, :], own_weights[:, None, :], own_gamma[:, None])[:, :, 0]
    acceptable = value >= aspiration[:, None]
    acceptable[:, 0] = True  # the proposer's own ideal always satisfies it
    last = grid - 1 - np.argmax(acceptable[:, ::-1], axis=1)
    return path[np.arange(len(start)), last]
