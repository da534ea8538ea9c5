"""Declared outputs: the scalars that sensitivity analysis and scenario discovery read from a sweep.

An output is what EMA's ``ScalarOutcome`` is in the Exploratory Modelling Workbench (Kwakkel 2017,
Environmental Modelling & Software 96): a name, a human label, what it measures in each replicate,
and how a design point's replicates are combined into one number. Two kinds exist:

* ``outcome: CLASS`` -- whether a replicate ended in that outcome class (1 or 0); its mean over a
  design point's replicates is the share of them that ended that way;
* ``issue: ID`` -- the issue's term in force when the replicate ended: the agreed term after a deal,
  the forecast under a forecasting protocol, and the issue's status quo in every other replicate
  (no deal leaves the status quo in force). So the output is defined in every replicate, which a
  variance-based analysis needs, and it mixes two things on purpose: whether terms were settled and
  which.

A scenario may declare them in an ``outputs:`` section; without one, :func:`outputs_of` derives a
default set from the scenario itself: ``p_<class>`` for every outcome class its protocol and its
red lines, outside options, deadlines and events can produce, and one term output per issue, named
by the issue's id. Everything here reads the *resolved* scenario (plain data), which every results
folder's manifest carries, so analysis of a folder never needs the scenario file.

The outcome classes are part of the file format, so their names are declared here; the engine's
status codes (sim.engine.outcomes) must match them, which a test checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import model_validator

from sim.scenario.protocols import REGISTRY
from sim.scenario.values import Frozen

OutcomeClass = Literal["deal", "stalemate", "breakdown", "escalation", "forecast"]
OUTCOME_CLASSES: tuple[str, ...] = ("deal", "stalemate", "breakdown", "escalation", "forecast")
Aggregate = Literal["mean", "median", "std"]


class Output(Frozen):
    """One declared output: exactly one of ``outcome`` (a class's share) or ``issue`` (a term)."""

    label: str = ""
    outcome: OutcomeClass | None = None
    issue: str | None = None
    aggregate: Aggregate = "mean"

    @model_validator(mode="after")
    def _one_kind(self) -> Output:
        if (self.outcome is None) == (self.issue is None):
            raise ValueError("give exactly one of 'outcome' (an outcome class's share) or 'issue' (its term)")
        if self.outcome is not None and self.aggregate != "mean":
            raise ValueError(
                "an outcome output is the share of replicates ending that way, the mean of a 0/1 "
                "indicator; 'aggregate' applies to issue outputs"
            )
        return self


@dataclass(frozen=True)
class OutputSpec:
    """An output as analysis uses it: its name, its label for readers, and how to compute it."""

    name: str
    label: str
    outcome: str | None = None
    issue: str | None = None
    aggregate: str = "mean"
    status_quo: float | None = None  # an issue output's value in a replicate without settled terms

    @property
    def is_share(self) -> bool:
        return self.outcome is not None


def is_forecasting(resolved: Mapping[str, Any]) -> bool:
    name = resolved.get("protocol", {}).get("name", "single_text")
    return bool(REGISTRY[name].forecasts) if name in REGISTRY else False


def possible_outcomes(resolved: Mapping[str, Any]) -> tuple[str, ...]:
    """The outcome classes this scenario can produce, in the classes' order.

    A protocol that simulates signatures ends in a deal or, at the deadline, a stalemate; a
    forecasting protocol ends in its forecast. Breakdown and escalation need something that ends
    the talks that way: an outside option or an end-talks event under any protocol, and under a
    bargaining protocol also a walk-out or escalate red line and a principal's own deadline (red
    lines and deadlines play no part in a forecasting model: sim.protocols.forecasts).
    """
    forecasting = is_forecasting(resolved)
    found = {"forecast"} if forecasting else {"deal", "stalemate"}
    held = _held_rounds(resolved)
    for actor in resolved.get("actors", {}).values():
        option = actor.get("outside_option")
        if option:
            found.add(_ending(option.get("action")))
        if forecasting:
            continue
        for line in actor.get("red_lines", []):
            if line.get("action") in ("walk_out", "escalate"):
                found.add(_ending(line["action"]))
        if actor.get("deadline") in held:
            found.add("breakdown")
    for event in resolved.get("events", {}).values():
        for effect in event.get("effects", []):
            if effect.get("end_talks") in OUTCOME_CLASSES:
                found.add(effect["end_talks"])
    return tuple(c for c in OUTCOME_CLASSES if c in found)


def _ending(action: str | None) -> str:
    return "escalation" if action == "escalate" else "breakdown"


def _held_rounds(resolved: Mapping[str, Any]) -> set[str]:
    """The rounds that happen: up to and including the scenario's deadline round."""
    rounds = [str(r) for r in resolved.get("rounds", {})]
    deadline = resolved.get("deadline")
    return set(rounds[: rounds.index(deadline) + 1] if deadline in rounds else rounds)


def outputs_of(resolved: Mapping[str, Any]) -> tuple[OutputSpec, ...]:
    """The declared outputs of a resolved scenario, or its default set when it declares none."""
    declared = resolved.get("outputs") or {}
    if declared:
        return tuple(_spec(str(name), raw, resolved) for name, raw in declared.items())
    specs = [_spec(f"p_{c}", {"outcome": c}, resolved) for c in possible_outcomes(resolved)]
    taken = {spec.name for spec in specs}
    for issue_id in resolved.get("issues", {}):
        name = issue_id if issue_id not in taken else f"term_{issue_id}"
        specs.append(_spec(name, {"issue": issue_id}, resolved))
    return tuple(specs)


def _spec(name: str, raw: Mapping[str, Any], resolved: Mapping[str, Any]) -> OutputSpec:
    aggregate = str(raw.get("aggregate", "mean"))
    if raw.get("outcome") is not None:
        outcome = str(raw["outcome"])
        return OutputSpec(name, raw.get("label") or f"P({outcome})", outcome=outcome)
    issue_id = str(raw["issue"])
    issue = resolved.get("issues", {}).get(issue_id, {})
    status_quo = float(issue.get("status_quo", float("nan")))
    return OutputSpec(
        name,
        raw.get("label") or term_label(issue_id, issue, aggregate, is_forecasting(resolved)),
        issue=issue_id,
        aggregate=aggregate,
        status_quo=status_quo,
    )


def term_label(issue_id: str, issue: Mapping[str, Any], aggregate: str, forecasting: bool) -> str:
    """'Enrichment cap: agreed term (% U-235; the status quo, 60, where no deal)': what no deal counts as."""
    term = "forecast term" if forecasting else "agreed term"
    none = "no forecast" if forecasting else "no deal"
    unit = f"{issue['unit']}; " if issue.get("unit") else ""
    statistic = "" if aggregate == "mean" else f", {aggregate} over replicates"
    status_quo = issue.get("status_quo")
    quo = f"the status quo, {status_quo:g}," if isinstance(status_quo, (int, float)) else "the status quo"
    return f"{issue.get('label', issue_id)}: {term}{statistic} ({unit}{quo} where {none})"
