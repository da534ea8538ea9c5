"""Calibration: every actor parameter of the default scenario is traceable to the articles."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sim.calibration.report import calibration_rows, required_keys
from sim.calibration.suggest import suggest
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.evidence import normalise_space
from sim.scenario.keys import ParameterKey
from tests.conftest import DEFAULT_SCENARIO, ROOT, dipsim

SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEFAULT_SCENARIO)


def test_seed_articles_are_in_the_project_under_their_ids():
    names = {p.name for p in SEEDS.glob("*.txt")}
    assert {"000_47a2f3d50c8c75a0.txt", "001_1418e0ce0a623c69.txt"} <= names
    shared = ROOT.parent / "shared" / "seeds"
    if shared.exists():  # the project's copies are the originals, byte for byte
        for original in shared.glob("*.txt"):
            assert (SEEDS / original.name).read_bytes() == original.read_bytes()


def test_the_default_scenario_is_calibrated_from_the_evidence(loaded):
    assert loaded.evidence is not None
    assert loaded.evidence.display in loaded.files  # the evidence text goes into every manifest


def test_every_quote_appears_verbatim_in_its_article(loaded):
    evidence = loaded.evidence.evidence
    count = 0
    for entries in evidence.actors.values():
        for entry in entries.values():
            for citation in entry.evidence:
                article = normalise_space((SEEDS / f"{citation.article}.txt").read_text(encoding="utf-8"))
                assert normalise_space(citation.quote) in article, citation.quote
                count += 1
    assert count >= 30


def test_every_parameter_of_every_actor_is_backed_or_an_assumption(loaded):
    """Each parameter the engine uses comes from the evidence file, with quotes or a declared assumption."""
    for actor_id in loaded.scenario.actors:
        for row in calibration_rows(loaded, actor_id):
            assert row.basis in ("evidence", "assumption"), f"{actor_id}.{row.key} comes from {row.source}"
            if row.basis == "evidence":
                assert row.quotes
            else:
                assert row.entry.assumption


def test_scenario_and_evidence_agree(loaded):
    """The loaded scenario holds exactly the evidence values, located in the evidence file."""
    evidence = loaded.evidence
    for actor_id, entries in evidence.evidence.actors.items():
        assert set(entries) == {k.relative for k in required_keys(actor_id, loaded.scenario)}, actor_id
        for key, entry in entries.items():
            row = next(r for r in calibration_rows(loaded, actor_id) if r.key == key)
            assert row.value == entry.value, (actor_id, key)
            assert loaded.source_of(ParameterKey.of_actor(actor_id, key).path).file == evidence.display


def test_the_scenario_file_itself_holds_no_actor_numbers():
    """One source of truth: a number in both places is refused, so none may be in the scenario."""
    scenario_text = DEFAULT_SCENARIO.read_text()
    assert "calibration: ../seeds/evidence.yaml" in scenario_text
    for field in ("capability:", "patience:", "reservation:", "salience:", "position:"):
        assert f" {field} " not in scenario_text.split("\nrounds:")[0].split("\nactors:")[1], field


def test_suggest_finds_every_passage_the_evidence_cites(loaded):
    evidence = loaded.evidence.evidence
    found = {}
    for article_id in evidence.articles:
        text = (SEEDS / f"{article_id}.txt").read_text(encoding="utf-8")
        found[article_id] = suggest(text, evidence)
    for actor_id, entries in evidence.actors.items():
        for key, entry in entries.items():
            for citation in entry.evidence:
                quote = normalise_space(citation.quote)
                hits = [p for p in found[citation.article] if quote in p.text]
                assert hits, f"no passage holds the quote for {actor_id}.{key}: {quote[:60]}"
                assert any(actor_id in p.actors for p in hits), (
                    f"{actor_id}.{key}: passage not tied to the actor"
                )


def _calibrated_scenario(tmp_path: Path, evidence_body: str, scenario_extra: str = "") -> Path:
    (tmp_path / "a1.txt").write_text("Alpha wants the cap gone. Beta is patient and slow to move.\n")
    (tmp_path / "evidence.yaml").write_text(
        textwrap.dedent(
            """
            articles:
              a1: {title: Test article}
            lexicon:
              actors: {A: [Alpha], B: [Beta]}
              issues: {cap: [cap]}
            rules:
              want: {parameters: [position, salience], cues: [wants], coding: "wants X -> position X"}
              patient: {parameters: [patience], cues: [patient], coding: "patient -> high patience"}
            actors:
            """
        ).lstrip()
        + textwrap.indent(textwrap.dedent(evidence_body).strip("\n"), "  ")
        + "\n"
    )
    from tests.conftest import MINIMAL

    scenario = (
        "calibration: evidence.yaml\n"
        + MINIMAL.replace("    stances:\n      cap: {position: 0, salience: 1.0}\n", "")
        + scenario_extra
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario)
    return path


GOOD = """
A:
  stances.cap.position:
    value: 0
    rule: want
    evidence: [{article: a1, quote: "Alpha wants the cap gone.", direction: anchor}]
  stances.cap.salience:
    value: {dist: uniform, low: 0.5, high: 1.0}
    rule: want
    assumption: the text says nothing about how much Alpha cares
"""


def test_values_are_injected_with_evidence_lines(tmp_path):
    loaded = load_scenario(_calibrated_scenario(tmp_path, GOOD))
    assert loaded.scenario.actors["A"].stances["cap"].position == 0
    where = loaded.source_of(("actors", "A", "stances", "cap", "position"))
    assert where.file.endswith("evidence.yaml")
    assert any(name.endswith("evidence.yaml") for name in loaded.files)


def test_a_misquote_is_reported_with_its_line(tmp_path):
    path = _calibrated_scenario(tmp_path, GOOD.replace("Alpha wants the cap gone.", "Alpha wants it gone."))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        "actors.A.stances.cap.position.evidence.0.quote: not found verbatim in a1.txt"
    )
    lines = (tmp_path / "evidence.yaml").read_text().splitlines()
    assert "Alpha wants it gone." in lines[problem.location.line - 1]


def test_a_value_in_both_places_is_refused(tmp_path):
    path = _calibrated_scenario(tmp_path, GOOD, scenario_extra="")
    text = path.read_text().replace(
        "    role: principal\n    capability: 1.0\n",
        "    role: principal\n    capability: 1.0\n    stances:\n      cap: {position: 5}\n",
        1,
    )
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert any(
        "given both here and in" in str(p) and "keep it in the evidence only" in str(p)
        for p in caught.value.problems
    )


def test_an_assumption_must_be_wide(tmp_path):
    narrow = GOOD.replace("{dist: uniform, low: 0.5, high: 1.0}", "{dist: uniform, low: 0.8, high: 0.9}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_calibrated_scenario(tmp_path, narrow))
    assert "an assumption needs a deliberately wide distribution" in str(caught.value)


def test_unknown_rule_and_unbacked_entries_are_errors(tmp_path):
    bad = GOOD.replace("rule: want\n    evidence", "rule: wish\n    evidence").replace(
        "    assumption: the text says nothing about how much Alpha cares\n", ""
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_calibrated_scenario(tmp_path, bad))
    text = str(caught.value)
    assert "unknown rule 'wish'" in text
    assert "give at least one quote in 'evidence', or declare an 'assumption'" in text


def test_a_variant_may_override_a_calibrated_value(tmp_path):
    _calibrated_scenario(tmp_path, GOOD)
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "extends: scenario.yaml\nname: v\nactors:\n  A:\n    stances:\n      cap: {position: 10}\n"
    )
    loaded = load_scenario(variant)
    assert loaded.scenario.actors["A"].stances["cap"].position == 10
    assert loaded.scenario.actors["A"].stances["cap"].salience.dist == "uniform"


def test_calibrate_explain_israel_shows_numbers_and_sentences(loaded):
    result = dipsim("calibrate", "--explain", "Israel")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Israel - Israel (influencer)" in out
    assert "US -" not in out
    for key in required_keys("Israel", loaded.scenario):
        assert f"  {key.relative} " in out
    entry = loaded.evidence.evidence.actors["Israel"]["stances.enrichment.salience"]
    assert entry.evidence[0].quote in out


def test_calibrate_json_matches_the_text(loaded):
    result = dipsim("calibrate", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["actors"]) == set(loaded.scenario.actors)
    israel = {p["key"]: p for p in data["actors"]["Israel"]["parameters"]}
    assert israel["stances.enrichment.salience"]["basis"] in ("evidence", "assumption")
    assert israel["capability"]["low"] <= israel["capability"]["central"] <= israel["capability"]["high"]


def test_calibrate_unknown_actor_exits_2():
    result = dipsim("calibrate", "--explain", "Atlantis")
    assert result.returncode == 2
    assert "known: US, Iran, Israel, Gulf, Europe, Oman" in result.stderr


def test_calibrate_suggest_on_a_seed_article():
    result = dipsim("calibrate", "--suggest", "seeds/001_1418e0ce0a623c69.txt")
    assert result.returncode == 0, result.stderr
    assert "Iran:" in result.stdout and "might move:" in result.stdout
    assert "prolonging talks" in result.stdout


def test_the_tables_in_calibration_md_match_the_evidence(loaded):
    """docs/calibration.md carries a reader's copy of the values; it must not drift from the evidence."""
    import re

    from sim.scenario.distributions import central_value

    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    tables = text.split("## 5. Parameter tables", 1)[1]
    evidence = loaded.evidence.evidence
    checked = 0
    actor_id = None
    for line in tables.splitlines():
        heading = re.match(r"^### (\w+)\b.*\(", line)
        if heading:
            actor_id = heading[1]
            continue
        row = re.match(r"^\| `([\w.]+)`[^|]* \| [^|]+ \| ([^|]+) \| `(\w+)` \|", line)
        if row is None or actor_id is None:
            continue
        key, central, rule = row[1], row[2].strip().replace("\u2212", "-"), row[3]
        entry = evidence.actors[actor_id][key]
        assert entry.rule == rule, (actor_id, key)
        assert float(central) == pytest.approx(central_value(entry.value), rel=2e-3, abs=2e-3), (
            actor_id,
            key,
        )
        checked += 1
    assert checked == sum(len(entries) for entries in evidence.actors.values())


# The order in which the articles place Washington and Jerusalem, read from the text alone (a held-out
# reading: it was written down from the quotes, not from the coded numbers, and every recalibration
# must keep it). Each row: parameter, the actor the articles put lower, the actor they put higher, why.
ORDINAL_READING = [
    ("stances.enrichment.position", "Israel", "US", "dismantlement against 'monitoring and containment'"),
    ("stances.stockpile.position", "Israel", "US", "dismantling the infrastructure, against containment"),
    ("stances.sanctions_relief.position", "Israel", "US", "maximum pressure against diplomatic engagement"),
    ("stances.missiles.position", "Israel", "US", "Israel wants missiles 'addressed'; the US may leave them"),
    ("stances.enrichment.salience", "US", "Israel", "an 'existential threat' to Israel"),
    ("stances.missiles.salience", "US", "Israel", "Israeli officials insist a deal 'address both'"),
    ("stances.monitoring.salience", "Israel", "US", "oversight 'does little' for Israel; the US rests on it"),
    ("reservation", "US", "Israel", "Israel prefers sustained pressure to a deal; Washington engages"),
]


@pytest.mark.parametrize(
    ("key", "lower", "higher", "why"), ORDINAL_READING, ids=[row[0] for row in ORDINAL_READING]
)
def test_the_articles_order_of_us_and_israel_is_kept(loaded, key, lower, higher, why):
    from sim.scenario.distributions import central_value

    actors = loaded.evidence.evidence.actors
    assert central_value(actors[lower][key].value) < central_value(actors[higher][key].value), why
