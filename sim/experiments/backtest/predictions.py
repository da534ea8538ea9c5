"""What each predictor says about a case: the protocols, read from their run folders, and naive baselines.

A prediction has two parts, either of which may be missing:
- **outcome classes**: the share of replicates ending in a deal, a breakdown,
  an escalation or a stalemate. A forecasting protocol's ``forecast`` counts as
  a deal: it predicts the decision the group reaches.
- **terms**: per issue, the value that holds at the end of each replicate (the
  terms of a deal or forecast, else the status quo: talks that fail change
  nothing).

The protocols are read back from their run folders, never from a live model.
The naive baselines need no simulation; they are computed per replicate from the
inputs the runs drew (the ``samples`` table, central values elsewhere), so under
``--sample`` they get a spread too:
- ``status_quo``: nothing changes;
- ``strongest_actor``: the position of the actor with the largest capability;
- ``opening_mean`` and ``opening_median``: the capability x salience weighted mean and
  median of the actors' opening positions (Achen 2006's tough baselines;
  sim.solvers.forecasting). The ``compromise`` and ``weighted_median`` protocols
  compute the same on the positions as the talks move them, with events;
- ``uniform``: every outcome class equally likely;
- ``base_rate``: the classes in the proportions of the *other* cases of the set
  (leave-one-out, so a case's own outcome never informs its forecast).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from sim.engine.outcomes import SETTLED
from sim.experiments.backtest.cases import OUTCOME_CLASSES, Case
from sim.scenario.distributions import quantile
from sim.scenario.keys import ParameterKey
from sim.scenario.parameters import parameter_specs
from sim.solvers.forecasting import weighted_mean, weighted_median
from sim.store.results import Results

TERM_BASELINES = ("status_quo", "strongest_actor", "opening_mean", "opening_median")
CLASS_BASELINES = ("uniform", "base_rate")
BASELINES = (*TERM_BASELINES, *CLASS_BASELINES)


@dataclass(frozen=True)
class Prediction:
    """One predictor's forecast of one case."""

    predictor: str
    kind: str  # protocol | baseline
    counts: dict[str, float] | None  # outcome class -> replicates (or pseudo-counts) predicting it
    terms: dict[str, np.ndarray] | None  # issue -> value held at the end, per replicate (issue units)
    settled_share: float = float("nan")  # share of replicates with terms of their own (deal or forecast)

    @property
    def shares(self) -> dict[str, float] | None:
        if self.counts is None:
            return None
        total = sum(self.counts.values())
        return {label: self.counts[label] / total for label in OUTCOME_CLASSES}


def protocol_prediction(name: str, run: Results) -> Prediction:
    """A protocol's forecast of a case, from its run folder's outcomes table."""
    outcomes = run.table("outcomes")
    labels = outcomes.outcome.astype(str).replace({"forecast": "deal"})
    counts = {label: float((labels == label).sum()) for label in OUTCOME_CLASSES}
    settled = outcomes.outcome.isin(SETTLED).to_numpy()
    terms = {
        issue: np.where(settled, outcomes[issue].to_numpy(dtype=float), info["status_quo"])
        for issue, info in run.issues.items()
    }
    return Prediction(name, "protocol", counts, terms, float(settled.mean()))


def term_baselines(case: Case, run: Results) -> list[Prediction]:
    """The four naive forecasts of the terms, per replicate of the inputs the runs drew."""
    scenario = case.loaded.scenario
    values = drawn_values(case, run)
    replicates = len(next(iter(values.values())))
    found: dict[str, dict[str, np.ndarray]] = {name: {} for name in TERM_BASELINES}
    for issue_id, issue in scenario.issues.items():
        holders = [a for a, actor in scenario.actors.items() if issue_id in actor.stances]
        status_quo = np.full(replicates, float(issue.status_quo))
        if not holders:  # nobody cares: every baseline keeps the status quo
            for name in TERM_BASELINES:
                found[name][issue_id] = status_quo
            continue
        position = np.stack([values[_key(a, "stances", issue_id, "position")] for a in holders], axis=1)
        capability = np.stack([values[_key(a, "capability")] for a in holders], axis=1)
        salience = np.stack([values[_key(a, "stances", issue_id, "salience")] for a in holders], axis=1)
        weight = capability * salience
        strongest = np.argmax(capability, axis=1)  # ties: the first in the file
        found["status_quo"][issue_id] = status_quo
        found["strongest_actor"][issue_id] = position[np.arange(replicates), strongest]
        found["opening_mean"][issue_id] = weighted_mean(position, weight, status_quo)
        found["opening_median"][issue_id] = weighted_median(position, weight, status_quo)
    return [Prediction(name, "baseline", None, terms, 1.0) for name, terms in found.items()]


def class_baselines(case: Case, cases: list[Case]) -> list[Prediction]:
    """Uniform, and the leave-one-out base rate of the case set (pseudo-counts: one per other case)."""
    others = Counter(other.outcome for other in cases if other is not case)
    uniform = {label: 1.0 for label in OUTCOME_CLASSES}
    base_rate = {label: float(others[label]) for label in OUTCOME_CLASSES}
    if not others:  # a set of one case has no base rate but the uniform one
        base_rate = uniform
    return [
        Prediction("uniform", "baseline", uniform, None),
        Prediction("base_rate", "baseline", base_rate, None),
    ]


def drawn_values(case: Case, run: Results) -> dict[ParameterKey, np.ndarray]:
    """Every parameter's value per replicate: sampled ones from the run's samples table, the rest central."""
    replicates = run.replicates
    samples = run.table("samples").sort_values("replicate") if run.has("samples") else None
    values = {}
    for key, spec in parameter_specs(case.loaded.scenario).items():
        column = str(key)
        if samples is not None and column in samples.columns:
            values[key] = samples[column].to_numpy(dtype=float)
        else:
            values[key] = quantile(spec, np.full(replicates, 0.5))
    return values


def _key(*path: str) -> ParameterKey:
    return ParameterKey(("actors", *path))
