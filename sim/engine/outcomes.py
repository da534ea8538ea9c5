"""How a replicate's talks ended."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Per-replicate status codes; everything but ACTIVE is final.

    DEAL: every principal accepted the same text and no red line then fired.
    STALEMATE: the deadline passed with talks still open.
    BREAKDOWN: the talks collapsed without force: a principal's deadline passed, a
        principal's walk_out red line fired, or an event ended them as a breakdown.
    ESCALATION: an actor took its outside option by force (e.g. a strike).
    FORECAST: a forecasting model (expected utility, compromise, median, Nash) reached
        the end of the calendar; its terms are the forecast, not a signed text.
    """

    ACTIVE = 0
    DEAL = 1
    STALEMATE = 2
    BREAKDOWN = 3
    ESCALATION = 4
    FORECAST = 5

    @property
    def label(self) -> str:
        return self.name.lower()


# Codes index this tuple directly; "active" appears only in tables read before a run ends.
STATUS_LABELS = tuple(status.label for status in Status)
OUTCOME_LABELS = STATUS_LABELS[1:]
SETTLED = ("deal", "forecast")  # outcomes whose terms say what was decided


def share_meaning(sampled: bool) -> str:
    """What an outcome share is: a count of simulated replicates, not a probability of the world.

    Every place that prints or draws a share says so in these words, so that nobody reads a model's
    output under coded inputs as a forecast of what will happen. Without sampling every replicate
    runs at the inputs' central values, and only the dynamics vary.
    """
    inputs = "under the coded input ranges" if sampled else "at the coded central input values"
    return f"share of simulated replicates {inputs}"
