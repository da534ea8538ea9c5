"""A change detector, not an oracle: a small seeded run of the default scenario against its stored log.

The stored CSVs are the engine's own earlier output, so agreeing with them proves
nothing about correctness; the oracles are the hand-computed and published
values elsewhere in tests/. What this catches is *any* change of behaviour, as a
diff. When a change is intended, regenerate with
``DIPSIM_UPDATE_CHANGE_DETECTOR=1 pytest tests/test_change_detector.py`` and
review the CSV diff in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.experiments.run import RunSettings, run_scenario
from sim.scenario import load_scenario
from tests.conftest import DEFAULT_SCENARIO

STORED = Path(__file__).parent / "change_detector"
SETTINGS = RunSettings(seed=2026, replicates=3, sample=True)


def _as_csv(table) -> str:
    # 10 significant digits: exact for our purposes, and immune to last-bit differences across BLAS builds
    return table.to_pandas().to_csv(index=False, float_format="%.10g", lineterminator="\n")


@pytest.mark.parametrize("name", ["rounds", "texts", "events", "outcomes", "samples"])
def test_log_is_unchanged_since_it_was_stored(name):
    tables, _ = run_scenario(load_scenario(DEFAULT_SCENARIO), SETTINGS)
    produced = _as_csv(getattr(tables, name))
    path = STORED / f"iran_talks_seed{SETTINGS.seed}_r{SETTINGS.replicates}_{name}.csv"
    if os.environ.get("DIPSIM_UPDATE_CHANGE_DETECTOR"):
        path.write_text(produced)
    assert path.exists(), f"missing stored log {path}; run with DIPSIM_UPDATE_CHANGE_DETECTOR=1"
    assert produced == path.read_text()
