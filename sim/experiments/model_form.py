"""Model-form uncertainty: how far apart the protocols' predictions of the same scenario lie.

Each protocol is a different model of how a group decides. Sampling one
model's parameters (``--replicates N --sample``) shows how its prediction
varies with the inputs -- Monte Carlo uncertainty -- but says nothing about
whether the model is the right one; the spread *across* models does, and
only it. The two are kept apart everywhere they are shown: a protocol's
point prediction (the median of its settled replicates) feeds the model-form
range, its 5-95 % interval over replicates is its Monte Carlo interval.

Everything here reads run folders through :class:`Results`, so the numbers
printed by ``run --protocol all`` and drawn by the reports are the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.outcomes import SETTLED
from sim.scenario.protocols import FORECASTING_PROTOCOLS, PROTOCOL_NAMES
from sim.store.manifest import MANIFEST
from sim.store.outputs import entries
from sim.store.results import Results

WHAT = (
    "model-form uncertainty: the spread across models (protocols) of their predicted terms, for a "
    "forecasting protocol its forecast and otherwise the median terms given a deal; a different kind "
    "of uncertainty from a protocol's Monte Carlo interval over sampled parameters"
)
_TIE = 1e-9  # predictions this close (relative to the issue's range) name both protocols as min or max


@dataclass(frozen=True)
class Prediction:
    """One model's predicted terms per issue: the median over its settled replicates, and their spread."""

    name: str  # how the model is shown (the protocol, or scenario and protocol)
    protocol: str
    forecasts: bool  # a forecasting protocol (its terms are forecasts, not signed deals)
    replicates: int
    settled: int  # replicates that ended in a deal or a forecast
    median: dict[str, float]  # NaN where no replicate settled
    p05: dict[str, float]
    p95: dict[str, float]

    @property
    def noun(self) -> str:
        return "forecasts" if self.forecasts else "deals"


@dataclass(frozen=True)
class IssueRange:
    """The model-form range of one issue: [low, high] over the models that gave terms, and who gave them."""

    issue: str
    low: float  # NaN when no model gave terms
    high: float
    low_by: tuple[str, ...]
    high_by: tuple[str, ...]
    contributed: tuple[str, ...]
    missing: tuple[str, ...]  # models that gave no terms on this issue (no replicate settled)


def prediction(run: Results, name: str | None = None, outcomes: pd.DataFrame | None = None) -> Prediction:
    """A run's predicted terms from its outcomes table (median and 5-95 % over settled replicates).

    ``outcomes`` is that table when the caller has read it already (a sweep's can be large).
    """
    outcomes = run.table("outcomes") if outcomes is None else outcomes
    settled = outcomes[outcomes.outcome.isin(SETTLED)]
    issues = list(run.issues)

    def quantile(issue: str, q: float) -> float:
        return float(settled[issue].quantile(q)) if not settled.empty else math.nan

    protocol = str(run.manifest.get("protocol", ""))
    return Prediction(
        name=name or protocol,
        protocol=protocol,
        forecasts=protocol in FORECASTING_PROTOCOLS,
        replicates=len(outcomes),
        settled=len(settled),
        median={issue: quantile(issue, 0.5) for issue in issues},
        p05={issue: quantile(issue, 0.05) for issue in issues},
        p95={issue: quantile(issue, 0.95) for issue in issues},
    )


def ranges(predictions: list[Prediction], issues: dict[str, dict[str, Any]]) -> dict[str, IssueRange]:
    """Per issue, [min, max] of the models' point predictions, ignoring models that gave no terms."""
    result = {}
    for issue, info in issues.items():
        given = {
            p.name: p.median[issue] for p in predictions if not math.isnan(p.median.get(issue, math.nan))
        }
        missing = tuple(p.name for p in predictions if p.name not in given)
        if not given:
            result[issue] = IssueRange(issue, math.nan, math.nan, (), (), (), missing)
            continue
        low, high = min(given.values()), max(given.values())
        bounds = info.get("bounds") or [low, high]
        tie = _TIE * max(abs(bounds[1] - bounds[0]), 1.0)
        result[issue] = IssueRange(
            issue,
            low,
            high,
            tuple(n for n, v in given.items() if v - low <= tie),
            tuple(n for n, v in given.items() if high - v <= tie),
            tuple(given),
            missing,
        )
    return result


def protocol_runs(folder: Path) -> dict[str, Path] | None:
    """The run folders of a ``run --protocol ...`` folder by protocol, or None if ``folder`` is not one.

    Such a folder has no manifest of its own (it is not a run): it holds one run
    folder per protocol, each named after its protocol, and nothing else.
    """
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink() or (folder / MANIFEST).exists():
        return None
    held = entries(folder)
    members = {p.name: p for p in held if p.name in PROTOCOL_NAMES and (p / MANIFEST).is_file()}
    if len(members) < 2 or len(members) != len(held):
        return None
    return {name: members[name] for name in PROTOCOL_NAMES if name in members}


def differ_in_protocol(runs: list[Results]) -> bool:
    """Whether the folders are one question put to several models (so their spread is model-form)."""
    return len({str(r.manifest.get("protocol", "")) for r in runs}) > 1


def model_form_json(predictions: list[Prediction], issues: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON of ``run --protocol all``: the range per issue, who gives its ends, and each model's terms."""

    def number(value: float) -> float | None:
        return None if math.isnan(value) else value

    found = ranges(predictions, issues)
    monte_carlo = any(p.replicates > 1 for p in predictions)
    return {
        "model_form_range": {
            issue: None if math.isnan(r.low) else [r.low, r.high] for issue, r in found.items()
        },
        "model_form": {
            "what": WHAT,
            "issues": {
                issue: {
                    "min": number(r.low),
                    "max": number(r.high),
                    "min_by": list(r.low_by),
                    "max_by": list(r.high_by),
                    "models": len(r.contributed),
                    "of": len(predictions),
                    "no_terms": list(r.missing),
                }
                for issue, r in found.items()
            },
            "predicted_terms": {p.name: {i: number(v) for i, v in p.median.items()} for p in predictions},
            "monte_carlo_intervals": {
                p.name: {i: [number(p.p05[i]), number(p.p95[i])] for i in issues} for p in predictions
            }
            if monte_carlo
            else None,
        },
    }


def model_form_lines(predictions: list[Prediction], issues: dict[str, dict[str, Any]]) -> list[str]:
    """The range per issue as text; under it, with replicates, each model's Monte Carlo interval."""
    found = ranges(predictions, issues)
    replicates = max(p.replicates for p in predictions)
    labels = {issue: f"{issue} ({info['unit'].split(' (')[0]})" for issue, info in issues.items()}
    width = max(len(label) for label in labels.values()) + 2
    spans = {issue: _span(r) for issue, r in found.items()}
    span_width = max(len(span) for span in spans.values()) + 2
    lines = [
        "Model-form uncertainty, the spread across models: per issue, the range [min, max] of the "
        "protocols' predicted terms,",
        "one prediction per model (its forecast, or its median terms given a deal). It is a different "
        "kind of uncertainty",
        "from the Monte Carlo spread of one model over its replicates"
        + (", shown under each issue as each model's median [5%, 95%]." if replicates > 1 else "."),
    ]
    for issue, found_range in found.items():
        lines.append(
            f"  {labels[issue]:<{width}}{spans[issue]:<{span_width}}{_ends(found_range, len(predictions))}"
        )
        if replicates > 1:
            name_width = max(len(p.name) for p in predictions) + 2
            for p in predictions:
                lines.append(f"      {p.name:<{name_width}}{_interval_text(p, issue)}")
    return lines


def _span(found: IssueRange) -> str:
    return "n/a" if math.isnan(found.low) else f"[{number_text(found.low)}, {number_text(found.high)}]"


def _ends(found: IssueRange, models: int) -> str:
    if math.isnan(found.low):
        return f"no model gave terms (none of {models} settled)"
    text = f"lowest {', '.join(found.low_by)}; highest {', '.join(found.high_by)}"
    if found.missing:
        text += f" ({len(found.contributed)} of {models} models; no terms from {', '.join(found.missing)})"
    return text


def _interval_text(p: Prediction, issue: str) -> str:
    if p.settled == 0:
        return f"no terms: none of {p.replicates} replicates settled"
    low, middle, high = (number_text(q.get(issue, math.nan)) for q in (p.p05, p.median, p.p95))
    where = f"Monte Carlo median [5%, 95%] of {p.settled} {p.noun} (of {p.replicates} replicates)"
    return f"{middle:>6}  [{low}, {high}]".ljust(24) + where


def number_text(value: float) -> str:
    """A term as the side-by-side table prints it: three significant digits, whole numbers above 1000."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
