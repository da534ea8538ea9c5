"""The import's options (issue ids, scale, status quo, rounds...), checked before anything is converted."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from sim.importer.errors import TableError
from sim.importer.tables import NUMBER, Table
from sim.scenario.schema import RESERVED_COLUMN_NAMES

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_PREFIXES = ("utility_", "position_")
DEFAULT_PROTOCOL = "expected_utility"
DEFAULT_ROUNDS = 10
DEFAULT_UNIT = "scale units"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    """What the user asked for; raw strings are kept for the header's record of the options."""

    issue: str | None = None
    scale: tuple[str, str] | None = None
    name: str | None = None
    rounds: int = DEFAULT_ROUNDS
    status_quo: str | None = None
    protocol: str = DEFAULT_PROTOCOL
    description: str | None = None
    label: str | None = None
    unit: str = DEFAULT_UNIT


def option_number(text: str, option: str) -> float:
    value = float(text) if NUMBER.match(text.strip()) else math.nan
    if not math.isfinite(value):
        raise TableError(f"{option}: {text!r} is not a number")
    return value


def scale_of(options: Options) -> tuple[float, float] | None:
    if options.scale is None:
        return None
    low, high = (option_number(text, "--scale") for text in options.scale)
    if not low < high:
        raise TableError(f"--scale {options.scale[0]} {options.scale[1]}: MIN must be below MAX")
    if not math.isfinite(high - low):
        raise TableError(
            f"--scale {options.scale[0]} {options.scale[1]}: the range is so wide that its width overflows"
        )
    return (low, high)


def _check_issue_id(issue: str, where: str) -> None:
    if not IDENTIFIER.match(issue):
        raise TableError(
            f"{where}: issue id {issue!r} must be a letter followed by letters, digits or '_' "
            "(^[A-Za-z][A-Za-z0-9_]*$)"
        )
    if issue in RESERVED_COLUMN_NAMES or issue.startswith(_RESERVED_PREFIXES):
        raise TableError(f"{where}: issue id {issue!r} is reserved for a results column; choose another")


def issue_ids(table: Table, options: Options) -> tuple[tuple[str, ...], bool]:
    """The issue ids, and whether they were derived from KTAB's headers rather than given."""
    count = len(table.dimensions)
    if options.issue is None:
        if table.format == "standard":
            raise TableError(
                f"{table.file}: --issue NAME is required: a standard table does not name its issue"
            )
        return _derived_issue_ids(table), True
    issues = tuple(part.strip() for part in options.issue.split(","))
    if len(issues) != count:
        what = (
            "a standard table has one issue"
            if table.format == "standard"
            else (
                f"the KTAB table has {count} dimension{'s' if count != 1 else ''} "
                f"({', '.join(d.name for d in table.dimensions)})"
            )
        )
        raise TableError(
            f"--issue {options.issue}: {len(issues)} issue id{'s' if len(issues) != 1 else ''}, "
            f"but {what}; give one id per dimension, separated by commas"
        )
    for issue in issues:
        _check_issue_id(issue, f"--issue {options.issue}")
    repeated = sorted({i for i in issues if issues.count(i) > 1})
    if repeated:
        raise TableError(f"--issue {options.issue}: {', '.join(repeated)} given more than once")
    return issues, False


def _derived_issue_ids(table: Table) -> tuple[str, ...]:
    """Ids from KTAB's dimension names: 'Policy Position' -> 'policy', 'Pstn1' -> 'pstn1'."""
    ids: list[str] = []
    for dimension in table.dimensions:
        base = identifier(dimension.name, "issue").lower()
        stem = re.sub(r"_position$", "", base)
        issue = stem if stem and IDENTIFIER.match(stem) else base
        where = f"{table.file}:{table.header_line}: column {dimension.position_column!r}"
        if not issue:
            raise TableError(f"{where}: cannot make an issue id from this header; give ids with --issue")
        try:
            _check_issue_id(issue, where)
        except TableError as error:
            raise TableError(f"{error}; give ids with --issue") from None
        if issue in ids:
            raise TableError(f"{where}: two dimensions both become issue {issue!r}; give ids with --issue")
        ids.append(issue)
    return tuple(ids)


def identifier(text: str, prefix: str) -> str:
    """A schema id from free text: accents dropped, other runs of non-alphanumerics become '_'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_")
    if name and not name[0].isalpha():
        name = f"{prefix}_{name}"
    return name
