"""A backtest table as text: the per-case tables, the errors and ranking, the sources."""

from __future__ import annotations

import textwrap

import pandas as pd

from sim.experiments.backtest.scores import BASELINES, protocol_order, protocol_scores
from sim.terminal import plural


def case_lines(table: pd.DataFrame, case_id: str) -> list[str]:
    """One case as a small table: issue rows, the actual then one column per protocol's prediction."""
    mine = table[table.case == case_id]
    protocols = protocol_order(mine)
    header = ["actual", *protocols]
    rows: dict[str, list[str]] = {}
    for issue in dict.fromkeys(mine.issue):
        mine_here = mine[mine.issue == issue].set_index("protocol")
        label = f"{issue} ({mine_here.unit.iloc[0].split(' (')[0]})"
        rows[label] = [_number(mine_here.actual.iloc[0])] + [
            _number(mine_here.predicted[p]) for p in protocols
        ]
    shares = mine.groupby("protocol", sort=False).settled_share.first()
    rows["settled (share)"] = ["", *(f"{shares[p]:.0%}" for p in protocols)]
    label_width = max(len(label) for label in rows) + 2
    widths = [
        max(len(cell) for cell in [name, *(r[n] for r in rows.values())]) + 2 for n, name in enumerate(header)
    ]
    lines = [" " * label_width + "".join(f"{name:>{w}}" for name, w in zip(header, widths, strict=True))]
    for label, cells in rows.items():
        lines.append(
            f"{label:<{label_width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )
    return lines


def error_lines(table: pd.DataFrame) -> list[str]:
    """The mean normalised error per protocol (in run order), then the ranking and how to read it."""
    scores = {s.protocol: s for s in protocol_scores(table)}
    width = max(len(name) for name in scores) + 2
    lines = ["Mean absolute error (normalised by issue range):"]
    for name in protocol_order(table):
        score = scores[name]
        lines.append(f"  {name:<{width}}{score.mae:.4f}   over {plural(score.count, 'case-issue')}")
    lines.append("Ranking (lowest error first, ties by name):")
    lines.append("  " + "  ".join(f"{n}. {s.protocol}" for n, s in enumerate(scores.values(), start=1)))
    lines.append("Baselines to beat: the compromise (capability x salience weighted mean) and the weighted")
    lines.append("median; a richer model earns its keep only by a lower error than theirs.")
    missing = [name for name in BASELINES if name not in scores]
    if missing:
        lines.append(f"(not run here: {', '.join(missing)}; add them with --protocol)")
    return lines


def source_lines(source: str, width: int = 100) -> list[str]:
    """Where the actual outcome comes from, wrapped: it is long, and it is what makes a case checkable."""
    return textwrap.wrap(
        " ".join(source.split()), width, initial_indent="actual: ", subsequent_indent="        "
    )


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 10_000 else f"{value:.0f}"
