"""Human names and units for parameters: what a slider, an axis or a sentence calls a dotted key.

The names are read from the *resolved* scenario (``sim.scenario.resolved``), which every results
folder's manifest carries, so a report of an old folder and the explorer of a live scenario name a
parameter the same way: "Israel: red-line probability (enrichment)", not
``actors.Israel.red_lines.0.probability``. The dotted key stays what a user types (``--set``), and
each label is unique within its scenario, so it can stand in for the key in a figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.scenario.keys import ParameterKey

_ACTOR_SCALARS = {
    "capability": "capability",
    "patience": "patience",
    "risk": "risk attitude",
    "reservation": "reservation utility",
    "deadline_believed": "belief that the deadline is real",
}
_UNITS = {
    "capability": "0-1",
    "patience": "0-1",
    "risk": "-1 averse to 1 acceptant",
    "reservation": "utility, 0-1",
    "salience": "0-1",
    "probability": "probability, 0-1",
    "ratio": "hazard ratio",
    "setting": "protocol setting",
}


def _words(name: str) -> str:
    return name.replace("_", " ")


def parameter_label(key: ParameterKey | str, resolved: Mapping[str, Any]) -> str:
    """The parameter's human name in this scenario; a text that is no parameter key is returned as is."""
    try:
        key = key if isinstance(key, ParameterKey) else ParameterKey.parse(key)
    except ValueError:
        return str(key)
    if key.path[0] == "protocol":
        return f"Protocol: {_words(key.field)}"
    if key.path[0] == "events":
        event = resolved.get("events", {}).get(str(key.path[1]), {})
        return f"Event '{_words(str(key.path[1]))}': probability" + (
            f" ({event['label']})" if event.get("label") else ""
        )
    actor_id = key.actor or ""
    actor = resolved.get("actors", {}).get(actor_id, {})
    if key.issue is not None:
        return f"{actor_id}: {_words(key.issue)} {key.field}"
    if key.line is not None:
        return f"{actor_id}: {_red_line(actor, key)}"
    if key.track is not None:
        level = "initial level" if key.field == "initial" else "growth per exchange"
        return f"{actor_id}: {_words(key.track)}, {level}"
    if key.covariate is not None:
        covariates = actor.get("outside_option", {}).get("rises_with", [])
        covariate = covariates[key.covariate] if key.covariate < len(covariates) else {}
        return f"{actor_id}: outside-option hazard ratio ({_covariate(covariate, key.covariate)})"
    if key.field == "hazard":
        return f"{actor_id}: outside-option hazard"
    return f"{actor_id}: {_ACTOR_SCALARS.get(key.field, _words(key.field))}"


def _red_line(actor: Mapping[str, Any], key: ParameterKey) -> str:
    lines = actor.get("red_lines", [])
    line = lines[key.line] if key.line is not None and key.line < len(lines) else {}
    issue = line.get("issue")
    same_issue = [n for n, other in enumerate(lines) if other.get("issue") == issue]
    number = f" {key.line}" if issue is None or len(same_issue) > 1 else ""
    where = f" ({_words(issue)})" if issue else ""
    if key.field == "probability":
        return f"red-line{number} probability{where}"
    side = f"{_words(issue)}, fires above" if key.field == "above" else f"{_words(issue or '')}, fires below"
    return f"red-line{number} threshold ({side})" if issue else f"red-line{number} threshold ({key.field})"


def _covariate(covariate: Mapping[str, Any], number: int) -> str:
    if "track" in covariate:
        return f"per unit of {_words(str(covariate['track']))}"
    if "shortfall" in covariate:
        issues = covariate["shortfall"]
        issues = [issues] if isinstance(issues, str) else issues
        return "shortfall on " + " and ".join(_words(str(i)) for i in issues)
    return f"covariate {number}"


def parameter_unit(key: ParameterKey | str, resolved: Mapping[str, Any]) -> str:
    """The unit the parameter's values are in: an issue's unit for a position or threshold, a track's unit."""
    try:
        key = key if isinstance(key, ParameterKey) else ParameterKey.parse(key)
    except ValueError:
        return ""
    issues = resolved.get("issues", {})
    actor = resolved.get("actors", {}).get(key.actor or "", {})
    if key.issue is not None and key.field == "position":
        return str(issues.get(key.issue, {}).get("unit", ""))
    if key.line is not None and key.kind == "threshold":
        lines = actor.get("red_lines", [])
        issue = lines[key.line].get("issue") if key.line < len(lines) else None
        return str(issues.get(issue, {}).get("unit", ""))
    if key.track is not None:
        unit = str(actor.get("tracks", {}).get(key.track, {}).get("unit", ""))
        return f"{unit} per exchange" if key.field == "rate" else unit
    if key.field == "hazard":
        return "probability per exchange, 0-1"
    return _UNITS.get(key.kind, "")


def parameter_title(key: ParameterKey | str, resolved: Mapping[str, Any]) -> str:
    """Label and unit, for an axis: 'Israel: red-line threshold (enrichment, fires above) (% U-235)'."""
    unit = parameter_unit(key, resolved)
    return f"{parameter_label(key, resolved)} ({unit or 'unitless'})"
