"""Turn a scenario's numbers into per-replicate arrays, typed by who they belong to.

Every numeric parameter has a :class:`~sim.scenario.keys.ParameterKey` (its
path in the scenario). A run draws one array per key: the central value when
nothing is sampled, or the distribution's quantile of a uniform point when it
is. Sweeps therefore only supply a matrix of points in [0, 1) -- from plain
Monte Carlo or from a space-filling design -- and logging the sampled inputs
is writing these arrays out. The engine reads them typed: ``draw.actors[id]``
holds an actor's capability, stances and red lines, ``draw.events[id]`` an
event's probability, ``draw.protocol[name]`` a protocol setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import quantile
from sim.scenario.keys import ParameterKey
from sim.scenario.parameters import parameter_specs, uncertain_keys
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RedLineDraw:
    threshold: np.ndarray  # [R], in the issue's unit
    probability: np.ndarray  # [R]


@dataclass(frozen=True)
class OutsideOptionDraw:
    hazard: np.ndarray  # [R], per exchange with every covariate at 0
    ratios: tuple[np.ndarray, ...]  # [R] per covariate


@dataclass(frozen=True)
class TrackDraw:
    initial: np.ndarray  # [R], in the track's unit
    rate: np.ndarray  # [R], per exchange


@dataclass(frozen=True)
class ActorDraw:
    """One actor's parameters, one value per replicate."""

    capability: np.ndarray  # [R]
    patience: np.ndarray
    risk: np.ndarray
    reservation: np.ndarray
    deadline_believed: np.ndarray | None  # [R] for an actor with a deadline
    position: dict[str, np.ndarray]  # issue -> [R], in the issue's unit
    salience: dict[str, np.ndarray]  # issue -> [R]
    red_lines: tuple[RedLineDraw, ...]
    outside_option: OutsideOptionDraw | None
    tracks: dict[str, TrackDraw]


@dataclass(frozen=True)
class ParameterDraw:
    """One value per replicate for every parameter, typed by owner, plus which ones were sampled."""

    replicates: int
    values: dict[ParameterKey, np.ndarray]  # every parameter, in the fixed order of parameter_specs
    sampled: tuple[ParameterKey, ...]
    actors: dict[str, ActorDraw]
    events: dict[str, np.ndarray]  # event id -> probability [R]
    protocol: dict[str, np.ndarray]  # numeric protocol setting -> [R]

    def __getitem__(self, key: ParameterKey) -> np.ndarray:
        return self.values[key]


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
    column = {key: n for n, key in enumerate(keys)}
    values: dict[ParameterKey, np.ndarray] = {}
    for key, value in specs.items():
        if unit_points is not None and key in column:
            values[key] = quantile(value, unit_points[:, column[key]])
        else:
            values[key] = quantile(value, np.full(replicates, 0.5))
    return ParameterDraw(
        replicates=replicates,
        values=values,
        sampled=tuple(keys) if unit_points is not None else (),
        actors={actor_id: _actor_draw(actor_id, scenario, values) for actor_id in scenario.actors},
        events={
            event_id: values[ParameterKey(("events", event_id, "probability"))]
            for event_id in scenario.events
        },
        protocol={str(key.field): array for key, array in values.items() if key.path[0] == "protocol"},
    )


def _actor_draw(actor_id: str, scenario: Scenario, values: dict[ParameterKey, np.ndarray]) -> ActorDraw:
    actor = scenario.actors[actor_id]

    def value(*path: str | int) -> np.ndarray:
        return values[ParameterKey(("actors", actor_id, *path))]

    return ActorDraw(
        capability=value("capability"),
        patience=value("patience"),
        risk=value("risk"),
        reservation=value("reservation"),
        deadline_believed=value("deadline_believed") if actor.deadline is not None else None,
        position={issue: value("stances", issue, "position") for issue in actor.stances},
        salience={issue: value("stances", issue, "salience") for issue in actor.stances},
        red_lines=tuple(
            RedLineDraw(
                threshold=value("red_lines", n, "above" if line.above is not None else "below"),
                probability=value("red_lines", n, "probability"),
            )
            for n, line in enumerate(actor.red_lines)
        ),
        outside_option=None
        if actor.outside_option is None
        else OutsideOptionDraw(
            hazard=value("outside_option", "hazard"),
            ratios=tuple(
                value("outside_option", "rises_with", n, "ratio")
                for n in range(len(actor.outside_option.rises_with))
            ),
        ),
        tracks={
            track_id: TrackDraw(*(value("tracks", track_id, field) for field in ("initial", "rate")))
            for track_id in actor.tracks
        },
    )


def monte_carlo_points(scenario: Scenario, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Independent uniform points: plain Monte Carlo over the uncertain parameters."""
    return rng.random((replicates, len(uncertain_keys(scenario))))
