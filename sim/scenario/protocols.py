"""The protocols a scenario may name: each one's declaration (name, citation, kind, settings).

A protocol is declared once, here, by its settings model: the class says the
protocol's ``name`` (the value of its ``name`` field), its ``citation``, and
whether it ``forecasts`` a group decision or simulates signatures. Everything
that lists protocols derives from :data:`REGISTRY` -- the schema's
discriminated union, the names the CLI offers, the forecasting set, the
colours of reports -- and each mechanism in ``sim.protocols`` points at its
declaration, so a protocol cannot be half-added. The declarations live in the
scenario layer because they are part of the file format: the engine's
mechanisms import them, never the other way round.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.numbers import Count, Number
from sim.scenario.values import Frozen, Uncertain, UnitInterval, within

REGISTRY: dict[str, type[ProtocolSettings]] = {}

# The arithmetic of a Nash search's scores: float32 makes the engine about 1.5x faster and can pick
# a different grid point where two score within float32 rounding (docs/performance.md).
Precision = Annotated[Literal["float64", "float32"], Field(description="Arithmetic of the Nash scores.")]


class ProtocolSettings(Frozen):
    """The settings block of one protocol; its subclass *is* the protocol's declaration."""

    citation: ClassVar[str]
    forecasts: ClassVar[bool] = False  # True: predicts the group decision instead of simulating signatures
    follows_agenda: ClassVar[bool] = True  # False: every issue is decided at every exchange, agenda or not

    @classmethod
    def protocol_name(cls) -> str:
        return str(cls.model_fields["name"].default)


Declared = TypeVar("Declared", bound=type[ProtocolSettings])


def declare(cls: Declared) -> Declared:
    """Register a protocol's settings model under the protocol's name, in declaration order."""
    REGISTRY[cls.protocol_name()] = cls
    return cls


@declare
class SingleTextSettings(ProtocolSettings):
    """Settings of the mediated single-negotiating-text protocol (docs/model.md sections 4-9)."""

    citation: ClassVar[str] = "Raiffa 1982; Faratin, Sierra & Jennings 1998; Stokman & Van Oosten 1994"

    name: Literal["single_text"] = "single_text"
    pressure_rate: UnitInterval = 0.15
    noise: Annotated[Uncertain, AfterValidator(within(0.0, 0.5))] = 0.03
    grid: Count = Field(default=21, ge=5, le=201)
    precision: Precision = "float64"


# What variant scholz_2011 fixes, and why each is not a free choice there (docs/model.md section 13.4):
# only together with its global denominator of success probabilities do these reproduce Table 2.
SCHOLZ_2011_FIXES: dict[str, str] = {
    "perspective": "own",  # (b) i evaluates E(U_ij) and E(U_ji) with its own risk exponent
    "conflict": "loser_moves",  # (c) the expected loser of a confrontation moves to the winner
    "offer_choice": "priority",  # (d) confrontation, then compromise, then capitulation
}


@declare
class ExpectedUtilitySettings(ProtocolSettings):
    """Bueno de Mesquita's expected-utility challenge model, as specified by Scholz et al. (2011).

    Every choice the published specification leaves open is a setting here, so
    that a forecast can be reproduced under the reading another replication
    made; docs/model.md section 13 gives the reasons for each default.
    ``variant`` picks the reading as a whole: ``printed`` (the default, and the
    only reading before variants existed, so old scenarios run unchanged) or
    ``scholz_2011``, the computation behind Scholz et al.'s Table 2, which fixes
    perspective, conflict and offer_choice (:data:`SCHOLZ_2011_FIXES`): a
    scenario may repeat those values but not contradict them, and ``priority``
    belongs to that variant alone.
    """

    citation: ClassVar[str] = "Bueno de Mesquita 1994, 1997; Scholz, Calbert & Smith 2011"
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["expected_utility"] = "expected_utility"
    # declared before the settings it fixes: their validators read it
    variant: Literal["printed", "scholz_2011"] = Field(
        default="printed",
        description="printed: today's reading of the printed equations (pairwise probabilities); "
        "scholz_2011: the computation behind Scholz et al.'s Table 2 (one global denominator for "
        "every probability; fixes perspective own, conflict loser_moves, offer_choice priority).",
    )
    q: UnitInterval = Field(
        default=1.0, description="Probability the status quo holds if i does not challenge (Scholz: 1)."
    )
    risk: Literal["endogenous", "neutral", "scenario"] = Field(
        default="endogenous",
        description="endogenous: BDM's security-level risk exponents; neutral: r = 1; "
        "scenario: each actor's own 'risk' attitude.",
    )
    distance_scale: Literal["positions", "issue"] = Field(
        default="positions",
        description="Normalise distances by the spread of current positions (Scholz) or the issue's bounds.",
    )
    perspective: Literal["each", "own"] = Field(
        default="each",
        description="each: j's expected utility of challenging i uses j's risk exponent; "
        "own: i estimates it with its own exponent.",
    )
    conflict: Literal["no_move", "loser_moves"] = Field(
        default="no_move",
        description="When both sides expect to gain from a challenge, nobody moves (BDM 1997: "
        "conflict has an uncertain outcome) or the expected loser gives in.",
    )
    offer_choice: Literal["enforceable", "smallest_move", "priority"] = Field(
        default="enforceable",
        description="Accept the offer backed by the highest expected utility (ties: least movement), "
        "or simply the one that moves the actor least; priority (variant scholz_2011 only): "
        "confrontation, then compromise, then capitulation.",
    )
    forecast: Literal["median", "mean"] = Field(
        default="median", description="The forecast read off the positions each round."
    )

    @model_validator(mode="before")
    @classmethod
    def _variant_fixes(cls, data: object) -> object:
        """scholz_2011 fills in what it fixes, so the manifest shows the settings that ran."""
        if isinstance(data, dict) and data.get("variant") == "scholz_2011":
            return {**SCHOLZ_2011_FIXES, **data}
        return data

    @field_validator("perspective", "conflict", "offer_choice")
    @classmethod
    def _fits_variant(cls, value: str, info: ValidationInfo) -> str:
        """Refuse a setting the chosen variant contradicts, rather than silently overriding it."""
        variant = info.data.get("variant")
        fixed = SCHOLZ_2011_FIXES[str(info.field_name)]
        if variant == "scholz_2011" and value != fixed:
            raise ValueError(
                f"variant scholz_2011 fixes {info.field_name} to {fixed!r}, got {value!r}: "
                f"remove {info.field_name}, or use variant: printed"
            )
        if variant == "printed" and value == fixed == "priority":
            raise ValueError(
                "offer_choice 'priority' is part of variant scholz_2011 (it reproduces Table 2 only "
                "with that variant's probabilities): use variant: scholz_2011, or enforceable or "
                "smallest_move"
            )
        return value


@declare
class CompromiseSettings(ProtocolSettings):
    """The capability x salience weighted mean of positions (Achen 2006; Van den Bos 1991)."""

    citation: ClassVar[str] = "Van den Bos 1991; Achen 2006 (the compromise model)"
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["compromise"] = "compromise"


@declare
class WeightedMedianSettings(ProtocolSettings):
    """The capability x salience weighted median position (Black 1948)."""

    citation: ClassVar[str] = "Black 1948 (median voter)"
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["weighted_median"] = "weighted_median"


@declare
class NashSettings(ProtocolSettings):
    """The asymmetric Nash bargaining solution over every stakeholder (Nash 1950; Achen 2006)."""

    citation: ClassVar[str] = "Nash 1950; Kalai 1977; Achen 2006"
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["nash"] = "nash"
    grid: Count = Field(default=41, ge=5, le=201)
    precision: Precision = "float64"


@declare
class SmpSettings(ProtocolSettings):
    """KTAB's Spatial Model of Politics: challenges and bargains over every issue at once.

    The model parameters are KTAB's (``SMPModel``), named as KTAB names them in
    lower case; the defaults are KTAB's defaults, which its reference runs use
    (docs/model.md section 14). KTAB's Markov PCE models and its two other
    bargaining models are not ported.
    """

    citation: ClassVar[str] = (
        "Wise, Lester & Efird 2015; Efird, Lester & Wise 2016; KAPSARC KTAB (examples/smp)"
    )
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["smp"] = "smp"
    voting_rule: Literal["proportional", "binary", "prop_bin", "prop_cubic", "cubic", "asym_prospect"] = (
        Field(default="proportional", description="KTAB VotingRule: how a utility difference becomes a vote.")
    )
    victory_model: Literal["linear", "square", "quartic", "octic", "binary"] = Field(
        default="linear",
        description="KTAB VictoryProbModel: coalition strengths to a probability of winning.",
    )
    big_r_range: Literal["mid", "min", "max"] = Field(
        default="mid",
        description="KTAB BigRRange: inferred risk attitudes span [-1/2, 1] (mid), [0, 1], [-1, 1].",
    )
    big_r_adjust: Literal["one_third", "full", "two_thirds", "half", "none"] = Field(
        default="one_third",
        description="KTAB BigRAdjust: how far an actor's estimate of another's risk attitude moves "
        "from its own.",
    )
    third_party_commit: Literal["semi", "full", "none"] = Field(
        default="semi", description="KTAB ThirdPartyCommit: what a third party expects when it joins a side."
    )
    interpolation: Literal["s2p2", "s1p1", "s2pmax"] = Field(
        default="s2p2", description="KTAB InterVecBrgn: how a bargain weighs the two sides on each issue."
    )
    transitions: Literal["deterministic", "stochastic"] = Field(
        default="deterministic",
        description="KTAB StateTransitions: take the most probable bargain, or draw one by its probability.",
    )
    capability_scale: Number = Field(
        default=1.0,
        gt=0,
        description="KTAB's power of an actor with capability 1. KTAB's coalitions start from absolute "
        "floors (1e-8, 1e-10), so its model is not quite free of the scale of power; importing a KTAB "
        "table sets this to the table's largest power, which gives back KTAB's own numbers.",
    )
    quiet_ratio: UnitInterval = Field(
        default=0.02,
        description="KTAB's stopping rule: stop from the second turn once a turn moves the actors by less "
        "than this share of the first turn's movement (the scenario's exchanges are the upper bound).",
    )


DEFAULT_PROTOCOL = "single_text"
PROTOCOL_NAMES = tuple(REGISTRY)
FORECASTING_PROTOCOLS = tuple(name for name, settings in REGISTRY.items() if settings.forecasts)


def _protocol_tag(value: object) -> str | None:
    """A protocol block without a name is the default protocol, as before names existed."""
    if isinstance(value, dict):
        return value.get("name", DEFAULT_PROTOCOL)
    return getattr(value, "name", None)


ProtocolChoice = Annotated[
    Union[tuple(Annotated[settings, Tag(name)] for name, settings in REGISTRY.items())],  # noqa: UP007
    Discriminator(
        _protocol_tag,
        custom_error_type="unknown_protocol",
        custom_error_message=f"unknown protocol name: expected one of {', '.join(PROTOCOL_NAMES)}",
    ),
]
