"""Scenario files: schema, safe loading with line numbers, and cross-checks."""

from sim.scenario.loader import LoadedScenario, load_scenario, resolved
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Problem, ScenarioError

__all__ = ["LoadedScenario", "Problem", "Scenario", "ScenarioError", "load_scenario", "resolved"]
