"""Terms per issue, one panel each in a grid, zoomed to the terms reached and marked with where they start.

An issue's bounds say what is possible, not where deals land: a 0-60 % enrichment axis squeezes
deals at 1-10 % into a sliver. So each panel's axis spans the terms the replicates reached (padded a
little), and the references a reader needs to judge them are drawn on it: the status quo (what
holds without a deal) and each principal's ideal (central value). A reference outside the zoomed
axis is named at the edge it lies beyond, with its value, instead of stretching the axis to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.engine.outcomes import SETTLED
from sim.report.figures.common import TEMPLATE
from sim.report.figures.outcomes import wrap_title
from sim.report.palette import actor_colours
from sim.report.plain import plain
from sim.store.results import Results
from sim.terminal import number

COLUMNS = 3  # panels per row: six issues' titles and units fit side by side at three
PANEL_HEIGHT = 290
PAD = 0.05  # of the terms' span, each side
STATUS_QUO_COLOUR = "#555555"


@dataclass(frozen=True)
class Reference:
    name: str  # "status quo", "US ideal"
    value: float
    colour: str
    dash: str


def issue_grid(titles: list[str], header: int = 110) -> tuple[go.Figure, int]:
    """Panels for ``titles`` in rows of at most three, with room between them for titles and units."""
    columns = min(COLUMNS, len(titles))
    rows = math.ceil(len(titles) / columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[wrap_title(t, 40) for t in titles],
        horizontal_spacing=0.09,
        vertical_spacing=min(0.45 / max(rows - 1, 1), 0.14 if rows > 1 else 0.0),
    )
    figure.update_layout(template=TEMPLATE, height=header + PANEL_HEIGHT * rows, margin={"t": header})
    return figure, columns


def references(manifest: dict[str, Any], issue_id: str) -> list[Reference]:
    """The status quo and each principal's ideal on an issue, from the folder's resolved scenario."""
    issue = manifest["issues"][issue_id]
    actors = manifest["scenario"]["resolved"].get("actors", {})
    colours = actor_colours(list(actors))
    found = [Reference("status quo", float(issue["status_quo"]), STATUS_QUO_COLOUR, "dash")]
    for actor_id, actor in actors.items():
        stance = actor.get("stances", {}).get(issue_id)
        if actor.get("role") == "principal" and stance is not None:
            found.append(Reference(f"{actor_id} ideal", float(stance["position"]), colours[actor_id], "dot"))
    return found


def zoomed_range(values: Iterable[np.ndarray], bounds: tuple[float, float]) -> list[float]:
    """The span of the terms reached, padded by 5 % each side and kept inside the issue's bounds."""
    reached = np.concatenate([np.asarray(v, dtype=float) for v in values] or [np.array([])])
    reached = reached[np.isfinite(reached)]
    low, high = bounds
    if len(reached) == 0:
        return [low, high]
    span = reached.max() - reached.min()
    pad = PAD * span if span > 0 else 0.025 * (high - low)
    return [max(low, reached.min() - pad), min(high, reached.max() + pad)]


def mark_references(
    figure: go.Figure, row: int, col: int, axis: list[float], marks: list[Reference], unit: str
) -> None:
    """A vertical line per reference inside the axis; beyond it, its name and value at that edge."""
    outside = 0
    for mark in marks:
        if axis[0] <= mark.value <= axis[1]:
            figure.add_vline(
                x=mark.value, line_dash=mark.dash, line_color=mark.colour, line_width=1.5, row=row, col=col
            )
            continue
        right = mark.value > axis[1]
        text = f"{mark.name} {number(mark.value)} {unit.split(' (')[0]}"
        figure.add_annotation(
            x=1 if right else 0,
            xref="x domain",
            y=0.97 - 0.09 * outside,
            yref="y domain",
            text=plain(f"{text} →" if right else f"← {text}"),
            showarrow=False,
            xanchor="right" if right else "left",
            font={"size": 10, "color": mark.colour},
            bgcolor="rgba(255,255,255,0.85)",
            row=row,
            col=col,
        )
        outside += 1


def reference_legend(figure: go.Figure, marks: list[Reference]) -> None:
    """Legend entries for the reference lines (shapes have none of their own)."""
    for mark in marks:
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=plain(mark.name),
                line={"color": mark.colour, "dash": mark.dash},
                hoverinfo="skip",
            )
        )


def settled(outcomes: pd.DataFrame) -> pd.DataFrame:
    return outcomes[outcomes.outcome.isin(SETTLED)]


def terms_distribution(outcomes: pd.DataFrame, results: Results) -> go.Figure:
    """Terms of the replicates that settled (signed deals, or a forecasting model's forecasts), per issue."""
    deals = settled(outcomes)
    noun = "forecasts" if (deals.outcome == "forecast").any() else "deals"
    issues = list(results.issues)
    figure, columns = issue_grid([results.issues[i]["label"] for i in issues])
    manifest = results.manifest
    for n, issue_id in enumerate(issues):
        row, col = divmod(n, columns)
        info = results.issues[issue_id]
        figure.add_trace(
            go.Histogram(
                x=deals[issue_id],
                marker_color="#009E73",
                nbinsx=30,
                showlegend=False,
                hovertemplate=f"%{{x}} {plain(info['unit'])}: %{{y}} {noun}<extra></extra>",
            ),
            row=row + 1,
            col=col + 1,
        )
        axis = zoomed_range([deals[issue_id].to_numpy()], tuple(info["bounds"]))
        mark_references(figure, row + 1, col + 1, axis, references(manifest, issue_id), info["unit"])
        figure.update_xaxes(title_text=wrap_title(info["unit"], 40), range=axis, row=row + 1, col=col + 1)
        figure.update_yaxes(title_text=noun if col == 0 else None, row=row + 1, col=col + 1)
    reference_legend(figure, references(manifest, issues[0]))
    what = "Forecast" if noun == "forecasts" else "Agreed"
    figure.update_layout(
        bargap=0.05,
        legend_title_text="reference lines",
        title=f"{what} terms, in each issue's unit ({len(deals):,} {noun} of {len(outcomes):,} replicates);"
        "<br>each axis zoomed to the terms reached, with the status quo and each principal's ideal",
    )
    return figure


def compare_terms(
    named: list[tuple[str, pd.DataFrame, str]],
    issues: dict[str, dict],
    manifest: dict[str, Any],
    by: str = "scenario",
) -> go.Figure:
    """One ECDF per folder and issue: overlaid step lines stay readable where overlaid histograms blur."""
    ids = list(issues)
    figure, columns = issue_grid([issues[i]["label"] for i in ids])
    for n, issue_id in enumerate(ids):
        row, col = divmod(n, columns)
        info = issues[issue_id]
        reached = []
        for name, outcomes, colour in named:
            if issue_id not in outcomes:
                continue
            terms = np.sort(settled(outcomes)[issue_id].dropna().to_numpy(dtype=float))
            reached.append(terms)
            figure.add_trace(
                go.Scatter(
                    x=terms,
                    y=np.arange(1, len(terms) + 1) / max(len(terms), 1),
                    mode="lines",
                    line={"shape": "hv", "color": colour, "width": 2},
                    name=plain(name),
                    legendgroup=name,
                    showlegend=n == 0,
                    hovertemplate=f"{plain(name)}: %{{y:.0%}} of its settled replicates at or below "
                    f"%{{x:.3g}} {plain(info['unit'])}<extra></extra>",
                ),
                row=row + 1,
                col=col + 1,
            )
        axis = zoomed_range(reached, tuple(info["bounds"]))
        if issue_id in manifest["issues"]:
            mark_references(figure, row + 1, col + 1, axis, references(manifest, issue_id), info["unit"])
        figure.update_xaxes(title_text=wrap_title(info["unit"], 40), range=axis, row=row + 1, col=col + 1)
        figure.update_yaxes(
            tickformat=".0%",
            range=[0, 1.02],
            title_text="share of settled<br>replicates at or below" if col == 0 else None,
            row=row + 1,
            col=col + 1,
        )
    reference_legend(figure, references(manifest, ids[0]) if ids[0] in manifest["issues"] else [])
    figure.update_layout(
        title=f"Terms by {by}: the cumulative share of each folder's settled replicates (deals, or "
        "forecasts)<br>at or below each term; the status quo and ideals are the baseline's",
    )
    return figure
