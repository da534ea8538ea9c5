"""``dipsim sweep --vary KEY=LOW:HIGH:STEP``: one parameter stepped over a grid, the rest held or sampled.

The grid is written into the scenario as a ``discrete`` distribution over the grid's values (an
override, recorded in the manifest), so the sweep machinery needs nothing new: the varied key is one
more uncertain parameter, and its design column takes ``(k + 0.5) / n`` for the k-th value, which the
discrete quantile function maps to exactly that value. The rest of the uncertain parameters are

* held at their central values (no ``--samples``): each grid value is one design point, run
  ``--replicates`` times, so the only differences between points are the varied parameter's doing
  and the negotiation's own randomness; or
* sampled (``--samples N`` with ``--design mc|lhs``): the same N points of the rest at every grid
  value (common random numbers), so a difference between grid values is never a different sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np

from sim.errors import UsageError
from sim.scenario import LoadedScenario
from sim.scenario.distributions import Discrete, central_value
from sim.scenario.keys import ParameterKey
from sim.scenario.overrides import parse_key, with_values
from sim.scenario.parameters import parameter_specs, uncertain_keys

MAX_LEVELS = 1000  # a grid this fine is a sampling design, not a one-factor plot
Rest = Literal["central", "sampled"]


@dataclass(frozen=True)
class Vary:
    parameter: str  # the dotted key
    values: tuple[float, ...]
    rest: Rest

    def describe(self) -> dict[str, object]:
        return {"parameter": self.parameter, "values": list(self.values), "rest": self.rest}


def parse_vary(text: str, rest: Rest) -> Vary:
    """``actors.Israel.capability=0.2:0.8:0.1`` -> the key and the values 0.2, 0.3, ..., 0.8 exactly.

    The steps are counted in decimal, so 0.1 steps give 0.3, not 0.30000000000000004.
    """
    name, equals, grid = text.partition("=")
    example = "e.g. --vary actors.Israel.red_lines.0.probability=0:1:0.1"
    if not equals or grid.count(":") != 2:
        raise UsageError(f"--vary {text}: expected KEY=LOW:HIGH:STEP, {example}")
    key = parse_key(name.strip(), "--vary")
    try:
        low, high, step = (Decimal(part.strip()) for part in grid.split(":"))
    except InvalidOperation:
        raise UsageError(f"--vary {text}: LOW, HIGH and STEP must be numbers, {example}") from None
    if not all(value.is_finite() for value in (low, high, step)) or step <= 0 or high <= low:
        raise UsageError(f"--vary {text}: needs LOW < HIGH and STEP > 0, {example}")
    levels = int((high - low) / step) + 1
    if levels > MAX_LEVELS:
        raise UsageError(f"--vary {text}: {levels:,} values; at most {MAX_LEVELS} (use a sampling design)")
    return Vary(str(key), tuple(float(low + n * step) for n in range(levels)), rest)


def vary_scenario(loaded: LoadedScenario, vary: Vary) -> LoadedScenario:
    """The scenario with the varied key on its grid and, unless the rest is sampled, the rest fixed."""
    key = ParameterKey.parse(vary.parameter)
    grid = Discrete(dist="discrete", values=vary.values)
    values: dict[ParameterKey, float | Discrete] = {key: grid}
    if vary.rest == "central":
        specs = parameter_specs(loaded.scenario)
        values |= {k: central_value(specs[k]) for k in uncertain_keys(loaded.scenario) if k != key}
    return with_values(loaded, values, option="--vary")


def grid_points(vary: Vary, keys: list[str], rest_points: np.ndarray) -> np.ndarray:
    """Every grid value crossed with the same points of the rest: [levels x len(rest_points), D].

    Grid-major: the first ``len(rest_points)`` design points are the first value's, and so on.
    """
    levels = len(vary.values)
    column = keys.index(vary.parameter)
    unit = (np.arange(levels) + 0.5) / levels
    rest = np.tile(rest_points, (levels, 1))
    return np.insert(rest, column, np.repeat(unit, len(rest_points)), axis=1)
