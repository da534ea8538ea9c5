"""`dipsim sensitivity SWEEP_DIR`: global sensitivity indices of a finished sweep."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    sensitivity = commands.add_parser(
        "sensitivity",
        help="global sensitivity indices of a finished sweep",
        description="Sobol (sobol design), Morris (morris), or RBD-FAST and PAWN (mc, lhs) indices of "
        "P(deal), P(escalation) and the resulting enrichment cap; written to SWEEP_DIR/sensitivity.parquet.",
        epilog="example: dipsim sensitivity results/sweeps/iran_talks-sobol-s0-n256x1",
    )
    sensitivity.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR", help="a finished sweep folder")
    sensitivity.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.experiments.sensitivity import analyse, ranking_lines

    result = analyse(args.sweep_dir)
    print(f"Sensitivity indices written to {args.sweep_dir / 'sensitivity.parquet'}")
    for line in ranking_lines(result):
        print(line)
    return 0
