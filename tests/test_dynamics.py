"""Tracks, outside options taken during the talks, and the deadline effect, on cases computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from sim.engine.draws import OutsideOptionDraw
from sim.engine.hazards import hazard, shortfall
from sim.protocols import build_model
from tests.test_mechanisms import scenario_from

OUTSIDER = {
    "name": "O",
    "role": "influencer",
    "capability": 0.5,
    "presses": [],
    "stances": {"cap": {"position": 0, "salience": 1}},
}
PROGRAMME = {"prog": {"label": "Programme", "unit": "kg", "bounds": [0, 100], "initial": 20, "rate": 10}}


def run(scenario, replicates: int = 1, seed: int = 0) -> dict[str, pd.DataFrame]:
    tables = build_model(scenario, replicates=replicates, seed=seed).run()
    return {name: getattr(tables, name).to_pandas() for name in ("outcomes", "texts", "events", "rounds")}


# --- the hazard ------------------------------------------------------------------------------------


def test_hazard_by_hand():
    """h = 1 - (1 - h0) ** prod ratio ** z: h0 = 0.1, ratios 4 and 9, z = 0.5 and 1 -> 1 - 0.9 ** 18."""
    draw = OutsideOptionDraw(hazard=np.array([0.1, 0.1, 1.0]), ratios=(np.full(3, 4.0), np.full(3, 9.0)))
    h = hazard(draw, [np.array([0.5, 0.0, 0.5]), np.array([1.0, 0.0, 1.0])])
    np.testing.assert_allclose(h, [1 - 0.9**18, 0.1, 1.0], rtol=1e-12)


def test_shortfall_by_hand():
    """One actor at (0, 0, 1) with saliences (3, 1, 5), linear loss; the text (0.2, 1.0, 0.0); judged on
    the first two issues only: weights 0.75 and 0.25, utility 0.75 x 0.8 + 0.25 x 0 = 0.6, shortfall 0.4."""
    model = build_model(scenario_from(), replicates=1)
    agent = model.agent_by_id["A"]
    agent.position = np.array([[0.0, 0.0, 1.0]])
    agent.salience = np.array([[3.0, 1.0, 5.0]])
    agent.gamma = np.array([1.0])
    text = np.array([[0.2, 1.0, 0.0]])
    assert shortfall(agent, text, np.array([True, True, False]))[0] == pytest.approx(0.4)
    assert shortfall(agent, text, np.array([False, False, False]))[0] == 0.0  # cares about none of them


# --- tracks ----------------------------------------------------------------------------------------


def test_a_track_moves_every_exchange_within_its_bounds_and_can_be_frozen():
    """20 kg, +10 an exchange, capped at 100; frozen once above 25 kg it stays at 30."""
    never_sign = {"actors__A__reservation": 0.99, "actors__B__reservation": 0.99}
    moving = scenario_from(actors__A__tracks=PROGRAMME, rounds__r1__exchanges=12, **never_sign)
    stock = run(moving)["texts"].sort_values("step").track_prog.to_numpy()
    np.testing.assert_array_equal(stock, [20, 30, 40, 50, 60, 70, 80, 90, 100, 100, 100, 100])
    frozen = {"prog": {**PROGRAMME["prog"], "frozen_when": {"track": {"track": "prog", "above": 25}}}}
    stock = run(scenario_from(actors__A__tracks=frozen, **never_sign))["texts"].sort_values("step").track_prog
    np.testing.assert_array_equal(stock.to_numpy(), [20, 30, 30, 30])


def test_an_event_can_wait_for_a_track():
    """An event that ends the talks once the stock exceeds 45 kg fires at exchange 4 (50 kg)."""
    scenario = scenario_from(
        actors__A__tracks=PROGRAMME,
        actors__B__stances={"cap": {"position": 100, "salience": 1}},
        actors__A__reservation=0.99,
        actors__B__reservation=0.99,  # nobody signs: the talks run on
        rounds__r1__exchanges=6,
        events={
            "alarm": {
                "when": {"track": {"track": "prog", "above": 45}},
                "effects": [{"end_talks": "breakdown"}],
            }
        },
    )
    outcome = run(scenario)["outcomes"].iloc[0]
    assert (outcome.outcome, outcome.exchanges, outcome.cause) == ("breakdown", 4, "event:alarm")
    assert not outcome.signed


# --- outside options taken while the talks go on ---------------------------------------------------


def stubborn(**overrides: object):
    """Two principals who never sign (reservation 0.99), an outsider with an outside option."""
    return scenario_from(
        actors__A__reservation=0.99,
        actors__B__reservation=0.99,
        actors__O=OUTSIDER | overrides,
        rounds__r1__exchanges=6,
    )


def test_a_certain_outside_option_ends_the_talks_at_the_first_exchange():
    scenario = stubborn(outside_option={"action": "escalate", "hazard": 1.0})
    frame = run(scenario, replicates=4)
    outcomes = frame["outcomes"]
    assert (outcomes.outcome == "escalation").all() and (outcomes.exchanges == 1).all()
    assert set(outcomes.cause) == {"outside_option:O"} and not outcomes.signed.any()
    assert (outcomes.by == "O").all()
    assert set(frame["events"].kind) == {"outside_option"}


def test_the_per_exchange_hazard_is_the_share_that_fires():
    """With h0 = 0.05 and one covariate, the shortfall of the status-quo text (cap at 100, O wants 0:
    shortfall 1) with ratio 4: h = 1 - 0.95 ** 4 = 0.1855 at the first exchange."""
    option = {"action": "escalate", "hazard": 0.05, "rises_with": [{"shortfall": ["cap"], "ratio": 4}]}
    outcomes = run(stubborn(outside_option=option), replicates=4000, seed=11)["outcomes"]
    fired = int(((outcomes.outcome == "escalation") & (outcomes.exchanges == 1)).sum())
    interval = binomtest(fired, 4000).proportion_ci(confidence_level=0.999, method="wilson")
    assert interval.low < 1 - 0.95**4 < interval.high


def test_an_outside_option_waits_for_its_round():
    option = {"action": "escalate", "hazard": 1.0, "from_round": "r2"}
    scenario = stubborn(outside_option=option)
    second = scenario.rounds["r1"].model_copy(update={"exchanges": 2})
    scenario = scenario.model_copy(update={"rounds": {**scenario.rounds, "r2": second}})
    outcome = run(scenario)["outcomes"].iloc[0]
    assert (outcome.outcome, outcome.exchanges, outcome.round_id) == ("escalation", 7, "r2")


# --- the deadline effect ---------------------------------------------------------------------------


def aspirations(believed: float) -> np.ndarray:
    """B's aspiration by exchange when A (deadline: r1, 3 exchanges of 6) is believed with this probability.

    B has patience 0.5 (linear concession), reservation 0.2, no deadline of its own: its clock runs to
    step 6, or to A's step 3 where it believes A's deadline.
    """
    scenario = scenario_from(
        actors__A__deadline="r1",
        actors__A__deadline_believed=believed,
        actors__A__reservation=0.99,
        actors__B__reservation=0.2,
        rounds__r1__exchanges=3,
    )
    scenario = scenario.model_copy(
        update={"rounds": {**scenario.rounds, "r2": scenario.rounds["r1"]}, "deadline": None}
    )
    model = build_model(scenario, replicates=1)
    return np.array([model.agent_by_id["B"].aspiration_at(step)[0] for step in range(1, 7)])


def test_a_believed_deadline_brings_the_counterparts_concessions_forward():
    """Linear concession from 1 to 0.2: over steps 1-6 without belief, over steps 1-3 with it."""
    np.testing.assert_allclose(aspirations(0.0), 0.2 + 0.8 * (1 - np.arange(6) / 5))
    np.testing.assert_allclose(aspirations(1.0), [1.0, 0.6, 0.2, 0.2, 0.2, 0.2])
