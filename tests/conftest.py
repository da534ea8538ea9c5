"""Shared fixtures: the project's scenarios and a way to write throwaway ones."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.report.png import find_browser

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "iran_talks.yaml"


BROWSER = find_browser()


def needs_browser(test: Callable) -> Callable:
    """A test that drives a real Chromium. It is skipped only where there is none and ``CI`` is unset
    (in CI a missing browser fails it), and marked ``browser`` so that a run may leave these out:
    .ci/run does on its second interpreter, since what they check (HTML, JavaScript, requests) does
    not depend on the Python or Mesa version."""
    skip = pytest.mark.skipif(
        BROWSER is None and not os.environ.get("CI"),
        reason="no Chromium here (apt-get install chromium-headless-shell, or set BROWSER_PATH); "
        "CI runs these",
    )
    return pytest.mark.browser(skip(test))


def dipsim(*args: object, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user would (``python -m sim``) and capture what it says."""
    command = [sys.executable, "-m", "sim", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, check=False)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML (dedented) to tmp_path/name and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


MINIMAL = """
name: minimal
issues:
  cap:
    label: Cap
    unit: "%"
    bounds: [0, 100]
    status_quo: 100
actors:
  A:
    name: Alpha
    role: principal
    capability: 1.0
    stances:
      cap: {position: 0, salience: 1.0}
  B:
    name: Beta
    role: principal
    capability: 0.5
    stances:
      cap: {position: 100, salience: 1.0}
  M:
    name: Mediator
    role: mediator
    capability: 0.1
rounds:
  only:
    venue: Somewhere
    mediator: M
    agenda: [cap]
    exchanges: 3
"""


# A valid case's dates and sources, for tests that need a backtest case but test something else.
CASE_DATES = (
    "outcome: deal\n"
    "coded_as_of: 2001-01-10\n"
    "milestone: {date: 2001-02-01, what: the summit}\n"
    "outcome_date: 2001-03-01\n"
    "sources: [{date: 2001-01-05, title: a briefing}]\n"
)
