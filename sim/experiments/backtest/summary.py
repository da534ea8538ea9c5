"""A backtest folder as JSON: what `dipsim backtest --json` prints (full precision)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.backtest.cases import OUTCOME_CLASSES
from sim.experiments.backtest.scores import Scores, comparisons_json, scores_json


def summary_json(
    classes: pd.DataFrame, terms: pd.DataFrame, manifest: dict[str, Any], folder: Path, scores: Scores
) -> dict[str, Any]:
    """Per case its outcome, the predicted class shares and terms; then ``scores`` and the comparisons."""
    cases = []
    for case_id, info in manifest["cases"].items():
        mine = classes[classes.case == case_id]
        cases.append(
            {
                "case": case_id,
                "file": info["file"],
                "outcome": info.get("outcome"),
                "outcome_date": info.get("outcome_date"),
                "coded_as_of": info.get("coded_as_of"),
                "milestone": info.get("milestone"),
                "source": info["source"],
                "sources": info.get("sources", []),
                "retrospective": info.get("retrospective"),
                "predicted_classes": {
                    str(row.predictor): {label: float(row[f"share_{label}"]) for label in OUTCOME_CLASSES}
                    for _, row in mine.iterrows()
                },
                "brier": dict(zip(mine.predictor.astype(str), map(float, mine.brier), strict=True)),
                "log": dict(zip(mine.predictor.astype(str), map(float, mine.log), strict=True)),
                "terms": _terms(terms[terms.case == case_id]),
            }
        )
    return {
        "folder": str(folder),
        "seed": manifest["seed"],
        "replicates": manifest["replicates"],
        "sampled": manifest["sampled"],
        "protocols": manifest["protocols"],
        "baselines": manifest["baselines"],
        "cases": cases,
        "scores": scores_json(scores),
        "against_best_baseline": comparisons_json(scores),
    }


def _terms(rows: pd.DataFrame) -> list[dict[str, Any]]:
    found = []
    for issue in dict.fromkeys(rows.issue):
        own = rows[rows.issue == issue]
        found.append(
            {
                "issue": issue,
                "unit": own.unit.iloc[0],
                "actual": float(own.actual.iloc[0]),
                "predicted": {
                    str(r.predictor): {
                        "median": r.predicted,
                        "p05": r.p05,
                        "p95": r.p95,
                        "covered": bool(r.covered),
                    }
                    for r in own.itertuples()
                },
                "normalised_error": dict(
                    zip(own.predictor.astype(str), map(float, own.normalised_error), strict=True)
                ),
            }
        )
    return found
