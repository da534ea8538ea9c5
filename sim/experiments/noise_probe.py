"""A noise probe: re-run some of a one-replicate sweep's design points several times each.

A sweep with one replicate per design point cannot tell what its inputs do from what its random
stream does (sim.experiments.noise). The probe measures the second directly: it loads the sweep's
scenario from the path its manifest records, with the recorded --set overrides, and accepts it only
if it hashes to the recorded sha256 (every file it reads, unchanged); then it draws ``points`` of
the sweep's design points at random and runs each ``replicates`` times through the same engine entry point a
sweep uses (sim.experiments.batch.run_batch), with the same unit-cube points, so each probed point
has exactly the inputs it had in the sweep.

Seeds: the probe draws from ``SeedSequence(seed).spawn(3)[2]``, where ``seed`` is the sweep's root
seed. Its first two children are the sweep's own inputs and dynamics streams (sim.experiments.batch),
so the probe's stream is independent of both and the probe is reproducible from the manifest alone.
That child spawns two more: one picks the design points, the other drives the runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from sim.experiments.batch import run_batch
from sim.experiments.outputs import replicate_values
from sim.experiments.sweep.executors import SweepError
from sim.scenario import LoadedScenario, ScenarioError, load_scenario
from sim.scenario.distributions import Distribution
from sim.scenario.keys import ParameterKey
from sim.scenario.outputs import OutputSpec
from sim.scenario.overrides import with_values

PROBE_POINTS = 256  # x PROBE_REPLICATES = 4,096 runs: one default batch, about a second
PROBE_REPLICATES = 16
_DISTRIBUTION: TypeAdapter = TypeAdapter(Distribution)


@dataclass(frozen=True)
class Probe:
    """The probe's replicate values per output, [points, replicates], and how it was drawn."""

    values: dict[str, np.ndarray]
    samples: np.ndarray  # the sweep's design points that were probed
    replicates: int
    seed: str  # how to draw the same probe again

    def describe(self) -> str:
        return (
            f"noise probe: {len(self.samples)} of the sweep's design points x {self.replicates} replicates, "
            f"seed {self.seed}"
        )


def probe_seed(seed: int) -> np.random.SeedSequence:
    """The probe's stream: the third child of the sweep's root seed, beside its inputs and dynamics."""
    return np.random.SeedSequence(seed).spawn(3)[2]


def run_probe(
    manifest: dict[str, Any],
    points: np.ndarray,
    specs: list[OutputSpec],
    n_points: int = PROBE_POINTS,
    replicates: int = PROBE_REPLICATES,
) -> Probe:
    """Re-run ``n_points`` of the design's ``points`` (unit cube) ``replicates`` times each."""
    loaded = rebuild_scenario(manifest)
    seed = int(manifest["sweep"]["seed"])
    pick, dynamics = probe_seed(seed).spawn(2)
    chosen = np.sort(
        np.random.default_rng(pick).choice(len(points), size=min(n_points, len(points)), replace=False)
    )
    output = run_batch(
        loaded.scenario,
        replicates=len(chosen) * replicates,
        seed=dynamics,
        unit_points=np.repeat(points[chosen], replicates, axis=0),
        record=False,
    )
    outcomes = (
        output.tables.outcomes.to_pandas().sort_values("replicate", kind="stable").reset_index(drop=True)
    )
    values = replicate_values(outcomes, specs)
    shaped = {spec.name: values[spec.name].to_numpy().reshape(len(chosen), replicates) for spec in specs}
    return Probe(shaped, chosen, replicates, f"SeedSequence({seed}).spawn(3)[2]")


def rebuild_scenario(manifest: dict[str, Any]) -> LoadedScenario:
    """The scenario a results folder was made from: its recorded file, with the recorded overrides.

    The file is loaded from the path the manifest records and accepted only if everything it reads,
    with the overrides applied, hashes to the recorded sha256: the probe must run the very scenario
    the sweep ran, not today's edit of it.
    """
    recorded = manifest["scenario"]
    path = Path(recorded["path"])
    advice = (
        "run this from the folder the sweep was run in, run the sweep with --replicates 2 or more so "
        "the noise is measured from the sweep itself, or pass --no-probe"
    )
    try:
        loaded = load_scenario(path)
    except (ScenarioError, OSError) as error:
        raise SweepError(
            f"the noise probe cannot load the sweep's scenario {path} ({error}); {advice}"
        ) from None
    overrides = {
        ParameterKey.parse(key): _value(value) for key, value in recorded.get("overrides", {}).items()
    }
    loaded = with_values(loaded, overrides)
    if manifest.get("protocol") and manifest["protocol"] != loaded.scenario.protocol.name:
        loaded = loaded.with_protocol(manifest["protocol"])
    if loaded.sha256 != recorded["sha256"]:
        raise SweepError(
            f"the noise probe must re-run the sweep's own scenario, but {path} (or a file it reads) has "
            f"changed since the sweep (sha256 {loaded.sha256[:12]}..., recorded "
            f"{recorded['sha256'][:12]}...); {advice}"
        )
    return loaded


def _value(value: Any) -> Any:
    return _DISTRIBUTION.validate_python(value) if isinstance(value, dict) else float(value)
