"""Command-line arguments that several ``dipsim`` commands share, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_RESULTS = Path("results")
DEFAULT_SCENARIO = Path("scenarios/iran_talks.yaml")


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
