"""A report built from someone else's scenario shows their text as text, and opens without the network.

The scenario below is full of markup that plotly's pseudo-HTML would act on
(``style`` with a ``url()``, ``href``, ``img``, ``script``). Every report kind is
built from it and opened in headless Chromium while a local HTTP server counts
requests: there must be none, and the payload must be in the page as text.
Control characters in names must reach the terminal escaped.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from sim import cli
from sim.report.plain import plain, plain_figure
from tests.conftest import CASE_DATES, MINIMAL, needs_browser
from tests.test_report import render


class _Counter(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    _Counter.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.seen
    server.shutdown()


def payloads(base: str) -> list[str]:
    return [
        f'<span style="background-image:url({base}/style)">styled</span>',
        f'<a href="{base}/link">click</a>',
        f'<img src="{base}/img">',
        f"<script>fetch('{base}/script')</script>",
        f"\"><svg onload=fetch('{base}/svg')>",
    ]


def hostile_scenario(folder: Path, base: str) -> Path:
    first, second, third, fourth, fifth = (json.dumps(p) for p in payloads(base))
    text = (
        MINIMAL.replace("name: minimal", f"name: {first}")
        .replace("label: Cap", f"label: {second}")
        .replace('unit: "%"', f"unit: {third}")
        .replace("name: Beta", f"name: {fourth}")
        .replace("venue: Somewhere", f"venue: {fifth}")
        .replace("capability: 0.5", "capability: {dist: uniform, low: 0.3, high: 0.7}")
    )
    text += f"events:\n  shock:\n    label: {first}\n    at: {{round: only, exchange: 2}}\n"
    text += "    effects:\n      - {actor: A, param: patience, add: 0.1}\n"
    path = folder / "hostile.yaml"
    path.write_text(text)
    return path


def run_cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_plain_keeps_only_dipsims_own_tags():
    assert plain('<a href="x">') == '&lt;a href="x"&gt;'
    figure = plain_figure(__import__("plotly.graph_objects").graph_objects.Figure(
        layout={"title": {"text": '<b>ours</b><br><span style="x">theirs</span>'}}
    ))  # fmt: skip
    assert figure["layout"]["title"]["text"] == '<b>ours</b><br>&lt;span style="x"&gt;theirs&lt;/span&gt;'


@needs_browser
def test_reports_from_a_hostile_scenario_make_no_request_and_show_the_payload(tmp_path, listener):
    base, seen = listener
    scenario = hostile_scenario(tmp_path, base)
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "c.yaml").write_text(
        f"scenario: {scenario}\nactual: {{cap: 50}}\nsource: {json.dumps(payloads(base)[1])}\n{CASE_DATES}"
    )
    steps = [
        ("run", scenario, "--out", tmp_path / "run"),
        ("run", scenario, "--out", tmp_path / "batch", "--replicates", 20, "--sample"),
        ("sweep", scenario, "--samples", 8, "--workers", 1, "--out", tmp_path / "sweep"),
        ("backtest", cases, "--out", tmp_path / "backtest", "--protocol", "single_text,compromise"),
        ("compare", tmp_path / "batch", tmp_path / "sweep", "--out", tmp_path / "compare.html"),
    ]
    for step in steps:
        code, _, err = run_cli(*step)
        assert code == 0, (step, err)
    pages = [tmp_path / "compare.html"]
    for folder in ("run", "batch", "sweep", "backtest"):
        assert run_cli("report", tmp_path / folder)[0] == 0
        pages.append(tmp_path / folder / "report.html")
    for page in pages:
        dom, _ = render(page)
        assert seen == [], f"{page.name} fetched {seen}"
        assert not re.search(r"<(a|img|script|svg)\b[^>]*127\.0\.0\.1", dom), page
        assert re.search(r"&lt;(span style|a href|img src|script)", dom), page  # there, as text
    assert seen == []


def test_control_characters_in_names_reach_the_terminal_escaped(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        MINIMAL.replace("name: Beta", 'name: "Be\\e]0;owned\\ata\\e[2J"').replace(
            "venue: Somewhere", 'venue: "Muscat\\u202e"'
        )
    )
    code, out, err = run_cli("run", scenario, "--out", tmp_path / "run")
    assert code == 0, err
    code, out, err = run_cli("calibrate", scenario, "--explain", "B")
    assert code == 0, err
    combined = out
    code, story, _ = run_cli("run", scenario, "--out", tmp_path / "run")
    combined += story
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in combined
    assert "\\x1b]0;owned\\x07" in combined and "\\u202e" in combined
