"""Each outcome's share against the few sampled inputs that move it most, one curve per input.

The inputs are ranked by their first-order effect on the outcome's indicator Y (1 if a replicate ended
that way, else 0), estimated from the given data, without a designed experiment: the correlation
ratio eta^2 = Var(E[Y | X-bin]) / Var(Y) over about ten quantile bins of the input X (Plischke,
Borgonovo & Smith 2013, "Global sensitivity measures from given data", EJOR 226(3)). So any sampled
batch run or sweep gets the figure, with or without ``dipsim sensitivity``.

Inputs are joined to outcomes by :func:`sim.report.figures.inputs.with_inputs`, per design point; Y
is counted per replicate, so a design point of a sweep weighs as many replicates as it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import chi2

from sim.engine.outcomes import OUTCOME_LABELS
from sim.report.figures.common import TEMPLATE, wilson_interval
from sim.report.figures.inputs import (
    point_key,
    sampled_parameters,
    varying_parameters,
    with_inputs,
)
from sim.report.palette import OUTCOME_COLOURS, translucent
from sim.report.plain import plain
from sim.scenario.labels import parameter_label, parameter_title

BINS = 10
POINTS_PER_BIN = 10  # fewer design points than this per bin make a bin's share mostly noise
TOP_DRIVERS = 3  # inputs drawn per outcome, at most
SIGNIFICANCE = 0.05  # family-wise level at which a runner-up input gets a curve of its own
MIN_SHARE = 0.03  # an outcome rarer than this gets no curve: a few cases say nothing about its drivers
_TRIALS = "__replicates__"


@dataclass(frozen=True)
class Binned:
    """An outcome's share per bin of one input, and the input's first-order effect on it."""

    mids: np.ndarray  # each bin's mid value, in the input's unit
    hits: np.ndarray  # replicates in the bin that ended in the outcome
    trials: np.ndarray  # replicates in the bin
    eta2: float  # Var(E[Y | bin]) / Var(Y): the given-data first-order index

    @property
    def shares(self) -> np.ndarray:
        return self.hits / self.trials


@dataclass(frozen=True)
class Driver:
    """The inputs that move one outcome most, their curves, and the ranking of every input."""

    outcome: str
    parameter: str  # the first by eta^2
    binned: Binned
    ranking: list[tuple[str, float]]  # (parameter, eta^2), largest first
    points: int  # design points (a sweep) or replicates (a sampled run): the draws of the inputs
    bins: int
    curves: tuple[tuple[str, Binned], ...] = ()  # the inputs drawn: the first, then significant ones

    @property
    def noise_level(self) -> float:
        """eta^2 that an input with no effect shows from sampling alone, at most about (bins - 1) / points.

        With independent replicates it is (bins - 1) / replicates; a sweep's replicates of one design
        point share its inputs, which raises it towards (bins - 1) / design points.
        """
        return (self.bins - 1) / self.points


def binned_share(x: np.ndarray, hits: np.ndarray, trials: np.ndarray, bins: int = BINS) -> Binned:
    """Y's share per quantile bin of X and eta^2 = Var(E[Y | X-bin]) / Var(Y), Y Bernoulli per replicate.

    ``hits`` and ``trials`` count replicates per value of X (1 and 1 or 0 for a run's replicates, the
    replicates of a design point for a sweep). With N replicates, overall share m and per-bin shares
    m_b over N_b replicates: eta^2 = sum_b N_b (m_b - m)^2 / (N m (1 - m)). An X with at most ``bins``
    distinct values gets one bin per value; ties never straddle two bins.
    """
    x, hits, trials = (np.asarray(a, dtype=float) for a in (x, hits, trials))
    index, mids = _bin_index(x, bins)
    hits_b = np.bincount(index, weights=hits, minlength=len(mids))
    trials_b = np.bincount(index, weights=trials, minlength=len(mids))
    kept = trials_b > 0
    mids, hits_b, trials_b = mids[kept], hits_b[kept], trials_b[kept]
    total, share = trials.sum(), hits.sum() / trials.sum()
    variance = total * share * (1 - share)
    between = float(np.sum(trials_b * (hits_b / trials_b - share) ** 2))
    return Binned(mids, hits_b, trials_b, between / variance if variance > 0 else float("nan"))


def _bin_index(x: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Each value's bin and each bin's mid value: equal-count bins cut at observed quantiles."""
    values = np.unique(x)
    if len(values) <= bins:
        return np.searchsorted(values, x), values
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1), method="lower"))
    index = np.searchsorted(edges[1:-1], x, side="right")
    return index, (edges[:-1] + edges[1:]) / 2


def find_drivers(
    samples: pd.DataFrame, outcomes: pd.DataFrame, min_share: float = MIN_SHARE, top: int = TOP_DRIVERS
) -> list[Driver]:
    """For each outcome of at least ``min_share`` of replicates (and not all of them), its varying inputs
    by eta^2, in the order of the outcome classes, with curves for the first and for up to ``top`` - 1
    more whose eta^2 is significant (a chi-square test at 5 %, Bonferroni-corrected over the inputs).
    About ten design points per bin, at most :data:`BINS` bins."""
    counts = pd.crosstab(outcomes[point_key(outcomes)], outcomes.outcome.astype(str))
    counts[_TRIALS] = counts.sum(axis=1)
    parameters = sampled_parameters(samples)
    table = with_inputs(samples, outcomes, counts, parameters)
    varying = varying_parameters(table, parameters)
    trials = table[_TRIALS].to_numpy()
    if not varying or trials.sum() == 0:
        return []
    bins = max(2, min(BINS, len(table) // POINTS_PER_BIN))
    drivers = []
    for outcome in OUTCOME_LABELS:
        hits = table.get(outcome, pd.Series(0, index=table.index)).to_numpy()
        if min_share <= hits.sum() / trials.sum() < 1:
            binned = {p: binned_share(table[p].to_numpy(), hits, trials, bins) for p in varying}
            ranking = sorted(((p, b.eta2) for p, b in binned.items()), key=lambda item: -item[1])
            # N eta^2 is Pearson's chi-square of the outcome against the input's bins (B - 1 degrees of
            # freedom without an effect); N is taken as the design points, which for a sweep with
            # replicates is conservative. Bonferroni over the inputs ranked.
            significant = chi2.isf(SIGNIFICANCE / len(ranking), bins - 1) / len(table)
            shown = [ranking[0][0], *[p for p, eta2 in ranking[1:top] if eta2 > significant]]
            curves = tuple((p, binned[p]) for p in shown)
            first = ranking[0][0]
            drivers.append(Driver(outcome, first, binned[first], ranking, len(table), bins, curves))
    return drivers


def driver_lines(drivers: list[Driver], manifest: dict[str, Any], top: int = 3) -> list[str]:
    """Each outcome's first few inputs by eta^2, so a reader sees whether the one drawn stands out."""
    lines = []
    for driver in drivers:
        lines.append(
            f"{driver.outcome}: η² of the top inputs (an input with no effect shows up to about "
            f"{driver.noise_level:.3f})"
        )
        for parameter, eta2 in driver.ranking[:top]:
            lines.append(f"  {eta2:6.3f}  {parameter_title(parameter, manifest['scenario']['resolved'])}")
    return lines


def outcome_drivers(
    drivers: list[Driver], manifest: dict[str, Any], meaning: str = "share of simulated replicates"
) -> go.Figure:
    """One panel per outcome and top input, stacked: the outcome's share per bin, with 95 % Wilson bands."""
    resolved = manifest["scenario"]["resolved"]
    panels = [
        (d, parameter, binned)
        for d in drivers
        for parameter, binned in (d.curves or ((d.parameter, d.binned),))
    ]
    titles = [
        plain(f"{d.outcome} against {parameter_label(parameter, resolved)}") + f" (η² = {binned.eta2:.3f})"
        for d, parameter, binned in panels
    ]
    height = 160 + 300 * len(panels)
    figure = make_subplots(rows=len(panels), cols=1, subplot_titles=titles, vertical_spacing=110 / height)
    for row, (driver, parameter, binned) in enumerate(panels, start=1):
        for trace in _curve(driver.outcome, binned):
            figure.add_trace(trace, row=row, col=1)
        figure.update_xaxes(title_text=plain(parameter_title(parameter, resolved)), row=row, col=1)
        figure.update_yaxes(
            title_text=f"share ending in<br>{driver.outcome}",
            tickformat=".0%",
            rangemode="tozero",
            row=row,
            col=1,
        )
    figure.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"t": 130},
        showlegend=False,
        title=f"What moves each outcome: its {plain(meaning)},<br>per bin of each of its most influential "
        "inputs by first-order effect (η²), with 95% Wilson intervals of the simulated share",
    )
    return figure


def _curve(outcome: str, binned: Binned) -> list[go.Scatter]:
    """The Wilson band (upper edge, then lower edge filled up to it) and the share per bin over it."""
    colour = OUTCOME_COLOURS[outcome]
    low, high = wilson_interval(binned.hits, binned.trials)
    band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "x": binned.mids}
    return [
        go.Scatter(y=high, **band),
        go.Scatter(y=low, fill="tonexty", fillcolor=translucent(colour, 0.2), **band),
        go.Scatter(
            x=binned.mids,
            y=binned.shares,
            mode="lines+markers",
            line={"color": colour, "width": 2},
            customdata=np.column_stack([binned.hits, binned.trials, low, high]),
            hovertemplate=f"bin around %{{x:.3g}}: %{{y:.1%}} {outcome} "
            "(%{customdata[0]:,.0f} of %{customdata[1]:,.0f} replicates)<br>"
            "95% Wilson interval of the simulated share %{customdata[2]:.1%} to %{customdata[3]:.1%}"
            "<extra></extra>",
        ),
    ]
