"""Writing and reading run folders: Parquet tables plus a manifest.

A run folder is built under a dot-prefixed temporary name and renamed into
place with ``os.replace``, so a reader never sees half a run and a crash
leaves nothing that looks finished.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.records import RunTables
from sim.scenario import LoadedScenario, resolved

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


def write_table(table: pa.Table, path: Path) -> None:
    """Write one Parquet file atomically: temporary dot-name, then os.replace."""
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def write_run(tables: RunTables, folder: Path, manifest: dict[str, Any]) -> Path:
    """Write every table and the manifest into ``folder``, all or nothing."""
    folder = Path(folder)
    check_output_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    written = []
    for name in TABLES:
        table = getattr(tables, name)
        if table is not None:
            write_table(table, staging / f"{name}.parquet")
            written.append(name)
    manifest = {**manifest, "tables": written}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(staging, folder)
    return folder


def check_output_folder(folder: Path) -> None:
    """Refuse a destination that a run would clobber; call it before computing, too.

    Only an earlier run (it has a manifest) or an empty folder may be replaced.
    """
    if not folder.exists():
        return
    if folder.is_dir() and ((folder / "manifest.json").exists() or not any(folder.iterdir())):
        return
    raise FileExistsError(
        f"{folder} exists and is not a dipsim run folder (no manifest.json); "
        "choose another --out so nothing in it is overwritten"
    )


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
