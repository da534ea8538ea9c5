"""`dipsim sensitivity SWEEP_DIR`: global sensitivity indices of a finished sweep, and a noise check."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.arguments import examples, positive_int

METHOD_CHOICES = ("sobol", "morris", "rbd_fast", "pawn")  # sim.experiments.sensitivity.METHODS, without numpy


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {value:g}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    sensitivity = commands.add_parser(
        "sensitivity",
        help="global sensitivity indices of a finished sweep",
        description="Sobol S1/ST (sobol design), Morris mu*/sigma (morris), or RBD-FAST S1 and PAWN "
        "(mc, lhs) indices of the sweep's outputs: those its scenario declares, or by default each outcome "
        "class's share and each issue's term. Also estimates how much of each output's variance is "
        "replicate noise (from the sweep's replicates, or with one replicate per point from a seeded noise "
        "probe) and warns when noise inflates the indices, saying how many replicates would do. Written to "
        "SWEEP_DIR/sensitivity.parquet; docs/sensitivity.md says how to read it.",
        **examples(
            (
                "dipsim sensitivity results/sweeps/iran_talks-sobol-s0-n256x1",
                "Sobol S1/ST of every output, with a replicate-noise check (a noise probe at 1 replicate)",
            ),
            (
                "dipsim sensitivity SWEEP --output p_escalation --output enrichment --json",
                "two outputs only, as JSON: indices with human labels, and each output's noise estimate",
            ),
            ("dipsim sensitivity SWEEP --method pawn", "PAWN only (an mc or lhs sweep)"),
        ),
    )
    sensitivity.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR", help="a finished sweep folder")
    sensitivity.add_argument(
        "--output",
        dest="outputs",
        action="append",
        default=[],
        metavar="NAME",
        help="analyse only this output (repeatable; default: every declared or default output, e.g. "
        "p_deal, p_escalation, one per issue)",
    )
    sensitivity.add_argument(
        "--method",
        choices=METHOD_CHOICES,
        default=None,
        help="the analysis; it must fit the sweep's design: sobol needs --design sobol, morris --design "
        "morris, rbd_fast and pawn --design mc or lhs (default: the design's own, both for mc and lhs)",
    )
    sensitivity.add_argument(
        "--noise-tolerance",
        type=_share,
        default=0.05,
        metavar="SHARE",
        help="warn when replicate noise is more than this share of an output's analysed variance, which is "
        "about how much it adds to every input's total-order index (default 0.05)",
    )
    sensitivity.add_argument(
        "--no-probe",
        action="store_true",
        help="with one replicate per design point, skip the noise probe (which re-runs 256 design points "
        "16 times each); the noise is then not estimated",
    )
    sensitivity.add_argument(
        "--top", type=positive_int, default=8, help="parameters listed per output (default 8)"
    )
    sensitivity.add_argument(
        "--json", action="store_true", help="print the indices and noise estimates as JSON"
    )
    sensitivity.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.experiments.sensitivity import analyse, ranking_lines, sensitivity_json
    from sim.store.results import Results

    result = analyse(
        args.sweep_dir, args.outputs, args.method, tolerance=args.noise_tolerance, probe=not args.no_probe
    )
    resolved = Results.open(args.sweep_dir, ("sweep",)).manifest["scenario"]["resolved"]
    if args.json:
        print(json.dumps(sensitivity_json(result, resolved), indent=2))
        return 0
    print(f"Sensitivity indices written to {args.sweep_dir / 'sensitivity.parquet'}")
    for line in ranking_lines(result, resolved, top=args.top):
        print(line)
    return 0
