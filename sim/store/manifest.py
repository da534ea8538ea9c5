"""The manifest every results folder carries: signed, typed, and validated before anything reads it.

A folder is dipsim's own output only if its ``manifest.json`` carries the
signature ``{"tool": "dipsim", "kind": ..., "format": FORMAT}``: never because
a file of that name happens to exist. Each kind of folder has one pydantic
model (:class:`RunManifest`, :class:`SweepManifest`, :class:`BacktestManifest`)
through which it is both written and read: writers build the model and
:func:`write_manifest` serialises it; readers go through :func:`read_manifest`,
which refuses, in one line naming the file, a manifest that is missing,
unreadable, not JSON, unsigned, of a newer format, of the wrong kind, or not
what the model says; they then use the validated object.
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


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Mirror(BaseModel):
    """A copy of a scenario object: its fields follow the scenario schema, which owns them."""

    model_config = ConfigDict(frozen=True, extra="allow")


class IssueInfo(_Part):
    label: str
    unit: str
    bounds: tuple[float, float]
    status_quo: float


class ActorInfo(_Part):
    name: str
    role: str


class RoundInfo(_Mirror):
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
    overrides: dict[str, Any] = Field(default_factory=dict)  # --set / --vary values, key -> value


class _Signed(_Part):
    """The signature first (tool, kind, format), then how the folder was made."""

    tool: Literal["dipsim"] = TOOL
    kind: Kind
    format: int = FORMAT
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
    kind: Literal["run"] = "run"
    seed: int
    seed_scheme: str
    replicates: int = Field(ge=1)
    sampled: bool
    uncertain_parameters: list[str]
    timing: dict[str, float]
    tables: list[str] = []


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
    expected_design_points: int = Field(ge=1)
    seed_scheme: str
    vary: dict[str, Any] | None = None  # --vary: {parameter, values, rest}


class Invocation(_Part):
    """One call of ``dipsim sweep`` on the folder: the first, and every --resume that ran batches."""

    started_at: str
    command: list[str]
    executor: str
    versions: dict[str, str]
    batches_run: int = Field(ge=0)
    seconds: float = Field(ge=0)


class SweepManifest(_ScenarioFolder):
    kind: Literal["sweep"] = "sweep"
    identity: str = Field(min_length=16)  # carried by every part, so a part from another sweep is known
    status: Literal["running", "complete"]
    sweep: SweepPlanInfo
    executor: str
    invocations: list[Invocation] = []


class CaseScenario(_Part):
    name: str
    path: str
    sha256: str


class CaseInfo(_Part):
    """A backtest case exactly as scored: its file's text and hash, the actual outcome and its source."""

    file: str
    sha256: str
    text: str
    scenario: CaseScenario
    actual: dict[str, float]
    outcome: str | None = None  # None in backtests written before outcome classes were scored
    outcome_date: str | None = None
    coded_as_of: str | None = None
    milestone: str | None = None
    sources: list[dict[str, str]] = []
    retrospective: str | None = None
    source: str
    note: str
    runs: str


class BacktestManifest(_Signed):
    kind: Literal["backtest"] = "backtest"
    cases_dir: str
    seed: int
    seed_scheme: str
    replicates: int = Field(ge=1)
    sampled: bool
    protocols: list[str] = Field(min_length=1)
    baselines: list[str]
    prediction: str
    cases: dict[str, CaseInfo] = Field(min_length=1)
    tables: list[str]
    timing: dict[str, Any] = {}


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


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write a manifest atomically, through its model.

    It is validated again first (a model changed with ``model_copy`` is not), so
    dipsim never writes what :func:`read_manifest` would refuse.
    """
    document = manifest.model_dump(mode="json")
    _MANIFEST.validate_python(document)
    write_json(Path(folder) / MANIFEST, document)
