"""What a sweep will run: its design points, its batches and their seeds.

Everything here is decided in the parent process from the root seed, before
any work is dispatched: the design points, the batch boundaries and one
SeedSequence child per batch. A batch is therefore the same computation
whichever executor runs it, in whichever order, which is what makes serial,
process-pool and Dask sweeps identical and a resumed sweep equal to an
uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sim.experiments.batch import SEED_SCHEME, split_seed
from sim.experiments.sweep.designs import Design, design_points, design_size
from sim.experiments.sweep.vary import Vary, grid_points
from sim.scenario import Scenario
from sim.scenario.labels import parameter_label
from sim.scenario.parameters import uncertain_keys

LogLevel = Literal["full", "outcomes"]
BATCH_REPLICATES = 4096  # replicate-runs per batch, unless the full log would not fit the budget below
# A worker holds one batch's per-exchange log three times over at its peak (numpy chunks, the Arrow
# table, its Parquet encoding): about 3 x 8 bytes x (8 + issues) columns per row of the rounds table.
LOG_BUDGET_BYTES = 512 * 1024**2


def default_batch_replicates(scenario: Scenario, log: LogLevel) -> int:
    """Replicate-runs per batch, sized by the rows a batch will log rather than by a fixed count.

    A rounds table has actors x exchanges rows per replicate, so a 30-actor,
    600-exchange scenario logs 250 times more per replicate than the default
    one; its batches shrink to keep a worker's memory under the budget. The
    default scenario keeps 4,096 (and so its seeds): its batches log ~80 MiB.
    """
    if log != "full":
        return BATCH_REPLICATES
    exchanges = sum(scenario.rounds[r].exchanges for r in scenario.round_ids)
    bytes_per_replicate = 3 * 8 * (8 + len(scenario.issues)) * len(scenario.actors) * exchanges
    return max(1, min(BATCH_REPLICATES, LOG_BUDGET_BYTES // bytes_per_replicate))


@dataclass(frozen=True)
class SweepSettings:
    samples: int
    replicates: int = 1
    design: Design = "mc"
    seed: int = 0
    log: LogLevel = "full"  # full: per-exchange rounds and texts too; outcomes: outcomes, events, samples
    batch_replicates: int = BATCH_REPLICATES  # replicate-runs per batch: the unit of work, resume and memory
    vary: Vary | None = None  # --vary: one parameter on a grid (sim.experiments.sweep.vary)


@dataclass(frozen=True)
class Batch:
    index: int
    first_sample: int
    stop_sample: int  # exclusive
    seed: np.random.SeedSequence

    @property
    def samples(self) -> int:
        return self.stop_sample - self.first_sample


@dataclass(frozen=True)
class SweepPlan:
    settings: SweepSettings
    keys: tuple[str, ...]
    points: np.ndarray  # [design points, D] in [0, 1]
    samples_per_batch: int
    batches: tuple[Batch, ...] = field(repr=False)

    @classmethod
    def build(cls, scenario: Scenario, settings: SweepSettings) -> SweepPlan:
        keys = tuple(str(key) for key in uncertain_keys(scenario))
        design_seed, batch_root = split_seed(settings.seed)
        if settings.vary is None:
            points = design_points(settings.design, settings.samples, list(keys), design_seed)
        else:
            rest = [key for key in keys if key != settings.vary.parameter]
            rest_points = design_points(settings.design, settings.samples, rest, design_seed)
            points = grid_points(settings.vary, list(keys), rest_points)
        per_batch = max(1, settings.batch_replicates // settings.replicates)
        starts = range(0, len(points), per_batch)
        seeds = batch_root.spawn(len(starts))
        batches = tuple(
            Batch(index, start, min(start + per_batch, len(points)), seed)
            for index, (start, seed) in enumerate(zip(starts, seeds, strict=True))
        )
        return cls(settings, keys, points, per_batch, batches)

    @property
    def design_points(self) -> int:
        return len(self.points)

    @property
    def total_replicates(self) -> int:
        return self.design_points * self.settings.replicates

    def describe(self) -> dict[str, Any]:
        """The manifest's plan: what must match for a sweep to be resumed, and every batch's samples."""
        settings = self.settings
        return {
            "design": settings.design,
            "samples": settings.samples,
            "design_points": self.design_points,
            "expected_design_points": self.expected_design_points,
            "replicates": settings.replicates,
            "total_replicates": self.total_replicates,
            "seed": settings.seed,
            "seed_scheme": (
                f"{SEED_SCHEME}; inputs -> the design points; dynamics.spawn(n_batches), one child per "
                "batch, drawn in the parent before dispatch. The batches are cut at "
                "batch_replicates // replicates design points each, so --batch-replicates is part of the seed"
            ),
            "log": settings.log,
            "batch_replicates": settings.batch_replicates,
            "samples_per_batch": self.samples_per_batch,
            "batches": [[batch.first_sample, batch.stop_sample] for batch in self.batches],
            "uncertain_parameters": list(self.keys),
        } | ({"vary": settings.vary.describe()} if settings.vary else {})

    @property
    def expected_design_points(self) -> int:
        """What the design should have: a check on the design code, and the plan a user reads first."""
        settings = self.settings
        if settings.vary is None:
            return design_size(settings.design, settings.samples, len(self.keys))
        rest = design_size(settings.design, settings.samples, len(self.keys) - 1)
        return len(settings.vary.values) * rest

    def identity(self, scenario_sha256: str) -> str:
        """A fingerprint of everything that decides the sweep's numbers: the scenario and this plan.

        Every part the sweep writes carries it, so a part copied in from another
        sweep is recognised; the same scenario and plan always give the same
        identity, so a resumed sweep's parts equal an uninterrupted run's.
        """
        plan = {key: value for key, value in self.describe().items() if key != "seed_scheme"}
        text = json.dumps({"scenario": scenario_sha256, "plan": plan}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def plan_lines(plan: SweepPlan, resolved: dict[str, Any]) -> list[str]:
    """The plan as a reader checks it before committing the machine: design, run count, batches."""
    settings = plan.settings
    n, dimensions = settings.samples, len(plan.keys)
    rest = dimensions - (1 if settings.vary else 0)
    design = _design_text(settings.design, n, rest)
    if settings.vary is not None:
        values = settings.vary.values
        label = parameter_label(settings.vary.parameter, resolved)
        grid = f"{label}: {len(values)} values from {values[0]:g} to {values[-1]:g}"
        if settings.vary.rest == "central":
            design = f"{grid}; every other parameter at its central value"
        else:
            design = f"{grid}, each crossed with the same {design}"
    runs = plan.total_replicates
    batches = len(plan.batches)
    return [
        f"Plan: {design}",
        f"  {plan.design_points:,} design points x {settings.replicates:,} replicate"
        f"{'s' if settings.replicates > 1 else ''} = {runs:,} runs, in {batches:,} "
        f"batch{'es' if batches > 1 else ''} of up to {plan.samples_per_batch * settings.replicates:,} runs; "
        + ("full per-exchange log" if settings.log == "full" else "outcomes, events and samples only"),
    ]


def _design_text(design: Design, n: int, dimensions: int) -> str:
    if design == "sobol":
        return (
            f"Saltelli's design for first- and total-order Sobol indices over {dimensions} uncertain "
            f"parameters: N x (D + 2) = {n:,} x ({dimensions} + 2) = {n * (dimensions + 2):,} points "
            "(no second-order indices, which would need N x (2D + 2))"
        )
    if design == "morris":
        return (
            f"Morris elementary effects over {dimensions} uncertain parameters: {n:,} trajectories x "
            f"(D + 1) = {n:,} x ({dimensions} + 1) = {n * (dimensions + 1):,} points"
        )
    name = {"mc": "plain Monte Carlo", "lhs": "Latin hypercube", "grid": "single point"}[design]
    return f"{name} sample of {n:,} point{'s' if n > 1 else ''} over {dimensions} uncertain parameters"
