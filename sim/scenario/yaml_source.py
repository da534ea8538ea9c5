"""Read YAML safely while remembering where every value came from.

Validation errors are only useful to an analyst if they point at a line. PyYAML
keeps marks on the node graph, so we compose nodes with the safe loader and
build the plain data ourselves, recording ``path -> (file, line)`` on the way.
Nothing here constructs arbitrary Python objects, and nothing a document says
can make reading it unbounded:

* nesting is capped (:data:`MAX_DEPTH`) and so is the number of values, both as
  written and after aliases are expanded (:data:`MAX_VALUES`), so an alias bomb
  or a recursive alias is refused with a message instead of eating the memory;
* explicit tags (``!!float abc``, ``!!timestamp x``, ``!!python/...``) are refused:
  a dipsim file writes its values plainly;
* YAML 1.1 surprises are refused rather than silently converted: base-60
  numbers (``1:30`` would be 90), leading-zero octals (``010`` would be 8),
  non-finite numbers (``.nan``, ``.inf``) and integers too large for a float;
* unquoted dates stay the text the author typed, and ``1e-3`` is a number, as in YAML 1.2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.errors import LocatedError, Location, PathKey, Problem
from sim.text_input import display_name

YAML_SUFFIXES = (".yaml", ".yml")
MAX_DEPTH = 64  # a scenario nests about 8 deep
MAX_VALUES = 200_000  # the default scenario and its evidence hold about 4,000 values

_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = frozenset({f"{_TAG}timestamp", f"{_TAG}value"})  # kept as the text the author typed
_NUMBER_TAGS = frozenset({f"{_TAG}int", f"{_TAG}float"})
_MERGE_TAG = f"{_TAG}merge"
_STR_TAG = f"{_TAG}str"
_YAML12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


class ScenarioError(LocatedError):
    """Raised with every problem found, so the analyst fixes them in one pass."""


class Unreadable:
    """Stands in for a value the file wrote but that cannot be used (a tag, a NaN, a base-60 number).

    Its problem is already recorded with its line; any schema error at the same
    place is then a repeat and is dropped (see :func:`beyond`), while problems
    elsewhere in the file are still reported in the same pass.
    """

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


@dataclass
class SourceDocument:
    """Plain data plus the location of every key, item and scalar in it."""

    data: Any
    locations: dict[PathKey, Location] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # every file read, name -> text
    problems: list[Problem] = field(default_factory=list)  # values that could not be read, each located

    def locate(self, path: PathKey) -> Location:
        """The location of the deepest part of ``path`` that exists in the document."""
        for cut in range(len(path), -1, -1):
            found = self.locations.get(tuple(path[:cut]))
            if found is not None:
                return found
        return Location(next(iter(self.files), "<unknown>"), 1)


class _Limit(yaml.MarkedYAMLError):
    """A document that breaks one of our bounds; reported like a syntax error, at its mark."""


class _Loader(yaml.SafeLoader):
    """The safe loader, composing with a depth and size budget and noting explicitly tagged nodes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.values = 0
        self.explicit: set[int] = set()  # id() of nodes whose tag was written in the file

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        alias = isinstance(event, yaml.AliasEvent)
        if not alias:
            self.values += 1
            if self.values > MAX_VALUES:
                raise _Limit(
                    problem=f"more than {MAX_VALUES:,} values in one file", problem_mark=event.start_mark
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Limit(
                    problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark
                )
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if not alias and getattr(event, "tag", None) not in (None, "!"):
            self.explicit.add(id(node))
        return node


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse one YAML text; syntax errors, duplicate keys and unsafe constructs become Problems."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        prefix = "" if isinstance(exc, _Limit) else "YAML syntax error: "
        raise ScenarioError([Problem(Location(file, line), (), f"{prefix}{exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:  # the reader's own errors carry no mark
        raise ScenarioError([Problem(Location(file, 1), (), f"unreadable YAML: {exc}")]) from None
    finally:
        loader.dispose()
    document = SourceDocument(data=None, files={file: text})
    if root is None:
        raise ScenarioError([Problem(Location(file, 1), (), "the file is empty")])
    _check_expansion(root, file)
    document.data = _build(root, (), _Builder(file, loader, document.locations, document.problems))
    return document


def beyond(problems: list[Problem], reported: list[Problem]) -> list[Problem]:
    """``problems`` minus those at or under a place that ``reported`` already covers."""
    covered = {tuple(p.path) for p in reported}
    return [p for p in problems if not any(tuple(p.path[:cut]) in covered for cut in range(len(p.path) + 1))]


def _check_expansion(root: yaml.Node, file: str) -> None:
    """Refuse a recursive alias, or aliases that would expand past the size or depth budget.

    Aliases make the node graph a DAG whose expansion can be exponential in the
    file's size (the "billion laughs"), or a cycle. Sizes and depths are
    computed once per distinct node, iteratively, before anything is expanded.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values when expanded, depth when expanded)
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            children = _children(node)
            size = 1 + sum(sizes[id(c)][0] for c in children)
            depth = 1 + max((sizes[id(c)][1] for c in children), default=0)
            sizes[key] = (size, depth)
            if size > MAX_VALUES:
                message = (
                    f"aliases here would expand to more than {MAX_VALUES:,} values "
                    "(an alias bomb?); write the values out instead"
                )
                raise ScenarioError([Problem(Location(file, node.start_mark.line + 1), (), message)])
            if depth > MAX_DEPTH:
                message = f"aliases here would nest values more than {MAX_DEPTH} levels deep"
                raise ScenarioError([Problem(Location(file, node.start_mark.line + 1), (), message)])
            continue
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                message = "recursive alias: this value contains itself"
                raise ScenarioError([Problem(Location(file, child.start_mark.line + 1), (), message)])
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


@dataclass
class _Builder:
    file: str
    loader: _Loader
    locations: dict[PathKey, Location]
    problems: list[Problem]

    def problem(self, node: yaml.Node, path: PathKey, message: str) -> None:
        self.problems.append(Problem(Location(self.file, node.start_mark.line + 1), path, message))


def _build(node: yaml.Node, path: PathKey, builder: _Builder) -> Any:
    here = Location(builder.file, node.start_mark.line + 1)
    builder.locations[path] = here
    if id(node) in builder.loader.explicit:
        tag = node.tag.replace(_TAG, "!!")
        builder.problem(
            node, path, f"explicit YAML tags such as {tag} are not allowed; write the value plainly"
        )
        return UNREADABLE
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, builder)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), builder) for index, item in enumerate(node.value)]
    return _scalar(node, path, builder)


def _build_mapping(node: yaml.MappingNode, path: PathKey, builder: _Builder) -> dict[Any, Any]:
    for key_node, value_node in list(node.value):  # a merge of anything but mappings: report it, skip it
        if key_node.tag == _MERGE_TAG and not _mergeable(value_node):
            builder.problem(value_node, (*path, "<<"), "<< merges mappings (or a list of mappings) only")
            node.value.remove((key_node, value_node))
    own_pairs = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    try:
        builder.loader.flatten_mapping(node)  # resolves YAML merge keys (<<) safely
    except yaml.MarkedYAMLError as exc:
        builder.problem(node, path, f"cannot merge with <<: {exc.problem}")
        return UNREADABLE
    inherited = len(node.value) - own_pairs  # merged pairs come first; the mapping's own may override them
    inherited_keys = {k.value for k, _ in node.value[:inherited] if isinstance(k, yaml.ScalarNode)}
    result: dict[Any, Any] = {}
    for position, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode) or id(key_node) in builder.loader.explicit:
            builder.problem(key_node, (*path, "<key>"), "keys must be plain scalars")
            continue
        key = key_node.value  # as written: an unquoted NO or 1.0 stays the text the author typed
        if key in result and position >= inherited and key in inherited_keys:
            pass  # the mapping's own value overrides one merged in with <<
        elif key in result:
            builder.problem(
                key_node, (*path, key), "duplicate key (YAML would silently keep only the last one)"
            )
            continue
        child = (*path, key)
        result[key] = _build(value_node, child, builder)
        builder.locations[child] = Location(builder.file, key_node.start_mark.line + 1)
    return result


def _mergeable(node: yaml.Node) -> bool:
    if isinstance(node, yaml.MappingNode):
        return True
    return isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in node.value)


def _scalar(node: yaml.ScalarNode, path: PathKey, builder: _Builder) -> Any:
    if node.tag in _TEXT_TAGS:
        return node.value
    if node.tag == _STR_TAG and node.style is None and _YAML12_FLOAT.match(node.value):
        # YAML 1.1 reads 1e-3 and 1.0e5 as text (its exponents need a sign); YAML 1.2 and every
        # author mean a number, so a plain scalar of that shape is one (and must be finite).
        value = float(node.value)
        message = _number_problem(node.value, value)
        if message:
            builder.problem(node, path, message)
            return UNREADABLE
        return value
    try:
        value = builder.loader.construct_object(node, deep=True)
    except Exception as exc:
        builder.problem(node, path, f"unreadable value {node.value!r}: {exc}")
        return UNREADABLE
    if node.tag in _NUMBER_TAGS:
        message = _number_problem(node.value, value)
        if message:
            builder.problem(node, path, message)
            return UNREADABLE
    return value


def _number_problem(text: str, value: int | float) -> str | None:
    """Why a plain number as written must not be read as YAML 1.1 would read it, if it must not."""
    written = text.replace("_", "").lstrip("+-")
    if ":" in written:
        return (
            f"{text} is a YAML 1.1 base-60 number (it would be read as {value:g}); "
            f"write {value:g}, or quote it if it is text"
        )
    if len(written) > 1 and written[0] == "0" and written[1].isdigit():
        return (
            f"{text} is a YAML 1.1 octal number (it would be read as {value}); "
            "drop the leading zero, or quote it if it is text"
        )
    try:
        number = float(value)
    except OverflowError:
        return f"{text[:20]}{'...' if len(text) > 20 else ''} is too large for a number"
    if not math.isfinite(number):
        return f"{text} is not a finite number; every number in a dipsim file must be finite"
    return None


def subtree_paths(value: Any, path: PathKey) -> list[PathKey]:
    """Every path inside a plain value, the value's own first (iteratively: depth is bounded anyway)."""
    if value is None:
        return [path]
    found, stack = [], [(path, value)]
    while stack:
        where, node = stack.pop()
        found.append(where)
        if isinstance(node, dict):
            stack += [((*where, key), child) for key, child in node.items()]
        elif isinstance(node, list):
            stack += [((*where, index), child) for index, child in enumerate(node)]
    return found


__all__ = [
    "UNREADABLE",
    "Location",
    "PathKey",
    "Problem",
    "ScenarioError",
    "SourceDocument",
    "beyond",
    "display_name",
    "parse_yaml",
]
