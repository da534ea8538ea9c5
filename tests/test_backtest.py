"""`dipsim backtest`: cases whose truth is known by construction score as they must.

The synthetic cases put the actual outcome exactly where one protocol's
closed form lands (the capability x salience weighted mean, the weighted
median), or make a deal impossible so the bargaining protocol must predict the
status quo. Expected values are computed here from the scenario's numbers,
never copied from the program's output; line numbers in error messages are
found in the case text, never hard-coded.
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
from sim.experiments.backtest.scores import protocol_scores
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


def case_text(scenario: str, actual: float, extra: str = "") -> str:
    return f"scenario: {scenario}\nactual:\n  cap: {actual!r}\nsource: constructed for the test\n{extra}"


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
    "deadlock": case_text("s/deadlock.yaml", 50.0),
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
def table(synthetic) -> pd.DataFrame:
    return Results.open(synthetic[1]).backtest()


def cli(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    """The CLI in this process (no interpreter start-up): exit code, stdout, stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def row(table: pd.DataFrame, case: str, protocol: str) -> pd.Series:
    (index,) = np.flatnonzero((table.case == case) & (table.protocol == protocol))
    return table.iloc[index]


# --- scores of cases whose truth is known ------------------------------------------------


def test_the_synthetic_truths_differ():
    """Otherwise the two truth tests below could not tell the models apart."""
    assert abs(weighted_mean() - weighted_median()) > 10


def test_actual_at_the_weighted_mean_scores_compromise_zero_and_first(table):
    assert row(table, "mean_truth", "compromise").normalised_error == pytest.approx(0, abs=1e-12)
    ranking = protocol_scores(table[table.case == "mean_truth"])
    assert ranking[0].protocol == "compromise"
    assert ranking[1].mae > 1e-6  # first on merit, not by a tie on names


def test_actual_at_the_weighted_median_scores_weighted_median_zero(table):
    assert row(table, "median_truth", "weighted_median").normalised_error == pytest.approx(0, abs=1e-12)
    ranking = protocol_scores(table[table.case == "median_truth"])
    assert ranking[0].mae == pytest.approx(0, abs=1e-12)
    assert "compromise" not in [s.protocol for s in ranking if s.mae < 1e-12]


def test_errors_are_absolute_and_normalised_by_the_issue_range(table):
    assert len(table) == 3 * len(PROTOCOL_NAMES)  # case x issue x protocol
    assert (table.low == LOW).all() and (table.high == HIGH).all() and (table.unit == "%").all()
    np.testing.assert_array_equal(table.abs_error, np.abs(table.predicted - table.actual))
    np.testing.assert_array_equal(table.normalised_error, table.abs_error / (table.high - table.low))


def test_mean_error_per_protocol_is_the_mean_over_the_table_rows(table):
    for score in protocol_scores(table):
        errors = [
            e for p, e in zip(table.protocol, table.normalised_error, strict=True) if p == score.protocol
        ]
        assert score.count == len(errors) == 3
        assert score.mae == pytest.approx(sum(errors) / len(errors), rel=1e-12, abs=1e-15)
    maes = [s.mae for s in protocol_scores(table)]
    assert maes == sorted(maes)


def test_ranking_breaks_ties_by_name():
    tied = pd.DataFrame(
        {
            "protocol": ["zeta", "alpha", "mid", "zeta", "alpha", "mid"],
            # both 0.15, but in floating point alpha's (0.1 + 0.2) / 2 is a hair above zeta's 0.3 / 2
            "normalised_error": [0.3, 0.1, 0.5, 0.0, 0.2, 0.0],
        }
    )
    assert [s.protocol for s in protocol_scores(tied)] == ["alpha", "zeta", "mid"]
    assert [s.count for s in protocol_scores(tied)] == [2, 2, 2]


def test_bargaining_without_a_deal_predicts_the_status_quo(table):
    stuck = row(table, "deadlock", "single_text")
    assert stuck.settled_share == 0
    assert stuck.predicted == STATUS_QUO
    forecast = row(table, "deadlock", "compromise")  # red lines do not bind a forecast
    assert forecast.settled_share == 1 and forecast.predicted == pytest.approx(weighted_mean(), abs=1e-9)


def test_predictions_are_read_back_from_the_run_folders(synthetic, table):
    _, out = synthetic
    for (case, protocol), rows in table.groupby(["case", "protocol"]):
        run = Results.open(out / "runs" / case / protocol)
        assert run.kind == "run" and run.manifest["protocol"] == protocol
        outcomes = run.table("outcomes")
        settled = outcomes.outcome.isin(["deal", "forecast"])
        held = np.where(settled, outcomes.cap, run.issues["cap"]["status_quo"])
        assert rows.predicted.iloc[0] == np.median(held)
        assert rows.settled_share.iloc[0] == settled.mean()


def test_manifest_records_every_case_text(synthetic):
    _, out = synthetic
    manifest = Results.open(out).manifest
    assert manifest["kind"] == "backtest" and manifest["protocols"] == protocol_names("all")
    assert set(manifest["cases"]) == set(SYNTHETIC_CASES)
    for name, text in SYNTHETIC_CASES.items():
        assert manifest["cases"][name]["text"] == text
        assert len(manifest["cases"][name]["sha256"]) == 64
    assert pd.read_csv(out / "backtest.csv").shape == (3 * len(PROTOCOL_NAMES), 11)
    assert not list(out.parent.glob(".*partial"))  # the staging folder was renamed into place


def test_median_over_sampled_replicates_and_same_seed_same_bytes(tmp_path):
    scenario = scenario_text("uncertain").replace(
        "{position: 60.0,", "{position: {dist: uniform, low: 20, high: 80},"
    )
    cases_dir = tmp_path / "cases"
    (cases_dir / "s").mkdir(parents=True)
    (cases_dir / "s" / "uncertain.yaml").write_text(scenario)
    (cases_dir / "u.yaml").write_text(case_text("s/uncertain.yaml", 50.0))
    settings = RunSettings(seed=7, replicates=9, sample=True)
    names = ["compromise", "weighted_median"]
    for out in (tmp_path / "one", tmp_path / "two"):
        run_backtest(load_cases(cases_dir), names, settings, out, cases_dir)
    assert (tmp_path / "one" / "backtest.parquet").read_bytes() == (
        tmp_path / "two" / "backtest.parquet"
    ).read_bytes()
    scored = Results.open(tmp_path / "one").backtest()
    terms = Results.open(tmp_path / "one" / "runs" / "u" / "compromise").table("outcomes").cap
    assert terms.nunique() > 1  # the replicates really differ
    assert row(scored, "u", "compromise").predicted == np.median(terms)


# --- the command --------------------------------------------------------------------------


def printed_case_table(stdout: str, case: str) -> dict[str, dict[str, float]]:
    """Parse one printed case table into {row label: {column: value}}."""
    block = stdout.split(f"\n{case}  (", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    columns = block[0].split()
    parsed = {}
    for line in block[1:]:
        if line.strip().startswith(("settled", "actual:")) or line.startswith("        "):
            continue
        cells = line.split()
        label = " ".join(cells[: -len(columns)])
        parsed[label] = dict(zip(columns, map(float, cells[-len(columns) :]), strict=True))
    return parsed


def test_printed_backtest_agrees_with_the_table(tmp_path):
    cases_dir = write_cases(tmp_path / "cases", SYNTHETIC_CASES)
    out = tmp_path / "out"
    result = dipsim("backtest", cases_dir, "--out", out, "--seed", 1)
    assert result.returncode == 0, result.stderr
    table = Results.open(out).backtest()
    for case in SYNTHETIC_CASES:
        printed = printed_case_table(result.stdout, case)["cap (%)"]
        assert printed["actual"] == pytest.approx(table[table.case == case].actual.iloc[0], rel=1e-3)
        for protocol in protocol_names("all"):
            assert printed[protocol] == pytest.approx(
                row(table, case, protocol).predicted, rel=1e-3, abs=1e-9
            )
    maes = dict(re.findall(r"^  (\w+)\s+(\d\.\d{4})   over 3 case-issues$", result.stdout, re.M))
    means = table.groupby("protocol").normalised_error.mean()
    assert maes == {p: f"{means[p]:.4f}" for p in protocol_names("all")}
    ranking = result.stdout.split("Ranking (lowest error first, ties by name):\n", 1)[1].splitlines()[0]
    ranked = [s.protocol for s in protocol_scores(table)]
    assert ranking == "  " + "  ".join(f"{n}. {name}" for n, name in enumerate(ranked, start=1))
    assert "Baselines to beat" in result.stdout


def test_json_says_the_same_as_the_table(tmp_path, capsys):
    cases_dir = write_cases(tmp_path / "cases", {"mean_truth": SYNTHETIC_CASES["mean_truth"]})
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        capsys, "backtest", cases_dir, "--out", out, "--protocol", "compromise,nash", "--json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    table = Results.open(out).backtest()
    (case,) = summary["cases"]
    (issue,) = case["issues"]
    assert issue["predicted"] == {p: row(table, "mean_truth", p).predicted for p in ("compromise", "nash")}
    assert summary["ranking"][0] == "compromise"
    assert summary["mean_absolute_error"]["nash"] == {
        "normalised": row(table, "mean_truth", "nash").normalised_error,
        "case_issues": 1,
    }


# --- bad cases ----------------------------------------------------------------------------

BAD_CASES = {
    "unknown_key": (
        "scenario: s/synthetic.yaml\nactual: {cap: 5}\nsource: x\ncolour: red\n",
        "colour",
        "unknown key",
    ),
    "no_source": ("scenario: s/synthetic.yaml\nactual: {cap: 5}\n", "source", "required field is missing"),
    "no_scenario": ("actual: {cap: 5}\nsource: x\n", "scenario", "required field is missing"),
    "no_actual": ("scenario: s/synthetic.yaml\nsource: x\n", "actual", "required field is missing"),
    "empty_actual": ("scenario: s/synthetic.yaml\nactual: {}\nsource: x\n", "actual", "nothing to score"),
    "unknown_issue": (
        "scenario: s/synthetic.yaml\nactual:\n  cap: 5\n  budget: 3\nsource: x\n",
        "actual.budget",
        "unknown issue 'budget'",
    ),
    "out_of_bounds": (
        "scenario: s/synthetic.yaml\nactual:\n  cap: 150\nsource: x\n",
        "actual.cap",
        "150 lies outside the bounds of issue 'cap' [-20, 100]",
    ),
    "not_a_number": ("scenario: s/synthetic.yaml\nactual:\n  cap: high\nsource: x\n", "actual.cap", "number"),
    "missing_scenario": ("scenario: s/nowhere.yaml\nactual: {cap: 5}\nsource: x\n", "scenario", "not found"),
    "broken_scenario": (
        "scenario: s/broken.yaml\nactual: {cap: 5}\nsource: x\n",
        "scenario",
        "does not load",
    ),
}


def key_line(text: str, dotted: str) -> int:
    """The line of the key a problem is about (the deepest key that exists; else line 1)."""
    keys = dotted.split(".")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(f"{keys[-1]}:"):
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
    assert first.location.line == key_line(text, key)
    assert ".".join(map(str, first.path)) == key
    assert message in first.message
    if name == "broken_scenario":  # the scenario's own problem follows, pointing into it
        assert problems[1].location.file.endswith("broken.yaml") and problems[1].location.line == 4


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
        assert f"{name}.yaml:{key_line(text, key)}: {key}: " in result.stderr
        assert message in result.stderr
    assert "good.yaml" not in result.stderr
    assert re.search(r"^dipsim: \d+ problems in the cases in .*; nothing was run$", result.stderr, re.M)
    assert not out.exists()


def test_duplicate_ids_and_a_folder_without_cases(tmp_path, capsys):
    cases_dir = write_cases(tmp_path / "cases", {"one": case_text("s/synthetic.yaml", 5.0, "case: same\n")})
    (cases_dir / "two.yaml").write_text(case_text("s/synthetic.yaml", 6.0, "case: same\n"))
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


def test_case_text_is_documented():
    """docs/backtest.md shows the format that the shipped cases use."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "backtest.md").read_text()
    for key in ("case:", "scenario:", "actual:", "source:", "note:"):
        assert key in docs
    assert "dipsim backtest scenarios/cases" in docs
