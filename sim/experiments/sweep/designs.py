"""Sampling designs over the uncertain parameters, in the unit hypercube.

Points are drawn in [0, 1]^D and mapped through each parameter's inverse CDF
(sim.engine.draws), so every design respects the scenario's distributions.
The designs themselves come from scipy.stats.qmc and SALib; nothing is
hand-written here beyond choosing and seeding them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Design = Literal["mc", "lhs", "sobol", "morris", "grid"]
DESIGNS: tuple[Design, ...] = ("mc", "lhs", "sobol", "morris")  # what --design offers
# "grid": --vary with the rest at central values; the varied parameter is the only column
# (sim.experiments.sweep.vary), so the design of "the rest" is a single empty point.
MORRIS_LEVELS = 4


def unit_problem(keys: list[str]) -> dict[str, object]:
    """SALib's problem definition on the unit cube: distributions are applied afterwards."""
    return {"num_vars": len(keys), "names": list(keys), "bounds": [[0.0, 1.0]] * len(keys)}


def design_size(design: Design, samples: int, dimensions: int) -> int:
    """How many points a design of ``samples`` base samples has.

    mc and lhs: ``samples``. sobol (Saltelli, first and total order): samples x (D + 2).
    morris: samples trajectories of D + 1 points each.
    """
    if design == "sobol":
        return samples * (dimensions + 2)
    if design == "morris":
        return samples * (dimensions + 1)
    return samples


def design_points(design: Design, samples: int, keys: list[str], seed: np.random.SeedSequence) -> np.ndarray:
    """The design's points, shape [design_size, D], all in [0, 1]."""
    dimensions = len(keys)
    if dimensions == 0:
        return np.zeros((design_size(design, samples, 0), 0))
    from SALib.sample import morris as morris_sample  # imported here: --help must not pay for them
    from SALib.sample import sobol as sobol_sample
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    if design == "mc":
        points = rng.random((samples, dimensions))
    elif design == "lhs":
        points = qmc.LatinHypercube(d=dimensions, rng=rng).random(samples)
    elif design == "sobol":
        points = sobol_sample.sample(unit_problem(keys), samples, calc_second_order=False, seed=rng)
    elif design == "morris":
        points = morris_sample.sample(unit_problem(keys), samples, num_levels=MORRIS_LEVELS, seed=rng)
    else:
        raise ValueError(f"unknown design {design!r} (known: {', '.join(DESIGNS)})")
    return np.clip(np.asarray(points, dtype=float), 0.0, 1.0)
