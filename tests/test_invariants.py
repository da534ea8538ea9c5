"""Invariants of the engine, over randomly generated scenarios (hypothesis).

Whatever the scenario: agreed terms lie within the issues' bounds; nothing
happens in a replicate after its talks end (no deal follows a breakdown); the
rounds taken never exceed the deadline; utilities stay in [0, 1]; aspirations
never rise (absent events that change them); positions stay on their scales.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.protocols import build_model
from sim.scenario import Scenario
from sim.scenario.parameters import uncertain_keys
from sim.solvers.nash import nash_text
from sim.solvers.utility import concession_path_offer, utility
from tests.strategies import scenarios


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_run_invariants(scenario: Scenario, seed: int) -> None:
    replicates = 6
    points = np.random.default_rng(seed).random((replicates, len(uncertain_keys(scenario))))
    tables = build_model(scenario, replicates=replicates, seed=seed, unit_points=points).run()
    outcomes = tables.outcomes.to_pandas()
    rounds = tables.rounds.to_pandas()
    events = tables.events.to_pandas()
    deadline_round = len(scenario.round_ids)
    total_steps = sum(scenario.rounds[r].exchanges for r in scenario.round_ids)

    assert len(outcomes) == replicates
    assert set(outcomes.outcome) <= {"deal", "stalemate", "breakdown", "escalation"}
    # the rounds taken never exceed the deadline
    assert outcomes["round"].between(1, deadline_round).all()
    assert outcomes.exchanges.between(1, total_steps).all()
    # agreed terms: present exactly for deals, and within bounds
    for issue_id, issue in scenario.issues.items():
        low, high = issue.bounds
        dealt = outcomes.outcome == "deal"
        assert outcomes.loc[dealt, issue_id].between(low - 1e-9, high + 1e-9).all()
        assert outcomes.loc[~dealt, issue_id].isna().all()
        column = rounds[f"position_{issue_id}"].dropna()
        assert column.between(low - 1e-9, high + 1e-9).all()
    # utilities stay in their range
    utilities = outcomes.filter(like="utility_").to_numpy(dtype=float)
    assert np.nanmin(utilities, initial=0) >= -1e-12 and np.nanmax(utilities, initial=1) <= 1 + 1e-12
    assert rounds.utility.dropna().between(-1e-12, 1 + 1e-12).all()
    # nothing happens after the end: no deal follows a breakdown, no rows after the final step
    for row in outcomes.itertuples():
        mine = events[events.replicate == row.replicate]
        terminal = mine[mine.kind != "event"]
        ended_by_event = mine[(mine.kind == "event")]
        assert len(terminal) + len(ended_by_event) >= 1
        assert (mine.step <= row.exchanges).all()
        assert (rounds[rounds.replicate == row.replicate].step <= row.exchanges).all()
        if row.outcome != "deal":
            assert not (terminal.kind == "deal").any()
        if row.outcome == "breakdown":
            assert mine[mine.step == row.exchanges].kind.isin(["walk_out", "red_line", "event"]).any()
    # aspirations fall monotonically from 1 towards the reservation value
    principals = rounds[rounds.role == "principal"].sort_values("step")
    assert principals.aspiration.between(-1e-12, 1 + 1e-12).all()
    steps = principals.groupby(["replicate", "actor"], observed=True).aspiration.diff().dropna()
    assert (steps <= 1e-12).all()


@st.composite
def preference_arrays(draw: st.DrawFn, replicates: int = 4) -> dict[str, np.ndarray]:
    actors = draw(st.integers(2, 4))
    issues = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    salience = rng.random((replicates, actors, issues)) + 0.01
    return {
        "text": rng.random((replicates, issues)),
        "ideal": rng.random((replicates, actors, issues)),
        "weights": salience / salience.sum(axis=2, keepdims=True),
        "gamma": np.power(2.0, -rng.uniform(-1, 1, (replicates, actors))),
        "reservation": rng.uniform(0, 0.8, (replicates, actors)),
        "power": rng.uniform(0.01, 1, (replicates, actors)),
        "movable": rng.random(issues) < 0.7,
        "lower": rng.uniform(0, 0.4, issues),
        "upper": rng.uniform(0.6, 1.0, issues),
    }


@settings(max_examples=80, deadline=None)
@given(arrays=preference_arrays())
def test_utility_lies_in_unit_interval(arrays: dict[str, np.ndarray]) -> None:
    values = utility(arrays["text"][:, None, :], arrays["ideal"], arrays["weights"], arrays["gamma"])
    assert values.min() >= -1e-12 and values.max() <= 1 + 1e-12


@settings(max_examples=80, deadline=None)
@given(arrays=preference_arrays())
def test_mediator_text_moves_only_agenda_issues_and_stays_in_range(arrays: dict[str, np.ndarray]) -> None:
    text = nash_text(
        arrays["text"],
        arrays["movable"],
        arrays["ideal"],
        arrays["weights"],
        arrays["gamma"],
        arrays["reservation"],
        arrays["power"],
        grid=9,
        lower=arrays["lower"],
        upper=arrays["upper"],
    )
    moved = arrays["movable"]
    assert np.array_equal(text[:, ~moved], arrays["text"][:, ~moved])
    assert (text[:, moved] >= arrays["lower"][moved] - 1e-12).all()
    assert (text[:, moved] <= arrays["upper"][moved] + 1e-12).all()


@settings(max_examples=80, deadline=None)
@given(arrays=preference_arrays(), aspiration=st.floats(0.0, 1.0))
def test_proposer_never_offers_below_its_aspiration(arrays: dict[str, np.ndarray], aspiration: float) -> None:
    movable = arrays["movable"] | (~arrays["movable"].any() & np.ones_like(arrays["movable"]))
    own_ideal = arrays["ideal"][:, 0]
    own_weights = arrays["weights"][:, 0]
    own_gamma = arrays["gamma"][:, 0]
    target = arrays["text"]
    asp = np.full(len(target), aspiration)
    offer = concession_path_offer(own_ideal, target, movable, own_weights, own_gamma, asp, grid=11)
    value = utility(offer[:, None, :], own_ideal[:, None, :], own_weights[:, None, :], own_gamma[:, None])[
        :, 0, 0
    ]
    start = np.where(movable, own_ideal, target)
    start_value = utility(
        start[:, None, :], own_ideal[:, None, :], own_weights[:, None, :], own_gamma[:, None]
    )[:, 0, 0]
    # either the offer meets the aspiration, or the proposer could not concede at all
    assert ((value >= asp - 1e-12) | np.isclose(offer, start).all(axis=1)).all()
    assert (value <= start_value + 1e-12).all()
