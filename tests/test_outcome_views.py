"""Outcome views: what a share means, escalation by timing, outcomes by cause, each outcome's driver.

Every expectation is known by construction, never read off a past run: small scenarios whose one
event or red line must end the talks, synthetic data whose first-order index has a closed form, and
a Wilson interval worked by hand. No number of the Iran scenario is pinned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy.stats import binomtest

from sim.experiments.run import RunSettings, run_scenario
from sim.experiments.side_by_side import comparison_lines, run_protocols
from sim.report.build import report_for
from sim.report.figures.common import wilson_interval
from sim.report.figures.drivers import _bin_index, binned_share, find_drivers
from sim.report.story import distribution_lines, outcome_lines, summary
from sim.scenario import load_scenario
from sim.store.results import Results
from sim.store.run_folder import write_run
from tests.conftest import MINIMAL, dipsim

SAMPLED = "share of simulated replicates under the coded input ranges"
CENTRAL = "share of simulated replicates at the coded central input values"
STRIKE = "A strikes <b>mid-talks</b>"  # an event label with markup, which a figure must show as text
RED_LINE = "red_line:K:0"

Writer = Callable[[str, str], Path]


def with_strike(text: str, probability: float) -> str:
    """The talks plus an event at the start of exchange 2 that ends them in escalation."""
    return text + (
        "events:\n  strike:\n"
        f"    label: {json.dumps(STRIKE)}\n"
        "    at: {round: only, exchange: 2}\n"
        f"    probability: {probability}\n"
        "    effects: [{end_talks: escalation, actor: A}]\n"
    )


def with_kappa(text: str, probability: str, patience: str = "0.5") -> str:
    """The talks plus an influencer whose red line escalates on any signed deal above cap 10.

    Every MINIMAL replicate signs by exchange 3 at a text above 10 (the aspirations fall to a
    reservation of 0 at the deadline), so the red line decides alone between deal and escalation.
    """
    kappa = (
        "  K:\n    name: Kappa\n    role: influencer\n    capability: 1.0\n"
        f"    patience: {patience}\n"
        "    stances:\n      cap: {position: 0, salience: 1.0}\n"
        f"    red_lines:\n      - {{issue: cap, above: 10, action: escalate, probability: {probability}}}\n"
    )
    return text.replace("rounds:\n", kappa + "rounds:\n")


def run(
    write_scenario: Writer,
    folder: Path,
    text: str,
    replicates: int,
    sample: bool = False,
    protocol: str | None = None,
) -> Results:
    """Run a scenario in-process and open its folder, as `dipsim run` would write it."""
    loaded = load_scenario(write_scenario(text, f"{folder.name}.yaml"))
    if protocol is not None:
        loaded = loaded.with_protocol(protocol)
    tables, manifest = run_scenario(loaded, RunSettings(seed=7, replicates=replicates, sample=sample))
    write_run(tables, folder, manifest)
    return Results.open(folder)


def printed_causes(lines: list[str]) -> dict[tuple[str, str], tuple[int, float]]:
    """{(heading, label): (count, share in %)} from the 'What ended them' block of the text output."""
    found, heading = {}, ""
    start = lines.index("  What ended them (count, share of all replicates):")
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        if not line.startswith("      "):
            heading = line.strip()
            continue
        match = re.fullmatch(r"      (?P<label>.+?) +(?P<count>\d+) +(?P<share>[\d.]+)%", line)
        assert match, line
        found[(heading, match["label"])] = (int(match["count"]), float(match["share"]))
    return found


# --- causes known by construction ----------------------------------------------------


def test_an_event_that_ends_every_replicate_is_every_replicate_s_cause(write_scenario, tmp_path):
    results = run(write_scenario, tmp_path / "event", with_strike(MINIMAL, 1.0), replicates=40)
    outcomes = results.table("outcomes")
    assert set(outcomes.outcome) == {"escalation"}
    assert set(outcomes.cause) == {"event:strike"}
    assert set(outcomes.cause_label) == {STRIKE}
    assert not outcomes.signed.any()
    assert set(outcomes.exchanges) == {2}

    document = summary(results)
    assert document["outcome_shares"]["escalation"] == 1.0  # the old key stays
    assert document["outcome_shares_meaning"] == CENTRAL
    assert document["signed_share"] == 0.0
    assert document["escalation_timing"] == {"during_talks": 1.0, "after_signed_text": 0.0}
    assert document["outcomes_by_cause"] == [
        {
            "outcome": "escalation",
            "signed": False,
            "cause": "event:strike",
            "label": STRIKE,
            "count": 40,
            "share": 1.0,
            "share_of_outcome": 1.0,
        }
    ]
    json.dumps(document)  # every field is plain JSON

    lines = distribution_lines(results)
    assert f"  ({CENTRAL}; not a probability of the world)" in lines
    assert re.search(r"^    during talks +40 +100\.0%$", "\n".join(lines), re.M)
    assert re.search(r"^    after a signed text +0 +0\.0%$", "\n".join(lines), re.M)
    assert "  Every principal signed one text in 0 of 40 replicates (0.0%)" in lines
    assert printed_causes(lines) == {("escalation during talks", STRIKE): (40, 100.0)}
    assert f"  Cause: {STRIKE}" in outcome_lines(results)


def test_a_red_line_on_the_deal_is_escalation_after_a_signed_text(write_scenario, tmp_path):
    results = run(write_scenario, tmp_path / "red", with_kappa(MINIMAL, "1.0"), replicates=40)
    outcomes = results.table("outcomes")
    assert set(outcomes.outcome) == {"escalation"}
    assert set(outcomes.cause) == {RED_LINE}
    assert outcomes.signed.all()

    document = summary(results)
    assert document["signed_share"] == 1.0
    assert document["escalation_timing"] == {"during_talks": 0.0, "after_signed_text": 1.0}
    (entry,) = document["outcomes_by_cause"]
    assert (entry["outcome"], entry["signed"], entry["cause"], entry["count"]) == (
        "escalation",
        True,
        RED_LINE,
        40,
    )
    assert entry["label"] == outcomes.cause_label.iloc[0]

    lines = distribution_lines(results)
    assert "  Every principal signed one text in 40 of 40 replicates (100.0%)" in lines
    assert printed_causes(lines) == {("escalation after a signed text", entry["label"]): (40, 100.0)}


def test_mixed_causes_add_up_to_the_outcomes_table(write_scenario, tmp_path):
    """A strike at exchange 2 in some replicates; the rest sign, and the red line fires on half of those."""
    replicates = 400
    text = with_kappa(with_strike(MINIMAL, 0.4), "0.5")
    results = run(write_scenario, tmp_path / "mixed", text, replicates=replicates)
    table = pd.read_parquet(results.path / "outcomes.parquet")  # the oracle: the logged table itself
    struck, red, deal = (table.cause == c for c in ("event:strike", RED_LINE, "deal"))
    assert struck.any() and red.any() and deal.any()
    assert (struck | red | deal).all()
    assert not table.signed[struck].any() and table.signed[red | deal].all()

    document = summary(results)
    assert document["escalation_timing"] == {
        "during_talks": struck.mean(),
        "after_signed_text": red.mean(),
    }
    assert document["signed_share"] == (red | deal).mean()
    by_cause = {entry["cause"]: entry for entry in document["outcomes_by_cause"]}
    assert sum(entry["count"] for entry in by_cause.values()) == replicates
    for cause, mask in (("event:strike", struck), (RED_LINE, red), ("deal", deal)):
        assert by_cause[cause]["count"] == mask.sum()
        assert by_cause[cause]["share"] == mask.mean()
    escalated = (struck | red).sum()
    assert by_cause[RED_LINE]["share_of_outcome"] == pytest.approx(red.sum() / escalated)

    printed = printed_causes(distribution_lines(results))
    headings = {"event:strike": "escalation during talks", RED_LINE: "escalation after a signed text"}
    for cause, entry in by_cause.items():
        heading = headings.get(cause, entry["outcome"])
        assert printed[(heading, entry["label"])] == (entry["count"], round(100 * entry["share"], 1))


def test_a_forecast_is_never_signed_and_says_so_by_leaving_the_line_out(write_scenario, tmp_path):
    results = run(write_scenario, tmp_path / "forecast", MINIMAL, replicates=5, protocol="compromise")
    lines = distribution_lines(results)
    assert not any(line.startswith("  Every principal signed") for line in lines)
    document = summary(results)
    assert document["signed_share"] == 0.0
    assert {entry["outcome"] for entry in document["outcomes_by_cause"]} == {"forecast"}


# --- the command line --------------------------------------------------------------------


def test_run_and_sweep_say_what_their_shares_are(write_scenario, tmp_path):
    path = write_scenario(with_kappa(MINIMAL, "{dist: uniform, low: 0, high: 1}"), "sampled.yaml")
    text = dipsim("run", path, "--replicates", "30", "--sample", "--out", tmp_path / "run")
    assert text.returncode == 0, text.stderr
    assert f"({SAMPLED}; not a probability of the world)" in text.stdout
    assert "  What ended them (count, share of all replicates):" in text.stdout
    as_json = dipsim("run", path, "--replicates", "30", "--sample", "--out", tmp_path / "run", "--json")
    document = json.loads(as_json.stdout)
    assert document["outcome_shares_meaning"] == SAMPLED
    assert {"signed_share", "escalation_timing", "outcomes_by_cause"} <= set(document)
    sweep = dipsim(
        "sweep", path, "--samples", "8", "--replicates", "2", "--workers", "1", "--out", tmp_path / "s"
    )
    assert sweep.returncode == 0, sweep.stderr
    assert f"outcomes ({SAMPLED}; not a probability of the world):" in sweep.stdout


def test_the_side_by_side_footnote_says_what_the_shares_are(write_scenario, tmp_path):
    loaded = load_scenario(write_scenario(MINIMAL))
    folders = run_protocols(
        loaded, ["single_text", "compromise"], RunSettings(seed=1, replicates=3), tmp_path / "p"
    )
    lines = comparison_lines({name: Results.open(folder) for name, folder in folders.items()})
    assert f"(outcome shares: {CENTRAL}, over 3 replicates;" in lines


# --- reports -------------------------------------------------------------------------------


def test_the_report_breaks_each_outcome_down_by_cause(write_scenario, tmp_path):
    text = with_kappa(with_strike(MINIMAL, 0.4), "0.5")
    results = run(write_scenario, tmp_path / "mixed", text, replicates=200)
    outcomes = results.table("outcomes")
    report = report_for(results)
    section = next(s for s in report.sections if s.title == "What ended the talks")
    (figure,) = section.figures
    rows: dict[str, float] = {}
    for trace in figure.data:
        rows[trace.y[0]] = rows.get(trace.y[0], 0.0) + trace.x[0]
        assert "<b>" not in trace.name  # the event's markup is shown as text, never acted on
    assert sorted(label.split("<br>")[0] for label in rows) == [
        "deal",
        "escalation after a signed text",
        "escalation during talks",
    ]
    assert all(total == pytest.approx(1.0) for total in rows.values())  # each bar is its row's 100 %
    struck = (outcomes.cause == "event:strike").sum()
    assert f"escalation during talks<br>{struck / len(outcomes):.1%} of replicates ({struck:,})" in rows
    outcomes_section = report.sections[0]
    assert CENTRAL in outcomes_section.intro
    assert f"Escalation during the talks: {struck / len(outcomes):.1%}" in outcomes_section.intro
    assert "share of simulated replicates" in report.html()


def test_a_folder_written_before_causes_were_logged_still_reports(write_scenario, tmp_path):
    results = run(write_scenario, tmp_path / "old", with_strike(MINIMAL, 0.5), replicates=20)
    path = results.path / "outcomes.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["signed", "cause", "cause_label"]), path)
    old = Results.open(results.path)
    titles = [section.title for section in report_for(old).sections]
    assert "Outcomes" in titles and "What ended the talks" not in titles
    assert not any(line.startswith("  Cause:") for line in outcome_lines(old))


def test_the_report_draws_each_outcome_against_the_input_that_decides_it(write_scenario, tmp_path):
    """Escalation is Bernoulli(p) with p ~ U(0, 1) the red line's probability: S1 = Var(p) / (1/4) = 1/3,
    and 10 equal-count bins keep 99 % of Var(p). K's patience is sampled too and decides nothing."""
    text = with_kappa(MINIMAL, "{dist: uniform, low: 0, high: 1}", "{dist: uniform, low: 0.2, high: 0.8}")
    results = run(write_scenario, tmp_path / "sampled", text, replicates=3000, sample=True)
    drivers = {d.outcome: d for d in find_drivers(results.table("samples"), results.table("outcomes"))}
    assert set(drivers) == {"deal", "escalation"}
    escalation = drivers["escalation"]
    assert escalation.parameter == "actors.K.red_lines.0.probability"
    assert escalation.binned.eta2 == pytest.approx(0.99 / 3, abs=0.04)
    assert dict(escalation.ranking)["actors.K.patience"] < 0.02
    assert escalation.binned.trials.sum() == 3000
    assert np.all(np.diff(escalation.binned.shares) > -0.1)  # rises with p, give or take noise

    section = next(s for s in report_for(results).sections if s.title == "What moves each outcome")
    (figure,) = section.figures
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert f"escalation against K: red-line probability (cap) (η² = {escalation.binned.eta2:.3f})" in titles
    # K's patience decides nothing, so it gets no curve of its own: only the red line is drawn.
    assert [parameter for parameter, _ in escalation.curves] == ["actors.K.red_lines.0.probability"]
    assert figure.layout.xaxis.title.text == "K: red-line probability (cap) (probability, 0-1)"
    assert "K: red-line probability (cap)" in section.preformatted


# --- the estimators -------------------------------------------------------------------------


def bernoulli_in_x1(points: int, replicates: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sweep-shaped pair of tables: per design point X1, X2 ~ U(0, 1) and a constant; each replicate
    escalates with probability X1, else deals."""
    rng = np.random.default_rng(seed)
    samples = pd.DataFrame(
        {
            "sample": np.arange(points),
            "actors.A.capability": rng.random(points),
            "actors.B.capability": rng.random(points),
            "actors.A.patience": np.full(points, 0.5),
        }
    )
    sample = np.repeat(np.arange(points), replicates)
    x1 = samples["actors.A.capability"].to_numpy()[sample]
    outcome = np.where(rng.random(len(sample)) < x1, "escalation", "deal")
    outcomes = pd.DataFrame(
        {"sample": sample, "replicate": np.tile(np.arange(replicates), points), "outcome": outcome}
    )
    return samples, outcomes


def test_eta2_finds_the_input_an_outcome_depends_on_and_its_analytic_value():
    """Y = 1{U < X1}: E[Y | X1] = X1, so S1(X1) = (1/12) / (1/4) = 1/3 (0.33 with 10 bins); X2 has none."""
    samples, outcomes = bernoulli_in_x1(points=5000, replicates=4)
    drivers = find_drivers(samples, outcomes)
    assert [d.outcome for d in drivers] == ["deal", "escalation"]
    for driver in drivers:  # the sweep's outcomes join its samples by design point
        assert driver.parameter == "actors.A.capability"
        assert driver.binned.eta2 == pytest.approx(0.99 / 3, abs=0.02)
        assert driver.binned.trials.sum() == 20_000
        ranking = dict(driver.ranking)
        assert ranking["actors.B.capability"] < 0.01
        assert "actors.A.patience" not in ranking  # a constant input explains nothing: skipped
    x1 = samples["actors.A.capability"].to_numpy()
    hits = (outcomes.outcome == "escalation").groupby(outcomes["sample"]).sum().to_numpy()
    direct = binned_share(x1, hits, np.full(len(x1), 4))
    assert direct.eta2 == drivers[1].binned.eta2


def test_each_input_that_matters_gets_its_curve_and_noise_does_not():
    """Y = 1{U < (X1 + X2) / 2}: E[Y | X1] = X1 / 2 + 1/4, so eta^2(X1) = (1/48) / (1/4) = 1/12 and the same
    for X2, far above the chi-square threshold (N eta^2 = 2000 / 12 = 167 against about 21 for 9 degrees
    of freedom at 0.05 / 3); X3 decides nothing and gets no curve."""
    rng = np.random.default_rng(7)
    points = 2000
    inputs = {f"actors.{name}.capability": rng.random(points) for name in ("A", "B", "C")}
    samples = pd.DataFrame({"sample": np.arange(points), **inputs})
    p = (inputs["actors.A.capability"] + inputs["actors.B.capability"]) / 2
    outcome = np.where(rng.random(points) < p, "escalation", "deal")
    outcomes = pd.DataFrame({"sample": np.arange(points), "replicate": 0, "outcome": outcome})
    escalation = next(d for d in find_drivers(samples, outcomes) if d.outcome == "escalation")
    drawn = [parameter for parameter, _ in escalation.curves]
    assert sorted(drawn) == ["actors.A.capability", "actors.B.capability"]
    for _, binned in escalation.curves:
        assert binned.eta2 == pytest.approx(0.99 / 12, abs=0.03)


def test_eta2_is_one_when_the_outcome_is_a_function_of_a_discrete_input():
    x = np.repeat([0.0, 1.0, 2.0], 50)
    binned = binned_share(x, (x == 1.0).astype(float), np.ones_like(x))
    assert binned.eta2 == pytest.approx(1.0)
    np.testing.assert_array_equal(binned.mids, [0.0, 1.0, 2.0])  # one bin per value


def test_eta2_of_a_rare_outcome_is_not_drawn():
    samples, outcomes = bernoulli_in_x1(points=400, replicates=1)
    outcomes.loc[outcomes.index[:6], "outcome"] = "breakdown"  # 1.5 % of replicates
    assert "breakdown" not in [d.outcome for d in find_drivers(samples, outcomes)]


def test_quantile_bins_never_split_a_tie():
    x = np.repeat(np.arange(37.0), np.arange(1, 38))  # 37 values, some repeated many times
    index, mids = _bin_index(x, 10)
    assert len(mids) <= 10
    for value in np.unique(x):
        assert len(set(index[x == value])) == 1


def test_wilson_interval_by_hand():
    """5 of 20, z = 1.96: centre (0.25 + z²/40) / (1 + z²/20) = 0.29028, half-width
    z / (1 + z²/20) * sqrt(0.25 * 0.75 / 20 + z²/1600) = 0.17842. 0 of 10: upper z² / (10 + z²) = 0.27753."""
    low, high = wilson_interval(np.array([5, 0]), np.array([20, 10]))
    assert low == pytest.approx([0.11186, 0.0], abs=1e-5)
    assert high == pytest.approx([0.46870, 0.27753], abs=1e-5)
    for hits, trials in ((3, 7), (40, 41), (500, 1000)):
        scipy = binomtest(hits, trials).proportion_ci(method="wilson")
        (mine_low,), (mine_high,) = wilson_interval(np.array([hits]), np.array([trials]))
        assert (mine_low, mine_high) == pytest.approx((scipy.low, scipy.high))
