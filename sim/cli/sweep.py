"""`dipsim sweep SCENARIO --samples N`: a Monte Carlo sweep over the uncertain parameters."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from sim.cli.arguments import DEFAULT_RESULTS, add_set_option, apply_set_option, count, positive_int


def register(commands: argparse._SubParsersAction) -> None:
    from sim.experiments.sweep.designs import DESIGNS

    sweep = commands.add_parser(
        "sweep",
        help="Monte Carlo sweep over the uncertain parameters",
        description="Sample the scenario's uncertain parameters by a design, run every design point "
        "--replicates times in seeded batches, and stream the tables to a sweep folder.",
        epilog="example: dipsim sweep scenarios/iran_talks.yaml --samples 12500 --replicates 8 --design lhs; "
        "the same command with --resume finishes it after Ctrl-C or kill -9",
    )
    sweep.add_argument("scenario", type=Path, help="scenario YAML file")
    sweep.add_argument("--samples", type=positive_int, required=True, help="design points (base samples)")
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
    from sim.experiments.sweep.plan import SweepSettings, default_batch_replicates
    from sim.experiments.sweep.runner import Execution, run_sweep
    from sim.scenario import load_scenario
    from sim.store.outputs import slug
    from sim.store.results import Results

    loaded = apply_set_option(load_scenario(args.scenario), args.assignments)
    settings = SweepSettings(
        samples=args.samples,
        replicates=args.replicates,
        design=args.design,
        seed=args.seed,
        log=args.log,
        batch_replicates=args.batch_replicates or default_batch_replicates(loaded.scenario, args.log),
    )
    folder = args.out or DEFAULT_RESULTS / "sweeps" / (
        f"{slug(loaded.scenario.name)}-{args.design}-s{args.seed}-n{args.samples}x{args.replicates}"
    )
    execution = Execution(workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local)
    if args.inline_below is not None:
        execution = replace(execution, inline_below=args.inline_below)
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
            f"{summary.replicates_run} replicate-runs in {summary.seconds:.1f} s ({rate:,.0f} runs/s)"
            + (f"; {summary.note}" if summary.note else "")
        )
    results = Results.open(folder, ("sweep",))
    shares = results.table("outcomes", ["outcome"]).outcome.value_counts(normalize=True)
    print(f"  outcomes ({results.share_meaning}; not a probability of the world):")
    print("  " + ", ".join(f"{label} {shares.get(label, 0):.1%}" for label in OUTCOME_LABELS))
    return 0
