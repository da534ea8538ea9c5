"""`dipsim import`: published actor tables become scenarios that load back to the table's numbers.

Every rejection must name the file, the CSV line and the column, so the tests
compute where a bad cell is (never a magic line number) and check the message
points there.
"""

from __future__ import annotations

import contextlib
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import cli
from sim.importer import ImportBugError, Options, TableError, export_table, import_table, render
from sim.importer.render import number, quote
from sim.scenario import load_scenario
from tests.conftest import MINIMAL, SCENARIOS, dipsim

EU_CSV = SCENARIOS / "eu_emissions_1994.csv"
EU_YAML = SCENARIOS / "eu_emissions_1994.yaml"
# The options scenarios/eu_emissions_1994.yaml was generated with (docs/import.md, section 6).
EU_OPTIONS = Options(
    issue="emission_date",
    scale=("4", "10"),
    name="eu_emissions_1994",
    rounds=10,
    status_quo="10",
    label="Date of introduction of emission standards for medium-sized automobiles",
    unit="years",
    description=(
        "The expected-utility worked example: the ten member states of the European Community on when to "
        "introduce emission standards for medium-sized automobiles, from Bueno de Mesquita (1994, p. 78) "
        "as reproduced in Table 1 of Scholz, Calbert & Smith (2011). The table gives no status quo; 10, "
        "the latest date on the scale, is our choice."
    ),
)

STANDARD = "Actor,Capability,Position,Salience\nA,1,0,0.5\nB,0.5,100,0.5\n"

# KTAB's SMP layout as its example files write it (trailing commas, padded cells, 0-100 saliences).
KTAB = (
    "Policy test; scen 2,Two issues side by side, 3, 2, \n"
    "Actor,Description,Influence,Policy Position,Policy Salience,"
    "Competitive Position,Competitive Salience, \n"
    "AA,Alpha Ministry,          100.0,30,24.0,20,48.0, \n"
    "BB,Beta - Deputy Director,   60.2,45,44.7,65,41.3, \n"
    "CC,,                         35.0,80,28.9,15,65.1, \n"
)


def write(folder: Path, text: str, name: str = "table.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing needle."""
    for number_, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if needle in line:
            return number_
    raise AssertionError(f"{needle!r} not in {path}")


def import_error(path: Path, **options: object) -> str:
    with pytest.raises(TableError) as caught:
        import_table(path, Options(**options))
    return str(caught.value)


def run(*argv: object) -> tuple[int, str, str]:
    """The import command in-process, through the same parser wiring the dipsim CLI uses."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["import", *(str(a) for a in argv)])
    return code, out.getvalue(), err.getvalue()


def eu_rows() -> list[dict[str, str]]:
    with EU_CSV.open(newline="") as stream:
        return list(csv.DictReader(stream))


# --------------------------------------------------------------------------- the published example


def test_bdm_1994_table_loads_back_to_the_table():
    _, loaded = import_table(EU_CSV, EU_OPTIONS)
    scenario = loaded.scenario
    rows = eu_rows()
    largest = max(Decimal(row["Capability"]) for row in rows)
    assert list(scenario.actors) == [row["Actor"] for row in rows]
    for row in rows:
        actor = scenario.actors[row["Actor"]]
        stance = actor.stances["emission_date"]
        assert actor.name == row["Actor"]
        assert actor.role == "principal"
        assert stance.position == float(row["Position"])
        assert stance.salience == float(row["Salience"])
        assert actor.capability == float(Decimal(row["Capability"]) / largest)
    # Capability ratios are the table's: Germany : Luxembourg = 0.16 : 0.03.
    ratio = scenario.actors["Germany"].capability / scenario.actors["Luxembourg"].capability
    assert ratio == pytest.approx(0.16 / 0.03, rel=1e-15)
    issue = scenario.issues["emission_date"]
    assert issue.bounds == (4.0, 10.0)
    assert issue.status_quo == 10.0
    assert scenario.protocol.name == "expected_utility"
    (round_,) = scenario.rounds.values()
    assert (round_.format, round_.agenda, round_.exchanges, round_.mediator) == (
        "direct",
        ("emission_date",),
        10,
        None,
    )
    assert scenario.sources == ("eu_emissions_1994.csv",)
    assert "eu_emissions_1994.csv" in scenario.description


def test_committed_example_is_exactly_what_the_import_writes():
    text, _ = import_table(EU_CSV, EU_OPTIONS)
    assert EU_YAML.read_text(encoding="utf-8") == text
    load_scenario(EU_YAML)


def test_header_records_format_and_conversions():
    text, _ = import_table(EU_CSV, EU_OPTIONS)
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Detected format: standard expected-utility table" in header
    assert "divided by 0.16, its largest value" in header
    assert "salience: as given" in header
    assert "bounds of emission_date: [4, 10], from --scale" in header
    assert "status_quo of emission_date: 10, from --status-quo" in header


# --------------------------------------------------------------------------- round trip


def body(text: str) -> str:
    """The YAML after its header comment block (the header records the source's conversions)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return "\n".join(lines[start:])


def test_import_load_export_import_is_identical(tmp_path):
    first_text, first = import_table(EU_CSV, EU_OPTIONS)
    exported = export_table(first, "emission_date")
    assert exported.splitlines()[0] == "Actor,Capability,Position,Salience"
    again = tmp_path / "eu_emissions_1994.csv"  # same file name: it is part of the scenario
    again.write_text(exported)
    second_text, second = import_table(again, EU_OPTIONS)
    assert second.scenario == first.scenario
    assert body(second_text) == body(first_text)
    # Capabilities are already scaled, so the header now says so; from here on it is a fixed point.
    assert "divided by 0.16" in first_text and "divided by 1," in second_text
    third = tmp_path / "third" / "eu_emissions_1994.csv"
    third.parent.mkdir()
    third.write_text(export_table(second, "emission_date"))
    assert third.read_text() == exported
    third_text, _ = import_table(third, EU_OPTIONS)
    assert third_text == second_text


def test_export_keeps_ids_in_a_name_column_when_names_would_not_give_them_back(tmp_path):
    _, loaded = import_table(write(tmp_path, KTAB), Options(protocol="single_text"))
    exported = export_table(loaded, "policy")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert list(rows[0]) == ["Actor", "Name", "Capability", "Position", "Salience"]
    assert (rows[0]["Actor"], rows[0]["Name"]) == ("AA", "Alpha Ministry")
    _, back = import_table(write(tmp_path, exported, "policy.csv"), Options(issue="policy"))
    assert list(back.scenario.actors) == ["AA", "BB", "CC"]
    assert back.scenario.actors["BB"].name == "Beta - Deputy Director"
    assert back.scenario.actors["BB"].stances["policy"] == loaded.scenario.actors["BB"].stances["policy"]


def test_export_refuses_what_a_table_cannot_hold(write_scenario):
    loaded = load_scenario(write_scenario(MINIMAL))
    with pytest.raises(ValueError, match="no issue 'nope'"):
        export_table(loaded, "nope")
    uncertain = MINIMAL.replace(
        "cap: {position: 0, salience: 1.0}",
        "cap: {position: {dist: uniform, low: 0, high: 10}, salience: 1.0}",
    )
    with pytest.raises(ValueError, match="position is a distribution"):
        export_table(load_scenario(write_scenario(uncertain, "uncertain.yaml")), "cap")


decimals = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.lists(st.tuples(decimals, decimals, decimals), min_size=2, max_size=6).filter(
        lambda rows: (
            len({r[1] for r in rows}) > 1 and max(r[0] for r in rows) > 0 and all(r[2] > 0 for r in rows)
        )
    )
)
def test_any_table_round_trips_exactly(tmp_path, table):
    lines = ["Actor,Capability,Position,Salience"]
    lines += [f"Actor {i},{cap},{pos},{sal}" for i, (cap, pos, sal) in enumerate(table)]
    first = write(tmp_path, "\n".join(lines) + "\n", "random.csv")
    _, loaded = import_table(first, Options(issue="x"))
    divisor = Decimal(100) if any(sal > 1 for *_, sal in table) else Decimal(1)
    largest = Decimal(str(float(max(cap for cap, *_ in table))))
    for i, (cap, pos, sal) in enumerate(table):
        actor = loaded.scenario.actors[f"Actor_{i}"]
        assert actor.capability == float(Decimal(str(float(cap))) / largest)
        stance = actor.stances["x"]
        assert stance.position == float(pos)
        assert stance.salience == float(Decimal(str(float(sal))) / divisor)
    folder = tmp_path / "again"
    folder.mkdir(exist_ok=True)
    again = write(folder, export_table(loaded, "x"), "random.csv")
    _, reloaded = import_table(again, Options(issue="x"))
    assert reloaded.scenario == loaded.scenario


# --------------------------------------------------------------------------- KTAB


def test_ktab_table_gives_one_issue_per_dimension_with_saliences_scaled(tmp_path):
    text, loaded = import_table(write(tmp_path, KTAB), Options())
    scenario = loaded.scenario
    assert list(scenario.issues) == ["policy", "competitive"]
    assert scenario.issues["policy"].label == "Policy Position"
    assert scenario.issues["competitive"].bounds == (15.0, 65.0)
    assert scenario.issues["policy"].status_quo == 55.0  # midpoint of [30, 80]
    assert list(scenario.actors) == ["AA", "BB", "CC"]
    assert scenario.actors["AA"].name == "Alpha Ministry"
    assert scenario.actors["CC"].name == "CC"  # empty description: the Actor cell
    assert scenario.actors["BB"].capability == 0.602
    cc = scenario.actors["CC"].stances
    assert (cc["policy"].salience, cc["competitive"].salience) == (0.289, 0.651)
    assert (cc["policy"].position, cc["competitive"].position) == (80.0, 15.0)
    assert scenario.rounds["bargaining"].agenda == ("policy", "competitive")
    assert scenario.rounds["bargaining"].venue == "Policy test; scen 2"
    assert "Detected format: KTAB SMP table" in text
    assert "salience: divided by 100" in text
    assert "derived from the dimension headers (no --issue given)" in text
    assert "pass --scale 0 100" in text
    for line in text.splitlines():
        if line.strip().startswith("status_quo:"):
            assert "# ASSUMED" in line


def test_ktab_issue_ids_and_extra_first_row_cells(tmp_path):
    table = KTAB.replace("Policy test; scen 2,Two issues side by side, 3, 2, ", "Combined,Two,3,2,0,,,,,")
    _, loaded = import_table(write(tmp_path, table), Options(issue="reform, market", scale=("0", "100")))
    assert list(loaded.scenario.issues) == ["reform", "market"]
    assert loaded.scenario.issues["market"].bounds == (0.0, 100.0)
    assert loaded.scenario.issues["reform"].label == "Policy Position"


def test_one_status_quo_per_issue(tmp_path):
    _, loaded = import_table(write(tmp_path, KTAB), Options(status_quo="40,60"))
    assert [i.status_quo for i in loaded.scenario.issues.values()] == [40.0, 60.0]


# --------------------------------------------------------------------------- reading


def test_header_is_case_and_space_insensitive_and_a_bom_is_ignored(tmp_path):
    text = " actor , CAPABILITY,Salience , position\nA,1,0.5,0\nB,0.5,0.5,100\n"
    _, loaded = import_table(write(tmp_path, text, encoding="utf-8-sig"), Options(issue="x"))
    assert loaded.scenario.actors["B"].stances["x"].position == 100.0


def test_name_and_description_columns(tmp_path):
    text = (
        "Actor,Name,Description,Capability,Position,Salience\n"
        'DE,Germany,"Federal Republic, then 12 members",1,4,0.8\n'
        "FR,,,1,10,0.6\n"
    )
    _, loaded = import_table(write(tmp_path, text), Options(issue="x"))
    germany, france = loaded.scenario.actors["DE"], loaded.scenario.actors["FR"]
    assert (germany.name, germany.note) == ("Germany", "Federal Republic, then 12 members")
    assert (france.name, france.note) == ("FR", "")


def test_awkward_actor_names_survive_as_names_and_become_ids(tmp_path):
    text = (
        "Actor,Capability,Position,Salience\n"
        '"Côte d\'Ivoire",1,0,1\n'
        "yes,1,1,1\n"
        '"a: b # c ""quoted"" \\\\ back",1,2,1\n'
        "1st Group,1,3,1\n"
        "???,1,4,1\n"
    )
    _, loaded = import_table(write(tmp_path, text), Options(issue="x"))
    actors = loaded.scenario.actors
    assert list(actors) == ["Cote_d_Ivoire", "yes", "a_b_c_quoted_back", "actor_1st_Group", "actor_5"]
    assert actors["Cote_d_Ivoire"].name == "Côte d'Ivoire"
    assert actors["yes"].name == "yes"
    assert actors["a_b_c_quoted_back"].name == 'a: b # c "quoted" \\\\ back'


def test_single_text_protocol_validates_too(tmp_path):
    _, loaded = import_table(write(tmp_path, STANDARD), Options(issue="x", protocol="single_text"))
    assert loaded.scenario.protocol.name == "single_text"


def test_defaults_name_from_the_file_and_midpoint_status_quo(tmp_path):
    text, loaded = import_table(write(tmp_path, STANDARD, "My Table 2011.csv"), Options(issue="x"))
    assert loaded.scenario.name == "My_Table_2011"
    assert loaded.scenario.issues["x"].bounds == (0.0, 100.0)
    assert loaded.scenario.issues["x"].status_quo == 50.0
    assert "ASSUMED" in next(line for line in text.splitlines() if "status_quo:" in line)
    assert loaded.scenario.rounds["bargaining"].exchanges == 10


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    assert import_error(path, issue="x") == f"{path}:1: no such file"


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    assert import_error(path, issue="x").startswith(f"{path}:1: the file is empty")


def test_missing_columns_are_listed_with_what_was_found(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position\nA,1,0\nB,1,1\n")
    message = import_error(path, issue="x")
    assert message.startswith(
        f"{path}:1: missing required column Salience; found: 'Actor', 'Capability', 'Position'"
    )


def test_semicolon_tables_get_a_hint(tmp_path):
    path = write(tmp_path, "Actor;Capability;Position;Salience\nA;1;0;1\n")
    assert "seems to use ';'" in import_error(path, issue="x")


def test_unknown_columns_are_named(tmp_path):
    path = write(tmp_path, "Actor,Region,Capability,Position,Salience,Notes\nA,EU,1,0,1,x\nB,EU,1,1,1,y\n")
    message = import_error(path, issue="x")
    assert message.startswith(f"{path}:1: unknown columns 'Region', 'Notes'")


def test_repeated_column(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience,position\nA,1,0,1,2\n")
    assert import_error(path, issue="x") == (f"{path}:1: column 'position' appears twice (columns 3 and 5)")


def test_non_numeric_cell_names_line_column_and_value(tmp_path):
    path = write(tmp_path, STANDARD + "France,0.16,four,0.6\n")
    line = line_of(path, "France")
    assert import_error(path, issue="x") == (
        f"{path}:{line}: column 'Position': 'four' is not a number (actor 'France')"
    )


@pytest.mark.parametrize("value", ["nan", "inf", "1_000", "1,5", "0x10", "1e999"])
def test_what_float_would_accept_is_still_not_a_number(tmp_path, value):
    path = write(tmp_path, STANDARD + f'France,0.16,"{value}",0.6\n')
    message = import_error(path, issue="x")
    assert message.startswith(
        f"{path}:{line_of(path, 'France')}: column 'Position': {value!r} is not a number"
    )


def test_empty_cell(tmp_path):
    path = write(tmp_path, STANDARD + "France,0.16,10,\n")
    assert import_error(path, issue="x") == (
        f"{path}:{line_of(path, 'France')}: column 'Salience': empty cell (actor 'France'); "
        "every cell needs a number"
    )


def test_empty_actor_cell(tmp_path):
    path = write(tmp_path, STANDARD + ",0.16,10,1\n")
    assert import_error(path, issue="x") == f"{path}:4: column 'Actor': empty cell"


def test_extra_cells_beyond_the_header(tmp_path):
    path = write(tmp_path, STANDARD + "France,0.16,10,1,surplus\n")
    message = import_error(path, issue="x")
    assert message.startswith(f"{path}:{line_of(path, 'France')}: 5 cells, but the header has 4 columns")


def test_duplicate_actor_names_both_lines(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience\nUK,1,0,1\nFrance,1,5,1\nUK,1,10,1\n")
    assert import_error(path, issue="x") == (
        f"{path}:4: column 'Actor': duplicate actor 'UK': already on line 2"
    )


def test_labels_that_become_the_same_id_are_duplicates(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience\nNew Zealand,1,0,1\nnew-zealand,1,10,1\n")
    assert import_error(path, issue="x") == (
        f"{path}:3: column 'Actor': duplicate actor 'new-zealand': already on line 2 "
        "(as 'New Zealand'; ids 'New_Zealand' and 'new_zealand' differ only in case)"
    )


def test_fewer_than_two_actors(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience\nA,1,0,1\n")
    assert import_error(path, issue="x") == f"{path}:1: 1 actor row; a negotiation needs at least 2 actors"


def test_position_outside_scale_names_line_and_actor(tmp_path):
    path = write(tmp_path, STANDARD)
    assert import_error(path, issue="x", scale=("0", "50")) == (
        f"{path}:{line_of(path, 'B,')}: column 'Position': position 100 of 'B' lies outside --scale 0 50"
    )


def test_scale_bounds_are_used(tmp_path):
    _, loaded = import_table(write(tmp_path, STANDARD), Options(issue="x", scale=("-10", "200")))
    assert loaded.scenario.issues["x"].bounds == (-10.0, 200.0)
    assert loaded.scenario.issues["x"].status_quo == 95.0


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        (("10", "4"), "--scale 10 4: MIN must be below MAX"),
        (("4", "4"), "--scale 4 4: MIN must be below MAX"),
        (("low", "4"), "--scale: 'low' is not a number"),
    ],
)
def test_bad_scale(tmp_path, scale, message):
    assert import_error(write(tmp_path, STANDARD), issue="x", scale=scale) == message


def test_all_positions_equal_without_scale(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience\nA,1,5,1\nB,1,5,1\n")
    message = import_error(path, issue="x")
    assert message.startswith(f"{path}:1: column 'Position': every actor takes position 5")
    assert "--scale MIN MAX" in message


def test_negative_capability(tmp_path):
    path = write(tmp_path, STANDARD + "C,-0.1,5,1\n")
    assert import_error(path, issue="x") == (
        f"{path}:{line_of(path, 'C,')}: column 'Capability': capability -0.1 of 'C' is negative"
    )


def test_all_capabilities_zero(tmp_path):
    path = write(tmp_path, "Actor,Capability,Position,Salience\nA,0,0,1\nB,0,1,1\n")
    assert import_error(path, issue="x").startswith(
        f"{path}:1: column 'Capability': every capability is zero"
    )


@pytest.mark.parametrize("salience", ["-1", "100.5"])
def test_salience_outside_0_100(tmp_path, salience):
    path = write(tmp_path, STANDARD + f"C,1,5,{salience}\n")
    assert import_error(path, issue="x").startswith(
        f"{path}:{line_of(path, 'C,')}: column 'Salience': salience {salience} of 'C' lies outside 0-100"
    )


def test_actor_that_cares_about_nothing(tmp_path):
    path = write(tmp_path, STANDARD + "C,1,5,0\n")
    assert import_error(path, issue="x").startswith(
        f"{path}:{line_of(path, 'C,')}: column 'Salience': 'C' has salience 0 on every issue"
    )


def test_status_quo_outside_bounds(tmp_path):
    assert import_error(write(tmp_path, STANDARD), issue="x", status_quo="101") == (
        "--status-quo 101: 101 lies outside the bounds [0, 100] of issue 'x'"
    )


def test_status_quo_count(tmp_path):
    message = import_error(write(tmp_path, KTAB), status_quo="1,2,3")
    assert message.startswith("--status-quo 1,2,3: give one value for every issue or one per issue")


@pytest.mark.parametrize("issue", ["2nd", "emission date", "", "round", "position_x"])
def test_bad_issue_id(tmp_path, issue):
    message = import_error(write(tmp_path, STANDARD), issue=issue)
    assert message.startswith(f"--issue {issue}: issue id {issue!r}")


def test_standard_table_needs_an_issue(tmp_path):
    path = write(tmp_path, STANDARD)
    assert import_error(path).startswith(f"{path}: --issue NAME is required")


def test_standard_table_has_one_issue(tmp_path):
    assert import_error(write(tmp_path, STANDARD), issue="a,b").startswith(
        "--issue a,b: 2 issue ids, but a standard table has one issue"
    )


def test_ktab_issue_count_must_match_dimensions(tmp_path):
    message = import_error(write(tmp_path, KTAB), issue="only_one")
    assert message.startswith("--issue only_one: 1 issue id, but the KTAB table has 2 dimensions")
    assert "'Policy Position'" not in message and "Policy Position, Competitive Position" in message


def test_ktab_header_must_match_declared_dimensions(tmp_path):
    path = write(tmp_path, KTAB.replace(", 3, 2, ", ", 3, 3, "))
    message = import_error(path)
    assert message.startswith(f"{path}:2: line 1 declares 3 dimensions, so the header needs 9 named columns")
    assert "found 7: 'Actor', 'Description', 'Influence', 'Policy Position'" in message


def test_ktab_actor_count_must_match(tmp_path):
    path = write(tmp_path, KTAB.replace(", 3, 2, ", ", 4, 2, "))
    assert import_error(path) == (
        f"{path}:1: column 3 (number of actors): declares 4 actors, but the table has 3 actor rows"
    )


def test_ktab_cells_name_their_dimension_column(tmp_path):
    path = write(tmp_path, KTAB.replace("80,28.9,15,65.1", "80,28.9,fifteen,65.1"))
    assert import_error(path) == (
        f"{path}:{line_of(path, 'CC,')}: column 'Competitive Position': "
        "'fifteen' is not a number (actor 'CC')"
    )


def test_ktab_missing_trailing_salience_is_an_empty_cell(tmp_path):
    path = write(tmp_path, KTAB.replace("80,28.9,15,65.1, ", "80,28.9,15"))
    assert import_error(path).startswith(
        f"{path}:{line_of(path, 'CC,')}: column 'Competitive Salience': empty cell"
    )


def test_ktab_derived_issue_id_that_is_reserved(tmp_path):
    path = write(tmp_path, KTAB.replace("Competitive Position", "Round Position"))
    assert import_error(path) == (
        f"{path}:2: column 'Round Position': issue id 'round' is reserved for a results column; "
        "choose another; give ids with --issue"
    )


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(STANDARD.encode() + "Côte,1,5,1\n".encode("latin-1"))
    assert import_error(path, issue="x") == f"{path}:4: byte 0xF4 is not UTF-8; save the file as UTF-8"


@pytest.mark.parametrize("rounds", [0, 101])
def test_rounds_range(tmp_path, rounds):
    assert import_error(write(tmp_path, STANDARD), issue="x", rounds=rounds).startswith(
        f"--rounds {rounds}: must be"
    )


def test_bad_scenario_name(tmp_path):
    assert import_error(write(tmp_path, STANDARD), issue="x", name="../x").startswith("--name '../x'")


def test_label_needs_a_single_issue(tmp_path):
    assert import_error(write(tmp_path, KTAB), label="Both").startswith("--label: names one issue")


def test_unknown_protocol_is_bad_input_not_a_bug(tmp_path):
    assert import_error(write(tmp_path, STANDARD), issue="x", protocol="bogus").startswith(
        "--protocol bogus: unknown protocol name"
    )


# --------------------------------------------------------------------------- the self-check


def test_yaml_that_fails_validation_is_reported_as_a_bug(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "number", lambda value: "-1.0")  # every number out of range
    with pytest.raises(ImportBugError, match="does not validate"):
        import_table(write(tmp_path, STANDARD), Options(issue="x"))


def test_yaml_that_loads_back_different_is_reported_as_a_bug(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "number", lambda value: f"{value:.2f}")  # loses digits, still valid
    path = write(tmp_path, "Actor,Capability,Position,Salience\nA,1,0,0.123\nB,0.5,100,0.5\n")
    with pytest.raises(ImportBugError, match=r"actors\.A\.stances\.x\.salience: expected 0\.123, got 0\.12"):
        import_table(path, Options(issue="x"))


# --------------------------------------------------------------------------- the emitter


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "yes",
        "null",
        "a: b # c",
        'say "hi" \\ there',
        "tab\there\nnew line",
        "Côte d'Ivoire – Ελλάδα 🇪🇺",
        "\x00\x07\x1b\x7f\x85\u2028\u2029\ufeff",
        "  spaced  ",
    ],
)
def test_quote_reads_back_as_the_same_string(text):
    assert yaml.safe_load(f"key: {quote(text)}") == {"key": text}


@pytest.mark.parametrize(
    "value", [0.1, 1e-05, 1e16, 123456789.123, -0.0, 5e-324, 1.7976931348623157e308, 4.0]
)
def test_number_reads_back_as_the_same_float(value):
    loaded = yaml.safe_load(f"key: {number(value)}")["key"]
    assert type(loaded) is float and loaded == value and str(loaded) == str(value)


# --------------------------------------------------------------------------- command line


def test_cli_prints_yaml_without_out(tmp_path):
    code, out, err = run(write(tmp_path, STANDARD), "--issue", "x")
    assert (code, err) == (0, "")
    assert yaml.safe_load(out)["issues"]["x"]["bounds"] == [0.0, 100.0]


def test_cli_writes_out_and_refuses_to_overwrite(tmp_path):
    table, out = write(tmp_path, STANDARD), tmp_path / "scenario.yaml"
    code, stdout, _ = run(table, "--issue", "x", "--out", out)
    assert (code, stdout) == (0, f"Scenario written: {out}\n")
    load_scenario(out)
    out.write_text("mine\n")
    code, stdout, err = run(table, "--issue", "x", "--out", out)
    assert (code, stdout, err) == (2, "", f"dipsim: {out}: already exists; pass --force to overwrite it\n")
    assert out.read_text() == "mine\n"
    code, _, _ = run(table, "--issue", "x", "--out", out, "--force")
    assert code == 0 and out.read_text().startswith("# Generated by `dipsim import`")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml", "table.csv"]  # no temp files left


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path, STANDARD + "France,0.16,four,0.6\n")
    code, out, err = run(path, "--issue", "x", "--scale", "0", "100")
    assert (code, out) == (2, "")
    assert err == f"dipsim: {path}:4: column 'Position': 'four' is not a number (actor 'France')\n"


def test_cli_options_reach_the_scenario(tmp_path):
    code, out, _ = run(
        write(tmp_path, STANDARD),
        "--issue",
        "cap",
        "--scale",
        "-5",
        "105",
        "--name",
        "demo",
        "--rounds",
        "3",
        "--status-quo",
        "20",
        "--protocol",
        "single_text",
        "--label",
        "Budget cap",
        "--unit",
        "%",
        "--description",
        "A made-up table.",
    )
    assert code == 0
    data = yaml.safe_load(out)
    assert data["name"] == "demo"
    assert data["description"].startswith("A made-up table. Imported by `dipsim import` from table.csv")
    assert data["issues"]["cap"] == {
        "label": "Budget cap",
        "unit": "%",
        "bounds": [-5.0, 105.0],
        "status_quo": 20.0,
    }
    assert data["rounds"]["bargaining"]["exchanges"] == 3
    assert data["protocol"] == {"name": "single_text"}


def test_cli_rounds_must_be_a_number(tmp_path):
    code, _, err = run(write(tmp_path, STANDARD), "--issue", "x", "--rounds", "many")
    assert (code, err) == (2, "dipsim: --rounds many: must be a whole number from 1 to 100\n")


def test_the_cli_spells_the_importers_defaults():
    """The CLI repeats three defaults so that --help imports nothing; they must agree."""
    from sim.cli import import_table
    from sim.importer import options

    for name in ("DEFAULT_PROTOCOL", "DEFAULT_ROUNDS", "DEFAULT_UNIT"):
        assert getattr(import_table, name) == getattr(options, name), name


def test_dipsim_import_end_to_end(tmp_path):
    out = tmp_path / "eu.yaml"
    result = dipsim("import", EU_CSV, "--issue", "emission_date", "--scale", "4", "10", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Scenario written: {out}\n"
    assert dipsim("validate", out).returncode == 0
    bad = dipsim("import", tmp_path / "missing.csv", "--issue", "x")
    assert (bad.returncode, bad.stderr) == (2, f"dipsim: {tmp_path / 'missing.csv'}:1: no such file\n")
