"""The parser and the dispatcher: every command registers itself, and errors are handled once, here.

Exit codes: 0 success, 2 bad input (an unreadable or invalid scenario, bad
arguments, an output dipsim will not overwrite), 1 a bug. Building the parser
imports only the declarations the help lists (protocol and design names, which
bring pydantic and numpy: about 0.3 s); the engine, pandas, pyarrow, plotly and
solara load in the handler that needs them (tests/test_explore.py checks that
plotly and solara do not load with the parser).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sim import __version__
from sim.cli import (
    backtest,
    calibrate,
    discover,
    explore,
    import_table,
    report,
    run,
    sensitivity,
    sweep,
    validate,
)
from sim.cli.arguments import examples
from sim.errors import DipsimError
from sim.terminal import safe_output

COMMANDS = (run, validate, calibrate, sweep, sensitivity, discover, report, import_table, backtest, explore)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dipsim",
        description="Simulate multi-party negotiations from scenario files and log every round.",
        **examples(
            ("dipsim run scenarios/iran_talks.yaml --seed 42", "the story of one seeded run: start here"),
            ("dipsim COMMAND --help", "each command's options, with examples"),
        ),
    )
    parser.add_argument("--version", action="version", version=f"dipsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    with safe_output():
        if not argv:  # bare `dipsim`: what it can do, not a usage error
            parser.print_help()
            return 0
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


if __name__ == "__main__":
    raise SystemExit(main())
