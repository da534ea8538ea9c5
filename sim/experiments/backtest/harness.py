"""Run every case under every protocol into ordinary run folders, score the predictions, write the folder."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.experiments.backtest.cases import OUTCOME_CLASSES, Case
from sim.experiments.backtest.predictions import (
    BASELINES,
    Prediction,
    class_baselines,
    protocol_prediction,
    term_baselines,
)
from sim.experiments.backtest.scores import class_row, term_row
from sim.experiments.run import RunSettings
from sim.experiments.side_by_side import run_protocols
from sim.store.atomic import staged_folder, write_atomically, write_parquet
from sim.store.manifest import BacktestManifest, CaseInfo, CaseScenario, write_manifest
from sim.store.outputs import check_output_folder, slug
from sim.store.results import Results
from sim.store.run_folder import command_line, package_versions
from sim.text_input import display_name

DEFAULT_FOLDER = Path("results/backtests")
TERMS_SCHEMA = pa.schema(
    [
        ("case", pa.string()),
        ("issue", pa.string()),
        ("unit", pa.string()),
        ("predictor", pa.string()),
        ("kind", pa.string()),
        ("predicted", pa.float64()),
        ("p05", pa.float64()),
        ("p95", pa.float64()),
        ("covered", pa.bool_()),
        ("actual", pa.float64()),
        ("abs_error", pa.float64()),
        ("normalised_error", pa.float64()),
        ("settled_share", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
    ]
)
CLASSES_SCHEMA = pa.schema(
    [
        ("case", pa.string()),
        ("predictor", pa.string()),
        ("kind", pa.string()),
        ("actual", pa.string()),
        *((f"share_{label}", pa.float64()) for label in OUTCOME_CLASSES),
        ("brier", pa.float64()),
        ("log", pa.float64()),
    ]
)


# --------------------------------------------------------------------------- the harness


def default_folder(cases_dir: Path, seed: int) -> Path:
    return DEFAULT_FOLDER / f"{slug(cases_dir.resolve().name, 'cases')}-s{seed}"


def run_backtest(
    cases: list[Case], names: list[str], settings: RunSettings, folder: Path, cases_dir: Path
) -> Path:
    """Run every case under every protocol, score it and the baselines, and put the folder in place."""
    check_output_folder(folder, "backtest")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    with staged_folder(folder, check=lambda: check_output_folder(folder, "backtest")) as staging:
        seconds: dict[str, float] = {}
        class_rows: list[dict[str, Any]] = []
        term_rows: list[dict[str, Any]] = []
        for case in cases:
            case_clock = time.perf_counter()
            folders = run_protocols(case.loaded, names, settings, staging / "runs" / case.id)
            runs = {name: Results.open(path) for name, path in folders.items()}
            found = predictions(case, cases, runs)
            class_rows += [class_row(case.id, case.outcome, p) for p in found if p.counts is not None]
            term_rows += score_terms(case, [p for p in found if p.terms is not None])
            seconds[case.id] = round(time.perf_counter() - case_clock, 4)
        _write_table(staging, "backtest", pa.Table.from_pylist(term_rows, schema=TERMS_SCHEMA))
        _write_table(staging, "classes", pa.Table.from_pylist(class_rows, schema=CLASSES_SCHEMA))
        timing = {"seconds": round(time.perf_counter() - clock, 4), "cases": seconds}
        write_manifest(staging, _manifest(cases, names, settings, cases_dir, started, timing))
    return folder


def _write_table(folder: Path, name: str, table: pa.Table) -> None:
    """The table as Parquet (the source of truth) and as CSV (for spreadsheets), each written atomically."""
    write_parquet(table, folder / f"{name}.parquet")
    write_atomically(folder / f"{name}.csv", lambda path: table.to_pandas().to_csv(path, index=False))


def predictions(case: Case, cases: list[Case], runs: dict[str, Results]) -> list[Prediction]:
    """Every protocol's prediction of the case (from its run folder), then the baselines'."""
    found = [protocol_prediction(name, run) for name, run in runs.items()]
    return [*found, *term_baselines(case, next(iter(runs.values()))), *class_baselines(case, cases)]


def score_terms(case: Case, found: list[Prediction]) -> list[dict[str, Any]]:
    """One row per agreed issue x predictor, in the scenario's issue order and the predictors' order."""
    rows = []
    for issue_id in case.issues:
        issue = case.loaded.scenario.issues[issue_id]
        bounds = (float(issue.bounds[0]), float(issue.bounds[1]))
        actual = float(case.spec.actual[issue_id])
        rows += [term_row(case.id, issue_id, issue.unit, bounds, actual, p) for p in found]
    return rows


def _manifest(
    cases: list[Case],
    names: list[str],
    settings: RunSettings,
    cases_dir: Path,
    started: datetime,
    timing: dict[str, Any],
) -> BacktestManifest:
    """Enough to redo the backtest and to know exactly which case texts were scored."""
    return BacktestManifest(
        command=command_line(),
        started_at=started.isoformat(timespec="seconds"),
        cases_dir=display_name(cases_dir.resolve()),
        seed=settings.seed,
        seed_scheme="every case runs under every protocol with this root seed (see each run manifest)",
        replicates=settings.replicates,
        sampled=settings.sample,
        protocols=names,
        baselines=list(BASELINES),
        prediction="outcome classes: the share of replicates ending in each (a forecast counts as a deal); "
        "terms: the median over replicates of what holds at the end (the terms of a deal or forecast, "
        "else the status quo), with its 5-95 % range",
        cases={
            case.id: CaseInfo(
                file=case.file,
                sha256=case.sha256,
                text=case.text,
                scenario=CaseScenario(
                    name=case.loaded.scenario.name, path=case.loaded.path, sha256=case.loaded.sha256
                ),
                actual=dict(case.spec.actual),
                outcome=case.outcome,
                outcome_date=_iso(case.spec.outcome_date),
                coded_as_of=_iso(case.spec.coded_as_of),
                milestone=None if milestone is None else f"{milestone.date}: {milestone.what}",
                sources=[source.model_dump(mode="json") for source in case.spec.sources],
                retrospective=case.spec.retrospective,
                source=case.spec.source,
                note=case.spec.note,
                runs=f"runs/{case.id}",
            )
            for case in cases
            for milestone in [case.spec.milestone]
        },
        tables=["backtest", "classes"],
        versions=package_versions(),
        timing=timing,
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
