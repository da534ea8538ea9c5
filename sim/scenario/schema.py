"""The scenario schema: what a negotiation *is*, independent of how it is run.

Every model here is frozen and forbids unknown keys, so a typo in a scenario
file is an error rather than a silently ignored setting. Checks that need more
than one field (references between actors, issues and rounds; positions inside
an issue's bounds) live in :mod:`sim.scenario.references`, which reads the raw
document so that they can be reported together with these structural errors.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, model_validator

from sim.scenario.distributions import _Dist
from sim.scenario.numbers import Count, Number
from sim.scenario.outputs import Output
from sim.scenario.protocols import ProtocolChoice, SingleTextSettings
from sim.scenario.values import Frozen, SignedUnit, Uncertain, UnitInterval, within

RESERVED_COLUMN_NAMES = frozenset(
    {
        "replicate", "outcome", "round", "round_id", "exchange", "step", "actor", "by", "terms",
        "signed", "cause", "cause_label",
    }
)
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


Checked = TypeVar("Checked", bound=Frozen)


def _exactly_one(model: Checked, first: str, second: str) -> Checked:
    """A model with two alternative fields must give exactly one of them."""
    if (getattr(model, first) is None) == (getattr(model, second) is None):
        raise ValueError(f"give exactly one of {first!r} or {second!r}")
    return model


def _check_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if not low < high:
        raise ValueError(f"bounds must be [low, high] with low < high, got {list(bounds)}")
    return low, high


class Issue(Frozen):
    """A dimension of the deal, on its real scale so that terms read in real units."""

    label: str
    unit: str
    bounds: tuple[Number, Number]
    status_quo: Number = Field(
        description="What holds on this issue while no deal covers it, in the issue's unit."
    )
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Issue:
        low, high = _check_bounds(self.bounds)
        if not math.isfinite(high - low):
            raise ValueError(
                f"bounds {list(self.bounds)} are so far apart that their width overflows; "
                "use a narrower scale"
            )
        if not low <= self.status_quo <= high:
            raise ValueError(f"status_quo {self.status_quo:g} lies outside bounds {list(self.bounds)}")
        return self


class Stance(Frozen):
    """Where an actor stands on one issue and how much that issue matters to it."""

    position: Uncertain
    salience: UnitInterval


class OneSided(Frozen):
    """A one-sided limit: exactly one of above/below."""

    above: Number | None = None
    below: Number | None = None

    @model_validator(mode="after")
    def _one_side(self) -> OneSided:
        return _exactly_one(self, "above", "below")


class Threshold(OneSided):
    """A limit on an issue, in the issue's unit."""

    issue: str


class RedLine(Threshold):
    """A limit an actor will not see crossed, and what it does when it is.

    The threshold itself (``above`` or ``below``, in the issue's unit) may be
    uncertain: where exactly an actor draws its line is often the least
    certain thing a source says about it.

    ``reject`` means a principal never signs such a text. ``walk_out`` and
    ``escalate`` are outside options that end the talks, with the given
    probability, when the red line is crossed by an agreed deal (``trigger:
    deal``) or by the text on the table (``trigger: text``).
    """

    above: Uncertain | None = None
    below: Uncertain | None = None
    action: Literal["reject", "walk_out", "escalate"]
    probability: UnitInterval = 1.0
    trigger: Literal["deal", "text"] = "deal"
    note: str = ""

    @property
    def threshold(self) -> float | _Dist:
        return self.above if self.above is not None else self.below

    @property
    def describe(self) -> str:
        side, value = ("above", self.above) if self.above is not None else ("below", self.below)
        shown = f"{value:g}" if isinstance(value, float) else f"~{value.central:.3g}"
        return f"{self.issue} {side} {shown}"

    @model_validator(mode="after")
    def _reject_is_unconditional(self) -> RedLine:
        if self.action == "reject" and {"probability", "trigger"} & self.model_fields_set:
            raise ValueError(
                "a 'reject' red line always applies to every text; probability and trigger "
                "belong to walk_out and escalate"
            )
        return self


class Round(Frozen):
    venue: str
    format: Literal["indirect", "direct"] = "indirect"
    mediator: str | None = None
    agenda: tuple[str, ...] = Field(min_length=1)
    exchanges: Count = Field(ge=1, le=100)
    note: str = ""


class PositionCondition(Threshold):
    actor: str


class UtilityCondition(OneSided):
    """An actor's utility of the text on the table, on the 0-1 utility scale."""

    actor: str
    above: Number | None = Field(default=None, ge=0, le=1)
    below: Number | None = Field(default=None, ge=0, le=1)


class Condition(Frozen):
    """A declarative test of the negotiation state: exactly one key per condition."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    text: Threshold | None = None
    position: PositionCondition | None = None
    utility: UtilityCondition | None = None
    track: TrackCondition | None = None
    from_round: str | None = None
    all_of: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_of: tuple[Condition, ...] | None = Field(default=None, alias="any")
    none_of: tuple[Condition, ...] | None = Field(default=None, alias="none")

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition has exactly one of: text, position, utility, track, from_round, all, any, "
                f"none; got {given or 'none'}"
            )
        return self


class At(Frozen):
    round: str
    exchange: Count = Field(default=1, ge=1)


class TrackCondition(OneSided):
    """A track's current value, in the track's unit."""

    track: str


class Track(Frozen):
    """A state of the world that moves while the talks go on, such as a nuclear programme's progress.

    It starts at ``initial`` and moves by ``rate`` (in its unit) at the start of
    every exchange after the first, within its bounds, except in an exchange
    where ``frozen_when`` holds (an interim text that freezes it, say). Events,
    conditions and outside options can read it.
    """

    label: str
    unit: str
    bounds: tuple[Number, Number]
    initial: Uncertain
    rate: Uncertain = Field(description="Change per exchange, in the track's unit.")
    frozen_when: Condition | None = None
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Track:
        _check_bounds(self.bounds)
        return self


class Covariate(Frozen):
    """What an outside option's hazard rises with: a track's progress, or how little the text gives.

    ``track``: the track's value, scaled to [0, 1] over its bounds.
    ``shortfall``: the issues on which the actor judges the text on the table;
    the covariate is 1 minus the actor's utility of the text on those issues
    alone (its salience weights renormalised over them), 0 when the text sits
    on its positions and 1 at the far end of every issue.
    ``ratio`` is the hazard ratio between the covariate at 1 and at 0.
    """

    track: str | None = None
    shortfall: tuple[str, ...] | None = Field(default=None, min_length=1)
    ratio: Annotated[Uncertain, AfterValidator(within(1.0, 1000.0))]

    @model_validator(mode="after")
    def _one_kind(self) -> Covariate:
        return _exactly_one(self, "track", "shortfall")


class OutsideOption(Frozen):
    """An actor's per-exchange hazard of taking its outside option while the talks go on.

    Unlike a red line, which fires on a text that crosses it, this may fire at
    any exchange: with probability ``hazard`` when every covariate is 0, and
    rising with each covariate by its hazard ratio (docs/model.md section 9).
    """

    action: Literal["walk_out", "escalate"]
    hazard: UnitInterval = Field(description="Per-exchange probability when every covariate is at 0.")
    rises_with: tuple[Covariate, ...] = ()
    from_round: str | None = Field(default=None, description="First round in which the option may be taken.")
    label: str = ""


class Actor(Frozen):
    name: str
    role: Literal["principal", "influencer", "mediator"]
    capability: UnitInterval
    patience: UnitInterval = 0.5
    risk: SignedUnit = 0.0
    reservation: UnitInterval = 0.0
    deadline: str | None = Field(
        default=None, description="Round after which this actor stops waiting and may walk out."
    )
    presses: tuple[str, ...] | None = Field(
        default=None, description="Principals an influencer presses; all principals if omitted."
    )
    stances: dict[str, Stance] = Field(default_factory=dict)
    red_lines: tuple[RedLine, ...] = ()
    deadline_believed: UnitInterval = Field(
        default=0.0,
        description="Probability, per replicate, that the other principals know and believe this actor's "
        "deadline, so that their concession clocks run to it too (0: a private deadline).",
    )
    outside_option: OutsideOption | None = None
    tracks: dict[Identifier, Track] = Field(default_factory=dict)
    note: str = ""


ActorParameter = Literal["capability", "patience", "risk", "reservation", "position", "salience"]


class Effect(Frozen):
    """Either a change to one actor parameter, or the end of the talks."""

    actor: str | None = None
    param: ActorParameter | None = None
    issue: str | None = None
    set: Number | None = None
    add: Number | None = None
    multiply: Number | None = None
    end_talks: Literal["breakdown", "escalation"] | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Effect:
        ops = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if self.end_talks is not None:
            if ops or self.param is not None or self.issue is not None:
                raise ValueError("an end_talks effect takes only 'actor' (who ends them)")
            return self
        if self.actor is None or self.param is None:
            raise ValueError("a parameter effect needs 'actor' and 'param' (or use end_talks)")
        if len(ops) != 1:
            raise ValueError("a parameter effect needs exactly one of set, add, multiply")
        per_issue = self.param in ("position", "salience")
        if per_issue != (self.issue is not None):
            raise ValueError(
                f"param {self.param!r} "
                + ("needs an 'issue'" if per_issue else "is not per issue: drop 'issue'")
            )
        return self


class Event(Frozen):
    label: str = ""
    at: At | None = None
    when: Condition | None = None
    probability: UnitInterval = 1.0
    repeat: StrictBool = False
    effects: tuple[Effect, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _scheduled_or_conditional(self) -> Event:
        if self.at is None and self.when is None:
            raise ValueError("an event needs 'at' (scheduled), 'when' (conditional), or both")
        return self


class Scenario(Frozen):
    name: str
    description: str = ""
    sources: tuple[str, ...] = ()
    protocol: ProtocolChoice = SingleTextSettings()
    issues: dict[Identifier, Issue] = Field(min_length=1)
    actors: dict[Identifier, Actor] = Field(min_length=2)
    rounds: dict[Identifier, Round] = Field(min_length=1)
    deadline: str | None = None
    events: dict[Identifier, Event] = Field(default_factory=dict)
    outputs: dict[Identifier, Output] = Field(
        default_factory=dict,
        description="What sensitivity and discovery analyse (sim.scenario.outputs); default: each outcome "
        "class's share and each issue's term.",
    )

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(self.issues)

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(self.actors)

    @property
    def round_ids(self) -> tuple[str, ...]:
        """The rounds that happen: those up to and including the deadline round."""
        ids = tuple(self.rounds)
        if self.deadline is None:
            return ids
        return ids[: ids.index(self.deadline) + 1]
