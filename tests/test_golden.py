"""A small seeded run of the default scenario, compared with its stored log.

Any change to the engine that alters behaviour shows up here as a diff. When the
change is intended, regenerate with ``DIPSIM_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the CSV diff in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.runner import RunSettings, run_scenario
from sim.scenario import load_scenario
from tests.conftest import DEFAULT_SCENARIO

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = RunSettings(seed=2026, replicates=3, sample=True)


def _as_csv(table) -> str:
    # 10 significant digits: exact for our purposes, and immune to last-bit differences across BLAS builds
    return table.to_pandas().to_csv(index=False, float_format="%.10g", lineterminator="\n")


@pytest.mark.parametrize("name", ["rounds", "texts", "events", "outcomes", "samples"])
def test_golden_log(name):
    tables, _ = run_scenario(load_scenario(DEFAULT_SCENARIO), SETTINGS)
    produced = _as_csv(getattr(tables, name))
    path = GOLDEN / f"iran_talks_seed{SETTINGS.seed}_r{SETTINGS.replicates}_{name}.csv"
    if os.environ.get("DIPSIM_UPDATE_GOLDEN"):
        path.write_text(produced)
    assert path.exists(), f"missing golden file {path}; run with DIPSIM_UPDATE_GOLDEN=1"
    assert produced == path.read_text()
