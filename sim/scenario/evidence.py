"""The evidence file: every actor parameter tied to verbatim quotes, or declared an assumption.

A scenario that says ``calibration: ../seeds/evidence.yaml`` takes its actor
parameters from this file and from nowhere else: the loader injects each
``value`` at the matching place in the scenario, with this file's line numbers,
and refuses a number given in both places. So the scenario and the evidence
cannot disagree, and the ranges here are exactly what Monte Carlo samples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from sim.errors import InputError
from sim.scenario.distributions import _Dist, support_of
from sim.scenario.keys import Kind, ParameterKey
from sim.scenario.schema import Frozen, Uncertain
from sim.scenario.yaml_source import (
    PathKey,
    Problem,
    ScenarioError,
    SourceDocument,
    beyond,
    display_name,
    parse_yaml,
)
from sim.text_input import read_text

# Assumptions must be honest about ignorance: at least this share of the legal range.
MIN_ASSUMPTION_WIDTH = 0.4
# A hazard ratio or a rate has no legal range to take a share of: an assumption must span this factor.
MIN_ASSUMPTION_FACTOR = 4.0


class Article(Frozen):
    title: str
    summary: str = ""


class Lexicon(Frozen):
    """Names and terms an offline reader looks for (case-insensitive substrings)."""

    actors: dict[str, tuple[str, ...]]
    issues: dict[str, tuple[str, ...]]


class Rule(Frozen):
    """One coding rule: which phrases signal it, which parameters it codes, and how."""

    parameters: tuple[Kind, ...] = Field(min_length=1)
    cues: tuple[str, ...] = Field(min_length=1)
    coding: str


class Citation(Frozen):
    article: str
    quote: str = Field(min_length=1)
    direction: Literal["up", "down", "anchor"]


class Entry(Frozen):
    value: Uncertain
    rule: str
    evidence: tuple[Citation, ...] = ()
    assumption: str | None = None

    @property
    def is_assumption(self) -> bool:
        return not self.evidence


class EvidenceFile(Frozen):
    articles: dict[str, Article] = Field(min_length=1)
    lexicon: Lexicon
    rules: dict[str, Rule] = Field(min_length=1)
    actors: dict[str, dict[str, Entry]]


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class LoadedEvidence:
    evidence: EvidenceFile
    path: Path
    document: SourceDocument

    @property
    def display(self) -> str:
        """The evidence file's name as it appears in locations and error messages."""
        return next(iter(self.document.files))

    def article_text(self, article_id: str) -> str | None:
        """The article's text; None if there is no such file (InputError if it is not clean text)."""
        article = self.path.parent / f"{article_id}.txt"
        return read_text(article) if article.exists() else None


def load_evidence(path: Path) -> tuple[LoadedEvidence | None, list[Problem]]:
    """Parse and validate an evidence file; problems carry this file's lines."""
    path = path.resolve()
    display = display_name(path)
    try:
        document = parse_yaml(read_text(path, shown=display), display)
    except (InputError, ScenarioError) as error:
        return None, list(error.problems)
    try:
        evidence = EvidenceFile.model_validate(document.data)
    except ValidationError as exc:
        found = [
            Problem(
                document.locate(tuple(err["loc"])),
                tuple(err["loc"]),
                _clean(err["msg"]) if err["type"] != "extra_forbidden" else "unknown key in evidence file",
            )
            for err in exc.errors()
        ]
        return None, [*document.problems, *beyond(found, document.problems)]
    if document.problems:
        return None, document.problems
    loaded = LoadedEvidence(evidence, path, document)
    problems = [
        Problem(document.locate(where), where, message) for where, message in _internal_findings(loaded)
    ]
    return loaded, problems


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _internal_findings(loaded: LoadedEvidence) -> Iterator[tuple[PathKey, str]]:
    """Checks that need only the evidence file and the articles beside it."""
    evidence = loaded.evidence
    texts: dict[str, str | None] = {}
    for article_id in evidence.articles:
        try:
            texts[article_id] = loaded.article_text(article_id)
        except InputError as error:
            texts[article_id] = None
            reason = "; ".join(f"{p.location.file}:{p.location.line}: {p.message}" for p in error.problems)
            yield ("articles", article_id), f"unreadable article: {reason}"
            continue
        if texts[article_id] is None:
            yield ("articles", article_id), f"no article file {article_id}.txt beside the evidence file"
    normalised = {a: normalise_space(t) for a, t in texts.items() if t is not None}
    for actor_id, entries in evidence.actors.items():
        for key, entry in entries.items():
            where: PathKey = ("actors", actor_id, key)
            try:
                kind = ParameterKey.of_actor(actor_id, key).kind
            except ValueError:
                yield (
                    where,
                    (
                        "not a calibratable parameter; use capability, patience, risk, reservation, "
                        "stances.<issue>.position|salience, red_lines.<n>.above|below|probability, "
                        "outside_option.hazard, outside_option.rises_with.<n>.ratio "
                        "or tracks.<track>.initial|rate"
                    ),
                )
                continue
            if not entry.evidence and not entry.assumption:
                yield (
                    where,
                    ("give at least one quote in 'evidence', or declare an 'assumption' with its reason"),
                )
            rule = evidence.rules.get(entry.rule)
            if rule is None:
                known = ", ".join(sorted(evidence.rules))
                yield (*where, "rule"), f"unknown rule {entry.rule!r} (known: {known})"
            elif kind not in rule.parameters:
                yield (*where, "rule"), f"rule {entry.rule!r} does not code {kind} parameters"
            for index, citation in enumerate(entry.evidence):
                cited: PathKey = (*where, "evidence", index)
                if citation.article not in evidence.articles:
                    yield (*cited, "article"), f"unknown article {citation.article!r}"
                elif (
                    citation.article in normalised
                    and normalise_space(citation.quote) not in normalised[citation.article]
                ):
                    yield (*cited, "quote"), f"not found verbatim in {citation.article}.txt"


def check_against_scenario(loaded: LoadedEvidence, scenario_data: dict[str, Any]) -> list[Problem]:
    """Checks that need the scenario: known actors, issues and red lines; honest assumption widths."""
    document = loaded.document
    issues = scenario_data.get("issues") if isinstance(scenario_data.get("issues"), dict) else {}
    actors = scenario_data.get("actors") if isinstance(scenario_data.get("actors"), dict) else {}
    problems = []
    for actor_id, entries in loaded.evidence.actors.items():
        if actor_id not in actors:
            where: PathKey = ("actors", actor_id)
            problems.append(
                Problem(document.locate(where), where, f"actor {actor_id!r} is not in the scenario")
            )
            continue
        for key, entry in entries.items():
            where = ("actors", actor_id, key)
            try:
                parameter = ParameterKey.of_actor(actor_id, key)
            except ValueError:
                continue  # reported by the evidence file's own checks
            actor = actors[actor_id] if isinstance(actors[actor_id], dict) else {}
            message = _scenario_mismatch(actor, issues, parameter) or _too_narrow(
                entry, parameter, actor, issues
            )
            if message:
                problems.append(Problem(document.locate(where), where, message))
    return problems


def _scenario_mismatch(actor: Any, issues: dict[str, Any], parameter: ParameterKey) -> str | None:
    if not isinstance(actor, dict):
        return None
    if parameter.issue is not None and parameter.issue not in issues:
        return f"unknown issue {parameter.issue!r}"
    if parameter.line is not None:
        lines = actor.get("red_lines") if isinstance(actor.get("red_lines"), list) else []
        index = parameter.line
        if index >= len(lines):
            return f"the scenario gives this actor {len(lines)} red line(s); there is no red_lines.{index}"
        if (
            parameter.field == "probability"
            and isinstance(lines[index], dict)
            and lines[index].get("action") == "reject"
        ):
            return "a 'reject' red line has no probability"
    option = actor.get("outside_option")
    if parameter.relative.startswith("outside_option") and not isinstance(option, dict):
        return "the scenario gives this actor no outside_option"
    if parameter.covariate is not None and isinstance(option, dict):
        covariates = option.get("rises_with") if isinstance(option.get("rises_with"), list) else []
        if parameter.covariate >= len(covariates):
            return (
                f"the scenario's outside option rises with {len(covariates)} covariate(s); "
                f"there is no rises_with.{parameter.covariate}"
            )
    tracks = actor.get("tracks") if isinstance(actor.get("tracks"), dict) else {}
    if parameter.track is not None and parameter.track not in tracks:
        return f"the scenario gives this actor no track {parameter.track!r}"
    return None


def _too_narrow(
    entry: Entry, parameter: ParameterKey, actor: dict[str, Any], issues: dict[str, Any]
) -> str | None:
    if not entry.is_assumption:
        return None
    low, high = support_of(entry.value)
    if parameter.kind in ("ratio", "rate"):
        spans = isinstance(entry.value, _Dist) and (low <= 0 <= high or high >= MIN_ASSUMPTION_FACTOR * low)
        if spans:
            return None
        return (
            f"an assumption needs a deliberately wide distribution: a {parameter.kind} has no legal range, "
            f"so its ends must differ by a factor of at least {MIN_ASSUMPTION_FACTOR:g} (or straddle 0); "
            f"got [{low:g}, {high:g}]"
        )
    legal = _legal_width(parameter, actor, issues)
    if legal is None:
        return None
    if not isinstance(entry.value, _Dist) or (high - low) < MIN_ASSUMPTION_WIDTH * legal - 1e-9:
        return (
            f"an assumption needs a deliberately wide distribution (at least "
            f"{MIN_ASSUMPTION_WIDTH:.0%} of the legal range, {MIN_ASSUMPTION_WIDTH * legal:g}); "
            f"got width {high - low:g}"
        )
    return None


def _legal_width(parameter: ParameterKey, actor: dict[str, Any], issues: dict[str, Any]) -> float | None:
    kind = parameter.kind
    if kind in ("capability", "patience", "reservation", "salience", "probability"):
        return 1.0
    if kind == "risk":
        return 2.0
    if kind == "level":  # a track's level lives on the track's own scale
        tracks = actor.get("tracks") if isinstance(actor.get("tracks"), dict) else {}
        track = tracks.get(parameter.track)
        return _width_of(track.get("bounds") if isinstance(track, dict) else None)
    if kind == "position":
        issue_id = parameter.issue
    else:  # a red-line threshold lives on the issue its red line names
        lines = actor.get("red_lines") if isinstance(actor.get("red_lines"), list) else []
        index = parameter.line or 0
        line = lines[index] if index < len(lines) and isinstance(lines[index], dict) else {}
        issue_id = line.get("issue")
    if not isinstance(issue_id, str) or not isinstance(issues.get(issue_id), dict):
        return None
    return _width_of(issues[issue_id].get("bounds"))


def _width_of(bounds: Any) -> float | None:
    """The width of raw [low, high] bounds, or None when they are not two finite numbers."""
    numbers = (
        isinstance(bounds, list)
        and len(bounds) == 2
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
    )
    if not numbers:
        return None
    try:
        width = float(bounds[1]) - float(bounds[0])
    except OverflowError:
        return None
    return width if math.isfinite(width) and width > 0 else None
