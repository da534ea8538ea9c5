"""How predictions are scored against what happened, and how sure the ranking is.

Per case and predictor:
- **Brier score** of the predicted outcome-class shares (Brier 1950), summed over the
  four classes: sum_k (p_k - o_k)^2, 0 for certainty on what happened, 2 for
  certainty on something else, 0.75 for the uniform forecast.
- **Log score**: -ln p of the class that happened (Good 1952), with the shares
  smoothed by half a count per class (Jeffreys), (n_k + 1/2) / (N + 2), so a
  class no replicate reached costs about ln(2N + 4) instead of infinity.
- For a deal, per agreed issue: the **normalised absolute error** |median - actual|
  / (the issue's range), and whether the actual value lies in the predictor's
  5-95 % range over replicates (**coverage**).

Across cases, each score is the mean over the cases (the errors and coverage over
case-issues), with a 95 % percentile **bootstrap** interval over cases (Efron &
Tibshirani 1993): the set of cases is resampled with replacement, so the interval
says how much the score depends on which cases happened to be coded. Each
protocol is compared with the best baseline for the same score on the same
resamples: it beats it only where the whole interval of the difference lies
below zero; otherwise the difference is within noise (or it is worse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.backtest.cases import OUTCOME_CLASSES
from sim.experiments.backtest.predictions import CLASS_BASELINES, TERM_BASELINES, Prediction

BOOTSTRAP_RESAMPLES = 2000
METRICS = ("brier", "log", "mae", "coverage")
LOWER_IS_BETTER = {"brier": True, "log": True, "mae": True, "coverage": False}
_SMOOTHING = 0.5  # Jeffreys: half a count per class


# --------------------------------------------------------------------------- one case


def brier(shares: dict[str, float], actual: str) -> float:
    """sum over the classes of (predicted share - 1 if it happened else 0)^2."""
    return float(sum((shares[label] - (label == actual)) ** 2 for label in OUTCOME_CLASSES))


def log_score(counts: dict[str, float], actual: str) -> float:
    """-ln of the smoothed share of the class that happened: (n + 1/2) / (N + K/2)."""
    total = sum(counts.values()) + _SMOOTHING * len(OUTCOME_CLASSES)
    return float(-np.log((counts[actual] + _SMOOTHING) / total))


def class_row(case_id: str, actual: str, prediction: Prediction) -> dict[str, Any]:
    """One row of the classes table: the shares, and the Brier and log scores of the case."""
    assert prediction.counts is not None and prediction.shares is not None
    return {
        "case": case_id,
        "predictor": prediction.predictor,
        "kind": prediction.kind,
        "actual": actual,
        **{f"share_{label}": prediction.shares[label] for label in OUTCOME_CLASSES},
        "brier": brier(prediction.shares, actual),
        "log": log_score(prediction.counts, actual),
    }


def term_row(
    case_id: str, issue_id: str, unit: str, bounds: tuple[float, float], actual: float, prediction: Prediction
) -> dict[str, Any]:
    """One row of the terms table: median, 5-95 % range and error of one predictor on one agreed issue."""
    assert prediction.terms is not None
    values = prediction.terms[issue_id]
    low, high = bounds
    median, p05, p95 = (float(np.quantile(values, q)) for q in (0.5, 0.05, 0.95))
    error = abs(median - actual)
    return {
        "case": case_id,
        "issue": issue_id,
        "unit": unit,
        "predictor": prediction.predictor,
        "kind": prediction.kind,
        "predicted": median,
        "p05": p05,
        "p95": p95,
        "covered": bool(p05 - 1e-9 <= actual <= p95 + 1e-9),
        "actual": actual,
        "abs_error": error,
        "normalised_error": error / (high - low),
        "settled_share": prediction.settled_share,
        "low": low,
        "high": high,
    }


# --------------------------------------------------------------------------- across cases


@dataclass(frozen=True)
class Score:
    """One predictor's score over the case set, with its bootstrap interval; NaN where it does not apply."""

    predictor: str
    kind: str
    metric: str
    value: float
    low: float
    high: float
    count: int  # cases (brier, log) or case-issues (mae, coverage) it rests on


@dataclass(frozen=True)
class Comparison:
    """A protocol against the best baseline of one metric, on the same bootstrap resamples."""

    protocol: str
    metric: str
    baseline: str
    difference: float  # protocol - baseline (lower is better for brier, log, mae)
    low: float
    high: float

    @property
    def verdict(self) -> str:
        better = self.high < 0 if LOWER_IS_BETTER[self.metric] else self.low > 0
        worse = self.low > 0 if LOWER_IS_BETTER[self.metric] else self.high < 0
        return "beats it" if better else "worse" if worse else "within noise"


@dataclass(frozen=True)
class Scores:
    scores: list[Score]
    comparisons: list[Comparison]

    def of(self, predictor: str, metric: str) -> Score | None:
        return next((s for s in self.scores if s.predictor == predictor and s.metric == metric), None)


def score_tables(classes: pd.DataFrame, terms: pd.DataFrame, seed: int) -> Scores:
    """Every predictor's mean scores with bootstrap intervals over cases, and each protocol against the best
    baseline. ``seed`` fixes the resamples, so the same backtest prints the same intervals."""
    cases = list(dict.fromkeys(classes.case))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    draws = rng.integers(0, len(cases), size=(BOOTSTRAP_RESAMPLES, len(cases)))
    per_case = _per_case(classes, terms, cases)
    scores, samples = [], {}
    for (predictor, metric), frame in per_case.items():
        sums, counts = frame["sum"].to_numpy(), frame["count"].to_numpy()
        if counts.sum() == 0:
            continue
        kind = _kind(classes, terms, predictor)
        resampled = _ratio(sums[draws].sum(axis=1), counts[draws].sum(axis=1))
        samples[predictor, metric] = resampled
        low, high = np.nanquantile(resampled, [0.025, 0.975])
        value = float(sums.sum() / counts.sum())
        scores.append(Score(predictor, kind, metric, value, float(low), float(high), int(counts.sum())))
    return Scores(scores, _comparisons(scores, samples))


def _per_case(classes: pd.DataFrame, terms: pd.DataFrame, cases: list[str]) -> dict[tuple[str, str], Any]:
    """(predictor, metric) -> per case, in case order: the sum of the scores and how many were summed."""
    found: dict[tuple[str, str], Any] = {}
    for metric, source, column in (
        ("brier", classes, "brier"),
        ("log", classes, "log"),
        ("mae", terms, "normalised_error"),
        ("coverage", terms, "covered"),
    ):
        for predictor, rows in source.groupby("predictor", sort=False):
            values = rows[column].astype(float)
            found[str(predictor), metric] = pd.DataFrame(
                {
                    "sum": values.groupby(rows.case).sum().reindex(cases, fill_value=0.0),
                    "count": values.groupby(rows.case).size().reindex(cases, fill_value=0),
                }
            )
    return found


def _ratio(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean per resample; NaN where a resample drew no case that has the score (e.g. no deal)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)


def _kind(classes: pd.DataFrame, terms: pd.DataFrame, predictor: str) -> str:
    rows = pd.concat([classes[["predictor", "kind"]], terms[["predictor", "kind"]]])
    return str(rows[rows.predictor == predictor].kind.iloc[0])


def _comparisons(scores: list[Score], samples: dict[tuple[str, str], np.ndarray]) -> list[Comparison]:
    """Each protocol minus the best baseline of each metric (coverage is reported, not ranked)."""
    comparisons = []
    for metric in ("brier", "log", "mae"):
        candidates = CLASS_BASELINES if metric in ("brier", "log") else TERM_BASELINES
        baselines = [s for s in scores if s.metric == metric and s.predictor in candidates]
        if not baselines:
            continue
        best = min(baselines, key=lambda s: (s.value, s.predictor))
        for score in scores:
            if score.metric != metric or score.kind != "protocol":
                continue
            difference = samples[score.predictor, metric] - samples[best.predictor, metric]
            low, high = np.nanquantile(difference, [0.025, 0.975])
            comparisons.append(
                Comparison(score.predictor, metric, best.predictor, score.value - best.value, low, high)
            )
    return comparisons


def scores_json(scores: Scores) -> dict[str, Any]:
    """``scores``: predictor -> {kind, brier, log, mae, coverage, <metric>_interval, <metric>_count}."""
    result: dict[str, dict[str, Any]] = {}
    for score in scores.scores:
        entry = result.setdefault(score.predictor, {"kind": score.kind, **dict.fromkeys(METRICS)})
        entry[score.metric] = score.value
        entry[f"{score.metric}_interval"] = [score.low, score.high]
        entry[f"{score.metric}_count"] = score.count
    return result


def comparisons_json(scores: Scores) -> list[dict[str, Any]]:
    return [
        {
            "protocol": c.protocol,
            "metric": c.metric,
            "best_baseline": c.baseline,
            "difference": c.difference,
            "interval": [c.low, c.high],
            "verdict": c.verdict,
        }
        for c in scores.comparisons
    ]
