"""`dipsim report DIR` and `dipsim compare DIR DIR...`: self-contained HTML reports of results folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.arguments import DEFAULT_RESULTS, examples, positive_int


def register(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="self-contained HTML report of a run, sweep or backtest folder",
        description="Draw a results folder as one HTML file with plotly.js inlined (no network needed), "
        "and optionally every figure as PNG. The folder of a `run --protocol all` gets the protocols "
        "compared (one dot per model, the model-form range), written beside it as FOLDER.html.",
        **examples(
            (
                "dipsim report results/demo/sweep",
                "the sweep's report, written to results/demo/sweep/report.html",
            ),
            (
                "dipsim report results/runs/RUN --png figures/",
                "a run's report, and every figure as PNG (kaleido and a Chromium)",
            ),
            ("dipsim report results/backtests/cases-s0", "a backtest's scores against the naive baselines"),
        ),
    )
    report.add_argument(
        "results_dir",
        type=Path,
        metavar="RESULTS_DIR",
        help="a run, sweep or backtest folder, or the folder of a run --protocol all",
    )
    report.add_argument(
        "--out", type=Path, help="HTML file (default RESULTS_DIR/report.html; RESULTS_DIR.html for protocols)"
    )
    report.add_argument("--png", type=Path, metavar="DIR", help="also write every figure as PNG here")
    report.add_argument(
        "--force", action="store_true", help="overwrite --out even if it is not a dipsim report"
    )
    report.add_argument(
        "--partial", action="store_true", help="report an unfinished sweep from the batches on disk"
    )
    report.set_defaults(handler=handle_report)

    compare = commands.add_parser(
        "compare",
        help="overlay the outcomes of several runs or sweeps",
        description="Outcome probabilities and terms of several runs or sweeps, a colour each. Folders that "
        "differ in protocol are drawn as one dot per model with the model-form range (the spread across "
        "models); term histograms only where replicates make a distribution.",
        **examples(
            (
                "dipsim compare results/sweeps/A results/sweeps/B --out compare.html",
                "two sweeps overlaid; the first folder is the baseline of the differences table",
            ),
            (
                "dipsim compare results/runs/base results/runs/variant --baseline 2",
                "the same with the second folder as the baseline",
            ),
        ),
    )
    compare.add_argument(
        "results_dirs",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="two or more run or sweep folders to compare",
    )
    compare.add_argument(
        "--baseline",
        type=positive_int,
        default=1,
        metavar="N",
        help="which folder the differences are taken from, counting from 1 (default 1: the first)",
    )
    compare.add_argument("--out", type=Path, help="HTML file (default results/compare.html)")
    compare.add_argument(
        "--force", action="store_true", help="overwrite --out even if it is not a dipsim report"
    )
    compare.add_argument(
        "--partial", action="store_true", help="include unfinished sweeps, from the batches on disk"
    )
    compare.set_defaults(handler=handle_compare)


def handle_report(args: argparse.Namespace) -> int:
    from sim.experiments.model_form import protocol_runs
    from sim.report.build import comparison_report, report_for
    from sim.report.png import PngUnavailableError, export_png
    from sim.store.atomic import write_text
    from sim.store.outputs import check_report_file
    from sim.store.results import Results

    members = protocol_runs(args.results_dir)
    if members is not None:  # a `run --protocol all` folder: the protocols compared
        # beside the folder, not in it: a protocols folder holds its run folders and nothing else
        out = args.out or args.results_dir.with_name(f"{args.results_dir.name}.html")
        check_report_file(out, args.force)
        built = comparison_report([Results.open(path, ("run",)) for path in members.values()])
    else:
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


def handle_compare(args: argparse.Namespace) -> int:
    from sim.errors import UsageError
    from sim.report.build import comparison_report
    from sim.store.atomic import write_text
    from sim.store.outputs import check_report_file
    from sim.store.results import Results

    if len(args.results_dirs) < 2:
        raise UsageError("compare needs at least two results folders")
    out = args.out or DEFAULT_RESULTS / "compare.html"
    check_report_file(out, args.force)
    opened = [Results.open(d, ("run", "sweep"), partial=args.partial) for d in args.results_dirs]
    if args.baseline > len(opened):
        raise UsageError(f"--baseline {args.baseline}: there are only {len(opened)} folders")
    built = comparison_report(opened, baseline=args.baseline - 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, built.html())
    print(f"Comparison: {out}")
    return 0
