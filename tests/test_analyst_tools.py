"""Ways in for analysts: --set, --vary, the sweep plan, progress lines, one tidy DataFrame, DuckDB.

The oracles: a value fixed with --set must give exactly the run a file with that value gives; a
red line that fires with probability p on a signed text must turn a share p of signed texts into
escalation (a binomial count, checked within four standard errors); a Saltelli design has
N x (D + 2) points; a grid of 0:1:0.25 is the five values 0, 0.25, 0.5, 0.75, 1 exactly.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.errors import UsageError
from sim.experiments.sweep.plan import SweepPlan, SweepSettings
from sim.experiments.sweep.vary import parse_vary, vary_scenario
from sim.scenario import load_scenario
from sim.scenario.overrides import parse_assignment, with_values
from sim.scenario.parameters import uncertain_keys
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO, dipsim
from tests.test_bad_input import run_cli

RED_LINE = "actors.Israel.red_lines.0.probability"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "sweep"
    made = dipsim("sweep", DEFAULT_SCENARIO, "--samples", 6, "--replicates", 3, "--out", folder)
    assert made.returncode == 0, made.stderr
    return folder


# --------------------------------------------------------------------------- --set


def test_set_gives_the_run_a_file_with_that_value_gives(tmp_path):
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {DEFAULT_SCENARIO}\nactors:\n  Israel:\n    red_lines:\n      - issue: enrichment\n"
        "        above: 0\n        action: escalate\n        trigger: deal\n        probability: 0.9\n"
        "        note: a deal that leaves enrichment in place may be met by unilateral action\n"
    )
    # Without --sample: a sampled run draws a column for each of the file's uncertain parameters, so a
    # file that fixes one draws one column fewer (test_fixing_one_parameter_leaves_every_other_draw...).
    common = ["--seed", 3, "--replicates", 300]
    by_set = dipsim("run", DEFAULT_SCENARIO, *common, "--set", f"{RED_LINE}=0.9", "--out", tmp_path / "a")
    by_file = dipsim("run", variant, *common, "--out", tmp_path / "b")
    assert by_set.returncode == 0, by_set.stderr
    assert by_file.returncode == 0, by_file.stderr
    a, b = Results.open(tmp_path / "a").frame(), Results.open(tmp_path / "b").frame()
    pd.testing.assert_frame_equal(a, b)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["scenario"]["overrides"] == {RED_LINE: 0.9}
    sampled = dipsim(
        "run", DEFAULT_SCENARIO, *common, "--sample", "--set", f"{RED_LINE}=0.9", "--out", tmp_path / "c"
    )
    assert sampled.returncode == 0, sampled.stderr
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert RED_LINE not in manifest["uncertain_parameters"]  # fixed, so no longer sampled
    assert RED_LINE not in Results.open(tmp_path / "c").frame()  # not an input that varies


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("actors.Israel.capability=1.5", "must lie within [0, 1], got 1.5"),
        (
            "actors.Iran.stances.enrichment.position=200",
            "--set actors.Iran.stances.enrichment.position=200.0: 200 lies outside the bounds of issue "
            "'enrichment' [0, 60]",
        ),
        ("actors.Israel.capability", "--set actors.Israel.capability: expected KEY=VALUE"),
        ("actors.Israel.capability=high", "'high' is not a number"),
        ("actors.Israel.capabilty=0.5", "'actors.Israel.capabilty' is not a parameter"),
        ("actors.Israel.red_lines.4.probability=0.5", "the scenario has no such parameter"),
    ],
)
def test_a_bad_set_is_refused_before_anything_runs(tmp_path, assignment, message):
    code, _, err = run_cli("run", DEFAULT_SCENARIO, "--set", assignment, "--out", tmp_path / "run")
    assert code == 2
    assert message in err
    assert not (tmp_path / "run").exists()


def test_overrides_change_the_scenario_identity_so_resume_refuses_another_set(loaded):
    key, value = parse_assignment(f"{RED_LINE}=0.2")
    once = with_values(loaded, {key: value})
    assert once.sha256 != loaded.sha256
    assert with_values(loaded, {key: value}).sha256 == once.sha256
    assert with_values(loaded, {key: 0.3}).sha256 != once.sha256


# --------------------------------------------------------------------------- --vary


def test_a_grid_is_counted_in_decimal():
    assert parse_vary(f"{RED_LINE}=0:1:0.25", "central").values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_vary(f"{RED_LINE}=0.1:0.3:0.1", "central").values == (0.1, 0.2, 0.3)
    for bad in (f"{RED_LINE}=1:0:0.1", f"{RED_LINE}=0:1:0", f"{RED_LINE}=0:1", f"{RED_LINE}=a:1:0.1"):
        with pytest.raises(UsageError, match="--vary"):
            parse_vary(bad, "central")


def test_vary_holds_the_rest_at_central_values_and_steps_the_red_line(tmp_path):
    folder = tmp_path / "vary"
    result = dipsim(
        "sweep", DEFAULT_SCENARIO, "--vary", f"{RED_LINE}=0:1:0.25", "--replicates", 1500,
        "--log", "outcomes", "--out", folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Plan: Israel: red-line probability (enrichment): 5 values from 0 to 1" in result.stdout
    frame = Results.open(folder).frame()
    assert list(frame.columns[:3]) == ["sample", "replicate", RED_LINE]  # the only input that varies
    assert sorted(frame[RED_LINE].unique()) == [0.0, 0.25, 0.5, 0.75, 1.0]
    signed = frame[frame.signed]
    for p, group in signed.groupby(RED_LINE):
        # The red line fires on a signed text with probability p: a binomial share of the signed texts.
        fired = (group.outcome == "escalation").mean()
        error = math.sqrt(max(p * (1 - p), 1e-12) / len(group))
        assert abs(fired - p) <= 4 * error + 1e-12, (p, fired, len(group))


def test_vary_with_samples_crosses_every_grid_value_with_the_same_points(loaded):
    vary = parse_vary("actors.Iran.patience=0.5:0.9:0.2", "sampled")
    scenario = vary_scenario(loaded, vary).scenario
    plan = SweepPlan.build(scenario, SweepSettings(samples=7, design="lhs", vary=vary))
    keys = list(plan.keys)
    assert len(keys) == len(uncertain_keys(loaded.scenario))  # the varied key was uncertain already
    column = keys.index(vary.parameter)
    points = plan.points.reshape(3, 7, len(keys))
    np.testing.assert_array_equal(points[:, :, column], np.repeat([[1 / 6], [3 / 6], [5 / 6]], 7, axis=1))
    rest = np.delete(points, column, axis=2)
    np.testing.assert_array_equal(rest[0], rest[1])
    np.testing.assert_array_equal(rest[0], rest[2])
    assert plan.describe()["expected_design_points"] == 21


def test_vary_refuses_a_sensitivity_design(tmp_path):
    result = dipsim(
        "sweep", DEFAULT_SCENARIO, "--vary", f"{RED_LINE}=0:1:0.5", "--samples", 8, "--design", "sobol",
        "--dry-run",
    )  # fmt: skip
    assert result.returncode == 2
    assert "mc or lhs only" in result.stderr


# --------------------------------------------------------------------------- the plan, progress


def test_the_plan_is_printed_and_dry_run_writes_nothing(loaded, tmp_path):
    dimensions = len(uncertain_keys(loaded.scenario))
    result = dipsim(
        "sweep", DEFAULT_SCENARIO, "--samples", 8, "--design", "sobol", "--dry-run", "--out", tmp_path / "s"
    )
    assert result.returncode == 0, result.stderr
    points = 8 * (dimensions + 2)  # Saltelli without second order: N x (D + 2)
    assert f"N x (D + 2) = 8 x ({dimensions} + 2) = {points:,} points" in result.stdout
    assert f"{points:,} design points x 1 replicate = {points:,} runs, in 1 batch" in result.stdout
    assert not (tmp_path / "s").exists()


def test_a_sweep_logged_to_a_file_prints_progress_lines(tmp_path):
    result = dipsim(
        "sweep", DEFAULT_SCENARIO, "--samples", 40, "--batch-replicates", 10, "--log", "outcomes",
        "--progress-every", 0, "--out", tmp_path / "s",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "progress:" in line]
    assert lines[0].startswith("  progress: 1/4 batches, 10 of 40 runs (25%)")
    assert len(lines) == 3  # after each batch but the last, which the summary reports


# --------------------------------------------------------------------------- one DataFrame, DuckDB


def test_one_tidy_frame_of_inputs_and_outputs(small_sweep):
    results = Results.open(small_sweep)
    frame = results.frame()
    keys = results.manifest["sweep"]["uncertain_parameters"]
    assert len(frame) == 18
    assert list(frame.columns[:2]) == ["sample", "replicate"]
    assert list(frame.columns[2 : 2 + len(keys)]) == keys
    samples = results.table("samples").set_index("sample")
    for row in frame.itertuples(index=False):  # every replicate carries its design point's inputs
        assert row.sample in samples.index
    np.testing.assert_array_equal(frame[keys[0]], samples.loc[frame["sample"], keys[0]])
    assert {"outcome", "cause", "signed", *results.issues} <= set(frame.columns)


def test_duckdb_reads_run_and_sweep_folders_as_they_are(small_sweep, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    sweep, run = small_sweep, tmp_path / "run"
    assert dipsim("run", DEFAULT_SCENARIO, "--replicates", 5, "--sample", "--out", run).returncode == 0
    joined = duckdb.sql(
        f"SELECT o.sample, o.replicate, o.outcome, s.\"{RED_LINE}\" AS p FROM '{sweep}/outcomes/*.parquet' o "
        f"JOIN '{sweep}/samples/*.parquet' s USING (sample) ORDER BY o.sample, o.replicate"
    ).df()
    frame = Results.open(sweep).frame()
    assert joined.outcome.astype(str).tolist() == frame.outcome.astype(str).tolist()
    assert joined.p.tolist() == frame[RED_LINE].tolist()
    count = duckdb.sql(
        f"SELECT count(*) FROM '{run}/outcomes.parquet' JOIN '{run}/samples.parquet' USING (replicate)"
    ).fetchall()[0][0]
    assert count == 5


def test_fixing_one_parameter_leaves_every_other_draw_where_it_was(loaded):
    from sim.experiments.run import RunSettings, run_scenario

    settings = RunSettings(seed=11, replicates=64, sample=True)
    free, _ = run_scenario(loaded, settings)
    key, value = parse_assignment(f"{RED_LINE}=0.9")
    fixed, _ = run_scenario(with_values(loaded, {key: value}), settings)
    free_inputs, fixed_inputs = free.samples.to_pandas(), fixed.samples.to_pandas()
    assert RED_LINE not in fixed_inputs
    pd.testing.assert_frame_equal(free_inputs.drop(columns=RED_LINE), fixed_inputs)
