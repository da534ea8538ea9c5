"""Sensitivity of declared outputs, and the replicate-noise warning: estimators checked against hand
computations and synthetic data of known variance, the CLI against sweeps whose noise is known."""

from __future__ import annotations

import contextlib
import io
import json
import math
import textwrap

import numpy as np
import pytest

from sim import cli
from sim.experiments.noise import NoiseEstimate, anova, from_probe, noise_lines
from sim.experiments.sensitivity import analyse, sensitivity_json
from sim.experiments.sweep.plan import SweepSettings
from sim.experiments.sweep.runner import Execution, run_sweep
from sim.scenario import load_scenario
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO, MINIMAL, dipsim

# MINIMAL with two sampled inputs and the protocol's perception noise off: nothing in a run is random,
# so every replicate of a design point repeats the first exactly (replicate variance 0, by construction).
DETERMINISTIC = (
    textwrap.dedent(MINIMAL)
    .lstrip("\n")
    .replace("name: minimal\n", "name: minimal\nprotocol: {name: single_text, noise: 0}\n")
    .replace("capability: 0.5", "capability: {dist: uniform, low: 0.1, high: 0.9}")
    .replace("cap: {position: 0, salience", "cap: {position: {dist: uniform, low: 0, high: 40}, salience")
)


def sweep(folder, scenario, samples: int, design: str = "lhs", replicates: int = 1) -> None:
    settings = SweepSettings(samples=samples, replicates=replicates, design=design, log="outcomes")
    run_sweep(load_scenario(scenario), settings, folder, Execution(progress=False))


def outputs_json(folder, **options: object) -> dict[str, dict]:
    """The analysis as ``dipsim sensitivity --json`` prints it, by output name (in this process)."""
    result = analyse(folder, **options)
    shown = sensitivity_json(result, Results.open(folder).manifest["scenario"]["resolved"])
    return {output["name"]: output for output in shown["outputs"]}


def run_cli(*argv: object) -> tuple[int, str, str]:
    """The CLI in this process, as the console script runs it: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_anova_by_hand():
    # Points (1, 3) and (5, 7): within = (1 + 1 + 1 + 1) / (2 x 1) = 2; MSB = 2 x ((2 - 4)^2 + (6 - 4)^2) / 1
    # = 16; between = (16 - 2) / 2 = 7. At R = 2 the noise is 2 / 2 = 1 of 1 + 7: share 1/8.
    estimate = anova("y", np.array([[1.0, 3.0], [5.0, 7.0]]))
    assert (estimate.within, estimate.between, estimate.degrees) == (2.0, 7.0, 2)
    assert estimate.share == pytest.approx(1 / 8)
    # R >= 2 (1 - 0.05) / (0.05 x 7) = 5.43 -> 6 replicates: share (2/6) / (2/6 + 7) = 0.0455 <= 0.05,
    # while 5 would leave (2/5) / (2/5 + 7) = 0.054.
    assert estimate.needed(0.05) == 6


def test_the_warning_fires_exactly_when_the_noise_share_exceeds_the_tolerance():
    labels = {"y": "the output"}
    # within 2, between 7 (the hand case above): at R = 1 the share is 2 / 9 = 0.22 > 0.05;
    # at R = 6 it is 0.0455 < 0.05.
    loud = NoiseEstimate("y", 2.0, 7.0, 1, "anova", 10)
    quiet = NoiseEstimate("y", 2.0, 7.0, 6, "anova", 10)
    assert loud.share == pytest.approx(2 / 9) and loud.dominates(0.05)
    assert quiet.share == pytest.approx((2 / 6) / (2 / 6 + 7)) and not quiet.dominates(0.05)
    assert noise_lines([loud], labels, 0.05)[0].startswith("WARNING")
    assert "about 6 replicates per design point" in noise_lines([loud], labels, 0.05)[1]
    assert noise_lines([quiet], labels, 0.05)[0].startswith("Replicate noise is under 5%")
    # inputs that move nothing: no number of replicates helps, and the warning says so
    assert math.isinf(NoiseEstimate("y", 1.0, 0.0, 4, "anova", 10).needed())


def test_anova_recovers_known_variance_components():
    # y_ij = b_i + e_ij with Var(b) = 0.25 and Var(e) = 1: the estimator is unbiased for both.
    rng = np.random.default_rng(11)
    n, replicates = 4000, 4
    values = rng.normal(0, 0.5, (n, 1)) + rng.normal(0, 1.0, (n, replicates))
    estimate = anova("y", values)
    assert estimate.within == pytest.approx(1.0, abs=0.03)  # SE ~ sqrt(2 / 12000) = 0.013
    assert estimate.between == pytest.approx(0.25, abs=3 * estimate.between_se)
    assert estimate.between_se == pytest.approx(0.01, rel=0.3)  # sqrt(2 (1 + 4 x 0.25)^2 / 4000 + ...) / 4


def test_a_probe_and_a_one_replicate_sweep_recover_them_too():
    # Bernoulli outputs, as P(outcome) is: p_i uniform on [0.2, 0.8] -> Var(p) = 0.6^2 / 12 = 0.03,
    # replicate variance E[p (1 - p)] = 0.5 - (0.03 + 0.25) = 0.22.
    rng = np.random.default_rng(5)
    sweep_p = rng.uniform(0.2, 0.8, 20_000)
    probe_p = rng.uniform(0.2, 0.8, (2000, 1))
    estimate = from_probe("y", rng.random(20_000) < sweep_p, rng.random((2000, 16)) < probe_p)
    assert estimate.within == pytest.approx(0.22, abs=0.005)
    assert estimate.between == pytest.approx(0.03, abs=3 * estimate.between_se)
    assert estimate.share == pytest.approx(0.22 / 0.25, abs=0.03)


def test_noise_warning_fires_on_a_one_replicate_sobol_sweep(tmp_path):
    # At one replicate a 0/1 output's replicate variance is E[p(x)(1 - p(x))]; the default scenario's
    # P(escalation | inputs) stays within about 0.3-0.7 across every input's range (its report's driver
    # curves), so that variance is at least 0.21 of a total of at most 0.25: noise is over 80 %.
    folder = tmp_path / "sobol"
    sweep(folder, DEFAULT_SCENARIO, 8, "sobol")
    result = dipsim("sensitivity", folder, "--output", "p_escalation")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("WARNING: replicate noise is over 5%")
    probe = "noise probe: 256 of the sweep's design points x 16 replicates, seed SeedSequence(0).spawn(3)[2]"
    assert probe in result.stdout
    noise = outputs_json(folder, outputs=["p_escalation"])["p_escalation"]["noise"]
    assert noise["source"] == "probe" and noise["warning"] and noise["noise_share"] > 0.8
    assert noise["replicate_variance"] > 0.2


@pytest.mark.parametrize("replicates", [1, 2])
def test_noise_warning_stays_quiet_without_noise(write_scenario, tmp_path, replicates):
    folder = tmp_path / "sweep"
    sweep(folder, write_scenario(DETERMINISTIC), 64, replicates=replicates)
    shown = outputs_json(folder)
    assert shown["cap"]["noise"]["replicate_variance"] == 0  # by construction: no randomness in a run
    assert shown["cap"]["noise"]["source"] == ("probe" if replicates == 1 else "anova")
    assert not any(o["noise"]["warning"] for o in shown.values())
    assert shown["p_deal"]["constant"] and shown["p_deal"]["indices"] == []  # constant, not NaN indices
    assert {i["method"] for i in shown["cap"]["indices"]} == {"rbd_fast", "pawn"}
    code, out, _ = run_cli("sensitivity", folder)
    assert code == 0 and "WARNING" not in out and "Replicate noise is under 5%" in out


def test_a_forecasting_sweep_analyses_its_forecast_not_a_constant_deal_share(write_scenario, tmp_path):
    variant = write_scenario(f"extends: {DEFAULT_SCENARIO}\nprotocol: {{name: compromise}}\n")
    folder = tmp_path / "forecast"
    sweep(folder, variant, 64)
    shown = outputs_json(folder, outputs=["p_forecast", "enrichment"], method="rbd_fast", probe=False)
    assert "forecast term" in shown["enrichment"]["label"] and not shown["enrichment"]["constant"]
    assert all(i["value"] is not None for i in shown["enrichment"]["indices"])
    code, _, err = run_cli("sensitivity", folder, "--output", "p_deal")
    assert code == 2 and "unknown output 'p_deal'" in err and "p_forecast" in err  # no deal to analyse


def test_a_method_must_fit_the_design_and_outputs_must_exist(write_scenario, tmp_path):
    folder = tmp_path / "sweep"
    sweep(folder, write_scenario(DETERMINISTIC), 48)
    code, _, err = run_cli("sensitivity", folder, "--method", "sobol")
    assert code == 2
    assert "sobol needs a sweep run with --design sobol; this sweep's design is lhs" in err
    code, _, err = run_cli("sensitivity", folder, "--output", "p_victory")
    assert code == 2
    assert "unknown output 'p_victory'; this sweep's outputs are: p_deal, p_stalemate, cap" in err
    code, out, _ = run_cli("sensitivity", folder, "--method", "pawn", "--output", "cap", "--json")
    pawn = json.loads(out)
    assert pawn["methods"] == ["pawn"] and {i["index"] for i in pawn["outputs"][0]["indices"]} == {"median"}
