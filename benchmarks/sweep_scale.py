"""Speed and memory of the engine and of sweeps, measured side by side in one run.

Prints, for the default scenario:
  1. replicate-runs/s of the vectorized engine alone (R = 10,000, no I/O);
  2. the same with full per-exchange logging written to Parquet;
  3. the naive baseline: one Mesa model per replicate in a Python loop (R = 1, same code);
  4. the ratio of (2) to (3);
  5. wall time and peak memory (sum of RSS over the process tree) of a
     100,000-replicate sweep with full logs and --workers 2.

    .venv/bin/python benchmarks/sweep_scale.py [--loop 300] [--sweep-replicates 100000]

Targets on the 2-core reference machine: (4) >= 100x; (5) <= 60 s and < 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from measure import run_measured

from sim.engine.draws import monte_carlo_points
from sim.experiments.run import RunSettings, run_scenario
from sim.protocols import build_model
from sim.scenario import LoadedScenario, Scenario, load_scenario
from sim.store.run_folder import write_run

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "iran_talks.yaml"


def engine_rate(scenario: Scenario, replicates: int, record: bool) -> float:
    points = monte_carlo_points(scenario, replicates, np.random.default_rng(1))
    start = time.perf_counter()
    build_model(scenario, replicates=replicates, seed=1, unit_points=points, record=record).run()
    return replicates / (time.perf_counter() - start)


def logged_to_parquet_rate(loaded: LoadedScenario, replicates: int) -> float:
    """What `dipsim run --sample` does: the engine, then the run folder (tables and manifest)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        tables, manifest = run_scenario(loaded, RunSettings(seed=1, replicates=replicates, sample=True))
        write_run(tables, Path(folder) / "run", manifest)
        return replicates / (time.perf_counter() - start)


def loop_rate(scenario: Scenario, runs: int) -> float:
    points = monte_carlo_points(scenario, runs, np.random.default_rng(1))
    start = time.perf_counter()
    for r in range(runs):
        build_model(scenario, replicates=1, seed=r, unit_points=points[r : r + 1]).run()
    return runs / (time.perf_counter() - start)


def sweep_run(replicates: int, workers: int) -> tuple[float, int, str]:
    samples = replicates // 8
    with tempfile.TemporaryDirectory() as folder:
        out_dir = Path(folder) / "sweep"
        command = [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(DEFAULT),
            "--samples",
            str(samples),
            "--replicates",
            "8",
            "--design",
            "lhs",
            "--workers",
            str(workers),
            "--out",
            str(out_dir),
        ]
        measured = run_measured(command, ROOT)
        seconds, peak = measured.wall, measured.peak
        out = measured.stdout
        size = subprocess.run(["du", "-sh", str(out_dir)], capture_output=True, text=True).stdout.split()[0]
        return seconds, peak, f"{size} on disk; {out.splitlines()[1].strip()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--loop", type=int, default=300, help="runs of the one-model-per-replicate loop")
    parser.add_argument("--sweep-replicates", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    loaded = load_scenario(DEFAULT)
    scenario = loaded.scenario
    engine_rate(scenario, 200, True)  # warm-up: imports, scipy set-up
    outcomes_only = engine_rate(scenario, args.replicates, record=False)
    in_memory = engine_rate(scenario, args.replicates, record=True)
    to_parquet = logged_to_parquet_rate(loaded, args.replicates)
    loop = loop_rate(scenario, args.loop)
    seconds, peak, detail = sweep_run(args.sweep_replicates, args.workers)
    r = args.replicates
    print(
        f"machine: {os.cpu_count()} cores; scenario {scenario.name}: {len(scenario.actors)} actors, "
        f"{len(scenario.issues)} issues"
    )
    print(f"1. engine alone, R={r}, no I/O, outcomes only:        {outcomes_only:9,.0f} runs/s")
    print(f"   engine alone, R={r}, per-exchange log in memory:    {in_memory:9,.0f} runs/s")
    print(f"2. engine + full per-exchange log written to Parquet:  {to_parquet:9,.0f} runs/s")
    print(f"3. one Mesa model per replicate (R=1 loop, {args.loop} runs): {loop:9,.1f} runs/s")
    print(f"4. ratio (2) / (3):                                    {to_parquet / loop:9,.0f}x")
    print(
        f"5. sweep of {args.sweep_replicates:,} replicates, full logs, --workers {args.workers}: "
        f"{seconds:.1f} s wall, peak memory {peak / 2**30:.2f} GiB (process tree)"
    )
    print(f"   {detail}")


if __name__ == "__main__":
    main()
