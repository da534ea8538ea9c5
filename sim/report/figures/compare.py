"""Several results folders side by side: outcome shares of simulated replicates and terms, one colour each."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.engine.outcomes import SETTLED
from sim.report.figures.common import TEMPLATE, outcome_shares
from sim.report.plain import plain

# --- comparisons ----------------------------------------------------------------------


def compare_probabilities(named: list[tuple[str, pd.DataFrame, str]], by: str = "scenario") -> go.Figure:
    figure = go.Figure()
    for name, outcomes, colour in named:
        shares = outcome_shares(outcomes)
        figure.add_trace(
            go.Bar(
                x=[s.label for s in shares],
                y=[s.share for s in shares],
                name=plain(name),
                marker_color=colour,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [s.high - s.share for s in shares],
                    "arrayminus": [s.share - s.low for s in shares],
                },
                hovertemplate=f"{plain(name)}: %{{x}} %{{y:.1%}} of simulated replicates<extra></extra>",
            )
        )
    figure.update_layout(
        template=TEMPLATE,
        barmode="group",
        title=f"Outcome shares of simulated replicates by {by},<br>"
        "with 95% Wilson intervals of the simulated share",
        yaxis={"title": "share of simulated replicates", "tickformat": ".0%"},
        xaxis_title="outcome",
    )
    return figure


def compare_terms(
    named: list[tuple[str, pd.DataFrame, str]], issues: dict[str, dict], by: str = "scenario"
) -> go.Figure:
    figure = make_subplots(
        rows=1, cols=len(issues), subplot_titles=[plain(info["label"]) for info in issues.values()]
    )
    for column, (issue_id, info) in enumerate(issues.items(), start=1):
        for name, outcomes, colour in named:
            deals = outcomes.loc[outcomes.outcome.isin(SETTLED), issue_id] if issue_id in outcomes else []
            figure.add_trace(
                go.Histogram(
                    x=deals,
                    name=plain(name),
                    legendgroup=name,
                    showlegend=column == 1,
                    marker_color=colour,
                    opacity=0.6,
                    histnorm="probability",
                    nbinsx=30,
                    hovertemplate=f"{plain(name)}: %{{x}} {plain(info['unit'])}<extra></extra>",
                ),
                row=1,
                col=column,
            )
        figure.update_xaxes(title_text=plain(info["unit"]), row=1, col=column)
    figure.update_yaxes(title_text="share of settled replicates", row=1, col=1)
    figure.update_layout(
        template=TEMPLATE,
        barmode="overlay",
        title=f"Terms by {by}, in each issue's unit (deals, or forecasts of forecasting models)",
    )
    return figure
