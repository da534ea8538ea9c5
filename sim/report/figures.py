"""Plotly figures built from results tables. Each takes DataFrames, never a model.

Titles and axes carry units; actors, outcomes and scenarios keep one colour
each across every figure (sim.report.palette).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import binomtest

from sim.engine.outcomes import OUTCOME_LABELS, SETTLED
from sim.report.palette import OUTCOME_COLOURS, actor_colours, translucent
from sim.report.plain import plain
from sim.scenario.keys import ParameterKey
from sim.store.results import Results

TEMPLATE = "plotly_white"
_OUTCOME_COLUMNS = frozenset({"sample", "replicate", "outcome", "round", "round_id", "exchanges", "by"})
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


def outcome_shares(outcomes: pd.DataFrame) -> list[Share]:
    """Each outcome class's share with its 95 % Wilson score interval."""
    total = len(outcomes)
    shares = []
    for label in OUTCOME_LABELS:
        count = int((outcomes.outcome == label).sum())
        interval = binomtest(count, total).proportion_ci(confidence_level=0.95, method="wilson")
        shares.append(Share(label, count, total, float(interval.low), float(interval.high)))
    return shares


def outcome_probabilities(outcomes: pd.DataFrame, title_suffix: str = "") -> go.Figure:
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
            hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<br>"
            "95% Wilson interval %{customdata[2]:.1%} to %{customdata[3]:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        template=TEMPLATE,
        title=f"How the talks end{title_suffix}: probability of each outcome, with 95% Wilson intervals",
        yaxis={"title": "probability (share of replicates)", "tickformat": ".0%", "range": [0, 1.05]},
        xaxis_title="outcome",
    )
    return figure


def terms_distribution(outcomes: pd.DataFrame, results: Results) -> go.Figure:
    """Terms of the replicates that settled: signed deals, or a forecasting model's forecasts."""
    deals = outcomes[outcomes.outcome.isin(SETTLED)]
    noun = "forecasts" if (deals.outcome == "forecast").any() else "deals"
    issues = list(results.issues)
    figure = make_subplots(
        rows=1, cols=len(issues), subplot_titles=[plain(results.issues[i]["label"]) for i in issues]
    )
    for column, issue_id in enumerate(issues, start=1):
        info = results.issues[issue_id]
        figure.add_trace(
            go.Histogram(
                x=deals[issue_id],
                name=plain(info["label"]),
                marker_color="#009E73",
                nbinsx=30,
                showlegend=False,
                hovertemplate=f"%{{x}} {plain(info['unit'])}: %{{y}} {noun}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        figure.update_xaxes(title_text=plain(info["unit"]), range=info["bounds"], row=1, col=column)
    figure.update_yaxes(title_text=noun, row=1, col=1)
    what = "Forecast" if noun == "forecasts" else "Agreed"
    figure.update_layout(
        template=TEMPLATE,
        title=f"{what} terms, in each issue's unit ({len(deals)} {noun} of {len(outcomes)} replicates)",
        bargap=0.05,
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
    _round_guides(figure, results)
    figure.update_layout(
        template=TEMPLATE,
        title="When the talks end: cumulative share of replicates ended by each exchange, by outcome",
        xaxis_title="exchange (counted across rounds)",
        yaxis={"title": "cumulative share of replicates", "tickformat": ".0%"},
    )
    return figure


def _round_guides(figure: go.Figure, results: Results) -> None:
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


def _issue_panels(results: Results) -> go.Figure:
    """One panel per issue, stacked over a shared exchange axis, each titled with its unit."""
    return make_subplots(
        rows=len(results.issues),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[plain(f"{info['label']} ({info['unit']})") for info in results.issues.values()],
    )


def _finish_issue_panels(figure: go.Figure, results: Results, title: str, header: int) -> go.Figure:
    """Unit on each panel's y axis, the exchange axis at the bottom, and a height that fits the panels."""
    for row, info in enumerate(results.issues.values(), start=1):
        figure.update_yaxes(title_text=plain(info["unit"].split(" (")[0]), row=row, col=1)
    figure.update_xaxes(title_text="exchange (counted across rounds)", row=len(results.issues), col=1)
    figure.update_layout(template=TEMPLATE, height=260 * len(results.issues) + header, title=title)
    return figure


def position_fans(rounds: pd.DataFrame, results: Results) -> go.Figure:
    """Median, 50 % and 90 % bands of each actor's position on each issue, over the exchanges."""
    issues = list(results.issues)
    colours = actor_colours(list(results.actors))
    figure = _issue_panels(results)
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
    return _finish_issue_panels(
        figure,
        results,
        "Positions over the talks: median with 50% and 90% bands, among replicates still negotiating",
        header=120,
    )


def sensitivity_ranking(sensitivity: pd.DataFrame, top: int = 12) -> go.Figure:
    preferred = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1"}
    labels = {"p_deal": "P(deal)", "p_escalation": "P(escalation)", "enrichment_cap": "enrichment cap"}
    outputs = [o for o in labels if o in set(sensitivity.output)]
    figure = make_subplots(rows=1, cols=len(outputs), subplot_titles=[labels[o] for o in outputs])
    for column, output in enumerate(outputs, start=1):
        rows = sensitivity[sensitivity.output == output]
        method = next((m for m in rows.method if m in preferred), None)
        if method is None:
            continue
        ranked = rows[(rows.method == method) & (rows["index"] == preferred[method])]
        ranked = ranked.sort_values("value", ascending=False).head(top).iloc[::-1]
        figure.add_trace(
            go.Bar(
                x=ranked.value,
                y=ranked.parameter,
                orientation="h",
                marker_color="#0072B2",
                showlegend=False,
                error_x={"type": "data", "array": ranked.confidence.fillna(0)},
                hovertemplate="%{y}: %{x:.3f}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        figure.update_xaxes(title_text=f"{method} {preferred[method]} (unitless index)", row=1, col=column)
    figure.update_yaxes(tickfont={"size": 10})
    figure.update_layout(
        template=TEMPLATE,
        height=120 + 28 * top,
        title="Which uncertain inputs matter most (global sensitivity, top parameters per output)",
    )
    return figure


PARALLEL_LINE_LIMIT = 800  # design points drawn; more only blacken the chart


def parallel_inputs(samples: pd.DataFrame, outcomes: pd.DataFrame, parameters: list[str]) -> go.Figure:
    """Parallel coordinates, drawn in SVG: one line per design point, coloured by its most frequent outcome.

    Each axis is scaled to its own range; the range is written at the top and bottom of the axis, in
    the parameter's unit. (Plotly's Parcoords needs WebGL, which headless browsers and PNG export lack.)
    """
    key = "sample" if "sample" in outcomes else "replicate"
    modal = outcomes.groupby(key).outcome.agg(lambda s: s.value_counts().index[0]).rename("modal")
    deal = outcomes.assign(deal=outcomes.outcome == "deal").groupby(key).deal.mean().rename("P(deal)")
    table = samples.set_index(key if key in samples else "replicate")[parameters].join(modal, how="inner")
    table = table.join(deal).head(PARALLEL_LINE_LIMIT)
    axes = [*parameters, "P(deal)"]
    low = table[axes].min()
    span = (table[axes].max() - low).replace(0, 1)
    scaled = (table[axes] - low) / span
    figure = go.Figure()
    for label in OUTCOME_LABELS:
        rows = scaled[table.modal == label]
        if rows.empty:
            continue
        xs = np.tile(np.append(np.arange(len(axes), dtype=float), np.nan), len(rows))
        ys = np.column_stack([rows.to_numpy(), np.full(len(rows), np.nan)]).ravel()
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"{label} ({len(rows)})",
                hoverinfo="skip",
                line={"color": OUTCOME_COLOURS[label], "width": 1},
                opacity=0.35,
            )
        )
    for n, axis in enumerate(axes):
        figure.add_vline(x=n, line_color="#444444", line_width=1)
        top, bottom = low[axis] + span[axis], low[axis]
        figure.add_annotation(x=n, y=1.04, text=f"{top:.3g}", showarrow=False, font={"size": 10})
        figure.add_annotation(x=n, y=-0.04, text=f"{bottom:.3g}", showarrow=False, font={"size": 10})
    figure.update_xaxes(
        tickvals=list(range(len(axes))),
        ticktext=[_axis_label(a) for a in axes],
        tickangle=0,
        showgrid=False,
        range=[-0.3, len(axes) - 0.7],
    )
    figure.update_yaxes(visible=False, range=[-0.1, 1.1])
    figure.update_layout(
        template=TEMPLATE,
        height=600,
        margin={"b": 110},
        legend_title_text="most frequent outcome",
        title="Sampled inputs of each design point, coloured by its most frequent outcome "
        "(each axis scaled to its range, in the parameter's unit)",
    )
    return figure


def _axis_label(parameter: str) -> str:
    """'actors.Israel.red_lines.0.probability' -> 'Israel<br>red line 0 probability'."""
    try:
        label = ParameterKey.parse(parameter).label()
    except ValueError:  # not a parameter (the P(deal) axis)
        return plain(parameter)
    return "<br>".join(plain(part) for part in label.split(": ", 1))


def influential_parameters(
    samples: pd.DataFrame, outcomes: pd.DataFrame, sensitivity: pd.DataFrame | None, count: int = 8
) -> list[str]:
    """The inputs worth drawing: top of the sensitivity ranking, else by rank correlation with P(deal)."""
    columns = [c for c in samples.columns if c not in ("sample", "replicate")]
    if sensitivity is not None and not sensitivity.empty:
        preferred = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1"}
        rows = sensitivity[(sensitivity.output == "p_deal") & sensitivity.method.isin(list(preferred))]
        rows = rows[rows["index"] == rows.method.map(preferred)]
        ranked = rows.sort_values("value", ascending=False).parameter.tolist()
        return [p for p in ranked if p in columns][:count]
    key = "sample" if "sample" in outcomes else "replicate"
    deal = outcomes.assign(deal=outcomes.outcome == "deal").groupby(key).deal.mean()
    if deal.nunique() < 2:  # no deals at all (a forecasting model): rank by the first issue's terms
        first_issue = next(c for c in outcomes.columns if c not in _OUTCOME_COLUMNS)
        deal = outcomes.groupby(key)[first_issue].mean().rename("deal")
    joined = samples.set_index(key if key in samples else "replicate")[columns].join(deal, how="inner")
    varying = [c for c in columns if joined[c].nunique() > 1]
    if joined.deal.nunique() < 2 or not varying:
        return varying[:count]
    correlation = joined[varying].corrwith(joined.deal, method="spearman").abs().fillna(0)
    return correlation.sort_values(ascending=False).index[:count].tolist()


# --- a single run -----------------------------------------------------------------------


def run_positions(
    rounds: pd.DataFrame, texts: pd.DataFrame, events: pd.DataFrame, results: Results
) -> go.Figure:
    """Each actor's position, the text on the table, accept/reject marks and events, per issue."""
    issues = list(results.issues)
    colours = actor_colours(list(results.actors))
    figure = _issue_panels(results)
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
                name="text on the table",
                legendgroup="text",
                showlegend=row == 1,
                line={"color": "#222222", "width": 3, "dash": "dash"},
                customdata=texts.proposer,
                hovertemplate="exchange %{x}: %{customdata} puts %{y:.3g}<extra></extra>",
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
    _event_marks(figure, events)
    return _finish_issue_panels(
        figure,
        results,
        "The talks, exchange by exchange: positions, the text on the table, responses and events",
        header=140,
    )


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
    _round_guides(figure, results)
    figure.update_layout(
        template=TEMPLATE,
        title="Why principals accept: the text's utility (solid) against their aspiration (dotted); "
        "a principal signs when the solid line reaches the dotted one",
        xaxis_title="exchange (counted across rounds)",
        yaxis={"title": "utility (0 = worst, 1 = own ideal)", "range": [0, 1.05]},
    )
    return figure


# --- comparisons ----------------------------------------------------------------------


def compare_probabilities(named: list[tuple[str, pd.DataFrame, str]]) -> go.Figure:
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
                hovertemplate=f"{plain(name)}: %{{x}} %{{y:.1%}}<extra></extra>",
            )
        )
    figure.update_layout(
        template=TEMPLATE,
        barmode="group",
        title="Outcome probabilities by scenario, with 95% Wilson intervals",
        yaxis={"title": "probability (share of replicates)", "tickformat": ".0%"},
        xaxis_title="outcome",
    )
    return figure


def compare_terms(named: list[tuple[str, pd.DataFrame, str]], issues: dict[str, dict]) -> go.Figure:
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
        title="Terms by scenario, in each issue's unit (deals, or forecasts of forecasting models)",
    )
    return figure
