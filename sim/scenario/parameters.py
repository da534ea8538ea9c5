"""Every numeric parameter of a scenario, in one fixed order, keyed by its path.

The engine draws one array per key (sim.engine.draws); a sweep samples the uncertain ones; ``--set``
and the explorer fix them by key (sim.scenario.overrides). The order is the order of the file's
sections, so it is the same in every process and every folder written from the scenario.
"""

from __future__ import annotations

from sim.scenario.distributions import _Dist, is_uncertain
from sim.scenario.keys import ParameterKey
from sim.scenario.schema import Scenario, Uncertain


def parameter_specs(scenario: Scenario) -> dict[ParameterKey, Uncertain]:
    """Every numeric parameter of the scenario, keyed by its path, in a fixed order."""
    specs: dict[ParameterKey, Uncertain] = {
        ParameterKey(("protocol", name)): value
        for name, value in scenario.protocol
        if isinstance(value, float | _Dist)  # the numeric settings; names, choices and grids are fixed
    }
    for actor_id, actor in scenario.actors.items():
        for name in ("capability", "patience", "risk", "reservation"):
            specs[ParameterKey(("actors", actor_id, name))] = getattr(actor, name)
        if actor.deadline is not None:
            specs[ParameterKey(("actors", actor_id, "deadline_believed"))] = actor.deadline_believed
        for issue_id, stance in actor.stances.items():
            specs[ParameterKey(("actors", actor_id, "stances", issue_id, "position"))] = stance.position
            specs[ParameterKey(("actors", actor_id, "stances", issue_id, "salience"))] = stance.salience
        for index, line in enumerate(actor.red_lines):
            side = "above" if line.above is not None else "below"
            specs[ParameterKey(("actors", actor_id, "red_lines", index, side))] = line.threshold
            specs[ParameterKey(("actors", actor_id, "red_lines", index, "probability"))] = line.probability
        option = actor.outside_option
        if option is not None:
            specs[ParameterKey(("actors", actor_id, "outside_option", "hazard"))] = option.hazard
            for index, covariate in enumerate(option.rises_with):
                key = ("actors", actor_id, "outside_option", "rises_with", index, "ratio")
                specs[ParameterKey(key)] = covariate.ratio
        for track_id, track in actor.tracks.items():
            specs[ParameterKey(("actors", actor_id, "tracks", track_id, "initial"))] = track.initial
            specs[ParameterKey(("actors", actor_id, "tracks", track_id, "rate"))] = track.rate
    for event_id, event in scenario.events.items():
        specs[ParameterKey(("events", event_id, "probability"))] = event.probability
    return specs


def uncertain_keys(scenario: Scenario) -> list[ParameterKey]:
    """The parameters a Monte Carlo run varies: those given as distributions."""
    return [key for key, value in parameter_specs(scenario).items() if is_uncertain(value)]
