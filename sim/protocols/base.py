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
from sim.scenario.protocols import ProtocolSettings

IMPLEMENTATIONS: dict[str, type[Protocol]] = {}
DEADLINE_CAUSE = ("deadline", "the talks' deadline passed with no deal")


class Protocol(ABC):
    """A mechanism: it alone changes the negotiation state, one exchange at a time.

    A concrete protocol names its declaration, ``settings`` (sim.scenario.protocols),
    and takes its name, citation and kind from there; defining the class
    registers it, so the mechanisms and the declarations are one list.
    """

    settings: ClassVar[type[ProtocolSettings]]
    name: ClassVar[str]
    citation: ClassVar[str]
    forecasts: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "settings" in cls.__dict__:
            cls.name = cls.settings.protocol_name()
            cls.citation = cls.settings.citation
            cls.forecasts = cls.settings.forecasts
            IMPLEMENTATIONS[cls.name] = cls

    @abstractmethod
    def exchange(self, world: World, slot: Slot) -> None:
        """Advance every active replicate through one exchange."""

    def close(self, world: World, slot: Slot) -> None:
        """The calendar has run out: talks still open end in stalemate."""
        ended = world.state.end(world.state.active(), Status.STALEMATE, DEADLINE_CAUSE)
        world.log.event(slot, np.flatnonzero(ended), "deadline", "stalemate", -1, "deadline passed")
