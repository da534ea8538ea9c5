"""What ended the talks: each outcome class broken down by the red line, event, walk-out or deadline.

The outcome chart says how often the talks end in escalation; this one says whose red line or
which event it was, and whether it struck while the talks went on or after every principal had
signed one text. Each class is one bar scaled to 100 % of its own replicates, so a rare class's
causes are as legible as a common one's; the class's share of all replicates is in its row label.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.report.figures.common import TEMPLATE
from sim.report.figures.outcomes import wrap_title
from sim.report.palette import OUTCOME_COLOURS, translucent
from sim.report.plain import plain
from sim.report.story import cause_counts, outcome_heading

_ROW_HEIGHT = 60  # px per outcome row
_LEGEND_LINE = 19  # px per line of a legend entry
_LEGEND_GROUP = 34  # px for a legend group's title and the gap before it


def outcome_causes(outcomes: pd.DataFrame, meaning: str = "share of simulated replicates") -> go.Figure:
    """A horizontal bar per outcome class (escalation split by timing), stacked by cause to 100 % of the row.

    Segments take their class's colour, lighter for each further cause, and are named in a legend
    grouped by class; a segment's own share is written inside it where it fits, never over another.
    """
    table = cause_counts(outcomes)
    table["row"] = [outcome_heading(o, s) for o, s in zip(table.outcome, table.signed, strict=True)]
    table["of_row"] = table["count"] / table.groupby("row")["count"].transform("sum")
    rows = _row_labels(table, len(outcomes))
    figure = go.Figure()
    legend = _LEGEND_GROUP * len(rows)
    for row, causes in table.groupby("row", sort=False):
        for rank, (_, cause) in enumerate(causes.iterrows()):
            name = wrap_title(cause["label"], 44)
            legend += _LEGEND_LINE * (name.count("<br>") + 1) + 4
            figure.add_trace(_segment(cause, rows[row], name, _shade(cause["outcome"], rank, len(causes))))
    figure.update_layout(
        template=TEMPLATE,
        barmode="stack",
        title="What ended the talks: each outcome's replicates broken down by cause<br>"
        f"(row labels: each outcome's {plain(meaning)})",
        height=190 + max(_ROW_HEIGHT * len(rows), legend),
        margin={"t": 110},
        xaxis={"title": "share of the outcome's replicates, by cause", "tickformat": ".0%", "range": [0, 1]},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": list(rows.values())},
        legend={"traceorder": "grouped", "groupclick": "toggleitem", "font": {"size": 11}},
        uniformtext={"minsize": 10, "mode": "hide"},
    )
    return figure


def _row_labels(table: pd.DataFrame, total: int) -> dict[str, str]:
    """Each row's label: the class and its share of all replicates, e.g. 'escalation after a signed text
    (35.4%, 708)'."""
    counts = table.groupby("row", sort=False)["count"].sum()
    return {row: f"{row}<br>{count / total:.1%} of replicates ({count:,})" for row, count in counts.items()}


def _segment(cause: pd.Series, row: str, name: str, colour: str) -> go.Bar:
    """One cause's part of its outcome's bar."""
    heading, part = cause["row"], cause["of_row"]
    return go.Bar(
        x=[part],
        y=[row],
        orientation="h",
        name=name,
        legendgroup=heading,
        legendgrouptitle_text=heading,
        marker={"color": colour, "line": {"color": "white", "width": 1.5}},
        text=[f"{part:.0%}"],
        textposition="inside",
        insidetextanchor="middle",
        customdata=[[plain(cause["label"]), cause["count"], cause["share"]]],
        hovertemplate=f"{heading}: %{{customdata[0]}}<br>%{{x:.1%}} of the {heading} replicates; "
        "%{customdata[2]:.1%} of all (%{customdata[1]:,})<extra></extra>",
    )


def _shade(outcome: str, rank: int, causes: int) -> str:
    """The class's colour for its largest cause, ever lighter (more transparent on white) for the next."""
    return translucent(OUTCOME_COLOURS[outcome], 1.0 - 0.6 * rank / max(causes - 1, 1))
