"""Corrupt, incomplete or foreign results folders are refused in one line; --resume finishes any kill.

A reference sweep is built once; each test damages a copy in one known way and
checks what every reader (report, sensitivity, compare) and ``--resume`` do
with it. The expected outcome of a repaired sweep is the reference itself: an
uninterrupted run of the same command.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import cli
from sim.store.atomic import is_temporary
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO, ROOT

SWEEP = ["sweep", str(DEFAULT_SCENARIO), "--samples", "48", "--replicates", "2", "--design", "lhs",
         "--batch-replicates", "16", "--workers", "1", "--seed", "3"]  # fmt: skip
BATCHES = 6  # 48 design points, 8 per batch


def run_cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    results = Results.open(folder, ("sweep",))
    return {name: results.table(name) for name in ("outcomes", "rounds", "texts", "events", "samples")}


def assert_same(first: Path, second: Path) -> None:
    a, b = tables(first), tables(second)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("integrity") / "reference"
    assert run_cli(*SWEEP, "--out", folder)[0] == 0
    return folder


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> Path:
    """The same plan with another seed: its parts look just like the reference's."""
    folder = tmp_path_factory.mktemp("integrity") / "other"
    assert run_cli(*SWEEP[:-1], "4", "--out", folder)[0] == 0
    return folder


def part(folder: Path, table: str, batch: int) -> Path:
    return folder / table / f"part-{batch:05d}.parquet"


def edit_manifest(folder: Path, change: Callable[[dict], None]) -> None:
    path = folder / "manifest.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def readers(folder: Path, reference: Path, tmp_path: Path) -> list[tuple[int, str]]:
    """What report, sensitivity and compare say about the folder: (exit status, stderr)."""
    said = []
    for argv in (
        ("report", folder, "--out", tmp_path / "r.html"),
        ("sensitivity", folder),
        ("compare", reference, folder, "--out", tmp_path / "c.html"),
    ):
        code, _, err = run_cli(*argv)
        said.append((code, err))
    return said


def assert_refused_in_one_line(said: list[tuple[int, str]], *needles: str) -> None:
    for code, err in said:
        lines = err.splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("dipsim: "), err
        assert all(needle in lines[0] for needle in needles), (needles, lines[0])


# Damage that --resume repairs: the batch is ours, its files are not sound, so it runs again.
REPAIRABLE = {
    "truncated part": (
        lambda f: part(f, "outcomes", 2).write_bytes(part(f, "outcomes", 2).read_bytes()[:300]),
        "outcomes/part-00002.parquet is unreadable (truncated or corrupt)",
    ),
    "zero-byte part": (
        lambda f: part(f, "samples", 3).write_bytes(b""),
        "samples/part-00003.parquet is unreadable",
    ),
    "part with too few rows": (
        lambda f: pq.write_table(pq.read_table(part(f, "outcomes", 1)).slice(0, 5), part(f, "outcomes", 1)),
        "outcomes/part-00001.parquet has 5 rows, not 16",
    ),
    "a missing part (killed)": (
        lambda f: part(f, "rounds", 4).unlink(),
        "incomplete sweep (5 of 6 batches on disk",
    ),
}
# Files that are not this sweep's: readers and --resume refuse, and leave them where they are.
FOREIGN = {
    "part from another sweep": (
        lambda f, o: shutil.copy(part(o, "outcomes", 2), part(f, "outcomes", 2)),
        "outcomes/part-00002.parquet belongs to another sweep",
    ),
    "copy of part 0 as part 3": (
        lambda f, o: shutil.copy(part(f, "outcomes", 0), part(f, "outcomes", 3)),
        "outcomes/part-00003.parquet holds batch 0's outcomes (a copy?)",
    ),
    "duplicate part": (
        lambda f, o: shutil.copy(part(f, "texts", 1), f / "texts" / "part-0001.parquet"),
        "duplicates",
    ),
    "non-numeric index": (
        lambda f, o: shutil.copy(part(f, "events", 1), f / "events" / "part-abc.parquet"),
        "events/part-abc.parquet is not a part of this sweep",
    ),
    "part beyond the plan": (
        lambda f, o: shutil.copy(part(f, "events", 1), f / "events" / "part-00099.parquet"),
        "batch 99 is not in this sweep's plan (batches 0-5)",
    ),
}
MANIFESTS = {
    "no manifest": (lambda f: (f / "manifest.json").unlink(), "no manifest.json"),
    "not JSON": (
        lambda f: (f / "manifest.json").write_text('{"tool": "dipsim", "kind": "sw'),
        "not valid JSON",
    ),
    "no signature": (
        lambda f: (f / "manifest.json").write_text('{"name": "an app", "kind": "sweep"}'),
        "not written by dipsim (no signature",
    ),
    "unsigned, from an earlier dipsim": (
        lambda f: edit_manifest(f, lambda d: d.pop("tool")),
        "written by an earlier dipsim, before results were signed",
    ),
    "a newer format": (lambda f: edit_manifest(f, lambda d: d.update(format=2)), "results format 2"),
    "the plan missing": (
        lambda f: edit_manifest(f, lambda d: d["sweep"].pop("batches")),
        "invalid dipsim sweep manifest: sweep.batches: Field required",
    ),
    "a wrong type": (
        lambda f: edit_manifest(f, lambda d: d["sweep"].update(replicates="two")),
        "invalid dipsim sweep manifest: sweep.replicates",
    ),
}


@pytest.mark.parametrize("damage", list(REPAIRABLE))
def test_damage_is_refused_by_readers_and_repaired_by_resume(reference, tmp_path, damage):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    corrupt, message = REPAIRABLE[damage]
    corrupt(folder)
    assert_refused_in_one_line(readers(folder, reference, tmp_path), message)
    code, out, err = run_cli(*SWEEP, "--out", folder, "--resume")
    assert code == 0, err
    assert "ran 1 of 6 batches" in out
    assert_same(folder, reference)


@pytest.mark.parametrize("damage", list(FOREIGN))
def test_foreign_files_are_refused_and_left_alone(reference, other, tmp_path, damage):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    corrupt, message = FOREIGN[damage]
    corrupt(folder, other)
    before = {p: p.read_bytes() for p in folder.rglob("*.parquet")}
    assert_refused_in_one_line(readers(folder, reference, tmp_path), message)
    code, _, err = run_cli(*SWEEP, "--out", folder, "--resume")
    assert code == 2 and err.startswith("dipsim: cannot resume: ") and message in err
    assert {p: p.read_bytes() for p in folder.rglob("*.parquet")} == before


@pytest.mark.parametrize("damage", list(MANIFESTS))
def test_damaged_manifests_are_refused_by_everyone(reference, tmp_path, damage):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    corrupt, message = MANIFESTS[damage]
    corrupt(folder)
    assert_refused_in_one_line(readers(folder, reference, tmp_path), message)
    code, _, err = run_cli(*SWEEP, "--out", folder, "--resume")
    assert code == 2 and len(err.splitlines()) == 1


def test_an_incomplete_sweep_is_read_only_with_partial_and_says_so(reference, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    edit_manifest(folder, lambda d: d.update(status="running"))
    for batch in (4, 5):
        part(folder, "outcomes", batch).unlink()
    assert_refused_in_one_line(
        readers(folder, reference, tmp_path), "incomplete sweep (4 of 6 batches on disk"
    )
    code, _, err = run_cli("report", folder, "--partial", "--out", tmp_path / "p.html")
    assert code == 0, err
    page = (tmp_path / "p.html").read_text()
    assert "partial: 4 of 6 batches" in page and "64" in page  # 4 batches x 8 points x 2 replicates
    results = Results.open(folder, partial=True)
    assert results.replicates == 64 and len(results.table("outcomes")) == 64


def test_a_run_given_where_a_sweep_is_expected(reference, tmp_path):
    run = tmp_path / "run"
    assert run_cli("run", DEFAULT_SCENARIO, "--out", run)[0] == 0
    code, _, err = run_cli("sensitivity", run)
    assert (code, err) == (2, f"dipsim: {run} holds a dipsim run, not a sweep\n")
    code, _, err = run_cli(*SWEEP, "--out", run, "--resume")
    assert code == 2 and "holds a dipsim run, not a sweep" in err


def test_a_no_op_resume_leaves_the_manifest_byte_for_byte(reference, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    before = (folder / "manifest.json").read_bytes()
    code, out, _ = run_cli(*SWEEP, "--out", folder, "--resume")
    assert code == 0 and "complete already: all 6 batches are on disk" in out
    assert (folder / "manifest.json").read_bytes() == before


def test_killed_after_its_last_part_only_the_status_is_due(reference, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    edit_manifest(folder, lambda d: d.update(status="running"))
    assert Results.open(folder).manifest["status"] == "running"  # every batch is there: readable
    code, _, _ = run_cli(*SWEEP, "--out", folder, "--resume")
    assert code == 0 and json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    assert_same(folder, reference)


def test_a_kill_between_the_manifest_temporary_and_its_rename(reference, tmp_path):
    """The folder holds only `.manifest.json.XXXX.tmp`: both a fresh run and --resume accept it."""
    for extra in ((), ("--resume",)):
        folder = tmp_path / f"sweep{len(extra)}"
        folder.mkdir()
        (folder / ".manifest.json.a1b2c3d4.tmp").write_text('{"half": ')
        code, _, err = run_cli(*SWEEP, "--out", folder, *extra)
        assert code == 0, err
        assert_same(folder, reference)
        assert not [p for p in folder.rglob("*") if is_temporary(p.name)]


KILLED = [*SWEEP[:2], "--samples", "240", "--replicates", "2", "--design", "lhs", "--batch-replicates", "8",
          "--workers", "1", "--seed", "5"]  # fmt: skip  # 60 batches: long enough to be killed mid-way


def _start(folder: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "sim", *KILLED, "--out", str(folder), "--resume"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _on_disk(folder: Path) -> int:
    return len(list((folder / "outcomes").glob("part-*"))) if (folder / "outcomes").exists() else -1


def test_ten_kills_at_random_moments_then_resume_give_the_uninterrupted_dataset(tmp_path):
    """kill -9 ten times, each time of a --resume of the last: six within the first second (before the
    manifest exists, or just after), four at a seeded random point part-way through the batches."""
    reference = tmp_path / "reference"
    assert run_cli(*KILLED, "--out", reference)[0] == 0
    folder = tmp_path / "killed"
    moments = random.Random(11)
    states = []
    for kill in range(10):
        process = _start(folder)
        if kill < 6:
            time.sleep([0.0, 0.05, 0.1, 0.3, 0.6, 0.9][kill])
        else:
            target = min(59, max(_on_disk(folder), 0) + moments.randint(1, 10))
            deadline = time.monotonic() + 60
            while _on_disk(folder) < target and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait()
        states.append(_on_disk(folder))
    finished = _start(folder)
    _, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode()
    assert states[0] == -1, "the first kill must come before anything is on disk"
    assert all(0 < n < 60 for n in states[6:]), f"the last four kills must land mid-sweep: {states}"
    assert_same(folder, reference)
    assert not [p for p in folder.rglob("*") if is_temporary(p.name)]
