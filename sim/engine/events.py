"""Scheduled, conditional and random shocks, evaluated per replicate.

Conditions are data (see ``Condition`` in the schema), interpreted here into
boolean masks over replicates; nothing a user writes is ever evaluated as code.
"""

from __future__ import annotations

import numpy as np

from sim.engine.calendar import Slot
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
    """Every event due at this exchange fires in the replicates still negotiating, in file order.

    A rule shared by every protocol: the world's shocks strike whatever the
    mechanism. Each firing is logged, then its effects act on the agents or,
    for ``end_talks``, on the talks' state.
    """
    state = model.state
    for event in model.events:
        firing = due(event, model, slot, state.active())
        if not firing.any():
            continue
        event.fired |= firing
        by = event.actor
        code = model.agent_by_id[by].index if by is not None else -1
        model.log.event(slot, np.flatnonzero(firing), event.event_id, "event", code, event.spec.label)
        for effect in event.spec.effects:
            apply_effect(effect, model, firing, by)


def condition_holds(condition: Condition, model: World, slot: Slot) -> np.ndarray:
    replicates = model.replicates
    if condition.text is not None:
        return _threshold(condition.text, model.state.text, model)
    if condition.position is not None:
        agent = model.agent_by_id[condition.position.actor]
        return _threshold(condition.position, agent.position, model)
    if condition.utility is not None:
        value = model.agent_by_id[condition.utility.actor].utility_of(model.state.text)
        if condition.utility.above is not None:
            return value > condition.utility.above
        return value < condition.utility.below
    if condition.from_round is not None:
        order = list(model.spec.rounds)  # file order: a round after the deadline never starts
        started = slot.round_number >= order.index(condition.from_round) + 1
        return np.full(replicates, started)
    parts = condition.all_of or condition.any_of or condition.none_of or ()
    masks = np.array([condition_holds(part, model, slot) for part in parts]).reshape(len(parts), replicates)
    if condition.all_of is not None:
        return masks.all(axis=0)
    if condition.any_of is not None:
        return masks.any(axis=0)
    return ~masks.any(axis=0)


def _threshold(threshold: Threshold, values: np.ndarray, model: World) -> np.ndarray:
    issue = model.layout.issue_ids.index(threshold.issue)
    in_units = model.layout.to_units(values)[:, issue]
    if threshold.above is not None:
        return in_units > threshold.above
    return in_units < threshold.below


def apply_effect(effect: Effect, model: World, mask: np.ndarray, by: str) -> None:
    """Change a parameter, or end the talks, in the masked replicates."""
    if effect.end_talks is not None:
        status = Status.ESCALATION if effect.end_talks == "escalation" else Status.BREAKDOWN
        culprit = effect.actor or by
        model.state.end(mask, status, model.agent_by_id[culprit].index if culprit is not None else -1)
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
