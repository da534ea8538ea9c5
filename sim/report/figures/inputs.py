"""Which inputs matter: the sensitivity ranking and the sampled inputs as parallel coordinates.

Also the one join of the ``samples`` table to the ``outcomes`` table that every figure about inputs
uses (:func:`with_inputs`): a sweep samples its inputs per design point (``sample``), a sampled run
per replicate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.api.types import is_float_dtype
from pandas.core.groupby import DataFrameGroupBy
from plotly.subplots import make_subplots

from sim.engine.outcomes import OUTCOME_LABELS
from sim.report.figures.common import OUTCOME_COLUMNS, TEMPLATE
from sim.report.palette import OUTCOME_COLOURS
from sim.report.plain import plain
from sim.scenario.keys import ParameterKey


def sensitivity_ranking(sensitivity: pd.DataFrame, top: int = 12) -> go.Figure:
    preferred = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1"}
    labels = {"p_deal": "deal share", "p_escalation": "escalation share", "enrichment_cap": "enrichment cap"}
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
DEAL_AXIS = "share of deals"  # of a design point's replicates


def parallel_inputs(samples: pd.DataFrame, outcomes: pd.DataFrame, parameters: list[str]) -> go.Figure:
    """Parallel coordinates, drawn in SVG: one line per design point, coloured by its most frequent outcome.

    Each axis is scaled to its own range; the range is written at the top and bottom of the axis, in
    the parameter's unit. (Plotly's Parcoords needs WebGL, which headless browsers and PNG export lack.)
    """
    modal = by_point(outcomes).outcome.agg(lambda s: s.value_counts().index[0]).rename("modal")
    deal = by_point(outcomes.assign(deal=outcomes.outcome == "deal")).deal.mean().rename(DEAL_AXIS)
    table = with_inputs(samples, outcomes, pd.concat([modal, deal], axis=1), parameters)
    table = table.head(PARALLEL_LINE_LIMIT)
    axes = [*parameters, DEAL_AXIS]
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
    return "<br>".join(plain(part) for part in parameter_label(parameter).split(": ", 1))


def influential_parameters(
    samples: pd.DataFrame, outcomes: pd.DataFrame, sensitivity: pd.DataFrame | None, count: int = 8
) -> list[str]:
    """The inputs worth drawing: top of the sensitivity ranking, else by rank correlation with the share of
    deals of each design point."""
    columns = sampled_parameters(samples)
    if sensitivity is not None and not sensitivity.empty:
        preferred = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1"}
        rows = sensitivity[(sensitivity.output == "p_deal") & sensitivity.method.isin(list(preferred))]
        rows = rows[rows["index"] == rows.method.map(preferred)]
        ranked = rows.sort_values("value", ascending=False).parameter.tolist()
        return [p for p in ranked if p in columns][:count]
    deal = by_point(outcomes.assign(deal=outcomes.outcome == "deal")).deal.mean()
    if deal.nunique() < 2:  # no deals at all (a forecasting model): rank by the first issue's terms
        first_issue = next(
            c for c in outcomes.columns if c not in OUTCOME_COLUMNS and is_float_dtype(outcomes[c])
        )
        deal = by_point(outcomes)[first_issue].mean().rename("deal")
    joined = with_inputs(samples, outcomes, deal, columns)
    varying = varying_parameters(joined, columns)
    if joined.deal.nunique() < 2 or not varying:
        return varying[:count]
    correlation = joined[varying].corrwith(joined.deal, method="spearman").abs().fillna(0)
    return correlation.sort_values(ascending=False).index[:count].tolist()


def sampled_parameters(samples: pd.DataFrame) -> list[str]:
    """The ``samples`` table's parameter columns (dotted keys), without its join key."""
    return [c for c in samples.columns if c not in ("sample", "replicate")]


def point_key(outcomes: pd.DataFrame) -> str:
    """The column that ties an outcome to its inputs: the design point of a sweep, else the replicate."""
    return "sample" if "sample" in outcomes else "replicate"


def by_point(outcomes: pd.DataFrame) -> DataFrameGroupBy:
    """Outcomes grouped by the unit that drew its own inputs (a sweep's design point, a run's replicate)."""
    return outcomes.groupby(point_key(outcomes), observed=True)


def with_inputs(
    samples: pd.DataFrame, outcomes: pd.DataFrame, per_point: pd.Series | pd.DataFrame, parameters: list[str]
) -> pd.DataFrame:
    """The sampled ``parameters`` of each design point beside ``per_point`` (a summary of its outcomes
    indexed by :func:`point_key`); points missing from either side are left out."""
    key = point_key(outcomes)
    return samples.set_index(key if key in samples else "replicate")[parameters].join(per_point, how="inner")


def varying_parameters(table: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The parameters that take more than one value: an input held fixed can explain nothing."""
    return [c for c in parameters if table[c].nunique() > 1]


_UNITS = {
    "capability": "0-1",
    "patience": "0-1",
    "risk": "-1 averse to 1 acceptant",
    "reservation": "utility, 0-1",
    "salience": "0-1",
    "probability": "probability, 0-1",
    "ratio": "hazard ratio",
    "setting": "protocol setting",
}


def parameter_label(parameter: str) -> str:
    """'actors.Israel.red_lines.0.probability' -> 'Israel: red line 0 probability'; any other name (an axis
    that is no parameter, a key a newer dipsim wrote) as it is."""
    try:
        return ParameterKey.parse(parameter).label()
    except ValueError:
        return parameter


def parameter_title(parameter: str, manifest: dict[str, Any]) -> str:
    """'actors.Israel.red_lines.0.above' -> 'Israel: red line 0 above (% U-235)': a name and the unit its
    values are in, read from the folder's manifest (the issue of a position or red line, a track's unit)."""
    try:
        unit = _unit(ParameterKey.parse(parameter), manifest)
    except ValueError:
        return parameter
    return f"{parameter_label(parameter)} ({unit or 'unitless'})"


def _unit(key: ParameterKey, manifest: dict[str, Any]) -> str:
    issues = manifest.get("issues", {})
    actor = manifest.get("scenario", {}).get("resolved", {}).get("actors", {}).get(key.actor or "", {})
    if key.issue is not None and key.field == "position":
        return issues.get(key.issue, {}).get("unit", "")
    if key.line is not None and key.kind == "threshold":
        lines = actor.get("red_lines", [])
        issue = lines[key.line].get("issue") if key.line < len(lines) else None
        return issues.get(issue, {}).get("unit", "")
    if key.track is not None:
        unit = actor.get("tracks", {}).get(key.track, {}).get("unit", "")
        return f"{unit} per exchange" if key.field == "rate" else unit
    return "probability per exchange, 0-1" if key.field == "hazard" else _UNITS.get(key.kind, "")
