"""The engine's Nash kernel computes, bit for bit, what its straightforward formulation computes.

``reference_nash_text`` below is the plain statement of the mediator's search
(docs/model.md section 6): arrays [R, G, P] with the principals innermost, the
objective through numpy's einsum. It is slow, and it is the oracle:
``sim.solvers.nash.nash_text`` lays the same arithmetic out for speed
(replicates innermost, blocks, buffers, the coarse grid reused across sweeps)
and must agree to the last bit, for any number of principals and issues.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.solvers import nash
from sim.solvers.nash import nash_objective, nash_text, principal_sum


def _issue_utilities(packages, ideal, weights, gamma):
    distance = np.abs(packages[:, None, :] - ideal)
    return weights * (1.0 - np.power(distance, gamma[:, :, None]))


def reference_nash_text(start, movable, ideal, weights, gamma, disagreement, power, grid, lower=None,
                        upper=None, sweeps=2):  # fmt: skip
    lower = np.broadcast_to(0.0 if lower is None else lower, start.shape)
    upper = np.broadcast_to(1.0 if upper is None else upper, start.shape)
    text = start.copy()
    rows = np.arange(len(text))
    fraction = np.linspace(0.0, 1.0, grid)
    fine_fraction = np.linspace(-1.0, 1.0, grid)
    terms = _issue_utilities(text, ideal, weights, gamma)
    for _ in range(sweeps):
        for issue in np.flatnonzero(movable):
            low, high = lower[:, issue, None], upper[:, issue, None]
            step = (high - low) / (grid - 1)
            coarse = low + (high - low) * fraction[None, :]
            for values in (coarse, None):
                if values is None:
                    values = np.clip(text[:, issue, None] + step * fine_fraction[None, :], low, high)
                others = terms.sum(axis=2) - terms[:, :, issue]
                distance = np.abs(values[:, :, None] - ideal[:, None, :, issue])
                own = weights[:, None, :, issue] * (1.0 - np.power(distance, gamma[:, None, :]))
                surplus = others[:, None, :] + own - disagreement[:, None, :]
                best = np.argmax(nash_objective(surplus, power), axis=1)
                text[:, issue] = values[rows, best]
                terms[:, :, issue] = own[rows, best]
    return text


@st.composite
def problems(draw: st.DrawFn) -> dict:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    replicates = draw(st.sampled_from([1, 7, 300, 1500]))  # 1500 spans two blocks
    issues, principals = draw(st.integers(1, 11)), draw(st.integers(1, 12))
    salience = rng.random((replicates, principals, issues)) + 0.01
    lower = rng.uniform(0, 0.4, (replicates, issues))
    return {
        "start": rng.random((replicates, issues)),
        "movable": rng.random(issues) < 0.8,
        "ideal": rng.random((replicates, principals, issues)),
        "weights": salience / salience.sum(axis=2, keepdims=True),
        "gamma": np.power(2.0, -rng.uniform(-1, 1, (replicates, principals))),
        "disagreement": rng.uniform(0, 0.95, (replicates, principals)),  # often above the floor's reach
        "power": rng.uniform(0.01, 1, (replicates, principals)),
        "grid": draw(st.sampled_from([5, 7, 21, 41])),
        "lower": lower,
        "upper": lower + rng.uniform(0.05, 0.6, (replicates, issues)),
        "sweeps": draw(st.integers(1, 3)),
    }


@settings(max_examples=60, deadline=None)
@given(problem=problems())
def test_the_kernel_equals_the_reference_bit_for_bit(problem):
    assert np.array_equal(nash_text(**problem), reference_nash_text(**problem))


def test_blocks_of_any_size_give_the_same_text(monkeypatch):
    rng = np.random.default_rng(5)
    replicates, principals, issues = 257, 3, 3
    salience = rng.random((replicates, principals, issues)) + 0.01
    args = {
        "start": rng.random((replicates, issues)),
        "movable": np.ones(issues, bool),
        "ideal": rng.random((replicates, principals, issues)),
        "weights": salience / salience.sum(2, keepdims=True),
        "gamma": np.power(2.0, -rng.uniform(-1, 1, (replicates, principals))),
        "disagreement": rng.uniform(0, 0.5, (replicates, principals)),
        "power": rng.random((replicates, principals)),
        "grid": 21,
    }
    whole = nash_text(**args)
    monkeypatch.setattr(nash, "BLOCK", 16)
    assert np.array_equal(nash_text(**args), whole)


@settings(max_examples=40, deadline=None)
@given(principals=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_principal_sum_is_einsums_order(principals, seed):
    rng = np.random.default_rng(seed)
    values, power = rng.normal(size=(50, 9, principals)), rng.random((50, principals))
    terms = [values[:, :, p] * power[:, None, p] for p in range(principals)]
    assert np.array_equal(principal_sum(terms), np.einsum("rkp,rp->rk", values, power))


@settings(max_examples=30, deadline=None)
@given(problem=problems())
def test_float32_scores_still_return_float64_packages_inside_the_bounds(problem):
    """The float32 option scores in single precision but moves on the float64 grid: the package is
    float64, leaves the fixed issues alone and stays inside [lower, upper] wherever it moved."""
    single = nash_text(**problem, precision="float32")
    assert single.dtype == np.float64
    fixed = ~problem["movable"]
    assert np.array_equal(single[:, fixed], problem["start"][:, fixed])
    moved = problem["movable"]
    assert np.all(single[:, moved] >= problem["lower"][:, moved])
    assert np.all(single[:, moved] <= problem["upper"][:, moved])


def test_float32_leaves_the_default_scenarios_outcomes_as_they_are():
    """docs/performance.md: on the default scenario float32 changed no outcome in 20,000 replicates
    and about 1 % of agreed terms by a grid step; 2,000 replicates here must agree on every status."""
    from sim.engine.draws import monte_carlo_points
    from sim.experiments.batch import run_batch
    from sim.scenario import load_scenario
    from tests.conftest import ROOT

    scenario = load_scenario(ROOT / "scenarios" / "iran_talks.yaml").scenario
    single = scenario.model_copy(
        update={"protocol": scenario.protocol.model_copy(update={"precision": "float32"})}
    )
    points = monte_carlo_points(scenario, 2000, np.random.default_rng(3))
    outcomes = [
        run_batch(s, replicates=2000, seed=3, unit_points=points, record=False).tables.outcomes
        for s in (scenario, single)
    ]
    assert outcomes[0].column("outcome").to_pylist() == outcomes[1].column("outcome").to_pylist()
    assert outcomes[0].column("round").equals(outcomes[1].column("round"))
