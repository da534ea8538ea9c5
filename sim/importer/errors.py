"""What an import can go wrong with: the user's table, or (a bug) our own check of it."""

from __future__ import annotations

from sim.errors import DipsimError


class TableError(DipsimError):
    """Bad input: printed as ``dipsim: <message>`` and exit code 2, never a traceback."""


class ImportBugError(DipsimError):
    """The generated YAML did not load back as written: a bug here, not in the user's table."""

    exit_code = 1
