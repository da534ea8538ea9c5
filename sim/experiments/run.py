"""Run a loaded scenario through the engine and describe the run for its manifest."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sim.engine.draws import monte_carlo_points, uncertain_keys
from sim.engine.log import RunTables
from sim.protocols import build_model
from sim.scenario import LoadedScenario
from sim.store.manifest import signed
from sim.store.run_folder import command_line, describe_scenario, package_versions


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0
    replicates: int = 1
    sample: bool = False  # draw uncertain parameters per replicate instead of central values


def run_scenario(loaded: LoadedScenario, settings: RunSettings) -> tuple[RunTables, dict[str, Any]]:
    """Run and return the tables plus the manifest that makes the run reproducible.

    The root seed is split once: one child stream samples parameters, the other
    drives the negotiation, so switching sampling on or off leaves the
    negotiation's own random draws where they were.
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    parameter_seed, dynamics_seed = np.random.SeedSequence(settings.seed).spawn(2)
    scenario = loaded.scenario
    points = (
        monte_carlo_points(scenario, settings.replicates, np.random.default_rng(parameter_seed))
        if settings.sample
        else None
    )
    model = build_model(scenario, replicates=settings.replicates, seed=dynamics_seed, unit_points=points)
    tables = model.run()
    model.release()
    elapsed = time.perf_counter() - clock
    manifest = signed(
        "run",
        {
            "command": command_line(),
            "started_at": started.isoformat(timespec="seconds"),
            "seed": settings.seed,
            "seed_scheme": "SeedSequence(seed).spawn(2) -> [parameter sampling, negotiation dynamics]",
            "replicates": settings.replicates,
            "sampled": settings.sample,
            "uncertain_parameters": [str(k) for k in uncertain_keys(scenario)] if settings.sample else [],
            **describe_scenario(loaded),
            "versions": package_versions(),
            "timing": {"engine_seconds": round(elapsed, 4)},
        },
    )
    return tables, manifest
