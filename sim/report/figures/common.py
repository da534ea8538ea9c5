"""What every figure shares: the template, outcome shares (Wilson intervals), issue panels, round guides."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import norm

from sim.engine.outcomes import OUTCOME_LABELS
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


def number(value: float) -> str:
    """Three significant figures, never in e-notation: 1,880 km, 36.5 years, 2.96 %."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def wilson_interval(
    hits: np.ndarray, trials: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of hits/trials, elementwise: unlike p +- z se it stays inside [0, 1] and
    does not collapse to a point at 0 or all hits."""
    hits, trials = np.asarray(hits, dtype=float), np.asarray(trials, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    share = hits / trials
    scale = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / scale
    half = z / scale * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


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
