"""The sweep folder: a manifest and one Hive-style Parquet dataset per table.

    <sweep>/manifest.json
    <sweep>/outcomes/part-00003.parquet   (likewise rounds, texts, events, samples)

Each part is written under a dot-name and moved into place with os.replace, so
readers (pyarrow ignores dot-files) never see a torn file. A batch counts as
done once its outcomes part exists, and that part is written last, so a batch
interrupted half-way is simply run and written again on resume.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds

from sim.results import write_table
from sim.sweep.worker import BatchResult

TABLE_ORDER = ("samples", "events", "rounds", "texts", "outcomes")  # outcomes last: it marks a batch done
MANIFEST = "manifest.json"


class SweepStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def part(self, table: str, index: int) -> Path:
        return self.folder / table / f"part-{index:05d}.parquet"

    def has_manifest(self) -> bool:
        return (self.folder / MANIFEST).exists()

    def read_manifest(self) -> dict[str, Any]:
        return json.loads((self.folder / MANIFEST).read_text())

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(temporary, self.folder / MANIFEST)

    def completed_batches(self) -> set[int]:
        outcomes = self.folder / "outcomes"
        if not outcomes.exists():
            return set()
        return {int(p.stem.split("-")[1]) for p in outcomes.glob("part-*.parquet")}

    def write_batch(self, result: BatchResult) -> None:
        for name in TABLE_ORDER:
            table = result.tables.get(name)
            if table is None:
                continue
            path = self.part(name, result.index)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_table(table, path)

    def parts(self, name: str) -> list[Path]:
        return sorted((self.folder / name).glob("part-*.parquet"))

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A whole table of the sweep, parts in batch order, categories unified across parts."""
        parts = self.parts(name)
        if not parts:
            raise FileNotFoundError(f"{self.folder} has no {name} table")
        return ds.dataset([str(p) for p in parts], format="parquet").to_table(columns=columns).to_pandas()
