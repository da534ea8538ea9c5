"""The same seed gives identical logs; different seeds differ where there is noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sim.experiments.run import RunSettings, run_scenario
from sim.protocols import build_model
from sim.scenario import load_scenario
from sim.store.run_folder import write_run
from tests.conftest import DEFAULT_SCENARIO

TABLE_NAMES = ("rounds", "texts", "events", "outcomes")


def same_table(first: pa.Table, second: pa.Table) -> None:
    """Equal tables, counting NaN as equal to NaN (Arrow's equals does not)."""
    pd.testing.assert_frame_equal(first.to_pandas(), second.to_pandas(), check_exact=True)


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEFAULT_SCENARIO)


def _tables(loaded, seed: int, replicates: int = 64, sample: bool = True):
    tables, _ = run_scenario(loaded, RunSettings(seed=seed, replicates=replicates, sample=sample))
    return tables


def test_same_seed_gives_byte_identical_parquet(loaded, tmp_path):
    for name in ("a", "b"):
        tables, manifest = run_scenario(loaded, RunSettings(seed=11, replicates=32, sample=True))
        write_run(tables, tmp_path / name, manifest)
    for table in (*TABLE_NAMES, "samples"):
        first = (tmp_path / "a" / f"{table}.parquet").read_bytes()
        assert first == (tmp_path / "b" / f"{table}.parquet").read_bytes(), table


def test_different_seeds_differ(loaded):
    first, second = _tables(loaded, 1), _tables(loaded, 2)
    assert not first.rounds.equals(second.rounds)
    assert not first.outcomes.equals(second.outcomes)


def test_noise_alone_makes_seeds_differ_at_central_values(loaded):
    """Without parameter sampling, the perception noise and random events still vary with the seed."""
    runs = [_tables(loaded, seed, replicates=16, sample=False) for seed in range(4)]
    perceived = [run.rounds.column("perceived").to_numpy(zero_copy_only=False) for run in runs]
    assert len({np.nansum(p).round(9) for p in perceived}) == 4


def test_without_noise_central_runs_do_not_depend_on_the_seed(loaded):
    quiet = loaded.scenario.model_copy(
        update={
            "protocol": loaded.scenario.protocol.model_copy(update={"noise": 0.0}),
            "events": {},
            "actors": {  # no chance left: only reject lines, and no outside option taken during the talks
                actor_id: actor.model_copy(
                    update={
                        "red_lines": tuple(line for line in actor.red_lines if line.action == "reject"),
                        "outside_option": None,
                    }
                )
                for actor_id, actor in loaded.scenario.actors.items()
            },
        }
    )
    outcomes = [build_model(quiet, replicates=3, seed=seed).run().outcomes for seed in (1, 2)]
    same_table(outcomes[0], outcomes[1])


def test_replicates_of_a_central_batch_differ_only_by_noise(loaded):
    """A batch is R copies of one scenario: every parameter equal in every replicate, yet the
    random draws (perception noise, events, red lines) give different courses and outcomes."""
    model = build_model(loaded.scenario, replicates=200, seed=5)
    assert model.draw.values and not model.draw.sampled
    for key, column in model.draw.values.items():
        assert np.all(column == column[0]), key
    outcomes = model.run().outcomes.to_pandas()
    assert outcomes.outcome.nunique() > 1
    rounds = model.tables().rounds.to_pandas()
    first = rounds[rounds.step == 1].groupby("replicate").perceived.sum()
    assert first.nunique() > 1  # the same first text, read through independent noise


def test_manifest_records_what_reproduces_the_run(loaded):
    _, manifest = run_scenario(loaded, RunSettings(seed=9, replicates=4, sample=True))
    assert manifest.seed == 9
    assert manifest.scenario.sha256 == loaded.sha256
    assert manifest.scenario.files == loaded.files
    assert manifest.uncertain_parameters
    assert {"mesa", "numpy", "pyarrow", "python"} <= set(manifest.versions)
