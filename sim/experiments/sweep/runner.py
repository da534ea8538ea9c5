"""Run a sweep: plan it, check or resume its folder, dispatch batches, stream parts to disk.

``--resume`` completes a sweep killed at any moment. Before its manifest exists
the folder is empty (or holds only a temporary name), and resuming starts the
sweep; afterwards the manifest's plan says which batches exist, the part index
(sim.store.sweep_folder) says which of them are on disk and sound, and only the rest
run. Either way the dataset equals an uninterrupted run's, because every batch
is the same computation from the same plan and seed. A resume with nothing left
to do writes nothing, so the manifest's provenance stays as it was.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.errors import ResultsError
from sim.experiments.sweep.executors import SweepError, describe_executor, executor_for
from sim.experiments.sweep.plan import SweepPlan, SweepSettings
from sim.experiments.sweep.progress import PROGRESS_EVERY, Progress
from sim.experiments.sweep.worker import BatchTask, run_task
from sim.scenario import LoadedScenario
from sim.store.manifest import MANIFEST, Invocation, SweepManifest, SweepPlanInfo
from sim.store.outputs import entries
from sim.store.run_folder import command_line, describe_scenario, package_versions
from sim.store.sweep_folder import SweepStore

# Must match for --resume: anything that changes which numbers a batch produces.
_RESUME_KEYS = (
    "design",
    "samples",
    "replicates",
    "seed",
    "log",
    "batch_replicates",
    "samples_per_batch",
    "uncertain_parameters",
    "vary",
)


# A local worker process costs about 1.2 s of CPU to start (Python, numpy, pyarrow and Mesa, which
# imports pandas and scipy): below this many replicate-runs per worker, the pool finishes later
# than this process would alone. Measured crossover on the 2-core reference machine, default
# scenario: about 60,000 replicate-runs for 2 workers (docs/performance.md).
INLINE_BELOW_PER_WORKER = 30_000


@dataclass(frozen=True)
class Execution:
    workers: int = 1
    scheduler: str | None = None
    dask_local: bool = False
    progress: bool = True
    progress_every: float = PROGRESS_EVERY  # seconds between progress lines when stdout is no terminal
    inline_below: int = INLINE_BELOW_PER_WORKER  # replicate-runs per worker; 0: always use the pool

    def for_work(self, replicate_runs: int) -> tuple[Execution, str]:
        """The execution to use for this much work, and a note when it differs from the one asked for.

        Only a local process pool is ever replaced: a Dask cluster was chosen on purpose. Results are
        the same either way (every batch draws from its own seed).
        """
        if self.scheduler or self.dask_local or self.workers <= 1:
            return self, ""
        threshold = self.inline_below * self.workers
        if replicate_runs >= threshold:
            return self, ""
        note = (
            f"ran in this process: {replicate_runs:,} replicate-runs are fewer than the {threshold:,} "
            f"at which {self.workers} worker processes repay their start-up"
        )
        return replace(self, workers=1), note


@dataclass(frozen=True)
class SweepSummary:
    folder: Path
    batches_run: int
    batches_total: int
    replicates_run: int
    seconds: float
    note: str = ""  # how the work was run, when that differs from what was asked


def run_sweep(
    loaded: LoadedScenario, settings: SweepSettings, folder: Path, execution: Execution, resume: bool = False
) -> SweepSummary:
    plan = SweepPlan.build(loaded.scenario, settings)
    store = SweepStore(folder)
    asked = execution
    execution, note = asked.for_work(plan.total_replicates)
    invocation = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(),
        "executor": describe_executor(execution.workers, execution.scheduler, execution.dask_local),
        "versions": package_versions(),
    }
    manifest, pending = _prepare_folder(store, _manifest(loaded, plan, invocation), resume)
    if not pending:  # a finished sweep: nothing to run, nothing to write
        return SweepSummary(store.folder, 0, len(plan.batches), 0, 0.0)
    identity = manifest.identity
    clock = time.perf_counter()
    remaining = sum(plan.batches[b].samples for b in pending) * settings.replicates
    if remaining < plan.total_replicates:  # a resume: what is left decides
        execution, note = asked.for_work(remaining)
        invocation["executor"] = describe_executor(
            execution.workers, execution.scheduler, execution.dask_local
        )
    progress = Progress(
        total_runs=plan.total_replicates,
        done_runs=plan.total_replicates - remaining,
        total_batches=len(plan.batches),
        done_batches=len(plan.batches) - len(pending),
        enabled=execution.progress,
        every=execution.progress_every,
    )
    try:
        _dispatch(plan, loaded, pending, store, identity, execution, progress)
    finally:
        progress.close()
    seconds = time.perf_counter() - clock
    replicates_run = progress.done_runs - (plan.total_replicates - remaining)
    ran = Invocation(**invocation, batches_run=len(pending), seconds=round(seconds, 3))
    store.write_manifest(
        manifest.model_copy(update={"invocations": [*manifest.invocations, ran], "status": "complete"})
    )
    return SweepSummary(store.folder, len(pending), len(plan.batches), replicates_run, seconds, note)


def _dispatch(
    plan: SweepPlan,
    loaded: LoadedScenario,
    pending: list[int],
    store: SweepStore,
    identity: str,
    execution: Execution,
    progress: Progress,
) -> None:
    """Submit the pending batches, write each as it finishes, and count it."""
    settings = plan.settings
    # Bounded in-flight work bounds memory: one batch queued behind each running one keeps a pool
    # busy; inline, a batch runs as it is submitted, so holding a second one would only cost memory.
    limit = (
        1
        if execution.workers <= 1 and not (execution.scheduler or execution.dask_local)
        else 2 * execution.workers
    )
    with executor_for(execution.workers, execution.scheduler, execution.dask_local) as executor:
        queue = iter(plan.batches[b] for b in pending)
        running: dict[Future, int] = {}
        while True:
            for batch in queue:
                task = BatchTask(
                    loaded.scenario,
                    batch,
                    plan.points[batch.first_sample : batch.stop_sample],
                    settings.replicates,
                    settings.log == "full",
                )
                running[executor.submit(run_task, task)] = batch.index
                if len(running) >= limit:
                    break
            if not running:
                break
            completed, _ = wait(running, return_when=FIRST_COMPLETED)
            while completed:
                future = completed.pop()
                del running[future]
                result = future.result()
                store.write_batch(result.index, result.tables, identity)
                progress.batch_done(result.replicates)
                del future, result  # a written batch's tables must not outlive it into the next batch


def _prepare_folder(store: SweepStore, fresh: SweepManifest, resume: bool) -> tuple[SweepManifest, list[int]]:
    """The manifest to continue with and the batches still to run; writes the first manifest if new."""
    folder = store.folder
    if folder.is_symlink():
        raise SweepError(f"--out {folder} is a symbolic link; give a real folder (nothing was written)")
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder} is an existing file, not a folder; choose another --out")
    if folder.exists() and (folder / MANIFEST).exists():
        return _continue(store, fresh, resume)
    if folder.exists() and entries(folder):
        raise SweepError(
            f"{folder} exists and is not a sweep folder (it holds no dipsim manifest); "
            "choose another --out so nothing in it is overwritten"
        )
    # New, empty, or killed before its manifest was in place: (re)start from the plan.
    store.remove_temporaries()
    store.write_manifest(fresh)
    return fresh, list(range(len(fresh.sweep.batches)))


def _continue(store: SweepStore, fresh: SweepManifest, resume: bool) -> tuple[SweepManifest, list[int]]:
    folder = store.folder
    try:
        existing = store.read_manifest()
    except ResultsError as error:
        raise SweepError(f"{error}; choose another --out") from None
    info = existing.info
    assert isinstance(info, SweepManifest)
    if not resume:
        raise SweepError(
            f"{folder} already holds a sweep; add --resume to continue it, or choose another --out"
        )
    differences = [
        f"{key}: folder has {getattr(info.sweep, key)!r}, this call {getattr(fresh.sweep, key)!r}"
        for key in _RESUME_KEYS
        if getattr(info.sweep, key) != getattr(fresh.sweep, key)
    ]
    if info.scenario.sha256 != fresh.scenario.sha256:
        differences.insert(
            0,
            f"scenario: folder was made from {info.scenario.name} "
            f"(sha256 {info.scenario.sha256[:12]}...), this call from "
            f"{fresh.scenario.name} (sha256 {fresh.scenario.sha256[:12]}...)",
        )
    made_by, running = info.versions.get("dipsim"), fresh.versions.get("dipsim")
    if made_by != running:
        differences.append(f"dipsim version: folder was made by {made_by}, this is {running}")
    if differences or info.identity != fresh.identity:
        raise SweepError(
            f"cannot resume {folder}: it was made by a different sweep\n  " + "\n  ".join(differences)
        )
    index = store.index(info, deep=True)  # read every page before trusting a batch
    if index.foreign:
        more = f" (and {len(index.foreign) - 1} more)" if len(index.foreign) > 1 else ""
        raise SweepError(f"cannot resume: {index.foreign[0]}{more}")
    store.remove_temporaries()  # what a killed writer left behind: dipsim's own dot-names only
    pending = index.pending
    if not pending and info.status == "complete":
        return info, []
    manifest = info.model_copy(update={"status": "running" if pending else "complete"})
    store.write_manifest(manifest)  # killed after its last part: every batch is there, only the status is due
    return manifest, pending


def _manifest(loaded: LoadedScenario, plan: SweepPlan, invocation: dict[str, Any]) -> SweepManifest:
    return SweepManifest(
        command=invocation["command"],
        started_at=invocation["started_at"],
        identity=plan.identity(loaded.sha256),
        status="running",
        sweep=SweepPlanInfo(**plan.describe()),
        executor=invocation["executor"],
        **describe_scenario(loaded),
        versions=invocation["versions"],
    )
