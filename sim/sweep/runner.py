"""Run a sweep: plan it, check or resume its folder, dispatch batches, stream parts to disk."""

from __future__ import annotations

import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.results import command_line, describe_scenario, package_versions
from sim.scenario import LoadedScenario
from sim.sweep.executors import SweepError, describe_executor, executor_for
from sim.sweep.plan import SweepPlan, SweepSettings
from sim.sweep.store import SweepStore
from sim.sweep.worker import BatchTask, run_batch

# Must match for --resume: anything that changes which numbers a batch produces.
_RESUME_KEYS = ("design", "samples", "replicates", "seed", "log", "samples_per_batch", "uncertain_parameters")


@dataclass(frozen=True)
class Execution:
    workers: int = 1
    scheduler: str | None = None
    dask_local: bool = False
    progress: bool = True


@dataclass(frozen=True)
class SweepSummary:
    folder: Path
    batches_run: int
    batches_total: int
    replicates_run: int
    seconds: float


def run_sweep(
    loaded: LoadedScenario, settings: SweepSettings, folder: Path, execution: Execution, resume: bool = False
) -> SweepSummary:
    plan = SweepPlan.build(loaded.scenario, settings)
    store = SweepStore(folder)
    manifest = _manifest(loaded, plan, execution)
    _prepare_folder(store, manifest, resume)
    done = store.completed_batches()
    pending = [batch for batch in plan.batches if batch.index not in done]
    clock = time.perf_counter()
    replicates_run = 0
    bar = tqdm(
        total=plan.total_replicates,
        initial=plan.total_replicates - sum(b.samples for b in pending) * settings.replicates,
        unit="rep",
        unit_scale=True,
        desc=f"{len(done)}/{len(plan.batches)} batches",
        disable=not (execution.progress and sys.stderr.isatty()),
    )
    limit = 2 * max(1, execution.workers)  # bounded in-flight work bounds memory
    with bar, executor_for(execution.workers, execution.scheduler, execution.dask_local) as executor:
        queue = iter(pending)
        running: dict[Future, int] = {}
        finished = len(done)
        while True:
            for batch in queue:
                task = BatchTask(
                    loaded.scenario,
                    batch,
                    plan.points[batch.first_sample : batch.stop_sample],
                    settings.replicates,
                    settings.log == "full",
                )
                running[executor.submit(run_batch, task)] = batch.index
                if len(running) >= limit:
                    break
            if not running:
                break
            completed, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in completed:
                del running[future]
                result = future.result()
                store.write_batch(result)
                finished += 1
                replicates_run += result.replicates
                bar.update(result.replicates)
                bar.set_description(f"{finished}/{len(plan.batches)} batches")
    seconds = time.perf_counter() - clock
    manifest["status"] = "complete"
    manifest["timing"] = {
        "seconds_this_invocation": round(seconds, 3),
        "batches_this_invocation": len(pending),
    }
    store.write_manifest(manifest)
    return SweepSummary(folder, len(pending), len(plan.batches), replicates_run, seconds)


def _prepare_folder(store: SweepStore, manifest: dict[str, Any], resume: bool) -> None:
    folder = store.folder
    if store.has_manifest():
        existing = store.read_manifest()
        if existing.get("kind") != "sweep":
            raise SweepError(f"{folder} is not a sweep folder; choose another --out")
        if not resume:
            raise SweepError(
                f"{folder} already holds a sweep; add --resume to continue it, or choose another --out"
            )
        differences = [
            f"{key}: folder has {existing['sweep'].get(key)!r}, this call {manifest['sweep'][key]!r}"
            for key in _RESUME_KEYS
            if existing["sweep"].get(key) != manifest["sweep"][key]
        ]
        if existing["scenario"]["sha256"] != manifest["scenario"]["sha256"]:
            differences.insert(
                0,
                f"scenario: folder was made from {existing['scenario']['name']} "
                f"(sha256 {existing['scenario']['sha256'][:12]}...), this call from "
                f"{manifest['scenario']['name']} (sha256 {manifest['scenario']['sha256'][:12]}...)",
            )
        if differences:
            raise SweepError(
                f"cannot resume {folder}: it was made by a different sweep\n  " + "\n  ".join(differences)
            )
        manifest["resumed_from"] = existing.get("started_at")
    elif folder.exists() and any(folder.iterdir()):
        raise SweepError(f"{folder} exists and is not a sweep folder; choose another --out")
    elif resume:
        raise SweepError(f"nothing to resume: {folder} holds no sweep")
    manifest["status"] = "running"
    store.write_manifest(manifest)


def _manifest(loaded: LoadedScenario, plan: SweepPlan, execution: Execution) -> dict[str, Any]:
    return {
        "kind": "sweep",
        "command": command_line(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sweep": plan.describe(),
        "executor": describe_executor(execution.workers, execution.scheduler, execution.dask_local),
        **describe_scenario(loaded),
        "versions": package_versions(),
    }
