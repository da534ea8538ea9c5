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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.records import RunTables

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


@dataclass(frozen=True)
class RunFolder:
    """A finished run read back from disk: what reports and analysis work from."""

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.exists():
            raise FileNotFoundError(f"{path} is not a run folder: no manifest.json")
        return cls(path, json.loads(manifest_path.read_text()))

    def table(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.path / f"{name}.parquet")


def command_line() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
