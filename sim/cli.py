"""The ``dipsim`` command line (also ``python -m sim``).

Exit codes: 0 success, 2 bad input (an unreadable or invalid scenario, bad
arguments), 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sim import __version__
from sim.backtest import add_backtest_command
from sim.calibration.report import calibration_json, calibration_lines
from sim.calibration.suggest import suggest, suggestion_lines
from sim.cli_arguments import add_run_settings, positive_int
from sim.engine.outcomes import OUTCOME_LABELS
from sim.errors import DipsimError, UsageError
from sim.experiments.run import RunSettings, run_scenario
from sim.experiments.sensitivity import analyse, ranking_lines
from sim.experiments.side_by_side import comparison_lines, protocol_names, run_protocols
from sim.experiments.sweep.designs import DESIGNS
from sim.experiments.sweep.plan import SweepSettings
from sim.experiments.sweep.runner import Execution, run_sweep
from sim.importer.command import add_import_command
from sim.report.build import comparison_report, report_for
from sim.report.png import PngUnavailableError, export_png
from sim.report.story import distribution_lines, outcome_lines, replicate_story, summary
from sim.scenario import LoadedScenario, load_scenario, resolved
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.store.atomic import write_text
from sim.store.outputs import check_output_folder, check_report_file, slug
from sim.store.results import Results
from sim.store.run_folder import write_run
from sim.terminal import safe_output
from sim.text_input import read_text

DEFAULT_RESULTS = Path("results")
DEFAULT_SCENARIO = Path("scenarios/iran_talks.yaml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dipsim",
        description="Simulate multi-party negotiations from scenario files and log every round.",
    )
    parser.add_argument("--version", action="version", version=f"dipsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and log it to a run folder")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    add_run_settings(run, replicates_help="replicates to run at once")
    run.add_argument("--out", type=Path, help="run folder (default results/runs/<scenario>-...)")
    run.add_argument("--json", action="store_true", help="print a JSON summary instead of the story")
    run.add_argument("--replicate", type=int, default=0, help="which replicate's story to print")
    run.add_argument(
        "--protocol",
        metavar="NAME",
        help="run under this protocol instead of the scenario's: "
        f"{', '.join(PROTOCOL_NAMES)}; a comma-separated list, or 'all' to compare them side by side",
    )
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", type=Path)
    validate.add_argument(
        "--json", action="store_true", help="print the resolved scenario (extends applied, central values)"
    )
    validate.set_defaults(handler=_validate)

    calibrate = commands.add_parser(
        "calibrate", help="show each actor parameter with its value or range and the quotes behind it"
    )
    calibrate.add_argument("scenario", type=Path, nargs="?", default=DEFAULT_SCENARIO)
    calibrate.add_argument("--explain", metavar="ACTOR", help="only this actor (id or name)")
    calibrate.add_argument("--json", action="store_true", help="the same content, machine-readable")
    calibrate.add_argument(
        "--suggest",
        metavar="ARTICLE",
        type=Path,
        help="list the passages of a new article that bear on each actor, issue and parameter",
    )
    calibrate.set_defaults(handler=_calibrate)

    sweep = commands.add_parser("sweep", help="Monte Carlo sweep over the uncertain parameters")
    sweep.add_argument("scenario", type=Path)
    sweep.add_argument("--samples", type=positive_int, required=True, help="design points (base samples)")
    sweep.add_argument("--replicates", type=positive_int, default=1, help="replicates per design point")
    sweep.add_argument("--design", choices=DESIGNS, default="mc", help="sampling design (default mc)")
    sweep.add_argument("--seed", type=int, default=0)
    sweep.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="worker processes (default: one per core); 1 runs batches serially in this process",
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler")
    where.add_argument("--dask-local", action="store_true", help="run on a local Dask cluster")
    sweep.add_argument("--out", type=Path, help="sweep folder (default results/sweeps/<scenario>-...)")
    sweep.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sweep.add_argument(
        "--log",
        choices=("full", "outcomes"),
        default="full",
        help="full: per-exchange rounds and texts too (default); outcomes: outcomes, events, samples",
    )
    sweep.add_argument(
        "--batch-replicates",
        type=positive_int,
        default=4096,
        help="replicate-runs per batch (default 4096): the unit of work, memory and resume. It decides "
        "where batches are cut and so which random stream each design point draws: part of the seed",
    )
    sweep.set_defaults(handler=_sweep)

    sensitivity = commands.add_parser("sensitivity", help="global sensitivity indices of a finished sweep")
    sensitivity.add_argument("sweep_dir", type=Path)
    sensitivity.set_defaults(handler=_sensitivity)

    report = commands.add_parser("report", help="self-contained HTML report of a run or sweep folder")
    report.add_argument("results_dir", type=Path)
    report.add_argument("--out", type=Path, help="HTML file (default RESULTS_DIR/report.html)")
    report.add_argument("--png", type=Path, metavar="DIR", help="also write every figure as PNG here")
    report.add_argument(
        "--force", action="store_true", help="overwrite --out even if it is not a dipsim report"
    )
    report.add_argument(
        "--partial", action="store_true", help="report an unfinished sweep from the batches on disk"
    )
    report.set_defaults(handler=_report)

    compare = commands.add_parser("compare", help="overlay the outcomes of several runs or sweeps")
    compare.add_argument("results_dirs", type=Path, nargs="+", metavar="DIR")
    compare.add_argument("--out", type=Path, help="HTML file (default results/compare.html)")
    compare.add_argument(
        "--force", action="store_true", help="overwrite --out even if it is not a dipsim report"
    )
    compare.add_argument(
        "--partial", action="store_true", help="include unfinished sweeps, from the batches on disk"
    )
    compare.set_defaults(handler=_compare)

    add_import_command(commands)
    add_backtest_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    with safe_output():
        args = parser.parse_args(argv)
        try:
            return args.handler(args)
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
            return 0
        except DipsimError as error:
            for line in error.lines():
                print(line, file=sys.stderr)
            return error.exit_code
        except OSError as error:  # the file system refused (permissions, a full disk): say so, no traceback
            where = f"{error.filename}: " if error.filename else ""
            print(f"dipsim: {where}{error.strerror or error}", file=sys.stderr)
            return 2


def _validate(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    if args.json:
        print(json.dumps(resolved(loaded.scenario), indent=2))
    else:
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


def _calibrate(args: argparse.Namespace) -> int:
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
            print(f"dipsim: no actor {args.explain!r} in {scenario.name} (known: {known})", file=sys.stderr)
            return 2
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
    if loaded.evidence is None:
        print(f"dipsim: {args.scenario} names no evidence file, so there is no lexicon", file=sys.stderr)
        return 2
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


def _sweep(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    settings = SweepSettings(
        samples=args.samples,
        replicates=args.replicates,
        design=args.design,
        seed=args.seed,
        log=args.log,
        batch_replicates=args.batch_replicates,
    )
    folder = args.out or DEFAULT_RESULTS / "sweeps" / (
        f"{slug(loaded.scenario.name)}-{args.design}-s{args.seed}-n{args.samples}x{args.replicates}"
    )
    execution = Execution(workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local)
    try:
        summary = run_sweep(loaded, settings, folder, execution, resume=args.resume)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the finished batches are safely on disk in {folder}; "
            "run the same command with --resume to finish",
            file=sys.stderr,
        )
        return 130
    if summary.batches_run == 0:
        print(f"Sweep folder: {folder}\n  complete already: all {summary.batches_total} batches are on disk")
    else:
        rate = summary.replicates_run / summary.seconds if summary.seconds > 0 else float("nan")
        print(
            f"Sweep folder: {folder}\n"
            f"  ran {summary.batches_run} of {summary.batches_total} batches, "
            f"{summary.replicates_run} replicate-runs in {summary.seconds:.1f} s ({rate:,.0f} runs/s)"
        )
    shares = (
        Results.open(folder, ("sweep",)).table("outcomes", ["outcome"]).outcome.value_counts(normalize=True)
    )
    print("  " + ", ".join(f"{label} {shares.get(label, 0):.1%}" for label in OUTCOME_LABELS))
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    result = analyse(args.sweep_dir)
    print(f"Sensitivity indices written to {args.sweep_dir / 'sensitivity.parquet'}")
    for line in ranking_lines(result):
        print(line)
    return 0


def _report(args: argparse.Namespace) -> int:
    out = args.out or args.results_dir / "report.html"
    check_report_file(out, args.force)  # before building, so a refused --out wastes nothing
    built = report_for(Results.open(args.results_dir, partial=args.partial))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, built.html())
    print(f"Report: {out}")
    if args.png is not None:
        try:
            written = export_png(built.named_figures(), args.png)
        except PngUnavailableError as error:
            print(f"dipsim: no PNG written: {error}", file=sys.stderr)
            return 2
        print(f"PNG: {len(written)} figures in {args.png}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    if len(args.results_dirs) < 2:
        raise UsageError("compare needs at least two results folders")
    out = args.out or DEFAULT_RESULTS / "compare.html"
    check_report_file(out, args.force)
    opened = [Results.open(d, ("run", "sweep"), partial=args.partial) for d in args.results_dirs]
    built = comparison_report(opened)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, built.html())
    print(f"Comparison: {out}")
    return 0


def _default_folder(name: str, settings: RunSettings) -> Path:
    """results/runs/<slug of the scenario name>-s<seed>-r<replicates>-<UTC time>: always inside results/."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = DEFAULT_RESULTS / "runs" / f"{slug(name)}-s{settings.seed}-r{settings.replicates}-{stamp}"
    folder, count = base, 1
    while folder.exists():  # two runs in the same second keep both
        count += 1
        folder = base.with_name(f"{base.name}-{count}")
    return folder


def _run(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    settings = RunSettings(seed=args.seed, replicates=args.replicates, sample=args.sample)
    if not 0 <= args.replicate < settings.replicates:
        raise UsageError(f"--replicate {args.replicate}: must be between 0 and {settings.replicates - 1}")
    if args.protocol is not None:
        try:
            names = protocol_names(args.protocol)
        except ValueError as error:
            print(f"dipsim: --protocol: {error}", file=sys.stderr)
            return 2
        if len(names) > 1:
            return _run_protocols(args, loaded, names, settings)
        loaded = loaded.with_protocol(names[0])
    folder = args.out or _default_folder(loaded.scenario.name, settings)
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
    engine = manifest["timing"]["engine_seconds"]
    print(f"\nRun folder: {folder}  (engine {engine:.2f} s, writing {time.perf_counter() - clock:.2f} s)")
    return 0


def _run_protocols(
    args: argparse.Namespace, loaded: LoadedScenario, names: list[str], settings: RunSettings
) -> int:
    """``run --protocol all``: one run folder per protocol, and a side-by-side table."""
    folder = args.out or _default_folder(f"{loaded.scenario.name}-protocols", settings)
    folders = run_protocols(loaded, names, settings, folder)
    runs = {name: Results.open(path) for name, path in folders.items()}
    if args.json:
        print(
            json.dumps(
                {"folder": str(folder), "protocols": {n: summary(r) for n, r in runs.items()}}, indent=2
            )
        )
        return 0
    print(
        f"dipsim {__version__} - {loaded.scenario.name} - seed {settings.seed} - "
        f"{settings.replicates} replicate{'s' if settings.replicates > 1 else ''} - "
        + ("sampled parameters" if settings.sample else "central parameter values")
    )
    print("Outcome by protocol (the same scenario file, the same seed):")
    for line in comparison_lines(runs):
        print("  " + line)
    print(f"\nRun folders: {folder}/<protocol>")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
