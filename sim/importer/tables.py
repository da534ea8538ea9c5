"""Reading an actor table: the standard expected-utility CSV and KTAB's SMP layout, every cell checked.

Errors name the file, the line a row starts on, and the column as the header spells it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.errors import InputError
from sim.importer.errors import TableError
from sim.text_input import read_text

# Plain decimal numbers only: float() alone would also take "nan", "inf" and "1_000".
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
COUNT = re.compile(r"^\d+$")
STANDARD_COLUMNS = ("actor", "capability", "position", "salience")
NAME_COLUMNS = ("name", "description")
Format = Literal["standard", "ktab"]
FORMAT_LABELS: dict[Format, str] = {
    "standard": "standard expected-utility table (Actor, Capability, Position, Salience)",
    "ktab": "KTAB SMP table (line 1: scenario, description, actors, dimensions; "
    "line 2: Actor, Description, Capability, then Position and Salience per dimension)",
}


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
    return len(cells) >= 4 and bool(COUNT.match(cells[2])) and bool(COUNT.match(cells[3]))


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
    value = float(text) if NUMBER.match(text) else math.nan
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


def shown(value: float) -> str:
    """A number for messages and comments: 4 rather than 4.0, otherwise repr-exact."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
