"""The arithmetic floor of the engine's Nash search on this machine, against what it costs now.

    .venv/bin/python benchmarks/nash_floor.py [--replicates 4096]

1. Counts, on the default scenario, how many (grid point, principal) utilities
   and Nash scores one replicate-run needs: the search's own work, whatever the
   code that does it.
2. Times each numpy operation the search needs on in-cache float64 arrays
   (the slope between 2,048 and 16,384 elements, so in L2 as in the kernel):
   pow, log, the simple ones, argmax.
3. Two floors: (1) priced at (2), that is one numpy pass per operation with
   no Python overhead; and pow and log alone, what is left if every simple
   operation were fused away. It prints them beside the measured CPU time of
   the search and of the whole engine.

It prints figures and asserts nothing (docs/performance.md quotes them).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine.draws import monte_carlo_points
from sim.experiments.batch import run_batch
from sim.scenario import load_scenario
from sim.solvers import nash

Array = np.ndarray
DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "iran_talks.yaml"


def per_element_ns(operation: Callable[[int], object], repeats: int = 4000) -> float:
    """Marginal CPU time per element: the slope between 2,048 and 16,384 elements (both in cache).

    The slope leaves out what a call costs whatever its size (Python, ufunc
    dispatch), so it is the arithmetic alone, at the rate numpy's loops reach.
    """
    times = []
    for size in (2048, 16384):
        operation(size)
        start = time.process_time()
        for _ in range(repeats):
            operation(size)
        times.append((time.process_time() - start) / repeats)
    return (times[1] - times[0]) / (16384 - 2048) * 1e9


def operation_costs() -> dict[str, float]:
    rng = np.random.default_rng(0)
    x, y, out = rng.random(16384) + 0.01, rng.random(16384) + 0.3, np.empty(16384)
    grid = rng.random((21, 16384))

    def binary(ufunc: np.ufunc) -> Callable[[int], object]:
        return lambda n: ufunc(x[:n], y[:n], out=out[:n])

    simple = [per_element_ns(binary(u)) for u in (np.add, np.subtract, np.multiply, np.divide, np.maximum)]
    simple.append(per_element_ns(lambda n: np.abs(x[:n], out=out[:n])))
    return {
        "pow": per_element_ns(binary(np.power)),
        "log": per_element_ns(lambda n: np.log(x[:n], out=out[:n])),
        "simple": float(np.median(simple)),
        "argmax": per_element_ns(lambda n: np.argmax(grid[:, : n // 21], axis=0)),
    }


def count_work(scenario: object, replicates: int) -> tuple[float, float, float, float]:
    """(utilities, scores, engine CPU s, search CPU s) per replicate-run, counted by wrapping the kernel."""
    counts = {"own": 0, "scores": 0}
    seconds = {"search": 0.0}
    own, log_term, search = nash._own, nash._log_term, nash.nash_text

    def counting_own(values: Array, ideal: Array, gamma: Array, weight: Array, out: Array) -> None:
        counts["own"] += out.size
        own(values, ideal, gamma, weight, out)

    def counting_log(surplus: Array, scratch: Array) -> None:
        counts["scores"] += surplus.size
        log_term(surplus, scratch)

    def timed_search(*args: Any, **kwargs: Any) -> Array:
        start = time.process_time()
        try:
            return search(*args, **kwargs)
        finally:
            seconds["search"] += time.process_time() - start

    points = monte_carlo_points(scenario, replicates, np.random.default_rng(1))
    run_batch(scenario, replicates=replicates, seed=1, unit_points=points, record=False)  # warm-up
    nash._own, nash._log_term = counting_own, counting_log
    try:
        run_batch(scenario, replicates=replicates, seed=1, unit_points=points, record=False)
    finally:
        nash._own, nash._log_term = own, log_term
    import sim.protocols.single_text as single_text

    single_text.nash_text = timed_search
    try:
        start = time.process_time()
        run_batch(scenario, replicates=replicates, seed=1, unit_points=points, record=False)
        engine = time.process_time() - start
    finally:
        single_text.nash_text = search
    return (
        counts["own"] / replicates,
        counts["scores"] / replicates,
        engine / replicates,
        seconds["search"] / replicates,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=4096)
    args = parser.parse_args()
    scenario = load_scenario(DEFAULT).scenario
    utilities, scores, engine, search = count_work(scenario, args.replicates)
    cost = operation_costs()
    principals = sum(1 for a in scenario.actors.values() if a.role == "principal")
    # A utility: subtract, abs, pow, subtract, multiply. A score: add, subtract (the surplus), the log
    # term (subtract, minimum, divide, maximum, log, add), multiply by power; then per grid point one
    # add per further principal and one argmax over the grid.
    per_utility = cost["pow"] + 4 * cost["simple"]
    per_score = (
        cost["log"] + 9 * cost["simple"] + ((principals - 1) * cost["simple"] + cost["argmax"]) / principals
    )
    floor = (utilities * per_utility + scores * per_score) * 1e-3  # µs
    # With every simple operation fused into registers (no pass over memory), only the
    # transcendental functions remain: the floor of the arithmetic itself at numpy's pow and log.
    transcendental = (utilities * cost["pow"] + scores * cost["log"]) * 1e-3
    print(f"default scenario, {args.replicates} replicates; per element on this machine (in cache):")
    print("  " + ", ".join(f"{name} {ns:.2f} ns" for name, ns in cost.items()))
    print(
        f"work per replicate-run: {utilities:,.0f} utilities (a pow each), {scores:,.0f} scores (a log each)"
    )
    print(f"Nash search floor, float64, pow and log only:  {transcendental:6.1f} µs per replicate-run")
    print(f"Nash search floor, float64, one numpy pass per operation: {floor:6.1f} µs")
    print(f"Nash search measured (CPU):  {search * 1e6:6.1f} µs   ({search * 1e6 / floor:.1f}x the floor)")
    rest = (engine - search) * 1e6
    print(f"whole engine measured (CPU): {engine * 1e6:6.1f} µs   (outside the search: {rest:.1f} µs)")


if __name__ == "__main__":
    main()
