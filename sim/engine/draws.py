"""Turn a scenario's numbers into per-replicate arrays.

Every numeric parameter gets a stable dotted key (``actors.Israel.capability``,
``actors.Iran.stances.enrichment.position``, ``events.strike.probability``...).
A run draws one column per key: the central value when nothing is sampled, or
the distribution's quantile of a uniform point when it is. Sweeps therefore
only have to supply a matrix of points in [0, 1) -- from plain Monte Carlo or
from a space-filling design -- and logging the sampled inputs is a matter of
writing these columns out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import _Dist, is_uncertain, quantile
from sim.scenario.schema import Scenario, Uncertain


def parameter_specs(scenario: Scenario) -> dict[str, Uncertain]:
    """Every numeric parameter of the scenario, keyed by its dotted path, in a fixed order."""
    specs: dict[str, Uncertain] = {
        f"protocol.{name}": value
        for name, value in scenario.protocol
        if isinstance(value, float | _Dist)  # the numeric settings; names, choices and grids are fixed
    }
    for actor_id, actor in scenario.actors.items():
        prefix = f"actors.{actor_id}"
        for name in ("capability", "patience", "risk", "reservation"):
            specs[f"{prefix}.{name}"] = getattr(actor, name)
        for issue_id, stance in actor.stances.items():
            specs[f"{prefix}.stances.{issue_id}.position"] = stance.position
            specs[f"{prefix}.stances.{issue_id}.salience"] = stance.salience
        for index, line in enumerate(actor.red_lines):
            specs[f"{prefix}.red_lines.{index}.threshold"] = line.threshold
            specs[f"{prefix}.red_lines.{index}.probability"] = line.probability
    for event_id, event in scenario.events.items():
        specs[f"events.{event_id}.probability"] = event.probability
    return specs


def uncertain_keys(scenario: Scenario) -> list[str]:
    """The parameters a Monte Carlo run varies: those given as distributions."""
    return [key for key, value in parameter_specs(scenario).items() if is_uncertain(value)]


@dataclass(frozen=True)
class ParameterDraw:
    """One value per replicate for every parameter, plus which ones were sampled."""

    replicates: int
    columns: dict[str, np.ndarray]  # key -> float array [R]
    sampled: tuple[str, ...]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.columns[key]


def draw_parameters(
    scenario: Scenario, replicates: int, unit_points: np.ndarray | None = None
) -> ParameterDraw:
    """Per-replicate parameter values.

    ``unit_points`` has shape ``[replicates, len(uncertain_keys(scenario))]``
    with values in [0, 1); ``None`` means every replicate takes the central
    values (a deterministic scenario apart from the protocol's own noise).
    """
    specs = parameter_specs(scenario)
    keys = uncertain_keys(scenario)
    if unit_points is not None and unit_points.shape != (replicates, len(keys)):
        raise ValueError(f"unit_points must have shape {(replicates, len(keys))}, got {unit_points.shape}")
    columns: dict[str, np.ndarray] = {}
    for key, value in specs.items():
        if unit_points is not None and key in keys:
            columns[key] = quantile(value, unit_points[:, keys.index(key)])
        else:
            columns[key] = quantile(value, np.full(replicates, 0.5))
    sampled = tuple(keys) if unit_points is not None else ()
    return ParameterDraw(replicates, columns, sampled)


def monte_carlo_points(scenario: Scenario, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Independent uniform points: plain Monte Carlo over the uncertain parameters."""
    return rng.random((replicates, len(uncertain_keys(scenario))))
