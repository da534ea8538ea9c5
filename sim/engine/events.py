"""Scheduled, conditional and random shocks, evaluated per replicate.

Conditions are data (see ``Condition`` in the schema), interpreted here into
boolean masks over replicates; nothing a user writes is ever evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.calendar import Slot
from sim.engine.outcomes import Status
from sim.scenario.schema import Condition, Effect, Event, Threshold

if TYPE_CHECKING:
    from sim.engine.model import NegotiationModel

_LIMITS = {
    "capability": (0.0, 1.0),
    "patience": (0.0, 1.0),
    "reservation": (0.0, 1.0),
    "salience": (0.0, 1.0),
    "risk": (-1.0, 1.0),
    "position": (0.0, 1.0),  # normalised
}


@dataclass
class ScheduledEvent:
    event_id: str
    spec: Event
    probability: np.ndarray  # [R]
    fired: np.ndarray  # bool [R]

    def due(self, model: NegotiationModel, slot: Slot, active: np.ndarray) -> np.ndarray:
        """Replicates in which this event fires now -> bool [R]."""
        due = active.copy()
        if not self.spec.repeat:
            due &= ~self.fired
        if self.spec.at is not None:
            on_time = self.spec.at.round == slot.round_id and self.spec.at.exchange == slot.exchange
            if not on_time:
                return np.zeros_like(due)
        if self.spec.when is not None:
            due &= condition_holds(self.spec.when, model, slot)
        if not due.any():
            return due
        draws = model.rng.random(len(due))
        return due & (draws < self.probability)


def condition_holds(condition: Condition, model: NegotiationModel, slot: Slot) -> np.ndarray:
    replicates = model.replicates
    if condition.text is not None:
        return _threshold(condition.text, model.text, model)
    if condition.position is not None:
        agent = model.agent_by_id[condition.position.actor]
        return _threshold(condition.position, agent.position, model)
    if condition.utility is not None:
        value = model.agent_by_id[condition.utility.actor].utility_of(model.text)
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


def _threshold(threshold: Threshold, values: np.ndarray, model: NegotiationModel) -> np.ndarray:
    issue = model.layout.issue_ids.index(threshold.issue)
    in_units = model.layout.to_units(values)[:, issue]
    if threshold.above is not None:
        return in_units > threshold.above
    return in_units < threshold.below


def apply_effect(effect: Effect, model: NegotiationModel, mask: np.ndarray, by: str) -> None:
    """Change a parameter, or end the talks, in the masked replicates."""
    if effect.end_talks is not None:
        status = Status.ESCALATION if effect.end_talks == "escalation" else Status.BREAKDOWN
        culprit = effect.actor or by
        model.end_talks(mask, status, culprit)
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
        return
    array = getattr(agent, effect.param)
    array[mask] = np.clip(_operate(effect, array[mask]), low, high)


def _operate(effect: Effect, current: np.ndarray) -> np.ndarray:
    if effect.set is not None:
        return np.full_like(current, effect.set)
    if effect.add is not None:
        return current + effect.add
    return current * effect.multiply
