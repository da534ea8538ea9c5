"""Replicate-runs per second of the engine, vectorized versus one model per replicate.

Prints figures measured side by side in one process, so the ratio is meaningful
on a noisy machine even when the absolute numbers are not. No I/O is timed.

    .venv/bin/python benchmarks/engine_throughput.py [--replicates 10000] [--loop 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.model import NegotiationModel
from sim.parameters import monte_carlo_points
from sim.scenario import Scenario, load_scenario

DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "iran_talks.yaml"


def vectorized(scenario: Scenario, replicates: int, record: bool) -> float:
    points = monte_carlo_points(scenario, replicates, np.random.default_rng(1))
    start = time.perf_counter()
    NegotiationModel(scenario, replicates=replicates, seed=1, unit_points=points, record=record).run()
    return replicates / (time.perf_counter() - start)


def one_model_per_replicate(scenario: Scenario, replicates: int, record: bool) -> float:
    points = monte_carlo_points(scenario, replicates, np.random.default_rng(1))
    start = time.perf_counter()
    for r in range(replicates):
        NegotiationModel(scenario, replicates=1, seed=r, unit_points=points[r : r + 1], record=record).run()
    return replicates / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT)
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--loop", type=int, default=200, help="replicates for the per-replicate loop")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario).scenario
    vectorized(scenario, 100, True)  # warm-up: imports, scipy ppf set-up
    loop = one_model_per_replicate(scenario, args.loop, record=True)
    fast_logged = vectorized(scenario, args.replicates, record=True)
    fast = vectorized(scenario, args.replicates, record=False)
    print(f"scenario: {scenario.name}, {len(scenario.actors)} actors, {len(scenario.issues)} issues")
    print(f"one Mesa model per replicate (R=1 loop, {args.loop} runs, logged): {loop:10.0f} runs/s")
    print(f"vectorized, R={args.replicates}, per-exchange log in memory:       {fast_logged:10.0f} runs/s")
    print(f"vectorized, R={args.replicates}, outcomes only:                    {fast:10.0f} runs/s")
    print(f"ratio vectorized (logged) / loop: {fast_logged / loop:.0f}x")


if __name__ == "__main__":
    main()
