"""Scheduled, conditional and random shocks, evaluated per replicate.

Conditions are data (see ``Condition`` in the schema), interpreted here into
boolean masks over replicates; nothing a user writes is ever evaluated as code.
"""

from __future__ import annotations

import numpy as np

from sim.engine.agents import ActorAgent
from sim.engine.calendar import Slot
from sim.engine.hazards import covariate_values, hazard
from sim.engine.outcomes import Status
from sim.engine.state import ScheduledEvent
from sim.engine.world import World
from sim.scenario.schema import Condition, Effect, Threshold

_LIMITS = {
    "capability": (0.0, 1.0),
    "patience": (0.0, 1.0),
    "reservation": (0.0, 1.0),
    "salience": (0.0, 1.0),
    "risk": (-1.0, 1.0),
    "position": (0.0, 1.0),  # normalised
}


def due(event: ScheduledEvent, world: World, slot: Slot, active: np.ndarray) -> np.ndarray:
    """Replicates in which the event fires now -> bool [R]."""
    spec = event.spec
    firing = active.copy()
    if not spec.repeat:
        firing &= ~event.fired
    if spec.at is not None:
        on_time = spec.at.round == slot.round_id and spec.at.exchange == slot.exchange
        if not on_time:
            return np.zeros_like(firing)
    if spec.when is not None:
        firing &= condition_holds(spec.when, world, slot)
    if not firing.any():
        return firing
    draws = world.rng.random(len(firing))
    return firing & (draws < event.probability)


def fire_events(model: World, slot: Slot) -> None:
    """The world moves at the start of an exchange, whatever the mechanism: tracks, events, outside options.

    A rule shared by every protocol. First every track moves (from the second
    exchange on) where it is not frozen; then every event due at this exchange
    fires in the replicates still negotiating, in file order (each firing is
    logged, then its effects act on the agents or, for ``end_talks``, on the
    talks' state); then each actor's outside option may be taken, with its
    hazard. All of them see the state left by the previous exchange.
    """
    state = model.state
    if slot.step > 1:
        for track in model.tracks.values():
            moving = state.active()
            if track.spec.frozen_when is not None:
                moving &= ~condition_holds(track.spec.frozen_when, model, slot)
            track.advance(moving)
    for event in model.events:
        firing = due(event, model, slot, state.active())
        if not firing.any():
            continue
        event.fired |= firing
        by = event.actor
        code = model.agent_by_id[by].index if by is not None else -1
        model.log.event(slot, np.flatnonzero(firing), event.event_id, "event", code, event.spec.label)
        cause = (f"event:{event.event_id}", event.spec.label or event.event_id)
        for effect in event.spec.effects:
            apply_effect(effect, model, firing, by, cause)
    for agent in model.actors:
        if agent.spec.outside_option is not None:
            _take_outside_option(model, agent, slot)


def _take_outside_option(model: World, agent: ActorAgent, slot: Slot) -> None:
    """The actor acts alone, with its hazard, in the replicates still negotiating (sim.engine.hazards)."""
    option = agent.spec.outside_option
    assert option is not None and agent.outside_option is not None
    open_now = model.state.active()
    if option.from_round is not None:
        open_now &= _started(option.from_round, model, slot)
    if not open_now.any():
        return
    probability = hazard(agent.outside_option, covariate_values(model, agent))
    taking = open_now & (model.rng.random(model.replicates) < probability)
    status = Status.ESCALATION if option.action == "escalate" else Status.BREAKDOWN
    verb = "acts alone" if option.action == "escalate" else "walks out"
    label = option.label or f"{agent.actor_id} {verb} while the talks go on"
    ended = model.state.end(taking, status, (f"outside_option:{agent.actor_id}", label), agent.index)
    model.log.event(slot, np.flatnonzero(ended), f"outside_option:{agent.actor_id}", "outside_option",
                    agent.index, label)  # fmt: skip


def condition_holds(condition: Condition, model: World, slot: Slot) -> np.ndarray:
    replicates = model.replicates
    if condition.text is not None:
        return _threshold(condition.text, model.state.text, model)
    if condition.position is not None:
        agent = model.agent_by_id[condition.position.actor]
        return _threshold(condition.position, agent.position, model)
    if condition.track is not None:
        track = model.tracks[condition.track.track]
        if condition.track.above is not None:
            return track.value > condition.track.above
        return track.value < condition.track.below
    if condition.utility is not None:
        value = model.agent_by_id[condition.utility.actor].utility_of(model.state.text)
        if condition.utility.above is not None:
            return value > condition.utility.above
        return value < condition.utility.below
    if condition.from_round is not None:
        return np.full(replicates, _started(condition.from_round, model, slot))
    parts = condition.all_of or condition.any_of or condition.none_of or ()
    masks = np.array([condition_holds(part, model, slot) for part in parts]).reshape(len(parts), replicates)
    if condition.all_of is not None:
        return masks.all(axis=0)
    if condition.any_of is not None:
        return masks.any(axis=0)
    return ~masks.any(axis=0)


def _started(round_id: str, model: World, slot: Slot) -> bool:
    """This exchange lies in that round or a later one (file order; rounds after the deadline never start)."""
    return slot.round_number >= list(model.spec.rounds).index(round_id) + 1


def _threshold(threshold: Threshold, values: np.ndarray, model: World) -> np.ndarray:
    issue = model.layout.issue_ids.index(threshold.issue)
    in_units = model.layout.to_units(values)[:, issue]
    if threshold.above is not None:
        return in_units > threshold.above
    return in_units < threshold.below


def apply_effect(
    effect: Effect, model: World, mask: np.ndarray, by: str | None, cause: tuple[str, str]
) -> None:
    """Change a parameter, or end the talks (``cause``: the event id and label), in the masked replicates."""
    if effect.end_talks is not None:
        status = Status.ESCALATION if effect.end_talks == "escalation" else Status.BREAKDOWN
        culprit = effect.actor or by
        model.state.end(mask, status, cause, model.agent_by_id[culprit].index if culprit is not None else -1)
        return
    agent = model.agent_by_id[effect.actor]
    low, high = _LIMITS[effect.param]
    if effect.param in ("position", "salience"):
        issue = model.layout.issue_ids.index(effect.issue)
        array = agent.position if effect.param == "position" else agent.salience
        current = array[mask, issue]
        if effect.param == "position":
            scale = model.layout.high[issue] - model.layout.low[issue]
            offset = model.layout.low[issue]
            current_units = offset + current * scale
            updated = (_operate(effect, current_units) - offset) / scale
        else:
            updated = _operate(effect, current)
        array[mask, issue] = np.clip(updated, low, high)
    else:
        array = getattr(agent, effect.param)
        array[mask] = np.clip(_operate(effect, array[mask]), low, high)
    agent.preferences_changed()


def _operate(effect: Effect, current: np.ndarray) -> np.ndarray:
    if effect.set is not None:
        return np.full_like(current, effect.set)
    if effect.add is not None:
        return current + effect.add
    return current * effect.multiply
