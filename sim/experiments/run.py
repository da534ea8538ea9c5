"""Run a loaded scenario through the engine and describe the run for its manifest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sim.engine.log import RunTables
from sim.experiments.batch import SEED_SCHEME, run_batch, sampled_points, split_seed
from sim.scenario import LoadedScenario
from sim.scenario.parameters import uncertain_keys
from sim.store.manifest import RunManifest
from sim.store.run_folder import command_line, describe_scenario, package_versions


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0
    replicates: int = 1
    sample: bool = False  # draw uncertain parameters per replicate instead of central values


def run_scenario(loaded: LoadedScenario, settings: RunSettings) -> tuple[RunTables, RunManifest]:
    """Run and return the tables plus the manifest that makes the run reproducible (sim.experiments.batch)."""
    started = datetime.now(UTC)
    inputs, dynamics = split_seed(settings.seed)
    scenario = loaded.scenario
    points = (
        sampled_points(scenario, settings.replicates, inputs, loaded.file_uncertain)
        if settings.sample
        else None
    )
    batch = run_batch(scenario, replicates=settings.replicates, seed=dynamics, unit_points=points)
    tables, elapsed = batch.tables, batch.seconds
    manifest = RunManifest(
        command=command_line(),
        started_at=started.isoformat(timespec="seconds"),
        seed=settings.seed,
        seed_scheme=f"{SEED_SCHEME}; inputs -> Monte Carlo points with --sample, dynamics -> the run",
        replicates=settings.replicates,
        sampled=settings.sample,
        uncertain_parameters=[str(k) for k in uncertain_keys(scenario)] if settings.sample else [],
        **describe_scenario(loaded),
        versions=package_versions(),
        timing={"engine_seconds": round(elapsed, 4)},
    )
    return tables, manifest
