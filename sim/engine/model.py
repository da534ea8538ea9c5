"""The negotiation as a Mesa model: a thin shell around R replicates advanced in lockstep.

The model keeps time (Mesa's own ``steps``: one step is one exchange of the
calendar), randomness (Mesa's ``rng``, from one seed), the agents (Mesa's
``agents``), the talks' state and the log. The mechanism is the protocol's:
``step()`` hands it the exchange, and the protocol applies its rules to
``state`` while agents only answer. A single run is simply ``replicates=1``:
there is no other engine.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.engine.agents import ActorAgent
from sim.engine.calendar import Layout
from sim.engine.draws import draw_parameters
from sim.engine.log import Recorder, RunTables, outcomes_table, samples_table
from sim.engine.state import ScheduledEvent, TalksState
from sim.engine.tracks import TrackState
from sim.engine.world import Mechanism
from sim.scenario.schema import Scenario


class NegotiationModel(mesa.Model):
    """A scenario's actors negotiating over its calendar under ``protocol``, for R replicates at once.

    ``seed`` (an int or a ``numpy.random.SeedSequence``) is the only source of
    randomness: it feeds ``Model(rng=...)``, and agents and the protocol draw
    from ``model.rng``. ``unit_points`` ([R, K] in [0, 1)) samples the K
    uncertain parameters; without it every replicate uses the central values.
    The scenario is kept as ``spec``: Mesa 3.5 reserves ``Model.scenario``.
    """

    def __init__(
        self,
        scenario: Scenario,
        protocol: Mechanism,
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
        for index, (actor_id, spec) in enumerate(scenario.actors.items()):
            ActorAgent(self, actor_id, spec, index, self.draw, self.layout)
        # views of Mesa's agent set, in the scenario's order (an agent's index is its column in the logs)
        self.actors: tuple[ActorAgent, ...] = tuple(self.agents)
        self.principals = tuple(a for a in self.actors if a.role == "principal")
        self.influencers = tuple(a for a in self.actors if a.role == "influencer")
        self.agent_by_id = {agent.actor_id: agent for agent in self.actors}
        self._known_deadlines()
        self.tracks = {
            track_id: TrackState(track_id, actor_id, track, drawn.initial.copy(), drawn.rate)
            for actor_id, actor in scenario.actors.items()
            for (track_id, track), drawn in zip(
                actor.tracks.items(), self.draw.actors[actor_id].tracks.values(), strict=True
            )
        }
        self.state = TalksState.opening(self.layout.status_quo, replicates)
        self.events = [
            ScheduledEvent(event_id, spec, self.draw.events[event_id], np.zeros(replicates, dtype=bool))
            for event_id, spec in scenario.events.items()
        ]
        roles = tuple(a.role for a in self.actors)
        self.log = Recorder(self.layout, roles, enabled=record, tracks=self.tracks)
        self.protocol = protocol

    def _known_deadlines(self) -> None:
        """Each principal's concession clock runs to the earliest deadline it believes: its own, or another's.

        A counterpart's deadline that it knows and believes is a deadline for the
        talks as a whole, so concessions bunch before it (the deadline effect:
        Roth, Murnighan & Schoumaker 1988). Whether the other principals believe
        an actor's deadline is drawn once per replicate, with probability
        ``deadline_believed`` (docs/model.md section 4).
        """
        for holder in self.principals:
            believed = self.draw.actors[holder.actor_id].deadline_believed
            if believed is None or not believed.any():
                continue
            taken = self.rng.random(self.replicates) < believed
            for principal in self.principals:
                if principal is not holder:
                    earlier = np.minimum(principal.concession_step, holder.deadline_step)
                    principal.concession_step = np.where(taken, earlier, principal.concession_step)

    # --- time ------------------------------------------------------------------------

    def step(self) -> None:
        slot = self.layout.calendar[self.steps - 1]  # Mesa counts steps from 1
        self.state.step = slot.step
        self.protocol.exchange(self, slot)
        if slot.step == self.layout.total_steps:
            self.protocol.close(self, slot)
        if not self.state.active().any():
            self.running = False

    def run(self) -> RunTables:
        while self.running:
            self.step()
        return self.tables()

    # --- what protocols and events ask of the batch -----------------------------------

    def pressers_of(self, principal: ActorAgent) -> list[ActorAgent]:
        return [k for k in self.influencers if k.spec.presses is None or principal.actor_id in k.spec.presses]

    def utility_on_table(self, agent: ActorAgent) -> np.ndarray:
        """Each replicate's utility of the current text; NaN for actors with no stakes."""
        if not agent.has_stance.any():
            return np.full(self.replicates, np.nan)
        return agent.utility_of(self.state.text)

    # --- results -------------------------------------------------------------------

    def tables(self) -> RunTables:
        round_ids = self.spec.round_ids
        return RunTables(
            rounds=self.log.rounds_table(round_ids),
            texts=self.log.texts_table(round_ids),
            events=self.log.events_table(round_ids),
            outcomes=outcomes_table(self.state, self.layout, self.actors, round_ids),
            samples=samples_table(self.draw),
        )

    def release(self) -> None:
        """Let go of this model once its tables are out; it cannot be used afterwards.

        Two things would otherwise keep a finished batch's arrays alive in a
        worker that runs batch after batch:
        - Mesa 3.3 keeps every model in the class-level ``Agent._ids`` (Mesa
          issue #3179, fixed in 3.4); the entry is dropped.
        - Mesa stores its wrapped ``step`` on the instance, so every model is a
          reference cycle that only Python's cyclic collector frees. A worker
          allocates few Python objects between batches, so that collector can
          wait many batches while each dead model holds its replicate arrays
          (a 30-actor, 600-exchange sweep grew ~60 MB per batch). The agents are
          removed and the model's attributes dropped, so the arrays go now.
        """
        registry = getattr(mesa.Agent, "_ids", None)
        if isinstance(registry, dict):
            registry.pop(self, None)
        for agent in list(self.agents):
            agent.remove()
        vars(self).clear()
