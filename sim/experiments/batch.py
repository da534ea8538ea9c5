"""The one entry point that runs a batch: R replicates of a scenario as one vectorised model.

``dipsim run``, every batch of a sweep, every protocol of a side-by-side run and
every case of a backtest come through :func:`run_batch`, with one seed scheme:

    SeedSequence(seed).spawn(2) -> [inputs, dynamics]

The *inputs* stream chooses the uncertain parameters' unit points (Monte Carlo
draws for a run with ``--sample``; the design for a sweep). The *dynamics*
stream drives the negotiation: a run is one batch and uses it directly; a
sweep's batch i uses ``dynamics.spawn(n_batches)[i]``, drawn in the parent
before any work is dispatched. Switching sampling on or off therefore leaves
the negotiation's own draws where they were.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.draws import ParameterDraw
from sim.engine.log import RunTables
from sim.protocols import build_model
from sim.scenario.parameters import uncertain_keys
from sim.scenario.schema import Scenario

SEED_SCHEME = "SeedSequence(seed).spawn(2) -> [inputs, dynamics]"


def split_seed(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """The inputs stream and the dynamics stream of a root seed."""
    inputs, dynamics = np.random.SeedSequence(seed).spawn(2)
    return inputs, dynamics


@dataclass(frozen=True)
class BatchOutput:
    tables: RunTables
    draw: ParameterDraw  # every parameter's per-replicate value, and which were sampled
    seconds: float  # wall time of the engine


def run_batch(
    scenario: Scenario,
    *,
    replicates: int,
    seed: int | np.random.SeedSequence,
    unit_points: np.ndarray | None = None,
    record: bool = True,
) -> BatchOutput:
    """Run one batch to the end of its calendar and return its logged tables; the model is released."""
    clock = time.perf_counter()
    model = build_model(scenario, replicates=replicates, seed=seed, unit_points=unit_points, record=record)
    tables, draw = model.run(), model.draw
    model.release()
    return BatchOutput(tables, draw, time.perf_counter() - clock)


def sampled_points(
    scenario: Scenario,
    replicates: int,
    inputs: np.random.SeedSequence,
    drawn: Sequence[str] = (),
) -> np.ndarray:
    """A run's unit points with ``--sample``: independent uniform draws from the inputs stream.

    ``drawn`` lists the parameters a column is drawn for, in order: the file's uncertain parameters
    (``LoadedScenario.file_uncertain``). A parameter fixed by ``--set`` or an explorer slider keeps
    its column, which is drawn and not used, so every other parameter's draws stay where they were:
    fixing one input changes that input only (common random numbers). With nothing fixed the columns
    are exactly the scenario's uncertain parameters, drawn as they always were.
    """
    keys = [str(key) for key in uncertain_keys(scenario)]
    order = [*drawn, *(key for key in keys if key not in drawn)]
    points = np.random.default_rng(inputs).random((replicates, len(order)))
    column = {key: n for n, key in enumerate(order)}
    return points[:, [column[key] for key in keys]]
