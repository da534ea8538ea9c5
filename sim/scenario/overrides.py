"""Fixing a parameter from outside the file: ``--set KEY=VALUE``, the explorer's sliders, ``--vary``.

An override replaces one number of the loaded scenario by a value (or a distribution) and validates
the result again through the same schema, so a fixed value obeys every rule a value written in the
file obeys (a probability in [0, 1], a position inside its issue's bounds, ...). The file on disk is
never touched. The overrides are part of the scenario's identity (:attr:`LoadedScenario.sha256`), so
a results folder records them and a sweep run with another ``--set`` is never resumed into this one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from sim.errors import UsageError
from sim.scenario.distributions import _Dist
from sim.scenario.keys import ParameterKey
from sim.scenario.loader import LoadedScenario
from sim.scenario.parameters import parameter_specs
from sim.scenario.references import Finding, check_references
from sim.scenario.schema import Scenario

Value = float | _Dist


def parse_assignment(text: str, option: str = "--set") -> tuple[ParameterKey, float]:
    """``actors.Israel.red_lines.0.probability=0.8`` -> (key, 0.8); a UsageError naming the option if not."""
    name, equals, number = text.partition("=")
    if not equals:
        raise UsageError(f"{option} {text}: expected KEY=VALUE, e.g. {option} actors.Israel.capability=0.7")
    key = parse_key(name.strip(), option)
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"{option} {text}: {number.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{option} {text}: the value must be a finite number")
    return key, value


def parse_key(text: str, option: str) -> ParameterKey:
    try:
        return ParameterKey.parse(text)
    except ValueError as error:
        raise UsageError(f"{option} {text}: {error}") from None


def with_values(
    loaded: LoadedScenario, values: Mapping[ParameterKey, Value], option: str = "--set"
) -> LoadedScenario:
    """The loaded scenario with each key's value replaced, validated again; the overrides are recorded."""
    if not values:
        return loaded
    known = parameter_specs(loaded.scenario)
    for key in values:
        if key not in known:
            raise UsageError(f"{option} {key}: {_unknown(key, known)}")
    document = loaded.scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for key, value in values.items():
        _assign(document, key.path, _plain(value))
    try:
        scenario = Scenario.model_validate(document)
        findings = check_references(document)
    except ValidationError as error:
        findings = [(tuple(p["loc"]), p["msg"].removeprefix("Value error, ")) for p in error.errors()]
    if findings:
        raise UsageError("\n".join(_messages(findings, values, option)))
    recorded = dict(loaded.overrides) | {str(key): _plain(value) for key, value in values.items()}
    return replace(loaded, scenario=scenario, overrides=tuple(sorted(recorded.items())))


def _assign(document: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _plain(value: Value) -> Any:
    return value.model_dump(mode="json") if isinstance(value, _Dist) else value


def _unknown(key: ParameterKey, known: Mapping[ParameterKey, Any]) -> str:
    """Why a well-formed key names nothing here, with the keys it could have meant."""
    near = [str(k) for k in known if k.path[:3] == key.path[:3]][:6] or [
        str(k) for k in known if k.path[:2] == key.path[:2]
    ][:6]
    hint = f"; this scenario has e.g. {', '.join(near)}" if near else ""
    return f"the scenario has no such parameter{hint} (dipsim validate SCENARIO --json lists them all)"


def _messages(findings: list[Finding], values: Mapping[ParameterKey, Value], option: str) -> list[str]:
    """Each complaint under the --set it comes from (a complaint about a parent names the parent)."""
    messages = []
    for where, text in findings:
        key = next(
            (k for k in values if where[: len(k.path)] == k.path or k.path[: len(where)] == where),
            None,
        )
        what = f"{key}={_plain(values[key])}" if key is not None else ".".join(map(str, where))
        messages.append(f"{option} {what}: {text}")
    return messages
