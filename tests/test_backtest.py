"""`dipsim backtest`: cases whose truth is known by construction score as they must.

The synthetic cases put the agreed terms exactly where one closed form lands
(the capability x salience weighted mean, the weighted median), or make a deal
impossible so the bargaining protocol must predict the status quo and a
stalemate. Expected values are computed here from the scenario's numbers and the
scoring rules' definitions (Brier 1950; the log score; the leave-one-out base
rate), never copied from the program's output; line numbers in error messages
are found in the case text, never hard-coded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.backtest.cases import CaseError, load_cases, read_case
from sim.experiments.backtest.harness import run_backtest
from sim.experiments.backtest.predictions import BASELINES
from sim.experiments.backtest.scores import Comparison, brier, log_score, score_tables
from sim.experiments.run import RunSettings
from sim.experiments.side_by_side import protocol_names
from sim.report.build import report_for
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.store.results import Results
from tests.conftest import SCENARIOS, dipsim
from tests.test_report import BROWSER, console_errors, render, rendered_figures

# One issue, three principals: (capability, salience, position) each.
ACTORS = {"A": (1.0, 0.8, 0.0), "B": (0.6, 0.5, 60.0), "C": (0.9, 0.7, 100.0)}
LOW, HIGH, STATUS_QUO = -20.0, 100.0, 30.0  # a low bound that is not 0, so range != high


def weighted_mean() -> float:
    weights = {a: c * s for a, (c, s, _) in ACTORS.items()}
    return sum(weights[a] * x for a, (_, _, x) in ACTORS.items()) / sum(weights.values())


def weighted_median() -> float:
    """Cumulative capability x salience, from the lowest position, first reaching half the total."""
    ordered = sorted(ACTORS.values(), key=lambda actor: actor[2])
    half = sum(c * s for c, s, _ in ordered) / 2
    total = 0.0
    for capability, salience, position in ordered:
        total += capability * salience
        if total >= half:
            return position
    raise AssertionError("unreachable")


def scenario_text(name: str, red_lines: bool = False) -> str:
    """The synthetic scenario; with red_lines, A and B refuse every text the other could sign."""
    lines = [
        f"name: {name}",
        "issues:",
        f'  cap: {{label: Cap, unit: "%", bounds: [{LOW}, {HIGH}], status_quo: {STATUS_QUO}}}',
        "actors:",
    ]
    for actor, (capability, salience, position) in ACTORS.items():
        lines += [
            f"  {actor}:",
            f"    name: {actor}",
            "    role: principal",
            f"    capability: {capability}",
            f"    stances: {{cap: {{position: {position}, salience: {salience}}}}}",
        ]
        if red_lines and actor == "A":
            lines.append("    red_lines: [{issue: cap, above: 10, action: reject}]")
        if red_lines and actor == "B":
            lines.append("    red_lines: [{issue: cap, below: 90, action: reject}]")
    lines += [
        "  M: {name: Mediator, role: mediator, capability: 0.1}",
        "rounds:",
        "  only: {venue: Somewhere, mediator: M, agenda: [cap], exchanges: 3}",
    ]
    return "\n".join(lines) + "\n"


DATES = (
    "coded_as_of: 2001-01-10\n"
    "milestone: {date: 2001-02-01, what: the summit}\n"
    "outcome_date: 2001-03-01\n"
    "sources:\n"
    "  - {date: 2001-01-05, title: a briefing, publisher: Nobody, url: 'http://example.org/a'}\n"
)


def case_text(scenario: str, actual: float | None, outcome: str = "deal", extra: str = "") -> str:
    terms = "" if actual is None else f"actual:\n  cap: {actual!r}\n"
    return (
        f"scenario: {scenario}\noutcome: {outcome}\n{terms}source: constructed for the test\n{DATES}{extra}"
    )


def write_cases(folder: Path, cases: dict[str, str]) -> Path:
    (folder / "s").mkdir(parents=True, exist_ok=True)
    (folder / "s" / "synthetic.yaml").write_text(scenario_text("synthetic"))
    (folder / "s" / "deadlock.yaml").write_text(scenario_text("deadlock", red_lines=True))
    for name, text in cases.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


SYNTHETIC_CASES = {
    "mean_truth": case_text("s/synthetic.yaml", weighted_mean()),
    "median_truth": case_text("s/synthetic.yaml", weighted_median()),
    "deadlock": case_text("s/deadlock.yaml", None, outcome="stalemate"),
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, Path]:
    """The three synthetic cases, backtested once in-process under every protocol: (cases, out)."""
    root = tmp_path_factory.mktemp("backtest")
    cases_dir = write_cases(root / "cases", SYNTHETIC_CASES)
    out = root / "out"
    run_backtest(load_cases(cases_dir), protocol_names("all"), RunSettings(seed=1), out, cases_dir)
    return cases_dir, out


@pytest.fixture(scope="module")
def terms(synthetic) -> pd.DataFrame:
    return Results.open(synthetic[1]).backtest()


@pytest.fixture(scope="module")
def classes(synthetic) -> pd.DataFrame:
    return Results.open(synthetic[1]).backtest_classes()


def cli(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    """The CLI in this process (no interpreter start-up): exit code, stdout, stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def row(table: pd.DataFrame, case: str, predictor: str) -> pd.Series:
    (index,) = np.flatnonzero((table.case == case) & (table.predictor == predictor))
    return table.iloc[index]


# --- the scoring rules, by hand ----------------------------------------------------------------


def test_brier_and_log_scores_by_hand():
    """Brier: sum_k (p_k - o_k)^2; log: -ln((n + 1/2) / (N + 2)) of the class that happened."""
    shares = {"deal": 0.6, "breakdown": 0.3, "escalation": 0.1, "stalemate": 0.0}
    assert brier(shares, "deal") == pytest.approx(0.4**2 + 0.3**2 + 0.1**2)
    assert brier(shares, "stalemate") == pytest.approx(0.6**2 + 0.3**2 + 0.1**2 + 1.0)
    counts = {"deal": 6.0, "breakdown": 3.0, "escalation": 1.0, "stalemate": 0.0}
    assert log_score(counts, "deal") == pytest.approx(-np.log(6.5 / 12))
    assert log_score(counts, "stalemate") == pytest.approx(-np.log(0.5 / 12))  # finite, and large
    uniform = {label: 1.0 for label in shares}
    assert brier({k: 0.25 for k in shares}, "deal") == 0.75 and log_score(uniform, "deal") == pytest.approx(
        np.log(4)
    )


def test_the_base_rate_leaves_the_case_itself_out(classes):
    """Cases: deal, deal, stalemate. For a deal the others are one deal and one stalemate (1/2, 1/2);
    for the stalemate they are two deals. Brier and log follow from those counts alone."""
    mean_truth = row(classes, "mean_truth", "base_rate")
    assert (mean_truth.share_deal, mean_truth.share_stalemate) == (0.5, 0.5)
    assert mean_truth.brier == pytest.approx(0.25 + 0.25)
    assert mean_truth.log == pytest.approx(-np.log(1.5 / 4))
    deadlock = row(classes, "deadlock", "base_rate")
    assert (deadlock.share_deal, deadlock.share_stalemate) == (1.0, 0.0)
    assert deadlock.brier == pytest.approx(2.0) and deadlock.log == pytest.approx(-np.log(0.5 / 4))
    uniform = classes[classes.predictor == "uniform"]
    assert (uniform.brier == 0.75).all() and np.allclose(uniform.log, np.log(4))


def test_a_forecast_counts_as_a_deal_and_a_deadlock_as_a_stalemate(classes):
    assert row(classes, "mean_truth", "compromise").share_deal == 1.0  # a forecasting model
    stuck = row(classes, "deadlock", "single_text")
    assert stuck.share_stalemate == 1.0 and stuck.brier == 0.0
    assert row(classes, "deadlock", "compromise").brier == 2.0  # certain of a deal that never came


# --- the terms, and the naive baselines ---------------------------------------------------------


def test_the_term_baselines_by_hand(terms):
    """Status quo 30; the strongest actor A (capability 1.0) at 0; the c x s weighted mean and median."""
    for case in ("mean_truth", "median_truth"):
        assert row(terms, case, "status_quo").predicted == STATUS_QUO
        assert row(terms, case, "strongest_actor").predicted == 0.0
        assert row(terms, case, "opening_mean").predicted == pytest.approx(weighted_mean(), abs=1e-12)
        assert row(terms, case, "opening_median").predicted == pytest.approx(weighted_median(), abs=1e-12)
    assert row(terms, "mean_truth", "opening_mean").normalised_error == pytest.approx(0, abs=1e-12)
    assert row(terms, "median_truth", "opening_median").normalised_error == pytest.approx(0, abs=1e-12)


def test_the_synthetic_truths_differ():
    """Otherwise the truth tests could not tell the predictors apart."""
    assert abs(weighted_mean() - weighted_median()) > 10


def test_only_deals_have_terms_scored(terms):
    assert set(terms.case) == {"mean_truth", "median_truth"}
    predictors = [*protocol_names("all"), "status_quo", "strongest_actor", "opening_mean", "opening_median"]
    assert len(terms) == 2 * len(predictors)
    assert (terms.low == LOW).all() and (terms.high == HIGH).all() and (terms.unit == "%").all()
    np.testing.assert_array_equal(terms.abs_error, np.abs(terms.predicted - terms.actual))
    np.testing.assert_array_equal(terms.normalised_error, terms.abs_error / (terms.high - terms.low))


def test_predictions_are_read_back_from_the_run_folders(synthetic, terms, classes):
    _, out = synthetic
    for (case, protocol), rows in terms[terms.kind == "protocol"].groupby(["case", "predictor"]):
        run = Results.open(out / "runs" / case / protocol)
        assert run.kind == "run" and run.manifest["protocol"] == protocol
        outcomes = run.table("outcomes")
        settled = outcomes.outcome.isin(["deal", "forecast"])
        held = np.where(settled, outcomes.cap, run.issues["cap"]["status_quo"])
        assert rows.predicted.iloc[0] == np.median(held)
        assert rows.settled_share.iloc[0] == settled.mean()
        shares = row(classes, case, protocol)
        assert shares.share_deal == (outcomes.outcome.isin(["deal", "forecast"])).mean()


def test_coverage_reads_the_5_to_95_range_over_sampled_replicates(tmp_path):
    scenario = scenario_text("uncertain").replace(
        "{position: 60.0,", "{position: {dist: uniform, low: 20, high: 80},"
    )
    cases_dir = tmp_path / "cases"
    (cases_dir / "s").mkdir(parents=True)
    (cases_dir / "s" / "uncertain.yaml").write_text(scenario)
    (cases_dir / "u.yaml").write_text(case_text("s/uncertain.yaml", 50.0))
    settings = RunSettings(seed=7, replicates=40, sample=True)
    names = ["compromise", "weighted_median"]
    for out in (tmp_path / "one", tmp_path / "two"):
        run_backtest(load_cases(cases_dir), names, settings, out, cases_dir)
    for table in ("backtest", "classes"):
        assert (tmp_path / "one" / f"{table}.parquet").read_bytes() == (
            tmp_path / "two" / f"{table}.parquet"
        ).read_bytes()
    scored = Results.open(tmp_path / "one").backtest()
    held = Results.open(tmp_path / "one" / "runs" / "u" / "compromise").table("outcomes").cap.to_numpy()
    assert len(set(held)) > 1  # the replicates really differ
    mine = row(scored, "u", "compromise")
    assert mine.predicted == np.median(held)
    assert (mine.p05, mine.p95) == (np.quantile(held, 0.05), np.quantile(held, 0.95))
    assert mine.covered == (mine.p05 <= 50.0 <= mine.p95)
    samples = Results.open(tmp_path / "one" / "runs" / "u" / "compromise").table("samples")
    b = samples["actors.B.stances.cap.position"].to_numpy()  # the baseline sees the same draws
    weights = np.array([1.0 * 0.8, 0.6 * 0.5, 0.9 * 0.7])
    expected = (weights[0] * 0.0 + weights[1] * b + weights[2] * 100.0) / weights.sum()
    assert row(scored, "u", "opening_mean").predicted == pytest.approx(np.median(expected), rel=1e-12)


# --- across cases: means, bootstrap, verdicts ----------------------------------------------------


def test_scores_are_means_over_cases_with_a_bootstrap_interval(classes, terms):
    scores = score_tables(classes, terms, seed=1)
    for predictor in ("single_text", "uniform", "base_rate"):
        mine = classes[classes.predictor == predictor]
        score = scores.of(predictor, "brier")
        assert score.value == pytest.approx(mine.brier.mean()) and score.count == 3
        assert score.low <= score.value <= score.high
        assert scores.of(predictor, "log").value == pytest.approx(mine.log.mean())
    uniform = scores.of("uniform", "brier")
    assert (uniform.low, uniform.high) == (0.75, 0.75)  # the same on every case: no spread to resample
    mae = scores.of("opening_mean", "mae")
    assert mae.value == pytest.approx(terms[terms.predictor == "opening_mean"].normalised_error.mean())
    assert scores.of("uniform", "mae") is None  # a class baseline makes no forecast of the terms
    again = score_tables(classes, terms, seed=1)
    assert again == scores  # the same seed, the same resamples


def test_a_verdict_needs_the_whole_interval_of_the_difference():
    """Lower is better for Brier: beats it only if the interval lies below 0, worse if above."""
    assert Comparison("p", "brier", "uniform", -0.2, -0.3, -0.1).verdict == "beats it"
    assert Comparison("p", "brier", "uniform", -0.2, -0.3, 0.1).verdict == "within noise"
    assert Comparison("p", "brier", "uniform", 0.2, 0.1, 0.3).verdict == "worse"


def test_every_protocol_is_compared_with_the_best_baseline(classes, terms):
    scores = score_tables(classes, terms, seed=1)
    brier_baselines = [scores.of(b, "brier") for b in ("uniform", "base_rate")]
    best = min(brier_baselines, key=lambda s: s.value)
    compared = [c for c in scores.comparisons if c.metric == "brier"]
    assert {c.protocol for c in compared} == set(protocol_names("all"))
    assert {c.baseline for c in compared} == {best.predictor}
    for c in compared:
        assert c.difference == pytest.approx(scores.of(c.protocol, "brier").value - best.value)


def test_manifest_records_every_case_text_and_its_dates(synthetic):
    _, out = synthetic
    manifest = Results.open(out).manifest
    assert manifest["kind"] == "backtest" and manifest["protocols"] == protocol_names("all")
    assert manifest["baselines"] == list(BASELINES)
    assert set(manifest["cases"]) == set(SYNTHETIC_CASES)
    for name, text in SYNTHETIC_CASES.items():
        info = manifest["cases"][name]
        assert info["text"] == text and len(info["sha256"]) == 64
        assert (info["coded_as_of"], info["outcome_date"]) == ("2001-01-10", "2001-03-01")
        assert info["sources"][0]["date"] == "2001-01-05"
    assert manifest["cases"]["deadlock"]["outcome"] == "stalemate"
    assert pd.read_csv(out / "classes.csv").shape[0] == 3 * (len(PROTOCOL_NAMES) + 2)
    assert not list(out.parent.glob(".*partial"))  # the staging folder was renamed into place


# --- the command --------------------------------------------------------------------------


def test_printed_backtest_agrees_with_the_tables(tmp_path):
    cases_dir = write_cases(tmp_path / "cases", SYNTHETIC_CASES)
    out = tmp_path / "out"
    result = dipsim("backtest", cases_dir, "--out", out, "--seed", 1)
    assert result.returncode == 0, result.stderr
    classes = Results.open(out).backtest_classes()
    block = result.stdout.split("\ndeadlock  (", 1)[1].split("\n\n", 1)[0].splitlines()
    assert "stalemate on 2001-03-01; coded as of 2001-01-10, before 2001-02-01: the summit" in block[0]
    for line in block[2 : 2 + len(PROTOCOL_NAMES) + 2]:
        cells = line.split()
        mine = row(classes, "deadlock", cells[0])
        assert cells[-2] == f"{mine.brier:.3f}" and cells[-1] == f"{mine.log:.2f}"
    assert "Scores over 3 cases" in result.stdout
    assert "Each protocol against the best baseline" in result.stdout
    assert re.search(r"^(No protocol beats|Beyond noise, only these beat)", result.stdout, re.M)


def test_json_gives_every_predictors_scores(tmp_path, capsys):
    cases_dir = write_cases(tmp_path / "cases", SYNTHETIC_CASES)
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        capsys, "backtest", cases_dir, "--out", out, "--protocol", "compromise,nash", "--json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    classes, terms = Results.open(out).backtest_classes(), Results.open(out).backtest()
    assert set(summary["scores"]) == {"compromise", "nash", *BASELINES}
    for entry in summary["scores"].values():
        assert set(entry) >= {"brier", "log", "mae", "coverage"}
    assert summary["scores"]["nash"]["brier"] == pytest.approx(
        classes[classes.predictor == "nash"].brier.mean()
    )
    assert summary["scores"]["uniform"]["mae"] is None and summary["scores"]["status_quo"]["brier"] is None
    mine = terms[terms.predictor == "opening_median"]
    assert summary["scores"]["opening_median"]["mae"] == pytest.approx(mine.normalised_error.mean())
    (deadlock,) = [c for c in summary["cases"] if c["case"] == "deadlock"]
    assert deadlock["outcome"] == "stalemate" and deadlock["terms"] == []
    assert {c["verdict"] for c in summary["against_best_baseline"]} <= {"beats it", "within noise", "worse"}


# --- bad cases ----------------------------------------------------------------------------

GOOD = "scenario: s/synthetic.yaml\noutcome: deal\nactual:\n  cap: 5\nsource: x\n"
BAD_CASES = {
    "unknown_key": (GOOD + DATES + "colour: red\n", "colour", "unknown key"),
    "no_source": (GOOD.replace("source: x\n", "") + DATES, "source", "required field is missing"),
    "no_scenario": (GOOD.replace("scenario: s/synthetic.yaml\n", "") + DATES, "scenario", "required field"),
    "no_outcome": (GOOD.replace("outcome: deal\n", "") + DATES, "outcome", "required field is missing"),
    "bad_outcome": (GOOD.replace("outcome: deal", "outcome: victory") + DATES, "outcome", "one of deal"),
    "deal_without_terms": (GOOD.replace("actual:\n  cap: 5\n", "") + DATES, "", "a deal has agreed terms"),
    "terms_of_a_failure": (GOOD.replace("outcome: deal", "outcome: breakdown") + DATES, "", "only a deal"),
    "undated": (GOOD + DATES.replace("coded_as_of: 2001-01-10\n", ""), "", "give coded_as_of"),
    "bad_date": (GOOD + DATES.replace("2001-01-10", "10 January 2001"), "coded_as_of", "YYYY-MM-DD"),
    "source_after_coding": (
        GOOD + DATES.replace("date: 2001-01-05", "date: 2001-01-20"),
        "sources.0.date",
        "dated 2001-01-20, after coded_as_of 2001-01-10",
    ),
    "coded_after_milestone": (
        GOOD
        + DATES.replace("coded_as_of: 2001-01-10", "coded_as_of: 2001-02-10").replace(
            "2001-01-05", "2001-01-06"
        ),
        "coded_as_of",
        "must precede the milestone",
    ),
    "no_sources": (GOOD + DATES.split("sources:")[0], "sources", "required field is missing"),
    "unknown_issue": (
        GOOD.replace("  cap: 5\n", "  cap: 5\n  budget: 3\n") + DATES,
        "actual.budget",
        "unknown issue 'budget'",
    ),
    "out_of_bounds": (
        GOOD.replace("cap: 5", "cap: 150") + DATES,
        "actual.cap",
        "150 lies outside the bounds of issue 'cap' [-20, 100]",
    ),
    "not_a_number": (GOOD.replace("cap: 5", "cap: high") + DATES, "actual.cap", "number"),
    "missing_scenario": (GOOD.replace("synthetic", "nowhere") + DATES, "scenario", "not found"),
    "broken_scenario": (GOOD.replace("synthetic", "broken") + DATES, "scenario", "does not load"),
}


def key_line(text: str, dotted: str) -> int:
    """The line of the key a problem is about (the deepest key that exists; else line 1)."""
    keys = [k for k in dotted.split(".") if not k.isdigit()]
    if not keys or not keys[-1]:
        return 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().lstrip("- {").startswith(f"{keys[-1]}:"):
            return number
    return 1


def write_broken(folder: Path) -> None:
    (folder / "s" / "broken.yaml").write_text("extends: synthetic.yaml\nactors:\n  A:\n    capability: 3\n")


@pytest.mark.parametrize("name", BAD_CASES)
def test_each_case_error_names_the_file_line_and_key(name, tmp_path):
    text, key, message = BAD_CASES[name]
    write_cases(tmp_path, {name: text})
    write_broken(tmp_path)
    case, problems = read_case(tmp_path / f"{name}.yaml")
    assert case is None
    first = problems[0]
    assert first.location.file.endswith(f"{name}.yaml")
    assert first.location.line == key_line(text, key), (first, text)
    assert ".".join(map(str, first.path)) == key
    assert message in first.message
    if name == "broken_scenario":  # the scenario's own problem follows, pointing into it
        assert problems[1].location.file.endswith("broken.yaml") and problems[1].location.line == 4


def test_a_retrospective_case_may_go_undated_but_must_say_why(tmp_path):
    write_cases(tmp_path, {})
    dated_source = "sources:\n  - {date: 1994-12-31, title: a table}\n"
    (tmp_path / "r.yaml").write_text(GOOD + dated_source + "retrospective: published after the decision\n")
    case, problems = read_case(tmp_path / "r.yaml")
    assert problems == [] and case.spec.retrospective == "published after the decision"
    (tmp_path / "blank.yaml").write_text(GOOD + dated_source + "retrospective: ' '\n")
    case, problems = read_case(tmp_path / "blank.yaml")
    assert case is None and "say why" in problems[0].message


def test_bad_cases_are_all_reported_and_nothing_runs(tmp_path):
    cases_dir = write_cases(
        tmp_path / "cases",
        {**{n: t for n, (t, _, _) in BAD_CASES.items()}, "good": SYNTHETIC_CASES["mean_truth"]},
    )
    write_broken(cases_dir)
    out = tmp_path / "out"
    result = dipsim("backtest", cases_dir, "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name, (text, key, message) in BAD_CASES.items():
        assert f"{name}.yaml:{key_line(text, key)}: {key + ': ' if key else ''}" in result.stderr
        assert message in result.stderr
    assert "good.yaml" not in result.stderr
    assert re.search(r"^dipsim: \d+ problems in the cases in .*; nothing was run$", result.stderr, re.M)
    assert not out.exists()


def test_duplicate_ids_and_a_folder_without_cases(tmp_path, capsys):
    cases_dir = write_cases(
        tmp_path / "cases", {"one": case_text("s/synthetic.yaml", 5.0, extra="case: same\n")}
    )
    (cases_dir / "two.yaml").write_text(case_text("s/synthetic.yaml", 6.0, extra="case: same\n"))
    with pytest.raises(CaseError, match=r"two\.yaml:1: case: case id 'same' is already used by .*one\.yaml"):
        load_cases(cases_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = cli(capsys, "backtest", empty)
    assert code == 2 and stderr.startswith("dipsim: no case files")


def test_bad_protocol_and_a_foreign_out_folder_exit_2(tmp_path, capsys):
    cases_dir = write_cases(tmp_path / "cases", {"mean_truth": SYNTHETIC_CASES["mean_truth"]})
    code, _, stderr = cli(capsys, "backtest", cases_dir, "--protocol", "oracle", "--out", tmp_path / "x")
    assert code == 2 and stderr.startswith("dipsim: --protocol: unknown protocol oracle")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    code, _, stderr = cli(capsys, "backtest", cases_dir, "--out", foreign)
    assert code == 2 and "dipsim did not write it" in stderr
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


# --- the shipped cases, end to end --------------------------------------------------------


def test_shipped_cases_backtest_and_report(tmp_path, capsys):
    """At least six cases, three of them failures, and the EC case; every predictor gets a Brier score."""
    cases = SCENARIOS / "cases"
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        capsys, "backtest", cases, "--out", out, "--replicates", 4, "--sample", "--json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    outcomes = {c["case"]: c["outcome"] for c in summary["cases"]}
    assert len(outcomes) >= 6 and outcomes.get("eu_emissions_1994") == "deal"
    assert sum(outcome != "deal" for outcome in outcomes.values()) >= 3
    for predictor in (*protocol_names("all"), "uniform", "base_rate"):
        assert summary["scores"][predictor]["brier"] is not None, predictor
    for case in summary["cases"]:
        if not case["retrospective"]:
            dates = [s["date"] for s in case["sources"]]
            assert max(dates) <= case["coded_as_of"] < case["milestone"][:10] <= case["outcome_date"]

    html_path = tmp_path / "report.html"
    code, _, stderr = cli(capsys, "report", out, "--out", html_path)
    assert code == 0, stderr
    html = html_path.read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # self-contained
    built = report_for(Results.open(out))
    assert [s.title for s in built.sections] == [
        "Scores against the naive baselines",
        "What each predictor gave to what happened",
        "Predicted against actual terms",
        "Per case, and the scores",
    ]
    heat = built.sections[1].figures[0].data[0]
    classes = Results.open(out).backtest_classes()
    first = classes[classes.case == heat.y[0].split(" ")[0]]
    given = [float(first[first.predictor == p][f"share_{first.actual.iloc[0]}"].iloc[0]) for p in heat.x]
    np.testing.assert_allclose(heat.z[0], given)
    if BROWSER is not None:
        dom, log = render(html_path)
        assert console_errors(log) == []
        assert len(rendered_figures(dom)) == 3


def test_case_text_is_documented():
    """docs/backtest.md shows the format that the shipped cases use."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "backtest.md").read_text()
    for key in (
        "case:",
        "scenario:",
        "coded_as_of:",
        "milestone:",
        "outcome:",
        "outcome_date:",
        "actual:",
        "source:",
        "sources:",
        "retrospective:",
        "note:",
    ):
        assert key in docs
    assert "dipsim backtest scenarios/cases" in docs
