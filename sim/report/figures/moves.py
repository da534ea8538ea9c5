"""Who moved towards whom in a forecasting model's run: one small grid per issue, mover x target.

The expected-utility model logs one 'move' event per actor and exchange, naming
whom it moved towards ("compromises with Denmark on emission_date"). Drawn as
labels on the position chart they pile up into an unreadable stack; counted
into a grid (rows: who moved, columns: towards whom, cells: in how many
exchanges) they show the coalitions at a glance, and the hover says how.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.figures.common import TEMPLATE
from sim.report.plain import plain
from sim.store.results import Results

EVERY_ISSUE = ""  # the issue of a move that is not on one issue (a bargain over all of them, as in SMP)


@dataclass(frozen=True)
class Move:
    mover: str
    verb: str  # "compromises with", "capitulates to", "takes its bargain with", ...
    target: str
    issue: str  # an issue id, or EVERY_ISSUE


def parse_move(actor: str, detail: str, results: Results) -> Move | None:
    """Read '<verb> <actor>[ on <issue>]' back into its parts, knowing the scenario's ids; None if it is not.

    The ids come from the manifest, so an id with spaces or one that contains another still parses.
    """
    rest, issue = detail, EVERY_ISSUE
    for candidate in sorted(results.issues, key=len, reverse=True):
        if detail.endswith(f" on {candidate}"):
            rest, issue = detail[: -len(f" on {candidate}")], candidate
            break
    for target in sorted(results.actors, key=len, reverse=True):
        if rest.endswith(f" {target}") and len(rest) > len(target) + 1:
            return Move(actor, rest[: -len(target) - 1], target, issue)
    return None


def moves_table(events: pd.DataFrame, results: Results) -> pd.DataFrame:
    """One row per logged move that names a target: step, mover, verb, target, issue."""
    moves = events[events.kind == "move"]
    parsed = {
        (actor, detail): parse_move(str(actor), str(detail), results)
        for actor, detail in moves[["actor", "detail"]].drop_duplicates().itertuples(index=False)
    }
    rows = [
        {"step": int(row.step), **vars(move)}
        for row in moves.itertuples()
        if (move := parsed[(row.actor, row.detail)]) is not None
    ]
    return pd.DataFrame(rows, columns=["step", "mover", "verb", "target", "issue"])


def who_moved(events: pd.DataFrame, results: Results) -> go.Figure | None:
    """Per issue, in how many exchanges each actor moved towards each other one; None if nobody moved."""
    table = moves_table(events, results)
    if table.empty:
        return None
    moved_on = set(table.issue)
    issues = ([EVERY_ISSUE] if EVERY_ISSUE in moved_on else []) + (
        list(results.issues) if moved_on - {EVERY_ISSUE} else []
    )
    titles = {EVERY_ISSUE: "Every issue at once", **{i: info["label"] for i, info in results.issues.items()}}
    actors = [a for a in results.actors if a in set(table.mover) | set(table.target)]
    columns = min(2, len(issues))
    rows = math.ceil(len(issues) / columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[plain(titles[i]) + ("" if i in moved_on else " (nobody moved)") for i in issues],
        horizontal_spacing=0.12,
        vertical_spacing=min(0.45 / rows, 0.25),
    )
    most = int(table.groupby(["issue", "mover", "target"]).size().max())
    for n, issue in enumerate(issues):
        mine = table[table.issue == issue]  # empty: the panel still shows its grid, with no cell filled
        counts = mine.groupby(["mover", "target"]).size()
        how = mine.groupby(["mover", "target"]).verb.agg(
            lambda verbs: "; ".join(f"{verb} x{count}" for verb, count in verbs.value_counts().items())
        )
        z = [[counts.get((m, t), None) for t in actors] for m in actors]
        hover = [
            [
                f"{plain(m)} moved towards {plain(t)} in {counts[(m, t)]} exchange"
                f"{'s' if counts[(m, t)] > 1 else ''} ({plain(how[(m, t)])})"
                if (m, t) in counts
                else ""
                for t in actors
            ]
            for m in actors
        ]
        figure.add_trace(
            go.Heatmap(
                z=z,
                x=[plain(a) for a in actors],
                y=[plain(a) for a in actors],
                text=[[str(v) if v else "" for v in line] for line in z],
                texttemplate="%{text}",
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
                coloraxis="coloraxis",
                xgap=2,
                ygap=2,
            ),
            row=n // columns + 1,
            col=n % columns + 1,
        )
    shown = {"type": "category", "categoryorder": "array", "categoryarray": [plain(a) for a in actors]}
    figure.update_xaxes(tickangle=-45, range=[-0.5, len(actors) - 0.5], **shown)
    figure.update_yaxes(range=[len(actors) - 0.5, -0.5], **shown)  # first actor on top
    for column in range(1, columns + 1):  # axis titles once, on the outer panels, clear of the next title
        last = max(r for r in range(1, rows + 1) if (r - 1) * columns + column <= len(issues))
        figure.update_xaxes(title_text="moved towards", row=last, col=column)
    for row in range(1, rows + 1):
        figure.update_yaxes(title_text="who moved", row=row, col=1)
    figure.update_layout(
        template=TEMPLATE,
        height=rows * (190 + 26 * len(actors)) + 80,
        title="Who moved towards whom: exchanges in which each actor (row) moved its position towards "
        "another's (column)",
        coloraxis={"colorscale": "Blues", "cmin": 0, "cmax": most, "colorbar": {"title": "exchanges"}},
    )
    return figure
