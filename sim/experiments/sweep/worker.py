"""The unit of work a sweep sends to an executor: one batch through the vectorized engine.

Workers receive everything they need (the frozen scenario, the batch's design
points and its seed) and return Arrow tables; they never touch the sweep
folder, so they need no shared filesystem with the client.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.engine.draws import ParameterDraw
from sim.experiments.batch import run_batch
from sim.experiments.sweep.plan import Batch
from sim.scenario import Scenario


@dataclass(frozen=True)
class BatchTask:
    scenario: Scenario
    batch: Batch
    points: np.ndarray  # [batch samples, D]
    replicates: int
    full_log: bool


@dataclass(frozen=True)
class BatchResult:
    index: int
    tables: dict[str, pa.Table]
    replicates: int
    seconds: float


def run_task(task: BatchTask) -> BatchResult:
    """Run samples x replicates of the batch as one vectorized model (sample-major rows)."""
    replicates = task.replicates
    unit_points = np.repeat(task.points, replicates, axis=0)
    output = run_batch(
        task.scenario,
        replicates=len(unit_points),
        seed=task.batch.seed,
        unit_points=unit_points,
        record=task.full_log,
    )
    produced = output.tables
    tables = {"outcomes": produced.outcomes, "events": produced.events}
    if task.full_log:
        tables |= {"rounds": produced.rounds, "texts": produced.texts}
    tables = {name: _label_rows(table, task.batch.first_sample, replicates) for name, table in tables.items()}
    tables["samples"] = _samples_table(output.draw, task.batch, replicates)
    return BatchResult(task.batch.index, tables, len(unit_points), output.seconds)


def _label_rows(table: pa.Table, first_sample: int, replicates: int) -> pa.Table:
    """Replace the batch-local row index with (sample, replicate) ids that mean the same in every batch."""
    row = table.column("replicate").to_numpy()
    sample = (first_sample + row // replicates).astype(np.int32)
    within = (row % replicates).astype(np.int32)
    table = table.drop_columns(["replicate"])
    return table.add_column(0, "replicate", pa.array(within)).add_column(0, "sample", pa.array(sample))


def _samples_table(draw: ParameterDraw, batch: Batch, replicates: int) -> pa.Table:
    """One row per design point: its id and the parameter values it drew (in the parameters' units)."""
    first_rows = np.arange(batch.samples) * replicates
    columns = {"sample": pa.array(np.arange(batch.first_sample, batch.stop_sample, dtype=np.int32))}
    for key in draw.sampled:
        columns[str(key)] = pa.array(draw[key][first_rows])
    return pa.table(columns)
