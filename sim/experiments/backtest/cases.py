"""Backtest cases: a scenario plus what actually happened, with its source; all checked before use."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import InputError, LocatedError, UsageError
from sim.scenario import LoadedScenario, ScenarioError, load_scenario
from sim.scenario.yaml_source import YAML_SUFFIXES, Location, Problem, SourceDocument, beyond, parse_yaml
from sim.terminal import plural
from sim.text_input import display_name, read_text

CASE_KEYS = (
    "case",
    "scenario",
    "coded_as_of",
    "milestone",
    "outcome",
    "outcome_date",
    "actual",
    "source",
    "sources",
    "retrospective",
    "note",
)
OUTCOME_CLASSES = ("deal", "breakdown", "escalation", "stalemate")  # what a case can have ended in
_CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # a folder name under runs/, on every file system

FiniteNumber = Annotated[StrictFloat, Field(allow_inf_nan=False)]

# --------------------------------------------------------------------------- cases


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Strict):
    """A source the coding rests on, with the date it was published."""

    date: date
    title: str = Field(min_length=1)
    publisher: str = ""
    url: str = ""


class Milestone(_Strict):
    """The decisive public event the coding must precede (the JCPOA's Lausanne framework, say)."""

    date: date
    what: str = Field(min_length=1)


class CaseSpec(_Strict):
    """What a case file may say; unknown keys are errors, as in scenarios.

    The dates are the case's defence against hindsight: every coding source is
    dated on or before ``coded_as_of``, which precedes the decisive public
    ``milestone``, which comes no later than the outcome. A case also commits
    to an outcome class; only a deal has agreed terms (``actual``).
    """

    case: str | None = Field(default=None, pattern=_CASE_ID)
    scenario: str = Field(min_length=1)
    coded_as_of: date | None = None
    milestone: Milestone | None = None
    outcome: Literal["deal", "breakdown", "escalation", "stalemate"]
    outcome_date: date | None = None
    actual: dict[str, FiniteNumber] = Field(default_factory=dict)
    source: str
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    retrospective: str | None = Field(
        default=None,
        description="Why this case's coding could not be dated before its outcome (a published table of "
        "expert estimates, say); the case is then flagged wherever it is scored.",
    )
    note: str = ""

    @field_validator("source")
    @classmethod
    def _source_says_something(cls, value: str) -> str:
        """An actual outcome without its source cannot be checked, so it cannot be trusted."""
        if not value.strip():
            raise ValueError("say where the actual outcome comes from")
        return value

    @model_validator(mode="after")
    def _dated_unless_retrospective(self) -> CaseSpec:
        """A case is dated, so that its coding can be shown to precede the outcome, or says why it cannot."""
        if self.retrospective is not None:
            if not self.retrospective.strip():
                raise ValueError("say why the coding cannot be dated before the outcome")
            return self
        missing = [k for k in ("coded_as_of", "milestone", "outcome_date") if getattr(self, k) is None]
        if missing:
            raise ValueError(
                f"give {', '.join(missing)}: the dates show the coding precedes the outcome "
                "(or declare 'retrospective' with the reason it cannot)"
            )
        return self

    @model_validator(mode="after")
    def _terms_only_for_a_deal(self) -> CaseSpec:
        if self.outcome == "deal" and not self.actual:
            raise ValueError("a deal has agreed terms: give them under 'actual' (at least one issue)")
        if self.outcome != "deal" and self.actual:
            raise ValueError(f"only a deal has agreed terms; a {self.outcome} has none: drop 'actual'")
        return self


@dataclass(frozen=True)
class Case:
    """A validated case: its file (text kept for the manifest) and its loaded scenario."""

    id: str
    file: str  # as shown in messages: relative to the working directory when possible
    text: str
    spec: CaseSpec
    loaded: LoadedScenario

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def issues(self) -> list[str]:
        """The scored issues, in the scenario's order (so tables read like the scenario)."""
        return [issue for issue in self.loaded.scenario.issues if issue in self.spec.actual]

    @property
    def outcome(self) -> str:
        return self.spec.outcome


class CaseError(LocatedError):
    """Every problem with a folder of cases, in file order, so they can all be fixed in one pass."""

    def __init__(self, problems: list[Problem], folder: Path | None = None) -> None:
        super().__init__(problems)
        self.folder = folder

    def lines(self) -> list[str]:
        count = len(self.problems)
        where = f" in the cases in {self.folder}" if self.folder is not None else ""
        return [
            *(str(p) for p in self.problems),
            f"dipsim: {plural(count, 'problem')}{where}; nothing was run",
        ]


def load_cases(folder: Path) -> list[Case]:
    """Every ``*.yaml`` / ``*.yml`` file directly in ``folder`` is a case; all are checked before use.

    Raises UsageError if there is no such folder or no case in it, and
    CaseError with every problem of every case file otherwise.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of case files")
    files = sorted(p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and not p.is_dir())
    if not files:
        raise UsageError(f"no case files (*.yaml) in {folder}")
    cases: list[Case] = []
    problems: list[Problem] = []
    for path in files:
        case, found = read_case(path)
        problems += found
        if case is not None:
            cases.append(case)
    problems += _duplicate_ids(cases)
    if problems:
        raise CaseError(problems, folder)
    return cases


def read_case(path: Path) -> tuple[Case | None, list[Problem]]:
    """One case file: the case, or the problems with it (its scenario's problems follow its own)."""
    shown = display_name(path.resolve())
    try:
        text = read_text(path, shown=shown)
        document = parse_yaml(text, shown)
    except (InputError, ScenarioError) as error:  # unreadable, YAML syntax, duplicate keys, empty, tags
        return None, list(error.problems)
    if not isinstance(document.data, dict):
        return None, document.problems or [
            Problem(Location(shown, 1), (), f"a case must be a mapping of {', '.join(CASE_KEYS)}")
        ]
    try:
        spec = CaseSpec.model_validate(document.data)
    except ValidationError as error:
        problems = [_case_problem(e, document) for e in error.errors()]
        problems = [*document.problems, *beyond(problems, document.problems)]
        return None, sorted(problems, key=lambda p: p.location.line)
    if document.problems:
        return None, document.problems
    case_id = spec.case or path.stem
    if not re.match(_CASE_ID, case_id):
        message = (
            f"the file name {path.stem!r} is not a usable case id: add 'case: <id>' (letters, digits, _.-)"
        )
        return None, [Problem(Location(shown, 1), ("case",), message)]
    problems = _check_dates(spec, document)
    if problems:
        return None, problems
    loaded, problems = _load_case_scenario(path, spec, document)
    if loaded is None:
        return None, problems
    problems = _check_actual(spec, loaded, document)
    if problems:
        return None, problems
    return Case(case_id, shown, text, spec, loaded), []


def _load_case_scenario(
    path: Path, spec: CaseSpec, document: SourceDocument
) -> tuple[LoadedScenario | None, list[Problem]]:
    """The case's scenario; if it does not load, one line in the case file, then the scenario's own."""
    where = document.locate(("scenario",))
    target = path.parent / spec.scenario
    if not target.exists():
        return None, [
            Problem(where, ("scenario",), f"scenario file not found: {display_name(target.resolve())}")
        ]
    try:
        return load_scenario(target), []
    except ScenarioError as error:
        count = len(error.problems)
        head = Problem(
            where,
            ("scenario",),
            f"the scenario {spec.scenario} does not load ({plural(count, 'problem')} below)",
        )
        return None, [head, *error.problems]


def _check_dates(spec: CaseSpec, document: SourceDocument) -> list[Problem]:
    """No hindsight: sources <= coded_as_of < milestone <= outcome, each breach at its own line."""
    if spec.coded_as_of is None or spec.milestone is None or spec.outcome_date is None:
        return []  # a retrospective case (the schema made sure it says why)
    problems = []
    for index, source in enumerate(spec.sources):
        if source.date > spec.coded_as_of:
            path = ("sources", index, "date")
            message = (
                f"dated {source.date}, after coded_as_of {spec.coded_as_of}: the coding may rest only on "
                "what was public by then"
            )
            problems.append(Problem(document.locate(path), path, message))
    if not spec.coded_as_of < spec.milestone.date:
        message = f"coded_as_of {spec.coded_as_of} must precede the milestone ({spec.milestone.date})"
        problems.append(Problem(document.locate(("coded_as_of",)), ("coded_as_of",), message))
    if spec.milestone.date > spec.outcome_date:
        message = f"the milestone ({spec.milestone.date}) cannot come after the outcome ({spec.outcome_date})"
        path = ("milestone", "date")
        problems.append(Problem(document.locate(path), path, message))
    return problems


def _check_actual(spec: CaseSpec, loaded: LoadedScenario, document: SourceDocument) -> list[Problem]:
    """Each actual outcome names one of the scenario's issues and lies on that issue's scale."""
    scenario = loaded.scenario
    problems = []
    for issue_id, value in spec.actual.items():
        path = ("actual", issue_id)
        issue = scenario.issues.get(issue_id)
        if issue is None:
            known = ", ".join(scenario.issues)
            message = f"unknown issue {issue_id!r}: scenario {scenario.name} has {known}"
            problems.append(Problem(document.locate(path), path, message))
            continue
        low, high = issue.bounds
        if not low <= value <= high:
            message = f"{value:g} lies outside the bounds of issue {issue_id!r} [{low:g}, {high:g}]"
            problems.append(Problem(document.locate(path), path, message))
    return problems


def _case_problem(error: Any, document: SourceDocument) -> Problem:
    path = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key (a case has only: {', '.join(CASE_KEYS)})"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] == "string_pattern_mismatch":
        message = "a case id is letters, digits, '_', '.' and '-', starting with a letter or digit"
    elif error["type"] == "too_short" and path == ("sources",):
        message = "list the dated sources the coding rests on: a case nobody can check is not a test"
    elif error["type"] == "literal_error" and path == ("outcome",):
        message = f"the outcome is one of {', '.join(OUTCOME_CLASSES)}"
    elif error["type"] in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        message = "a date is written YYYY-MM-DD"
    elif error["type"] == "finite_number":
        message = "must be a finite number"
    return Problem(document.locate(path), path, message)


def _duplicate_ids(cases: list[Case]) -> list[Problem]:
    """Two files may not claim the same case id: their runs would share a folder."""
    first: dict[str, Case] = {}
    problems = []
    for case in cases:
        if case.id in first:
            message = f"case id {case.id!r} is already used by {first[case.id].file}"
            problems.append(Problem(Location(case.file, 1), ("case",), message))
        else:
            first[case.id] = case
    return problems
