"""How the talks end: outcome shares of the simulated replicates, and when they end."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.engine.outcomes import OUTCOME_LABELS
from sim.report.figures.common import TEMPLATE, outcome_shares, round_guides
from sim.report.palette import OUTCOME_COLOURS
from sim.report.plain import plain
from sim.store.results import Results


def wrap_title(text: str, width: int = 36) -> str:
    """Text, shown verbatim, broken into lines of at most ``width`` characters for an axis or a legend."""
    return "<br>".join(plain(line) for line in textwrap.wrap(text, width)) or plain(text)


def outcome_probabilities(
    outcomes: pd.DataFrame, title_suffix: str = "", meaning: str = "share of simulated replicates"
) -> go.Figure:
    """Each outcome's share of the simulated replicates: a property of the model under its coded inputs,
    which ``meaning`` spells out on the axis, and not a probability of the world."""
    shares = outcome_shares(outcomes)
    figure = go.Figure(
        go.Bar(
            x=[s.label for s in shares],
            y=[s.share for s in shares],
            marker_color=[OUTCOME_COLOURS[s.label] for s in shares],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [s.high - s.share for s in shares],
                "arrayminus": [s.share - s.low for s in shares],
            },
            text=[f"{s.share:.1%}" for s in shares],
            textposition="outside",
            customdata=[[s.count, s.total, s.low, s.high] for s in shares],
            hovertemplate="%{x}: %{y:.1%} of simulated replicates (%{customdata[0]} of %{customdata[1]})"
            "<br>95% Wilson interval of the simulated share %{customdata[2]:.1%} to %{customdata[3]:.1%}"
            "<extra></extra>",
        )
    )
    figure.update_layout(
        template=TEMPLATE,
        title=f"How the talks end{title_suffix}: share of simulated replicates in each outcome,<br>"
        "with 95% Wilson intervals of the simulated share",
        yaxis={"title": wrap_title(meaning), "tickformat": ".0%", "range": [0, 1.05]},
        xaxis_title="outcome",
    )
    return figure


def rounds_ecdf(outcomes: pd.DataFrame, results: Results) -> go.Figure:
    figure = go.Figure()
    for label in OUTCOME_LABELS:
        ended = np.sort(outcomes.loc[outcomes.outcome == label, "exchanges"].to_numpy())
        if len(ended) == 0:
            continue
        figure.add_trace(
            go.Scatter(
                x=ended,
                y=np.arange(1, len(ended) + 1) / len(outcomes),
                mode="lines",
                line={"shape": "hv", "color": OUTCOME_COLOURS[label], "width": 2},
                name=label,
                hovertemplate=f"{label} by exchange %{{x}}: %{{y:.1%}} of all replicates<extra></extra>",
            )
        )
    round_guides(figure, results)
    figure.update_layout(
        template=TEMPLATE,
        title="When the talks end: cumulative share of replicates ended by each exchange, by outcome",
        xaxis_title="exchange (counted across rounds)",
        yaxis={"title": "cumulative share of replicates", "tickformat": ".0%"},
    )
    return figure
