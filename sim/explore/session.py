"""The explorer's state and its one action: run the scenario with some parameters fixed, into a folder.

Plain Python, no Solara, so that tests and the latency benchmark drive exactly what the page drives.
A move is a :class:`Settings` (which parameters are fixed and at what value, how many replicates,
which seed); :meth:`Explorer.run` fixes them with :func:`sim.scenario.overrides.with_values` (the same
function behind ``dipsim run --set``, so a fixed value obeys every rule a value in the file obeys),
samples the rest with :func:`sim.experiments.run.run_scenario`, writes a run folder and reads it back
through :class:`Results`. The page then shows that folder, never the live model: the run log is the
source of truth, and a move's folder is what ``dipsim run SCENARIO --sample --set ...`` would write.

Every move uses the same seed (common random numbers). The negotiation's own draws are therefore the
same on every move, and so are the sampled inputs: a run draws a column for every parameter the file
leaves uncertain, fixed or not (sim.experiments.batch.sampled_points), so fixing, moving or freeing
one parameter changes that parameter and nothing else.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sim.errors import UsageError
from sim.experiments.run import RunSettings, run_scenario
from sim.scenario import LoadedScenario, load_scenario, resolved
from sim.scenario.distributions import central_value, support_of
from sim.scenario.keys import ParameterKey
from sim.scenario.labels import parameter_label, parameter_unit
from sim.scenario.overrides import with_values
from sim.scenario.parameters import parameter_specs, uncertain_keys
from sim.store.results import Results
from sim.store.run_folder import write_run

DEFAULT_REPLICATES = 2_000
MAX_REPLICATES = 100_000  # a move must stay interactive; a sweep is the tool for more
EVENTS, PROTOCOL = "Events", "Protocol"


@dataclass(frozen=True)
class Slider:
    """One uncertain parameter as the page shows it: its human name, unit, group and range."""

    key: str  # the dotted key, as `--set` takes it
    label: str  # e.g. "Israel: red-line probability (enrichment)"
    unit: str
    group: str  # the actor it belongs to, or Events / Protocol
    low: float  # the distribution's support
    high: float
    start: float  # the central value, on the slider's grid
    step: float


@dataclass(frozen=True)
class Settings:
    """One move: the parameters fixed at their sliders (sorted by key), the replicates and the seed."""

    fixed: tuple[tuple[str, float], ...] = ()
    replicates: int = DEFAULT_REPLICATES
    seed: int = 0

    def fixing(self, key: str, value: float | None) -> Settings:
        """These settings with ``key`` fixed at ``value``, or sampled again when ``value`` is None."""
        values = dict(self.fixed)
        if value is None:
            values.pop(key, None)
        else:
            values[key] = float(value)
        return replace(self, fixed=tuple(sorted(values.items())))


@dataclass(frozen=True, eq=False)
class Run:
    """A move's run folder, read back, with the seconds each stage took."""

    number: int
    settings: Settings
    results: Results
    outcomes: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)  # engine, writing, reading

    @property
    def meaning(self) -> str:
        """What a share is here: the folder's own words, plus what the page held fixed."""
        fixed = len(self.settings.fixed)
        held = f"; {fixed} parameter{'s' if fixed != 1 else ''} fixed at the sliders" if fixed else ""
        return f"{self.results.share_meaning}{held}"


def slider_step(low: float, high: float) -> float:
    """A power of ten giving the slider 100 to 1,000 positions, so the arrow keys move it visibly."""
    span = high - low
    if span <= 0:
        return 1.0
    return 10.0 ** math.floor(math.log10(span / 100))


def on_grid(value: float, low: float, step: float) -> float:
    """``value`` rounded to the slider's grid, so the slider starts where it would snap to anyway."""
    decimals = max(0, -math.floor(math.log10(step)))
    return round(low + round((value - low) / step) * step, decimals)


class Explorer:
    """One scenario, as served: its sliders and how to run a move. Shared by every open page."""

    def __init__(self, scenario: Path, replicates: int = DEFAULT_REPLICATES, seed: int = 0) -> None:
        self.loaded: LoadedScenario = load_scenario(scenario)
        self.resolved = resolved(self.loaded.scenario)
        self.defaults = Settings(replicates=check_replicates(replicates), seed=seed)
        specs = parameter_specs(self.loaded.scenario)
        self.keys = {str(key): key for key in uncertain_keys(self.loaded.scenario)}
        self.sliders = [self._slider(key, specs[key]) for key in self.keys.values()]

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def groups(self) -> dict[str, list[Slider]]:
        """Sliders by actor (in the scenario's order), then events and protocol settings."""
        grouped: dict[str, list[Slider]] = {}
        for slider in self.sliders:
            grouped.setdefault(slider.group, []).append(slider)
        return grouped

    def actor_title(self, group: str) -> str:
        """A group's heading: an actor's id and name ("Gulf (Gulf states)"), or Events / Protocol."""
        name = self.resolved.get("actors", {}).get(group, {}).get("name", "")
        return f"{group} ({name})" if name and name != group else group

    def fixed_scenario(self, settings: Settings) -> LoadedScenario:
        """The scenario with the settings' parameters fixed, checked as if written in the file."""
        unknown = [key for key, _ in settings.fixed if key not in self.keys]
        if unknown:
            raise UsageError(f"not an uncertain parameter of {self.name}: {', '.join(unknown)}")
        values = {self.keys[key]: value for key, value in settings.fixed}
        return with_values(self.loaded, values, option="fixing")

    def run(self, settings: Settings, folder: Path, number: int = 0) -> Run:
        """Run the move into ``folder`` (which must not exist) and read it back."""
        check_replicates(settings.replicates)
        clock = time.perf_counter()
        loaded = self.fixed_scenario(settings)
        sample = bool(uncertain_keys(loaded.scenario))  # every parameter fixed: nothing left to draw
        tables, manifest = run_scenario(
            loaded, RunSettings(seed=settings.seed, replicates=settings.replicates, sample=sample)
        )
        ran = time.perf_counter()
        write_run(tables, folder, manifest)
        written = time.perf_counter()
        results = Results.open(folder)
        outcomes = results.table("outcomes")
        seconds = {
            "engine": ran - clock,
            "writing": written - ran,
            "reading": time.perf_counter() - written,
        }
        return Run(number, settings, results, outcomes, seconds)

    def _slider(self, key: ParameterKey, spec: object) -> Slider:
        low, high = support_of(spec)  # type: ignore[arg-type]
        step = slider_step(low, high)
        start = min(max(on_grid(central_value(spec), low, step), low), high)  # type: ignore[arg-type]
        group = key.actor or (EVENTS if key.path[0] == "events" else PROTOCOL)
        return Slider(
            key=str(key),
            label=parameter_label(key, self.resolved),
            unit=parameter_unit(key, self.resolved),
            group=group,
            low=low,
            high=high,
            start=start,
            step=step,
        )


def check_replicates(replicates: int) -> int:
    if not 1 <= replicates <= MAX_REPLICATES:
        raise UsageError(f"replicates: must be between 1 and {MAX_REPLICATES:,}, got {replicates:,}")
    return replicates


class Session:
    """One open page: its own run folders under the server's temporary folder, the newest kept.

    Only the newest move's folder is kept, because the page shows only the newest move; the one
    before it is removed as soon as the new one has been read back.
    """

    def __init__(self, explorer: Explorer, root: Path | None = None) -> None:
        self.explorer = explorer
        self.folder = Path(tempfile.mkdtemp(prefix=f"session-{uuid.uuid4().hex[:8]}-", dir=root))
        self.runs = 0
        self.latest: Run | None = None

    def run(self, settings: Settings) -> Run:
        self.runs += 1
        run = self.explorer.run(settings, self.folder / f"run-{self.runs:05d}", self.runs)
        previous, self.latest = self.latest, run
        if previous is not None:
            shutil.rmtree(previous.results.path, ignore_errors=True)
        return run

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.latest = None
