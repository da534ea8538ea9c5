"""Sweeps: the same seed gives the same dataset on any executor, resumes exactly, never shows torn files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.errors import ResultsError
from sim.experiments.sweep.designs import DESIGNS, design_points, design_size
from sim.experiments.sweep.executors import SweepError
from sim.experiments.sweep.plan import SweepPlan, SweepSettings
from sim.experiments.sweep.runner import Execution, run_sweep
from sim.scenario import load_scenario
from sim.scenario.parameters import uncertain_keys
from sim.store.results import Results
from sim.store.sweep_folder import SweepStore
from tests.conftest import DEFAULT_SCENARIO, ROOT, SCENARIOS, dipsim

SMALL = SweepSettings(samples=24, replicates=4, design="lhs", seed=7, batch_replicates=16)


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEFAULT_SCENARIO)


def dataset(folder: Path) -> dict[str, pd.DataFrame]:
    results = Results.open(folder, ("sweep",))
    return {name: results.table(name) for name in ("outcomes", "rounds", "texts", "events", "samples")}


def finished_batches(folder: Path) -> int:
    """Outcomes parts on disk: what a watcher of a running sweep can count without reading them."""
    return len(list((folder / "outcomes").glob("part-*.parquet"))) if (folder / "outcomes").exists() else 0


def assert_same_dataset(first: Path, second: Path) -> None:
    a, b = dataset(first), dataset(second)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def serial_sweep(loaded, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serial") / "sweep"
    run_sweep(loaded, SMALL, folder, Execution(workers=1, progress=False))
    return folder


def test_serial_sweep_layout(serial_sweep):
    results = Results.open(serial_sweep, ("sweep",))
    manifest = results.manifest
    assert manifest["status"] == "complete"
    assert len(manifest["sweep"]["batches"]) == 6  # 24 samples x 4 replicates / 16 per batch
    assert finished_batches(serial_sweep) == 6
    outcomes = results.table("outcomes")
    assert len(outcomes) == 24 * 4
    assert list(outcomes.columns[:3]) == ["sample", "replicate", "outcome"]
    assert sorted(set(outcomes["sample"])) == list(range(24))
    samples = results.table("samples")
    assert len(samples) == 24
    assert set(samples.columns) - {"sample"} == set(manifest["sweep"]["uncertain_parameters"])


def test_process_pool_gives_the_identical_dataset(loaded, serial_sweep, tmp_path):
    folder = tmp_path / "pool"
    run_sweep(loaded, SMALL, folder, Execution(workers=2, progress=False, inline_below=0))
    assert_same_dataset(serial_sweep, folder)


def test_a_small_sweep_on_a_pool_runs_in_this_process_and_says_so(loaded, serial_sweep, tmp_path):
    """96 replicate-runs on 2 workers: far below 2 x 30,000, so no pool is started."""
    folder = tmp_path / "small"
    summary = run_sweep(loaded, SMALL, folder, Execution(workers=2, progress=False))
    assert summary.note.startswith("ran in this process: 96 replicate-runs are fewer than the 60,000")
    manifest = Results.open(folder, ("sweep",)).manifest
    assert manifest["executor"] == manifest["invocations"][-1]["executor"] == "inline (serial)"
    assert_same_dataset(serial_sweep, folder)
    assert Execution(workers=2).for_work(60_000) == (Execution(workers=2), "")
    assert Execution(workers=3, dask_local=True).for_work(10)[1] == ""  # a cluster is a choice


def test_dask_local_cluster_gives_the_identical_dataset(loaded, serial_sweep, tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "dask"
    run_sweep(loaded, SMALL, folder, Execution(workers=2, dask_local=True, progress=False))
    assert_same_dataset(serial_sweep, folder)


def test_missing_dask_is_a_clear_error(loaded, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(SweepError, match=r"pip install 'dipsim\[dask\]'"):
        run_sweep(loaded, SMALL, tmp_path / "x", Execution(workers=2, dask_local=True, progress=False))


@pytest.mark.parametrize("design", DESIGNS)
def test_each_design_has_the_expected_number_of_points(design):
    keys = [f"k{i}" for i in range(5)]
    points = design_points(design, 8, keys, np.random.SeedSequence(0))
    assert points.shape == (design_size(design, 8, 5), 5)
    assert {"mc": 8, "lhs": 8, "sobol": 8 * 7, "morris": 8 * 6}[design] == len(points)
    assert points.min() >= 0 and points.max() <= 1


def test_plan_batches_cover_every_design_point_once(loaded):
    plan = SweepPlan.build(loaded.scenario, SweepSettings(samples=10, replicates=3, batch_replicates=7))
    covered = [s for batch in plan.batches for s in range(batch.first_sample, batch.stop_sample)]
    assert covered == list(range(10))
    assert plan.samples_per_batch == 2
    assert len(plan.keys) == len(uncertain_keys(loaded.scenario))


def test_resume_refuses_another_seed_or_scenario(loaded, serial_sweep, tmp_path):
    folder = tmp_path / "copy"
    run_sweep(loaded, SMALL, folder, Execution(progress=False))
    with pytest.raises(SweepError, match="already holds a sweep; add --resume"):
        run_sweep(loaded, SMALL, folder, Execution(progress=False))
    other_seed = SweepSettings(**{**SMALL.__dict__, "seed": 8})
    with pytest.raises(SweepError, match="seed: folder has 7, this call 8"):
        run_sweep(loaded, other_seed, folder, Execution(progress=False), resume=True)
    variant = load_scenario(SCENARIOS / "iran_talks_direct.yaml")
    with pytest.raises(SweepError, match="scenario: folder was made from iran_talks"):
        run_sweep(variant, SMALL, folder, Execution(progress=False), resume=True)


def _start_sweep(folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(DEFAULT_SCENARIO),
            "--samples",
            "120",
            "--replicates",
            "4",
            "--design",
            "lhs",
            "--seed",
            "3",
            "--batch-replicates",
            "16",
            "--out",
            str(folder),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_no_torn_part_files_are_ever_visible(tmp_path):
    folder = tmp_path / "watched"
    process = _start_sweep(folder)
    seen = 0
    while process.poll() is None:
        for part in folder.glob("*/part-*.parquet"):  # what a reader would pick up
            try:
                pq.read_metadata(part)
            except FileNotFoundError:
                continue  # replaced between listing and reading: fine
            seen += 1
    assert process.returncode == 0
    assert seen > 0
    assert not list(folder.glob("*/.*"))  # no temporary names left behind


def test_small_sobol_sweep_then_sensitivity(tmp_path):
    folder = tmp_path / "sobol"
    run = dipsim(
        "sweep",
        DEFAULT_SCENARIO,
        "--samples",
        16,
        "--replicates",
        2,
        "--design",
        "sobol",
        "--seed",
        1,
        "--log",
        "outcomes",
        "--out",
        folder,
    )
    assert run.returncode == 0, run.stderr
    manifest = Results.open(folder).manifest
    dimensions = len(manifest["sweep"]["uncertain_parameters"])
    assert manifest["sweep"]["design_points"] == 16 * (dimensions + 2)
    assert not (folder / "rounds").exists()  # --log outcomes
    analysis = dipsim("sensitivity", folder, "--output", "p_deal", "--output", "enrichment")
    assert analysis.returncode == 0, analysis.stderr
    assert "P(deal) - sobol ST (total-order index):" in analysis.stdout
    table = pd.read_parquet(folder / "sensitivity.parquet")
    assert set(table.output) == {"p_deal", "enrichment"}
    indices = table[table.method != "noise"]
    assert set(indices["index"]) == {"S1", "ST"}
    assert set(indices.parameter) == set(manifest["sweep"]["uncertain_parameters"])
    noise = table[table.method == "noise"]  # two replicates per point: the noise is read from the sweep
    assert set(noise.output) == {"p_deal", "enrichment"} and (noise.parameter == "").all()


def test_sensitivity_refuses_an_incomplete_sweep(loaded, tmp_path):
    folder = tmp_path / "partial"
    run_sweep(loaded, SMALL, folder, Execution(progress=False))
    SweepStore(folder).part("outcomes", 2).unlink()
    from sim.experiments.sensitivity import analyse

    with pytest.raises(ResultsError, match="incomplete sweep \\(5 of 6 batches on disk"):
        analyse(folder)
    assert os.path.exists(folder / "manifest.json")


def test_lhs_sweep_sensitivity_uses_rbd_fast_and_pawn(loaded, tmp_path):
    from sim.experiments.sensitivity import analyse

    folder = tmp_path / "lhs"
    settings = SweepSettings(samples=96, replicates=2, design="lhs", seed=2, log="outcomes")
    run_sweep(loaded, settings, folder, Execution(progress=False))
    table = analyse(folder, outputs=["p_deal"]).table
    assert set(table.method) == {"rbd_fast", "pawn", "noise"}
    first_order = table[(table.method == "rbd_fast") & (table.output == "p_deal")]
    assert len(first_order) == len(uncertain_keys(loaded.scenario))
    assert first_order.value.notna().all()


def test_pool_workers_exit_when_a_killed_sweep_leaves_them(tmp_path):
    folder = tmp_path / "orphans"
    process = _start_sweep(folder, "--workers", "2", "--inline-below", "0")
    deadline = time.monotonic() + 120
    while not finished_batches(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the sweep should be running worker processes"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [
        pid
        for pid in children
        if Path(f"/proc/{pid}").exists()
        and "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text(errors="ignore")
    ]
    assert not alive, f"orphaned workers still running: {alive}"


def test_a_released_model_frees_its_arrays_at_once(loaded):
    """A worker runs batch after batch; a finished model's arrays must go when it is released, without
    waiting for Python's cyclic collector (Mesa's wrapped step makes every model a reference cycle)."""
    import gc
    import weakref

    from sim.protocols import build_model

    gc.disable()
    try:
        model = build_model(loaded.scenario, replicates=64, seed=1)
        model.run()
        text, position = weakref.ref(model.state.text), weakref.ref(model.principals[0].position)
        model.release()
        del model
        assert text() is None and position() is None
    finally:
        gc.enable()
