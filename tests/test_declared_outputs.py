"""Declared outputs: what a scenario says analysis should read, its defaults, its errors, its arithmetic.

Every expected value is derived by hand from the scenario text or the tiny table written here.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.engine.outcomes import OUTCOME_LABELS
from sim.experiments.outputs import point_values, replicate_values
from sim.experiments.sweep.plan import SweepSettings
from sim.experiments.sweep.runner import Execution, run_sweep
from sim.scenario import ScenarioError, load_scenario, resolved
from sim.scenario.outputs import OUTCOME_CLASSES, OutputSpec, outputs_of, possible_outcomes
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO, MINIMAL, dipsim

DECLARED = """
outputs:
  p_stuck:
    label: talks that run out of time
    outcome: stalemate
  cap:
    issue: cap
    aggregate: median
"""


def line_of(path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def problems_of(path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def test_the_file_format_names_the_engine_s_outcome_classes():
    assert OUTCOME_CLASSES == OUTCOME_LABELS


def test_declared_outputs_are_read_back_from_the_resolved_scenario(write_scenario):
    loaded = load_scenario(write_scenario(MINIMAL + DECLARED))
    specs = outputs_of(resolved(loaded.scenario))
    assert [(s.name, s.label, s.outcome, s.issue, s.aggregate) for s in specs] == [
        ("p_stuck", "talks that run out of time", "stalemate", None, "mean"),
        ("cap", specs[1].label, None, "cap", "median"),
    ]
    assert specs[1].status_quo == 100  # MINIMAL's status quo: what a replicate without a deal counts as
    assert "status quo, 100," in specs[1].label and "median" in specs[1].label


def test_defaults_follow_what_the_scenario_can_produce(write_scenario):
    # MINIMAL: a bargaining protocol with nothing that ends the talks early -> deal or stalemate only.
    minimal = resolved(load_scenario(write_scenario(MINIMAL)).scenario)
    assert possible_outcomes(minimal) == ("deal", "stalemate")
    assert [s.name for s in outputs_of(minimal)] == ["p_deal", "p_stalemate", "cap"]
    # A walk-out red line adds breakdown; an escalate outside option adds escalation.
    walk = MINIMAL.replace(
        "      cap: {position: 100, salience: 1.0}\n",
        "      cap: {position: 100, salience: 1.0}\n"
        "    red_lines:\n      - {issue: cap, below: 20, action: walk_out}\n"
        "    outside_option: {action: escalate, hazard: 0.01}\n",
    )
    assert possible_outcomes(resolved(load_scenario(write_scenario(walk, "w.yaml")).scenario)) == (
        "deal",
        "stalemate",
        "breakdown",
        "escalation",
    )


def test_a_forecasting_protocol_gets_forecast_outputs_not_a_deal_share(write_scenario):
    # The default scenario under a forecasting protocol: red lines and deadlines play no part there;
    # Israel's escalate outside option and Iran's walk-out event (end_talks: breakdown) still can.
    variant = write_scenario(f"extends: {DEFAULT_SCENARIO}\nprotocol: {{name: compromise}}\n")
    specs = outputs_of(resolved(load_scenario(variant).scenario))
    shares = [s.outcome for s in specs if s.is_share]
    assert shares == ["breakdown", "escalation", "forecast"]
    assert all("forecast term" in s.label for s in specs if not s.is_share)


@pytest.mark.parametrize(
    ("entry", "needle", "message"),
    [
        ("  x: {issue: capp}\n", "capp", "outputs.x.issue: unknown issue 'capp' (known: cap)"),
        (
            "  x: {outcome: victory}\n",
            "victory",
            "outputs.x.outcome: Input should be 'deal', 'stalemate', 'breakdown', 'escalation' or 'forecast'",
        ),
        (
            "  x: {outcome: deal, issue: cap}\n",
            "outcome: deal",
            "outputs.x: give exactly one of 'outcome' (an outcome class's share) or 'issue' (its term)",
        ),
        (
            "  x: {outcome: deal, aggregate: median}\n",
            "aggregate",
            "outputs.x: an outcome output is the share of replicates ending that way, the mean of a 0/1 "
            "indicator; 'aggregate' applies to issue outputs",
        ),
    ],
)
def test_bad_outputs_are_located_errors(write_scenario, entry, needle, message):
    path = write_scenario(MINIMAL + "outputs:\n" + entry)
    (problem,) = problems_of(path)
    assert problem == f"{path}:{line_of(path, needle)}: {message}"


def test_the_cli_refuses_a_bad_output_with_exit_2(write_scenario):
    path = write_scenario(MINIMAL + "outputs:\n  x: {issue: capp}\n")
    result = dipsim("validate", path)
    assert result.returncode == 2
    assert f"{path}:{line_of(path, 'capp')}: outputs.x.issue: unknown issue 'capp'" in result.stderr


def test_aggregation_by_hand():
    # Two design points of three replicates; status quo 60 stands wherever no terms were settled.
    outcomes = pd.DataFrame(
        {
            "sample": [0, 0, 0, 1, 1, 1],
            "outcome": ["deal", "escalation", "deal", "breakdown", "deal", "deal"],
            "cap": [3.67, np.nan, 5.0, np.nan, 10.0, 20.0],
        }
    )
    specs = [
        OutputSpec("p_deal", "P(deal)", outcome="deal"),
        OutputSpec("term", "cap", issue="cap", status_quo=60.0),
        OutputSpec("term_median", "cap", issue="cap", aggregate="median", status_quo=60.0),
        OutputSpec("term_std", "cap", issue="cap", aggregate="std", status_quo=60.0),
    ]
    values = replicate_values(outcomes, specs)
    assert values.term.tolist() == [3.67, 60.0, 5.0, 60.0, 10.0, 20.0]
    table = point_values(outcomes["sample"], values, specs)
    assert table.p_deal.tolist() == pytest.approx([2 / 3, 2 / 3])
    assert table.term.tolist() == pytest.approx([(3.67 + 60 + 5) / 3, (60 + 10 + 20) / 3])
    assert table.term_median.tolist() == [5.0, 20.0]
    assert table.term_std.tolist() == pytest.approx(
        [np.std([3.67, 60, 5], ddof=1), np.std([60, 10, 20], ddof=1)]
    )


def test_a_sweep_folder_carries_its_declared_outputs(write_scenario, tmp_path):
    path = write_scenario(
        MINIMAL.replace("capability: 0.5", "capability: {dist: uniform, low: 0.3, high: 0.7}") + DECLARED
    )
    folder = tmp_path / "sweep"
    run_sweep(
        load_scenario(path),
        SweepSettings(samples=4, design="lhs", log="outcomes"),
        folder,
        Execution(progress=False),
    )
    path.unlink()  # analysis reads the folder, never the file
    manifest = Results.open(folder).manifest
    assert [s.name for s in outputs_of(manifest["scenario"]["resolved"])] == ["p_stuck", "cap"]
    shown = json.loads(dipsim("validate", DEFAULT_SCENARIO, "--json").stdout)
    assert shown["outputs"] == {}  # none declared: the defaults are derived where they are used
