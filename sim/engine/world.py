"""What a mechanism, an event or an agent may see of one batch: the model, as an interface.

The engine's model implements :class:`World`, and protocols implement
:class:`Mechanism`; both are structural (``typing.Protocol``), so the model
never imports a protocol and no module imports its own importer, even for
type checking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # all lower in the engine than this module's users: no cycle
    from sim.engine.agents import ActorAgent
    from sim.engine.calendar import Layout, Slot
    from sim.engine.draws import ParameterDraw
    from sim.engine.log import Recorder
    from sim.engine.state import ScheduledEvent, TalksState
    from sim.engine.tracks import TrackState
    from sim.scenario.schema import Scenario


class World(Protocol):
    rng: np.random.Generator
    spec: Scenario
    replicates: int
    layout: Layout
    draw: ParameterDraw
    state: TalksState
    log: Recorder
    events: list[ScheduledEvent]
    tracks: dict[str, TrackState]
    actors: tuple[ActorAgent, ...]
    principals: tuple[ActorAgent, ...]
    influencers: tuple[ActorAgent, ...]
    agent_by_id: dict[str, ActorAgent]

    def pressers_of(self, principal: ActorAgent) -> list[ActorAgent]: ...

    def utility_on_table(self, agent: ActorAgent) -> np.ndarray: ...


class Mechanism(Protocol):
    """A protocol as the model drives it: one exchange at a time, and a close at the deadline."""

    forecasts: bool

    def exchange(self, world: World, slot: Slot) -> None: ...

    def close(self, world: World, slot: Slot) -> None: ...
