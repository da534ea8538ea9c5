"""One way to read any results folder, run, sweep or backtest: reports never touch a live model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweep.store import SweepStore


@dataclass(frozen=True)
class Results:
    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: str | Path) -> Results:
        path = Path(path)
        manifest = path / "manifest.json"
        if not manifest.exists():
            raise FileNotFoundError(f"{path} is not a dipsim results folder (no manifest.json)")
        return cls(path, json.loads(manifest.read_text()))

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "run")

    @property
    def scenario(self) -> str:
        return self.manifest["scenario"]["name"]

    @property
    def issues(self) -> dict[str, dict[str, Any]]:
        return self.manifest["issues"]

    @property
    def actors(self) -> dict[str, dict[str, Any]]:
        return self.manifest["actors"]

    @property
    def rounds(self) -> list[dict[str, Any]]:
        return self.manifest["rounds"]

    @property
    def replicates(self) -> int:
        if self.kind == "sweep":
            return int(self.manifest["sweep"]["total_replicates"])
        return int(self.manifest["replicates"])

    def has(self, name: str) -> bool:
        if self.kind == "sweep":
            return bool(SweepStore(self.path).parts(name))
        return (self.path / f"{name}.parquet").exists()

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        if self.kind == "sweep":
            return SweepStore(self.path).table(name, columns)
        return pd.read_parquet(self.path / f"{name}.parquet", columns=columns)

    def backtest(self) -> pd.DataFrame:
        """A backtest's score table: one row per case x issue x protocol (sim.backtest)."""
        if self.kind != "backtest":
            raise ValueError(f"{self.path} holds a {self.kind}, not a backtest")
        return pd.read_parquet(self.path / "backtest.parquet")

    def sensitivity(self) -> pd.DataFrame | None:
        path = self.path / "sensitivity.parquet"
        return pd.read_parquet(path) if path.exists() else None

    def round_starts(self) -> list[tuple[int, str]]:
        """(first step, round id) of each round on the calendar."""
        starts, step = [], 1
        for spec in self.rounds:
            starts.append((step, spec["id"]))
            step += spec["exchanges"]
        return starts
