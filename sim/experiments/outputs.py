"""Declared outputs computed from an outcomes table: per replicate, then per design point.

The outputs themselves are declared in the scenario (sim.scenario.outputs) and read back from the
results folder's manifest, never from a live scenario file. A replicate's value is a 0/1 indicator
for an outcome class, or the issue's term in force (the settled term, else the status quo); a
design point's value combines its R replicates by the output's aggregate (mean by default, which
for an indicator is the share of replicates ending that way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.engine.outcomes import SETTLED
from sim.errors import UsageError
from sim.scenario.outputs import OutputSpec, outputs_of
from sim.store.results import Results


def folder_outputs(results: Results) -> tuple[OutputSpec, ...]:
    """The outputs the folder's scenario declares (or its defaults), from the manifest."""
    return outputs_of(results.manifest["scenario"]["resolved"])


def choose_outputs(known: Sequence[OutputSpec], names: Sequence[str] | None) -> list[OutputSpec]:
    """The outputs named (all of them if none is named); an unknown name is a UsageError listing them."""
    if not names:
        return list(known)
    by_name = {spec.name: spec for spec in known}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        listing = ", ".join(by_name)
        raise UsageError(f"unknown output {unknown[0]!r}; this sweep's outputs are: {listing}")
    return [by_name[name] for name in dict.fromkeys(names)]


def outcome_columns(specs: Sequence[OutputSpec]) -> list[str]:
    """The outcomes-table columns the outputs need, besides the ids."""
    issues = [spec.issue for spec in specs if spec.issue is not None]
    return ["outcome", *dict.fromkeys(issues)]


def replicate_values(outcomes: pd.DataFrame, specs: Sequence[OutputSpec]) -> pd.DataFrame:
    """One column per output, one row per replicate (the outcomes table's rows, in its order).

    An issue output takes the replicate's term where its terms were settled (a deal, or a forecast)
    and the issue's status quo everywhere else, so it is defined in every replicate.
    """
    outcome = outcomes["outcome"].astype(str)
    settled = outcome.isin(SETTLED).to_numpy()
    columns = {}
    for spec in specs:
        if spec.outcome is not None:
            columns[spec.name] = (outcome == spec.outcome).to_numpy(dtype=float)
        else:
            term = outcomes[spec.issue].to_numpy(dtype=float)
            in_force = np.where(settled & np.isfinite(term), term, spec.status_quo)
            columns[spec.name] = in_force.astype(float)
    return pd.DataFrame(columns, index=outcomes.index)


def point_values(
    keys: pd.Series | np.ndarray, values: pd.DataFrame, specs: Sequence[OutputSpec]
) -> pd.DataFrame:
    """Each design point's value of every output: its replicates combined by the output's aggregate.

    ``keys`` gives each replicate's design point; the result is indexed by design point, sorted.
    """
    grouped = values.groupby(np.asarray(keys), sort=True)
    table = pd.DataFrame(index=grouped.size().index)
    for spec in specs:
        column = grouped[spec.name]
        if spec.aggregate == "median":
            table[spec.name] = column.median()
        elif spec.aggregate == "std":
            table[spec.name] = column.std(ddof=1).fillna(0.0)  # one replicate: no spread to measure
        else:
            table[spec.name] = column.mean()
    return table


def sweep_replicates(results: Results, specs: Sequence[OutputSpec]) -> pd.DataFrame:
    """A sweep's replicate values: columns sample, replicate, then one per output, sorted by sample."""
    outcomes = results.table("outcomes", columns=["sample", "replicate", *outcome_columns(specs)])
    outcomes = outcomes.sort_values(["sample", "replicate"], kind="stable").reset_index(drop=True)
    values = replicate_values(outcomes, specs)
    return pd.concat([outcomes[["sample", "replicate"]], values], axis=1)
