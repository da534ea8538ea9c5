"""Uncertain numbers in scenario files.

Every numeric actor parameter may be a plain number or one of these
distributions. They are expressed through their inverse CDF (``ppf``) so that
the same object serves plain Monte Carlo (``ppf`` of uniform draws) and the
space-filling designs of a sweep (``ppf`` of Latin-hypercube or Sobol points),
and so that the *central value* used by a single run has one definition for
every family: the median, ``ppf(0.5)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.numbers import Number

# Where every distribution is probed once at load time: its quantiles there must be finite numbers
# inside its support, or sampling would hand the engine NaN (a very narrow truncnormal far from
# its mean, say, or bounds whose width overflows).
_PROBES = np.array([0.0, 1e-9, 0.5, 1 - 1e-9, 1.0])


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    @property
    def central(self) -> float:
        """The median: defined for every family, and what a single run uses."""
        return float(self.ppf(np.array([0.5]))[0])

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf(rng.random(size))

    def _checked(self) -> _Dist:
        """Refuse a distribution whose numbers the engine could not use."""
        low, high = self.support
        if not np.isfinite(high - low):
            raise ValueError(f"high - low overflows (low={low:g}, high={high:g}); use a narrower range")
        with np.errstate(all="ignore"):
            values = self.ppf(_PROBES)
        span = (high - low) * 1e-9
        if not (np.all(np.isfinite(values)) and values.min() >= low - span and values.max() <= high + span):
            raise ValueError("its quantiles are not finite numbers within [low, high]; check its parameters")
        return self


class Uniform(_Dist):
    """Flat between ``low`` and ``high``: the honest choice when a source gives only a range."""

    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high, got low={self.low}, high={self.high}")
        return self._checked()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class TruncNormal(_Dist):
    """A best guess with symmetric doubt, cut to the range the parameter can take."""

    dist: Literal["truncnormal"]
    mean: Number
    sd: Number = Field(gt=0)
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> TruncNormal:
        if not self.low < self.high:
            raise ValueError(f"truncnormal needs low < high, got low={self.low}, high={self.high}")
        return self._checked()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(_frozen(self).ppf(np.asarray(u, dtype=float)), dtype=float)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Triangular(_Dist):
    """A range with a most-likely value: how analysts usually phrase a judgement."""

    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, "
                f"got low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self._checked()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The triangular inverse CDF in closed form, term for term as scipy.stats.triang computes it.

        With c = (mode - low) / (high - low): x = sqrt(c q) below c, else
        1 - sqrt((1 - c)(1 - q)), and the value low + x (high - low). Written
        out so that loading a scenario needs no scipy.stats (half a second to
        import); tests/test_scenario.py checks it bit for bit against scipy.
        """
        q = np.asarray(u, dtype=float)
        width = self.high - self.low
        c = np.asarray((self.mode - self.low) / width)
        with np.errstate(invalid="ignore"):
            x = np.where(q < c, np.sqrt(c * q), 1 - np.sqrt((1 - c) * (1 - q)))
        value = np.asarray(x * width + self.low, dtype=float)
        return np.where((q >= 0) & (q <= 1), value, np.nan)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Beta(_Dist):
    """Skewed belief on a bounded scale (shares, probabilities), rescaled to [low, high]."""

    dist: Literal["beta"]
    alpha: Number = Field(gt=0)
    beta: Number = Field(gt=0)
    low: Number = 0.0
    high: Number = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high, got low={self.low}, high={self.high}")
        return self._checked()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(_frozen(self).ppf(np.asarray(u, dtype=float)), dtype=float)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Discrete(_Dist):
    """Equally likely listed values: a grid of candidates, as ``dipsim sweep --vary`` steps through.

    The quantile function maps [0, 1) onto the values in equal slices, so the design point
    ``(k + 0.5) / n`` is exactly the k-th value, with no rounding on the way.
    """

    dist: Literal["discrete"]
    values: tuple[Number, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> Discrete:
        if any(b <= a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise ValueError(f"discrete needs strictly increasing values, got {list(self.values)}")
        return self._checked()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        q = np.asarray(u, dtype=float)
        index = np.clip(np.floor(q * len(self.values)), 0, len(self.values) - 1)
        with np.errstate(invalid="ignore"):
            value = np.asarray(self.values, dtype=float)[np.nan_to_num(index).astype(int)]
        return np.where((q >= 0) & (q <= 1), value, np.nan)

    @property
    def support(self) -> tuple[float, float]:
        return (self.values[0], self.values[-1])


@lru_cache(maxsize=4096)
def _frozen(dist: _Dist) -> Any:
    """scipy's frozen distribution for one of ours, built once per process.

    Building a frozen scipy distribution costs about a millisecond, and a sweep
    worker draws from the same few dozen distributions batch after batch;
    scipy.stats itself (half a second to import) is loaded only when first needed.
    """
    from scipy import stats

    if isinstance(dist, TruncNormal):
        a = (dist.low - dist.mean) / dist.sd
        b = (dist.high - dist.mean) / dist.sd
        return stats.truncnorm(a, b, loc=dist.mean, scale=dist.sd)
    if isinstance(dist, Beta):
        return stats.beta(dist.alpha, dist.beta, loc=dist.low, scale=dist.high - dist.low)
    raise TypeError(f"no scipy distribution for {type(dist).__name__}")


Distribution = Annotated[Uniform | TruncNormal | Triangular | Beta | Discrete, Field(discriminator="dist")]

# A parameter is either known (a number) or uncertain (a distribution).
Uncertain = float | Distribution


def central_value(value: float | _Dist) -> float:
    """The value a single, unsampled run uses."""
    return value.central if isinstance(value, _Dist) else float(value)


def support_of(value: float | _Dist) -> tuple[float, float]:
    """The smallest interval that holds every value the parameter can take."""
    if isinstance(value, _Dist):
        return value.support
    return (float(value), float(value))


def is_uncertain(value: float | _Dist) -> bool:
    return isinstance(value, _Dist)


def quantile(value: float | _Dist, u: np.ndarray) -> np.ndarray:
    """Map uniform points in [0, 1) to parameter values; a known number ignores them."""
    if isinstance(value, _Dist):
        return value.ppf(u)
    return np.full(np.shape(u), float(value))
