"""The small interface every bargaining protocol implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from sim.engine.calendar import Slot

if TYPE_CHECKING:
    from sim.engine.model import NegotiationModel


class Protocol(ABC):
    """A mechanism: it alone changes the negotiation state, one exchange at a time."""

    name: ClassVar[str]
    citation: ClassVar[str]
    forecasts: ClassVar[bool] = False  # True: predicts the group decision instead of simulating signatures

    @abstractmethod
    def exchange(self, model: NegotiationModel, slot: Slot) -> None:
        """Advance every active replicate of ``model`` through one exchange."""
