"""Command-line arguments that several ``dipsim`` commands share, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario import LoadedScenario

DEFAULT_RESULTS = Path("results")
DEFAULT_SCENARIO = Path("scenarios/iran_talks.yaml")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, except that an examples epilog keeps its lines: commands stay copyable."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line + "\n" for line in text.splitlines()).rstrip("\n")
        return super()._fill_text(text, width, indent)


def examples(*pairs: tuple[str, str]) -> dict[str, object]:
    """``add_parser`` keywords for an epilog of examples, each a command and what it does."""
    lines = ["examples:"]
    for command, what in pairs:
        lines += [f"  {command}", f"      {what}"]
    return {"epilog": "\n".join(lines), "formatter_class": _Formatter}


def positive_int(text: str) -> int:
    """An argparse type for counts, so a zero or negative count is refused before any work starts."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def count(text: str) -> int:
    """An argparse type for counts that may be zero."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def add_run_settings(parser: argparse.ArgumentParser, *, replicates_help: str) -> None:
    """--seed, --replicates and --sample: what makes a run reproducible, spelled the same everywhere."""
    parser.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
    parser.add_argument("--replicates", type=positive_int, default=1, help=replicates_help)
    parser.add_argument(
        "--sample",
        action="store_true",
        help="draw uncertain parameters per replicate instead of using their central values",
    )


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """--set KEY=VALUE, repeatable: fix any parameter of the scenario without editing the file."""
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fix a parameter at VALUE, e.g. --set actors.Israel.red_lines.0.probability=0.8 (repeatable; "
        "the keys are the dotted paths `dipsim validate SCENARIO --json` shows); recorded in the manifest",
    )


def apply_set_option(loaded: LoadedScenario, assignments: list[str]) -> LoadedScenario:
    """The scenario with every --set applied and checked as if written in the file."""
    from sim.scenario.overrides import parse_assignment, with_values

    values = dict(parse_assignment(text) for text in assignments)
    return with_values(loaded, values)
