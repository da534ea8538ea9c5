"""What every figure shares: the template, outcome shares (Wilson intervals), issue panels, round guides."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.engine.outcomes import OUTCOME_LABELS
from sim.experiments.box_statistics import wilson_interval
from sim.report.plain import plain
from sim.store.results import Results

TEMPLATE = "plotly_white"
OUTCOME_COLUMNS = frozenset(
    {"sample", "replicate", "outcome", "round", "round_id", "exchanges", "by"}
    | {"signed", "cause", "cause_label"}
)
FAN_REPLICATE_LIMIT = 20_000  # fan charts summarise at most this many replicates (the first ones)


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    total: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else float("nan")

    def text(self) -> str:
        """e.g. 'deal 51.2 % (49.0–53.4 %)': the form the explorer shows and its browser test reads."""
        return f"{self.label} {100 * self.share:.1f} % ({100 * self.low:.1f}–{100 * self.high:.1f} %)"


def outcome_shares(outcomes: pd.DataFrame) -> list[Share]:
    """Each outcome class's share with its 95 % Wilson score interval (Wilson 1927)."""
    total = len(outcomes)
    counts = np.array([int((outcomes.outcome == label).sum()) for label in OUTCOME_LABELS])
    low, high = wilson_interval(counts, np.full(len(counts), max(total, 1)))
    return [
        Share(label, int(n), total, float(lo), float(hi))
        for label, n, lo, hi in zip(OUTCOME_LABELS, counts, low, high, strict=True)
    ]


def round_guides(figure: go.Figure, results: Results) -> None:
    """Dotted lines at the start of each round, labelled with its id."""
    for start, round_id in results.round_starts():
        figure.add_vline(x=start - 0.5, line_dash="dot", line_color="#bbbbbb")
        figure.add_annotation(
            x=start - 0.5,
            y=1.0,
            yref="paper",
            text=round_id,
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": "#777777"},
        )


def issue_panels(results: Results) -> go.Figure:
    """One panel per issue, stacked over a shared exchange axis, each titled with its unit."""
    return make_subplots(
        rows=len(results.issues),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[plain(f"{info['label']} ({info['unit']})") for info in results.issues.values()],
    )


def finish_issue_panels(figure: go.Figure, results: Results, title: str, header: int) -> go.Figure:
    """Unit on each panel's y axis, the exchange axis at the bottom, and a height that fits the panels."""
    for row, info in enumerate(results.issues.values(), start=1):
        figure.update_yaxes(title_text=plain(info["unit"].split(" (")[0]), row=row, col=1)
    figure.update_xaxes(title_text="exchange (counted across rounds)", row=len(results.issues), col=1)
    figure.update_layout(template=TEMPLATE, height=260 * len(results.issues) + header, title=title)
    return figure
