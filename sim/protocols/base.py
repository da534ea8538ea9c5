"""The interface every bargaining protocol implements: the mechanism, in one home.

A protocol owns its rules. It reads the batch through the engine's ``World``
view (the agents, the draws, the calendar) and changes only the talks' state
(``world.state``) and the agents' own state, applying what the agents answer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from sim.engine.calendar import Slot
from sim.engine.outcomes import Status
from sim.engine.world import World


class Protocol(ABC):
    """A mechanism: it alone changes the negotiation state, one exchange at a time."""

    name: ClassVar[str]
    citation: ClassVar[str]
    forecasts: ClassVar[bool] = False  # True: predicts the group decision instead of simulating signatures

    @abstractmethod
    def exchange(self, world: World, slot: Slot) -> None:
        """Advance every active replicate through one exchange."""

    def close(self, world: World, slot: Slot) -> None:
        """The calendar has run out: talks still open end in stalemate."""
        ended = world.state.end(world.state.active(), Status.STALEMATE)
        world.log.event(slot, np.flatnonzero(ended), "deadline", "stalemate", -1, "deadline passed")
