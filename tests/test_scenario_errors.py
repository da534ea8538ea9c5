"""Bad scenarios get every problem at once, each as FILE:LINE: field.path: message."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, load_scenario
from tests.conftest import MINIMAL, dipsim


def problems_of(path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def line_of(path, needle: str) -> int:
    """1-based line of the first line containing needle: tests state *where*, not a magic number."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_minimal_scenario_is_valid(write_scenario):
    loaded = load_scenario(write_scenario(MINIMAL))
    assert loaded.scenario.actor_ids == ("A", "B", "M")


def test_yaml_syntax_error_reports_its_line(write_scenario):
    path = write_scenario("name: x\nissues:\n  cap: {label: [unclosed\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "YAML syntax error" in problem


def test_unknown_key_is_named_with_its_line(write_scenario):
    path = write_scenario(
        MINIMAL.replace("    capability: 0.5\n", "    capability: 0.5\n    capabilty: 0.5\n")
    )
    (problem,) = problems_of(path)
    assert problem == (
        f"{path}:{line_of(path, 'capabilty')}: actors.B.capabilty: "
        "unknown key (not part of the scenario schema; check the spelling)"
    )


def test_wrong_type(write_scenario):
    path = write_scenario(MINIMAL.replace("    capability: 0.5\n", "    capability: strong\n"))
    (problem,) = problems_of(path)
    assert problem == (
        f"{path}:{line_of(path, 'capability: strong')}: actors.B.capability: "
        "expected a number or a distribution, got text ('strong')"
    )


def test_out_of_bounds_parameter(write_scenario):
    path = write_scenario(MINIMAL.replace("capability: 0.5", "capability: 1.5"))
    (problem,) = problems_of(path)
    assert problem.endswith("actors.B.capability: must lie within [0, 1], got 1.5")
    assert f":{line_of(path, 'capability: 1.5')}:" in problem


def test_position_outside_issue_bounds(write_scenario):
    path = write_scenario(MINIMAL.replace("{position: 100, salience", "{position: 120, salience"))
    (problem,) = problems_of(path)
    assert f":{line_of(path, 'position: 120')}: actors.B.stances.cap.position: 120 lies outside" in problem


def test_distribution_support_outside_bounds(write_scenario):
    path = write_scenario(
        MINIMAL.replace("capability: 0.5", "capability: {dist: uniform, low: 0.5, high: 1.2}")
    )
    (problem,) = problems_of(path)
    assert "actors.B.capability: must lie within [0, 1], got support [0.5, 1.2]" in problem


def test_unknown_actor_reference(write_scenario):
    path = write_scenario(MINIMAL.replace("mediator: M", "mediator: Q"))
    (problem,) = problems_of(path)
    assert problem == (
        f"{path}:{line_of(path, 'mediator: Q')}: rounds.only.mediator: unknown actor 'Q' (known: A, B, M)"
    )


def test_unknown_issue_reference(write_scenario):
    path = write_scenario(MINIMAL.replace("agenda: [cap]", "agenda: [cap, missiles]"))
    (problem,) = problems_of(path)
    assert problem == (
        f"{path}:{line_of(path, 'agenda:')}: rounds.only.agenda.1: unknown issue 'missiles' (known: cap)"
    )


def test_principal_without_a_stance_on_an_issue(write_scenario):
    text = MINIMAL.replace(
        "    status_quo: 100\n",
        "    status_quo: 100\n  extra:\n    label: Extra\n    unit: km\n    bounds: [0, 10]\n"
        "    status_quo: 5\n",
    ).replace("agenda: [cap]", "agenda: [cap, extra]")
    path = write_scenario(text)
    problems = problems_of(path)
    assert len(problems) == 2  # both principals lack a stance on 'extra'
    assert all(
        "a principal must have a stance on every issue it signs; missing 'extra'" in p for p in problems
    )


def test_all_zero_saliences_are_inconsistent(write_scenario):
    path = write_scenario(MINIMAL.replace("{position: 0, salience: 1.0}", "{position: 0, salience: 0}"))
    (problem,) = problems_of(path)
    assert "actors.A.stances: saliences are all zero" in problem


def test_duplicate_key_is_an_error(write_scenario):
    path = write_scenario(
        MINIMAL.replace("    capability: 0.5\n", "    capability: 0.5\n    capability: 0.6\n")
    )
    (problem,) = problems_of(path)
    assert f":{line_of(path, 'capability: 0.6')}: actors.B.capability: duplicate key" in problem


def test_every_problem_is_reported_at_once_in_line_order(write_scenario):
    text = (
        MINIMAL.replace("capability: 0.5", "capability: 2")
        .replace("mediator: M", "mediator: Q")
        .replace("exchanges: 3", "exchanges: 0")
        .replace("    role: mediator\n", "    role: mediator\n    colour: blue\n")
    )
    path = write_scenario(text)
    problems = problems_of(path)
    assert len(problems) == 4
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)
    assert any("exchanges: Input should be greater than or equal to 1" in p for p in problems)


def test_errors_in_a_base_file_point_into_the_base(write_scenario):
    base = write_scenario(MINIMAL.replace("capability: 0.5", "capability: 7"), "base.yaml")
    variant = write_scenario("extends: base.yaml\nname: variant\n", "variant.yaml")
    (problem,) = problems_of(variant)
    assert problem.startswith(f"{base}:{line_of(base, 'capability: 7')}: actors.B.capability")


def test_errors_in_a_variant_point_into_the_variant(write_scenario):
    write_scenario(MINIMAL, "base.yaml")
    variant = write_scenario(
        "extends: base.yaml\nname: variant\nactors:\n  B:\n    patience: 3\n", "variant.yaml"
    )
    (problem,) = problems_of(variant)
    assert problem.startswith(f"{variant}:5: actors.B.patience: must lie within [0, 1]")


def test_missing_base_and_cycles(write_scenario):
    missing = write_scenario("extends: nowhere.yaml\nname: x\n", "missing.yaml")
    assert "extends: base scenario not found: nowhere.yaml" in problems_of(missing)[0]
    write_scenario("extends: b.yaml\nname: a\n", "a.yaml")
    b = write_scenario("extends: a.yaml\nname: b\n", "b.yaml")
    assert "extends cycle" in problems_of(b)[0]


def test_events_are_checked_for_references(write_scenario):
    text = MINIMAL + (
        "events:\n"
        "  shock:\n"
        "    at: {round: only, exchange: 9}\n"
        "    when: {position: {actor: Z, issue: cap, above: 50}}\n"
        "    effects:\n"
        "      - {actor: A, param: position, issue: nope, add: 1}\n"
    )
    path = write_scenario(text)
    problems = problems_of(path)
    assert any("events.shock.at.exchange: round 'only' has only 3 exchanges" in p for p in problems)
    assert any("events.shock.when.position.actor: unknown actor 'Z'" in p for p in problems)
    assert any("events.shock.effects.0.issue: unknown issue 'nope'" in p for p in problems)


def test_cli_validate_prints_every_problem_and_exits_2(write_scenario):
    path = write_scenario(
        MINIMAL.replace("capability: 0.5", "capability: 2").replace("mediator: M", "mediator: Q")
    )
    result = dipsim("validate", path)
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert errors[-1] == "2 problems found."
    assert all(line.startswith(f"{path}:") for line in errors[:-1])


def test_run_refuses_a_bad_scenario_without_writing_anything(write_scenario, tmp_path):
    path = write_scenario(MINIMAL.replace("capability: 0.5", "capability: 2"))
    out = tmp_path / "run"
    result = dipsim("run", path, "--out", out)
    assert result.returncode == 2
    assert not out.exists()


def test_tracks_and_outside_options_are_checked_where_they_are_written(write_scenario):
    """Every reference an outside option or a track makes is checked, each at its own line."""
    text = MINIMAL.replace(
        "    capability: 0.1\n",
        "    capability: 0.1\n"
        "  O:\n"
        "    name: Outsider\n"
        "    role: influencer\n"
        "    capability: 0.3\n"
        "    stances:\n"
        "      cap: {position: 0, salience: 1.0}\n"
        "    tracks:\n"
        "      stock: {label: Stock, unit: kg, bounds: [0, 10], initial: 12, rate: 1}\n"
        "    outside_option:\n"
        "      action: walk_out\n"
        "      hazard: 0.1\n"
        "      from_round: later\n"
        "      rises_with:\n"
        "        - {track: stok, ratio: 2}\n"
        "        - {shortfall: [cap, nope], ratio: 0.5}\n",
        1,
    ) + (
        "events:\n"
        "  alarm:\n"
        "    when: {track: {track: missing, above: 5}}\n"
        "    effects: [{end_talks: breakdown}]\n"
    )
    path = write_scenario(text)
    problems = problems_of(path)
    option = "actors.O.outside_option"
    expected = [
        ("initial: 12", "actors.O.tracks.stock.initial: 12 lies outside the bounds of track 'stock' [0, 10]"),
        ("action: walk_out", f"{option}.action: only a principal can walk out"),
        ("from_round: later", f"{option}.from_round: unknown round 'later'"),
        ("track: stok", f"{option}.rises_with.0.track: unknown track 'stok'"),
        ("ratio: 0.5", f"{option}.rises_with.1.ratio: must lie within [1, 1000]"),
        ("shortfall: [cap, nope]", f"{option}.rises_with.1.shortfall.1: unknown issue 'nope'"),
        ("track: missing", "events.alarm.when.track.track: unknown track 'missing'"),
    ]
    for needle, message in expected:
        assert any(p.startswith(f"{path}:{line_of(path, needle)}: {message}") for p in problems), (
            message,
            problems,
        )


def test_a_track_id_names_one_track(write_scenario):
    track = "    tracks:\n      stock: {label: Stock, unit: kg, bounds: [0, 10], initial: 1, rate: 1}\n"
    text = MINIMAL.replace("    capability: 1.0\n", "    capability: 1.0\n" + track, 1).replace(
        "    capability: 0.5\n", "    capability: 0.5\n" + track, 1
    )
    path = write_scenario(text)
    (problem,) = problems_of(path)
    assert "actors.B.tracks.stock: track 'stock' is already A's; track ids must be unique" in problem
