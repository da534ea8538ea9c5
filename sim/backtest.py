"""``dipsim backtest``: run every protocol on past cases and score the predictions against what happened.

A case is a scenario plus the known outcome on some of its issues, with the
source of that outcome (docs/backtest.md). Every case is validated before
anything runs, so a typo in the last case costs nothing. Each case is then run
under each protocol into an ordinary run folder (``OUT/runs/<case>/<protocol>``)
and the predictions are read back from those folders, never from a live model:
every number in the score table can be traced to a run that ``dipsim report``
can show on its own. The whole backtest folder is built under a temporary name
and renamed into place, so a reader never sees half a backtest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, ValidationError, field_validator

from sim import __version__
from sim.cli_arguments import add_run_settings
from sim.engine.outcomes import SETTLED
from sim.errors import InputError, LocatedError, UsageError
from sim.experiments.run import RunSettings
from sim.experiments.side_by_side import protocol_names, run_protocols
from sim.scenario import LoadedScenario, ScenarioError, load_scenario
from sim.scenario.yaml_source import YAML_SUFFIXES, Location, Problem, SourceDocument, beyond, parse_yaml
from sim.store.atomic import staged_folder, write_atomically, write_parquet
from sim.store.manifest import signed, write_manifest
from sim.store.outputs import check_output_folder, slug
from sim.store.results import Results
from sim.store.run_folder import command_line, package_versions
from sim.text_input import display_name, read_text

DEFAULT_FOLDER = Path("results/backtests")
BASELINES = ("compromise", "weighted_median")  # the closed-form forecasts a richer model has to beat
CASE_KEYS = ("case", "scenario", "actual", "source", "note")
_CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # a folder name under runs/, on every file system
SCHEMA = pa.schema(
    [
        ("case", pa.string()),
        ("issue", pa.string()),
        ("unit", pa.string()),
        ("protocol", pa.string()),
        ("predicted", pa.float64()),
        ("actual", pa.float64()),
        ("abs_error", pa.float64()),
        ("normalised_error", pa.float64()),
        ("settled_share", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
    ]
)

FiniteNumber = Annotated[StrictFloat, Field(allow_inf_nan=False)]


# --------------------------------------------------------------------------- cases


class CaseSpec(BaseModel):
    """What a case file may say; unknown keys are errors, as in scenarios."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case: str | None = Field(default=None, pattern=_CASE_ID)
    scenario: str = Field(min_length=1)
    actual: dict[str, FiniteNumber] = Field(min_length=1)
    source: str
    note: str = ""

    @field_validator("source")
    @classmethod
    def _source_says_something(cls, value: str) -> str:
        """An actual outcome without its source cannot be checked, so it cannot be trusted."""
        if not value.strip():
            raise ValueError("say where the actual outcome comes from")
        return value


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
            f"dipsim: {count} problem{_s(count)}{where}; nothing was run",
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
            f"the scenario {spec.scenario} does not load ({count} problem{_s(count)} below)",
        )
        return None, [head, *error.problems]


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
    elif error["type"] == "too_short" and path == ("actual",):
        message = "give the actual outcome of at least one issue: there is nothing to score"
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


# --------------------------------------------------------------------------- the harness


def default_folder(cases_dir: Path, seed: int) -> Path:
    return DEFAULT_FOLDER / f"{slug(cases_dir.resolve().name, 'cases')}-s{seed}"


def run_backtest(
    cases: list[Case], names: list[str], settings: RunSettings, folder: Path, cases_dir: Path
) -> Path:
    """Run every case under every protocol, score, and put the whole folder in place at once."""
    check_output_folder(folder, "backtest")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    with staged_folder(folder, check=lambda: check_output_folder(folder, "backtest")) as staging:
        seconds: dict[str, float] = {}
        rows: list[dict[str, Any]] = []
        for case in cases:
            case_clock = time.perf_counter()
            folders = run_protocols(case.loaded, names, settings, staging / "runs" / case.id)
            rows += score_case(case, {name: Results.open(path) for name, path in folders.items()})
            seconds[case.id] = round(time.perf_counter() - case_clock, 4)
        table = pa.Table.from_pylist(rows, schema=SCHEMA)
        write_parquet(table, staging / "backtest.parquet")
        write_atomically(staging / "backtest.csv", lambda path: table.to_pandas().to_csv(path, index=False))
        manifest = _manifest(cases, names, settings, cases_dir, started)
        manifest["timing"] = {"seconds": round(time.perf_counter() - clock, 4), "cases": seconds}
        write_manifest(staging, manifest)
    return folder


def held_terms(run: Results) -> tuple[dict[str, float], float]:
    """Median over replicates of what holds at the end, per issue, and the share that settled.

    A deal or a forecast holds its terms; any other ending leaves the status quo
    standing, which is then the prediction (talks that fail predict no change).
    """
    outcomes = run.table("outcomes")
    settled = outcomes.outcome.isin(SETTLED).to_numpy()
    held = {
        issue: float(np.median(np.where(settled, outcomes[issue].to_numpy(dtype=float), info["status_quo"])))
        for issue, info in run.issues.items()
    }
    return held, float(settled.mean())


def score_case(case: Case, runs: dict[str, Results]) -> list[dict[str, Any]]:
    """One row per scored issue x protocol, in the scenario's issue order and the protocols' order."""
    held = {name: held_terms(run) for name, run in runs.items()}
    rows = []
    for issue_id in case.issues:
        issue = case.loaded.scenario.issues[issue_id]
        low, high = (float(b) for b in issue.bounds)
        actual = float(case.spec.actual[issue_id])
        for name, (terms, share) in held.items():
            error = abs(terms[issue_id] - actual)
            rows.append(
                {
                    "case": case.id,
                    "issue": issue_id,
                    "unit": issue.unit,
                    "protocol": name,
                    "predicted": terms[issue_id],
                    "actual": actual,
                    "abs_error": error,
                    "normalised_error": error / (high - low),
                    "settled_share": share,
                    "low": low,
                    "high": high,
                }
            )
    return rows


def _manifest(
    cases: list[Case], names: list[str], settings: RunSettings, cases_dir: Path, started: datetime
) -> dict[str, Any]:
    """Enough to redo the backtest and to know exactly which case texts were scored."""
    return signed(
        "backtest",
        {
            "command": command_line(),
            "started_at": started.isoformat(timespec="seconds"),
            "cases_dir": display_name(cases_dir.resolve()),
            "seed": settings.seed,
            "seed_scheme": "every case runs under every protocol with this root seed (see each run manifest)",
            "replicates": settings.replicates,
            "sampled": settings.sample,
            "protocols": names,
            "baselines": [name for name in BASELINES if name in names],
            "prediction": "median over replicates of the terms of a deal or forecast, else the status quo",
            "cases": {
                case.id: {
                    "file": case.file,
                    "sha256": case.sha256,
                    "text": case.text,
                    "scenario": {
                        "name": case.loaded.scenario.name,
                        "path": case.loaded.path,
                        "sha256": case.loaded.sha256,
                    },
                    "actual": dict(case.spec.actual),
                    "source": case.spec.source,
                    "note": case.spec.note,
                    "runs": f"runs/{case.id}",
                }
                for case in cases
            },
            "tables": ["backtest"],
            "versions": package_versions(),
        },
    )


# --------------------------------------------------------------------------- summaries of the table


@dataclass(frozen=True)
class Score:
    protocol: str
    mae: float  # mean normalised absolute error over the case-issues
    count: int  # case-issues scored


def protocol_scores(table: pd.DataFrame) -> list[Score]:
    """Mean normalised error per protocol, best first; ties (to 1e-12) go to the name first in order."""
    scores = [
        Score(str(name), float(errors.mean()), int(errors.size))
        for name, errors in table.groupby("protocol", sort=False).normalised_error
    ]
    return sorted(scores, key=lambda s: (round(s.mae, 12), s.protocol))


def protocol_order(table: pd.DataFrame) -> list[str]:
    """The protocols in the order they were run (the table keeps it)."""
    return list(dict.fromkeys(table.protocol))


def case_lines(table: pd.DataFrame, case_id: str) -> list[str]:
    """One case as a small table: issue rows, the actual then one column per protocol's prediction."""
    mine = table[table.case == case_id]
    protocols = protocol_order(mine)
    header = ["actual", *protocols]
    rows: dict[str, list[str]] = {}
    for issue in dict.fromkeys(mine.issue):
        mine_here = mine[mine.issue == issue].set_index("protocol")
        label = f"{issue} ({mine_here.unit.iloc[0].split(' (')[0]})"
        rows[label] = [_number(mine_here.actual.iloc[0])] + [
            _number(mine_here.predicted[p]) for p in protocols
        ]
    shares = mine.groupby("protocol", sort=False).settled_share.first()
    rows["settled (share)"] = ["", *(f"{shares[p]:.0%}" for p in protocols)]
    label_width = max(len(label) for label in rows) + 2
    widths = [
        max(len(cell) for cell in [name, *(r[n] for r in rows.values())]) + 2 for n, name in enumerate(header)
    ]
    lines = [" " * label_width + "".join(f"{name:>{w}}" for name, w in zip(header, widths, strict=True))]
    for label, cells in rows.items():
        lines.append(
            f"{label:<{label_width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )
    return lines


def error_lines(table: pd.DataFrame) -> list[str]:
    """The mean normalised error per protocol (in run order), then the ranking and how to read it."""
    scores = {s.protocol: s for s in protocol_scores(table)}
    width = max(len(name) for name in scores) + 2
    lines = ["Mean absolute error (normalised by issue range):"]
    for name in protocol_order(table):
        score = scores[name]
        lines.append(f"  {name:<{width}}{score.mae:.4f}   over {score.count} case-issue{_s(score.count)}")
    lines.append("Ranking (lowest error first, ties by name):")
    lines.append("  " + "  ".join(f"{n}. {s.protocol}" for n, s in enumerate(scores.values(), start=1)))
    lines.append("Baselines to beat: the compromise (capability x salience weighted mean) and the weighted")
    lines.append("median; a richer model earns its keep only by a lower error than theirs.")
    missing = [name for name in BASELINES if name not in scores]
    if missing:
        lines.append(f"(not run here: {', '.join(missing)}; add them with --protocol)")
    return lines


def source_lines(source: str, width: int = 100) -> list[str]:
    """Where the actual outcome comes from, wrapped: it is long, and it is what makes a case checkable."""
    return textwrap.wrap(
        " ".join(source.split()), width, initial_indent="actual: ", subsequent_indent="        "
    )


def summary_json(table: pd.DataFrame, manifest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """What the printed backtest says, machine-readable (full precision)."""
    cases = []
    for case_id, info in manifest["cases"].items():
        mine = table[table.case == case_id]
        issues = []
        for issue in dict.fromkeys(mine.issue):
            rows = mine[mine.issue == issue]
            issues.append(
                {
                    "issue": issue,
                    "unit": rows.unit.iloc[0],
                    "actual": float(rows.actual.iloc[0]),
                    "predicted": dict(zip(rows.protocol, map(float, rows.predicted), strict=True)),
                    "normalised_error": dict(
                        zip(rows.protocol, map(float, rows.normalised_error), strict=True)
                    ),
                }
            )
        shares = mine.groupby("protocol", sort=False).settled_share.first()
        cases.append(
            {
                "case": case_id,
                "file": info["file"],
                "source": info["source"],
                "issues": issues,
                "settled_share": {k: float(v) for k, v in shares.items()},
            }
        )
    scores = protocol_scores(table)
    by_name = {score.protocol: score for score in scores}
    return {
        "folder": str(folder),
        "seed": manifest["seed"],
        "replicates": manifest["replicates"],
        "sampled": manifest["sampled"],
        "protocols": manifest["protocols"],
        "cases": cases,
        "mean_absolute_error": {
            name: {"normalised": by_name[name].mae, "case_issues": by_name[name].count}
            for name in protocol_order(table)
        },
        "ranking": [score.protocol for score in scores],
        "baselines": list(BASELINES),
    }


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 10_000 else f"{value:.0f}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# --------------------------------------------------------------------------- the command


def add_backtest_command(commands: argparse._SubParsersAction) -> None:
    """Register ``dipsim backtest`` on the dipsim parser's subcommands (handler via set_defaults)."""
    parser = commands.add_parser(
        "backtest",
        help="score every protocol's predictions against the known outcomes of past cases",
        description="Run each case (a scenario plus the actual outcome per issue; see docs/backtest.md) "
        "under each protocol, and score the predictions: predicted against actual per case, the mean "
        "absolute error normalised by each issue's range, and a ranking of the protocols.",
    )
    parser.add_argument("cases_dir", type=Path, metavar="CASES_DIR", help="folder of case files (*.yaml)")
    parser.add_argument(
        "--protocol", metavar="NAME", default="all", help="'all' (default) or a comma-separated list"
    )
    add_run_settings(parser, replicates_help="replicates per case and protocol")
    parser.add_argument("--out", type=Path, help="backtest folder (default results/backtests/<dir>-s<seed>)")
    parser.add_argument("--json", action="store_true", help="print the same content as JSON")
    parser.set_defaults(handler=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    try:
        names = protocol_names(args.protocol)
    except ValueError as error:
        print(f"dipsim: --protocol: {error}", file=sys.stderr)
        return 2
    cases = load_cases(args.cases_dir)  # UsageError or CaseError: the CLI prints them, exit 2
    settings = RunSettings(seed=args.seed, replicates=args.replicates, sample=args.sample)
    folder = args.out or default_folder(args.cases_dir, args.seed)
    check_output_folder(folder, "backtest")  # before computing, so a bad --out wastes nothing
    run_backtest(cases, names, settings, folder, args.cases_dir)
    results = Results.open(folder)  # what was written is what is printed
    table = results.backtest()
    if args.json:
        print(json.dumps(summary_json(table, results.manifest, folder), indent=2))
        return 0
    _print_backtest(table, results.manifest, folder, settings)
    return 0


def _print_backtest(
    table: pd.DataFrame, manifest: dict[str, Any], folder: Path, settings: RunSettings
) -> None:
    cases = manifest["cases"]
    print(
        f"dipsim {__version__} - backtest of {len(cases)} case{_s(len(cases))} in {manifest['cases_dir']} - "
        f"seed {settings.seed} - {settings.replicates} replicate{_s(settings.replicates)} - "
        + ("sampled parameters" if settings.sample else "central parameter values")
    )
    print("Predicted (median over replicates of what holds at the end: the terms of a deal or forecast,")
    print("else the status quo) against the actual outcome, in each issue's unit:")
    for case_id, info in cases.items():
        print(f"\n{case_id}  ({info['file']})")
        for line in case_lines(table, case_id):
            print("  " + line)
        for line in source_lines(info["source"]):
            print("  " + line)
    print()
    for line in error_lines(table):
        print(line)
    print(f"\nBacktest folder: {folder}  (backtest.parquet, backtest.csv; runs/<case>/<protocol>)")
