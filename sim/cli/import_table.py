"""`dipsim import TABLE.csv`: a published actor table (standard or KTAB) as a scenario file."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.arguments import examples

if TYPE_CHECKING:
    from sim.importer.options import Options

# the importer's defaults, spelled here too so that --help imports nothing (a test checks they agree)
DEFAULT_PROTOCOL = "expected_utility"
DEFAULT_ROUNDS = 10
DEFAULT_UNIT = "scale units"
_COUNT = re.compile(r"^\d+$")


def register(commands: argparse._SubParsersAction) -> None:
    """Register `dipsim import` on the dipsim parser's subcommands (handler via set_defaults)."""
    parser = commands.add_parser(
        "import",
        help="convert a published actor table (CSV) into a scenario file",
        description="Convert an expected-utility actor table (Actor, Capability, Position, Salience) or a "
        "KTAB SMP table into a scenario YAML, validated by the scenario loader. See docs/import.md.",
        **examples(
            (
                "dipsim import scenarios/eu_emissions_1994.csv --issue emissions --scale 0 100 --out my.yaml",
                "a published expected-utility table as a scenario file",
            ),
            ("dipsim run my.yaml --protocol expected_utility", "then run it under the model it came from"),
        ),
    )
    parser.add_argument("table", type=Path, metavar="TABLE.csv", help="the actor table")
    parser.add_argument(
        "--issue",
        metavar="NAME",
        help="issue id (required for a standard table); for KTAB, comma-separated ids, one per dimension "
        "(default: derived from the dimension headers)",
    )
    parser.add_argument(
        "--scale",
        nargs=2,
        metavar=("MIN", "MAX"),
        help="issue bounds (default: the table's lowest and highest position)",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the YAML here (default: print it)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--name", help="scenario name (default: the table's file name)")
    parser.add_argument("--description", metavar="TEXT", help="description, e.g. the citation of the table")
    parser.add_argument(
        "--label", metavar="TEXT", help="the issue's label (one-issue tables; default: its id)"
    )
    parser.add_argument(
        "--unit", metavar="TEXT", default=DEFAULT_UNIT, help=f"unit of positions (default {DEFAULT_UNIT!r})"
    )
    parser.add_argument(
        "--rounds",
        metavar="N",
        default=str(DEFAULT_ROUNDS),
        help="exchanges in the round (1-100, default 10)",
    )
    parser.add_argument(
        "--status-quo",
        metavar="VALUE",
        help="status quo: one value, or one per issue separated by commas "
        "(default: the midpoint of the bounds, marked ASSUMED)",
    )
    parser.add_argument(
        "--protocol", metavar="NAME", default=DEFAULT_PROTOCOL, help=f"protocol (default {DEFAULT_PROTOCOL})"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """0 written; TableError (exit 2) and ImportBugError (exit 1) reach the CLI."""
    from sim.importer.load_back import import_table

    options = _options(args)
    text, _ = import_table(args.table, options)
    if args.out is None:
        sys.stdout.write(text)
    else:
        _write(args.out, text, force=args.force, source=args.table)
        print(f"Scenario written: {args.out}")
    return 0


def _options(args: argparse.Namespace) -> Options:
    from sim.importer.errors import TableError
    from sim.importer.options import Options

    rounds_text = str(args.rounds)
    if not _COUNT.match(rounds_text.strip()):
        raise TableError(f"--rounds {rounds_text}: must be a whole number from 1 to 100")
    return Options(
        issue=args.issue,
        scale=tuple(args.scale) if args.scale else None,
        name=args.name,
        rounds=int(rounds_text),
        status_quo=args.status_quo,
        protocol=args.protocol,
        description=args.description,
        label=args.label,
        unit=args.unit,
    )


def _write(out: Path, text: str, *, force: bool, source: Path) -> None:
    """Write atomically: a failed write never leaves half a scenario (sim.store.atomic)."""
    from sim.importer.errors import TableError
    from sim.store.atomic import write_text

    if out.exists() and out.resolve() == source.resolve():
        raise TableError(f"{out}: that is the table itself; choose another --out")
    if out.exists() and not force:
        raise TableError(f"{out}: already exists; pass --force to overwrite it")
    if out.is_dir():
        raise TableError(f"{out}: is a folder; give a file name")
    if not out.parent.is_dir():
        raise TableError(f"{out}: folder {out.parent} does not exist")
    write_text(out, text)
