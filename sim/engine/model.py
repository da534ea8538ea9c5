"""The negotiation as a Mesa model: R replicates of one scenario advanced in lockstep.

One ``step()`` is one exchange of the calendar. A single run is simply
``replicates=1``: there is no other engine.
"""

from __future__ import annotations

import mesa
import numpy as np
import pyarrow as pa

from sim.engine.agents import ActorAgent, RedLineState
from sim.engine.calendar import Layout, Slot
from sim.engine.draws import draw_parameters
from sim.engine.events import ScheduledEvent, apply_effect
from sim.engine.log import Recorder, RunTables
from sim.engine.outcomes import STATUS_LABELS, Status
from sim.protocols import protocol_named
from sim.scenario.schema import Scenario


class NegotiationModel(mesa.Model):
    """A scenario's actors negotiating over its calendar, for R replicates at once.

    ``seed`` (an int or a ``numpy.random.SeedSequence``) is the only source of
    randomness: it feeds ``Model(rng=...)``, and agents draw from ``model.rng``.
    ``unit_points`` ([R, K] in [0, 1)) samples the K uncertain parameters; without
    it every replicate uses the central values. The scenario is kept as ``spec``:
    Mesa 3.5 reserves ``Model.scenario`` for its own use.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        replicates: int = 1,
        seed: int | np.random.SeedSequence = 0,
        unit_points: np.ndarray | None = None,
        record: bool = True,
    ) -> None:
        sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        super().__init__(rng=np.random.default_rng(sequence))
        if replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {replicates}")
        self.spec = scenario
        self.replicates = replicates
        self.layout = Layout.of(scenario)
        self.draw = draw_parameters(scenario, replicates, unit_points)
        self.actors = [
            ActorAgent(self, actor_id, spec, index, self.draw)
            for index, (actor_id, spec) in enumerate(scenario.actors.items())
        ]
        self.agent_by_id = {agent.actor_id: agent for agent in self.actors}
        self.principals = [a for a in self.actors if a.role == "principal"]
        self.influencers = [a for a in self.actors if a.role == "influencer"]
        self.text = np.tile(self.layout.status_quo, (replicates, 1))
        self.status = np.zeros(replicates, dtype=np.int8)
        self.ended_step = np.zeros(replicates, dtype=np.int16)
        self.ended_by = np.full(replicates, -1, dtype=np.int16)
        self.deal_text = np.full((replicates, len(self.layout.issue_ids)), np.nan)
        self.events = [
            ScheduledEvent(
                event_id,
                spec,
                self.draw[f"events.{event_id}.probability"],
                np.zeros(replicates, dtype=bool),
            )
            for event_id, spec in scenario.events.items()
        ]
        self.recorder = Recorder(self.layout, tuple(a.role for a in self.actors), enabled=record)
        self.signable_range = self._signable_range()
        self.protocol = protocol_named(scenario.protocol.name)
        self.clock = 0  # index of the next slot on the calendar
        self._slot: Slot | None = None

    def _signable_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per replicate and issue ([R, I]), the normalised interval no principal's 'reject' line rules out.

        Red lines are public commitments, so a mediator drafts inside them. Where
        they contradict each other the interval would be empty; the mediator then
        ignores them on that issue and the texts will be refused.
        """
        lower = np.zeros((self.replicates, len(self.layout.issue_ids)))
        upper = np.ones((self.replicates, len(self.layout.issue_ids)))
        for principal in self.principals:
            for line in principal.red_lines:
                if line.spec.action != "reject":
                    continue
                if line.spec.above is not None:
                    upper[:, line.issue_index] = np.minimum(upper[:, line.issue_index], line.threshold)
                else:
                    lower[:, line.issue_index] = np.maximum(lower[:, line.issue_index], line.threshold)
        conflicting = lower > upper
        lower[conflicting], upper[conflicting] = 0.0, 1.0
        return lower, upper

    # --- running ---------------------------------------------------------------------

    def step(self) -> None:
        slot = self.layout.calendar[self.clock]
        self._slot = slot
        self.protocol.exchange(self, slot)
        self.clock += 1
        if self.clock >= self.layout.total_steps:
            self._close_at_deadline(slot)
        if not self.active().any():
            self.running = False

    def run(self) -> RunTables:
        while self.running:
            self.step()
        return self.tables()

    # --- state queries used by protocols and events ------------------------------------

    def active(self) -> np.ndarray:
        return self.status == Status.ACTIVE

    def pressers_of(self, principal: ActorAgent) -> list[ActorAgent]:
        return [k for k in self.influencers if k.spec.presses is None or principal.actor_id in k.spec.presses]

    def utility_on_table(self, agent: ActorAgent) -> np.ndarray:
        """Each replicate's utility of the current text; NaN for actors with no stakes."""
        if not agent.has_stance.any():
            return np.full(self.replicates, np.nan)
        return agent.utility_of(self.text)

    # --- state changes -----------------------------------------------------------------

    def end_talks(self, mask: np.ndarray, status: Status, by: str | None) -> np.ndarray:
        """End the talks in the still-active masked replicates; returns which ended."""
        ending = mask & self.active()
        self.status[ending] = status
        self.ended_step[ending] = self._slot.step if self._slot else 0
        if by is not None:
            self.ended_by[ending] = self.agent_by_id[by].index
        return ending

    def fire_events(self, slot: Slot) -> None:
        for event in self.events:
            due = event.due(self, slot, self.active())
            if not due.any():
                continue
            event.fired |= due
            by = next((e.actor for e in event.spec.effects if e.actor), None)
            self.recorder.event(
                slot, np.flatnonzero(due), event.event_id, "event", self._code(by), event.spec.label
            )
            for effect in event.spec.effects:
                apply_effect(effect, self, due, by)

    def conclude(self, agreed: np.ndarray, slot: Slot) -> None:
        """All principals accepted: a deal, unless someone's red line fires on it."""
        remaining = agreed.copy()
        for agent in self.actors:
            for line in agent.red_lines:
                if line.spec.trigger != "deal" or line.spec.action == "reject":
                    continue
                remaining &= ~self._fire_red_line(agent, line, remaining, slot)
        self.deal_text[remaining] = self.text[remaining]
        self.end_talks(remaining, Status.DEAL, None)
        self.recorder.event(slot, np.flatnonzero(remaining), "deal", "deal", -1, "all principals accepted")

    def fire_text_red_lines(self, slot: Slot) -> None:
        for agent in self.actors:
            for line in agent.red_lines:
                if line.spec.trigger == "text" and line.spec.action != "reject":
                    self._fire_red_line(agent, line, self.active(), slot)

    def _fire_red_line(
        self, agent: ActorAgent, line: RedLineState, candidates: np.ndarray, slot: Slot
    ) -> np.ndarray:
        crossed = candidates & line.crossed_by(self.text)
        if not crossed.any():
            return crossed
        fires = crossed & (self.rng.random(self.replicates) < line.probability)
        status = Status.ESCALATION if line.spec.action == "escalate" else Status.BREAKDOWN
        ended = self.end_talks(fires, status, agent.actor_id)
        detail = f"{line.spec.describe}: {line.spec.action}"
        self.recorder.event(
            slot, np.flatnonzero(ended), f"red_line:{agent.actor_id}", "red_line", agent.index, detail
        )
        return ended

    def walk_outs(self, slot: Slot) -> None:
        """A principal with its own deadline leaves when that deadline passes without a deal."""
        for principal in self.principals:
            if principal.spec.deadline is None or slot.step != principal.deadline_step:
                continue
            if principal.spec.deadline not in self.spec.round_ids:  # after the talks' own deadline
                continue
            leaving = self.active()
            ended = self.end_talks(leaving, Status.BREAKDOWN, principal.actor_id)
            self.recorder.event(
                slot,
                np.flatnonzero(ended),
                f"walk_out:{principal.actor_id}",
                "walk_out",
                principal.index,
                f"its deadline (end of round {principal.spec.deadline}) passed without a deal",
            )

    def _close_at_deadline(self, slot: Slot) -> None:
        """Open talks end in stalemate; a forecasting model's run ends with its forecast."""
        if self.protocol.forecasts:
            still = self.active()
            self.deal_text[still] = self.text[still]
            ended = self.end_talks(still, Status.FORECAST, None)
            self.recorder.event(slot, np.flatnonzero(ended), "forecast", "forecast", -1, "final forecast")
            return
        ended = self.end_talks(self.active(), Status.STALEMATE, None)
        self.recorder.event(slot, np.flatnonzero(ended), "deadline", "stalemate", -1, "deadline passed")

    def _code(self, actor_id: str | None) -> int:
        return self.agent_by_id[actor_id].index if actor_id is not None else -1

    # --- results -------------------------------------------------------------------

    def tables(self) -> RunTables:
        round_ids = self.spec.round_ids
        samples = None
        if self.draw.sampled:
            samples = pa.table(
                {"replicate": pa.array(np.arange(self.replicates, dtype=np.int32))}
                | {key: pa.array(self.draw[key]) for key in self.draw.sampled}
            )
        return RunTables(
            rounds=self.recorder.rounds_table(round_ids),
            texts=self.recorder.texts_table(round_ids),
            events=self.recorder.events_table(round_ids),
            outcomes=self.outcomes_table(),
            samples=samples,
        )

    def outcomes_table(self) -> pa.Table:
        calendar = self.layout.calendar
        round_number = np.array([0] + [slot.round_number for slot in calendar], dtype=np.int16)
        ended = self.ended_step.astype(np.int64)
        dealt = (self.status == Status.DEAL) | (self.status == Status.FORECAST)
        terms = self.layout.to_units(self.deal_text)
        columns: dict[str, pa.Array] = {
            "replicate": pa.array(np.arange(self.replicates, dtype=np.int32)),
            "outcome": pa.DictionaryArray.from_arrays(
                pa.array(self.status.astype(np.int32)), pa.array(list(STATUS_LABELS))
            ),
            "round": pa.array(round_number[ended]),
            "round_id": pa.DictionaryArray.from_arrays(
                pa.array(np.maximum(round_number[ended] - 1, 0).astype(np.int32)),
                pa.array(list(self.spec.round_ids)),
            ),
            "exchanges": pa.array(self.ended_step),
            "by": pa.DictionaryArray.from_arrays(
                pa.array((self.ended_by + 1).astype(np.int32)),
                pa.array(["", *self.layout.actor_ids]),
            ),
        }
        for i, issue_id in enumerate(self.layout.issue_ids):
            columns[issue_id] = pa.array(terms[:, i])
        for agent in self.actors:
            if agent.has_stance.any():
                welfare = np.where(
                    dealt, agent.utility_of(np.nan_to_num(self.deal_text), welfare=True), agent.reservation
                )
            else:
                welfare = np.full(self.replicates, np.nan)
            columns[f"utility_{agent.actor_id}"] = pa.array(welfare)
        return pa.table(columns)
