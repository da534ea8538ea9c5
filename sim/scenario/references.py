"""Checks that span several parts of a scenario.

They read the raw merged document rather than the validated model, so that a
file with a wrong type in one place *and* an unknown actor in another gets both
messages in one pass. Anything malformed is skipped here: the schema reports it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from sim.scenario.schema import RESERVED_COLUMN_NAMES
from sim.scenario.yaml_source import PathKey

Finding = tuple[PathKey, str]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ids(value: Any) -> list[Any]:
    """A raw list of ids, or nothing: a malformed one is the schema's to report."""
    return value if isinstance(value, list) else []


def _id(value: Any) -> str | None:
    """A raw id, or None when it is not text (a list or mapping given as an id is the schema's to report)."""
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    """A raw finite number, or None: anything else is the schema's to report."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _support(value: Any) -> tuple[float, float] | None:
    """The range a raw number-or-distribution can take, if it is readable."""
    number = _number(value)
    if number is not None:
        return (number, number)
    if isinstance(value, dict):
        low, high = _number(value.get("low")), _number(value.get("high"))
        if value.get("dist") == "beta":
            low = 0.0 if "low" not in value else low
            high = 1.0 if "high" not in value else high
        if low is not None and high is not None:
            return (low, high)
    return None


def _bounds(issue: Any) -> tuple[float, float] | None:
    raw = _mapping(issue).get("bounds")
    if isinstance(raw, list) and len(raw) == 2:
        low, high = _number(raw[0]), _number(raw[1])
        if low is not None and high is not None and low < high:
            return (low, high)
    return None


def _unknown(kind: str, name: Any, known: dict[str, Any]) -> str:
    options = ", ".join(sorted(map(str, known))) or "none defined"
    return f"unknown {kind} {name!r} (known: {options})"


def check_references(data: dict[str, Any]) -> list[Finding]:
    """Cross-references, once issues, actors and rounds are each a mapping (else they would only cascade)."""
    if not all(isinstance(data.get(part), dict) for part in ("issues", "actors", "rounds")):
        return []
    return list(_findings(data))


def _findings(data: dict[str, Any]) -> Iterator[Finding]:
    issues = _mapping(data.get("issues"))
    actors = _mapping(data.get("actors"))
    rounds = _mapping(data.get("rounds"))
    tracks = _tracks(actors)
    for issue_id in issues:
        if issue_id in RESERVED_COLUMN_NAMES or issue_id.startswith(("utility_", "position_", "track_")):
            yield (
                ("issues", issue_id),
                (f"{issue_id!r} is reserved for a results column; choose another issue id"),
            )
    yield from _check_actors(actors, issues, rounds)
    yield from _check_tracks(actors, issues, rounds, tracks)
    yield from _check_rounds(rounds, actors, issues)
    deadline = _id(data.get("deadline"))
    if deadline is not None and deadline not in rounds:
        yield ("deadline",), _unknown("round", deadline, rounds)
    world = _World(actors, issues, rounds, tracks)
    for event_id, event in _mapping(data.get("events")).items():
        yield from _check_event(("events", event_id), _mapping(event), world)
    for name, output in _mapping(data.get("outputs")).items():  # declared outputs (sim.scenario.outputs)
        issue_id = _id(_mapping(output).get("issue"))
        if issue_id is not None and issue_id not in issues:
            yield ("outputs", name, "issue"), _unknown("issue", issue_id, issues)


class _World:
    """What a condition or an event may name: actors, issues, rounds and tracks (raw mappings)."""

    def __init__(
        self, actors: dict[str, Any], issues: dict[str, Any], rounds: dict[str, Any], tracks: dict[str, Any]
    ) -> None:
        self.actors, self.issues, self.rounds, self.tracks = actors, issues, rounds, tracks


def _tracks(actors: dict[str, Any]) -> dict[str, Any]:
    """Every actor's tracks by id (the first owner of an id wins; duplicates are reported)."""
    found: dict[str, Any] = {}
    for spec in actors.values():
        for track_id, track in _mapping(_mapping(spec).get("tracks")).items():
            found.setdefault(track_id, track)
    return found


def _check_tracks(
    actors: dict[str, Any], issues: dict[str, Any], rounds: dict[str, Any], tracks: dict[str, Any]
) -> Iterator[Finding]:
    """Track ids are unique across actors, start within their bounds, and freeze on known things."""
    owners: dict[str, str] = {}
    world = _World(actors, issues, rounds, tracks)
    for actor_id, spec in actors.items():
        for track_id, raw in _mapping(_mapping(spec).get("tracks")).items():
            path: PathKey = ("actors", actor_id, "tracks", track_id)
            if track_id in owners:
                yield path, f"track {track_id!r} is already {owners[track_id]}'s; track ids must be unique"
                continue
            owners[track_id] = actor_id
            track = _mapping(raw)
            initial = track.get("initial")
            yield from _check_within((*path, "initial"), initial, _bounds(track), f"track {track_id!r}")
            if "frozen_when" in track:
                yield from _check_condition((*path, "frozen_when"), track["frozen_when"], world)


def _check_actors(
    actors: dict[str, Any], issues: dict[str, Any], rounds: dict[str, Any]
) -> Iterator[Finding]:
    principals = [a for a, spec in actors.items() if _mapping(spec).get("role") == "principal"]
    if actors and len(principals) < 2:
        yield ("actors",), f"a negotiation needs at least two principals, found {len(principals)}"
    for actor_id, raw in actors.items():
        spec = _mapping(raw)
        path: PathKey = ("actors", actor_id)
        role = _id(spec.get("role"))
        stances = _mapping(spec.get("stances"))
        for issue_id, stance in stances.items():
            if issue_id not in issues:
                yield (*path, "stances", issue_id), _unknown("issue", issue_id, issues)
                continue
            yield from _check_within(
                (*path, "stances", issue_id, "position"),
                _mapping(stance).get("position"),
                _bounds(issues[issue_id]),
                f"issue {issue_id!r}",
            )
        if role in ("principal", "influencer"):
            yield from _check_saliences(path, role, stances, issues)
        presses = spec.get("presses")
        if presses is not None and role != "influencer":
            yield (*path, "presses"), f"only influencers press other actors; this actor is a {role}"
        for index, target in enumerate(_ids(presses)):
            if _id(target) is None:
                continue
            if target not in actors:
                yield (*path, "presses", index), _unknown("actor", target, actors)
            elif target not in principals:
                yield (
                    (*path, "presses", index),
                    f"{target!r} is not a principal; only principals can be pressed",
                )
        deadline = _id(spec.get("deadline"))
        if deadline is not None and deadline not in rounds:
            yield (*path, "deadline"), _unknown("round", deadline, rounds)
        elif deadline is not None and role != "principal":
            yield (*path, "deadline"), "only principals have deadlines: they are the ones who can walk out"
        red_lines = spec.get("red_lines")
        for index, line in enumerate(_ids(red_lines)):
            line = _mapping(line)
            where: PathKey = (*path, "red_lines", index)
            if _id(line.get("action")) in ("reject", "walk_out") and role != "principal":
                yield (
                    (*where, "action"),
                    (f"only a principal can {line['action']!r}: an outsider's red line can only escalate"),
                )
            yield from _check_threshold(where, line, issues)
        if "outside_option" in spec:
            yield from _check_outside_option((*path, "outside_option"), spec, role, issues, rounds, actors)


def _check_outside_option(
    path: PathKey,
    spec: dict[str, Any],
    role: str | None,
    issues: dict[str, Any],
    rounds: dict[str, Any],
    actors: dict[str, Any],
) -> Iterator[Finding]:
    option = _mapping(spec.get("outside_option"))
    if _id(option.get("action")) == "walk_out" and role != "principal":
        yield (*path, "action"), "only a principal can walk out: an outsider's option can only escalate"
    from_round = _id(option.get("from_round"))
    if from_round is not None and from_round not in rounds:
        yield (*path, "from_round"), _unknown("round", from_round, rounds)
    stances = _mapping(spec.get("stances"))
    tracks = _tracks(actors)
    for index, raw in enumerate(_ids(option.get("rises_with"))):
        covariate = _mapping(raw)
        where: PathKey = (*path, "rises_with", index)
        track_id = _id(covariate.get("track"))
        if track_id is not None and track_id not in tracks:
            yield (*where, "track"), _unknown("track", track_id, tracks)
        for n, issue_id in enumerate(_ids(covariate.get("shortfall"))):
            if _id(issue_id) is None:
                continue
            if issue_id not in issues:
                yield (*where, "shortfall", n), _unknown("issue", issue_id, issues)
            elif issue_id not in stances:
                yield (
                    (*where, "shortfall", n),
                    f"the actor has no stance on {issue_id!r}, so the text there cannot fall short of it",
                )


def _check_saliences(
    path: PathKey, role: str, stances: dict[str, Any], issues: dict[str, Any]
) -> Iterator[Finding]:
    if role == "principal":
        for issue_id in issues:
            if issue_id not in stances:
                yield (
                    (*path, "stances"),
                    (f"a principal must have a stance on every issue it signs; missing {issue_id!r}"),
                )
    saliences = [_support(_mapping(s).get("salience")) for s in stances.values()]
    if saliences and all(s is not None and s[1] == 0 for s in saliences):
        yield (*path, "stances"), "saliences are all zero: this actor would care about nothing"
    if not stances and role == "principal":
        return
    if not stances:
        yield (*path, "stances"), "an influencer needs a stance on at least one issue"


def _check_within(
    path: PathKey, value: Any, bounds: tuple[float, float] | None, what: str
) -> Iterator[Finding]:
    """A number or a distribution's support within bounds; ``what`` names them ("issue 'cap'")."""
    support = _support(value)
    if bounds is None or support is None:
        return
    if support[0] < bounds[0] or support[1] > bounds[1]:
        yield (
            path,
            (
                f"lies outside the bounds of {what} [{bounds[0]:g}, {bounds[1]:g}]: "
                f"got [{support[0]:g}, {support[1]:g}]"
                if support[0] != support[1]
                else f"{support[0]:g} lies outside the bounds of {what} [{bounds[0]:g}, {bounds[1]:g}]"
            ),
        )


def _check_threshold(path: PathKey, spec: dict[str, Any], issues: dict[str, Any]) -> Iterator[Finding]:
    issue_id = _id(spec.get("issue"))
    if issue_id is None:
        return
    if issue_id not in issues:
        yield (*path, "issue"), _unknown("issue", issue_id, issues)
        return
    for side in ("above", "below"):
        if side in spec:
            bounds = _bounds(issues[issue_id])
            yield from _check_within((*path, side), spec[side], bounds, f"issue {issue_id!r}")


def _check_rounds(
    rounds: dict[str, Any], actors: dict[str, Any], issues: dict[str, Any]
) -> Iterator[Finding]:
    for round_id, raw in rounds.items():
        spec = _mapping(raw)
        path: PathKey = ("rounds", round_id)
        mediator = _id(spec.get("mediator"))
        if mediator is not None:
            if mediator not in actors:
                yield (*path, "mediator"), _unknown("actor", mediator, actors)
            elif _mapping(actors[mediator]).get("role") != "mediator":
                yield (*path, "mediator"), f"{mediator!r} does not have role 'mediator'"
        elif spec.get("mediator") is None and spec.get("format", "indirect") == "indirect":
            yield (*path, "mediator"), "an indirect round needs a mediator to carry the text"
        agenda = spec.get("agenda")
        seen: set[str] = set()
        for index, issue_id in enumerate(_ids(agenda)):
            if _id(issue_id) is None:
                continue
            if issue_id not in issues:
                yield (*path, "agenda", index), _unknown("issue", issue_id, issues)
            elif issue_id in seen:
                yield (*path, "agenda", index), f"issue {issue_id!r} is listed twice"
            seen.add(issue_id)


def _check_event(path: PathKey, event: dict[str, Any], world: _World) -> Iterator[Finding]:
    actors, issues, rounds = world.actors, world.issues, world.rounds
    at = _mapping(event.get("at"))
    if _id(at.get("round")) is not None:
        if at["round"] not in rounds:
            yield (*path, "at", "round"), _unknown("round", at["round"], rounds)
        else:
            exchanges = _mapping(rounds[at["round"]]).get("exchanges")
            exchange = at.get("exchange", 1)
            if _count(exchanges) and _count(exchange) and exchange > exchanges:
                yield (
                    (*path, "at", "exchange"),
                    (f"round {at['round']!r} has only {exchanges} exchanges, got exchange {exchange}"),
                )
    if "when" in event:
        yield from _check_condition((*path, "when"), event["when"], world)
    effects = event.get("effects")
    for index, effect in enumerate(_ids(effects)):
        effect = _mapping(effect)
        where: PathKey = (*path, "effects", index)
        actor_id = _id(effect.get("actor"))
        if actor_id is not None and actor_id not in actors:
            yield (*where, "actor"), _unknown("actor", actor_id, actors)
        issue_id = _id(effect.get("issue"))
        if issue_id is None:
            continue
        if issue_id not in issues:
            yield (*where, "issue"), _unknown("issue", issue_id, issues)
        elif actor_id in actors and issue_id not in _mapping(_mapping(actors[actor_id]).get("stances")):
            yield (*where, "issue"), f"actor {actor_id!r} has no stance on issue {issue_id!r} to change"


def _check_condition(path: PathKey, condition: Any, world: _World) -> Iterator[Finding]:
    actors, issues, rounds = world.actors, world.issues, world.rounds
    condition = _mapping(condition)
    for combinator in ("all", "any", "none"):
        parts = condition.get(combinator)
        for index, part in enumerate(_ids(parts)):
            yield from _check_condition((*path, combinator, index), part, world)
    if "track" in condition:
        track_id = _id(_mapping(condition["track"]).get("track"))
        if track_id is not None and track_id not in world.tracks:
            yield (*path, "track", "track"), _unknown("track", track_id, world.tracks)
    if "text" in condition:
        yield from _check_threshold((*path, "text"), _mapping(condition["text"]), issues)
    if "position" in condition:
        spec = _mapping(condition["position"])
        if _id(spec.get("actor")) is not None and spec["actor"] not in actors:
            yield (*path, "position", "actor"), _unknown("actor", spec["actor"], actors)
        yield from _check_threshold((*path, "position"), spec, issues)
    if "utility" in condition:
        actor_id = _id(_mapping(condition["utility"]).get("actor"))
        if actor_id is not None and actor_id not in actors:
            yield (*path, "utility", "actor"), _unknown("actor", actor_id, actors)
    from_round = _id(condition.get("from_round"))
    if from_round is not None and from_round not in rounds:
        yield (*path, "from_round"), _unknown("round", condition["from_round"], rounds)
