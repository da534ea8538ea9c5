"""Scenario files: schema, safe loading with line numbers, and cross-checks.

The names below load on first use, so that importing one light module of the
package (its protocol declarations, say, for ``dipsim --help``) does not pull
in the loader and everything it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.loader import LoadedScenario, load_scenario, resolved
    from sim.scenario.schema import Scenario
    from sim.scenario.yaml_source import Problem, ScenarioError

_HOMES = {
    "LoadedScenario": "sim.scenario.loader",
    "load_scenario": "sim.scenario.loader",
    "resolved": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
    "Problem": "sim.scenario.yaml_source",
    "ScenarioError": "sim.scenario.yaml_source",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")


__all__ = ["LoadedScenario", "Problem", "Scenario", "ScenarioError", "load_scenario", "resolved"]
