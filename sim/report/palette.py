"""Colours that mean the same thing in every figure.

Actors take the Okabe-Ito colour-blind-safe palette in the order the scenario
lists them, so the United States is the same blue in every chart of a report
(and of every report on the same scenario). Outcome classes and compared
scenarios have palettes of their own.
"""

from __future__ import annotations

OKABE_ITO = (
    "#0072B2",
    "#009E73",
    "#56B4E9",
    "#E69F00",
    "#CC79A7",
    "#999999",
    "#D55E00",
    "#F0E442",
    "#000000",
)
OUTCOME_COLOURS = {
    "deal": "#009E73",
    "stalemate": "#999999",
    "breakdown": "#E69F00",
    "escalation": "#D55E00",
    "forecast": "#0072B2",
}
SCENARIO_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def actor_colours(actor_ids: list[str]) -> dict[str, str]:
    return {actor: OKABE_ITO[index % len(OKABE_ITO)] for index, actor in enumerate(actor_ids)}


def scenario_colour(index: int) -> str:
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def translucent(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
