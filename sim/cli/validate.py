"""`dipsim validate SCENARIO [--json]`: check a scenario file and report every problem at once."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.arguments import examples


def register(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser(
        "validate",
        help="check a scenario file and report every problem",
        description="Load a scenario (extends and calibration applied) and report every problem as "
        "FILE:LINE: field: message, or print it resolved.",
        **examples(
            (
                "dipsim validate scenarios/iran_talks.yaml",
                "every problem at once, as FILE:LINE: field: message",
            ),
            (
                "dipsim validate scenarios/iran_talks_us_deadline.yaml --json",
                "the resolved scenario: extends applied, central values, every parameter's dotted key",
            ),
        ),
    )
    validate.add_argument("scenario", type=Path, help="the scenario YAML file to check")
    validate.add_argument(
        "--json", action="store_true", help="print the resolved scenario (extends applied, central values)"
    )
    validate.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario, resolved

    loaded = load_scenario(args.scenario)
    if args.json:
        print(json.dumps(resolved(loaded.scenario), indent=2))
        return 0
    scenario = loaded.scenario
    counts = {
        "actor": len(scenario.actors),
        "issue": len(scenario.issues),
        "round": len(scenario.round_ids),
        "event": len(scenario.events),
    }
    listed = ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for noun, n in counts.items())
    print(f"{args.scenario}: OK - {listed}")
    return 0
