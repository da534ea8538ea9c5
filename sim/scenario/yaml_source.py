"""Read YAML safely while remembering where every value came from.

Validation errors are only useful to an analyst if they point at a line. PyYAML
keeps marks on the node graph, so we compose nodes with the safe loader and
build the plain data ourselves, recording ``path -> (file, line)`` on the way.
Nothing here constructs arbitrary Python objects: scalars go through
``SafeLoader``'s own constructors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, placed as precisely as we can."""

    location: Location
    path: PathKey
    message: str

    def __str__(self) -> str:
        dotted = ".".join(str(p) for p in self.path) or "<document>"
        return f"{self.location.file}:{self.location.line}: {dotted}: {self.message}"


class ScenarioError(Exception):
    """Raised with every problem found, so the analyst fixes them in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location.file, p.location.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class SourceDocument:
    """Plain data plus the location of every key, item and scalar in it."""

    data: Any
    locations: dict[PathKey, Location] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # every file read, name -> text

    def locate(self, path: PathKey) -> Location:
        """The location of the deepest part of ``path`` that exists in the document."""
        for cut in range(len(path), -1, -1):
            found = self.locations.get(tuple(path[:cut]))
            if found is not None:
                return found
        return Location(next(iter(self.files), "<unknown>"), 1)


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse one YAML text; syntax errors and duplicate keys become Problems."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = f"YAML syntax error: {exc.problem or exc}"
        raise ScenarioError([Problem(Location(file, line), (), message)]) from None
    finally:
        loader.dispose()
    document = SourceDocument(data=None, files={file: text})
    if root is None:
        raise ScenarioError([Problem(Location(file, 1), (), "the file is empty")])
    problems: list[Problem] = []
    document.data = _build(root, (), file, loader, document.locations, problems)
    if problems:
        raise ScenarioError(problems)
    return document


def _build(
    node: yaml.Node,
    path: PathKey,
    file: str,
    loader: yaml.SafeLoader,
    locations: dict[PathKey, Location],
    problems: list[Problem],
) -> Any:
    here = Location(file, node.start_mark.line + 1)
    locations[path] = here
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(here, path, f"YAML tags such as {node.tag!r} are not allowed in scenarios"))
        return None
    if isinstance(node, yaml.MappingNode):
        own_pairs = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<) safely
        inherited = (
            len(node.value) - own_pairs
        )  # merged pairs come first; the mapping's own may override them
        result: dict[Any, Any] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(Location(file, key_node.start_mark.line + 1), path, "keys must be scalars")
                )
                continue
            key = key_node.value  # as written: an unquoted NO or 1.0 stays the text the author typed
            if key in result and position >= inherited and key in inherited_keys(node, inherited):
                pass  # the mapping's own value overrides one merged in with <<
            elif key in result:
                problems.append(
                    Problem(
                        Location(file, key_node.start_mark.line + 1),
                        (*path, key),
                        "duplicate key (YAML would silently keep only the last one)",
                    )
                )
                continue
            child = (*path, key)
            result[key] = _build(value_node, child, file, loader, locations, problems)
            locations[child] = Location(file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), file, loader, locations, problems)
            for index, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(Problem(here, path, f"unreadable value: {exc}"))
        return None


_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


def inherited_keys(node: yaml.MappingNode, inherited: int) -> set[str]:
    return {key_node.value for key_node, _ in node.value[:inherited] if isinstance(key_node, yaml.ScalarNode)}


Prepare = Callable[[SourceDocument, Path], SourceDocument]


def load_with_extends(
    path: Path, prepare: Prepare | None = None, _chain: tuple[Path, ...] = ()
) -> SourceDocument:
    """Load a scenario file, applying ``extends: base.yaml`` recursively.

    The override is deep-merged onto its base: mappings merge key by key, while
    lists, scalars and distributions (mappings with a ``dist`` key) replace the
    base value whole, and ``null`` deletes a key. Locations follow the file
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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            [Problem(Location(display, 1), (), f"cannot read file: {exc.strerror}")]
        ) from None
    document = parse_yaml(text, display)
    if not isinstance(document.data, dict):
        raise ScenarioError([Problem(Location(display, 1), (), "a scenario must be a mapping of keys")])
    base_name = document.data.pop("extends", None)
    if prepare is not None:
        document = prepare(document, path)
    if base_name is None:
        return document
    if not isinstance(base_name, str):
        where = document.locations[("extends",)]
        raise ScenarioError([Problem(where, ("extends",), "extends must be a file name")])
    base_path = path.parent / base_name
    if not base_path.exists():
        where = document.locations[("extends",)]
        raise ScenarioError([Problem(where, ("extends",), f"base scenario not found: {base_name}")])
    base = load_with_extends(base_path, prepare, (*_chain, path))
    merged_locations = dict(base.locations)
    merged = _merge(base.data, document.data, (), merged_locations, document.locations)
    return SourceDocument(merged, merged_locations, {**base.files, **document.files})


def _merge(
    base: Any,
    override: Any,
    path: PathKey,
    locations: dict[PathKey, Location],
    override_locations: dict[PathKey, Location],
) -> Any:
    mergeable = (
        isinstance(base, dict)
        and isinstance(override, dict)
        and "dist" not in override
        and "dist" not in base
    )
    if not mergeable:
        _replace_locations(path, locations, override_locations)
        return override
    result = dict(base)
    for key, value in override.items():
        child = (*path, key)
        if value is None:
            result.pop(key, None)
            _drop_locations(child, locations)
        elif key in result:
            result[key] = _merge(result[key], value, child, locations, override_locations)
            locations[child] = override_locations[child]
        else:
            result[key] = value
            _replace_locations(child, locations, override_locations)
    return result


def _replace_locations(
    path: PathKey, locations: dict[PathKey, Location], source: dict[PathKey, Location]
) -> None:
    _drop_locations(path, locations)
    for key, where in source.items():
        if key[: len(path)] == path:
            locations[key] = where


def _drop_locations(path: PathKey, locations: dict[PathKey, Location]) -> None:
    for key in [k for k in locations if k[: len(path)] == path]:
        del locations[key]


def display_name(path: Path) -> str:
    """Paths relative to the working directory read better in error messages."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
