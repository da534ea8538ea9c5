"""The one boundary where scenario files become validated, frozen objects."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.distributions import _Dist
from sim.scenario.references import check_references
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import (
    Problem,
    ScenarioError,
    SourceDocument,
    load_with_extends,
)


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario together with the exact text it came from, for the run manifest."""

    scenario: Scenario
    path: str
    files: dict[str, str]  # every file read (the variant and its bases), name -> text

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.files[name].encode())
            digest.update(b"\0")
        return digest.hexdigest()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, merge, validate; raise :class:`ScenarioError` listing every problem."""
    document = load_with_extends(Path(path))
    problems = _schema_problems(document) + [
        Problem(document.locate(where), where, message) for where, message in check_references(document.data)
    ]
    if problems:
        raise ScenarioError(_unique(problems))
    scenario = Scenario.model_validate(document.data)
    return LoadedScenario(scenario, str(path), document.files)


def _schema_problems(document: SourceDocument) -> list[Problem]:
    try:
        Scenario.model_validate(document.data)
    except ValidationError as exc:
        return [_problem_from(error, document) for error in exc.errors()]
    return []


def _problem_from(error: Any, document: SourceDocument) -> Problem:
    path = tuple(error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key (not part of the scenario schema; check the spelling)"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    elif error["type"] == "missing":
        message = "required field is missing"
    data_path = _existing_prefix(path, document)
    return Problem(document.locate(path), data_path, message)


def _existing_prefix(path: tuple[Any, ...], document: SourceDocument) -> tuple[Any, ...]:
    """Drop pydantic's internal union tags from the path, but keep missing leaf keys."""
    cleaned = [p for p in path if p not in ("float", "function-after[check(), union[float,")]
    return tuple(p for p in cleaned if not (isinstance(p, str) and "[" in p))


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    result = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            result.append(problem)
    return result


def resolved(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data with every distribution replaced by its central value."""
    return _centralise(scenario.model_dump(mode="python", by_alias=True, exclude_none=True))


def _centralise(value: Any) -> Any:
    if isinstance(value, _Dist):
        return value.central
    if isinstance(value, dict):
        if "dist" in value:
            return _DIST_CENTRAL(value)
        return {k: _centralise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_centralise(v) for v in value]
    return value


def _DIST_CENTRAL(raw: dict[str, Any]) -> float:  # noqa: N802 - reads as a constant lookup
    from sim.scenario.schema import _DISTRIBUTION

    return _DISTRIBUTION.validate_python(raw).central


__all__ = ["LoadedScenario", "ScenarioError", "load_scenario", "resolved"]
