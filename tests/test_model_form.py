"""Model-form uncertainty and forecasting-run reports, end to end through the CLI.

The oracles are independent of the code under test: the range must be [min, max]
of the per-protocol numbers the same JSON reports (or of medians recomputed
from the run folders' outcome tables), printed numbers must be within half a
unit of their last digit of the truth, and figures must hold what the logs hold.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import math
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from sim.experiments.model_form import Prediction, model_form_json, model_form_lines, ranges
from sim.report.build import comparison_report, report_for
from sim.scenario.protocols import FORECASTING_PROTOCOLS, PROTOCOL_NAMES
from sim.store.results import Results
from tests.conftest import DEFAULT_SCENARIO, SCENARIOS, needs_browser
from tests.test_report import console_errors, render, rendered_figures
from tests.test_report_safety import hostile_scenario

EU_1994 = SCENARIOS / "eu_emissions_1994.yaml"
SETTLED = ("deal", "forecast")
SAMPLED = ("--replicates", "40", "--sample", "--seed", "3")


def run_cli(*argv: object) -> tuple[int, str, str]:
    """The CLI in-process (the same `main` the console script calls), capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def close(printed: str, value: float) -> bool:
    """A printed number is the value rounded: within half a unit of its last digit."""
    return abs(float(printed) - value) <= 0.5 * 10.0 ** Decimal(printed).as_tuple().exponent + 1e-12


def predicted_by_summary(summary: dict) -> dict[str, float | None]:
    """What one protocol's own JSON says it predicts: its forecast, or its median terms given a deal."""
    if "forecast" in summary:
        across = summary["forecast"]["across_replicates"] or {}
        return {issue: (across.get(issue) or {}).get("median") for issue in summary["terms"]}
    return summary["median_terms_given_deal"]


def settled_outcomes(folder: Path) -> pd.DataFrame:
    outcomes = Results.open(folder).table("outcomes")
    return outcomes[outcomes.outcome.isin(SETTLED)]


@pytest.fixture(scope="module")
def eu(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("model_form") / "eu"
    code, out, err = run_cli("run", EU_1994, "--protocol", "all", "--out", folder, "--json")
    assert code == 0, err
    return folder, json.loads(out)


@pytest.fixture(scope="module")
def sampled(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("model_form") / "iran"
    code, out, err = run_cli(
        "run", DEFAULT_SCENARIO, "--protocol", "all", *SAMPLED, "--out", folder, "--json"
    )
    assert code == 0, err
    return folder, json.loads(out)


@pytest.mark.parametrize("which", ["eu", "sampled"])
def test_json_range_is_min_and_max_of_the_protocols_own_predictions(which, request):
    folder, document = request.getfixturevalue(which)
    assert list(document["protocols"]) == list(PROTOCOL_NAMES)
    issues = list(Results.open(folder / PROTOCOL_NAMES[0]).issues)
    assert list(document["model_form_range"]) == issues
    for issue in issues:
        given = {
            name: value
            for name, summary in document["protocols"].items()
            if (value := predicted_by_summary(summary)[issue]) is not None
        }
        low, high = min(given.values()), max(given.values())
        assert document["model_form_range"][issue] == pytest.approx([low, high], abs=1e-12)
        detail = document["model_form"]["issues"][issue]
        assert set(detail["min_by"]) == {n for n, v in given.items() if v == pytest.approx(low, abs=1e-9)}
        assert set(detail["max_by"]) == {n for n, v in given.items() if v == pytest.approx(high, abs=1e-9)}
        assert detail["models"] == len(given) and detail["of"] == len(PROTOCOL_NAMES)


def test_json_range_agrees_with_the_run_folders_outcome_tables(sampled):
    folder, document = sampled
    issues = list(document["model_form_range"])
    medians = {name: settled_outcomes(folder / name)[issues].median() for name in PROTOCOL_NAMES}
    for issue in issues:
        values = [m[issue] for m in medians.values() if not math.isnan(m[issue])]
        assert document["model_form_range"][issue] == pytest.approx([min(values), max(values)], abs=1e-12)
    for name in PROTOCOL_NAMES:
        settled = settled_outcomes(folder / name)
        for issue in issues:
            low, high = document["model_form"]["monte_carlo_intervals"][name][issue]
            assert low == pytest.approx(settled[issue].quantile(0.05), abs=1e-12)
            assert high == pytest.approx(settled[issue].quantile(0.95), abs=1e-12)


def test_a_single_replicate_has_no_monte_carlo_interval(eu):
    _, document = eu
    assert document["model_form"]["monte_carlo_intervals"] is None


def test_text_prints_the_range_beside_each_models_monte_carlo_interval(sampled, tmp_path):
    folder, document = sampled
    code, out, err = run_cli("run", DEFAULT_SCENARIO, "--protocol", "all", *SAMPLED, "--out", tmp_path / "t")
    assert code == 0, err
    assert "Model-form uncertainty, the spread across models" in out
    assert "different kind of uncertainty" in out
    lines = out.splitlines()
    for issue, (low, high) in document["model_form_range"].items():
        at = next(n for n, line in enumerate(lines) if re.match(rf"\s+{issue} \(.*\)\s+\[", line))
        printed = re.search(r"\[(\S+), (\S+)\]", lines[at]).groups()
        assert close(printed[0], low) and close(printed[1], high), lines[at]
        for offset, name in enumerate(PROTOCOL_NAMES, start=1):  # each model's median [5%, 95%], below it
            settled = settled_outcomes(folder / name)[issue]
            row = re.match(rf"\s+{name}\s+(\S+)\s+\[(\S+), (\S+)\]\s+Monte Carlo", lines[at + offset])
            assert row, lines[at + offset]
            for text, q in zip(row.groups(), (0.5, 0.05, 0.95), strict=True):
                assert close(text, settled.quantile(q)), (name, issue, lines[at + offset])
            assert f"of {len(settled)} " in lines[at + offset]


def test_text_of_a_single_replicate_prints_the_range(eu, tmp_path):
    _, document = eu
    code, out, _ = run_cli("run", EU_1994, "--protocol", "all", "--out", tmp_path / "eu")
    assert code == 0
    low, high = document["model_form_range"]["emission_date"]
    line = next(line for line in out.splitlines() if re.match(r"\s+emission_date \(years\)\s+\[", line))
    printed = re.search(r"\[(\S+), (\S+)\]", line).groups()
    assert close(printed[0], low) and close(printed[1], high)
    assert "Monte Carlo median" not in out  # one replicate: no interval to put beside the range
    assert f"dipsim report {tmp_path / 'eu'}" in out


def test_a_model_with_no_terms_is_left_out_of_the_range_and_named():
    issues = {"cap": {"unit": "%", "bounds": [0, 100]}}

    def model(name: str, value: float, settled: int) -> Prediction:
        terms = {"cap": value}
        return Prediction(name, name, True, 1, settled, terms, terms, terms)

    models = [model("a", 10.0, 1), model("b", math.nan, 0), model("c", 30.0, 1)]
    found = ranges(models, issues)["cap"]
    assert (found.low, found.high, found.missing) == (10.0, 30.0, ("b",))
    assert model_form_json(models, issues)["model_form_range"] == {"cap": [10.0, 30.0]}
    assert "2 of 3 models; no terms from b" in "\n".join(model_form_lines(models, issues))
    nobody = [model("a", math.nan, 0)]
    assert model_form_json(nobody, issues)["model_form_range"] == {"cap": None}


# --- forecasting runs in text ----------------------------------------------------------


def test_forecasting_run_prints_the_distribution_of_its_forecasts(tmp_path):
    folder = tmp_path / "compromise"
    code, out, err = run_cli(
        "run", DEFAULT_SCENARIO, "--protocol", "compromise", *SAMPLED, "--out", folder
    )  # fmt: skip
    assert code == 0, err
    outcomes = Results.open(folder).table("outcomes")
    forecasts = outcomes[outcomes.outcome == "forecast"]
    lines = out.splitlines()
    at = next(n for n, line in enumerate(lines) if "Forecast terms (median [5%, 95%]" in line)
    assert f"over {len(forecasts)} forecasts of {len(outcomes)} replicates" in lines[at]
    for offset, issue in enumerate(Results.open(folder).issues, start=1):
        row = re.match(rf"\s+{issue}\s+(\S+) \[(\S+), (\S+)\]", lines[at + offset])
        assert row, lines[at + offset]
        for text, q in zip(row.groups(), (0.5, 0.05, 0.95), strict=True):
            assert close(text, forecasts[issue].quantile(q)), (issue, lines[at + offset])


# --- reports ---------------------------------------------------------------------------


def dot_figure(report):
    (section,) = [s for s in report.sections if s.title == "Predicted terms by model"]
    return section, section.figures[0]


def test_comparison_of_protocols_draws_a_dot_per_protocol_and_no_histogram_of_one_value(eu):
    folder, document = eu
    report = comparison_report([Results.open(folder / name) for name in PROTOCOL_NAMES])
    section, figure = dot_figure(report)
    assert "model-form" in section.intro and "separate kind of uncertainty" in section.intro
    dots = {trace.name: trace for trace in figure.data}
    assert set(dots) == set(PROTOCOL_NAMES)
    for name, trace in dots.items():
        assert trace.type == "scatter" and trace.mode == "markers" and len(trace.x) == 1
        assert trace.x[0] == pytest.approx(predicted_by_summary(document["protocols"][name])["emission_date"])
        assert trace.error_x.array is None  # one replicate: no Monte Carlo bar
    assert not any(t.type == "histogram" for _, f in report.named_figures() for t in f.data)
    band = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert [(b.x0, b.x1) for b in band] == [tuple(document["model_form_range"]["emission_date"])]


def test_comparison_with_replicates_puts_the_monte_carlo_interval_on_each_dot(sampled):
    folder, _ = sampled
    report = comparison_report([Results.open(folder / name) for name in PROTOCOL_NAMES])
    _, figure = dot_figure(report)
    issues = list(Results.open(folder / PROTOCOL_NAMES[0]).issues)
    for n, trace in enumerate(figure.data):
        name, issue = trace.name, issues[n // len(PROTOCOL_NAMES)]
        settled = settled_outcomes(folder / name)[issue]
        assert trace.x[0] == pytest.approx(settled.median())
        assert trace.x[0] + trace.error_x.array[0] == pytest.approx(settled.quantile(0.95))
        assert trace.x[0] - trace.error_x.arrayminus[0] == pytest.approx(settled.quantile(0.05))
    assert "Terms over replicates" in [s.title for s in report.sections]  # real distributions keep theirs


def test_report_of_a_protocols_folder_is_written_beside_it(tmp_path):
    folder = tmp_path / "all"
    assert run_cli("run", EU_1994, "--protocol", "all", "--out", folder)[0] == 0
    code, out, err = run_cli("report", folder)
    assert f"Report: {tmp_path / 'all.html'}" in out
    assert code == 0, err
    page = (tmp_path / "all.html").read_text()
    assert "Predicted terms by model" in page and "model-form range" in page
    assert "separate kind of uncertainty" in page
    assert not (folder / "report.html").exists()
    assert (
        run_cli("run", EU_1994, "--protocol", "all", "--out", folder)[0] == 0
    )  # the folder stays rerunnable


@pytest.fixture(scope="module")
def eu_forecast(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model_form") / "eum"
    assert run_cli("run", EU_1994, "--protocol", "expected_utility", "--out", folder)[0] == 0
    return folder


def test_forecasting_run_report_has_no_aspiration_chart_and_no_stack_of_move_labels(eu_forecast):
    results = Results.open(eu_forecast)
    assert results.manifest["protocol"] in FORECASTING_PROTOCOLS
    report = report_for(results)
    titles = [section.title for section in report.sections]
    assert "Why the principals said yes or no" not in titles and "Who moved towards whom" in titles
    assert "Why principals accept" not in report.html()
    for _, figure in report.named_figures():
        assert not any("compromises with" in (a.text or "") for a in figure.layout.annotations)


def test_who_moved_grid_counts_the_logged_moves(eu_forecast):
    results = Results.open(eu_forecast)
    report = report_for(results)
    (section,) = [s for s in report.sections if s.title == "Who moved towards whom"]
    (heatmap,) = section.figures[0].data
    events = results.table("events")
    moves = events[events.kind == "move"]
    target = moves.detail.astype(str).str.extract(r" (\w+) on emission_date$")[0]
    expected = pd.crosstab(moves.actor.astype(str), target)
    for r, mover in enumerate(heatmap.y):
        for c, towards in enumerate(heatmap.x):
            count = expected.at[mover, towards] if mover in expected.index and towards in expected else 0
            assert (heatmap.z[r][c] or 0) == count, (mover, towards)
    assert sum(v or 0 for row in heatmap.z for v in row) == len(moves)


def test_a_bargaining_run_still_shows_why_principals_signed(tmp_path):
    folder = tmp_path / "st"
    assert run_cli("run", DEFAULT_SCENARIO, "--seed", "42", "--out", folder)[0] == 0
    titles = [section.title for section in report_for(Results.open(folder)).sections]
    assert "Why the principals said yes or no" in titles and "Who moved towards whom" not in titles


@needs_browser
def test_protocol_comparison_and_forecasting_report_render(eu_forecast, tmp_path):
    folder = tmp_path / "all"
    assert run_cli("run", EU_1994, "--protocol", "all", "--out", folder)[0] == 0
    pages = {tmp_path / "all.html": ("report", folder), tmp_path / "eum.html": ("report", eu_forecast)}
    for page, (command, source) in pages.items():
        assert run_cli(command, source, "--out", page)[0] == 0
        dom, log = render(page)
        assert console_errors(log) == []
        assert len(rendered_figures(dom)) == len(re.findall(r'<div id="figure-\d+"', page.read_text()))


@pytest.fixture
def requests_seen() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request a page makes (there must be none)."""
    seen: list[str] = []

    class Counter(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@needs_browser
def test_new_figures_of_a_hostile_scenario_make_no_request(tmp_path, requests_seen):
    base, seen = requests_seen
    scenario = hostile_scenario(tmp_path, base)
    steps = [
        ("run", scenario, "--protocol", "all", "--out", tmp_path / "all", "--replicates", 10, "--sample"),
        ("report", tmp_path / "all"),
        ("run", scenario, "--protocol", "expected_utility", "--out", tmp_path / "eu"),
        ("report", tmp_path / "eu"),
    ]
    for step in steps:
        code, _, err = run_cli(*step)
        assert code == 0, (step, err)
    for page in (tmp_path / "all.html", tmp_path / "eu" / "report.html"):
        dom, _ = render(page)
        assert seen == [], f"{page.name} fetched {seen}"
        assert not re.search(r"<(a|img|script|svg)\b[^>]*127\.0\.0\.1", dom), page
        assert re.search(r"&lt;(span style|a href|img src|script)", dom), page  # there, as text
