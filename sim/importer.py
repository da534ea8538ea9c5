"""``dipsim import``: turn a published actor table (CSV) into a scenario file.

The expected-utility literature publishes its data as one table per issue:
every actor's capability, position and salience (Bueno de Mesquita 1994 and
its replications), and KAPSARC's KTAB reads several issues side by side from
one CSV. Typing such a table into YAML by hand invites slips, so this module
reads the table, checks every cell (errors name the file, line and column),
converts it to our schema's conventions, writes the YAML with an emitter we
control (every number round-trips exactly), and then loads the result
through the real scenario loader: an import that does not validate, or that
loads back to different numbers, is reported instead of written.

docs/import.md describes the formats, options, conversions and messages.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import re
import shlex
import sys
import tempfile
import textwrap
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sim.errors import DipsimError, InputError
from sim.scenario import LoadedScenario, ScenarioError, load_scenario, resolved
from sim.scenario.distributions import is_uncertain
from sim.scenario.schema import RESERVED_COLUMN_NAMES
from sim.text_input import read_text

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Plain decimal numbers only: float() alone would also take "nan", "inf" and "1_000".
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COUNT = re.compile(r"^\d+$")
_SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RESERVED_PREFIXES = ("utility_", "position_")

STANDARD_COLUMNS = ("actor", "capability", "position", "salience")
NAME_COLUMNS = ("name", "description")
DEFAULT_PROTOCOL = "expected_utility"
DEFAULT_ROUNDS = 10
DEFAULT_UNIT = "scale units"
ROUND_ID = "bargaining"
MAX_SALIENCE = 100.0

Format = Literal["standard", "ktab"]
FORMAT_LABELS: dict[Format, str] = {
    "standard": "standard expected-utility table (Actor, Capability, Position, Salience)",
    "ktab": "KTAB SMP table (line 1: scenario, description, actors, dimensions; "
    "line 2: Actor, Description, Capability, then Position and Salience per dimension)",
}


class TableError(DipsimError):
    """Bad input: printed as ``dipsim: <message>`` and exit code 2, never a traceback."""


class ImportBugError(DipsimError):
    """The generated YAML did not load back as written: a bug here, not in the user's table."""

    exit_code = 1


# --------------------------------------------------------------------------- reading the table


@dataclass(frozen=True)
class Dimension:
    """One issue column pair; the headers are kept so that errors name the column as written."""

    name: str  # KTAB's dimension name (its position header); the issue id for a standard table
    position_column: str
    salience_column: str


@dataclass(frozen=True)
class Row:
    """One actor as the table gives it, with the CSV line it came from."""

    line: int
    label: str  # the Actor cell as written
    name: str  # display name: the Name/Description cell, else the label
    note: str
    capability: float
    positions: tuple[float, ...]
    saliences: tuple[float, ...]


@dataclass(frozen=True)
class Table:
    file: str  # as the user named it, for messages
    file_name: str  # the bare name, for the YAML (which usually sits beside the table)
    format: Format
    title: str  # KTAB's scenario name, else the file's stem
    summary: str  # KTAB's scenario description, else ""
    header_line: int
    actor_column: str
    capability_column: str
    dimensions: tuple[Dimension, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class _Record:
    line: int
    cells: list[str]


def read_table(path: Path) -> Table:
    """Read and check a table in either format, detected from its first row."""
    file = str(path)
    records = _records(path, file)
    if not records:
        raise TableError(f"{file}:1: the file is empty (expected a header row and one row per actor)")
    if _looks_like_ktab(records[0].cells):
        return _read_ktab(path, file, records)
    return _read_standard(path, file, records)


def _records(path: Path, file: str) -> list[_Record]:
    """Non-blank CSV records with the line each starts on (a quoted cell may span lines)."""
    try:
        text = read_text(path, shown=file)  # a leading byte-order mark (Excel writes one) is dropped
    except InputError as error:
        (problem,) = error.problems
        raise TableError(f"{file}:{problem.location.line}: {problem.message}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[_Record] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append(_Record(start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise TableError(f"{file}:{reader.line_num}: unreadable CSV: {error}") from None
    return records


def _looks_like_ktab(cells: list[str]) -> bool:
    """KTAB's first row is: name, description, number of actors, number of dimensions."""
    return len(cells) >= 4 and bool(_COUNT.match(cells[2])) and bool(_COUNT.match(cells[3]))


def _trimmed(cells: list[str]) -> list[str]:
    """Drop trailing empty cells: KTAB's own files end every row with a comma."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _fit(record: _Record, width: int, file: str) -> list[str]:
    """The record's cells padded to the header's width; extra non-empty cells are an error."""
    cells = record.cells
    extra = _trimmed(cells[width:])
    if extra:
        raise TableError(
            f"{file}:{record.line}: {len(_trimmed(cells))} cells, but the header has {width} columns "
            f"(unexpected: {', '.join(repr(c) for c in extra)})"
        )
    return cells[:width] + [""] * (width - len(cells))


def _number(text: str, file: str, line: int, column: str, actor: str) -> float:
    who = f" (actor {actor!r})" if actor else ""
    if not text:
        raise TableError(f"{file}:{line}: column {column!r}: empty cell{who}; every cell needs a number")
    value = float(text) if _NUMBER.match(text) else math.nan
    if not math.isfinite(value):
        raise TableError(f"{file}:{line}: column {column!r}: {text!r} is not a number{who}")
    return value


def _read_standard(path: Path, file: str, records: list[_Record]) -> Table:
    header = records[0]
    columns = _trimmed(header.cells)
    index = _standard_columns(columns, file, header.line)
    width = len(columns)
    rows = []
    for record in records[1:]:
        cells = _fit(record, width, file)
        label = cells[index["actor"]]
        if not label:
            raise TableError(f"{file}:{record.line}: column {columns[index['actor']]!r}: empty cell")

        def number(key: str, cells: list[str] = cells, record: _Record = record, label: str = label) -> float:
            return _number(cells[index[key]], file, record.line, columns[index[key]], label)

        name_cell = cells[index["name"]] if "name" in index else ""
        description = cells[index["description"]] if "description" in index else ""
        rows.append(
            Row(
                line=record.line,
                label=label,
                name=name_cell or description or label,
                note=description if name_cell else "",
                capability=number("capability"),
                positions=(number("position"),),
                saliences=(number("salience"),),
            )
        )
    dimension = Dimension("", columns[index["position"]], columns[index["salience"]])
    return Table(
        file=file,
        file_name=path.name,
        format="standard",
        title=path.stem,
        summary="",
        header_line=header.line,
        actor_column=columns[index["actor"]],
        capability_column=columns[index["capability"]],
        dimensions=(dimension,),
        rows=tuple(rows),
    )


def _standard_columns(columns: list[str], file: str, line: int) -> dict[str, int]:
    """Map the four required (and two optional) column names to their positions."""
    index: dict[str, int] = {}
    unknown = []
    for position, column in enumerate(columns):
        key = column.casefold()
        if not key:
            raise TableError(f"{file}:{line}: column {position + 1} has no name")
        if key in index:
            raise TableError(
                f"{file}:{line}: column {column!r} appears twice "
                f"(columns {index[key] + 1} and {position + 1})"
            )
        if key not in STANDARD_COLUMNS + NAME_COLUMNS:
            unknown.append(column)
        index[key] = position
    missing = [name.capitalize() for name in STANDARD_COLUMNS if name not in index]
    if missing:
        hint = ""
        if len(columns) == 1 and ";" in columns[0]:
            hint = "; the file seems to use ';' between cells: dipsim import reads comma-separated tables"
        raise TableError(
            f"{file}:{line}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; found: {', '.join(repr(c) for c in columns)}{hint} "
            "(a standard table has the columns Actor, Capability, Position, Salience; "
            "a KTAB table starts with: name, description, number of actors, number of dimensions)"
        )
    if unknown:
        raise TableError(
            f"{file}:{line}: unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(c) for c in unknown)}; a standard table has Actor, Capability, Position, "
            "Salience and optionally Name or Description (one issue per table: use a KTAB table for several)"
        )
    return index


def _read_ktab(path: Path, file: str, records: list[_Record]) -> Table:
    first = records[0]
    title, summary, declared_actors, declared_dims = (
        *first.cells[:2],
        int(first.cells[2]),
        int(first.cells[3]),
    )
    if declared_dims < 1:
        raise TableError(f"{file}:{first.line}: column 4 (number of dimensions): must be at least 1, got 0")
    if len(records) < 2:
        raise TableError(f"{file}:{first.line}: no header row after the KTAB scenario line")
    header = records[1]
    columns = _trimmed(header.cells)
    width = 3 + 2 * declared_dims
    if len(columns) != width or not all(columns):
        raise TableError(
            f"{file}:{header.line}: line {first.line} declares {declared_dims} dimension"
            f"{'s' if declared_dims != 1 else ''}, so the header needs {width} named columns (Actor, "
            "Description, Capability, then a position and a salience column per dimension); "
            f"found {len(columns)}: {', '.join(repr(c) for c in columns)}"
        )
    dimensions = tuple(
        Dimension(columns[3 + 2 * d], columns[3 + 2 * d], columns[4 + 2 * d]) for d in range(declared_dims)
    )
    rows = [_ktab_row(record, columns, dimensions, file) for record in records[2:]]
    if len(rows) != declared_actors:
        raise TableError(
            f"{file}:{first.line}: column 3 (number of actors): declares {declared_actors} actors, "
            f"but the table has {len(rows)} actor rows"
        )
    return Table(
        file=file,
        file_name=path.name,
        format="ktab",
        title=title or path.stem,
        summary=summary,
        header_line=header.line,
        actor_column=columns[0],
        capability_column=columns[2],
        dimensions=dimensions,
        rows=tuple(rows),
    )


def _ktab_row(record: _Record, columns: list[str], dimensions: tuple[Dimension, ...], file: str) -> Row:
    cells = _fit(record, len(columns), file)
    label, description = cells[0], cells[1]
    if not label:
        raise TableError(f"{file}:{record.line}: column {columns[0]!r}: empty cell")
    positions, saliences = [], []
    for d, dimension in enumerate(dimensions):
        positions.append(_number(cells[3 + 2 * d], file, record.line, dimension.position_column, label))
        saliences.append(_number(cells[4 + 2 * d], file, record.line, dimension.salience_column, label))
    return Row(
        line=record.line,
        label=label,
        name=description or label,
        note="",
        capability=_number(cells[2], file, record.line, columns[2], label),
        positions=tuple(positions),
        saliences=tuple(saliences),
    )


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


def _option_number(text: str, option: str) -> float:
    value = float(text) if _NUMBER.match(text.strip()) else math.nan
    if not math.isfinite(value):
        raise TableError(f"{option}: {text!r} is not a number")
    return value


def _scale(options: Options) -> tuple[float, float] | None:
    if options.scale is None:
        return None
    low, high = (_option_number(text, "--scale") for text in options.scale)
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


def _issue_ids(table: Table, options: Options) -> tuple[tuple[str, ...], bool]:
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


# --------------------------------------------------------------------------- conversion


@dataclass(frozen=True)
class Draft:
    """The scenario as plain data, plus the comments that explain where each number came from."""

    data: dict[str, Any]
    header: list[str]
    bounds_notes: dict[str, str]
    status_quo_notes: dict[str, str]


def build_draft(table: Table, options: Options) -> Draft:
    """Convert a checked table into scenario data; every rejection names file, line and column."""
    if not 1 <= options.rounds <= 100:
        raise TableError(f"--rounds {options.rounds}: must be 1-100 (exchanges in the bargaining round)")
    scale = _scale(options)
    issues, derived = _issue_ids(table, options)
    if options.label is not None and len(issues) != 1:
        raise TableError(
            f"--label: names one issue, but this table has {len(issues)}; labels come from its headers"
        )
    if len(table.rows) < 2:
        raise TableError(
            f"{table.file}:{table.header_line}: {len(table.rows)} actor "
            f"row{'s' if len(table.rows) != 1 else ''}; a negotiation needs at least 2 actors"
        )
    ids = _actor_ids(table)
    capability_factor = _capability_factor(table)
    salience_factor = _salience_factor(table)
    _check_some_salience(table, issues)
    bounds = _bounds(table, issues, scale)
    status_quo = _status_quo(options, issues, bounds)
    name = _scenario_name(table, options)
    data: dict[str, Any] = {
        "name": name,
        "description": _description(table, options),
        "sources": [table.file_name],
        "protocol": {"name": options.protocol},
        "issues": {
            issue: {
                "label": options.label if options.label is not None else (dimension.name or issue),
                "unit": options.unit,
                "bounds": list(bounds[issue]),
                "status_quo": status_quo[issue],
            }
            for issue, dimension in zip(issues, table.dimensions, strict=True)
        },
        "actors": {
            actor_id: _actor(row, issues, capability_factor, salience_factor)
            for actor_id, row in zip(ids, table.rows, strict=True)
        },
        "rounds": {
            ROUND_ID: {
                "venue": table.title,
                "format": "direct",
                "agenda": list(issues),
                "exchanges": options.rounds,
            }
        },
    }
    return Draft(
        data=data,
        header=_header(table, options, issues, derived, capability_factor, salience_factor, scale),
        bounds_notes={
            i: "from --scale" if scale else "the lowest and highest position in the table" for i in issues
        },
        status_quo_notes={
            i: "from --status-quo"
            if options.status_quo is not None
            else "ASSUMED: the midpoint of the bounds (the table has none); set it from your source"
            for i in issues
        },
    )


def _actor_ids(table: Table) -> list[str]:
    """Ids from the Actor column; labels whose ids differ only in case are duplicates too.

    'UK' and 'uk' in one table are one actor typed twice far more often than
    two actors, and ids that differ only in case are a trap for whoever edits
    the scenario next.
    """
    seen: dict[str, tuple[Row, str]] = {}
    ids = []
    for index, row in enumerate(table.rows, start=1):
        actor_id = identifier(row.label, "actor") or f"actor_{index}"
        if actor_id.casefold() in seen:
            earlier, earlier_id = seen[actor_id.casefold()]
            clash = ""
            if earlier.label != row.label:
                same = (
                    f"both become id {actor_id!r}"
                    if earlier_id == actor_id
                    else (f"ids {earlier_id!r} and {actor_id!r} differ only in case")
                )
                clash = f" (as {earlier.label!r}; {same})"
            raise TableError(
                f"{table.file}:{row.line}: column {table.actor_column!r}: duplicate actor {row.label!r}: "
                f"already on line {earlier.line}{clash}"
            )
        seen[actor_id.casefold()] = (row, actor_id)
        ids.append(actor_id)
    return ids


def _capability_factor(table: Table) -> float:
    """The largest capability: dividing by it puts every capability in [0, 1] and keeps all ratios."""
    for row in table.rows:
        if row.capability < 0:
            raise TableError(
                f"{table.file}:{row.line}: column {table.capability_column!r}: capability "
                f"{_plain(row.capability)} of {row.label!r} is negative"
            )
    largest = max(row.capability for row in table.rows)
    if largest == 0:
        raise TableError(
            f"{table.file}:{table.header_line}: column {table.capability_column!r}: "
            "every capability is zero, so nobody has any influence"
        )
    return largest


def _salience_factor(table: Table) -> float:
    """100 if the table uses KTAB's or Policon's 0-100 scale (any salience above 1), else 1."""
    for row in table.rows:
        for salience, dimension in zip(row.saliences, table.dimensions, strict=True):
            if not 0 <= salience <= MAX_SALIENCE:
                raise TableError(
                    f"{table.file}:{row.line}: column {dimension.salience_column!r}: salience "
                    f"{_plain(salience)} of {row.label!r} lies outside 0-100 (0-1 or 0-100 scales are read)"
                )
    return 100.0 if any(s > 1 for row in table.rows for s in row.saliences) else 1.0


def _check_some_salience(table: Table, issues: tuple[str, ...]) -> None:
    for row in table.rows:
        if all(s == 0 for s in row.saliences):
            columns = ", ".join(repr(d.salience_column) for d in table.dimensions)
            raise TableError(
                f"{table.file}:{row.line}: column {columns}: {row.label!r} has salience 0 on every issue "
                f"({', '.join(issues)}); every actor here negotiates, so it must care about something"
            )


def _bounds(
    table: Table, issues: tuple[str, ...], scale: tuple[float, float] | None
) -> dict[str, tuple[float, float]]:
    bounds = {}
    for d, (issue, dimension) in enumerate(zip(issues, table.dimensions, strict=True)):
        positions = [row.positions[d] for row in table.rows]
        if scale is not None:
            for row in table.rows:
                if not scale[0] <= row.positions[d] <= scale[1]:
                    raise TableError(
                        f"{table.file}:{row.line}: column {dimension.position_column!r}: position "
                        f"{_plain(row.positions[d])} of {row.label!r} lies outside --scale "
                        f"{_plain(scale[0])} {_plain(scale[1])}"
                    )
            bounds[issue] = scale
        elif min(positions) == max(positions):
            raise TableError(
                f"{table.file}:{table.header_line}: column {dimension.position_column!r}: every actor takes "
                f"position {_plain(positions[0])}, so the table gives no scale; give one with --scale MIN MAX"
            )
        elif not math.isfinite(max(positions) - min(positions)):
            raise TableError(
                f"{table.file}:{table.header_line}: column {dimension.position_column!r}: positions from "
                f"{_plain(min(positions))} to {_plain(max(positions))} are so far apart that the scale's "
                "width overflows; rescale the column"
            )
        else:
            bounds[issue] = (min(positions), max(positions))
    return bounds


def _status_quo(
    options: Options, issues: tuple[str, ...], bounds: dict[str, tuple[float, float]]
) -> dict[str, float]:
    if options.status_quo is None:
        return {issue: (bounds[issue][0] + bounds[issue][1]) / 2 for issue in issues}
    parts = [part.strip() for part in options.status_quo.split(",")]
    if len(parts) not in (1, len(issues)):
        raise TableError(
            f"--status-quo {options.status_quo}: give one value for every issue or one per issue "
            f"({len(issues)}: {', '.join(issues)})"
        )
    values = [_option_number(part, "--status-quo") for part in parts] * (
        len(issues) if len(parts) == 1 else 1
    )
    result = {}
    for issue, value in zip(issues, values, strict=True):
        low, high = bounds[issue]
        if not low <= value <= high:
            raise TableError(
                f"--status-quo {options.status_quo}: {_plain(value)} lies outside the bounds "
                f"[{_plain(low)}, {_plain(high)}] of issue {issue!r}"
            )
        result[issue] = value
    return result


def _actor(
    row: Row, issues: tuple[str, ...], capability_factor: float, salience_factor: float
) -> dict[str, Any]:
    actor: dict[str, Any] = {
        "name": row.name,
        "role": "principal",
        "capability": _divided(row.capability, capability_factor),
        "stances": {
            issue: {"position": position, "salience": _divided(salience, salience_factor)}
            for issue, position, salience in zip(issues, row.positions, row.saliences, strict=True)
        },
    }
    if row.note:
        actor["note"] = row.note
    return actor


def _divided(value: float, divisor: float) -> float:
    """value / divisor computed on the numbers as written, so 65.1 / 100 gives 0.651, not 0.65099...

    repr() gives back the shortest decimal that reads as the same float, which
    is the cell as typed; dividing those decimals and rounding once keeps the
    stored value equal to the one a reader would compute by hand.
    """
    if divisor == 1:
        return value
    return float(Decimal(repr(value)) / Decimal(repr(divisor)))


def _scenario_name(table: Table, options: Options) -> str:
    if options.name is None:
        return identifier(Path(table.file_name).stem, "scenario") or "imported"
    if not _SCENARIO_NAME.match(options.name):
        raise TableError(
            f"--name {options.name!r}: use letters, digits, '_', '.' or '-' (it becomes part of folder names)"
        )
    return options.name


def _description(table: Table, options: Options) -> str:
    kind = "KTAB" if table.format == "ktab" else "standard"
    source = f"Imported by `dipsim import` from {table.file_name} ({kind} table)."
    if table.format == "ktab":
        source += f" KTAB scenario {table.title!r}" + (f": {table.summary}." if table.summary else ".")
    return f"{options.description.strip()} {source}" if options.description else source


def _header(
    table: Table,
    options: Options,
    issues: tuple[str, ...],
    derived: bool,
    capability_factor: float,
    salience_factor: float,
    scale: tuple[float, float] | None,
) -> list[str]:
    """The comment block: provenance, the options used, and every conversion applied."""
    notes = [
        f"capability: the table's {table.capability_column} divided by {_plain(capability_factor)}, "
        "its largest value, so the strongest actor has 1 (the schema wants 0-1; the forecasting "
        "models use capability only in ratios, so no forecast changes).",
    ]
    if salience_factor == 1:
        notes.append("salience: as given (every salience lies within 0-1).")
    else:
        largest = max(s for row in table.rows for s in row.saliences)
        notes.append(
            "salience: divided by 100: the table uses a 0-100 scale "
            f"(its largest salience is {_plain(largest)})."
        )
    if derived:
        pairs = ", ".join(f"{d.name!r} -> {i}" for d, i in zip(table.dimensions, issues, strict=True))
        notes.append(f"issue ids: derived from the dimension headers (no --issue given): {pairs}.")
    for issue in issues:
        if scale is not None:
            notes.append(f"bounds of {issue}: [{_plain(scale[0])}, {_plain(scale[1])}], from --scale.")
        else:
            notes.append(f"bounds of {issue}: the lowest and highest position in the table (no --scale).")
    if table.format == "ktab" and scale is None:
        notes.append("KTAB reads positions on a 0-100 scale: pass --scale 0 100 to keep that scale.")
    if options.status_quo is None:
        notes.append(
            f"status_quo of {', '.join(issues)}: ASSUMED to be the midpoint of the bounds (the table "
            "has none): set it from your source."
        )
    else:
        notes.append(f"status_quo of {', '.join(issues)}: {options.status_quo}, from --status-quo.")
    paragraphs = [
        f"Generated by `dipsim import` from {table.file_name}. Re-run the import rather than edit the "
        "numbers here, so that the table stays the one source of truth (docs/import.md).",
        f"Detected format: {FORMAT_LABELS[table.format]}.",
        f"Options: {_options_text(options)}",
        "Conversions:",
    ]
    lines = _wrap(paragraphs[0], "", "") + [line for text in paragraphs[1:] for line in _wrap(text, "", "  ")]
    return lines + [line for note in notes for line in _wrap(note, "- ", "  ")]


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """Comment lines of at most 96 characters, never splitting an option or a value."""
    lines = textwrap.wrap(
        text,
        width=96,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(_KEEP, " ") for line in lines]


_KEEP = "\x00"  # joins an option to its value so that wrapping never separates them


def _options_text(options: Options) -> str:
    """The effective options, one '--option value' unit per wrap-proof chunk (restored by _wrap)."""
    given = [
        ("--issue", options.issue),
        ("--scale", " ".join(options.scale) if options.scale else None),
        ("--status-quo", options.status_quo),
        ("--rounds", str(options.rounds)),
        ("--name", options.name),
        ("--label", options.label),
        ("--unit", options.unit if options.unit != DEFAULT_UNIT else None),
        ("--protocol", options.protocol),
        ("--description", "(see description)" if options.description else None),
    ]
    chunks = []
    for option, value in given:
        if value is None:
            continue
        shown = value if option in ("--scale", "--description") else shlex.quote(value)
        chunks.append(f"{option} {shown}".replace(" ", _KEEP))
    return " ".join(chunks)


# --------------------------------------------------------------------------- YAML


def render(draft: Draft) -> str:
    """The YAML text. Written by hand so that floats are repr-exact and comments sit where they help."""
    data = draft.data
    lines = [f"# {line}".rstrip() for line in draft.header]
    lines += [f"name: {quote(data['name'])}", *_text_field("description", data["description"])]
    lines += [f"sources: [{', '.join(quote(s) for s in data['sources'])}]", ""]
    lines += [f"protocol: {{name: {quote(data['protocol']['name'])}}}", "", "issues:"]
    for issue_id, issue in data["issues"].items():
        low, high = issue["bounds"]
        lines += [
            f"  {issue_id}:",
            f"    label: {quote(issue['label'])}",
            f"    unit: {quote(issue['unit'])}",
            f"    bounds: [{number(low)}, {number(high)}]  # {draft.bounds_notes[issue_id]}",
            f"    status_quo: {number(issue['status_quo'])}  # {draft.status_quo_notes[issue_id]}",
        ]
    lines += [
        "",
        "# capability = the table's capability / its largest (see the header): the schema wants 0-1,",
        "# and the forecasting models use capability only in ratios. Every actor is a principal.",
        "actors:",
    ]
    for actor_id, actor in data["actors"].items():
        lines += [
            f"  {actor_id}:",
            f"    name: {quote(actor['name'])}",
            f"    role: {actor['role']}",
            f"    capability: {number(actor['capability'])}",
            "    stances:",
        ]
        for issue_id, stance in actor["stances"].items():
            lines.append(
                f"      {issue_id}: {{position: {number(stance['position'])}, "
                f"salience: {number(stance['salience'])}}}"
            )
        if "note" in actor:
            lines.append(f"    note: {quote(actor['note'])}")
    lines += ["", "rounds:"]
    for round_id, spec in data["rounds"].items():
        lines += [
            f"  {round_id}:",
            f"    venue: {quote(spec['venue'])}",
            f"    format: {spec['format']}  # no mediator: the actors bargain directly",
            f"    agenda: [{', '.join(spec['agenda'])}]",
            f"    exchanges: {spec['exchanges']}",
        ]
    return "\n".join(lines) + "\n"


def number(value: float) -> str:
    """repr() round-trips a float exactly; YAML 1.1 also needs a '.' in '1e-05' to read it as a float."""
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def _plain(value: float) -> str:
    """A number for messages and comments: 4 rather than 4.0, otherwise repr-exact."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _printable(char: str) -> bool:
    """Characters PyYAML reads literally inside a double-quoted scalar (no line breaks, no BOM)."""
    code = ord(char)
    return (
        0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def quote(text: str) -> str:
    """A double-quoted YAML scalar: nothing in a name or label can be read as YAML syntax."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02X}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(f"\\U{ord(char):08X}")
    return '"' + "".join(out) + '"'


def _text_field(key: str, text: str) -> list[str]:
    """Long prose as a folded block, when folding gives back exactly the same text; else quoted."""
    lines = textwrap.wrap(text, width=96, break_long_words=False, break_on_hyphens=False)
    foldable = (
        len(text) > 80
        and all(_printable(c) for c in text)
        and "  " not in text
        and text == text.strip()
        and " ".join(lines) == text
    )
    if not foldable:
        return [f"{key}: {quote(text)}"]
    return [f"{key}: >-", *(f"  {line}" for line in lines)]


# --------------------------------------------------------------------------- the whole import


def import_table(path: Path, options: Options) -> tuple[str, LoadedScenario]:
    """Read, convert, render, then load the YAML through the real loader and compare it to the draft."""
    table = read_table(path)
    draft = build_draft(table, options)
    text = render(draft)
    return text, _validated(text, draft, options)


def _validated(text: str, draft: Draft, options: Options) -> LoadedScenario:
    with tempfile.TemporaryDirectory(prefix="dipsim-import-") as folder:
        path = Path(folder) / f"{draft.data['name']}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = load_scenario(path)
        except ScenarioError as error:
            if all(p.path[:1] == ("protocol",) for p in error.problems):
                messages = "; ".join(p.message for p in error.problems)
                raise TableError(f"--protocol {options.protocol}: {messages}") from None
            details = "\n".join(f"  {p}" for p in error.problems)
            raise ImportBugError(
                "internal error: the generated scenario does not validate (a bug in dipsim import):\n"
                + details
            ) from None
    differences = _differences(draft.data, resolved(loaded.scenario), ())
    if differences:
        raise ImportBugError(
            "internal error: the generated scenario loads back different from the table (a bug in dipsim "
            "import):\n" + "\n".join(f"  {d}" for d in differences)
        )
    return loaded


def _differences(expected: Any, actual: Any, path: tuple[str, ...]) -> list[str]:
    """Every place where the loaded scenario differs from what was meant to be written."""
    where = ".".join(path) or "<document>"
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) - set(actual):
            return [f"{where}: expected keys {list(expected)}, got {actual!r}"]
        order = [k for k in actual if k in expected]
        found = [] if order == list(expected) else [f"{where}: order {order} != {list(expected)}"]
        for key, value in expected.items():
            found += _differences(value, actual.get(key), (*path, key))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [d for i, v in enumerate(expected) for d in _differences(v, actual[i], (*path, str(i)))]
    if type(expected) is float and (type(actual) is not float or expected != actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


# --------------------------------------------------------------------------- back to a table


def export_table(loaded: LoadedScenario, issue: str) -> str:
    """The standard CSV of one issue from a loaded scenario, capabilities as stored.

    Every actor with a stance on the issue is written (roles are not part of
    the table). The Actor column holds the display name when the import would
    turn it back into the same id; otherwise it holds the id and a Name
    column keeps the display name, so that import -> export -> import is exact.
    """
    scenario = loaded.scenario
    if issue not in scenario.issues:
        raise ValueError(
            f"no issue {issue!r} in scenario {scenario.name!r} (known: {', '.join(scenario.issues)})"
        )
    rows = []
    for actor_id, actor in scenario.actors.items():
        stance = actor.stances.get(issue)
        if stance is None:
            continue
        values = {"capability": actor.capability, "position": stance.position, "salience": stance.salience}
        uncertain = [key for key, value in values.items() if is_uncertain(value)]
        if uncertain:
            raise ValueError(
                f"actor {actor_id!r}: {', '.join(uncertain)} is a distribution; "
                "a table holds plain numbers only"
            )
        rows.append((actor_id, actor.name, *(float(v) for v in values.values())))
    with_names = any(identifier(name, "actor") != actor_id for actor_id, name, *_ in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Actor", "Name", *STANDARD_HEADER[1:]] if with_names else STANDARD_HEADER)
    for actor_id, name, *numbers in rows:
        cells = [actor_id, name] if with_names else [name]
        writer.writerow([*cells, *(repr(n) for n in numbers)])
    return buffer.getvalue()


STANDARD_HEADER = ["Actor", "Capability", "Position", "Salience"]


# --------------------------------------------------------------------------- command line


def add_import_command(commands: argparse._SubParsersAction) -> None:
    """Register `dipsim import` on the dipsim parser's subcommands (handler via set_defaults)."""
    parser = commands.add_parser(
        "import",
        help="convert a published actor table (CSV) into a scenario file",
        description="Convert an expected-utility actor table (Actor, Capability, Position, Salience) or a "
        "KTAB SMP table into a scenario YAML, validated by the scenario loader. See docs/import.md.",
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
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """The `dipsim import` handler: 0 written; TableError (2) and ImportBugError (1) reach the CLI."""
    options = _options(args)
    text, _ = import_table(args.table, options)
    if args.out is None:
        sys.stdout.write(text)
    else:
        _write(args.out, text, force=args.force, source=args.table)
        print(f"Scenario written: {args.out}")
    return 0


def _options(args: argparse.Namespace) -> Options:
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
    """Write atomically (temporary file, then os.replace): a failed write never leaves half a scenario."""
    if out.exists() and out.resolve() == source.resolve():
        raise TableError(f"{out}: that is the table itself; choose another --out")
    if out.exists() and not force:
        raise TableError(f"{out}: already exists; pass --force to overwrite it")
    if out.is_dir():
        raise TableError(f"{out}: is a folder; give a file name")
    folder = out.parent
    if not folder.is_dir():
        raise TableError(f"{out}: folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
