"""How much of an output's variance across a sweep is replicate noise, and how many replicates would do.

A sweep runs every design point x R times with different random streams, and sensitivity analysis
reads each point's mean Y_i = f(x_i) + e_i, where f(x) = E[Y | x] is what the inputs decide and e_i
is the mean of R replicate deviations. With sigma_w^2 the variance of one replicate around its
point's mean and sigma_b^2 = Var(f(X)) the variance the inputs cause,

    Var(Y_i) = sigma_b^2 + sigma_w^2 / R,   noise share s = (sigma_w^2 / R) / (sigma_b^2 + sigma_w^2 / R).

Why s matters: noise is independent of the inputs, so Jansen's total-order estimator (Saltelli et al.
2010, Comput. Phys. Commun. 181, Table 2; the one SALib uses) measures E[(Y_A - Y_AB)^2] / (2 Var Y), which
gains 2 sigma_w^2 / R from the two independent noise terms: its expectation is ST_j (1 - s) + s. An
input with no effect reads ST = s, and at s near 1 every input reads ST near 1 -- the symptom of a
Sobol sweep at one replicate. First-order indices (and RBD-FAST's) shrink to S1_j (1 - s) and drown
in their own estimation error; Morris' mu* gains a floor of E|e - e'| / Delta for every input.

The estimate of sigma_w^2 and sigma_b^2 is a one-way random-effects ANOVA (Searle, Casella &
McCulloch 1992, Variance Components, chapter 3): with n points of R replicates,

    MSW = sum_ij (y_ij - ybar_i)^2 / (n (R - 1))  estimates sigma_w^2,
    MSB = R sum_i (ybar_i - ybar)^2 / (n - 1)     has expectation sigma_w^2 + R sigma_b^2,

so sigma_b^2 = max(0, (MSB - MSW) / R). With R = 1 the sweep cannot separate the two; then a noise
probe (sim.experiments.noise_probe) re-runs a random subset of its design points several times,
MSW comes from the probe, and sigma_b^2 = max(0, Var(Y) - MSW) from the sweep's own variance.

The warning fires when s exceeds a tolerance t (default 0.05: the spurious total-order index every
inert input shows stays below 0.05, a level at which an index is usually read as negligible), and the
replicates that bring s to t solve sigma_w^2 / R = t / (1 - t) sigma_b^2:

    R >= sigma_w^2 (1 - t) / (t sigma_b^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOISE_TOLERANCE = 0.05


@dataclass(frozen=True)
class NoiseEstimate:
    """Variance components of one output, and what the sweep's replicates make of them."""

    output: str
    within: float  # sigma_w^2: one replicate's variance around its design point's mean
    between: float  # sigma_b^2: variance of the design points' true means, caused by the inputs
    replicates: int  # R: replicates per design point in the sweep analysed
    source: str  # "anova" (the sweep's own replicates) or "probe" (a re-run, sim.experiments.noise_probe)
    degrees: int  # degrees of freedom behind `within`
    between_se: float = float("nan")  # standard error of `between` (normal-theory or empirical, see below)

    @property
    def noise(self) -> float:
        """Variance of a design point's mean that is noise: sigma_w^2 / R."""
        return self.within / self.replicates

    @property
    def share(self) -> float:
        """s: the noise's share of the variance the analysis reads (NaN for a constant output)."""
        total = self.noise + self.between
        return self.noise / total if total > 0 else float("nan")

    def needed(self, tolerance: float = NOISE_TOLERANCE, between: float | None = None) -> float:
        """Replicates per point that bring the share to ``tolerance``; inf if the inputs move nothing."""
        between = self.between if between is None else between
        if self.within == 0:
            return 1.0
        if between <= 0:
            return math.inf
        return float(max(1, math.ceil(self.within * (1 - tolerance) / (tolerance * between) - 1e-9)))

    def needed_range(self, tolerance: float = NOISE_TOLERANCE) -> tuple[float, float]:
        """The replicates needed at sigma_b^2 plus and minus two standard errors."""
        if not math.isfinite(self.between_se):
            return (math.nan, math.nan)
        spread = 2 * self.between_se
        return self.needed(tolerance, self.between + spread), self.needed(tolerance, self.between - spread)

    def dominates(self, tolerance: float = NOISE_TOLERANCE) -> bool:
        return bool(self.share > tolerance)


def anova(output: str, values: np.ndarray) -> NoiseEstimate:
    """Variance components from an [n points, R replicates] array of one output (R >= 2, n >= 2).

    The standard error of sigma_b^2 is the normal-theory one (Searle et al. 1992, chapter 3):
    Var(MSB) = 2 E[MSB]^2 / (n - 1), Var(MSW) = 2 sigma_w^4 / (n (R - 1)), independent, so
    SE(sigma_b^2) = sqrt(Var(MSB) + Var(MSW)) / R with the estimates plugged in.
    """
    values = np.asarray(values, dtype=float)
    n, replicates = values.shape
    if n < 2 or replicates < 2:
        raise ValueError(f"an ANOVA needs at least 2 points of 2 replicates, got {n} x {replicates}")
    means = values.mean(axis=1)
    degrees = n * (replicates - 1)
    within = float(((values - means[:, None]) ** 2).sum() / degrees)
    between_mean_square = float(replicates * ((means - means.mean()) ** 2).sum() / (n - 1))
    between = max(0.0, (between_mean_square - within) / replicates)
    se = math.sqrt(2 * between_mean_square**2 / (n - 1) + 2 * within**2 / degrees) / replicates
    return NoiseEstimate(output, within, between, replicates, "anova", degrees, se)


def from_probe(output: str, sweep_values: np.ndarray, probe_values: np.ndarray) -> NoiseEstimate:
    """Components for a one-replicate sweep: sigma_w^2 from the probe, the rest of Var(Y) from the sweep.

    ``sweep_values``: one value per design point of the sweep; ``probe_values``: [m points, K replicates].
    sigma_b^2 = Var(Y) - sigma_w^2 is a difference of two estimates, so its standard error adds
    theirs, both read from the data rather than from a normal model (a 0/1 output is far from
    normal): SE(sigma_w^2) = sd of the m per-point variances / sqrt(m), and SE(Var(Y))^2 =
    (m4 - s^4 (n - 3) / (n - 1)) / n for n points with fourth central moment m4 (Cramer 1946, chapter 27).
    """
    probe_values = np.asarray(probe_values, dtype=float)
    probed = anova(output, probe_values)
    per_point = probe_values.var(axis=1, ddof=1)
    within_se = float(per_point.std(ddof=1) / math.sqrt(len(per_point)))
    sweep_values = np.asarray(sweep_values, dtype=float)
    n, total = len(sweep_values), float(np.var(sweep_values, ddof=1))
    fourth = float(np.mean((sweep_values - sweep_values.mean()) ** 4))
    total_se = math.sqrt(max(0.0, (fourth - total**2 * (n - 3) / (n - 1)) / n))
    between = max(0.0, total - probed.within)
    se = math.sqrt(within_se**2 + total_se**2)
    return NoiseEstimate(output, probed.within, between, 1, "probe", probed.degrees, se)


def noise_lines(estimates: list[NoiseEstimate], labels: dict[str, str], tolerance: float) -> list[str]:
    """A warning naming each output whose indices mostly measure replicate noise, and what would fix it."""
    loud = [e for e in estimates if e.dominates(tolerance)]
    if not loud:
        measured = [e for e in estimates if not math.isnan(e.share)]
        if not measured:
            return ["Replicate noise: every output is constant across the sweep."]
        worst = max(measured, key=lambda e: e.share)
        return [
            f"Replicate noise is under {tolerance:.0%} of the variance analysed for every output (at most "
            f"{worst.share:.1%}, {labels[worst.output]}, at {worst.replicates} replicate"
            f"{'s' if worst.replicates > 1 else ''} per point)."
        ]
    lines = [
        f"WARNING: replicate noise exceeds {tolerance:.0%} of the variance analysed for {len(loud)} of "
        f"{len(estimates)} outputs: every input's total-order index (and Morris mu*) gains about that share, "
        "every first-order index loses it, so their rankings there are mostly noise (docs/sensitivity.md):"
    ]
    for estimate in loud:
        lines.append(
            f"  {labels[estimate.output]}: noise {estimate.share:.0%} of the variance at "
            f"{estimate.replicates} replicate{'s' if estimate.replicates > 1 else ''} per point "
            f"(replicate variance {estimate.within:.3g}; between points {estimate.between:.3g} +/- "
            f"{estimate.between_se:.2g}; {_source(estimate)}); {_fix(estimate, tolerance)}"
        )
    return lines


def _fix(estimate: NoiseEstimate, tolerance: float) -> str:
    needed = estimate.needed(tolerance)
    if math.isinf(needed):
        return "no number of replicates helps: the inputs move it less than the noise can show"
    low, high = estimate.needed_range(tolerance)
    spread = ""
    if math.isfinite(low):
        spread = (
            f" ({low:,.0f} to {'unbounded' if math.isinf(high) else f'{high:,.0f}'} within 2 standard errors)"
        )
    return f"about {needed:,.0f} replicates per design point would bring it to {tolerance:.0%}{spread}"


def _source(estimate: NoiseEstimate) -> str:
    if estimate.source == "probe":
        return f"replicate variance from a noise probe, {estimate.degrees} degrees of freedom"
    return f"one-way ANOVA of the sweep's replicates, {estimate.degrees} degrees of freedom"
