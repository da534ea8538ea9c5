"""Inject an evidence file's values into the scenario that names it.

Runs on each scenario file before ``extends`` merging, so a base scenario is
calibrated from evidence and a variant may still override a value as a
what-if. A value given in both the scenario file and the evidence is an
error: there is one source of truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.scenario.evidence import LoadedEvidence, check_against_scenario, load_evidence
from sim.scenario.keys import ParameterKey
from sim.scenario.yaml_source import (
    YAML_SUFFIXES,
    PathKey,
    Problem,
    ScenarioError,
    SourceDocument,
    subtree_paths,
)


def apply_calibration(document: SourceDocument, path: Path, used: list[LoadedEvidence]) -> SourceDocument:
    data = document.data
    if "calibration" not in data:
        return document
    reference = data.pop("calibration")
    where = document.locations[("calibration",)]
    if not isinstance(reference, str) or Path(reference).suffix not in YAML_SUFFIXES:
        raise ScenarioError(
            [Problem(where, ("calibration",), "calibration must name an evidence file (.yaml or .yml)")]
        )
    evidence_path = path.parent / reference
    if not evidence_path.exists():
        raise ScenarioError([Problem(where, ("calibration",), f"evidence file not found: {reference}")])
    loaded, problems = load_evidence(evidence_path)
    if loaded is not None:
        problems += check_against_scenario(loaded, data)
    if problems or loaded is None:
        raise ScenarioError(problems)
    conflicts = _inject(document, loaded)
    if conflicts:
        raise ScenarioError(conflicts)
    evidence_doc = loaded.document
    document.files.update(evidence_doc.files)
    used.append(loaded)
    return document


def _inject(document: SourceDocument, loaded: LoadedEvidence) -> list[Problem]:
    evidence_doc = loaded.document
    conflicts = []
    for actor_id, entries in loaded.evidence.actors.items():
        for key in entries:
            source: PathKey = ("actors", actor_id, key, "value")
            target = ParameterKey.of_actor(actor_id, key).path
            if _lookup(document.data, target) is not None:
                origin = evidence_doc.locate(source)
                conflicts.append(
                    Problem(
                        document.locate(target),
                        target,
                        f"given both here and in {origin.file}:{origin.line}; keep it in the evidence only",
                    )
                )
                continue
            value = evidence_doc.data["actors"][actor_id][key]["value"]
            if not _assign(document.data, target, value):
                continue  # the scenario's own shape is wrong there: the schema reports it
            for evidence_path in subtree_paths(value, source):
                if evidence_path in evidence_doc.locations:
                    document.locations[target + evidence_path[len(source) :]] = evidence_doc.locations[
                        evidence_path
                    ]
    return conflicts


def _lookup(data: Any, path: PathKey) -> Any:
    node = data
    for part in path:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_mapping or in_list):
            return None
        node = node[part]
    return node


def _assign(data: Any, path: PathKey, value: Any) -> bool:
    """Set ``value`` at ``path``, creating mappings on the way; False if the document's shape forbids it."""
    node = data
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)
    ):
        node[path[-1]] = value
        return True
    return False
