"""Figures that must stay readable: terms zoomed to the data, issues in a grid, compare in numbers.

Oracles: the zoomed axis is the span of the terms reached padded by 5 % each side (a hand
computation from the table); the status quo and each principal's ideal come from the scenario;
Newcombe's interval reproduces the two worked examples of Newcombe (1998), Table II, method 10.
"""

from __future__ import annotations

import math

import pytest

from sim.experiments.run import RunSettings, run_scenario
from sim.report.build import comparison_report
from sim.report.figures import compare_terms, terms_distribution
from sim.report.figures.compare import _newcombe, difference_rows
from sim.scenario import load_scenario
from sim.store.results import Results
from sim.store.run_folder import write_run
from tests.conftest import DEFAULT_SCENARIO, SCENARIOS
from tests.test_bad_input import run_cli


def _run(tmp_path_factory, scenario, seed):
    folder = tmp_path_factory.mktemp("run") / "run"
    tables, manifest = run_scenario(
        load_scenario(scenario), RunSettings(seed=seed, replicates=400, sample=True)
    )
    write_run(tables, folder, manifest)
    return Results.open(folder)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return _run(tmp_path_factory, DEFAULT_SCENARIO, 1)


@pytest.fixture(scope="module")
def restrained(tmp_path_factory):
    return _run(tmp_path_factory, SCENARIOS / "iran_talks_israel_restrained.yaml", 1)


def _panel_axes(figure, issue_count):
    return [figure.layout[f"xaxis{'' if n == 0 else n + 1}"] for n in range(issue_count)]


def test_term_axes_are_zoomed_to_the_terms_reached(base):
    outcomes = base.table("outcomes")
    figure = terms_distribution(outcomes, base)
    deals = outcomes[outcomes.outcome == "deal"]
    for axis, (issue_id, info) in zip(
        _panel_axes(figure, len(base.issues)), base.issues.items(), strict=True
    ):
        low, high = deals[issue_id].min(), deals[issue_id].max()
        pad = 0.05 * (high - low)
        expected = [max(info["bounds"][0], low - pad), min(info["bounds"][1], high + pad)]
        assert list(axis.range) == pytest.approx(expected), issue_id


def test_the_status_quo_and_each_principals_ideal_are_marked(base):
    outcomes = base.table("outcomes")
    figure = terms_distribution(outcomes, base)
    resolved = base.manifest["scenario"]["resolved"]["actors"]
    lines = {round(shape.x0, 9) for shape in figure.layout.shapes}
    notes = " ".join(a.text for a in figure.layout.annotations)
    for axis, (issue_id, info) in zip(
        _panel_axes(figure, len(base.issues)), base.issues.items(), strict=True
    ):
        marks = [info["status_quo"], resolved["US"]["stances"][issue_id]["position"]]
        marks.append(resolved["Iran"]["stances"][issue_id]["position"])
        for value in marks:
            if axis.range[0] <= value <= axis.range[1]:
                assert round(value, 9) in lines, (issue_id, value)
            else:  # named at the edge it lies beyond, with its value
                assert f"{value:,.0f}" in notes or f"{value:.3g}" in notes, (issue_id, value, notes)
    assert {"status quo", "US ideal", "Iran ideal"} <= {t.name for t in figure.data}


def test_six_issues_sit_in_two_rows_of_three_wide_panels(base):
    figure = terms_distribution(base.table("outcomes"), base)
    axes = _panel_axes(figure, 6)
    widths = [axis.domain[1] - axis.domain[0] for axis in axes]
    assert min(widths) > 0.25  # a third of the width each, less the gaps: titles of ~30 characters fit
    rows = {tuple(figure.layout[f"yaxis{'' if n == 0 else n + 1}"].domain) for n in range(6)}
    assert len(rows) == 2


def test_newcombe_reproduces_the_worked_examples():
    # Newcombe (1998), Table II, method 10: (a) 56/70 - 48/80, (b) 9/10 - 3/10.
    d, low, high = _newcombe((56, 48), (70, 80))
    assert (round(d, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    d, low, high = _newcombe((9, 3), (10, 10))
    assert (round(d, 4), round(low, 4), round(high, 4)) == (0.6, 0.1705, 0.8090)


def test_the_difference_table_is_taken_from_the_chosen_baseline(base, restrained):
    named = [("base", base.table("outcomes"), "#000"), ("restrained", restrained.table("outcomes"), "#111")]
    rows = difference_rows(named, base.issues, baseline=1)
    assert rows[0] == ("", "restrained (baseline)", "base", "Δ base")
    escalation = next(r for r in rows if r[0] == "share ending in escalation")
    counted = (base.table("outcomes").outcome == "escalation").mean()
    counted -= (restrained.table("outcomes").outcome == "escalation").mean()
    assert escalation[3].startswith(f"{counted * 100:+.1f} pp (")
    assert counted > 0  # the restrained variant escalates less, as its source implies


def test_compare_draws_ecdfs_not_overlaid_histograms(base, restrained):
    report = comparison_report([base, restrained], baseline=0)
    titles = [s.title for s in report.sections]
    assert titles[:2] == ["Outcomes", "Differences from iran_talks"]
    terms = next(s for s in report.sections if s.title == "Agreed terms").figures[0]
    assert {type(t).__name__ for t in terms.data} == {"Scatter"}
    ecdfs = [t for t in terms.data if t.legendgroup]
    assert len(ecdfs) == 2 * 6  # a line per folder and issue
    for trace in ecdfs:
        assert list(trace.y) == sorted(trace.y) and math.isclose(trace.y[-1], 1.0)


def test_compare_refuses_a_baseline_beyond_the_folders(base, restrained, tmp_path):
    code, _, err = run_cli(
        "compare", base.path, restrained.path, "--baseline", 3, "--out", tmp_path / "c.html"
    )
    assert code == 2
    assert "--baseline 3: there are only 2 folders" in err


def test_compare_terms_marks_the_baselines_references(base, restrained):
    named = [("base", base.table("outcomes"), "#000"), ("restrained", restrained.table("outcomes"), "#111")]
    figure = compare_terms(named, base.issues, base.manifest)
    assert "status quo" in {t.name for t in figure.data}
