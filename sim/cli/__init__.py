"""The ``dipsim`` command line (also ``python -m sim``): argparse, one module per command.

Importing this package costs nothing: ``main`` loads the parser on call, and
each command imports what it needs only when it runs, so ``dipsim --help``
starts in a fraction of a second and sweep workers never import the CLI's
reporting stack.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from sim.cli.dispatch import main as run

    return run(argv)


__all__ = ["main"]
