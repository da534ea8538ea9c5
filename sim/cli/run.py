"""`dipsim run SCENARIO`: run a scenario, log it to a run folder, and tell its story."""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.arguments import DEFAULT_RESULTS, add_run_settings, add_set_option, apply_set_option, examples

if TYPE_CHECKING:
    from sim.experiments.run import RunSettings
    from sim.scenario import LoadedScenario


def register(commands: argparse._SubParsersAction) -> None:
    from sim.scenario.protocols import PROTOCOL_NAMES

    run = commands.add_parser(
        "run",
        help="run a scenario and log it to a run folder",
        description="Run a scenario (R replicates at once), write every table to a run folder, and print "
        "the round-by-round story of one replicate, or the spread of outcomes across replicates.",
        **examples(
            ("dipsim run scenarios/iran_talks.yaml --seed 42", "the round-by-round story of one seeded run"),
            (
                "dipsim run scenarios/iran_talks.yaml --replicates 5000 --sample",
                "5,000 replicates with sampled parameters: the spread of outcomes",
            ),
            (
                "dipsim run scenarios/iran_talks.yaml --replicates 2000 --sample "
                "--set actors.Israel.red_lines.0.probability=0.9",
                "the same with one parameter fixed",
            ),
            (
                "dipsim run scenarios/iran_talks.yaml --protocol all",
                "every protocol on the same file, side by side",
            ),
            ("dipsim run scenarios/iran_talks_us_deadline.yaml --json", "a machine-readable summary"),
        ),
    )
    run.add_argument("scenario", type=Path, help="the scenario YAML file to run")
    add_run_settings(run, replicates_help="replicates to run at once")
    add_set_option(run)
    run.add_argument("--out", type=Path, help="run folder (default results/runs/<scenario>-...)")
    run.add_argument("--json", action="store_true", help="print a JSON summary instead of the story")
    run.add_argument("--replicate", type=int, default=0, help="which replicate's story to print")
    run.add_argument(
        "--protocol",
        metavar="NAME",
        help="run under this protocol instead of the scenario's: "
        f"{', '.join(PROTOCOL_NAMES)}; a comma-separated list, or 'all' to compare them side by side",
    )
    run.set_defaults(handler=handle)


def default_folder(name: str, settings: RunSettings) -> Path:
    """results/runs/<slug of the scenario name>-s<seed>-r<replicates>-<UTC time>: always inside results/."""
    from sim.store.outputs import slug

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = DEFAULT_RESULTS / "runs" / f"{slug(name)}-s{settings.seed}-r{settings.replicates}-{stamp}"
    folder, count = base, 1
    while folder.exists():  # two runs in the same second keep both
        count += 1
        folder = base.with_name(f"{base.name}-{count}")
    return folder


def handle(args: argparse.Namespace) -> int:
    from sim import __version__
    from sim.errors import UsageError
    from sim.experiments.run import RunSettings, run_scenario
    from sim.experiments.side_by_side import protocol_names
    from sim.report.story import distribution_lines, outcome_lines, replicate_story, summary
    from sim.scenario import load_scenario
    from sim.store.outputs import check_output_folder
    from sim.store.results import Results
    from sim.store.run_folder import write_run

    loaded = apply_set_option(load_scenario(args.scenario), args.assignments)
    settings = RunSettings(seed=args.seed, replicates=args.replicates, sample=args.sample)
    if not 0 <= args.replicate < settings.replicates:
        raise UsageError(f"--replicate {args.replicate}: must be between 0 and {settings.replicates - 1}")
    if args.protocol is not None:
        try:
            names = protocol_names(args.protocol)
        except ValueError as error:
            raise UsageError(f"--protocol: {error}") from None
        if len(names) > 1:
            return _side_by_side(args, loaded, names, settings)
        loaded = loaded.with_protocol(names[0])
    folder = args.out or default_folder(loaded.scenario.name, settings)
    check_output_folder(folder, "run")  # before computing, so a bad --out wastes nothing
    tables, manifest = run_scenario(loaded, settings)
    clock = time.perf_counter()
    write_run(tables, folder, manifest)
    run = Results.open(folder)
    if args.json:
        print(json.dumps(summary(run), indent=2))
        return 0
    scenario = loaded.scenario
    print(
        f"dipsim {__version__} - {scenario.name} - seed {settings.seed} - "
        f"{settings.replicates} replicate{'s' if settings.replicates > 1 else ''} - "
        f"protocol {scenario.protocol.name}"
        + (" - sampled parameters" if settings.sample else " - central parameter values")
    )
    if settings.replicates > 1:
        print(f"Story of replicate {args.replicate}:")
    for line in replicate_story(run, args.replicate) + outcome_lines(run, args.replicate):
        print(line)
    if settings.replicates > 1:
        for line in distribution_lines(run):
            print(line)
    engine = manifest.timing["engine_seconds"]
    print(f"\nRun folder: {folder}  (engine {engine:.2f} s, writing {time.perf_counter() - clock:.2f} s)")
    return 0


def _side_by_side(
    args: argparse.Namespace, loaded: LoadedScenario, names: list[str], settings: RunSettings
) -> int:
    """``run --protocol all``: one run folder per protocol, a side-by-side table, and the model-form range.

    The range is printed apart from the Monte Carlo intervals because it is another kind of
    uncertainty: which model is right, not what the inputs are (sim.experiments.model_form).
    """
    from sim import __version__
    from sim.experiments.model_form import model_form_json, model_form_lines, prediction
    from sim.experiments.side_by_side import comparison_lines, run_protocols
    from sim.report.story import summary
    from sim.store.results import Results

    folder = args.out or default_folder(f"{loaded.scenario.name}-protocols", settings)
    folders = run_protocols(loaded, names, settings, folder)
    runs = {name: Results.open(path) for name, path in folders.items()}
    issues = next(iter(runs.values())).issues
    predictions = [prediction(run, name) for name, run in runs.items()]
    if args.json:
        document = {"folder": str(folder), "protocols": {n: summary(r) for n, r in runs.items()}}
        print(json.dumps(document | model_form_json(predictions, issues), indent=2))
        return 0
    print(
        f"dipsim {__version__} - {loaded.scenario.name} - seed {settings.seed} - "
        f"{settings.replicates} replicate{'s' if settings.replicates > 1 else ''} - "
        + ("sampled parameters" if settings.sample else "central parameter values")
    )
    print("Outcome shares by protocol (the same scenario file, the same seed):")
    for line in comparison_lines(runs):
        print("  " + line)
    print()
    for line in model_form_lines(predictions, issues):
        print(line)
    print(f"\nRun folders: {folder}/<protocol>")
    print(f"Report comparing them: dipsim report {folder}")
    return 0
