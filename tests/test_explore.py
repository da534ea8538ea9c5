"""`dipsim explore`: what a move computes (checked against `dipsim run --set`), and the page in a browser.

The session tests hold the explorer to oracles outside it: the CLI's own runs with the same seed,
the run folder's logs, and the direction a red line must push escalation. The browser tests start
the command as a user does, drive the page in Debian's headless Chromium through Playwright, and
check that the shares move the right way and that no request leaves the server's own host.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.errors import UsageError
from sim.explore import views
from sim.explore.live import Latest, Live, Shown
from sim.explore.session import Explorer, Session, Settings
from sim.report.story import outcome_lines, replicate_story
from tests.conftest import BROWSER, DEFAULT_SCENARIO, ROOT, dipsim, needs_browser

RED_LINE = "actors.Israel.red_lines.0.probability"  # Israel strikes a signed text that leaves enrichment
HAZARD = "actors.Israel.outside_option.hazard"


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return Explorer(DEFAULT_SCENARIO, replicates=400, seed=3)


@pytest.fixture
def session(explorer, tmp_path) -> Iterator[Session]:
    opened = Session(explorer, tmp_path)
    yield opened
    opened.close()


def numbers(values: list | dict) -> np.ndarray:
    """An array of plotly JSON: a list, or a typed array ({dtype, bdata}) as plotly.js reads it."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def shares(run) -> dict[str, float]:
    return {line.label: line.share for line in views.share_lines(run.outcomes, "single_text")}


# --- a move, without a browser ----------------------------------------------------------------------


def test_every_uncertain_parameter_gets_a_labelled_slider_over_its_support(explorer):
    assert len(explorer.sliders) == 62
    red_line = next(s for s in explorer.sliders if s.key == RED_LINE)
    assert red_line.label == "Israel: red-line probability (enrichment)"
    assert (red_line.low, red_line.high, red_line.group) == (0.1, 0.7, "Israel")
    for slider in explorer.sliders:
        assert slider.low <= slider.start <= slider.high
        assert 100 <= (slider.high - slider.low) / slider.step <= 1000  # the arrow keys move it visibly
        assert not slider.label.startswith("actors.")  # a human name, not the key


def test_israels_red_line_pushes_escalation_up(session):
    never = session.run(Settings(((RED_LINE, 0.0),), replicates=400, seed=3))
    never_shares = views.share_lines(never.outcomes, "single_text")
    always = session.run(Settings(((RED_LINE, 1.0),), replicates=400, seed=3))
    always_shares = views.share_lines(always.outcomes, "single_text")
    low = next(s for s in never_shares if s.label == "escalation")
    high = next(s for s in always_shares if s.label == "escalation")
    assert high.share - low.share > 0.5
    assert high.low > low.high  # the Wilson intervals are far apart, not just the points


def test_a_fixed_parameter_is_logged_at_the_slider_value_and_no_longer_sampled(session, explorer):
    run = session.run(Settings(((RED_LINE, 0.42),), replicates=50, seed=1))
    manifest = json.loads((run.results.path / "manifest.json").read_text())
    assert manifest["scenario"]["overrides"] == {RED_LINE: 0.42}
    assert manifest["scenario"]["resolved"]["actors"]["Israel"]["red_lines"][0]["probability"] == 0.42
    assert RED_LINE not in manifest["uncertain_parameters"]
    samples = pq.read_table(run.results.path / "samples.parquet")
    assert RED_LINE not in samples.column_names  # every replicate ran at 0.42, none drew it
    assert set(samples.column_names) == {"replicate"} | set(explorer.keys) - {RED_LINE}


def test_moving_a_fixed_slider_changes_that_parameter_and_nothing_else(session):
    """Common random numbers: with the same parameters fixed, every other draw repeats exactly."""
    first = session.run(Settings(((RED_LINE, 0.2),), replicates=200, seed=5))
    first_samples = pq.read_table(first.results.path / "samples.parquet")
    second = session.run(Settings(((RED_LINE, 0.6),), replicates=200, seed=5))
    second_samples = pq.read_table(second.results.path / "samples.parquet")
    assert first_samples.equals(second_samples)
    assert not first.results.path.exists()  # a session keeps only its newest move's folder


def test_the_same_settings_give_the_same_shares(session):
    settings = Settings(((HAZARD, 0.005), (RED_LINE, 0.3)), replicates=300, seed=11)
    assert shares(session.run(settings)) == shares(session.run(settings))


def test_a_move_agrees_with_dipsim_run_set_for_the_same_seed(session, tmp_path):
    settings = Settings(((HAZARD, 0.002), (RED_LINE, 0.55)), replicates=300, seed=7)
    run = session.run(settings)
    result = dipsim(
        "run", DEFAULT_SCENARIO, "--sample", "--seed", 7, "--replicates", 300, "--json",
        "--out", tmp_path / "cli", "--set", f"{RED_LINE}=0.55", "--set", f"{HAZARD}=0.002",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    cli = json.loads(result.stdout)["outcome_shares"]
    assert shares(run) == {label: cli[label] for label in shares(run)}


def test_a_value_the_scenario_refuses_names_the_parameter(explorer, tmp_path):
    with pytest.raises(UsageError, match=re.escape(RED_LINE)):
        explorer.run(Settings(((RED_LINE, 1.5),), replicates=10), tmp_path / "refused")
    with pytest.raises(UsageError, match="replicates"):
        explorer.run(Settings(replicates=0), tmp_path / "none")


def test_the_story_of_one_replicate_is_the_reports_story(session):
    run = session.run(Settings(replicates=60, seed=2))
    for replicate in (0, 37):
        told = views.story(run.results, replicate)
        lines = replicate_story(run.results, replicate) + outcome_lines(run.results, replicate)
        assert told.text == "\n".join(lines).strip("\n")
        rounds = run.results.table("rounds")
        us = rounds[(rounds.replicate == replicate) & (rounds.actor == "US")]
        drawn = next(t for t in json.loads(told.why)["data"] if t["name"] == "US: worth of the text")
        assert list(numbers(drawn["y"])) == list(us.utility)  # the chart is this replicate's, not another's


def test_share_lines_say_each_share_with_its_wilson_interval(session):
    run = session.run(Settings(replicates=250, seed=4))
    lines = views.share_lines(run.outcomes, "single_text")
    assert [line.label for line in lines] == ["deal", "stalemate", "breakdown", "escalation"]
    counts = run.outcomes.outcome.value_counts()
    for line in lines:
        assert line.count == counts.get(line.label, 0) and line.total == 250
        assert line.low <= line.share <= line.high
        assert re.fullmatch(rf"{line.label} \d+\.\d % \(\d+\.\d–\d+\.\d %\)", line.text())
    assert sum(line.count for line in lines) == 250


# --- one run at a time, the newest first ------------------------------------------------------------


def test_a_burst_of_requests_runs_the_first_and_the_newest_only():
    ran: list[int] = []

    def work(request: int, superseded) -> None:
        ran.append(request)
        time.sleep(0.2)

    latest: Latest[int] = Latest(work, settle=0.0)
    for number in range(1, 21):
        latest.submit(number)
        time.sleep(0.005)
    assert latest.idle(10)
    latest.close()
    assert ran[0] == 1 and ran[-1] == 20
    assert ran == sorted(ran) and len(ran) <= 3  # never an older request after a newer one, never a queue
    assert latest.started + latest.dropped == 20


def test_a_live_page_ends_on_the_newest_move_and_never_goes_back(explorer, tmp_path):
    published: list[Shown] = []
    live = Live(explorer, published.append, tmp_path, settle=0.01)
    try:
        for value in (0.15, 0.25, 0.35, 0.45, 0.65):
            live.fix(RED_LINE, value)
        assert live.runner.idle(120)
        live.fix(RED_LINE, 9.0)  # refused: the page says why and keeps the last good move
        assert live.runner.idle(60)
    finally:
        live.close()
    runs = [shown.run for shown in published]
    assert runs == sorted(runs)
    good = published[-2]
    assert good.settings == Settings(((RED_LINE, 0.65),), replicates=400, seed=3)
    assert good.figures_run == good.story_run == good.run and good.answered == 5
    assert live.runner.started < 5  # the overtaken moves were dropped, not queued
    direct = Session(explorer, tmp_path).run(good.settings)
    assert [line.text() for line in good.shares] == [
        line.text() for line in views.share_lines(direct.outcomes, "single_text")
    ]
    refused = published[-1]
    assert refused.answered == 6 and RED_LINE in refused.error and refused.shares == good.shares


# --- the command ------------------------------------------------------------------------------------


def test_building_the_parser_imports_no_part_of_the_explorers_stack():
    """`dipsim --help` must not pay for Solara: the command imports it only when it runs."""
    code = "import sys; from sim.cli.dispatch import build_parser; build_parser(); "
    code += "print(sorted(m for m in ('solara', 'uvicorn', 'plotly', 'sim.explore') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_missing_scenario_is_one_line_and_exit_2(tmp_path):
    result = dipsim("explore", tmp_path / "nowhere.yaml", "--no-browser")
    assert result.returncode == 2
    assert "nowhere.yaml" in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "sim",
            "explore",
            str(DEFAULT_SCENARIO),
            "--no-browser",
            "--port",
            str(port),
        ]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == f"dipsim: port {port} on 127.0.0.1 is in use; choose another with --port"


def test_the_explorer_process_refuses_the_network():
    code = textwrap.dedent(
        """
        import socket
        from sim.explore.server import refuse_the_network
        refuse_the_network()
        for attempt in (lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
                        lambda: socket.getaddrinfo("example.org", 443)):
            try:
                attempt()
                print("allowed")
            except PermissionError:
                print("refused")
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)  # nothing listens: refused by the OS
        except ConnectionRefusedError:
            print("local ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.stdout.split() == ["refused", "refused", "local", "ok"], result.stderr


# --- the page in a real browser ---------------------------------------------------------------------



@contextmanager
def explorer_server(scenario: Path, replicates: int) -> Iterator[tuple[str, Path, list[str]]]:
    """`python -m sim explore` as a user starts it; yields its URL, its temporary folder and its stderr."""
    command = [sys.executable, "-m", "sim", "explore", str(scenario), "--no-browser", "--port", "0"]
    command += ["--replicates", str(replicates)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()
    try:
        url = folder = None
        deadline = time.monotonic() + 60
        while url is None or folder is None:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            except queue.Empty:
                pytest.fail(f"no URL line within 60 s; stderr: {''.join(errors)}")
            if line.startswith("dipsim explorer: "):
                url = line.removeprefix("dipsim explorer: ").strip()
            elif "each move runs into " in line:
                folder = Path(line.split("each move runs into ")[1].split(" (")[0])
        yield url, folder, errors
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def escalation(text: str) -> float:
    return float(re.search(r"escalation (\d+\.\d) %", text).group(1))


@contextmanager
def browser_page(url: str) -> Iterator[tuple[object, list[str], list[str]]]:
    """A page of headless Chromium (Debian's, never a downloaded one), recording requests and errors."""
    from playwright.sync_api import sync_playwright

    assert BROWSER is not None, "CI must install chromium-headless-shell (see .ci/run)"
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda request: requests.append(request.url))
            page.on("websocket", lambda socket_: requests.append(socket_.url))
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url)
            yield page, requests, errors
        finally:
            browser.close()


def own_host(url: str, requests: list[str]) -> list[str]:
    """The requests that went anywhere but the server's own host and port (a blob: of the page is its own)."""
    host = urlsplit(url).netloc
    return [r for r in requests if urlsplit(r.removeprefix("blob:")).netloc != host]


def test_the_request_check_can_fail():
    requests = [
        "http://127.0.0.1:5/a",
        "blob:http://127.0.0.1:5/b",
        "https://cdn.example/c",
        "ws://127.0.0.1:6/",
    ]
    assert own_host("http://127.0.0.1:5/", requests) == ["https://cdn.example/c", "ws://127.0.0.1:6/"]


@needs_browser
def test_moving_a_slider_in_the_browser_changes_the_shares_the_right_way():
    with explorer_server(DEFAULT_SCENARIO, replicates=500) as (url, folder, stderr):
        with browser_page(url) as (page, requests, errors):
            page.wait_for_selector('.dipsim-outcome-shares[data-run="1"]', timeout=60_000)
            before = page.inner_text(".dipsim-outcome-shares")
            page.get_by_text("Israel (9)").click()
            slider = page.locator(f'[data-key="{RED_LINE}"]')
            assert slider.get_attribute("data-fixed") == "false"
            thumb = slider.locator('[role="slider"]')
            thumb.focus()
            thumb.press("End")  # the top of its range, 0.7: Israel strikes a signed text more often
            page.wait_for_selector('.dipsim-outcome-shares[data-run="2"]', timeout=30_000)
            after = page.inner_text(".dipsim-outcome-shares")
            assert slider.get_attribute("data-fixed") == "true"
            thumb.press("Home")  # the bottom, 0.1
            page.wait_for_selector('.dipsim-outcome-shares[data-run="3"]', timeout=30_000)
            low = page.inner_text(".dipsim-outcome-shares")
            page.wait_for_selector('.dipsim-figure[data-revision="3"]', timeout=30_000)
            story = page.inner_text(".dipsim-story")
            assert [f.name.startswith("session-") for f in folder.iterdir()].count(True) == 1
            page.goto("about:blank")  # leaving the page closes its session and removes its run folders
            deadline = time.monotonic() + 20
            while (
                any(f.name.startswith("session-") for f in folder.iterdir()) and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            assert not any(f.name.startswith("session-") for f in folder.iterdir())
        assert escalation(after) > escalation(before) + 10  # sampled 0.1-0.7 (centre 0.35), then 0.7
        assert escalation(low) < escalation(before) - 10  # then 0.1
        assert "Round 1 - muscat" in story
        assert own_host(url, requests) == []
        assert any(r.endswith("/static/assets/plotly.min.js") for r in requests)
        assert errors == []
    assert not folder.exists()  # the run folders went with the server
    assert not any("refused a connection" in line for line in stderr), stderr


@needs_browser
def test_text_from_the_scenario_is_shown_as_text_and_fetches_nothing(tmp_path):
    hostile = '<img src="http://203.0.113.9/x.png" onerror="document.title=1">'
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        f"extends: {DEFAULT_SCENARIO}\nname: hostile\n"
        f"actors:\n  Gulf:\n    name: '{hostile} Gulf'\n"
        f"events:\n  khamenei_alert:\n    label: '{hostile} alert'\n"
    )
    with (
        explorer_server(scenario, replicates=50) as (url, _, _),
        browser_page(url) as (page, requests, errors),
    ):
        page.wait_for_selector(".dipsim-story", timeout=60_000)
        assert page.get_by_text(f"Gulf ({hostile} Gulf) (13)").count() == 1
        assert f"! {hostile} alert (Iran)" in page.inner_text(".dipsim-story")
        assert page.locator('img[src*="203.0.113.9"]').count() == 0
        assert own_host(url, requests) == []
        assert errors == []
