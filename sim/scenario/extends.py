"""``extends``: a variant scenario names a base file and lists only what changes.

The variant is deep-merged onto its base (docs/scenarios.md section 11):
mappings merge key by key; lists, scalars and distributions (mappings with a
``dist`` key) replace the base value whole, as does a protocol block that names
another protocol; and ``null`` deletes a key. Locations follow the file that
supplied each value, so errors point into the variant or the base.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import InputError, Location, PathKey, Problem
from sim.scenario.protocols import DEFAULT_PROTOCOL
from sim.scenario.yaml_source import YAML_SUFFIXES, ScenarioError, SourceDocument, parse_yaml, subtree_paths
from sim.text_input import display_name, read_text

Prepare = Callable[[SourceDocument, Path], SourceDocument]


def load_with_extends(
    path: Path,
    prepare: Prepare | None = None,
    _chain: tuple[Path, ...] = (),
    _named_at: Location | None = None,
) -> SourceDocument:
    """Load a scenario file, applying ``extends: base.yaml`` recursively.

    The override is deep-merged onto its base: mappings merge key by key, while
    lists, scalars and distributions (mappings with a ``dist`` key) replace the
    base value whole, as does a protocol block that names another protocol, and
    ``null`` deletes a key. Locations follow the file
    that supplied each value, so errors point into the variant or the base.
    ``prepare`` transforms each file's document before it is merged (the
    loader uses it to inject calibrated values into the file that asks for them).
    """
    path = path.resolve()
    display = display_name(path)
    if path in _chain:
        cycle = " -> ".join(display_name(p) for p in (*_chain, path))
        raise ScenarioError([Problem(Location(display, 1), ("extends",), f"extends cycle: {cycle}")])
    try:
        text = read_text(path, shown=display)
    except InputError as error:
        if _named_at is None:
            raise ScenarioError(error.problems) from None
        reason = "; ".join(p.message for p in error.problems)
        raise ScenarioError(
            [Problem(_named_at, ("extends",), f"base scenario {display}: {reason}")]
        ) from None
    document = parse_yaml(text, display)
    if not isinstance(document.data, dict):
        if document.problems:
            raise ScenarioError(document.problems)
        raise ScenarioError([Problem(Location(display, 1), (), "a scenario must be a mapping of keys")])
    extends = "extends" in document.data
    base_name = document.data.pop("extends", None)
    if prepare is not None:
        document = prepare(document, path)
    if not extends:
        return document
    where = document.locations[("extends",)]
    if not isinstance(base_name, str) or Path(base_name).suffix not in YAML_SUFFIXES:
        shown = base_name if isinstance(base_name, str) else type(base_name).__name__
        raise ScenarioError(
            [Problem(where, ("extends",), f"extends must name a .yaml or .yml file, got {shown!r}")]
        )
    base_path = path.parent / base_name
    if not base_path.exists():
        raise ScenarioError([Problem(where, ("extends",), f"base scenario not found: {base_name}")])
    base = load_with_extends(base_path, prepare, (*_chain, path), where)
    merged_locations = dict(base.locations)
    merged = _merge(base.data, document.data, (), merged_locations, document.locations)
    return SourceDocument(
        merged, merged_locations, {**base.files, **document.files}, [*base.problems, *document.problems]
    )


def _merge(
    base: Any,
    override: Any,
    path: PathKey,
    locations: dict[PathKey, Location],
    override_locations: dict[PathKey, Location],
) -> Any:
    """Deep-merge ``override`` onto ``base``, moving locations in time proportional to what moves."""
    mergeable = (
        isinstance(base, dict)
        and isinstance(override, dict)
        and "dist" not in override
        and "dist" not in base
        and not _switches_protocol(path, base, override)
    )
    if not mergeable:
        _move_locations(path, base, override, locations, override_locations)
        return override
    result = dict(base)
    for key, value in override.items():
        child = (*path, key)
        if value is None:
            _move_locations(child, result.pop(key, None), None, locations, override_locations)
        elif key in result:
            result[key] = _merge(result[key], value, child, locations, override_locations)
            locations[child] = override_locations[child]
        else:
            result[key] = value
            _move_locations(child, None, value, locations, override_locations)
    return result


def _switches_protocol(path: PathKey, base: dict, override: dict) -> bool:
    """A variant's protocol block that names another protocol replaces the base's block whole.

    The base's settings belong to its protocol (``grid`` to single_text, ``q`` to
    expected_utility...), so merging them under another name would only make
    the variant invalid; the protocol is the unit of this choice.
    """
    if path != ("protocol",) or "name" not in override:
        return False
    return override["name"] != base.get("name", DEFAULT_PROTOCOL)


def _move_locations(
    path: PathKey,
    old: Any,
    new: Any,
    locations: dict[PathKey, Location],
    source: dict[PathKey, Location],
) -> None:
    """Forget where the replaced value ``old`` came from, and take ``new``'s locations from ``source``."""
    for where in subtree_paths(old, path):
        locations.pop(where, None)
    if new is None:
        return
    for where in subtree_paths(new, path):
        if where in source:
            locations[where] = source[where]
