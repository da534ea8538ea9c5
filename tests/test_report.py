"""Reports: figures show exactly what the results tables hold; the HTML renders in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.experiments.run import RunSettings, run_scenario
from sim.experiments.sensitivity import analyse
from sim.experiments.sweep.plan import SweepSettings
from sim.experiments.sweep.runner import Execution, run_sweep
from sim.report import figures
from sim.report.build import comparison_report, report_for
from sim.report.palette import actor_colours
from sim.scenario import load_scenario
from sim.store.results import Results
from sim.store.run_folder import write_run
from tests.conftest import BROWSER, DEFAULT_SCENARIO, SCENARIOS, dipsim, needs_browser


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "sweep"
    settings = SweepSettings(samples=64, replicates=4, design="lhs", seed=5, batch_replicates=128)
    run_sweep(load_scenario(DEFAULT_SCENARIO), settings, folder, Execution(progress=False))
    analyse(folder, outputs=["p_deal", "p_escalation", "enrichment"])  # three: the bootstrap costs
    return folder


@pytest.fixture(scope="module")
def variant_sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "variant"
    settings = SweepSettings(samples=32, replicates=4, design="lhs", seed=5, log="outcomes")
    run_sweep(
        load_scenario(SCENARIOS / "iran_talks_israel_restrained.yaml"),
        settings,
        folder,
        Execution(progress=False),
    )
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "run"
    tables, manifest = run_scenario(load_scenario(DEFAULT_SCENARIO), RunSettings(seed=42))
    write_run(tables, folder, manifest)
    return folder


def test_outcome_bars_are_the_shares_with_wilson_intervals(sweep_dir):
    outcomes = Results.open(sweep_dir).table("outcomes")
    (bar,) = figures.outcome_probabilities(outcomes).data
    for label, height, above, below in zip(
        bar.x, bar.y, bar.error_y.array, bar.error_y.arrayminus, strict=True
    ):
        count = int((outcomes.outcome == label).sum())
        assert height == pytest.approx(count / len(outcomes))
        wilson = binomtest(count, len(outcomes)).proportion_ci(method="wilson")
        assert height + above == pytest.approx(wilson.high)
        assert height - below == pytest.approx(wilson.low)


def test_term_histograms_hold_exactly_the_agreed_terms(sweep_dir):
    results = Results.open(sweep_dir)
    outcomes = results.table("outcomes")
    figure = figures.terms_distribution(outcomes, results)
    deals = outcomes[outcomes.outcome == "deal"]
    histograms = [trace for trace in figure.data if trace.type == "histogram"]
    assert len(histograms) == len(results.issues)
    for trace, issue_id in zip(histograms, results.issues, strict=True):
        np.testing.assert_array_equal(np.asarray(trace.x, dtype=float), deals[issue_id].to_numpy())
    panels = range(1, len(results.issues) + 1)
    axis_titles = [figure.layout[f"xaxis{n if n > 1 else ''}"].title.text for n in panels]
    assert [title.replace("<br>", " ") for title in axis_titles] == [
        info["unit"] for info in results.issues.values()
    ]


def test_ecdf_ends_at_each_outcome_share(sweep_dir):
    results = Results.open(sweep_dir)
    outcomes = results.table("outcomes")
    for trace in figures.rounds_ecdf(outcomes, results).data:
        assert trace.y[-1] == pytest.approx((outcomes.outcome == trace.name).mean())
        assert list(trace.x) == sorted(outcomes.loc[outcomes.outcome == trace.name, "exchanges"])


def test_fan_chart_median_matches_the_rounds_table(sweep_dir):
    results = Results.open(sweep_dir)
    rounds = results.table("rounds")
    figure = figures.position_fans(rounds, results)
    median = next(t for t in figure.data if t.name == "US" and t.mode == "lines")  # first issue: enrichment
    us = rounds[rounds.actor == "US"].groupby("step").position_enrichment.median()
    np.testing.assert_allclose(np.asarray(median.y, dtype=float), us.to_numpy())
    assert median.line.color == actor_colours(list(results.actors))["US"]


def test_every_figure_keeps_each_actor_in_one_colour(sweep_dir, run_dir):
    colours = actor_colours(list(Results.open(run_dir).actors))
    run = Results.open(run_dir)
    figure = figures.run_positions(run.table("rounds"), run.table("texts"), run.table("events"), run)
    for trace in figure.data:
        if trace.name in colours:
            assert trace.line.color == colours[trace.name]


def test_run_figure_marks_every_response_and_event(run_dir):
    run = Results.open(run_dir)
    rounds, texts, events = run.table("rounds"), run.table("texts"), run.table("events")
    figure = figures.run_positions(rounds, texts, events, run)
    responses = rounds.response.isin(["accept", "reject"]).sum()
    marks = sum(len(t.x) for t in figure.data if t.name in ("accepts the text", "rejects the text"))
    assert marks == responses * len(run.issues)
    annotations = [a.text for a in figure.layout.annotations]
    for detail in events.detail:
        assert any(detail in text for text in annotations)


def test_report_html_is_self_contained(sweep_dir, tmp_path):
    report = report_for(Results.open(sweep_dir))
    html = report.html()
    assert html.count("<script") == 1 + len(report.named_figures())  # plotly.js once, then one per figure
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing fetched from anywhere
    titles = [section.title for section in report.sections]
    assert titles[:6] == [
        "Outcomes",
        "What ended the talks",
        "Agreed terms",
        "Timing",
        "Positions over the talks",
        "Sensitivity",
    ]
    # only when some outcome is common enough; PRIM's box where one stands out
    assert titles[6:] in (
        [],
        ["What moves each outcome"],
        ["What moves each outcome", "Where each outcome concentrates"],
    )
    assert "seed" in report.facts and "lhs" in report.facts["design"]


def test_comparison_uses_one_colour_per_scenario(sweep_dir, variant_sweep_dir):
    report = comparison_report([Results.open(sweep_dir), Results.open(variant_sweep_dir)])
    folders = {"iran_talks", "iran_talks_israel_restrained"}
    colour_of: dict[str, set[str]] = {}
    for _, figure in report.named_figures():
        for trace in figure.data:
            if trace.name in folders:  # the rest are reference lines: the status quo, each ideal
                colour = trace.line.color if trace.type == "scatter" else trace.marker.color
                colour_of.setdefault(trace.name, set()).add(colour)
    assert set(colour_of) == folders
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({next(iter(c)) for c in colour_of.values()}) == 2


# --- the real browser ---------------------------------------------------------------



def render(html_path: Path) -> tuple[str, str]:
    """Load a file in headless Chromium; return the DOM after scripts ran, and the console log."""
    assert BROWSER is not None, "CI must install chromium-headless-shell (see .ci/run)"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                html_path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    return result.stdout, result.stderr


def console_errors(log: str) -> list[str]:
    return [
        line for line in log.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]


def rendered_figures(dom: str) -> list[str]:
    """Ids of figure divs that Plotly turned into drawn SVG."""
    ids = re.findall(r'<div id="(figure-\d+)"', dom)
    drawn = []
    for n, figure_id in enumerate(ids):
        start = dom.index(f'<div id="{figure_id}"')
        end = dom.index(f'<div id="{ids[n + 1]}"') if n + 1 < len(ids) else len(dom)
        if 'class="main-svg"' in dom[start:end]:
            drawn.append(figure_id)
    return drawn


@needs_browser
def test_the_error_check_can_fail(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    _, log = render(broken)
    assert console_errors(log), "the console check must see an uncaught error"


@needs_browser
@pytest.mark.parametrize("which", ["sweep", "run"])
def test_reports_render_every_plot_without_javascript_errors(which, sweep_dir, run_dir, tmp_path):
    results = Results.open(sweep_dir if which == "sweep" else run_dir)
    report = report_for(results)
    path = tmp_path / f"{which}.html"
    path.write_text(report.html(), encoding="utf-8")
    dom, log = render(path)
    assert console_errors(log) == []
    expected = len(report.named_figures())
    assert len(rendered_figures(dom)) == expected


@needs_browser
def test_comparison_renders(sweep_dir, variant_sweep_dir, tmp_path):
    path = tmp_path / "compare.html"
    result = dipsim("compare", sweep_dir, variant_sweep_dir, "--out", path)
    assert result.returncode == 0, result.stderr
    dom, log = render(path)
    assert console_errors(log) == []
    assert len(rendered_figures(dom)) == 2


@needs_browser
def test_png_export(run_dir, tmp_path):
    pytest.importorskip("kaleido")
    result = dipsim("report", run_dir, "--out", tmp_path / "r.html", "--png", tmp_path / "png")
    assert result.returncode == 0, result.stderr
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert len(pngs) == 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_png_without_a_browser_says_what_to_install_and_keeps_the_html(run_dir, tmp_path):
    environment = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-such-browser")}
    result = dipsim(
        "report", run_dir, "--out", tmp_path / "r.html", "--png", tmp_path / "png", env=environment
    )
    assert result.returncode == 2
    assert "apt-get install chromium-headless-shell" in result.stderr
    assert (tmp_path / "r.html").exists()


def test_report_cli_default_path_and_bad_folder(run_dir, tmp_path):
    result = dipsim("report", run_dir)
    assert result.returncode == 0
    assert (run_dir / "report.html").exists()
    missing = dipsim("report", tmp_path)
    assert missing.returncode == 2
    assert "not a dipsim results folder" in missing.stderr


def test_reports_never_need_the_model(sweep_dir, run_dir, monkeypatch):
    """The report reads folders only: with no scenario file to find and no way to load one or to
    build a model, every report of a copied folder is the same page as before."""
    expected = {
        name: report_for(Results.open(folder)).html()
        for name, folder in (("sweep", sweep_dir), ("run", run_dir))
    }

    def forbidden(*_: object, **__: object) -> None:
        raise AssertionError("a report must not load a scenario or build a model")

    monkeypatch.setattr("sim.scenario.loader.load_with_extends", forbidden)
    monkeypatch.setattr("sim.scenario.load_scenario", forbidden)
    monkeypatch.setattr("sim.engine.model.NegotiationModel.__init__", forbidden)
    with tempfile.TemporaryDirectory() as elsewhere:
        monkeypatch.chdir(elsewhere)  # the manifests' relative scenario paths now point nowhere
        for name, folder in (("sweep", sweep_dir), ("run", run_dir)):
            copy = Path(elsewhere) / name
            shutil.copytree(folder, copy)
            page = report_for(Results.open(copy)).html()
            assert page.replace(str(copy), str(folder)) == expected[name]
