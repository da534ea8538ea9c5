"""`dipsim backtest CASES_DIR`: score every protocol against the known outcomes of past cases."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.arguments import add_run_settings, examples
from sim.terminal import plural

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.backtest.scores import Scores
    from sim.experiments.run import RunSettings


def register(commands: argparse._SubParsersAction) -> None:
    """Register ``dipsim backtest`` on the dipsim parser's subcommands (handler via set_defaults)."""
    parser = commands.add_parser(
        "backtest",
        help="score every protocol's predictions against the known outcomes of past cases",
        description="Run each case (a scenario coded from dated sources, the outcome class and, for a "
        "deal, the agreed terms; see docs/backtest.md) under each protocol, and score every protocol and "
        "naive baseline: Brier and log scores of the outcome class, the normalised error and interval "
        "coverage of the terms, each with a bootstrap interval over cases.",
        **examples(
            ("dipsim backtest scenarios/cases", "score every protocol and naive baseline on the coded cases"),
            ("dipsim report results/backtests/cases-s0", "the backtest plotted"),
        ),
    )
    parser.add_argument("cases_dir", type=Path, metavar="CASES_DIR", help="folder of case files (*.yaml)")
    parser.add_argument(
        "--protocol", metavar="NAME", default="all", help="'all' (default) or a comma-separated list"
    )
    add_run_settings(parser, replicates_help="replicates per case and protocol")
    parser.add_argument("--out", type=Path, help="backtest folder (default results/backtests/<dir>-s<seed>)")
    parser.add_argument("--json", action="store_true", help="print the same content as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.errors import UsageError
    from sim.experiments.backtest.cases import load_cases
    from sim.experiments.backtest.harness import default_folder, run_backtest
    from sim.experiments.backtest.scores import score_tables
    from sim.experiments.backtest.summary import summary_json
    from sim.experiments.run import RunSettings
    from sim.experiments.side_by_side import protocol_names
    from sim.store.outputs import check_output_folder
    from sim.store.results import Results

    try:
        names = protocol_names(args.protocol)
    except ValueError as error:
        raise UsageError(f"--protocol: {error}") from None
    cases = load_cases(args.cases_dir)  # UsageError or CaseError: the CLI prints them, exit 2
    settings = RunSettings(seed=args.seed, replicates=args.replicates, sample=args.sample)
    folder = args.out or default_folder(args.cases_dir, args.seed)
    check_output_folder(folder, "backtest")  # before computing, so a bad --out wastes nothing
    run_backtest(cases, names, settings, folder, args.cases_dir)
    results = Results.open(folder)  # what was written is what is printed
    classes, terms = results.backtest_classes(), results.backtest()
    scores = score_tables(classes, terms, results.manifest["seed"])
    if args.json:
        print(json.dumps(summary_json(classes, terms, results.manifest, folder, scores), indent=2))
        return 0
    _print_backtest(classes, terms, results.manifest, folder, settings, scores)
    return 0


def _print_backtest(
    classes: pd.DataFrame,
    terms: pd.DataFrame,
    manifest: dict[str, Any],
    folder: Path,
    settings: RunSettings,
    scores: Scores,
) -> None:
    from sim import __version__
    from sim.report.backtest_text import backtest_lines

    cases = manifest["cases"]
    print(
        f"dipsim {__version__} - backtest of {plural(len(cases), 'case')} in {manifest['cases_dir']} - "
        f"seed {settings.seed} - {plural(settings.replicates, 'replicate')} - "
        + ("sampled parameters" if settings.sample else "central parameter values")
    )
    for line in backtest_lines(classes, terms, manifest, scores):
        print(line)
    print(
        f"\nBacktest folder: {folder}  (classes and backtest tables as .parquet and .csv; "
        "runs/<case>/<protocol>)"
    )
