"""Where the talks stand in every replicate: owned by the model, changed only by the protocol.

NegMAS's lesson: the mechanism alone changes the state, and everyone else sees
it. ``TalksState`` is that state for R replicates at once. A protocol (or an
event it fires) ends talks through :meth:`TalksState.end`, which stamps the
exchange under way, so nothing needs to know the calendar slot behind the scenes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.outcomes import Status
from sim.scenario.schema import Event


@dataclass
class TalksState:
    text: np.ndarray  # [R, I] the text on the table, normalised
    status: np.ndarray  # [R] int8 Status codes
    ended_step: np.ndarray  # [R] int16: the exchange at which the talks ended (0 while open)
    ended_by: np.ndarray  # [R] int16: the actor who ended them, -1 for nobody in particular
    settled_text: np.ndarray  # [R, I] the terms of a deal or a forecast, NaN otherwise
    signed: np.ndarray  # [R] bool: every principal signed one text before the talks ended
    cause: np.ndarray  # [R] int16: what ended the talks, an index into ``causes`` (-1 while open)
    causes: list[tuple[str, str]]  # (cause id, human label), in the order first met
    step: int = 0  # the exchange under way, 1-based; 0 before the first

    @classmethod
    def opening(cls, status_quo: np.ndarray, replicates: int) -> TalksState:
        """Talks about to open: the status quo on the table in every replicate."""
        issues = len(status_quo)
        return cls(
            text=np.tile(status_quo, (replicates, 1)),
            status=np.zeros(replicates, dtype=np.int8),
            ended_step=np.zeros(replicates, dtype=np.int16),
            ended_by=np.full(replicates, -1, dtype=np.int16),
            settled_text=np.full((replicates, issues), np.nan),
            signed=np.zeros(replicates, dtype=bool),
            cause=np.full(replicates, -1, dtype=np.int16),
            causes=[],
        )

    @property
    def replicates(self) -> int:
        return len(self.status)

    def active(self) -> np.ndarray:
        return self.status == Status.ACTIVE

    def end(self, mask: np.ndarray, status: Status, cause: tuple[str, str], by: int = -1) -> np.ndarray:
        """End the talks in the masked replicates still open, at this exchange; returns which ended.

        ``cause`` is (id, label): what ended them, e.g. ("red_line:Israel:0",
        "Israel's red line: enrichment above 0 (escalate)"), so that every
        replicate's outcome can be traced to the rule, event or actor behind it.
        """
        ending = mask & self.active()
        if not ending.any():
            return ending
        self.status[ending] = status
        self.ended_step[ending] = self.step
        if by >= 0:
            self.ended_by[ending] = by
        if cause not in self.causes:
            self.causes.append(cause)
        self.cause[ending] = self.causes.index(cause)
        return ending

    def sign(self, mask: np.ndarray) -> None:
        """Every principal accepted the text on the table in these replicates (a red line may still fire)."""
        self.signed |= mask & self.active()

    def settle(self, mask: np.ndarray, status: Status, cause: tuple[str, str]) -> np.ndarray:
        """End with the text on the table as the terms (a deal, or a forecasting model's forecast)."""
        ending = mask & self.active()
        self.settled_text[ending] = self.text[ending]
        return self.end(ending, status, cause)


@dataclass
class ScheduledEvent:
    """A scenario event with its per-replicate probability and whether it has fired yet."""

    event_id: str
    spec: Event
    probability: np.ndarray  # [R]
    fired: np.ndarray  # bool [R]

    @property
    def actor(self) -> str | None:
        """Who an event is attributed to: the first actor its effects name."""
        return next((e.actor for e in self.spec.effects if e.actor), None)
