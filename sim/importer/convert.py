"""Convert a checked table into scenario data, with the comments that say where each number came from."""

from __future__ import annotations

import math
import re
import shlex
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sim.importer.errors import TableError
from sim.importer.options import DEFAULT_UNIT, Options, identifier, issue_ids, option_number, scale_of
from sim.importer.tables import FORMAT_LABELS, Row, Table, shown
from sim.scenario.protocols import REGISTRY

_SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ROUND_ID = "bargaining"
MAX_SALIENCE = 100.0


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
    scale = scale_of(options)
    issues, derived = issue_ids(table, options)
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
        "protocol": _protocol(options.protocol, capability_factor),
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


def _protocol(name: str, capability_factor: float) -> dict[str, Any]:
    """The protocol block; a protocol whose model is not free of the scale of power gets the table's back.

    The capabilities are divided by ``capability_factor``; a protocol with a
    ``capability_scale`` setting (KTAB's SMP, whose coalitions start from
    absolute floors) multiplies them by it again, so that it runs on the table's
    own power.
    """
    settings = REGISTRY.get(name)
    if settings is not None and "capability_scale" in settings.model_fields:
        return {"name": name, "capability_scale": capability_factor}
    return {"name": name}


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
                f"{shown(row.capability)} of {row.label!r} is negative"
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
                    f"{shown(salience)} of {row.label!r} lies outside 0-100 (0-1 or 0-100 scales are read)"
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
                        f"{shown(row.positions[d])} of {row.label!r} lies outside --scale "
                        f"{shown(scale[0])} {shown(scale[1])}"
                    )
            bounds[issue] = scale
        elif min(positions) == max(positions):
            raise TableError(
                f"{table.file}:{table.header_line}: column {dimension.position_column!r}: every actor takes "
                f"position {shown(positions[0])}, so the table gives no scale; give one with --scale MIN MAX"
            )
        elif not math.isfinite(max(positions) - min(positions)):
            raise TableError(
                f"{table.file}:{table.header_line}: column {dimension.position_column!r}: positions from "
                f"{shown(min(positions))} to {shown(max(positions))} are so far apart that the scale's "
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
    values = [option_number(part, "--status-quo") for part in parts] * (len(issues) if len(parts) == 1 else 1)
    result = {}
    for issue, value in zip(issues, values, strict=True):
        low, high = bounds[issue]
        if not low <= value <= high:
            raise TableError(
                f"--status-quo {options.status_quo}: {shown(value)} lies outside the bounds "
                f"[{shown(low)}, {shown(high)}] of issue {issue!r}"
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
        f"capability: the table's {table.capability_column} divided by {shown(capability_factor)}, "
        "its largest value, so the strongest actor has 1 (the schema wants 0-1; "
        + (
            "protocol.capability_scale multiplies it back, because SMP's coalitions start from "
            "absolute floors, so SMP runs on the table's own power)."
            if "capability_scale" in _protocol(options.protocol, capability_factor)
            else "the forecasting models use capability only in ratios, so no forecast changes)."
        ),
    ]
    if salience_factor == 1:
        notes.append("salience: as given (every salience lies within 0-1).")
    else:
        largest = max(s for row in table.rows for s in row.saliences)
        notes.append(
            "salience: divided by 100: the table uses a 0-100 scale "
            f"(its largest salience is {shown(largest)})."
        )
    if derived:
        pairs = ", ".join(f"{d.name!r} -> {i}" for d, i in zip(table.dimensions, issues, strict=True))
        notes.append(f"issue ids: derived from the dimension headers (no --issue given): {pairs}.")
    for issue in issues:
        if scale is not None:
            notes.append(f"bounds of {issue}: [{shown(scale[0])}, {shown(scale[1])}], from --scale.")
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
