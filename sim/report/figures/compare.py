"""Several results folders side by side: outcome shares, one colour each, and the differences in numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.engine.outcomes import OUTCOME_LABELS
from sim.report.figures.common import TEMPLATE, Share, outcome_shares, wilson_interval
from sim.report.figures.terms import settled
from sim.report.plain import plain
from sim.terminal import number

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


def _newcombe(hits: tuple[int, int], totals: tuple[int, int]) -> tuple[float, float, float]:
    """Difference p1 - p2 of two shares with Newcombe's hybrid score interval (his method 10).

    Newcombe, R. G. (1998), "Interval estimation for the difference between independent
    proportions: comparison of eleven methods", Statistics in Medicine 17: 873-890. With the
    95 % Wilson limits (l_i, u_i) of each share: d - sqrt((p1 - l1)^2 + (u2 - p2)^2) to
    d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    """
    (low1, low2), (high1, high2) = wilson_interval(np.array(hits), np.array(totals))
    p1, p2 = hits[0] / totals[0], hits[1] / totals[1]
    d = p1 - p2
    return d, d - math.hypot(p1 - low1, high2 - p2), d + math.hypot(high1 - p1, p2 - low2)


def difference_rows(
    named: list[tuple[str, pd.DataFrame, str]], issues: dict[str, dict], baseline: int
) -> list[tuple[str, ...]]:
    """The comparison in numbers: each folder's outcome shares and median terms, and each one's
    difference from the baseline folder (a header row first).

    A share's difference carries Newcombe's 95 % interval, which treats the folders as independent
    samples. Runs made with the same seed share their random numbers, which makes their difference
    less noisy than that, so for them the interval errs wide. Terms are medians over settled
    replicates; their differences carry no interval.
    """
    base_name, base, _ = named[baseline]
    others = [entry for n, entry in enumerate(named) if n != baseline]
    header = ("", f"{base_name} (baseline)", *(n for n, _, _ in others), *(f"Δ {n}" for n, _, _ in others))
    rows: list[tuple[str, ...]] = [header]
    classes = [label for label in OUTCOME_LABELS if any((o.outcome == label).any() for _, o, _ in named)]
    for label in classes:
        shares = [outcome_shares(o) for _, o, _ in (named[baseline], *others)]
        cells = [_share_cell(next(s for s in found if s.label == label)) for found in shares]
        deltas = []
        for _, outcomes, _ in others:
            hits = (int((outcomes.outcome == label).sum()), int((base.outcome == label).sum()))
            d, low, high = _newcombe(hits, (len(outcomes), len(base)))
            deltas.append(f"{d * 100:+.1f} pp ({low * 100:+.1f} to {high * 100:+.1f})")
        rows.append((f"share ending in {label}", *cells, *deltas))
    for issue_id, info in issues.items():
        medians = [_median(o, issue_id) for _, o, _ in (named[baseline], *others)]
        unit = info["unit"].split(" (")[0]
        cells = [f"{number(m)} {unit}" if math.isfinite(m) else "no settled replicate" for m in medians]
        deltas = [
            f"{'+' if m >= medians[0] else '-'}{number(abs(m - medians[0]))} {unit}"
            if math.isfinite(m - medians[0])
            else ""
            for m in medians[1:]
        ]
        rows.append((f"{info['label']}: median of settled terms", *cells, *deltas))
    return rows


def _share_cell(share: Share) -> str:
    return f"{share.share:.1%} ({share.low:.1%} to {share.high:.1%})"


def _median(outcomes: pd.DataFrame, issue_id: str) -> float:
    if issue_id not in outcomes:
        return float("nan")
    terms = settled(outcomes)[issue_id].dropna()
    return float(terms.median()) if len(terms) else float("nan")
