"""`dipsim calibrate [SCENARIO] [--explain ACTOR] [--suggest ARTICLE]`: where each number comes from."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.arguments import DEFAULT_SCENARIO, examples

if TYPE_CHECKING:
    from sim.scenario import LoadedScenario


def register(commands: argparse._SubParsersAction) -> None:
    calibrate = commands.add_parser(
        "calibrate",
        help="show each actor parameter with its value or range and the quotes behind it",
        description="Show every actor parameter of a scenario with its value or range, its coding rule "
        "and the verbatim quotes behind it; or list the passages of a new article that bear on them.",
        **examples(
            ("dipsim calibrate", "every actor parameter of the default scenario with its quotes"),
            ("dipsim calibrate --explain Israel", "one actor's parameters, rule by rule"),
            ("dipsim calibrate --suggest seeds/NEW.txt", "the passages of a new article that bear on them"),
        ),
    )
    calibrate.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"scenario (default {DEFAULT_SCENARIO})",
    )
    calibrate.add_argument("--explain", metavar="ACTOR", help="only this actor (id or name)")
    calibrate.add_argument("--json", action="store_true", help="the same content, machine-readable")
    calibrate.add_argument(
        "--suggest",
        metavar="ARTICLE",
        type=Path,
        help="list the passages of a new article that bear on each actor, issue and parameter",
    )
    calibrate.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.calibration.report import calibration_json, calibration_lines
    from sim.errors import UsageError
    from sim.scenario import load_scenario

    loaded = load_scenario(args.scenario)
    scenario = loaded.scenario
    if args.suggest is not None:
        return _suggest(args, loaded)
    actors = list(scenario.actors)
    if args.explain:
        wanted = args.explain.casefold()
        actors = [a for a in actors if wanted in (a.casefold(), scenario.actors[a].name.casefold())]
        if not actors:
            known = ", ".join(scenario.actors)
            raise UsageError(f"no actor {args.explain!r} in {scenario.name} (known: {known})")
    if args.json:
        print(json.dumps(calibration_json(loaded, actors), indent=2))
        return 0
    evidence = loaded.evidence
    source = f"evidence: {evidence.display}" if evidence else "no evidence file"
    print(f"Calibration of {scenario.name} ({source})")
    for line in calibration_lines(loaded, actors):
        print(line)
    return 0


def _suggest(args: argparse.Namespace, loaded: LoadedScenario) -> int:
    from sim.calibration.suggest import suggest, suggestion_lines
    from sim.errors import UsageError
    from sim.text_input import read_text

    if loaded.evidence is None:
        raise UsageError(f"{args.scenario} names no evidence file, so there is no lexicon")
    text = read_text(args.suggest)
    passages = suggest(text, loaded.evidence.evidence)
    if args.json:
        print(
            json.dumps({"article": str(args.suggest), "passages": [p.as_json() for p in passages]}, indent=2)
        )
        return 0
    print(f"{args.suggest}: {len(passages)} passages bear on the actors of {loaded.scenario.name}")
    for line in suggestion_lines(passages, loaded.scenario.actor_ids):
        print(line)
    return 0
