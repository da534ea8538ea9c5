"""`dipsim sweep SCENARIO --samples N`: a Monte Carlo sweep over the uncertain parameters."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.arguments import (
    DEFAULT_RESULTS,
    add_set_option,
    apply_set_option,
    count,
    examples,
    positive_int,
)

if TYPE_CHECKING:
    from sim.experiments.sweep.designs import Design
    from sim.experiments.sweep.plan import SweepSettings
    from sim.experiments.sweep.vary import Vary
    from sim.scenario import LoadedScenario


def register(commands: argparse._SubParsersAction) -> None:
    from sim.experiments.sweep.designs import DESIGNS

    sweep = commands.add_parser(
        "sweep",
        help="Monte Carlo sweep over the uncertain parameters",
        description="Sample the scenario's uncertain parameters by a design, run every design point "
        "--replicates times in seeded batches, and stream the tables to a sweep folder.",
        **examples(
            (
                "dipsim sweep scenarios/iran_talks.yaml --samples 12500 --replicates 8 --design lhs",
                "a Latin hypercube of 12,500 points, each run 8 times; --resume finishes it after Ctrl-C",
            ),
            (
                "dipsim sweep scenarios/iran_talks.yaml --samples 256 --design sobol --dry-run",
                "print the plan (design, run count, batches) and stop",
            ),
            (
                "dipsim sweep scenarios/iran_talks.yaml --replicates 2000 "
                "--vary actors.Israel.red_lines.0.probability=0:1:0.1",
                "one parameter on a grid of 11 values, every other parameter at its central value",
            ),
            (
                "dipsim sweep scenarios/iran_talks.yaml --vary actors.Iran.patience=0.5:0.9:0.1 "
                "--samples 200",
                "the same kind of grid, crossed with 200 sampled points of the other parameters",
            ),
            (
                "dipsim sweep scenarios/iran_talks.yaml --samples 2000 --set actors.Israel.capability=0.9",
                "a sweep with one parameter fixed",
            ),
        ),
    )
    sweep.add_argument(
        "scenario", type=Path, help="the scenario YAML file whose uncertain parameters are swept"
    )
    sweep.add_argument(
        "--samples",
        type=positive_int,
        help="design points (base samples N of a sobol or morris design); required unless --vary, where "
        "it samples the other parameters at each grid value instead of holding them at their central values",
    )
    sweep.add_argument(
        "--vary",
        metavar="KEY=LOW:HIGH:STEP",
        help="step one parameter over a grid, e.g. actors.Iran.patience=0.5:0.9:0.1",
    )
    sweep.add_argument("--replicates", type=positive_int, default=1, help="replicates per design point")
    sweep.add_argument("--design", choices=DESIGNS, default="mc", help="sampling design (default mc)")
    sweep.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
    add_set_option(sweep)
    sweep.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="worker processes (default: one per core); 1 runs batches serially in this process",
    )
    sweep.add_argument(
        "--inline-below",
        type=count,
        default=None,
        metavar="N",
        help="with --workers > 1, run in this process when there are fewer than N replicate-runs per "
        "worker, where starting the pool costs more than it saves (default 30000; 0: always the pool)",
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this (trusted) Dask scheduler")
    where.add_argument("--dask-local", action="store_true", help="run on a local Dask cluster")
    sweep.add_argument("--out", type=Path, help="sweep folder (default results/sweeps/<scenario>-...)")
    sweep.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sweep.add_argument("--dry-run", action="store_true", help="print the plan and stop; nothing is written")
    sweep.add_argument(
        "--progress-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="when stdout is not a terminal (a log file, a pipe), print a progress line this often "
        "(default 30)",
    )
    sweep.add_argument(
        "--log",
        choices=("full", "outcomes"),
        default="full",
        help="full: per-exchange rounds and texts too (default); outcomes: outcomes, events, samples",
    )
    sweep.add_argument(
        "--batch-replicates",
        type=positive_int,
        default=None,
        help="replicate-runs per batch: the unit of work, memory and resume. It decides where batches "
        "are cut and so which random stream each design point draws: part of the seed. Default: 4096, "
        "fewer for scenarios whose full log would not fit a worker's memory budget",
    )
    sweep.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.engine.outcomes import OUTCOME_LABELS
    from sim.experiments.sweep.plan import SweepPlan, SweepSettings, default_batch_replicates, plan_lines
    from sim.experiments.sweep.runner import Execution, run_sweep
    from sim.scenario import load_scenario, resolved
    from sim.store.results import Results

    loaded = apply_set_option(load_scenario(args.scenario), args.assignments)
    loaded, vary, design = _vary(args, loaded)
    settings = SweepSettings(
        samples=args.samples or 1,
        replicates=args.replicates,
        design=design,
        seed=args.seed,
        log=args.log,
        batch_replicates=args.batch_replicates or default_batch_replicates(loaded.scenario, args.log),
        vary=vary,
    )
    folder = args.out or DEFAULT_RESULTS / "sweeps" / _folder_name(loaded, settings)
    plan = SweepPlan.build(loaded.scenario, settings)
    for line in plan_lines(plan, resolved(loaded.scenario)):
        print(line)
    print(f"  -> {folder}", flush=True)
    if args.dry_run:
        return 0
    execution = Execution(workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local)
    if args.inline_below is not None:
        execution = replace(execution, inline_below=args.inline_below)
    if args.progress_every is not None:
        execution = replace(execution, progress_every=args.progress_every)
    try:
        summary = run_sweep(loaded, settings, folder, execution, resume=args.resume)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the finished batches are safely on disk in {folder}; "
            "run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    if summary.batches_run == 0:
        print(f"Sweep folder: {folder}\n  complete already: all {summary.batches_total} batches are on disk")
    else:
        rate = summary.replicates_run / summary.seconds if summary.seconds > 0 else float("nan")
        print(
            f"Sweep folder: {folder}\n"
            f"  ran {summary.batches_run} of {summary.batches_total} batches, "
            f"{summary.replicates_run:,} replicate-runs in {summary.seconds:.1f} s ({rate:,.0f} runs/s)"
            + (f"; {summary.note}" if summary.note else "")
        )
    results = Results.open(folder, ("sweep",))
    shares = results.table("outcomes", ["outcome"]).outcome.value_counts(normalize=True)
    print(f"  outcomes ({results.share_meaning}; not a probability of the world):")
    print("  " + ", ".join(f"{label} {shares.get(label, 0):.1%}" for label in OUTCOME_LABELS))
    return 0


def _vary(args: argparse.Namespace, loaded: LoadedScenario) -> tuple[LoadedScenario, Vary | None, Design]:
    """The scenario, the --vary grid and the design: --samples is required unless --vary holds the rest."""
    from sim.errors import UsageError
    from sim.experiments.sweep.vary import parse_vary, vary_scenario

    if args.vary is None:
        if args.samples is None:
            raise UsageError(
                "sweep: --samples is required (or --vary KEY=LOW:HIGH:STEP for a one-factor grid)"
            )
        return loaded, None, args.design
    if args.samples is not None and args.design not in ("mc", "lhs"):
        raise UsageError(
            f"--vary with --design {args.design}: the other parameters can be sampled by mc or lhs only "
            "(a sobol or morris design is for sensitivity indices, which a grid does not give)"
        )
    vary = parse_vary(args.vary, "sampled" if args.samples is not None else "central")
    return vary_scenario(loaded, vary), vary, args.design if args.samples is not None else "grid"


def _folder_name(loaded: LoadedScenario, settings: SweepSettings) -> str:
    from sim.store.outputs import slug

    name = (
        f"{slug(loaded.scenario.name)}-{settings.design}-s{settings.seed}"
        f"-n{settings.samples}x{settings.replicates}"
    )
    if settings.vary is not None:
        name += f"-vary-{slug(settings.vary.parameter)}"
    return name
