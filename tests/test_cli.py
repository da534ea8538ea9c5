"""End to end: the commands a user types, in a subprocess, reading what they wrote."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.scenario import load_scenario
from tests.conftest import DEFAULT_SCENARIO, SCENARIOS, dipsim


def test_run_prints_the_story_and_writes_a_run_folder(tmp_path):
    out = tmp_path / "run"
    result = dipsim("run", str(DEFAULT_SCENARIO), "--seed", "42", "--out", str(out))
    assert result.returncode == 0, result.stderr
    story = result.stdout
    assert "Round 1 - muscat - Muscat, Oman (indirect, via Oman)" in story
    assert "Oman drafts: enrichment" in story
    assert "Outcome:" in story
    assert f"Run folder: {out}" in story
    for table in ("rounds", "texts", "events", "outcomes"):
        assert (out / f"{table}.parquet").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42
    assert manifest["scenario"]["name"] == "iran_talks"
    assert len(manifest["scenario"]["sha256"]) == 64
    assert "iran_talks.yaml" in next(iter(manifest["scenario"]["files"]))
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(outcomes.columns[:2]) == ["replicate", "outcome"]
    assert {"enrichment", "missiles", "sanctions_relief", "monitoring"} <= set(outcomes.columns)
    rounds = pd.read_parquet(out / "rounds.parquet")
    assert {"replicate", "round", "exchange", "actor", "aspiration", "utility", "response"} <= set(
        rounds.columns
    )
    assert set(rounds.actor) == {"US", "Iran", "Israel", "Gulf", "Europe", "Oman"}


def test_run_json_summary_matches_the_outcomes_table(tmp_path):
    out = tmp_path / "run"
    result = dipsim(
        "run",
        str(DEFAULT_SCENARIO),
        "--seed",
        "3",
        "--replicates",
        "50",
        "--sample",
        "--out",
        str(out),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    first = outcomes.iloc[0]
    assert summary["outcome"] == first.outcome
    assert summary["replicates"] == 50
    assert set(summary["terms"]) == set(load_scenario(DEFAULT_SCENARIO).scenario.issues)
    if first.outcome == "deal":
        assert summary["terms"]["enrichment"] == first.enrichment
    else:
        assert summary["terms"]["enrichment"] is None
    assert abs(sum(summary["outcome_shares"].values()) - 1) < 1e-9
    assert summary["outcome_shares"]["deal"] == (outcomes.outcome == "deal").mean()


def test_many_replicates_print_the_distribution(tmp_path):
    """The printed counts and shares are the outcomes table's, outcome by outcome."""
    out = tmp_path / "r"
    result = dipsim(
        "run",
        str(SCENARIOS / "iran_talks_us_deadline.yaml"),
        "--replicates",
        "40",
        "--sample",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Across 40 replicates:" in result.stdout
    printed = {
        m["label"]: (int(m["count"]), float(m["share"]))
        for m in re.finditer(
            r"^  (?P<label>[a-z]+) +(?P<count>\d+) +(?P<share>[\d.]+)%$", result.stdout, re.M
        )
    }
    counts = pd.read_parquet(out / "outcomes.parquet").outcome.value_counts()
    assert set(printed) == {"deal", "stalemate", "breakdown", "escalation", "forecast"}
    for label, (count, share) in printed.items():
        assert count == counts.get(label, 0)
        assert share == round(100 * count / 40, 1)
    assert sum(count for count, _ in printed.values()) == 40
    assert len({count for count, _ in printed.values()}) > 1  # the variant does produce different outcomes


def test_default_output_folder_is_under_results(tmp_path):
    (tmp_path / "scenarios").mkdir()
    result = dipsim("run", str(DEFAULT_SCENARIO), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (folder,) = (tmp_path / "results" / "runs").iterdir()
    assert folder.name.startswith("iran_talks-s0-r1-")
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_validate_json_prints_the_resolved_scenario():
    result = dipsim("validate", str(SCENARIOS / "iran_talks_us_deadline.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    resolved = json.loads(result.stdout)
    assert resolved["name"] == "iran_talks_us_deadline"
    assert resolved["actors"]["US"]["deadline"] == "europe"  # from the variant
    assert resolved["actors"]["Israel"]["stances"]["enrichment"]["position"] == 0  # from the base
    assert isinstance(resolved["actors"]["US"]["patience"], float)  # distributions -> central value


def test_console_script_and_module_agree():
    script = Path(sys.executable).with_name("dipsim")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.strip() == dipsim("--version").stdout.strip()


def test_bad_arguments_exit_2(tmp_path):
    assert dipsim("run", str(DEFAULT_SCENARIO), "--replicates", "0").returncode == 2
    assert dipsim("run", str(tmp_path / "missing.yaml")).returncode == 2


def test_run_never_overwrites_a_folder_that_is_not_a_run(tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "draft.txt").write_text("keep me")
    result = dipsim("run", str(DEFAULT_SCENARIO), "--out", str(precious))
    assert result.returncode == 2
    assert "dipsim did not write it" in result.stderr
    assert (precious / "draft.txt").read_text() == "keep me"
    # an earlier run folder, by contrast, is replaced
    run = tmp_path / "run"
    assert dipsim("run", str(DEFAULT_SCENARIO), "--out", str(run)).returncode == 0
    assert dipsim("run", str(DEFAULT_SCENARIO), "--seed", "5", "--out", str(run)).returncode == 0
    assert '"seed": 5' in (run / "manifest.json").read_text()


def test_two_quick_default_runs_keep_both(tmp_path):
    for _ in range(2):
        assert dipsim("run", str(DEFAULT_SCENARIO), cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "results" / "runs").iterdir())) == 2


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    from sim.cli.dispatch import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_shows_examples_and_explains_every_argument():
    commands = _subcommands()
    assert {"run", "sweep", "sensitivity", "report", "compare", "explore"} <= set(commands)
    for name, parser in commands.items():
        text = parser.format_help()
        assert "\nexamples:\n  dipsim " in text, f"dipsim {name} --help shows no example"
        examples = text.split("\nexamples:\n", 1)[1].splitlines()
        assert all(line.startswith("  dipsim ") for line in examples[0::2]), name  # a command, then what
        for action in parser._actions:
            assert action.help, f"dipsim {name}: {action.dest} has no help text"


def test_bare_dipsim_prints_the_help():
    result = dipsim()
    assert result.returncode == 0
    assert result.stdout.startswith("usage: dipsim")
    assert "examples:" in result.stdout and "run " in result.stdout
