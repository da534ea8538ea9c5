"""Several models' predictions of the same issues: a dot plot, one dot per model, its Monte Carlo bar.

A histogram of one value per folder shows nothing, and overlaid histograms hide
which model said what; a dot per model on the issue's own axis shows both the
prediction and, as a shaded band, the model-form range between the extremes.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.model_form import IssueRange, Prediction, number_text
from sim.report.figures.common import TEMPLATE
from sim.report.plain import plain

_BAND = "rgba(120,120,120,0.16)"


def model_dots(
    predictions: list[Prediction],
    issues: dict[str, dict[str, Any]],
    colours: dict[str, str],
    ranges: dict[str, IssueRange] | None = None,
) -> go.Figure:
    """One panel per issue: each model's point prediction as a dot, its 5-95 % interval as a bar.

    ``ranges`` (the model-form range per issue) is drawn as a band behind the dots
    only when the models differ in form, i.e. when they are protocols.
    """
    names = [p.name for p in predictions]
    figure = make_subplots(
        rows=len(issues),
        cols=1,
        vertical_spacing=min(0.12, 0.5 / max(len(issues), 1)),
        subplot_titles=[
            plain(f"{info['label']} ({info['unit']})") + _range_title((ranges or {}).get(issue))
            for issue, info in issues.items()
        ],
    )
    for row, (issue, info) in enumerate(issues.items(), start=1):
        unit = plain(info["unit"])
        for p in predictions:
            figure.add_trace(_dot(p, issue, unit, colours[p.name], row == 1), row=row, col=1)
        found = (ranges or {}).get(issue)
        if found is not None and not math.isnan(found.low):
            _band(figure, found, row)
        low, high = info["bounds"]
        pad = (high - low) * 0.03 or 1.0
        figure.update_xaxes(title_text=unit, range=[low - pad, high + pad], row=row, col=1)
        figure.update_yaxes(
            type="category",
            categoryorder="array",
            categoryarray=[plain(n) for n in names],
            autorange="reversed",
            row=row,
            col=1,
        )
    intervals = any(p.replicates > 1 for p in predictions)
    figure.update_layout(
        template=TEMPLATE,
        height=140 + len(issues) * (90 + 30 * len(predictions)),
        title="Predicted terms by model, in each issue's unit: one dot per model"
        + ("; bars: its Monte Carlo 5-95% interval over replicates" if intervals else "")
        + ("; band: the model-form range" if ranges else ""),
        legend_title_text="model",
    )
    return figure


def _dot(p: Prediction, issue: str, unit: str, colour: str, legend: bool) -> go.Scatter:
    median = p.median.get(issue, math.nan)  # a folder of another scenario may not have this issue
    name = plain(p.name)
    given = not math.isnan(median)
    interval = p.replicates > 1 and given
    spread = (
        f"<br>Monte Carlo 5-95%: [{number_text(p.p05[issue])}, {number_text(p.p95[issue])}] {unit}"
        if interval
        else ""
    )
    what = f"median of {p.settled} {p.noun} of {p.replicates} replicates" if p.replicates > 1 else p.noun[:-1]
    return go.Scatter(
        x=[median if given else None],
        y=[name],
        mode="markers",
        name=name,
        legendgroup=name,
        showlegend=legend,
        marker={"color": colour, "size": 13, "line": {"width": 1, "color": "white"}},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [p.p95[issue] - median],
            "arrayminus": [median - p.p05[issue]],
            "color": colour,
            "thickness": 2,
            "width": 6,
        }
        if interval
        else None,
        hovertemplate=f"{name}: %{{x:.3g}} {unit} ({what}){spread}<extra></extra>",
    )


def _range_title(found: IssueRange | None) -> str:
    """The model-form range after the panel's title (numbers only: nothing to escape)."""
    if found is None or math.isnan(found.low):
        return ""
    return f": model-form range [{number_text(found.low)}, {number_text(found.high)}]"


def _band(figure: go.Figure, found: IssueRange, row: int) -> None:
    """The model-form range as a shaded band behind the dots (a thick line when the models agree)."""
    if found.high - found.low <= 0:
        figure.add_vline(x=found.low, line_color=_BAND, line_width=8, row=row, col=1)
    else:
        figure.add_vrect(
            x0=found.low, x1=found.high, fillcolor=_BAND, line_width=0, layer="below", row=row, col=1
        )
