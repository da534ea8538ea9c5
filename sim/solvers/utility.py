"""Spatial utility, and the concession offer built on it, vectorized over replicates.

All positions here are on each issue's normalised scale [0, 1]. Equations and
sources are in docs/model.md; the short form:

* utility of a package x to actor a (salience-weighted spatial loss, with the
  curvature set by risk attitude, cf. Bueno de Mesquita 1994; Scholz et al. 2011)::

      u_a(x) = sum_i w_ai * (1 - |x_i - p_ai| ** gamma_a),   gamma_a = 2 ** (-risk_a)

  with w_ai the actor's saliences normalised to sum to one, so u lies in [0, 1].
* a direct round's proposer concedes along the straight line from its ideal
  towards the Nash package (sim.solvers.nash) as far as its aspiration allows.
"""

from __future__ import annotations

import numpy as np


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
