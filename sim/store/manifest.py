"""The manifest every results folder carries: signed, typed, and validated before anything reads it.

A folder is dipsim's own output only if its ``manifest.json`` carries the
signature ``{"tool": "dipsim", "kind": ..., "format": FORMAT}``: never because
a file of that name happens to exist. Readers go through :func:`read_manifest`,
which refuses, in one line naming the file, a manifest that is missing,
unreadable, not JSON, unsigned, of a newer format, of the wrong kind, or
missing what readers need; they then use the validated object, never raw JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, TypeAdapter, ValidationError

from sim.errors import InputError, ResultsError
from sim.store.atomic import write_json
from sim.text_input import read_text

TOOL = "dipsim"
FORMAT = 1
MANIFEST = "manifest.json"
Kind = Literal["run", "sweep", "backtest"]
MAX_MANIFEST_BYTES = 256 * 1024 * 1024  # a manifest holds the scenario texts, nothing larger


def signed(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """The manifest document: the signature first, then the body."""
    return {"tool": TOOL, "kind": kind, "format": FORMAT, **body}


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class IssueInfo(_Part):
    label: str
    unit: str
    bounds: tuple[float, float]
    status_quo: float


class ActorInfo(_Part):
    name: str
    role: str


class RoundInfo(_Part):
    id: str
    venue: str
    format: str
    agenda: list[str]
    exchanges: int = Field(ge=1)


class ScenarioInfo(_Part):
    name: str
    path: str
    sha256: str
    files: dict[str, str]
    resolved: dict[str, Any]


class _Signed(_Part):
    tool: Literal["dipsim"]
    format: int
    command: list[str]
    started_at: str
    versions: dict[str, str]


class _ScenarioFolder(_Signed):
    """What runs and sweeps both say about the scenario they ran."""

    protocol: str
    protocol_settings: dict[str, Any]
    scenario: ScenarioInfo
    issues: dict[str, IssueInfo] = Field(min_length=1)
    actors: dict[str, ActorInfo] = Field(min_length=1)
    rounds: list[RoundInfo] = Field(min_length=1)


class RunManifest(_ScenarioFolder):
    kind: Literal["run"]
    seed: int
    replicates: int = Field(ge=1)
    sampled: bool
    uncertain_parameters: list[str]
    tables: list[str]


class SweepPlanInfo(_Part):
    design: str
    samples: int = Field(ge=1)
    design_points: int = Field(ge=1)
    replicates: int = Field(ge=1)
    total_replicates: int = Field(ge=1)
    seed: int
    log: Literal["full", "outcomes"]
    samples_per_batch: int = Field(ge=1)
    batch_replicates: int = Field(ge=1)
    batches: list[tuple[int, int]] = Field(min_length=1)  # [first sample, stop sample) of each batch
    uncertain_parameters: list[str]


class SweepManifest(_ScenarioFolder):
    kind: Literal["sweep"]
    identity: str = Field(min_length=16)  # carried by every part, so a part from another sweep is known
    status: Literal["running", "complete"]
    sweep: SweepPlanInfo
    executor: str


class BacktestManifest(_Signed):
    kind: Literal["backtest"]
    seed: int
    replicates: int = Field(ge=1)
    sampled: bool
    protocols: list[str] = Field(min_length=1)
    cases: dict[str, dict[str, Any]] = Field(min_length=1)
    tables: list[str]


Manifest = RunManifest | SweepManifest | BacktestManifest
_MANIFEST: TypeAdapter = TypeAdapter(Annotated[Manifest, Discriminator("kind")])


@dataclass(frozen=True)
class ManifestFile:
    """A validated manifest: typed for code that needs its fields, and the document exactly as written."""

    info: Manifest
    document: dict[str, Any]

    @property
    def kind(self) -> Kind:
        return self.info.kind


_KINDS = ("run", "sweep", "backtest")


def has_signature(document: Any) -> bool:
    return isinstance(document, dict) and document.get("tool") == TOOL and document.get("kind") in _KINDS


def read_manifest(folder: Path, expect: tuple[Kind, ...] | None = None) -> ManifestFile:
    """The folder's validated manifest, or :class:`ResultsError` in one line saying what is wrong."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ResultsError(f"{folder} is not a folder")
    if not path.exists():
        raise ResultsError(f"{folder} is not a dipsim results folder (no {MANIFEST})")
    try:
        text = read_text(path, limit=MAX_MANIFEST_BYTES)
    except InputError as error:
        (problem,) = error.problems
        raise ResultsError(f"{path}:{problem.location.line}: {problem.message}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultsError(
            f"{path}:{error.lineno}: not valid JSON ({error.msg}); the folder's manifest is damaged"
        ) from None
    if (
        isinstance(document, dict)
        and "tool" not in document
        and document.get("kind") in _KINDS
        and "command" in document
    ):
        raise ResultsError(
            f"{path}: written by an earlier dipsim, before results were signed (format {FORMAT}); "
            "run the same command again with this version"
        )
    if not has_signature(document):
        raise ResultsError(
            f"{path}: not written by dipsim (no signature: tool, kind, format); "
            "dipsim reads and replaces only its own results folders"
        )
    if not isinstance(document.get("format"), int) or document["format"] > FORMAT:
        raise ResultsError(
            f"{path}: results format {document.get('format')!r}; this dipsim reads format {FORMAT} "
            "(upgrade dipsim to read it)"
        )
    try:
        manifest = _MANIFEST.validate_python(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "<manifest>"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise ResultsError(
            f"{path}: invalid dipsim {document['kind']} manifest: {where}: {first['msg']}{more}"
        ) from None
    if expect is not None and manifest.kind not in expect:
        wanted = " or ".join(expect)
        raise ResultsError(f"{folder} holds a dipsim {manifest.kind}, not a {wanted}")
    return ManifestFile(manifest, document)


def write_manifest(folder: Path, document: dict[str, Any]) -> None:
    """Write a signed manifest atomically (validated first: dipsim never writes what it would refuse)."""
    _MANIFEST.validate_python(document)
    write_json(Path(folder) / MANIFEST, document)
