"""`dipsim discover SWEEP_DIR --outcome NAME`: the input ranges where an outcome concentrates (PRIM)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.arguments import examples, positive_int


def register(commands: argparse._SubParsersAction) -> None:
    discover = commands.add_parser(
        "discover",
        help="scenario discovery: the input ranges where an outcome concentrates (PRIM)",
        description="Find boxes of the sampled inputs in which an outcome is much more common than in the "
        "sweep as a whole, with PRIM (Friedman & Fisher 1999) as scenario discovery uses it (Bryant & "
        "Lempert 2010). Each box is printed as a sentence: the share of its runs that end in the outcome "
        "(density) against the base rate, the share of all the outcome's runs it holds (coverage), and "
        "the limits that define it, only those significant on held-out runs. docs/sensitivity.md says how "
        "the box is chosen and how to read it.",
        **examples(
            (
                "dipsim discover results/demo/sweep --outcome escalation",
                "the input ranges where escalation concentrates, as sentences",
            ),
            ("dipsim discover SWEEP --outcome deal --json", "the base rate and the boxes as JSON"),
            (
                "dipsim discover SWEEP --outcome enrichment --above 3.67",
                "where the enrichment term in force exceeds 3.67 (the status quo where there is no deal)",
            ),
        ),
    )
    discover.add_argument(
        "sweep_dir", type=Path, metavar="SWEEP_DIR", help="a finished sweep folder (or a --sample run folder)"
    )
    discover.add_argument(
        "--outcome",
        required=True,
        metavar="NAME",
        help="an outcome class (deal, stalemate, breakdown, escalation, forecast), or one of the sweep's "
        "declared outputs; an issue's term needs --above or --below",
    )
    where = discover.add_mutually_exclusive_group()
    where.add_argument(
        "--above", type=float, metavar="X", help="with an issue's term: the runs whose term exceeds X"
    )
    where.add_argument(
        "--below", type=float, metavar="X", help="with an issue's term: the runs whose term is under X"
    )
    discover.add_argument(
        "--boxes",
        type=positive_int,
        default=3,
        metavar="N",
        help="look for up to N boxes, each in the runs the earlier ones leave (default 3)",
    )
    discover.add_argument("--json", action="store_true", help="print the base rate and the boxes as JSON")
    discover.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.experiments.discovery import discover, discovery_json, sentences, target
    from sim.store.results import Results

    results = Results.open(args.sweep_dir, ("sweep", "run"))
    if not results.has("samples"):
        from sim.errors import UsageError

        raise UsageError(f"{args.sweep_dir} sampled no inputs (a run without --sample): nothing to discover")
    spec = target(results, args.outcome, args.above, args.below)
    found = discover(results, spec, args.above, args.below, max_boxes=args.boxes)
    if args.json:
        print(json.dumps(discovery_json(found), indent=2))
        return 0
    print(
        f"{found.label}: {found.hits:,} of {found.runs:,} runs, base rate {found.base_rate:.0%} "
        f"({results.share_meaning})"
    )
    for line in sentences(found):
        print(line)
    for number, box in enumerate(found.boxes, start=1):
        print(
            f"   box {number}: {box.runs:,} runs ({box.mass:.0%} of all); on the held-out half, density "
            f"{box.held_out_density:.0%} over {box.held_out_runs:,} runs; quasi-p-values "
            + ", ".join(f"{r.label} {r.quasi_p:.1g}" for r in box.restrictions)
        )
        if box.dropped:
            shown = "; ".join(box.dropped[:3]) + (
                f"; and {len(box.dropped) - 3} more" if len(box.dropped) > 3 else ""
            )
            print(f"   limits PRIM drew that held-out runs do not support: {shown}")
    if found.stopped:
        print(f"No {'further ' if found.boxes else ''}box: {found.stopped}.")
    if found.seed:
        print(f"(boxes are chosen and tested on the {found.seed})")
    return 0
