"""Which inputs matter: the sensitivity ranking.

Also the one join of the ``samples`` table to the ``outcomes`` table that every figure about inputs
uses (:func:`with_inputs`): a sweep samples its inputs per design point (``sample``), a sampled run
per replicate.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from pandas.core.groupby import DataFrameGroupBy
from plotly.subplots import make_subplots

from sim.report.figures.common import TEMPLATE


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
