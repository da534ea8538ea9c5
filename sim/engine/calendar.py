"""The fixed shape of a negotiation: issue scales and the calendar of exchanges.

These do not vary between replicates, so they live outside the per-replicate
arrays: every replicate walks the same calendar, and a replicate that has
finished simply stops being updated and logged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Slot:
    """One exchange on the calendar (all numbers 1-based, as people count them)."""

    step: int
    round_number: int
    round_id: str
    exchange: int


@dataclass(frozen=True)
class Layout:
    issue_ids: tuple[str, ...]
    actor_ids: tuple[str, ...]
    low: np.ndarray  # [I]
    high: np.ndarray  # [I]
    status_quo: np.ndarray  # [I], normalised
    calendar: tuple[Slot, ...]
    agendas: dict[str, np.ndarray]  # round id -> bool [I]
    round_end_steps: dict[str, int]  # every round in the file, including any past the deadline

    @classmethod
    def of(cls, scenario: Scenario) -> Layout:
        issue_ids = scenario.issue_ids
        low = np.array([scenario.issues[i].bounds[0] for i in issue_ids], dtype=float)
        high = np.array([scenario.issues[i].bounds[1] for i in issue_ids], dtype=float)
        raw_status_quo = np.array([scenario.issues[i].status_quo for i in issue_ids], dtype=float)
        calendar = []
        for number, round_id in enumerate(scenario.round_ids, start=1):
            for exchange in range(1, scenario.rounds[round_id].exchanges + 1):
                calendar.append(Slot(len(calendar) + 1, number, round_id, exchange))
        agendas = {
            round_id: np.isin(np.array(issue_ids), scenario.rounds[round_id].agenda)
            for round_id in scenario.round_ids
        }
        ends = np.cumsum([scenario.rounds[r].exchanges for r in scenario.rounds])
        round_end_steps = {r: int(end) for r, end in zip(scenario.rounds, ends, strict=True)}
        return cls(
            issue_ids=issue_ids,
            actor_ids=scenario.actor_ids,
            low=low,
            high=high,
            status_quo=(raw_status_quo - low) / (high - low),
            calendar=tuple(calendar),
            agendas=agendas,
            round_end_steps=round_end_steps,
        )

    @property
    def total_steps(self) -> int:
        return len(self.calendar)

    def end_step_of(self, round_id: str) -> int:
        """The last step of a round, counting on past the deadline if the round lies beyond it."""
        return self.round_end_steps[round_id]

    def normalise(self, values: np.ndarray, issue: int) -> np.ndarray:
        return (np.asarray(values, dtype=float) - self.low[issue]) / (self.high[issue] - self.low[issue])

    def to_units(self, normalised: np.ndarray) -> np.ndarray:
        """Normalised [..., I] back to each issue's real unit."""
        return self.low + normalised * (self.high - self.low)
