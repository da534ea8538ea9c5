"""Nothing a user owns is ever deleted or overwritten: outputs are recognised by dipsim's signature.

Each test puts something precious where an output would go, runs the command,
and checks both the refusal (exit 2, one line saying why) and that every byte
of the precious thing is still there.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from sim import cli
from sim.store.atomic import is_temporary, staged_folder, write_atomically
from tests.conftest import CASE_DATES, MINIMAL


def run_cli(*argv: object, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        contextlib.chdir(cwd or Path.cwd()),
    ):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL)
    return path


@pytest.fixture
def web_app(tmp_path) -> Path:
    """A folder that happens to hold a manifest.json: a progressive web app."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"name": "My app", "start_url": "/"}))
    (folder / "index.html").write_text("<html>mine</html>")
    return folder


def sweep_of(scenario: Path, folder: Path) -> None:
    assert run_cli("sweep", scenario, "--samples", 4, "--workers", 1, "--out", folder)[0] == 0


def test_run_refuses_a_folder_that_merely_holds_a_manifest_json(scenario, web_app):
    before = snapshot(web_app)
    code, _, err = run_cli("run", scenario, "--out", web_app)
    assert code == 2
    assert "is not a dipsim output folder" in err and "not written by dipsim (no signature" in err
    assert snapshot(web_app) == before


def test_backtest_refuses_it_too(scenario, web_app, tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "c.yaml").write_text(f"scenario: {scenario}\nactual: {{cap: 50}}\nsource: a test\n{CASE_DATES}")
    before = snapshot(web_app)
    code, _, err = run_cli("backtest", cases, "--out", web_app)
    assert code == 2 and "is not a dipsim output folder" in err
    assert snapshot(web_app) == before


@pytest.mark.parametrize("command", ["run", "backtest"])
def test_a_run_or_a_backtest_never_replaces_a_sweep(scenario, tmp_path, command):
    sweep = tmp_path / "sweep"
    sweep_of(scenario, sweep)
    before = snapshot(sweep)
    if command == "run":
        code, _, err = run_cli("run", scenario, "--out", sweep)
    else:
        cases = tmp_path / "cases"
        cases.mkdir()
        case = f"scenario: {scenario}\nactual: {{cap: 50}}\nsource: a test\n{CASE_DATES}"
        (cases / "c.yaml").write_text(case)
        code, _, err = run_cli("backtest", cases, "--out", sweep)
    assert code == 2
    assert f"holds a dipsim sweep; a {command} never replaces a sweep" in err
    assert snapshot(sweep) == before


def test_a_sweep_never_replaces_a_run(scenario, tmp_path):
    run = tmp_path / "run"
    assert run_cli("run", scenario, "--out", run)[0] == 0
    before = snapshot(run)
    code, _, err = run_cli("sweep", scenario, "--samples", 4, "--workers", 1, "--out", run)
    assert code == 2 and "holds a dipsim run, not a sweep" in err
    assert snapshot(run) == before


def test_a_run_replaces_an_earlier_run_but_not_the_notes_someone_put_in_it(scenario, tmp_path):
    run = tmp_path / "run"
    assert run_cli("run", scenario, "--out", run, "--seed", 1)[0] == 0
    assert run_cli("report", run)[0] == 0  # a dipsim report inside is dipsim's own
    assert run_cli("run", scenario, "--out", run, "--seed", 2)[0] == 0
    assert json.loads((run / "manifest.json").read_text())["seed"] == 2
    (run / "notes.txt").write_text("my reading of seed 2")
    before = snapshot(run)
    code, _, err = run_cli("run", scenario, "--out", run, "--seed", 3)
    assert code == 2 and "also holds files dipsim did not write (notes.txt)" in err
    assert snapshot(run) == before


def test_a_symlink_or_a_file_as_out_is_refused(scenario, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    code, _, err = run_cli("run", scenario, "--out", link)
    assert code == 2 and f"--out {link} is a symbolic link" in err
    assert list(target.iterdir()) == []
    existing = tmp_path / "thesis.txt"
    existing.write_text("chapter 1")
    for command in (("run", scenario), ("sweep", scenario, "--samples", 2, "--workers", 1)):
        code, _, err = run_cli(*command, "--out", existing)
        assert code == 2 and "is an existing file, not a folder" in err
    assert existing.read_text() == "chapter 1"


def test_protocol_all_refuses_a_folder_of_someone_elses_files(scenario, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("a,b\n")
    code, _, err = run_cli("run", scenario, "--protocol", "all", "--out", mine)
    assert code == 2 and "holds data.csv, which dipsim did not write there" in err
    assert snapshot(mine) == {"data.csv": b"a,b\n"}


def test_report_and_compare_do_not_overwrite_a_file_that_is_not_a_report(scenario, tmp_path):
    run, other = tmp_path / "run", tmp_path / "other"
    for folder in (run, other):
        assert run_cli("run", scenario, "--out", folder, "--replicates", 4)[0] == 0
    precious = tmp_path / "index.html"
    precious.write_text("<html>my site</html>")
    for command in (("report", run), ("compare", run, other)):
        code, _, err = run_cli(*command, "--out", precious)
        assert code == 2 and "exists and is not a dipsim report; pass --force to overwrite it" in err
        assert precious.read_text() == "<html>my site</html>"
    assert run_cli("report", run, "--out", precious, "--force")[0] == 0
    assert "dipsim" in precious.read_text()[:400]
    assert run_cli("compare", run, other, "--out", precious)[0] == 0  # now it is a dipsim report


def test_folder_names_from_a_scenario_name_stay_inside_results(tmp_path):
    for name in ("../../../escaped", "/tmp/absolute-escape", "..", "a/../../b", "\x1b]0;x\x07", ""):
        work = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
        work.mkdir()
        scenario = work / "s.yaml"
        scenario.write_text(MINIMAL.replace("name: minimal", f"name: {json.dumps(name)}"))
        assert run_cli("run", scenario, cwd=work)[0] == 0
        assert run_cli("sweep", scenario, "--samples", 2, "--workers", 1, cwd=work)[0] == 0
        made = [p for p in work.rglob("*") if p.is_dir()]
        assert all(p.is_relative_to(work / "results") for p in made), made
        assert len(list((work / "results" / "runs").iterdir())) == 1
        assert len(list((work / "results" / "sweeps").iterdir())) == 1
    assert not Path("/tmp/absolute-escape-s0-r1").exists()


def test_a_failed_write_leaves_no_temporary_behind(tmp_path):
    target = tmp_path / "table.parquet"

    def fail(path: Path) -> None:
        path.write_bytes(b"half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of a write

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, fail)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), staged_folder(tmp_path / "run") as staging:
        (staging / "rounds.parquet").write_bytes(b"x")
        raise RuntimeError("the engine failed")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_leaves_no_staging_folder_and_keeps_the_old_run(scenario, tmp_path, monkeypatch):
    run = tmp_path / "run"
    assert run_cli("run", scenario, "--out", run, "--seed", 1)[0] == 0
    before = snapshot(run)

    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sim.store.run_folder.write_manifest", broken)
    code, _, err = run_cli("run", scenario, "--out", run, "--seed", 2)
    assert code == 2 and "No space left on device" in err
    assert snapshot(run) == before
    assert not [p.name for p in tmp_path.iterdir() if is_temporary(p.name) or p.name.startswith(".")]
