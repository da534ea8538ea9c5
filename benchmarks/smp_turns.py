"""CPU time of KTAB's Spatial Model of Politics per turn and replicate, phase by phase.

    .venv/bin/python benchmarks/smp_turns.py [--turns 27] [--replicates 1 64 1024]

Runs the solver (sim/solvers/smp.py) on KTAB's reference table SOE-Pol-Comp
(13 actors x 2 dimensions, tests/fixtures/ktab), the same table in every
replicate, for as many turns as KTAB takes on it (27), and prints the CPU time
per turn-replicate of each phase:
- assess: distances, inferred risk attitudes, every actor's view of every utility (N^3 utilities);
- challenges: every actor's estimate of every challenge, with every third party's vote (N^3 contests);
- bargains: the bargains, and each actor's conditional PCE over its own options (N (N+1)^2 victories);
- probabilities: the PCE over the distinct positions that the forecast reads.
The replicate axis is the vectorised one, so the figure per turn-replicate falls
as replicates grow until numpy's per-call overhead is amortised. For scale:
KTAB's own smpc (a debug build, logging to a SQLite file) took 0.85-1.2 s of
wall time for the whole 27-turn run on this machine (docs/model.md section 14).

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.importer.tables import read_table
from sim.solvers import smp

TABLE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ktab" / "SOE-Pol-Comp.csv"


def ktab_table(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power [N], positions and saliences [N, D] on KTAB's [0, 1] scale, read by dipsim's importer."""
    rows = read_table(path).rows
    fields = ("capability", "positions", "saliences")
    power, positions, salience = (np.array([getattr(row, field) for row in rows]) for field in fields)
    return power, positions / 100.0, salience / 100.0


def measure(replicates: int, turns: int) -> dict[str, float]:
    """CPU seconds per phase over ``turns`` turns of ``replicates`` copies of the table."""
    power, positions, salience = ktab_table(TABLE)
    capability = np.repeat(power[None], replicates, axis=0)
    x = np.repeat(positions[None], replicates, axis=0)
    s = np.repeat(salience[None], replicates, axis=0)
    rules = smp.Rules()
    spent = dict.fromkeys(("assess", "challenges", "bargains", "probabilities"), 0.0)
    for _ in range(turns):
        start = time.process_time()
        assessment = smp.assess(rules, x, s, capability)
        mid = time.process_time()
        p_win, gain = smp.challenges(rules, assessment, s.sum(axis=2), capability)
        after = time.process_time()
        target, p_target = smp.best_targets(p_win, gain)
        proposals = smp.interpolate(rules, x, s, target, p_target)
        turn = smp.choose_bargains(rules, assessment, x, s, capability, target, proposals)
        chosen = time.process_time()
        after_turn = smp.assess(rules, turn.positions, s, capability)
        smp.position_probabilities(rules, after_turn, turn.positions, capability)
        end = time.process_time()
        spent["assess"] += mid - start
        spent["challenges"] += after - mid
        spent["bargains"] += chosen - after
        spent["probabilities"] += end - chosen
        x = turn.positions
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=27)
    parser.add_argument("--replicates", type=int, nargs="+", default=[1, 64, 1024])
    args = parser.parse_args()
    print(f"SMP on SOE-Pol-Comp (13 actors x 2 dimensions), {args.turns} turns")
    print("CPU microseconds per turn-replicate")
    header = ("replicates", "assess", "challenges", "bargains", "probabilities", "total")
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, (10, 9, 11, 9, 14, 9), strict=True)))
    for replicates in args.replicates:
        spent = measure(replicates, args.turns)
        per = {k: v / (args.turns * replicates) * 1e6 for k, v in spent.items()}
        print(
            f"{replicates:>10} {per['assess']:>9.1f} {per['challenges']:>11.1f} {per['bargains']:>9.1f} "
            f"{per['probabilities']:>14.1f} {sum(per.values()):>9.1f}"
        )


if __name__ == "__main__":
    main()
