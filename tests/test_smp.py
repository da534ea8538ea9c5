"""KTAB's Spatial Model of Politics reproduces KTAB's own reference runs, turn by turn.

The oracle is KTAB itself: its two SMP regression references (the tables
``SOE-Pol-Comp.csv``, 13 actors x 2 dimensions, and ``dummyData_3Dim.csv``,
7 x 3, with the logs ``20170530_ref-*.txt`` that KTAB's own compare script
diffs), extracted into tests/fixtures/ktab/ by extract_reference.py. Each
table goes through ``dipsim import --protocol smp --scale 0 100 --rounds 100``
and ``dipsim run`` as a user would, and the run's log must give:
- the number of states (the initial one and one per turn);
- every actor's position on every dimension after every turn, to KTAB's
  printed precision (0.1 on the 0-100 scale: within 0.05 of the printed value);
- every actor's probability of winning after every turn, within the printed
  half-unit (0.5e-4; the issue asks for 1e-4). The import divides power by the
  largest and writes that factor as ``capability_scale``, so that SMP runs on
  the table's own power: KTAB's coalition floors are absolute.
On KTAB's own scale (raw power), the solver alone reproduces every state,
the initial one included, within the printed half-units: 0.05 for positions,
0.5e-4 for probabilities, and the stopping rule's ratios to 4 decimals.
KTAB's other deterministic model parameters are checked the same way, one at
a time on two random tables, against KTAB's own runs of them
(fixtures/ktab/settings.json, made by make_settings_reference.py). The unit
tests below are hand computations of KTAB's formulas.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas.testing as pd_testing
import pytest

from sim.cli import main
from sim.importer.tables import read_table
from sim.solvers import pce, smp
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO

FIXTURES = Path(__file__).parent / "fixtures" / "ktab"
CASES = ["dummyData_3Dim", "SOE-Pol-Comp"]
SLACK = 1e-9  # float noise on top of the printed half-unit


def _dipsim(*argv: object) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([str(a) for a in argv]) == 0
    return out.getvalue()


def _reference(case: str) -> dict:
    return json.loads((FIXTURES / f"{case}.json").read_text())


def _ktab_table(case: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capabilities [N], positions and saliences [N, D] on KTAB's internal [0, 1] scale."""
    rows = read_table(FIXTURES / f"{case}.csv").rows
    capability = np.array([row.capability for row in rows])
    position = np.array([row.positions for row in rows]) / 100.0
    return capability, position, np.array([row.saliences for row in rows]) / 100.0


@pytest.fixture(scope="module", params=CASES)
def ktab_run(request, tmp_path_factory) -> tuple[str, Results]:
    case = request.param
    folder = tmp_path_factory.mktemp(case)
    table = folder / f"{case}.csv"
    shutil.copy(FIXTURES / f"{case}.csv", table)
    scenario = folder / "scenario.yaml"
    _dipsim("import", table, "--protocol", "smp", "--scale", 0, 100, "--rounds", 100, "--out", scenario)
    _dipsim("run", scenario, "--out", folder / "run")
    return case, Results.open(folder / "run")


def test_the_run_has_as_many_turns_as_ktab(ktab_run):
    case, run = ktab_run
    outcome = run.table("outcomes").iloc[0]
    assert outcome.outcome == "forecast"
    assert outcome.exchanges + 1 == _reference(case)["states"]  # 11 and 28 states


def test_every_position_after_every_turn_matches_ktab(ktab_run):
    case, run = ktab_run
    ref = _reference(case)
    rounds = run.table("rounds")
    actors = list(run.actors)
    issues = list(run.issues)
    worst = 0.0
    for n, name in enumerate(ref["actors"]):
        mine = rounds[rounds.actor == actors[n]].sort_values("step")
        assert list(mine.step) == list(range(1, ref["states"]))
        for k, dimension in enumerate(ref["dimensions"]):
            expected = np.array(ref["positions"][name][dimension][1:])
            error = np.abs(mine[f"position_{issues[k]}"].to_numpy() - expected)
            worst = max(worst, error.max())
    assert worst <= ref["position_precision"] + SLACK


def test_every_probability_after_every_turn_matches_ktab(ktab_run):
    case, run = ktab_run
    ref = _reference(case)
    rounds = run.table("rounds")
    actors = list(run.actors)
    for n, name in enumerate(ref["actors"]):
        mine = rounds[rounds.actor == actors[n]].sort_values("step").win_probability.to_numpy()
        expected = np.array(ref["probabilities"][name][1:])
        assert np.abs(mine - expected).max() <= ref["probability_precision"] + SLACK, name


@pytest.mark.parametrize("case", CASES)
def test_on_ktabs_own_scale_every_state_matches_within_the_printed_digits(case):
    """Positions, probabilities (state 0 included) and 'Fractional change compared to first step'."""
    ref = _reference(case)
    capability, position, salience = (x[None] for x in _ktab_table(case))
    rules = smp.Rules()
    ratios: list[float] = []
    first = None
    for state in range(ref["states"]):
        assessment = smp.assess(rules, position, salience, capability)
        _, probability = smp.position_probabilities(rules, assessment, position, capability)
        for n, name in enumerate(ref["actors"]):
            printed = [ref["positions"][name][dimension][state] for dimension in ref["dimensions"]]
            assert np.abs(position[0, n] * 100 - printed).max() <= ref["position_precision"] + SLACK
            assert (
                abs(probability[0, n] - ref["probabilities"][name][state])
                <= ref["probability_precision"] + SLACK
            )
        if state == ref["states"] - 1:
            break
        turn = smp.take_turn(rules, position, salience, capability, assessment)
        moved = smp.state_distance(position, turn.positions)[0]
        first = moved + 1e-4 if first is None else first
        ratios.append(moved / first)
        position = turn.positions
    assert np.abs(np.array(ratios) - ref["fractional_change"]).max() <= 0.00005 + SLACK
    assert ratios[-1] < 0.02 and min(ratios[1:-1], default=1.0) >= 0.02  # KTAB stops exactly there


SETTINGS = json.loads((FIXTURES / "settings.json").read_text())


def _ktab_history(rules: smp.Rules, table: dict, states: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions [T, N, D] (0-100) and winning probabilities [T, N] of every state, KTAB's stopping rule."""
    capability = np.array(table["power"])[None]
    position = np.array(table["positions"])[None] / 100.0
    salience = np.array(table["salience"])[None] / 100.0
    positions, probabilities, ratios, first = [], [], [], None
    while True:
        assessment = smp.assess(rules, position, salience, capability)
        probabilities.append(smp.position_probabilities(rules, assessment, position, capability)[1][0])
        positions.append(position[0] * 100)
        stopped = len(ratios) >= 2 and ratios[-1] < 0.02
        if stopped or len(positions) == max(states, 101):
            return np.array(positions), np.array(probabilities)
        turn = smp.take_turn(rules, position, salience, capability, assessment)
        moved = smp.state_distance(position, turn.positions)[0]
        first = moved + 1e-4 if first is None else first
        ratios.append(moved / first)
        position = turn.positions


@pytest.mark.parametrize(
    "run",
    [r for r in SETTINGS["runs"] if "ktab_refuses" not in r],
    ids=lambda r: f"{r['table']}-{r['setting']}-{r['value']}",
)
def test_every_model_setting_matches_ktab_in_every_state(run):
    """Each of KTAB's deterministic model parameters, one at a time, on two random tables.

    The oracle is KTAB's smpc run on the same table with that ModelParameters
    value (tests/fixtures/ktab/make_settings_reference.py): the number of
    states, every position and every probability in every state, within the
    printed half-units.
    """
    rules = smp.Rules(**{run["setting"]: run["value"]})
    positions, probabilities = _ktab_history(rules, SETTINGS["tables"][run["table"]], run["states"])
    assert len(positions) == run["states"]
    expected = np.array(run["positions"]).transpose(2, 0, 1)  # [actor][dim][state] -> [state, actor, dim]
    assert np.abs(positions - expected).max() <= SETTINGS["position_precision"] + SLACK
    assert np.abs(probabilities - np.array(run["probabilities"]).T).max() <= (
        SETTINGS["probability_precision"] + SLACK
    )


def _ktab_csv(table: dict) -> str:
    """A table of the settings fixture in KTAB's CSV layout (as KTAB's own tables are written)."""
    dims = len(table["positions"][0])
    lines = [f"random,random table,{len(table['power'])},{dims},"]
    lines.append("Actor,Description,Power," + ",".join(f"Pstn{k + 1},Sal{k + 1}" for k in range(dims)) + ",")
    for n, power in enumerate(table["power"]):
        cells = [f"{p:.2f},{s:.2f}" for p, s in zip(table["positions"][n], table["salience"][n], strict=True)]
        lines.append(f"A{n:02d},random actor,{power:.3f}," + ",".join(cells) + ",")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def imported_random_table(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("settings")
    table = folder / "random_4.csv"
    table.write_text(_ktab_csv(SETTINGS["tables"]["random_4"]))
    scenario = folder / "random_4.yaml"
    _dipsim("import", table, "--protocol", "smp", "--scale", 0, 100, "--rounds", 100, "--out", scenario)
    return scenario


@pytest.mark.parametrize(
    "run",
    [r for r in SETTINGS["runs"] if r["table"] == "random_4" and "ktab_refuses" not in r],
    ids=lambda r: f"{r['setting']}-{r['value']}",
)
def test_each_setting_in_a_scenario_reaches_the_model(imported_random_table, tmp_path, run):
    """``protocol: {name: smp, SETTING: VALUE}`` in a scenario, run by ``dipsim run``: KTAB's positions."""
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {imported_random_table}\nprotocol: {{name: smp, {run['setting']}: {run['value']}}}\n"
    )
    _dipsim("run", variant, "--out", tmp_path / "run")
    results = Results.open(tmp_path / "run")
    rounds = results.table("rounds")
    assert rounds.step.max() + 1 == run["states"]
    for n, actor in enumerate(results.actors):
        mine = rounds[rounds.actor == actor].sort_values("step")
        for k, issue in enumerate(results.issues):
            expected = np.array(run["positions"][n][k][1:])
            error = np.abs(mine[f"position_{issue}"].to_numpy() - expected).max()
            assert error <= SETTINGS["position_precision"] + SLACK, (actor, issue)


def test_ktab_refuses_full_risk_adjustment_and_the_port_runs_it():
    """KTAB throws on BigRAdjust Full for every table (its estimates then equal the objective utilities,
    which a sanity check in setAllAUtil forbids); the port computes the model as defined."""
    refused = [r for r in SETTINGS["runs"] if "ktab_refuses" in r]
    assert {(r["setting"], r["value"]) for r in refused} == {("big_r_adjust", "full")}
    positions, _ = _ktab_history(smp.Rules(big_r_adjust="full"), SETTINGS["tables"]["random_4"], 0)
    assert len(positions) >= 2 and np.isfinite(positions).all()


def test_full_and_no_third_party_commitment_are_one_model_in_ktab():
    """KTAB's thirdPartyVoteSU gives a third party the same expected utility on both sides under
    FullCommit and under NoCommit, so third parties never vote and the two runs are identical."""

    def history(value: str) -> list:
        runs = [r for r in SETTINGS["runs"] if r["setting"] == "third_party_commit"]
        return [r["positions"] for r in runs if r["value"] == value]

    assert history("full") == history("none")


def _ktab_coalitions(rule: str, weights: np.ndarray, utilities: np.ndarray) -> np.ndarray:
    """KTAB's Model::coalitions as its loops read: for each i and each j < i in list order, the votes
    v_k(i:j) go to c(i, j) when positive and to c(j, i) when negative; both start at 1e-8."""
    n_options = utilities.shape[1]
    c = np.full((n_options, n_options), 1e-8)
    for i in range(n_options):
        for j in range(i):
            for k in range(len(weights)):
                v = float(pce.vote(rule, weights[k], utilities[k, i], utilities[k, j]))
                if v > 0:
                    c[i, j] += v
                if v < 0:
                    c[j, i] -= v
    return c


@pytest.mark.parametrize("rule", ["asym_prospect", "proportional", "cubic"])
def test_each_actor_reads_its_options_in_ktabs_order(rule):
    """Actor k's list: bargains from earlier initiators, its status quo, its own, later ones. Under
    asym_prospect the order changes the coalitions; under antisymmetric rules it changes nothing."""
    order = smp.option_order(3)
    assert order.tolist() == [[0, 1, 2, 3], [1, 0, 2, 3], [1, 2, 0, 3]]
    rng = np.random.default_rng(3)
    weights, utilities = rng.uniform(0.1, 1, (1, 4)), rng.uniform(0, 1, (1, 4, 4))
    mine = pce.coalitions(rule, weights, utilities, np.argsort(order, axis=1))[0]
    for k in range(3):
        expected = _ktab_coalitions(rule, weights[0], utilities[0][:, order[k]])
        got = mine[k] if mine.ndim == 3 else mine
        np.testing.assert_allclose(got[np.ix_(order[k], order[k])], expected, rtol=1e-12, atol=0)


# --- KTAB's formulas, by hand ------------------------------------------------------------------


def test_distance_and_utility_by_hand():
    """bvDiff: sqrt(sum (s d)^2 / sum s^2); bsUtil: (1 - d)(1 + d R)."""
    ideal = np.array([[[0.2, 0.8]]])
    other = np.array([[[0.6, 0.5]]])
    salience = np.array([[[0.3, 0.4]]])
    d = smp.distances(ideal, other, salience)[0, 0, 0]
    assert d == pytest.approx(np.sqrt(((0.3 * 0.4) ** 2 + (0.4 * 0.3) ** 2) / (0.3**2 + 0.4**2)))  # 0.339411
    assert smp.utility(np.array(0.25), np.array(0.5)) == pytest.approx(0.75 * 1.125)
    assert smp.utility(np.array(1.2), np.array(0.5)) == pytest.approx(-0.2 * 1.5)  # d > 1: the risk term caps


def test_conditional_pce_by_hand():
    """Two actors, three options. Actor 0 (weight 2) has utilities (1, 0.5, 0), actor 1 (weight 1)
    (0, 0.5, 1). Coalitions: c(0:1) = 1e-8 + 2 x 0.5 = 1 + 1e-8 against c(1:0) = 1e-8 + 0.5;
    c(0:2) = 2 + 1e-8 against 1 + 1e-8; c(1:2) = 1 + 1e-8 against 0.5 + 1e-8. So
    P(0>1) = 2/3, P(0>2) = 2/3, P(1>2) = 2/3; products with the 1/2 diagonal:
    p0 = 1/2 x 2/3 x 2/3 = 2/9, p1 = 1/3 x 1/2 x 2/3 = 1/9, p2 = 1/3 x 1/3 x 1/2 = 1/18;
    normalised 4/7, 2/7, 1/7."""
    weights = np.array([[2.0, 1.0]])
    utilities = np.array([[[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]]])
    p = pce.scalar_pce("proportional", "linear", weights, utilities)[0]
    np.testing.assert_allclose(p, [4 / 7, 2 / 7, 1 / 7], rtol=1e-7)
    absent = pce.scalar_pce("proportional", "linear", weights, utilities, np.array([[True, False, True]]))[0]
    np.testing.assert_allclose(absent, [2 / 3, 0.0, 1 / 3], rtol=1e-7)  # 1/2 x 2/3 against 1/3 x 1/2


def test_risk_attitudes_on_the_mid_range_by_hand():
    """R = (3p - (p_max + 2 p_min)) / (2 (p_max - p_min)): 1 for the likeliest, -1/2 for the least."""
    r = smp.risk_from_probability(np.array([[0.5, 0.3, 0.2]]), "mid")[0]
    np.testing.assert_allclose(r, [1.0, 0.0, -0.5], atol=1e-15)
    assert (smp.risk_from_probability(np.array([[0.25, 0.25]]), "mid") == 0).all()  # KTAB divides by 0


def test_s2p2_bargain_by_hand():
    """Per dimension w_i = s_i^2 P^2, w_j = s_j^2 (1-P)^2; both take the weighted mean, to 4 d.p."""
    positions = np.array([[[0.2], [0.8]]])
    salience = np.array([[[0.5], [0.25]]])
    target, p_win = np.array([[1, -1]]), np.array([[0.6, 0.0]])
    init, rcvr = smp.interpolate(smp.Rules(), positions, salience, target, p_win)
    w_i, w_j = 0.25 * 0.36, 0.0625 * 0.16  # 0.09, 0.01
    expected = round((w_i * 0.2 + w_j * 0.8) / (w_i + w_j), 4)  # 0.26 (the 1e-6 nudge is below 4 d.p.)
    assert init[0, 0, 0] == pytest.approx(expected) and rcvr[0, 0, 0] == pytest.approx(expected)


# --- vectorised over replicates ----------------------------------------------------------------


def test_each_replicate_of_a_batch_runs_as_it_would_alone(write_scenario):
    """The batch is R independent KTAB runs: no replicate's numbers leak into another's.

    (A scenario without random events: those draw from one stream per batch.)
    """
    from sim.engine.draws import monte_carlo_points
    from sim.protocols import build_model
    from sim.scenario import load_scenario

    actors = "".join(
        f"""
          A{n}:
            name: Actor {n}
            role: principal
            capability: {{dist: uniform, low: 0.2, high: 1.0}}
            stances:
              x: {{position: {{dist: uniform, low: 0, high: 100}}, salience: 0.{n + 3}}}
              y: {{position: {{dist: uniform, low: 0, high: 100}}, salience: 0.{6 - n}}}"""
        for n in range(5)
    )
    path = write_scenario(
        f"""
        name: smp_batch
        protocol: {{name: smp}}
        issues:
          x: {{label: X, unit: u, bounds: [0, 100], status_quo: 50}}
          y: {{label: Y, unit: u, bounds: [0, 100], status_quo: 50}}
        actors:{actors}
        rounds:
          only: {{venue: v, format: direct, agenda: [x, y], exchanges: 30}}
        """
    )
    scenario = load_scenario(path).scenario
    points = monte_carlo_points(scenario, 6, np.random.default_rng(5))
    together = build_model(scenario, replicates=6, seed=1, unit_points=points).run().rounds.to_pandas()
    assert together.step.max() > 2  # they take turns
    for r in range(6):
        alone = build_model(scenario, replicates=1, seed=1, unit_points=points[r : r + 1]).run()
        mine = together[together.replicate == r].drop(columns="replicate").reset_index(drop=True)
        pd_testing.assert_frame_equal(
            mine, alone.rounds.to_pandas().drop(columns="replicate"), check_exact=True
        )


def test_a_sweep_over_an_smp_scenario_forecasts_every_replicate(tmp_path):
    scenario = tmp_path / "iran_smp.yaml"
    scenario.write_text(f"extends: {DEFAULT_SCENARIO}\nname: iran_smp\nprotocol: {{name: smp}}\n")
    _dipsim(
        "sweep", scenario, "--samples", 16, "--replicates", 2, "--workers", 1, "--out", tmp_path / "sweep"
    )
    results = Results.open(tmp_path / "sweep")
    outcomes = results.table("outcomes")
    assert len(outcomes) == 32
    assert set(outcomes.outcome) <= {"forecast", "breakdown", "escalation"}  # events may still end talks
    assert "win_probability" in results.table("rounds").columns


def test_an_uncertain_quiet_ratio_is_drawn_per_replicate(tmp_path):
    """quiet_ratio accepts a distribution like every numeric setting; each replicate stops by its own draw."""
    scenario = tmp_path / "quiet.yaml"
    scenario.write_text(
        f"extends: {DEFAULT_SCENARIO}\n"
        "protocol: {name: smp, quiet_ratio: {dist: uniform, low: 0.0, high: 0.9}}\n"
    )
    _dipsim("run", scenario, "--replicates", 40, "--sample", "--seed", 3, "--out", tmp_path / "run")
    results = Results.open(tmp_path / "run")
    stops = results.table("events").query("kind == 'forecast'")
    assert stops.detail.str.contains("stopping rule").any()  # a high ratio stops some replicates early
    assert results.table("outcomes").exchanges.nunique() > 1
