"""Numbers as scenario files may write them: finite, and never a boolean or a quoted string.

Pydantic's lax mode reads ``true`` as 1, ``"0.5"`` as 0.5 and accepts NaN and
infinities, each of which would pass every range check and change results
silently. Every number in the schema goes through these types instead.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator


def describe(value: object) -> str:
    """What a wrong value is, in the words a scenario author uses."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing (null)"
    return type(value).__name__


def finite_number(value: object) -> float:
    """An int or float as a finite float; anything else is refused with what it was."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("the number is too large") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {number}")
    return number


def whole_number(value: object) -> int:
    """A count: an int, or a float with no fractional part; never a boolean."""
    number = finite_number(value)
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {number:g}")
    return int(value) if isinstance(value, int) else int(number)


Number = Annotated[float, BeforeValidator(finite_number)]
Count = Annotated[int, BeforeValidator(whole_number)]
