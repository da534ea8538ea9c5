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

from pydantic import AfterValidator, Discriminator, Field, Tag

from sim.scenario.numbers import Count
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


@declare
class ExpectedUtilitySettings(ProtocolSettings):
    """Bueno de Mesquita's expected-utility challenge model, as specified by Scholz et al. (2011).

    Every choice the published specification leaves open is a setting here, so
    that a forecast can be reproduced under the reading another replication
    made; docs/model.md section 13 gives the reasons for each default.
    """

    citation: ClassVar[str] = "Bueno de Mesquita 1994, 1997; Scholz, Calbert & Smith 2011"
    forecasts: ClassVar[bool] = True
    follows_agenda: ClassVar[bool] = False

    name: Literal["expected_utility"] = "expected_utility"
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
    offer_choice: Literal["enforceable", "smallest_move"] = Field(
        default="enforceable",
        description="Accept the offer backed by the highest expected utility (ties: least movement), "
        "or simply the one that moves the actor least.",
    )
    forecast: Literal["median", "mean"] = Field(
        default="median", description="The forecast read off the positions each round."
    )


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
