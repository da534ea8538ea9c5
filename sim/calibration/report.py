"""What each actor parameter is, and why: the content of ``dipsim calibrate``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.scenario import LoadedScenario
from sim.scenario.distributions import _Dist, central_value, support_of
from sim.scenario.evidence import Entry
from sim.scenario.keys import ParameterKey
from sim.scenario.schema import Actor, Scenario


def required_keys(actor_id: str, scenario: Scenario) -> list[ParameterKey]:
    """The parameters an actor's role actually uses in the engine."""
    actor = scenario.actors[actor_id]
    if actor.role == "mediator":
        names = ["capability"]
    else:
        names = (
            ["capability", "patience", "risk", "reservation"]
            if actor.role == "principal"
            else ["capability", "risk", "reservation"]
        )
    for issue_id in scenario.issues:
        if issue_id in actor.stances:
            names += [f"stances.{issue_id}.position", f"stances.{issue_id}.salience"]
    for index, line in enumerate(actor.red_lines):
        names.append(f"red_lines.{index}.{'above' if line.above is not None else 'below'}")
        if line.action != "reject":
            names.append(f"red_lines.{index}.probability")
    if actor.outside_option is not None:
        names.append("outside_option.hazard")
        names += [f"outside_option.rises_with.{n}.ratio" for n in range(len(actor.outside_option.rises_with))]
    for track_id in actor.tracks:
        names += [f"tracks.{track_id}.initial", f"tracks.{track_id}.rate"]
    return [ParameterKey.of_actor(actor_id, name) for name in names]


def _value_at(actor: Actor, key: ParameterKey) -> float | _Dist:
    if key.issue is not None:
        return getattr(actor.stances[key.issue], key.field)
    if key.line is not None:
        return getattr(actor.red_lines[key.line], key.field)
    if key.track is not None:
        return getattr(actor.tracks[key.track], key.field)
    if key.covariate is not None:
        assert actor.outside_option is not None
        return actor.outside_option.rises_with[key.covariate].ratio
    if key.relative == "outside_option.hazard":
        assert actor.outside_option is not None
        return actor.outside_option.hazard
    return getattr(actor, key.field)


@dataclass(frozen=True)
class ParameterRow:
    actor: str
    key: str
    kind: str
    value: float | _Dist
    basis: str  # evidence | assumption | scenario
    source: str  # file:line the value came from
    entry: Entry | None = None
    coding: str = ""
    quotes: tuple[dict[str, str], ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        low, high = support_of(self.value)
        return {
            "key": self.key,
            "kind": self.kind,
            "central": central_value(self.value),
            "low": low,
            "high": high,
            "distribution": self.value.model_dump() if isinstance(self.value, _Dist) else None,
            "basis": self.basis,
            "source": self.source,
            "rule": self.entry.rule if self.entry else None,
            "coding": self.coding or None,
            "assumption": self.entry.assumption if self.entry else None,
            "evidence": list(self.quotes),
        }


def calibration_rows(loaded: LoadedScenario, actor_id: str) -> list[ParameterRow]:
    scenario = loaded.scenario
    actor = scenario.actors[actor_id]
    evidence = loaded.evidence
    rows = []
    for parameter in required_keys(actor_id, scenario):
        key = parameter.relative
        where = loaded.source_of(parameter.path)
        source = f"{where.file}:{where.line}" if where else "default"
        entry = evidence.evidence.actors.get(actor_id, {}).get(key) if evidence else None
        if entry is not None and where is not None and where.file == evidence.display:
            basis = "assumption" if entry.is_assumption else "evidence"
            rule = evidence.evidence.rules.get(entry.rule)
            quotes = tuple(
                {"article": c.article, "quote": c.quote, "direction": c.direction} for c in entry.evidence
            )
            rows.append(
                ParameterRow(
                    actor_id,
                    key,
                    parameter.kind,
                    _value_at(actor, parameter),
                    basis,
                    source,
                    entry,
                    rule.coding if rule else "",
                    quotes,
                )
            )
        else:
            rows.append(
                ParameterRow(actor_id, key, parameter.kind, _value_at(actor, parameter), "scenario", source)
            )
    return rows


def calibration_json(loaded: LoadedScenario, actors: list[str]) -> dict[str, Any]:
    evidence = loaded.evidence
    return {
        "scenario": loaded.scenario.name,
        "evidence": str(evidence.path) if evidence else None,
        "articles": {k: v.model_dump() for k, v in evidence.evidence.articles.items()} if evidence else {},
        "actors": {
            actor_id: {
                "name": loaded.scenario.actors[actor_id].name,
                "role": loaded.scenario.actors[actor_id].role,
                "parameters": [row.as_json() for row in calibration_rows(loaded, actor_id)],
            }
            for actor_id in actors
        },
    }


_ARROWS = {"up": "raises it", "down": "lowers it", "anchor": "anchors it"}


def _describe(value: float | _Dist) -> str:
    if not isinstance(value, _Dist):
        return f"{value:g}"
    low, high = support_of(value)
    parameters = ", ".join(f"{k}={v:g}" for k, v in value.model_dump().items() if k != "dist")
    return f"{value.central:.3g}  range [{low:g}, {high:g}]  {value.dist}({parameters})"


def calibration_lines(loaded: LoadedScenario, actors: list[str]) -> list[str]:
    lines = []
    evidence = loaded.evidence
    if evidence is None:
        lines.append(f"{loaded.scenario.name}: no calibration file; values come from the scenario itself.")
    for actor_id in actors:
        actor = loaded.scenario.actors[actor_id]
        lines += ["", f"{actor_id} - {actor.name} ({actor.role})"]
        for row in calibration_rows(loaded, actor_id):
            lines.append(f"  {row.key:<34} {_describe(row.value)}")
            if row.basis == "scenario":
                lines.append(
                    f"      set in the scenario file ({row.source}), not backed by the evidence file"
                )
                continue
            lines.append(f"      rule {row.entry.rule}: {row.coding}")
            for quote in row.quotes:
                lines.append(
                    f"      [{quote['article']}] \u201c{quote['quote']}\u201d ({_ARROWS[quote['direction']]})"
                )
            if row.entry.assumption:
                label = "ASSUMPTION" if row.basis == "assumption" else "note"
                lines.append(f"      {label}: {row.entry.assumption}")
    return lines
