"""The value types of the scenario language: numbers or distributions, and their ranges.

Shared by the schema and by every protocol's settings (sim.scenario.protocols),
so each is written once: a parameter is a plain number or a distribution
(``Uncertain``), checked to lie in its legal range (``UnitInterval``,
``SignedUnit``), and every model is frozen with unknown keys refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from sim.scenario.distributions import Distribution, _Dist, support_of
from sim.scenario.numbers import describe, finite_number

_DISTRIBUTION = TypeAdapter(Distribution)


def _number_or_distribution(value: object) -> object:
    """Give one clear message instead of pydantic's per-branch union errors."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return finite_number(value)
    if isinstance(value, _Dist):
        return value
    if isinstance(value, dict):
        if "dist" not in value:
            raise ValueError(
                "a distribution needs 'dist': one of uniform, truncnormal, triangular, beta, discrete"
            )
        try:
            return _DISTRIBUTION.validate_python(value)
        except ValidationError as exc:
            details = "; ".join(
                (f"{'.'.join(str(p) for p in err['loc'][1:])}: " if err["loc"][1:] else "")
                + err["msg"].removeprefix("Value error, ")
                for err in exc.errors()
            )
            raise ValueError(f"invalid {value.get('dist')} distribution: {details}") from None
    raise ValueError(f"expected a number or a distribution, got {describe(value)}")


def within(low: float, high: float) -> Callable[[float | _Dist], float | _Dist]:
    def check(value: float | _Dist) -> float | _Dist:
        lo, hi = support_of(value)
        if lo < low or hi > high:
            what = f"{value}" if not isinstance(value, _Dist) else f"support [{lo:g}, {hi:g}]"
            raise ValueError(f"must lie within [{low:g}, {high:g}], got {what}")
        return value

    return check


Uncertain = Annotated[float | Distribution, BeforeValidator(_number_or_distribution)]
UnitInterval = Annotated[Uncertain, AfterValidator(within(0.0, 1.0))]
SignedUnit = Annotated[Uncertain, AfterValidator(within(-1.0, 1.0))]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
