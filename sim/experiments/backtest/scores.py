"""What a backtest table says: the error per protocol, best first, and the JSON summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# --------------------------------------------------------------------------- summaries of the table

BASELINES = ("compromise", "weighted_median")  # the closed-form forecasts a richer model has to beat


@dataclass(frozen=True)
class Score:
    protocol: str
    mae: float  # mean normalised absolute error over the case-issues
    count: int  # case-issues scored


def protocol_scores(table: pd.DataFrame) -> list[Score]:
    """Mean normalised error per protocol, best first; ties (to 1e-12) go to the name first in order."""
    scores = [
        Score(str(name), float(errors.mean()), int(errors.size))
        for name, errors in table.groupby("protocol", sort=False).normalised_error
    ]
    return sorted(scores, key=lambda s: (round(s.mae, 12), s.protocol))


def protocol_order(table: pd.DataFrame) -> list[str]:
    """The protocols in the order they were run (the table keeps it)."""
    return list(dict.fromkeys(table.protocol))


def summary_json(table: pd.DataFrame, manifest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """What the printed backtest says, machine-readable (full precision)."""
    cases = []
    for case_id, info in manifest["cases"].items():
        mine = table[table.case == case_id]
        issues = []
        for issue in dict.fromkeys(mine.issue):
            rows = mine[mine.issue == issue]
            issues.append(
                {
                    "issue": issue,
                    "unit": rows.unit.iloc[0],
                    "actual": float(rows.actual.iloc[0]),
                    "predicted": dict(zip(rows.protocol, map(float, rows.predicted), strict=True)),
                    "normalised_error": dict(
                        zip(rows.protocol, map(float, rows.normalised_error), strict=True)
                    ),
                }
            )
        shares = mine.groupby("protocol", sort=False).settled_share.first()
        cases.append(
            {
                "case": case_id,
                "file": info["file"],
                "source": info["source"],
                "issues": issues,
                "settled_share": {k: float(v) for k, v in shares.items()},
            }
        )
    scores = protocol_scores(table)
    by_name = {score.protocol: score for score in scores}
    return {
        "folder": str(folder),
        "seed": manifest["seed"],
        "replicates": manifest["replicates"],
        "sampled": manifest["sampled"],
        "protocols": manifest["protocols"],
        "cases": cases,
        "mean_absolute_error": {
            name: {"normalised": by_name[name].mae, "case_issues": by_name[name].count}
            for name in protocol_order(table)
        },
        "ranking": [score.protocol for score in scores],
        "baselines": list(BASELINES),
    }
