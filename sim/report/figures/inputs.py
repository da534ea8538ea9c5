"""Which inputs matter: the sensitivity ranking.

Also the one join of the ``samples`` table to the ``outcomes`` table that every figure about inputs
uses (:func:`with_inputs`): a sweep samples its inputs per design point (``sample``), a sampled run
per replicate.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.core.groupby import DataFrameGroupBy
from plotly.subplots import make_subplots

from sim.report.figures.common import TEMPLATE
from sim.report.plain import plain
from sim.scenario.labels import parameter_label

PREFERRED = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1", "pawn": "median"}  # what each ranks by
_ROW_PER_PARAMETER = 24  # pixels: each bar's label gets a row of its own


def sensitivity_ranking(
    sensitivity: pd.DataFrame, manifest: dict[str, Any] | None = None, top: int = 8
) -> go.Figure:
    """One panel per output the table holds, stacked, each ranking its top parameters by its method's index.

    Panels are stacked, not side by side, so that each panel's human parameter labels have the whole
    width to their left and never run into a neighbouring panel. An output's panel title carries its
    replicate-noise share when the table has one (sim.experiments.noise): about the share every
    total-order index there gains, and every first-order index loses, to noise.
    """
    resolved = manifest["scenario"]["resolved"] if manifest else {}
    indices = sensitivity[sensitivity.method != "noise"]
    ranked = []
    for output in dict.fromkeys(indices.output):
        rows = indices[indices.output == output]
        method = next(
            (m for m in rows.method if m in PREFERRED and (rows["index"] == PREFERRED[m]).any()), None
        )
        if method is None:  # constant across the sweep: nothing to rank
            continue
        chosen = rows[(rows.method == method) & (rows["index"] == PREFERRED[method])]
        ranked.append((output, method, chosen.sort_values("value", ascending=False).head(top).iloc[::-1]))
    titles = [_panel_title(sensitivity, output) for output, _, _ in ranked]
    lines = max((title.count("<br>") + 1 for title in titles), default=1)
    gap = 70 + 20 * lines  # pixels between panels: the axis below one panel, then the next one's title
    height = 140 + max(1, len(ranked)) * (_ROW_PER_PARAMETER * top + gap)
    figure = make_subplots(
        rows=max(1, len(ranked)), cols=1, subplot_titles=titles or [""], vertical_spacing=gap / height
    )
    for row, (_, method, chosen) in enumerate(ranked, start=1):
        labels = [plain(parameter_label(key, resolved)) for key in chosen.parameter]
        figure.add_trace(
            go.Bar(
                x=chosen.value,
                y=labels,
                orientation="h",
                marker_color="#0072B2",
                showlegend=False,
                error_x={"type": "data", "array": chosen.confidence.fillna(0)},
                hovertemplate="%{y}: %{x:.3f}<extra></extra>",
            ),
            row=row,
            col=1,
        )
        figure.update_xaxes(title_text=f"{method} {PREFERRED[method]} (unitless index)", row=row, col=1)
        figure.update_xaxes(title_standoff=4, row=row, col=1)
    figure.update_yaxes(tickfont={"size": 11}, automargin=True)
    figure.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"t": 110},
        title="Which uncertain inputs matter most: global sensitivity, the top parameters per output",
    )
    return figure


def _panel_title(sensitivity: pd.DataFrame, output: str) -> str:
    """The output's label, wrapped, and the share of its variance that is replicate noise."""
    rows = sensitivity[sensitivity.output == output]
    label = output
    if "output_label" in rows and rows.output_label.notna().any():
        label = str(rows.output_label.dropna().iloc[0])
    noise = rows[(rows.method == "noise") & (rows["index"] == "noise_share")].value.dropna()
    if len(noise):
        label += f" (replicate noise: {noise.iloc[0]:.0%} of the variance analysed)"
    return wrapped(label)


def wrapped(text: str, width: int = 90) -> str:
    """User text shown verbatim, broken into lines of about ``width`` characters for a title."""
    return "<br>".join(plain(line) for line in textwrap.wrap(text, width)) or plain(text)


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
