"""A backtest as text: each case's class shares and terms, the scores with their intervals, the verdicts."""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd

from sim.experiments.backtest.cases import OUTCOME_CLASSES
from sim.experiments.backtest.scores import METRICS, Scores

METRIC_NAMES = {"brier": "Brier", "log": "log score", "mae": "MAE (deals)", "coverage": "coverage (deals)"}


def case_heading(case_id: str, info: dict[str, Any]) -> str:
    """Which case, what happened, and the dates that keep hindsight out of its coding."""
    if info.get("outcome") is None:  # written before outcome classes were scored
        return f"{case_id}  ({info['file']})"
    if info.get("retrospective"):
        return f"{case_id}  ({info['file']}): {info['outcome']}; RETROSPECTIVE coding (why: below)"
    return (
        f"{case_id}  ({info['file']}): {info['outcome']} on {info['outcome_date']}; "
        f"coded as of {info['coded_as_of']}, before {info['milestone']}"
    )


def class_lines(classes: pd.DataFrame, case_id: str) -> list[str]:
    """One case's predicted class shares per predictor, with its Brier and log scores."""
    mine = classes[classes.case == case_id]
    header = [*OUTCOME_CLASSES, "Brier", "log"]
    rows = {
        str(row.predictor): [f"{row[f'share_{label}']:.0%}" for label in OUTCOME_CLASSES]
        + [f"{row.brier:.3f}", f"{row.log:.2f}"]
        for _, row in mine.iterrows()
    }
    return _table(rows, header)


def term_lines(terms: pd.DataFrame, case_id: str) -> list[str]:
    """One deal's agreed terms: per predictor, the median and 5-95 % range on each issue."""
    mine = terms[terms.case == case_id]
    if mine.empty:
        return []
    issues = list(dict.fromkeys(mine.issue))
    header = [f"{issue} ({mine[mine.issue == issue].unit.iloc[0].split(' (')[0]})" for issue in issues]
    actual = mine.drop_duplicates("issue").set_index("issue").actual
    rows = {"actual": [_number(actual[issue]) for issue in issues]}
    for predictor, own in mine.groupby("predictor", sort=False):
        own = own.set_index("issue")
        rows[str(predictor)] = [
            f"{_number(own.predicted[i])} [{_number(own.p05[i])}, {_number(own.p95[i])}]"
            + ("" if own.covered[i] else " x")
            for i in issues
        ]
    return [
        "Agreed terms: median [5%, 95%] over replicates; x: the actual value lies outside",
        *_table(rows, header),
    ]


def score_lines(scores: Scores, cases: int) -> list[str]:
    """Each predictor's mean scores over the cases with 95 % bootstrap intervals."""
    predictors = list(dict.fromkeys(s.predictor for s in scores.scores))
    header = [METRIC_NAMES[m] for m in METRICS]
    rows = {}
    for predictor in predictors:
        cells = []
        for metric in METRICS:
            score = scores.of(predictor, metric)
            cells.append("-" if score is None else f"{score.value:.3f} [{score.low:.3f}, {score.high:.3f}]")
        kind = next(s.kind for s in scores.scores if s.predictor == predictor)
        rows[predictor + (" (baseline)" if kind == "baseline" else "")] = cells
    return [
        f"Scores over {cases} cases: mean, with a 95% bootstrap interval over cases. Lower is better, "
        "except coverage",
        "(the share of agreed terms inside the 5-95% range). '-': the predictor makes no such forecast.",
        *_table(rows, header),
    ]


def verdict_lines(scores: Scores) -> list[str]:
    """Each protocol against the best baseline of each score, and what that means, said plainly."""
    if not scores.comparisons:
        return []
    lines = ["Each protocol against the best baseline (difference, 95% bootstrap interval over cases):"]
    for metric in ("brier", "log", "mae"):
        mine = [c for c in scores.comparisons if c.metric == metric]
        if not mine:
            continue
        lines.append(f"  {METRIC_NAMES[metric]}, best baseline {mine[0].baseline}:")
        width = max(len(c.protocol) for c in mine) + 2
        for c in mine:
            lines.append(
                f"    {c.protocol:<{width}}{c.difference:+.3f} [{c.low:+.3f}, {c.high:+.3f}]  {c.verdict}"
            )
    cases = max((s.count for s in scores.scores if s.metric == "brier"), default=0)
    if cases < 10:
        lines.append(
            f"With {cases} cases a bootstrap over cases is itself rough: read these verdicts as indicative."
        )
    beaten = [c for c in scores.comparisons if c.verdict == "beats it"]
    if beaten:
        found = ", ".join(f"{c.protocol} on {METRIC_NAMES[c.metric]}" for c in beaten)
        lines.append(f"Beyond noise, only these beat the best baseline: {found}.")
    else:
        lines.append("No protocol beats the best naive baseline on any score beyond noise.")
    return lines


def source_lines(label: str, text: str, width: int = 100) -> list[str]:
    """A source, wrapped: it is long, and it is what makes a case checkable."""
    indent = " " * (len(label) + 2)
    return textwrap.wrap(" ".join(text.split()), width, initial_indent=f"{label}: ", subsequent_indent=indent)


def backtest_lines(
    classes: pd.DataFrame, terms: pd.DataFrame, manifest: dict[str, Any], scores: Scores
) -> list[str]:
    """Everything `dipsim backtest` prints after its first line, and the report's text."""
    lines = [
        "Outcome classes: the share of replicates ending in each (a forecasting model's forecast counts",
        "as a deal); the baselines 'uniform' and 'base_rate' (the other cases' outcomes) need no simulation.",
    ]
    for case_id, info in manifest["cases"].items():
        lines += ["", case_heading(case_id, info)]
        lines += ["  " + line for line in class_lines(classes, case_id)]
        lines += ["  " + line for line in term_lines(terms, case_id)]
        lines += ["  " + line for line in source_lines("outcome", info["source"])]
        if info.get("retrospective"):
            lines += ["  " + line for line in source_lines("retrospective", info["retrospective"])]
    return [*lines, "", *score_lines(scores, len(manifest["cases"])), "", *verdict_lines(scores)]


def _table(rows: dict[str, list[str]], header: list[str]) -> list[str]:
    label_width = max(len(label) for label in rows) + 2
    widths = [
        max(len(c) for c in [name, *(r[n] for r in rows.values())]) + 2 for n, name in enumerate(header)
    ]
    lines = [" " * label_width + "".join(f"{name:>{w}}" for name, w in zip(header, widths, strict=True))]
    for label, cells in rows.items():
        lines.append(
            f"{label:<{label_width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )
    return lines


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 10_000 else f"{value:.0f}"
