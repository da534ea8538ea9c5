"""One scenario under every protocol, side by side.

Each protocol's run is an ordinary run folder (under ``<folder>/<protocol>``),
so the comparison printed here is read back from the logs like any other
report, and each folder can be opened with ``dipsim report`` on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engine.outcomes import SETTLED
from sim.experiments.run import RunSettings, run_scenario
from sim.scenario import LoadedScenario
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.store.outputs import check_container
from sim.store.results import Results
from sim.store.run_folder import write_run


def protocol_names(requested: str) -> list[str]:
    """``all`` or a comma-separated list of protocol names, checked."""
    if requested == "all":
        return list(PROTOCOL_NAMES)
    names = [name.strip() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in PROTOCOL_NAMES]
    if unknown or not names:
        known = ", ".join(PROTOCOL_NAMES)
        raise ValueError(f"unknown protocol {', '.join(unknown) or repr(requested)} (known: {known}, all)")
    return names


def run_protocols(
    loaded: LoadedScenario, names: list[str], settings: RunSettings, folder: Path
) -> dict[str, Path]:
    """Run the scenario once per protocol, each into its own run folder; same seed for all."""
    folders = {name: folder / name for name in names}
    check_container(folder, list(PROTOCOL_NAMES))  # before any computing, so a bad --out wastes nothing
    for name, target in folders.items():
        tables, manifest = run_scenario(loaded.with_protocol(name), settings)
        write_run(tables, target, manifest)
    return folders


def settled_terms(run: Results) -> dict[str, float]:
    """Median terms over the replicates that settled (deal or forecast); NaN if none did."""
    outcomes = run.table("outcomes")
    settled = outcomes[outcomes.outcome.isin(SETTLED)]
    return {
        issue: float(settled[issue].median()) if not settled.empty else float("nan")
        for issue in run.manifest["issues"]
    }


def comparison_lines(runs: dict[str, Results]) -> list[str]:
    """A table: one column per protocol; outcome shares, then the (median) terms per issue."""
    first = next(iter(runs.values()))
    issues = first.manifest["issues"]
    replicates = len(first.table("outcomes"))
    label_width = max(len(f"{i} ({info['unit'].split(' (')[0]})") for i, info in issues.items()) + 2
    width = max(max(len(name) for name in runs) + 2, 12)
    header = " " * label_width + "".join(f"{name:>{width}}" for name in runs)
    lines = [header]
    outcome_rows: dict[str, list[str]] = {}
    for column, run in enumerate(runs.values()):
        shares = run.table("outcomes").outcome.value_counts(normalize=True)
        for label, share in shares.items():
            if share > 0:
                outcome_rows.setdefault(str(label), ["-"] * len(runs))[column] = f"{share:.0%}"
    for label, cells in outcome_rows.items():
        lines.append(f"{label:<{label_width}}" + "".join(f"{cell:>{width}}" for cell in cells))
    terms = {name: settled_terms(run) for name, run in runs.items()}
    for issue, info in issues.items():
        label = f"{issue} ({info['unit'].split(' (')[0]})"
        cells = [terms[name][issue] for name in runs]
        lines.append(f"{label:<{label_width}}" + "".join(f"{_number(v):>{width}}" for v in cells))
    note = "median over replicates that settled" if replicates > 1 else "terms of the deal or the forecast"
    plural = "s" if replicates > 1 else ""
    lines.append(f"(outcome shares: {first.share_meaning}, over {replicates} replicate{plural};")
    lines.append(f" terms: {note}; '-' or n/a: no replicate reached that outcome)")
    return lines


def _number(value: float) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
