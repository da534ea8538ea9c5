"""Writing run folders: Parquet tables plus a signed manifest, put in place whole.

A run folder is built under a hidden staging name and swapped into place
(sim.store.atomic), so a reader never sees half a run, a crash leaves nothing
that looks finished, and the destination is checked (sim.store.outputs) both
before computing and just before it is replaced.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.engine.log import RunTables
from sim.scenario import LoadedScenario, resolved
from sim.store.atomic import staged_folder, write_parquet
from sim.store.manifest import RunManifest, write_manifest
from sim.store.outputs import check_output_folder

TABLES = ("rounds", "texts", "events", "outcomes", "samples")
_PACKAGES = ("dipsim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "pyyaml")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_run(tables: RunTables, folder: Path, manifest: RunManifest) -> Path:
    """Write every table and the manifest into ``folder``, all or nothing."""
    folder = Path(folder)
    check_output_folder(folder, "run")
    with staged_folder(folder, check=lambda: check_output_folder(folder, "run")) as staging:
        written = []
        for name in TABLES:
            table = getattr(tables, name)
            if table is not None:
                write_parquet(table, staging / f"{name}.parquet")
                written.append(name)
        write_manifest(staging, manifest.model_copy(update={"tables": written}))
    return folder


def describe_scenario(loaded: LoadedScenario) -> dict[str, Any]:
    """The manifest sections every results folder carries: enough to read it without the scenario file."""
    scenario = loaded.scenario
    return {
        "protocol": scenario.protocol.name,
        "protocol_settings": resolved(scenario)["protocol"],
        "scenario": {
            "name": scenario.name,
            "path": loaded.path,
            "sha256": loaded.sha256,
            "files": loaded.files,
            "resolved": resolved(scenario),
            "overrides": dict(loaded.overrides),
        },
        "issues": {
            issue_id: {
                "label": issue.label,
                "unit": issue.unit,
                "bounds": list(issue.bounds),
                "status_quo": issue.status_quo,
            }
            for issue_id, issue in scenario.issues.items()
        },
        "actors": {a: {"name": spec.name, "role": spec.role} for a, spec in scenario.actors.items()},
        "rounds": [{"id": r, **scenario.rounds[r].model_dump(mode="json")} for r in scenario.round_ids],
    }


def command_line() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
