"""The sweep folder: a signed manifest, and one Parquet part per table per planned batch.

    <sweep>/manifest.json                  the plan: every batch's sample range, and the sweep's identity
    <sweep>/outcomes/part-00003.parquet    (likewise samples, events, rounds, texts)

Each part is written atomically (sim.store.atomic) and carries, in its Parquet
metadata, the sweep's identity, its batch and its table. A batch is done once
its outcomes part exists, and that part is written last.

Nothing reads a ``part-*.parquet`` because of its name alone. :meth:`SweepStore.index`
checks every file in the table folders against the manifest's plan: a part
that does not open, has the wrong number of rows, belongs to another sweep or
to another batch, duplicates one, or has no place in the plan is found there,
and readers refuse the folder in one line that names the file and says what to
do, while ``--resume`` re-runs the batches whose own parts are damaged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.errors import ResultsError
from sim.store.atomic import is_temporary, write_parquet
from sim.store.manifest import ManifestFile, SweepManifest, read_manifest, write_manifest

TABLE_ORDER = ("samples", "events", "rounds", "texts", "outcomes")  # outcomes last: it marks a batch done
FULL_LOG_ONLY = ("rounds", "texts")
_PART = re.compile(r"^part-(\d+)\.parquet$")
_IDENTITY, _BATCH, _TABLE = b"dipsim.sweep", b"dipsim.batch", b"dipsim.table"
_SCAN = ds.ParquetFileFormat(
    default_fragment_scan_options=ds.ParquetFragmentScanOptions(page_checksum_verification=True)
)


def tables_of(log: str) -> tuple[str, ...]:
    """The tables a sweep with this log level writes, in writing order."""
    return tuple(t for t in TABLE_ORDER if log == "full" or t not in FULL_LOG_ONLY)


@dataclass
class PartIndex:
    """What the table folders hold, checked against the plan."""

    batches: int
    complete: list[int] = field(default_factory=list)  # every table's part present and sound
    damaged: dict[int, str] = field(default_factory=dict)  # batch -> why; --resume re-runs these
    foreign: list[str] = field(default_factory=list)  # files that are no part of this sweep: refused

    @property
    def pending(self) -> list[int]:
        """Batches to (re-)run: missing or damaged."""
        done = set(self.complete)
        return [b for b in range(self.batches) if b not in done]

    @property
    def is_complete(self) -> bool:
        return len(self.complete) == self.batches and not self.damaged and not self.foreign


class SweepStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def part(self, table: str, index: int) -> Path:
        return self.folder / table / f"part-{index:05d}.parquet"

    def read_manifest(self) -> ManifestFile:
        return read_manifest(self.folder, ("sweep",))

    def write_manifest(self, manifest: SweepManifest) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_manifest(self.folder, manifest)

    # --- writing -----------------------------------------------------------------

    def write_batch(self, index: int, tables: dict[str, pa.Table], identity: str) -> None:
        """Every table of one finished batch, each stamped with the sweep, the batch and the table."""
        for name in TABLE_ORDER:
            table = tables.get(name)
            if table is None:
                continue
            path = self.part(name, index)
            path.parent.mkdir(parents=True, exist_ok=True)
            stamp = {_IDENTITY: identity.encode(), _BATCH: str(index).encode(), _TABLE: name.encode()}
            write_parquet(table.replace_schema_metadata({**(table.schema.metadata or {}), **stamp}), path)

    def remove_temporaries(self) -> None:
        """Delete the temporary names a killed writer left in this sweep's folders (never anything else)."""
        for folder in (self.folder, *(self.folder / name for name in TABLE_ORDER)):
            if folder.is_dir():
                for path in folder.iterdir():
                    if is_temporary(path.name) and path.is_file():
                        path.unlink(missing_ok=True)

    # --- checking ----------------------------------------------------------------

    def index(self, manifest: SweepManifest, deep: bool = False) -> PartIndex:
        """Every file under the table folders, checked against the manifest's plan.

        Each part's footer is read (its stamp and row count); ``deep`` also reads
        its data and verifies every page checksum, which ``--resume`` does before
        it trusts a batch. Readers verify the pages they read as they read them.
        """
        plan = manifest.sweep
        found = PartIndex(len(plan.batches))
        expected = tables_of(plan.log)
        sound: dict[str, set[int]] = {}
        for name in TABLE_ORDER:
            folder = self.folder / name
            if not folder.exists():
                continue
            if name not in expected:
                found.foreign.append(f"{folder} is not written by a sweep with --log {plan.log}")
                continue
            sound[name] = self._check_folder(folder, name, manifest, found, deep)
        for batch in range(len(plan.batches)):
            if batch not in found.damaged and all(batch in sound.get(name, ()) for name in expected):
                found.complete.append(batch)
        return found

    def _check_folder(
        self, folder: Path, name: str, manifest: SweepManifest, found: PartIndex, deep: bool
    ) -> set[int]:
        plan = manifest.sweep
        seen: dict[int, Path] = {}
        sound = set()
        for path in sorted(folder.iterdir()):
            if is_temporary(path.name):
                continue
            match = _PART.match(path.name)
            if match is None or not path.is_file():
                found.foreign.append(
                    f"{path} is not a part of this sweep (parts are named part-NNNNN.parquet); "
                    "move it out of the folder"
                )
                continue
            batch = int(match.group(1))
            if batch >= len(plan.batches):
                found.foreign.append(
                    f"{path}: batch {batch} is not in this sweep's plan (batches 0-{len(plan.batches) - 1}); "
                    "move it out of the folder"
                )
                continue
            if batch in seen:
                found.foreign.append(f"{path} duplicates {seen[batch]} (batch {batch}); remove the copy")
                continue
            seen[batch] = path
            problem, foreign = _check_part(path, name, batch, manifest, deep)
            if foreign:
                found.foreign.append(problem)
            elif problem:
                found.damaged.setdefault(batch, problem)
            else:
                sound.add(batch)
        return sound

    def readable(self, manifest: ManifestFile, partial: bool = False) -> PartIndex:
        """The index, if the sweep may be read: complete, or ``partial`` and otherwise sound."""
        info = manifest.info
        assert isinstance(info, SweepManifest)
        index = self.index(info)
        problems = index.foreign + list(index.damaged.values())
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise ResultsError(f"{problems[0]}{more}")
        if len(index.complete) < index.batches and not partial:
            raise ResultsError(
                f"{self.folder} is an incomplete sweep ({len(index.complete)} of {index.batches} batches on "
                f"disk, status {info.status}); finish it with the same `dipsim sweep` command plus --resume, "
                "or pass --partial to read what is there"
            )
        if not index.complete:
            raise ResultsError(f"{self.folder} holds no finished batch yet; there is nothing to read")
        return index

    # --- reading -----------------------------------------------------------------

    def table(
        self,
        name: str,
        batches: list[int],
        columns: list[str] | None = None,
        rows: pc.Expression | None = None,
    ) -> pd.DataFrame:
        """A table over the given (checked) batches, in batch order, categories unified across parts.

        Only ``columns`` are read, and only the rows that ``rows`` keeps: Arrow
        pushes the filter down to each part's row-group statistics, so a
        report that draws the first few samples of a million-run sweep never
        decodes the rest.
        """
        parts = [str(self.part(name, batch)) for batch in sorted(batches)]
        if not parts or not (self.folder / name).exists():
            raise ResultsError(f"{self.folder} has no {name} table")
        try:
            return ds.dataset(parts, format=_SCAN).to_table(columns=columns, filter=rows).to_pandas()
        except (OSError, pa.ArrowException) as error:
            culprit = next((p for p in parts if not _reads(p)), parts[0])
            raise ResultsError(
                f"{culprit} is corrupt ({error}); "
                "rebuild it with the same `dipsim sweep` command plus --resume"
            ) from None


def _check_part(
    path: Path, name: str, batch: int, manifest: SweepManifest, deep: bool = False
) -> tuple[str | None, bool]:
    """(why the part is unusable, whether it is someone else's) -- (None, False) for a sound part."""
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return f"{path} is unreadable (truncated or corrupt); --resume re-runs batch {batch}", False
    stamp = metadata.metadata or {}
    if stamp.get(_IDENTITY) != manifest.identity.encode():
        return f"{path} belongs to another sweep; move it out of this folder", True
    if stamp.get(_BATCH) != str(batch).encode() or stamp.get(_TABLE) != name.encode():
        other = stamp.get(_BATCH, b"?").decode(errors="replace")
        table = stamp.get(_TABLE, b"?").decode(errors="replace")
        return f"{path} holds batch {other}'s {table} (a copy?); remove it", True
    first, stop = manifest.sweep.batches[batch]
    rows = {"outcomes": (stop - first) * manifest.sweep.replicates, "samples": stop - first}.get(name)
    if rows is not None and metadata.num_rows != rows:
        return f"{path} has {metadata.num_rows} rows, not {rows}; --resume re-runs batch {batch}", False
    if deep and not _reads(str(path)):
        return f"{path} is corrupt (a page fails its checksum); --resume re-runs batch {batch}", False
    return None, False


def _reads(path: str) -> bool:
    try:
        pq.ParquetFile(path, page_checksum_verification=True).read()
    except (OSError, pa.ArrowException):
        return False
    return True
