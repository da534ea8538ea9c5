"""The one boundary where scenario files become validated, frozen objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.scenario.calibration import apply_calibration
from sim.scenario.evidence import LoadedEvidence
from sim.scenario.extends import load_with_extends
from sim.scenario.parameters import uncertain_keys
from sim.scenario.protocols import PROTOCOL_NAMES, ProtocolChoice
from sim.scenario.references import check_references
from sim.scenario.schema import Scenario
from sim.scenario.values import _DISTRIBUTION
from sim.scenario.yaml_source import (
    Location,
    PathKey,
    Problem,
    ScenarioError,
    SourceDocument,
    beyond,
)

_PROTOCOL_SETTINGS: TypeAdapter = TypeAdapter(ProtocolChoice)


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario together with the exact text it came from, for the run manifest."""

    scenario: Scenario
    path: str
    files: dict[str, str]  # every file read (the variant, its bases, the evidence), name -> text
    evidence: LoadedEvidence | None = None  # the calibration the base scenario names, if any
    sources: dict[PathKey, Location] = field(default_factory=dict)  # where each value was written
    # Values fixed from outside the file (--set, --vary, the explorer), key -> value: sim.scenario.overrides
    overrides: tuple[tuple[str, Any], ...] = ()
    # The uncertain parameters as the files declare them, before any override: a run with --sample draws
    # a column for each, so fixing one leaves the others' draws unchanged (sim.experiments.batch)
    file_uncertain: tuple[str, ...] = ()

    def with_protocol(self, name: str) -> LoadedScenario:
        """The same scenario run under another protocol (its settings from the file if it names it).

        This is how one scenario file is compared across models: everything but
        the mechanism stays as written, and the manifest records the swap.
        """
        if self.scenario.protocol.name == name:
            return self
        if name not in PROTOCOL_NAMES:
            raise ValueError(f"unknown protocol {name!r} (known: {', '.join(PROTOCOL_NAMES)})")
        settings = _PROTOCOL_SETTINGS.validate_python({"name": name})
        return replace(self, scenario=self.scenario.model_copy(update={"protocol": settings}))

    def source_of(self, path: PathKey) -> Location | None:
        return self.sources.get(tuple(path))

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.files[name].encode())
            digest.update(b"\0")
        if self.overrides:  # a scenario without overrides keeps the digest it always had
            digest.update(json.dumps(self.overrides, sort_keys=True).encode())
        return digest.hexdigest()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, merge, validate; raise :class:`ScenarioError` listing every problem."""
    evidence: list[LoadedEvidence] = []
    document = load_with_extends(Path(path), partial(apply_calibration, used=evidence))
    scenario, problems = _validate(document)
    problems += [
        Problem(document.locate(where), where, message) for where, message in check_references(document.data)
    ]
    problems = [*document.problems, *beyond(problems, document.problems)]
    if problems or scenario is None:
        raise ScenarioError(_unique(problems))
    return LoadedScenario(
        scenario,
        str(path),
        document.files,
        evidence[0] if evidence else None,
        dict(document.locations),
        file_uncertain=tuple(str(key) for key in uncertain_keys(scenario)),
    )


def _validate(document: SourceDocument) -> tuple[Scenario | None, list[Problem]]:
    """The scenario, or the schema's problems with their lines: validated once either way."""
    try:
        return Scenario.model_validate(document.data), []
    except ValidationError as exc:
        return None, [_problem_from(error, document) for error in exc.errors()]


def _problem_from(error: Any, document: SourceDocument) -> Problem:
    path = tuple(error["loc"])
    if path[:1] == ("protocol",) and len(path) > 1 and path[1] in PROTOCOL_NAMES:
        path = path[:1] + path[2:]  # drop pydantic's union tag: it is not a key in the file
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key (not part of the scenario schema; check the spelling)"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    elif error["type"] == "missing":
        message = "required field is missing"
    return Problem(document.locate(path), path, message)


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
    """Walk dumped data; a dumped distribution is a mapping with a 'dist' key."""
    if isinstance(value, dict):
        if "dist" in value:
            return _DISTRIBUTION.validate_python(value).central
        return {k: _centralise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_centralise(v) for v in value]
    return value


__all__ = ["LoadedScenario", "ScenarioError", "load_scenario", "resolved"]
