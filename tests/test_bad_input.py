"""Every malformed input ends in exit status 2 and located messages: no traceback, no hang, no silence.

Each expected message is written here by hand from the input that provokes it;
the fuzz test at the end only asserts the contract (exit 2, every line
located), over mutations that are invalid by construction.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import cli
from sim.importer import Options, TableError, import_table
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import CASE_DATES, MINIMAL, SCENARIOS, dipsim

LOCATED = re.compile(r"^(?:dipsim: )?[^\s:][^:]*:\d+: \S")


def run_cli(*argv: object) -> tuple[int, str, str]:
    """The CLI in-process (the same `main` the console script calls), capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1.0e999"])
def test_non_finite_numbers_are_refused_where_they_stand(tmp_path, value):
    path = write(tmp_path, MINIMAL.replace("capability: 0.5", f"capability: {value}"))
    assert problems(path) == [
        f"{path}:{line_of(path, f'capability: {value}')}: actors.B.capability: {value} is not a finite "
        "number; every number in a dipsim file must be finite"
    ]


def test_non_finite_numbers_in_bounds_thresholds_and_effects(tmp_path):
    text = MINIMAL.replace("bounds: [0, 100]", "bounds: [0, .inf]") + textwrap.dedent(
        """
        events:
          shock:
            at: {round: only}
            effects:
              - {actor: A, param: patience, add: .nan}
        """
    )
    path = write(tmp_path, text)
    found = problems(path)
    assert any(
        p.endswith(
            "issues.cap.bounds.1: .inf is not a finite number; every number in a dipsim file must be finite"
        )
        for p in found
    )
    assert any("events.shock.effects.0.add: .nan is not a finite number" in p for p in found)


@pytest.mark.parametrize(
    ("field", "old", "new", "message"),
    [
        (
            "rounds.only.exchanges",
            "exchanges: 3",
            "exchanges: true",
            "expected a number, got a boolean (true)",
        ),
        (
            "actors.B.capability",
            "capability: 0.5",
            "capability: false",
            "expected a number or a distribution, got a boolean (false)",
        ),
        (
            "issues.cap.status_quo",
            "status_quo: 100",
            "status_quo: yes",
            "expected a number, got a boolean (true)",
        ),
        (
            "actors.B.capability",
            "capability: 0.5",
            'capability: "0.5"',
            "expected a number or a distribution, got text ('0.5')",
        ),
    ],
)
def test_booleans_and_quoted_numbers_are_not_numbers(tmp_path, field, old, new, message):
    path = write(tmp_path, MINIMAL.replace(old, new))
    assert problems(path) == [f"{path}:{line_of(path, new)}: {field}: {message}"]


def test_a_boolean_threshold_is_not_1(tmp_path):
    """`above: true` used to be read as 1: a red line at 1 % instead of an error."""
    text = MINIMAL.replace(
        "      cap: {position: 0, salience: 1.0}\n",
        "      cap: {position: 0, salience: 1.0}\n"
        "    red_lines:\n      - {issue: cap, above: true, action: reject}\n",
        1,
    )
    path = write(tmp_path, text)
    (problem,) = problems(path)
    assert problem.endswith(
        "actors.A.red_lines.0.above: expected a number or a distribution, got a boolean (true)"
    )


def test_integers_too_large_for_a_float(tmp_path):
    path = write(tmp_path, MINIMAL.replace("status_quo: 100", "status_quo: 1" + "0" * 400))
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'status_quo: 1000')}: issues.cap.status_quo: 1000")
    assert problem.endswith("is too large for a number")


def test_bounds_whose_width_overflows(tmp_path):
    text = MINIMAL.replace("bounds: [0, 100]", "bounds: [-1.7e+308, 1.7e+308]")
    path = write(tmp_path, text)
    (problem,) = problems(path)
    assert "issues.cap: bounds [-1.7e+308, 1.7e+308] are so far apart that their width overflows" in problem


def test_a_distribution_whose_width_overflows(tmp_path):
    text = MINIMAL.replace(
        "{position: 100, salience", "{position: {dist: uniform, low: -1.7e+308, high: 1.7e+308}, salience"
    )
    path = write(tmp_path, text)
    where = f"{path}:{line_of(path, 'dist: uniform')}: actors.B.stances.cap.position"
    assert problems(path) == [
        f"{where}: invalid uniform distribution: high - low overflows (low=-1.7e+308, high=1.7e+308); "
        "use a narrower range",
        f"{where}: lies outside the bounds of issue 'cap' [0, 100]: got [-1.7e+308, 1.7e+308]",
    ]


@pytest.mark.parametrize(
    ("written", "read_as", "kind"),
    [("1:30", "90", "base-60"), ("010", "8", "octal"), ("-1:30", "-90", "base-60")],
)
def test_yaml_1_1_numbers_are_refused_not_converted(tmp_path, written, read_as, kind):
    path = write(tmp_path, MINIMAL.replace("exchanges: 3", f"exchanges: {written}"))
    (problem,) = problems(path)
    assert problem.startswith(
        f"{path}:{line_of(path, 'exchanges:')}: rounds.only.exchanges: {written} is a YAML 1.1 {kind}"
    )
    assert f"(it would be read as {read_as})" in problem


def test_unquoted_dates_stay_text(tmp_path):
    path = write(tmp_path, MINIMAL.replace("name: minimal", "name: 2015-07-14"))
    assert load_scenario(path).scenario.name == "2015-07-14"


# --------------------------------------------------------------------------- ids and structure


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("mediator: M", "mediator: [M]"),
        ("mediator: M", "mediator: {M: 1}"),
        ("agenda: [cap]", "agenda: [[cap]]"),
        ("agenda: [cap]", "agenda: [{cap: 1}]"),
        ("role: principal\n    capability: 1.0", "role: [principal]\n    capability: 1.0"),
    ],
)
def test_ids_given_as_lists_or_mappings(tmp_path, old, new):
    """These raised TypeError: unhashable type in the cross-checks."""
    path = write(tmp_path, MINIMAL.replace(old, new, 1))
    found = problems(path)
    assert found and all(LOCATED.match(p) for p in found)
    assert any(f":{line_of(path, new.splitlines()[0])}:" in p for p in found)


def test_ids_in_events_given_as_lists(tmp_path):
    text = MINIMAL + textwrap.dedent(
        """
        deadline: [only]
        events:
          e:
            at: {round: [only]}
            when: {from_round: {a: 1}}
            effects:
              - {actor: [A], param: patience, set: 0.1}
        """
    )
    path = write(tmp_path, text)
    found = problems(path)
    fields = {p.split(": ")[1] for p in found}
    assert {"deadline", "events.e.at.round", "events.e.when.from_round", "events.e.effects.0.actor"} <= fields


def test_a_merge_key_onto_a_scalar(tmp_path):
    path = write(tmp_path, MINIMAL.replace("issues:\n", "issues:\n  <<: 5\n", 1))
    assert problems(path) == [
        f"{path}:{line_of(path, '<<: 5')}: issues.<<: << merges mappings (or a list of mappings) only"
    ]


@pytest.mark.parametrize(
    "tag",
    [
        "!!float abc",
        "!!timestamp x",
        "!!int 1.5",
        "!!binary AAAA",
        "!!str 3",
        "!!python/object:os.system x",
        "!custom 3",
        "!!set {a: null}",
    ],
)
def test_explicit_tags_are_refused(tmp_path, tag):
    path = write(tmp_path, MINIMAL.replace("status_quo: 100", f"status_quo: {tag}"))
    (problem,) = problems(path)
    assert problem == (
        f"{path}:{line_of(path, 'status_quo:')}: issues.cap.status_quo: explicit YAML tags such as "
        f"{tag.split()[0]} are not allowed; write the value plainly"
    )


def test_recursive_aliases(tmp_path):
    for text in ("extra: &a [*a]\n", "extra: &m {k: *m}\n", "extra: &m {<<: *m}\n"):
        path = write(tmp_path, text + MINIMAL)
        assert problems(path) == [f"{path}:1: <file>: recursive alias: this value contains itself"]


def test_an_alias_bomb_is_refused_at_once_in_bounded_memory(tmp_path):
    bomb = "a0: &a0 [lol]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10)
    )
    path = write(tmp_path, bomb + MINIMAL)
    (problem,) = problems(path)
    assert "aliases here would expand to more than 200,000 values (an alias bomb?)" in problem


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_nesting_thousands_of_levels_deep(tmp_path, opening):
    closing = "]" if opening == "[" else "}"
    path = write(
        tmp_path, MINIMAL + "deep: " + opening * 5000 + "1" * (opening != "[") + closing * 5000 + "\n"
    )
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'deep:')}: <file>: nested more than 64 levels deep")


# --------------------------------------------------------------------------- bytes and files


@pytest.mark.parametrize(
    ("encode", "message"),
    [
        (lambda t: t.encode("utf-16"), "the file is UTF-16 text; save it as UTF-8"),
        (lambda t: t.encode("utf-32"), "the file is UTF-32 text; save it as UTF-8"),
        (
            lambda t: t.encode("utf-16-le"),
            "NUL byte: the file is binary or not UTF-8 (UTF-16 text?); save it as UTF-8 text",
        ),
        (
            lambda t: t.replace("Beta", "B\xe9ta").encode("latin-1"),
            "byte 0xE9 is not UTF-8; save the file as UTF-8",
        ),
        (
            lambda t: t.replace("Beta", "Be\0ta").encode(),
            "NUL byte: the file is binary or not UTF-8; save it as UTF-8 text",
        ),
        (
            lambda t: t.replace("Beta", "Be\x1b]0;owned\x07ta").encode(),
            "control character U+001B at column 13; remove it",
        ),
    ],
)
def test_bytes_that_are_not_utf8_text(tmp_path, encode, message):
    path = tmp_path / "s.yaml"
    path.write_bytes(encode(textwrap.dedent(MINIMAL).lstrip("\n")))
    (problem,) = problems(path)
    expected_line = 1 if "UTF-16" in message or "UTF-32" in message else line_of_bytes(path, b"B")
    assert problem == f"{path}:{expected_line}: <file>: {message}"


def line_of_bytes(path: Path, _: bytes) -> int:
    """The line of the Beta actor's name, where the bad byte was put."""
    raw = path.read_bytes()
    return raw[: raw.index(b"name: B")].count(b"\n") + 1


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(MINIMAL).lstrip("\n").encode())
    assert load_scenario(path).scenario.name == "minimal"


@pytest.mark.parametrize("target", ["zero.yaml", "fifo", "folder.yaml", "big.yaml"])
def test_extends_a_device_a_fifo_a_folder_or_a_huge_file(tmp_path, target):
    """/dev/zero read until MemoryError, and a FIFO blocked forever."""
    if target == "zero.yaml":
        (tmp_path / target).symlink_to("/dev/zero")
    elif target == "fifo":
        os.mkfifo(tmp_path / "pipe.yaml")
        target = "pipe.yaml"
    elif target == "folder.yaml":
        (tmp_path / target).mkdir()
    elif target == "big.yaml":
        (tmp_path / target).write_text("name: big\n" + "#\n" * 2_200_000)
    path = write(tmp_path, f"extends: {target}\nname: variant\n", "variant.yaml")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:1: extends: base scenario ")
    reason = {
        "big.yaml": "input files may be at most 4,194,304 bytes",
        "folder.yaml": "is a folder, not a file",
    }
    assert reason.get(target, "is not a regular file (a device, FIFO or socket)") in problem


def test_extends_must_name_a_yaml_file(tmp_path):
    path = write(tmp_path, "extends: [a.yaml, b.yaml]\nname: v\n")
    assert problems(path) == [f"{path}:1: extends: extends must name a .yaml or .yml file, got 'list'"]
    path = write(tmp_path, "extends: ../seeds/notes.txt\nname: v\n")
    assert problems(path) == [
        f"{path}:1: extends: extends must name a .yaml or .yml file, got '../seeds/notes.txt'"
    ]


def test_the_scenario_path_itself_is_a_device_or_a_folder(tmp_path):
    for target, reason in (("/dev/zero", "is not a regular file"), (tmp_path, "is a folder, not a file")):
        code, out, err = run_cli("validate", target)
        assert code == 2 and out == ""
        assert err.splitlines()[0].endswith(
            reason + (" (a device, FIFO or socket); refusing to read it" if "regular" in reason else "")
        )


# --------------------------------------------------------------------------- evidence, cases, tables


@pytest.fixture
def calibrated(tmp_path) -> Path:
    """A copy of the default scenario with its evidence and articles beside it."""
    for folder in ("scenarios", "seeds"):
        (tmp_path / folder).mkdir()
    for name in ("iran_talks.yaml",):
        (tmp_path / "scenarios" / name).write_text((SCENARIOS / name).read_text())
    for path in (SCENARIOS.parent / "seeds").iterdir():
        (tmp_path / "seeds" / path.name).write_bytes(path.read_bytes())
    return tmp_path


def test_evidence_values_obey_the_same_rules(calibrated):
    evidence = calibrated / "seeds" / "evidence.yaml"
    text = evidence.read_text()
    first_value = re.search(r"^(\s+value: )(.+)$", text, re.M)
    evidence.write_text(text[: first_value.start(2)] + ".nan" + text[first_value.end(2) :])
    found = problems(calibrated / "scenarios" / "iran_talks.yaml")
    line = text[: first_value.start()].count("\n") + 1
    assert any(
        p.startswith(f"{_shown(evidence)}:{line}: actors.") and ".nan is not a finite number" in p
        for p in found
    )


def test_evidence_with_an_unhashable_article_id(calibrated):
    evidence = calibrated / "seeds" / "evidence.yaml"
    evidence.write_text(
        re.sub(
            r"article: 000_47a2f3d50c8c75a0", "article: [000_47a2f3d50c8c75a0]", evidence.read_text(), count=1
        )
    )
    found = problems(calibrated / "scenarios" / "iran_talks.yaml")
    assert found and all(LOCATED.match(p) for p in found)
    assert any("evidence.0.article: Input should be a valid string" in p for p in found)


def test_evidence_as_utf16_and_unreadable_articles(calibrated):
    evidence = calibrated / "seeds" / "evidence.yaml"
    article = calibrated / "seeds" / "000_47a2f3d50c8c75a0.txt"
    article.write_bytes(article.read_bytes().replace(b"Israel", b"Isr\x00el", 1))
    found = problems(calibrated / "scenarios" / "iran_talks.yaml")
    assert any("articles.000_47a2f3d50c8c75a0: unreadable article:" in p and "NUL byte" in p for p in found)
    evidence.write_bytes(evidence.read_text().encode("utf-16"))
    assert problems(calibrated / "scenarios" / "iran_talks.yaml") == [
        f"{_shown(evidence)}:1: <file>: the file is UTF-16 text; save it as UTF-8"
    ]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


CASE = """
case: c
scenario: {scenario}
actual: {{cap: 50}}
source: a hand-made test case
""" + CASE_DATES.replace("{", "{{").replace("}", "}}")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"actual": "{cap: .nan}"}, "actual.cap", ".nan is not a finite number"),
        ({"actual": "{cap: true}"}, "actual.cap", "Input should be a valid number"),
        ({"scenario": "[s.yaml]"}, "scenario", "Input should be a valid string"),
        ({"case": "{a: 1}"}, "case", "Input should be a valid string"),
        ({"actual": "{cap: !!float x}"}, "actual.cap", "explicit YAML tags"),
    ],
)
def test_backtest_case_files_obey_the_same_rules(tmp_path, change, field, message):
    scenario = write(tmp_path, MINIMAL, "s.yaml")
    cases = tmp_path / "cases"
    cases.mkdir()
    text = textwrap.dedent(CASE).format(scenario=f"../{scenario.name}")
    for key, value in change.items():
        text = re.sub(rf"^{key}: .*$", f"{key}: {value}", text, flags=re.M)
    (cases / "c.yaml").write_text(text)
    code, _, err = run_cli("backtest", cases, "--out", tmp_path / "bt")
    assert code == 2
    lines = err.splitlines()
    assert any(f": {field}: " in line and message in line for line in lines), lines
    assert all(LOCATED.match(line) or line.startswith("dipsim: ") for line in lines)
    assert not (tmp_path / "bt").exists()


def test_a_case_whose_scenario_is_a_device(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "c.yaml").write_text(textwrap.dedent(CASE).format(scenario="/dev/zero"))
    code, _, err = run_cli("backtest", cases)
    assert code == 2
    assert "scenario: the scenario /dev/zero does not load (1 problem below)" in err
    assert "is not a regular file" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "Actor,Capability,Position,Salience\nA,1,-1.7e308,1\nB,1,1.7e308,1\n",
            "1: column 'Position': positions from -1.7e+308 to 1.7e+308 are so far apart",
        ),
        (
            "Actor,Capability,Position,Salience\nA,1,nan,1\nB,1,2,1\n",
            "2: column 'Position': 'nan' is not a number",
        ),
        (
            "Actor,Capability,Position,Salience\nA,1,1:30,1\nB,1,2,1\n",
            "2: column 'Position': '1:30' is not a number",
        ),
        ("Actor,Capability,Position,Salience\nA\x1b]0;x\x07,1,1,1\nB,1,2,1\n", "2: control character U+001B"),
    ],
)
def test_import_tables_obey_the_same_rules(tmp_path, content, message):
    table = tmp_path / "t.csv"
    table.write_text(content)
    code, _, err = run_cli("import", table, "--issue", "cap")
    assert code == 2
    assert err.startswith(f"dipsim: {table}:")
    assert message.split(": ", 1)[1] in err and f"{table}:{message.split(':')[0]}:" in err


def test_import_scale_whose_width_overflows(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("Actor,Capability,Position,Salience\nA,1,1,1\nB,1,2,1\n")
    with pytest.raises(TableError) as caught:
        import_table(table, Options(issue="cap", scale=("-1.7e308", "1.7e308")))
    assert str(caught.value) == "--scale -1.7e308 1.7e308: the range is so wide that its width overflows"


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_import_refuses_devices_and_fifos(tmp_path, target):
    if target == "fifo":
        target = tmp_path / "t.csv"
        os.mkfifo(target)
    code, _, err = run_cli("import", target, "--issue", "cap")
    assert (code, err) == (
        2,
        f"dipsim: {target}:1: is not a regular file (a device, FIFO or socket); refusing to read it\n",
    )


def test_the_cli_says_so_in_a_subprocess_too(tmp_path):
    """The real console path: exit 2, located lines, no traceback."""
    path = write(
        tmp_path,
        MINIMAL.replace("capability: 0.5", "capability: .nan").replace("mediator: M", "mediator: [M]"),
    )
    result = dipsim("validate", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 problems found."
    assert all(line.startswith(f"{path}:") for line in lines[:-1])


# --------------------------------------------------------------------------- the fuzz


BASE = yaml.safe_load(textwrap.dedent(MINIMAL)) | {
    "events": {
        "shock": {
            "at": {"round": "only", "exchange": 2},
            "probability": 0.5,
            "effects": [{"actor": "A", "param": "patience", "add": 0.1}],
        }
    },
}
BASE["actors"]["A"]["red_lines"] = [{"issue": "cap", "below": 10, "action": "reject"}]


def _leaves(data: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(data, list):
        return [leaf for index, value in enumerate(data) for leaf in _leaves(value, (*path, index))]
    return [(path, data)]


NUMBERS = [p for p, v in _leaves(BASE) if isinstance(v, (int, float)) and not isinstance(v, bool)]
TEXTS = [p for p, v in _leaves(BASE) if isinstance(v, str)]
REQUIRED = [
    ("name",),
    ("issues", "cap", "bounds"),
    ("issues", "cap", "label"),
    ("actors", "A", "role"),
    ("actors", "B", "capability"),
    ("rounds", "only", "agenda"),
    ("rounds", "only", "exchanges"),
    ("actors", "A", "stances", "cap", "position"),
    ("events", "shock", "effects"),
]
WRONG_NUMBERS = [math.nan, math.inf, -math.inf, True, False, "0.5", "x", [1], {"a": 1}, None]
WRONG_TEXTS = [["A"], {"A": 1}, [[]], 1.5, True]
NOT_NUMBERS = st.sampled_from(WRONG_NUMBERS)
NOT_TEXTS = st.sampled_from(WRONG_TEXTS)


def _set(data: dict, path: tuple, value: object) -> dict:
    copy = yaml.safe_load(yaml.safe_dump(data))
    node = copy
    for part in path[:-1]:
        node = node[part]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


_DELETE = object()
INVALID = st.one_of(
    st.tuples(st.sampled_from(NUMBERS), NOT_NUMBERS),
    st.tuples(st.sampled_from(TEXTS), NOT_TEXTS),
    st.tuples(st.sampled_from(REQUIRED), st.just(_DELETE)),
)


def _validate(tmp_path: Path, content: bytes) -> tuple[int, str]:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(content)
    code, _, err = run_cli("validate", path)
    return code, err


SINGLE = (
    [(path, value) for path in NUMBERS for value in WRONG_NUMBERS]
    + [(path, value) for path in TEXTS for value in WRONG_TEXTS]
    + [(path, _DELETE) for path in REQUIRED]
)


def test_every_single_invalid_mutation_is_refused_with_located_lines(tmp_path):
    """All of them, not a sample: every field swapped for every wrong kind of value; required ones deleted."""
    refused = 0
    for path, value in SINGLE:
        text = yaml.safe_dump(_set(BASE, path, value), sort_keys=False)
        code, err = _validate(tmp_path, text.encode())
        lines = err.splitlines()
        assert code == 2, (path, value, err)
        assert lines[-1].endswith("found.") and all(LOCATED.match(line) for line in lines[:-1]), (path, lines)
        refused += 1
    assert refused == len(SINGLE) > 200


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(INVALID, min_size=2, max_size=4, unique_by=lambda m: m[0]))
def test_fuzz_invalid_mutations_are_refused_with_located_lines(tmp_path, mutations):
    data = BASE
    for path, value in mutations:
        if all(_reachable(data, path[:cut]) for cut in range(1, len(path))):
            data = _set(data, path, value)
    if data == BASE:
        return
    text = yaml.safe_dump(data, sort_keys=False)
    code, err = _validate(tmp_path, text.encode())
    assert code == 2, err
    lines = err.splitlines()
    assert lines[-1].endswith("found.")
    assert all(LOCATED.match(line) for line in lines[:-1]), lines


def _reachable(data: object, path: tuple) -> bool:
    node = data
    for part in path:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return False
    return isinstance(node, (dict, list))


RAW = textwrap.dedent(MINIMAL).lstrip("\n").encode()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(RAW)), st.binary(min_size=1, max_size=4), st.integers(0, 3))
def test_fuzz_raw_byte_corruption_never_crashes(tmp_path, at, inserted, cut):
    content = RAW[:at] + inserted + RAW[at + cut :]
    code, err = _validate(tmp_path, content)
    assert code in (0, 2), err
    if code == 2:
        assert all(LOCATED.match(line) for line in err.splitlines()[:-1]), err
