"""Run every case under every protocol into ordinary run folders, score the predictions, write the folder."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.engine.outcomes import SETTLED
from sim.experiments.backtest.cases import Case
from sim.experiments.backtest.scores import BASELINES
from sim.experiments.run import RunSettings
from sim.experiments.side_by_side import run_protocols
from sim.store.atomic import staged_folder, write_atomically, write_parquet
from sim.store.manifest import BacktestManifest, CaseInfo, CaseScenario, write_manifest
from sim.store.outputs import check_output_folder, slug
from sim.store.results import Results
from sim.store.run_folder import command_line, package_versions
from sim.text_input import display_name

DEFAULT_FOLDER = Path("results/backtests")
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
        timing = {"seconds": round(time.perf_counter() - clock, 4), "cases": seconds}
        write_manifest(staging, _manifest(cases, names, settings, cases_dir, started, timing))
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
        baselines=[name for name in BASELINES if name in names],
        prediction="median over replicates of the terms of a deal or forecast, else the status quo",
        cases={
            case.id: CaseInfo(
                file=case.file,
                sha256=case.sha256,
                text=case.text,
                scenario=CaseScenario(
                    name=case.loaded.scenario.name, path=case.loaded.path, sha256=case.loaded.sha256
                ),
                actual=dict(case.spec.actual),
                source=case.spec.source,
                note=case.spec.note,
                runs=f"runs/{case.id}",
            )
            for case in cases
        },
        tables=["backtest"],
        versions=package_versions(),
        timing=timing,
    )
