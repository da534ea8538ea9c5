"""Scenario discovery with PRIM: the ranges of the sampled inputs where an outcome concentrates.

PRIM, the patient rule induction method (Friedman & Fisher 1999, Statistics and Computing 9(2)),
starts from the box holding every run and peels, one small slice at a time (5 % of the runs in the
box), the slice of one input's range whose removal raises the share of runs ending in the outcome
most; then it pastes back what raises it further. Each box along this peeling trajectory trades
*coverage* (the share of all the outcome's runs that fall in the box) against *density* (the
share of the box's runs that end in the outcome). The peeling itself is EMA Workbench's
(``ema_workbench.analysis.prim``, Kwakkel 2017); docs/sensitivity.md says why that library.

Scenario discovery (Bryant & Lempert 2010, Technological Forecasting & Social Change 77(1)) reads
such a box as a sentence, and what is added here keeps the sentence honest:

* **choosing the box**: the design points are split in two halves at random; PRIM peels on one,
  and the box kept is the one whose density, measured on the held-out half, has the highest lower
  95 % Wilson bound (Wilson 1927): a tiny box fitted to chance does not survive new runs, and a
  bound rather than the density itself refuses to trust a handful of runs;
* **which restrictions to state**: each limit of the chosen box gets Bryant & Lempert's
  quasi-p-value on the held-out runs, the one-sided binomial probability of at least the box's
  hits among its runs if the outcome had the density of the box without that limit; limits are
  dropped one at a time, the least significant first, until every one left has a quasi-p-value
  under 0.05;
* **covering** (Friedman & Fisher's covering approach): the runs in a box found are set aside
  and PRIM looks again in the rest, for up to ``max_boxes`` boxes, stopping when the next box's
  held-out lower bound no longer exceeds the base rate.

Runs, not design points, are counted: a design point with R replicates weighs R. PRIM peels the
design points, each with the share of its runs that ended in the outcome; every point of a folder
has the same number of runs, so a box's mean share is its share of runs and a quantile of the
points is one of the runs, and the search is R times cheaper than over the runs themselves
(box_statistics counts runs and hits per point). The reported coverage and density are measured on
all runs (both halves); the held-out density beside them is the check.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.experiments.box_statistics import count, inside, prune, screen, wilson_low
from sim.experiments.outputs import folder_outputs, replicate_values
from sim.scenario.labels import parameter_label, parameter_unit
from sim.scenario.outputs import OUTCOME_CLASSES, OutputSpec
from sim.store.results import Results
from sim.terminal import number

PEEL_ALPHA = 0.05  # Friedman & Fisher's alpha: the share of the box's runs a peel removes
MASS_MIN = 0.05  # the smallest box, as a share of the runs
MAX_BOXES = 3


@dataclass(frozen=True)
class Restriction:
    """One input's limits in a box, as read back to a user."""

    parameter: str
    label: str
    low: float  # the box's lower limit (the input's smallest sampled value if only the top is cut)
    high: float
    full_low: float  # the input's sampled range
    full_high: float
    quasi_p: float  # the largest quasi-p-value of the limits stated (a lower and/or an upper one)
    unit: str = ""

    @property
    def cuts_low(self) -> bool:
        return self.low > self.full_low

    @property
    def cuts_high(self) -> bool:
        return self.high < self.full_high

    def phrase(self) -> str:
        """'Israel: red-line probability (enrichment) at least 0.404': the limits a reader needs."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.cuts_low and self.cuts_high:
            return f"{self.label} between {number(self.low)} and {number(self.high)}{unit}"
        if self.cuts_low:
            return f"{self.label} at least {number(self.low)}{unit}"
        return f"{self.label} at most {number(self.high)}{unit}"


@dataclass(frozen=True)
class Box:
    """A box of input ranges, and how the outcome fares in it."""

    coverage: float  # of all the outcome's runs
    density: float  # of the box's runs (those not in an earlier box)
    runs: int
    hits: int
    mass: float  # of all runs
    held_out_density: float
    held_out_runs: int
    restrictions: tuple[Restriction, ...]
    dropped: tuple[str, ...] = ()  # limits PRIM drew that were not significant
    rate_left: float = float("nan")  # the outcome's share among the runs no earlier box holds


@dataclass(frozen=True)
class Trajectory:
    """One PRIM search: each box's coverage and density while peeling, and on the held-out half."""

    coverage: np.ndarray
    density: np.ndarray
    held_out_density: np.ndarray
    restricted: np.ndarray  # inputs restricted at each step
    chosen: int


@dataclass
class Discovery:
    """What PRIM found for one outcome: its base rate, and the boxes in the order they were found."""

    outcome: str
    label: str  # "escalation", or "Uranium enrichment cap ... above 3.67"
    base_rate: float
    runs: int
    hits: int
    boxes: list[Box] = field(default_factory=list)
    trajectories: list[Trajectory] = field(default_factory=list)
    seed: str = ""
    stopped: str = ""  # why the covering stopped, when it did before max_boxes


def target(results: Results, name: str, above: float | None = None, below: float | None = None) -> OutputSpec:
    """What ``--outcome NAME`` means: an outcome class, or a declared output (a term needs a threshold)."""
    specs = folder_outputs(results)
    by_name = {spec.name: spec for spec in specs}
    if name in OUTCOME_CLASSES:
        spec = OutputSpec(name, name, outcome=name)
    elif name in by_name:
        spec = by_name[name]
    else:
        raise UsageError(
            f"unknown outcome {name!r}; give an outcome class ({', '.join(OUTCOME_CLASSES)}) or one of this "
            f"sweep's outputs ({', '.join(by_name)})"
        )
    if spec.is_share and (above is not None or below is not None):
        raise UsageError(
            f"{name} is an outcome class: a run ends that way or not, so it takes no --above/--below"
        )
    if not spec.is_share and (above is None) == (below is None):
        raise UsageError(
            f"{name} is an issue's term: say which runs count with exactly one of --above or --below"
        )
    return spec


def discover(
    results: Results,
    spec: OutputSpec,
    above: float | None = None,
    below: float | None = None,
    max_boxes: int = MAX_BOXES,
) -> Discovery:
    """PRIM boxes for the runs in which ``spec`` holds (ends in its class, or its term crosses the bound)."""
    x, trials, hits = _points(results, spec, above, below)
    if not x.shape[1]:
        raise UsageError(f"{results.path} varies no input: there is nothing to discover")
    label = spec.outcome or f"{spec.label} " + (
        f"above {above:g}" if above is not None else f"below {below:g}"
    )
    resolved = results.manifest["scenario"]["resolved"]
    seed = (
        int(results.manifest["sweep"]["seed"]) if results.kind == "sweep" else int(results.manifest["seed"])
    )
    return discover_points(x, trials, hits, seed, resolved, spec.outcome or spec.name, label, max_boxes)


def discover_runs(
    x: pd.DataFrame,
    y: np.ndarray,
    points: np.ndarray,
    seed: int,
    resolved: dict,
    outcome: str,
    label: str,
    max_boxes: int = MAX_BOXES,
) -> Discovery:
    """PRIM with covering on runs: inputs ``x`` (one row per run), 0/1 ``y``, each run's design point.

    The runs of one design point share its inputs; they are counted per point (discover_points).
    """
    y = np.asarray(y, dtype=int)
    order = np.unique(points, return_index=True, return_inverse=True)
    _, first, which = order
    trials = np.bincount(which).astype(np.int64)
    hits = np.bincount(which, weights=y).astype(np.int64)
    inputs = x.iloc[first].reset_index(drop=True)
    return discover_points(inputs, trials, hits, seed, resolved, outcome, label, max_boxes)


def discover_points(
    x: pd.DataFrame,
    trials: np.ndarray,
    hits: np.ndarray,
    seed: int,
    resolved: dict,
    outcome: str,
    label: str,
    max_boxes: int = MAX_BOXES,
) -> Discovery:
    """PRIM with covering on design points: inputs ``x`` (one row per point), each point's runs
    (``trials``) and how many of them ended in the outcome (``hits``).

    The held-out half is half of the design points, drawn from ``SeedSequence(seed).spawn(4)[3]``
    (the sweep's inputs and dynamics streams are its children 0 and 1, the noise probe's child 2).
    """
    runs, total = int(trials.sum()), int(hits.sum())
    found = Discovery(outcome, label, total / runs, runs, total)
    if total in (0, runs):
        return found
    split = np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3])
    held = np.zeros(len(trials), dtype=bool)
    held[split.permutation(len(trials))[: len(trials) // 2]] = True
    found.seed = f"held-out half of the design points drawn from SeedSequence({seed}).spawn(4)[3]"
    remaining = np.ones(len(trials), dtype=bool)
    counts = (np.asarray(trials, dtype=np.int64), np.asarray(hits, dtype=np.int64))
    for _ in range(max_boxes):
        result = _one_box(x, counts, remaining, held, found, resolved)
        if isinstance(result, str):
            found.stopped = result
            break
        box, trajectory, within = result
        found.boxes.append(box)
        found.trajectories.append(trajectory)
        remaining &= ~within
    return found


def _points(
    results: Results, spec: OutputSpec, above: float | None, below: float | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Inputs per design point (the sampled ones that vary), its runs, and how many ended in the outcome."""
    key = "sample" if results.kind == "sweep" else "replicate"  # what drew its own inputs
    outcomes = results.table("outcomes", columns=[key, "outcome", *([spec.issue] if spec.issue else [])])
    samples = results.table("samples").set_index(key).sort_index()
    varying = [c for c in samples.columns if samples[c].nunique() > 1]
    value = replicate_values(outcomes, [spec])[spec.name].to_numpy()
    if spec.is_share:
        y = value == 1
    elif above is not None:
        y = value > above
    else:
        y = value < below
    point = outcomes[key].to_numpy()
    index = samples.index.get_indexer(point)
    trials = np.bincount(index, minlength=len(samples)).astype(np.int64)
    hits = np.bincount(index, weights=y.astype(float), minlength=len(samples)).astype(np.int64)
    ran = trials > 0  # a partial sweep's unfinished points ran nothing
    return samples.loc[ran, varying].reset_index(drop=True).astype(float), trials[ran], hits[ran]


def _one_box(
    x: pd.DataFrame,
    counts: tuple[np.ndarray, np.ndarray],
    remaining: np.ndarray,
    held: np.ndarray,
    found: Discovery,
    resolved: dict,
) -> tuple[Box, Trajectory, np.ndarray] | str:
    """Screen and peel on the remaining training points, choose and prune on the held-out ones.

    Nothing is found when no input passes the screen, or the box left after pruning does
    not beat the base rate on the held-out runs by its Wilson lower bound; then it says why.
    """
    trials, hits = counts
    train, test = remaining & ~held, remaining & held
    if hits[train].sum() == 0 or hits[test].sum() == 0:
        return f"the runs left hold no {found.label} in one of the two halves"
    screened = screen(x[train], trials[train], hits[train])
    if not screened:
        return (
            f"in the runs left, no input's association with {found.label} passes the screen (a chi-square "
            "test over its deciles, Bonferroni-corrected)"
        )
    share = hits[train] / trials[train]
    limits = _peel(x.loc[train, screened].reset_index(drop=True), share, list(x.columns))
    values = x.to_numpy()
    held_out = values[test], trials[test], hits[test]
    held_runs = np.array([count(*held_out, *box) for box in limits])
    bounds = np.where(held_runs[:, 0] > 0, wilson_low(held_runs[:, 1], np.maximum(held_runs[:, 0], 1)), 0.0)
    chosen = int(np.argmax(bounds))
    full = values[remaining].min(axis=0), values[remaining].max(axis=0)
    labels = [parameter_label(name, resolved) for name in x.columns]
    pruned = prune(*held_out, limits[chosen], full, labels)
    test_n, test_k = count(*held_out, pruned.low, pruned.high)
    # The null of a covering step is the runs it searches: those no earlier box holds.
    rate_left = hits[remaining].sum() / trials[remaining].sum()
    if not pruned.quasi_p or test_n == 0 or wilson_low(test_k, test_n) <= rate_left:
        return (
            "PRIM's best box in the runs left does not beat their base rate on held-out runs "
            "(by the lower end of a 95% Wilson interval, with only its significant limits)"
        )
    within = remaining & inside(values, pruned.low, pruned.high)
    n, k = int(trials[within].sum()), int(hits[within].sum())
    restrictions = tuple(
        Restriction(
            name,
            labels[j],
            float(pruned.low[j]),
            float(pruned.high[j]),
            float(full[0][j]),
            float(full[1][j]),
            pruned.quasi_p[j],
            _unit(name, resolved),
        )
        for j, name in enumerate(x.columns)
        if j in pruned.quasi_p
    )
    box = Box(
        k / found.hits,
        k / n,
        n,
        k,
        n / found.runs,
        test_k / test_n,
        test_n,
        restrictions,
        pruned.dropped,
        float(rate_left),
    )
    train_runs = np.array([count(values[train], trials[train], hits[train], *lims) for lims in limits])
    trajectory = Trajectory(
        coverage=train_runs[:, 1] / max(1, int(hits[train].sum())),
        density=train_runs[:, 1] / np.maximum(train_runs[:, 0], 1),
        held_out_density=np.where(
            held_runs[:, 0] > 0, held_runs[:, 1] / np.maximum(held_runs[:, 0], 1), np.nan
        ),
        restricted=np.array([int(((lo > full[0]) | (hi < full[1])).sum()) for lo, hi in limits]),
        chosen=chosen,
    )
    return box, trajectory, within


def _peel(x: pd.DataFrame, share: np.ndarray, columns: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """EMA Workbench's PRIM on these design points, each with its share of runs in the outcome: every box
    of its peeling and pasting trajectory, as limits on ``columns`` (those x lacks are unlimited).

    A share is no 0/1 label, so PRIM runs in its regression mode, whose peeling maximises the same
    mean; with one run per point the shares are 0/1 and the two modes peel alike.
    """
    with warnings.catch_warnings():  # its import names optional extras, and it uses pandas' inplace
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        search = prim.Prim(
            x,
            share,
            threshold=0.0,
            peel_alpha=PEEL_ALPHA,
            paste_alpha=PEEL_ALPHA,
            mass_min=MASS_MIN,
            mode=RuleInductionType.REGRESSION,
        )
        box = search.find_box()
    used = list(x.columns)
    where = [columns.index(name) for name in used]
    first_low, first_high = (box.box_lims[0].loc[row, used].to_numpy(float) for row in (0, 1))
    limits = []
    for lims in box.box_lims:  # a side PRIM never cut is no limit, even where held-out runs lie beyond it
        low, high = np.full(len(columns), -np.inf), np.full(len(columns), np.inf)
        cut_low, cut_high = lims.loc[0, used].to_numpy(float), lims.loc[1, used].to_numpy(float)
        low[where] = np.where(cut_low > first_low, cut_low, -np.inf)
        high[where] = np.where(cut_high < first_high, cut_high, np.inf)
        limits.append((low, high))
    return limits


def _unit(key: str, resolved: dict) -> str:
    """An input's unit in a sentence, unless it is a bare 0-1 scale that adds nothing to the number."""
    unit = parameter_unit(key, resolved)
    return "" if "0-1" in unit or unit in ("hazard ratio", "protocol setting") else unit


def sentences(found: Discovery, numbered: bool = True) -> list[str]:
    """Each box as a sentence: 'escalation in 61% of runs (base rate 47%), covering 30% of ... when ...'."""
    if not found.boxes:
        return [
            f"No box of inputs concentrates {found.label} beyond its base rate of {found.base_rate:.0%} "
            f"({found.hits:,} of {found.runs:,} runs) on held-out runs."
        ]
    lines = []
    runs = f"{found.label} runs" if found.outcome in OUTCOME_CLASSES else "such runs"
    for rank, box in enumerate(found.boxes, start=1):
        where, base = (
            ("runs", f"base rate {found.base_rate:.0%}")
            if rank == 1
            else ("the runs no earlier box holds", f"{box.rate_left:.0%} of those runs")
        )
        when = " and ".join(r.phrase() for r in box.restrictions)
        lines.append(
            f"{f'{rank}. ' if numbered else ''}{found.label} in {box.density:.0%} of {where} "
            f"({base}), covering {box.coverage:.0%} of {runs}, when {when}."
        )
    return lines


def discovery_json(found: Discovery) -> dict:
    return {
        "outcome": found.outcome,
        "label": found.label,
        "base_rate": found.base_rate,
        "runs": found.runs,
        "hits": found.hits,
        "selection": found.seed,
        "boxes": [
            {
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "runs": box.runs,
                "hits": box.hits,
                "held_out": {"density": box.held_out_density, "runs": box.held_out_runs},
                "restrictions": [
                    {
                        "parameter": r.parameter,
                        "label": r.label,
                        "low": r.low,
                        "high": r.high,
                        "full_range": [r.full_low, r.full_high],
                        "quasi_p": r.quasi_p,
                    }
                    for r in box.restrictions
                ],
                "dropped_as_not_significant": list(box.dropped),
                "base_rate_of_runs_searched": box.rate_left,
            }
            for box in found.boxes
        ],
    }
