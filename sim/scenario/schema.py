"""The scenario schema: what a negotiation *is*, independent of how it is run.

Every model here is frozen and forbids unknown keys, so a typo in a scenario
file is an error rather than a silently ignored setting. Checks that need more
than one field (references between actors, issues and rounds; positions inside
an issue's bounds) live in :mod:`sim.scenario.references`, which reads the raw
document so that they can be reported together with these structural errors.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from sim.scenario.distributions import _Dist
from sim.scenario.numbers import Count, Number
from sim.scenario.protocols import ProtocolChoice, SingleTextSettings
from sim.scenario.values import Frozen, SignedUnit, Uncertain, UnitInterval

RESERVED_COLUMN_NAMES = frozenset(
    {"replicate", "outcome", "round", "round_id", "exchange", "step", "actor", "by", "terms"}
)
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


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
        low, high = self.bounds
        if not low < high:
            raise ValueError(f"bounds must be [low, high] with low < high, got {list(self.bounds)}")
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
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        return self


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
    note: str = ""


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
    from_round: str | None = None
    all_of: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_of: tuple[Condition, ...] | None = Field(default=None, alias="any")
    none_of: tuple[Condition, ...] | None = Field(default=None, alias="none")

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition has exactly one of: text, position, utility, from_round, all, any, "
                f"none; got {given or 'none'}"
            )
        return self


class At(Frozen):
    round: str
    exchange: Count = Field(default=1, ge=1)


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
