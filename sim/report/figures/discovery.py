"""Scenario discovery, drawn: PRIM's peeling trajectory and the box it chose.

The top panel is the trade-off PRIM walks along (Friedman & Fisher 1999; Bryant & Lempert 2010):
each box's coverage (the share of the outcome's runs it keeps) against its density (the share of its
runs that end in the outcome), from the whole input space at the left to the smallest box at the
right. Two curves: the runs PRIM peeled on, where density always climbs because each peel is chosen
to make it climb, and the held-out runs, where only real effects keep it climbing; the box kept is
marked on the held-out curve (sim.experiments.discovery says how it is chosen), and so is the box
stated once its insignificant limits are dropped, measured on all runs. The lower panel
draws the chosen box: for each input it restricts, the input's sampled range and, within it, the
range the box keeps, both on the input's own scale reduced to 0-1 so inputs of any unit share one
axis; the numbers are printed on the bar.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.discovery import Discovery, discover
from sim.report.figures.common import TEMPLATE
from sim.report.figures.drivers import Driver
from sim.report.palette import OUTCOME_COLOURS
from sim.report.plain import plain
from sim.scenario.outputs import OutputSpec
from sim.store.results import Results
from sim.terminal import number

_ROW = 46  # pixels per restricted input in the lower panel
DISCOVERED_OUTCOMES = 2  # a report runs PRIM for this many outcomes, those with the strongest driver


def discovery_figure(found: Discovery, meaning: str = "share of simulated replicates") -> go.Figure:
    """The first box's peeling trajectory (coverage against density) and its limits, for one outcome."""
    box, trajectory = found.boxes[0], found.trajectories[0]
    colour = OUTCOME_COLOURS.get(found.outcome, "#0072B2")
    rows = len(box.restrictions)
    height = 560 + _ROW * rows
    figure = make_subplots(
        rows=2,
        cols=1,
        row_heights=[380 / (height - 180), 1 - 380 / (height - 180)],
        vertical_spacing=110 / height,
        subplot_titles=[
            f"Peeling trajectory: each box's coverage and density ({plain(found.label)})",
            "The box kept: each restricted input's sampled range (grey) and the part the box keeps",
        ],
    )
    peeled = np.arange(len(trajectory.coverage))
    figure.add_trace(
        go.Scatter(
            x=trajectory.coverage,
            y=trajectory.density,
            mode="lines+markers",
            name="runs PRIM peeled on",
            line={"color": "#999999"},
            customdata=np.column_stack([peeled, trajectory.restricted]),
            hovertemplate="box %{customdata[0]}: coverage %{x:.0%}, density %{y:.1%} on the runs peeled on, "
            "%{customdata[1]} inputs restricted<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=trajectory.coverage,
            y=trajectory.held_out_density,
            mode="lines+markers",
            name="held-out runs",
            line={"color": colour},
            customdata=peeled,
            hovertemplate="box %{customdata}: density %{y:.1%} on the held-out runs<extra></extra>",
        ),
        row=1,
        col=1,
    )
    chosen = trajectory.chosen
    figure.add_trace(
        go.Scatter(
            x=[trajectory.coverage[chosen]],
            y=[trajectory.held_out_density[chosen]],
            mode="markers",
            name="the box kept (before its insignificant limits were dropped)",
            marker={"symbol": "star", "size": 16, "color": colour, "line": {"color": "black", "width": 1}},
            hovertemplate="box kept: held-out density %{y:.1%}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=[box.coverage],
            y=[box.density],
            mode="markers",
            name="the box stated: its significant limits only, on all runs",
            marker={"symbol": "diamond", "size": 13, "color": "white", "line": {"color": colour, "width": 3}},
            hovertemplate="box stated: coverage %{x:.0%}, density %{y:.1%} on all runs<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_hline(
        y=found.base_rate,
        line={"dash": "dash", "color": "black", "width": 1},
        annotation_text=f"base rate {found.base_rate:.0%}",
        annotation_position="bottom left",
        row=1,
        col=1,
    )
    figure.update_xaxes(
        title_text="coverage: share of the outcome's runs in the box", tickformat=".0%", row=1, col=1
    )
    figure.update_xaxes(autorange="reversed", row=1, col=1)
    figure.update_yaxes(
        title_text=f"density: share of the<br>box's runs ending in {plain(found.outcome)}",
        tickformat=".0%",
        row=1,
        col=1,
    )
    _limits(figure, found, colour)
    figure.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"t": 130},
        legend={
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
        },
        title=f"Where {plain(found.label)} concentrates: PRIM scenario discovery ({plain(meaning)})<br>"
        f"box 1: density {box.density:.0%} (base rate {found.base_rate:.0%}), coverage {box.coverage:.0%}",
    )
    return figure


def _limits(figure: go.Figure, found: Discovery, colour: str) -> None:
    """One row per restricted input: its sampled range as a grey bar, the box's range over it."""
    restrictions = found.boxes[0].restrictions
    labels = [plain(r.label) for r in restrictions]
    span = [max(r.full_high - r.full_low, 1e-300) for r in restrictions]
    low = [(r.low - r.full_low) / s for r, s in zip(restrictions, span, strict=True)]
    high = [(r.high - r.full_low) / s for r, s in zip(restrictions, span, strict=True)]
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[1.0] * len(labels),
            base=[0.0] * len(labels),
            orientation="h",
            marker_color="#dddddd",
            showlegend=False,
            customdata=[[number(r.full_low), number(r.full_high)] for r in restrictions],
            hovertemplate="%{y}: sampled from %{customdata[0]} to %{customdata[1]}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[h - lo for lo, h in zip(low, high, strict=True)],
            base=low,
            orientation="h",
            width=0.5,
            marker_color=colour,
            showlegend=False,
            text=[
                f"{number(r.low)} to {number(r.high)}" + (f" {plain(r.unit)}" if r.unit else "")
                for r in restrictions
            ],
            textposition="inside",
            insidetextanchor="middle",
            customdata=[[number(r.low), number(r.high), f"{r.quasi_p:.1g}"] for r in restrictions],
            hovertemplate="%{y}: the box keeps %{customdata[0]} to %{customdata[1]} "
            "(quasi-p-value %{customdata[2]} on held-out runs)<extra></extra>",
        ),
        row=2,
        col=1,
    )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(
        title_text="position within the input's sampled range (0 smallest, 1 largest)",
        range=[-0.02, 1.02],
        row=2,
        col=1,
    )
    figure.update_yaxes(automargin=True, autorange="reversed", row=2, col=1)


def discover_for(
    results: Results, drivers: list[Driver], outcomes: int = DISCOVERED_OUTCOMES
) -> list[Discovery]:
    """PRIM's first box for the outcomes whose top input moves them most (by eta^2), at most ``outcomes``.

    One box each, not the covering search of ``dipsim discover``: a report reads the strongest pattern
    and says where to look for more.
    """
    ranked = sorted(drivers, key=lambda driver: -driver.binned.eta2)[:outcomes]
    found = []
    for driver in ranked:
        spec = OutputSpec(driver.outcome, driver.outcome, outcome=driver.outcome)
        found.append(discover(results, spec, max_boxes=1))
    return found
