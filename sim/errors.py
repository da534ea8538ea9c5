"""One error base for everything dipsim refuses, handled once, in the CLI.

A :class:`DipsimError` is an answer, not a crash: bad input, a refused output
folder, a corrupt results folder. The CLI prints its lines and exits with its
``exit_code`` (2 unless said otherwise), never with a traceback. Anything else
that escapes is a bug in dipsim and keeps its traceback.

Located problems (:class:`Problem`) are how input errors are reported
everywhere -- scenarios, evidence, backtest cases, import tables, manifests --
as ``FILE:LINE: field: message``, every problem at once where possible.
"""

from __future__ import annotations

from dataclasses import dataclass

PathKey = tuple[str | int, ...]
MAX_SHOWN = 200  # problems printed at once; the count says how many there are


@dataclass(frozen=True)
class Location:
    file: str
    line: int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, placed as precisely as we can."""

    location: Location
    path: PathKey
    message: str

    def __str__(self) -> str:
        dotted = ".".join(str(p) for p in self.path) or "<file>"
        return f"{self.location.file}:{self.location.line}: {dotted}: {self.message}"


class DipsimError(Exception):
    """A refusal the user can act on: printed as ``dipsim: <message>``, exit status ``exit_code``."""

    exit_code = 2

    def lines(self) -> list[str]:
        return [f"dipsim: {self}"]


class LocatedError(DipsimError):
    """Every problem found in one or more input files, sorted by file and line."""

    noun = "problem"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location.file, p.location.line))
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        count = len(self.problems)
        shown = [str(p) for p in self.problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            shown.append(f"... and {count - MAX_SHOWN} more")
        return [*shown, f"{count} {self.noun}{'s' if count != 1 else ''} found."]


class InputError(LocatedError):
    """An input file that cannot be read as text: missing, not a regular file, too large, not UTF-8."""


class OutputError(DipsimError):
    """An output location dipsim refuses to write to, because something there is not its own."""


class ResultsError(DipsimError):
    """A results folder that is missing, foreign, incomplete or corrupt; the message says what to do."""


class UsageError(DipsimError):
    """A command-line argument that cannot be used as given (a missing folder, a value out of range)."""
