"""Where the actors stand: fan charts across replicates, and one run exchange by exchange."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.report.figures.common import TEMPLATE, finish_issue_panels, issue_panels, round_guides
from sim.report.palette import actor_colours, translucent
from sim.report.plain import plain
from sim.scenario.protocols import FORECASTING_PROTOCOLS
from sim.store.results import Results


def position_fans(rounds: pd.DataFrame, results: Results) -> go.Figure:
    """Median, 50 % and 90 % bands of each actor's position on each issue, over the exchanges."""
    issues = list(results.issues)
    colours = actor_colours(list(results.actors))
    figure = issue_panels(results)
    quantiles = (0.05, 0.25, 0.5, 0.75, 0.95)
    for row, issue_id in enumerate(issues, start=1):
        column = f"position_{issue_id}"
        for actor in results.actors:
            mine = rounds.loc[rounds.actor == actor, ["step", column]].dropna()
            if mine.empty:
                continue
            bands = mine.groupby("step")[column].quantile(quantiles).unstack()
            steps = bands.index.to_numpy()
            colour = colours[actor]
            for low, high, alpha in ((0.05, 0.95, 0.12), (0.25, 0.75, 0.25)):
                figure.add_trace(
                    go.Scatter(
                        x=np.concatenate([steps, steps[::-1]]),
                        y=np.concatenate([bands[low].to_numpy(), bands[high].to_numpy()[::-1]]),
                        fill="toself",
                        fillcolor=translucent(colour, alpha),
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=actor,
                        name=f"{actor} {int(low * 100)}-{int(high * 100)}%",
                    ),
                    row=row,
                    col=1,
                )
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=bands[0.5],
                    mode="lines",
                    line={"color": colour, "width": 2},
                    name=actor,
                    legendgroup=actor,
                    showlegend=row == 1,
                    hovertemplate=f"{actor}, exchange %{{x}}: median %{{y:.3g}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    return finish_issue_panels(
        figure,
        results,
        "Positions over the talks: median with 50% and 90% bands, among replicates still negotiating",
        header=120,
    )


# --- a single run -----------------------------------------------------------------------


def run_positions(
    rounds: pd.DataFrame, texts: pd.DataFrame, events: pd.DataFrame, results: Results
) -> go.Figure:
    """Each actor's position, the text on the table (or the forecast), accept/reject marks and events.

    A forecasting model's moves are not marked here: one label per move piles up into an
    unreadable stack, so they are counted in their own figure (figures.moves.who_moved).
    """
    issues = list(results.issues)
    forecasting = results.manifest.get("protocol") in FORECASTING_PROTOCOLS
    dashed = "the forecast" if forecasting else "text on the table"
    colours = actor_colours(list(results.actors))
    figure = issue_panels(results)
    for row, issue_id in enumerate(issues, start=1):
        column = f"position_{issue_id}"
        for actor in results.actors:
            mine = rounds[rounds.actor == actor].dropna(subset=[column])
            if mine.empty:
                continue
            figure.add_trace(
                go.Scatter(
                    x=mine.step,
                    y=mine[column],
                    mode="lines+markers",
                    name=actor,
                    legendgroup=actor,
                    showlegend=row == 1,
                    line={"color": colours[actor], "width": 2},
                    marker={"size": 5},
                    hovertemplate=f"{actor}, exchange %{{x}}: position %{{y:.3g}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        figure.add_trace(
            go.Scatter(
                x=texts.step,
                y=texts[issue_id],
                mode="lines",
                name=dashed,
                legendgroup="text",
                showlegend=row == 1,
                line={"color": "#222222", "width": 3, "dash": "dash"},
                customdata=texts.proposer,
                hovertemplate="exchange %{x}: the model forecasts %{y:.3g}<extra></extra>"
                if forecasting
                else "exchange %{x}: %{customdata} puts %{y:.3g}<extra></extra>",
            ),
            row=row,
            col=1,
        )
        responses = rounds[rounds.response.isin(["accept", "reject"])].merge(
            texts[["step", issue_id]], on="step"
        )
        for verdict, symbol, colour in (("accept", "circle", "#009E73"), ("reject", "x", "#D55E00")):
            marked = responses[responses.response == verdict]
            figure.add_trace(
                go.Scatter(
                    x=marked.step,
                    y=marked[issue_id],
                    mode="markers",
                    name=f"{verdict}s the text",
                    legendgroup=verdict,
                    showlegend=row == 1,
                    marker={
                        "symbol": symbol,
                        "size": 11,
                        "color": colour,
                        "line": {"width": 1, "color": "white"},
                    },
                    customdata=marked.actor,
                    hovertemplate=f"%{{customdata}} {verdict}s at exchange %{{x}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    _event_marks(figure, events[events.kind != "move"])
    finish_issue_panels(
        figure,
        results,
        "The model, exchange by exchange: positions, its forecast and events"
        if forecasting
        else "The talks, exchange by exchange: positions, the text on the table, responses and events",
        header=140,
    )
    legend = 30 * (len(results.actors) + 3) + 160  # every actor's legend entry must fit beside the panels
    return figure.update_layout(height=max(figure.layout.height, legend))


def _event_marks(figure: go.Figure, events: pd.DataFrame) -> None:
    for row in events.itertuples():
        label = row.detail if row.kind == "event" else f"{row.kind.replace('_', ' ')}: {row.detail}"
        who = f" ({row.actor})" if row.actor else ""
        figure.add_vline(
            x=row.step, line_dash="dot", line_color="#D55E00" if row.kind != "deal" else "#009E73"
        )
        figure.add_annotation(
            x=row.step,
            y=1.02,
            yref="paper",
            text=plain(f"{label}{who}"),
            showarrow=False,
            textangle=-20,
            xanchor="left",
            font={"size": 10, "color": "#444444"},
        )


def run_utilities(rounds: pd.DataFrame, results: Results) -> go.Figure:
    """Why each principal said yes or no: the text's worth to it against its falling aspiration."""
    colours = actor_colours(list(results.actors))
    principals = [a for a, info in results.actors.items() if info["role"] == "principal"]
    figure = go.Figure()
    for actor in principals:
        mine = rounds[rounds.actor == actor]
        figure.add_trace(
            go.Scatter(
                x=mine.step,
                y=mine.utility,
                mode="lines+markers",
                name=f"{actor}: worth of the text",
                line={"color": colours[actor], "width": 2},
                hovertemplate=f"{actor}, exchange %{{x}}: the text is worth %{{y:.2f}}<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=mine.step,
                y=mine.aspiration,
                mode="lines",
                name=f"{actor}: aspiration",
                line={"color": colours[actor], "width": 2, "dash": "dot"},
                hovertemplate=f"{actor}, exchange %{{x}}: demands %{{y:.2f}}<extra></extra>",
            )
        )
    round_guides(figure, results)
    figure.update_layout(
        template=TEMPLATE,
        title="Why principals accept: the text's utility (solid) against their aspiration (dotted);<br>"
        "a principal signs when the solid line reaches the dotted one",
        xaxis_title="exchange (counted across rounds)",
        yaxis={"title": "utility (0 = worst, 1 = own ideal)", "range": [0, 1.05]},
    )
    return figure
