"""One way to read any results folder, run, sweep or backtest: reports never touch a live model.

:meth:`Results.open` is the only door. It validates the manifest (signature,
format, the fields readers need) and, for a sweep, the part index against the
manifest's plan; an incomplete sweep is refused unless the reader asks for
``partial``, and then everything it reports says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.engine.outcomes import share_meaning
from sim.errors import ResultsError
from sim.store.manifest import Kind, Manifest, SweepManifest, read_manifest
from sim.store.sweep_folder import SweepStore, tables_of


def read_parquet(
    path: Path, columns: list[str] | None = None, rows: pc.Expression | None = None
) -> pd.DataFrame:
    """One Parquet file (only ``columns``, only the ``rows`` kept), page checksums verified.

    A damaged file is refused naming it.
    """
    try:
        table = pq.read_table(path, columns=columns, filters=rows, page_checksum_verification=True)
        return table.to_pandas()
    except FileNotFoundError:
        raise ResultsError(f"{path} is missing; the results folder is incomplete") from None
    except (OSError, pa.ArrowException) as error:
        raise ResultsError(f"{path} is unreadable ({error}); the results folder is damaged") from None


@dataclass(frozen=True)
class Results:
    path: Path
    manifest: dict[str, Any]  # the validated manifest, exactly as written
    info: Manifest  # the same, typed
    batches: tuple[int, ...] = ()  # a sweep's batches that are read (all of them unless partial)

    @classmethod
    def open(cls, path: str | Path, kinds: tuple[Kind, ...] | None = None, partial: bool = False) -> Results:
        path = Path(path)
        loaded = read_manifest(path, kinds)
        batches: tuple[int, ...] = ()
        if loaded.kind == "sweep":
            batches = tuple(SweepStore(path).readable(loaded, partial).complete)
        else:
            for table in getattr(loaded.info, "tables", ()):
                part = path / f"{table}.parquet"
                if not part.is_file():
                    raise ResultsError(f"{part} is missing; the results folder is incomplete")
        return cls(path, loaded.document, loaded.info, batches)

    @property
    def share_meaning(self) -> str:
        """What this folder's outcome shares are (a sweep always samples its inputs; a run with --sample)."""
        return share_meaning(self.kind == "sweep" or bool(self.manifest.get("sampled")))

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def sweep(self) -> SweepManifest:
        if not isinstance(self.info, SweepManifest):
            raise ResultsError(f"{self.path} holds a dipsim {self.kind}, not a sweep")
        return self.info

    @property
    def is_partial(self) -> bool:
        return self.kind == "sweep" and len(self.batches) < len(self.sweep.sweep.batches)

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
        """Replicate-runs in what is read (a partial sweep counts only its finished batches)."""
        if self.kind == "sweep":
            plan = self.sweep.sweep
            return sum(plan.batches[b][1] - plan.batches[b][0] for b in self.batches) * plan.replicates
        return int(self.manifest["replicates"])

    def has(self, name: str) -> bool:
        if self.kind == "sweep":
            return name in tables_of(self.sweep.sweep.log)
        return name in self.manifest.get("tables", ())

    def table(
        self, name: str, columns: list[str] | None = None, rows: pc.Expression | None = None
    ) -> pd.DataFrame:
        """One table, reading only ``columns`` and the ``rows`` the expression keeps (default: all)."""
        if self.kind == "sweep":
            return SweepStore(self.path).table(name, list(self.batches), columns, rows)
        if not self.has(name):
            raise ResultsError(f"{self.path} has no {name} table")
        return read_parquet(self.path / f"{name}.parquet", columns, rows)

    def frame(self) -> pd.DataFrame:
        """One tidy DataFrame of inputs and outputs: a row per replicate-run, as analysts load a sweep.

        The columns are the run's ids (``sample`` for a sweep's design point, ``replicate``), then the
        sampled inputs under their dotted keys (none for a run that sampled nothing: its inputs are the
        scenario's central values, in the manifest), then the outcome columns: ``outcome``, ``cause``,
        ``signed``, when the talks ended, each issue's agreed or forecast term and each actor's utility.
        """
        if self.kind == "backtest":
            raise ResultsError(
                f"{self.path} holds a backtest; read its tables with backtest() and backtest_classes()"
            )
        outcomes = self.table("outcomes")
        ids = [c for c in ("sample", "replicate") if c in outcomes]
        if not self.has("samples"):
            return outcomes
        samples = self.table("samples")
        key = "sample" if "sample" in samples else "replicate"
        inputs = [c for c in samples if c != key]
        frame = outcomes.merge(samples, on=key, how="left", validate="many_to_one")
        return frame[[*ids, *inputs, *[c for c in outcomes if c not in ids]]]

    def backtest(self) -> pd.DataFrame:
        """A backtest's terms table: a row per case x agreed issue x predictor (sim.experiments.backtest)."""
        if self.kind != "backtest":
            raise ResultsError(f"{self.path} holds a {self.kind}, not a backtest")
        return read_parquet(self.path / "backtest.parquet")

    def backtest_classes(self) -> pd.DataFrame:
        """A backtest's outcome-class table: one row per case x predictor, with its Brier and log scores."""
        if self.kind != "backtest":
            raise ResultsError(f"{self.path} holds a {self.kind}, not a backtest")
        return read_parquet(self.path / "classes.parquet")

    def sensitivity(self) -> pd.DataFrame | None:
        path = self.path / "sensitivity.parquet"
        return read_parquet(path) if path.exists() else None

    def round_starts(self) -> list[tuple[int, str]]:
        """(first step, round id) of each round on the calendar."""
        starts, step = [], 1
        for spec in self.rounds:
            starts.append((step, spec["id"]))
            step += spec["exchanges"]
        return starts
