"""Each mechanism on cases small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.draws import draw_parameters
from sim.protocols import build_model
from sim.scenario import Scenario
from sim.scenario.parameters import uncertain_keys
from sim.solvers.nash import nash_text
from sim.solvers.utility import curvature, utility


def scenario_from(**overrides: object) -> Scenario:
    """Two principals on one issue (0-100), a mediator, one indirect round of 4 exchanges."""
    document = {
        "name": "hand",
        "protocol": {"noise": 0.0, "pressure_rate": 0.0},
        "issues": {"cap": {"label": "Cap", "unit": "%", "bounds": [0, 100], "status_quo": 100}},
        "actors": {
            "A": {
                "name": "A",
                "role": "principal",
                "capability": 1.0,
                "patience": 0.5,
                "stances": {"cap": {"position": 0, "salience": 1}},
            },
            "B": {
                "name": "B",
                "role": "principal",
                "capability": 0.5,
                "patience": 0.5,
                "stances": {"cap": {"position": 100, "salience": 1}},
            },
            "M": {"name": "M", "role": "mediator", "capability": 0.1},
        },
        "rounds": {"r1": {"venue": "v", "mediator": "M", "agenda": ["cap"], "exchanges": 4}},
    }
    for path, value in overrides.items():
        *parents, leaf = path.split("__")
        node = document
        for key in parents:
            node = node[key]
        node[leaf] = value
    return Scenario.model_validate(document)


def test_utility_by_hand():
    # one actor, two issues, saliences 3:1 -> weights 0.75/0.25, risk 0 -> linear loss
    packages = np.array([[[0.2, 1.0]]])
    ideal = np.array([[[0.0, 0.0]]])
    weights = np.array([[[0.75, 0.25]]])
    value = utility(packages, ideal, weights, curvature(np.array([[0.0]])))
    assert value[0, 0, 0] == pytest.approx(0.75 * 0.8 + 0.25 * 0.0)
    # risk -1 (averse): quadratic loss 1 - 0.2**2
    averse = utility(packages[:, :, :1], ideal[:, :, :1], np.ones((1, 1, 1)), curvature(np.array([[-1.0]])))
    assert averse[0, 0, 0] == pytest.approx(1 - 0.04)


def test_nash_text_splits_by_bargaining_power():
    # linear utilities 1 - x and x, no disagreement value: argmax log(1-x) + 0.5 log x = 1/3
    text = nash_text(
        start=np.array([[1.0]]),
        movable=np.array([True]),
        ideal=np.array([[[0.0], [1.0]]]),
        weights=np.ones((1, 2, 1)),
        gamma=np.ones((1, 2)),
        disagreement=np.zeros((1, 2)),
        power=np.array([[1.0, 0.5]]),
        grid=21,
    )
    assert text[0, 0] == pytest.approx(1 / 3, abs=2 / 20**2)


def test_nash_text_respects_bounds_per_replicate():
    text = nash_text(
        start=np.ones((2, 1)),
        movable=np.array([True]),
        ideal=np.tile(np.array([[[0.0], [1.0]]]), (2, 1, 1)),
        weights=np.ones((2, 2, 1)),
        gamma=np.ones((2, 2)),
        disagreement=np.zeros((2, 2)),
        power=np.ones((2, 2)),
        grid=21,
        lower=np.array([[0.0], [0.7]]),
        upper=np.array([[0.3], [1.0]]),
    )
    assert text[:, 0] == pytest.approx([0.3, 0.7])


def test_aspiration_falls_linearly_at_patience_half_to_the_reservation():
    scenario = scenario_from(actors__A__reservation=0.2)
    model = build_model(scenario, replicates=1)
    agent = model.agent_by_id["A"]
    schedule = []
    for step in range(1, 5):
        schedule.append(agent.aspiration_at(step)[0])
    assert schedule == pytest.approx([1.0, 1 - 0.8 / 3, 1 - 1.6 / 3, 0.2])


def test_patient_actors_hold_out_longer():
    patient = scenario_from(actors__A__patience=0.9)
    model = build_model(patient, replicates=1)
    agent = model.agent_by_id["A"]
    boulware = agent.aspiration_at(3)[0]  # two thirds of the way to the deadline
    agent.patience[:] = 0.1
    assert boulware > 1 - 2 / 3 > agent.aspiration_at(3)[0]


def test_pressure_is_capability_times_salience_weighted():
    scenario = scenario_from(
        protocol__pressure_rate=0.5,
        actors__K={
            "name": "K",
            "role": "influencer",
            "capability": 1.0,
            "presses": ["A"],
            "stances": {"cap": {"position": 100, "salience": 1.0}},
        },
    )
    model = build_model(scenario, replicates=1)
    model.step()
    # A (weight 1.0*1.0) pulled by K (weight 1.0*1.0) from 0 towards 100: 0.5 * 100 * 1 / 2 = 25
    rounds = model.tables().rounds.to_pandas()
    assert model.agent_by_id["A"].position[0, 0] == pytest.approx(0.25)
    assert model.agent_by_id["B"].position[0, 0] == pytest.approx(1.0)  # not pressed
    assert rounds.loc[rounds.actor == "A", "position_cap"].iloc[0] == pytest.approx(0.0)  # logged before


def test_mediator_drafts_inside_reject_red_lines():
    scenario = scenario_from(actors__B__red_lines=[{"issue": "cap", "below": 50, "action": "reject"}])
    model = build_model(scenario, replicates=1)
    model.step()
    texts = model.tables().texts.to_pandas()
    assert texts.cap.iloc[0] == pytest.approx(50.0)  # unconstrained Nash would be 33.3


def test_uncertain_red_line_threshold_is_sampled_per_replicate():
    scenario = scenario_from(
        actors__B__red_lines=[
            {"issue": "cap", "below": {"dist": "uniform", "low": 40, "high": 60}, "action": "reject"}
        ]
    )
    keys = uncertain_keys(scenario)
    assert [str(k) for k in keys] == ["actors.B.red_lines.0.below"]
    points = np.array([[0.0], [0.5], [1.0]])
    assert draw_parameters(scenario, 3, points)[keys[0]] == pytest.approx([40, 50, 60])
    model = build_model(scenario, replicates=3, unit_points=points)
    model.step()
    assert model.tables().texts.to_pandas().cap.to_numpy() == pytest.approx([40, 50, 60])


def test_deal_when_both_aspirations_are_met_and_terms_in_units():
    scenario = scenario_from(actors__A__reservation=0.5, actors__B__reservation=0.2)
    outcome = build_model(scenario, replicates=1).run().outcomes.to_pandas().iloc[0]
    assert outcome.outcome == "deal"
    assert 0 <= outcome.cap <= 100
    assert outcome.utility_A == pytest.approx(1 - outcome.cap / 100)


def test_stalemate_when_reservations_cannot_both_be_met():
    scenario = scenario_from(actors__A__reservation=0.8, actors__B__reservation=0.8)
    outcome = build_model(scenario, replicates=1).run().outcomes.to_pandas().iloc[0]
    assert (outcome.outcome, outcome["round"], outcome.exchanges) == ("stalemate", 1, 4)
    assert outcome.utility_A == pytest.approx(0.8)  # no deal is worth the reservation value


def test_personal_deadline_means_walk_out():
    scenario = scenario_from(
        actors__A__reservation=0.8,
        actors__B__reservation=0.8,
        actors__A__deadline="r1",
    )
    outcome = build_model(scenario, replicates=1).run().outcomes.to_pandas().iloc[0]
    assert (outcome.outcome, outcome.by) == ("breakdown", "A")


def test_escalation_by_an_influencer_red_line_on_the_deal():
    scenario = scenario_from(
        actors__K={
            "name": "K",
            "role": "influencer",
            "capability": 1.0,
            "presses": [],
            "stances": {"cap": {"position": 0, "salience": 1.0}},
            "red_lines": [{"issue": "cap", "above": 10, "action": "escalate", "probability": 1.0}],
        },
    )
    outcomes = build_model(scenario, replicates=4).run().outcomes.to_pandas()
    assert set(outcomes.outcome) == {"escalation"}
    assert set(outcomes.by) == {"K"}
    assert outcomes.cap.isna().all()


def test_scheduled_and_conditional_events():
    scenario = scenario_from(
        events={
            "boost": {
                "at": {"round": "r1", "exchange": 2},
                "effects": [{"actor": "B", "param": "capability", "set": 1.0}],
            },
            "strike": {
                "when": {"text": {"issue": "cap", "below": 40}},
                "effects": [{"end_talks": "escalation", "actor": "A"}],
            },
        },
        actors__A__reservation=0.9,
        actors__B__reservation=0.9,
    )
    model = build_model(scenario, replicates=1)
    model.step()
    assert model.agent_by_id["B"].capability[0] == 0.5
    model.step()  # the boost fires at the start of exchange 2: Nash text moves to 50
    assert model.agent_by_id["B"].capability[0] == 1.0
    events = model.run().events.to_pandas()
    # the text of exchange 1 (33.3, below 40) triggers the strike at the start of exchange 2,
    # after the boost scheduled for that exchange: events fire in file order
    assert list(events.event) == ["boost", "strike"]
    assert list(events.step) == [2, 2]
    assert model.tables().outcomes.to_pandas().outcome.iloc[0] == "escalation"
