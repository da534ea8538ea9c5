"""Feed dipsim malformed input, as a careless user or an attacker would, and count what happens.

Each case is a file (or a folder) built from the project's own scenarios, evidence,
import tables and backtest cases, then broken in one known way. Every case in a
"must refuse" class is invalid by construction, so the oracle is simple:

* refused   -- exit status 2 and every message located (``FILE:LINE: field: message``);
* traceback -- any other exception escaped the command;
* hang      -- no answer within the time limit;
* memory    -- the command ran out of its memory cap (MemoryError);
* silent    -- a "must refuse" case was accepted (exit 0);
* unlocated -- exit 2, but a message without FILE:LINE.

Classes marked "no crash" (raw truncation, oversized but valid files) may be valid:
for them only tracebacks, hangs and memory count. The generator is seeded and
independent of the test suite's hypothesis strategies, so each ``--seed`` gives a
fresh set of malformed inputs.

    .venv/bin/python benchmarks/robustness.py [--seed 1] [--per-class 6] [--timeout 20]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 3 * 1024**3  # bytes of address space per checked command
# FILE:LINE: field: message (the field may be <file>), or an option and its value for a bad argument.
LOCATED = re.compile(r"^(?:dipsim: )?(?:[^\s:][^:]*:\d+: \S|--[a-z-]+\b.*: \S)")


@dataclass(frozen=True)
class Case:
    group: str  # scenario, evidence, table, case, results
    kind: str  # the mutation class
    argv: tuple[str, ...]
    must_refuse: bool = True
    # results folders: "one_line" refusals name the folder's file in a single line; "repair" means
    # exit 0 with the folder's dataset then equal to the reference folder's
    mode: str = "located"
    reference: str = ""


# --------------------------------------------------------------------------- running one case


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _check(case: Case) -> tuple[str, str]:
    """Run the CLI in this worker; return (verdict, first message)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(case.argv))
    except SystemExit as exit_:  # argparse refuses an argument: "dipsim CMD: error: argument --x: ..."
        code = exit_.code if isinstance(exit_.code, int) else 1
        refused = re.search(r"error: argument (--[a-z-]+.*)", err.getvalue())
        if code == 2 and refused:
            return "refused", refused.group(1)
    except MemoryError:
        return "memory", ""
    except RecursionError:
        return "traceback", "RecursionError"
    except BaseException as error:
        return "traceback", f"{type(error).__name__}: {error}"[:300]
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if case.mode == "repair" and code == 0:
        return ("repaired", "") if _same_dataset(case.argv, case.reference) else ("silent", "dataset differs")
    if code == 0:
        return "accepted", ""
    if code != 2:
        return "traceback", f"exit {code}: {lines[:1]}"
    if case.mode in ("one_line", "repair"):
        good = len(lines) == 1 and lines[0].startswith("dipsim: ") and "/" in lines[0]
        return ("refused" if good else "unlocated"), lines[0] if lines else ""
    messages = [line for line in lines if not re.match(r"^(dipsim: )?\d+ problems? ", line)]
    unlocated = [line for line in messages if not LOCATED.match(line)]
    return ("unlocated" if unlocated or not messages else "refused"), (unlocated or messages or [""])[0]


def _same_dataset(argv: tuple[str, ...], reference: str) -> bool:
    import pandas as pd

    from sim.store.results import Results

    folder = argv[argv.index("--out") + 1]
    first, second = Results.open(folder, ("sweep",)), Results.open(reference, ("sweep",))
    for name in ("outcomes", "rounds", "texts", "events", "samples"):
        try:
            pd.testing.assert_frame_equal(first.table(name), second.table(name), check_exact=True)
        except AssertionError:
            return False
    return first.manifest["status"] == "complete"


class Runner:
    """A worker process per batch of cases; a hang costs a new worker, not the audit."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.context = multiprocessing.get_context("fork")
        self.pool = self._pool()

    def _pool(self) -> Any:
        return self.context.Pool(1, initializer=_limit_memory, maxtasksperchild=25)

    def run(self, case: Case) -> tuple[str, str]:
        pending = self.pool.apply_async(_check, (case,))
        try:
            verdict, message = pending.get(self.timeout)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            self.pool = self._pool()
            return "hang", ""
        if verdict == "accepted":
            return ("silent" if case.must_refuse else "accepted"), message
        if verdict == "refused" and case.mode == "repair":
            return "refused", message  # a clean refusal where a repair was possible: shown, not a failure
        return verdict, message

    def close(self) -> None:
        self.pool.terminate()


# --------------------------------------------------------------------------- building blocks


class Workspace:
    """A copy of scenarios/ and seeds/ in a temporary folder, plus numbered case files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(ROOT / "scenarios", root / "scenarios")
        shutil.copytree(ROOT / "seeds", root / "seeds")
        self.count = 0

    def path(self, folder: str, suffix: str) -> Path:
        self.count += 1
        target = self.root / folder / f"case{self.count:04d}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, folder: str, suffix: str, content: str | bytes) -> Path:
        target = self.path(folder, suffix)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target


def leaves(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, scalar) in a plain document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*path, index))
    else:
        yield path, data


def assign(data: Any, path: tuple, value: Any) -> Any:
    copy = yaml.safe_load(yaml.safe_dump(data))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


def delete(data: Any, path: tuple) -> Any:
    copy = yaml.safe_load(yaml.safe_dump(data))
    node = copy
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return copy


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def replace_scalar_text(text: str, rng: random.Random, new: str) -> str:
    """Replace the value of one random `key: value` line (a scalar) with raw YAML text."""
    candidates = [m for m in re.finditer(r"^(\s*[A-Za-z_]+): ([^\s#{\[&*!|>][^#\n]*?)\s*(#.*)?$", text, re.M)]
    match = rng.choice(candidates)
    return text[: match.start(2)] + new + text[match.end(2) :]


# Required keys by the schema's documentation (docs/scenarios.md), not by asking the code.
REQUIRED = {
    (): ("name", "issues", "actors", "rounds"),
    ("issues", "*"): ("label", "unit", "bounds", "status_quo"),
    ("actors", "*"): ("name", "role"),
    ("rounds", "*"): ("venue", "agenda", "exchanges"),
    ("actors", "*", "stances", "*"): ("position", "salience"),
}


def required_paths(data: dict[str, Any]) -> list[tuple]:
    found = [((), key) for key in REQUIRED[()]]
    for kind in ("issues", "actors", "rounds"):
        for ident, spec in data.get(kind, {}).items():
            found += [((kind, ident), key) for key in REQUIRED[(kind, "*")] if key in spec]
    for actor_id, actor in data.get("actors", {}).items():
        for issue_id, stance in actor.get("stances", {}).items():
            found += [
                (("actors", actor_id, "stances", issue_id), key)
                for key in ("position", "salience")
                if key in stance
            ]
    return [(*where, key) for where, key in found]


# --------------------------------------------------------------------------- scenario mutations


def scenario_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    minimal = (ROOT / "tests" / "conftest.py").read_text()
    minimal = minimal.split('MINIMAL = """', 1)[1].split('"""', 1)[0]
    bases = {
        "minimal": minimal,
        "iran": (space.root / "scenarios" / "iran_talks.yaml").read_text(),
        "eu": (space.root / "scenarios" / "eu_emissions_1994.yaml").read_text(),
    }
    documents = {name: yaml.safe_load(text) for name, text in bases.items()}

    def emit(kind: str, text: str | bytes, must: bool = True, argv: str = "validate") -> Case:
        path = space.write("scenarios", ".yaml", text)
        return Case("scenario", kind, (argv, str(path)), must)

    def pick() -> tuple[str, dict[str, Any]]:
        name = rng.choice(list(documents))
        return name, documents[name]

    for _ in range(per_class):
        _, data = pick()
        number_paths = [p for p, v in leaves(data) if numeric(v)]
        string_paths = [p for p, v in leaves(data) if isinstance(v, str)]
        path = rng.choice(number_paths)
        yield emit(
            "non-finite number",
            dump(assign(data, path, rng.choice([float("nan"), float("inf"), float("-inf")]))),
        )
        yield emit(
            "boolean for a number", dump(assign(data, rng.choice(number_paths), rng.choice([True, False])))
        )
        yield emit("text for a number", dump(assign(data, rng.choice(number_paths), "about half")))
        yield emit(
            "list or mapping for a text or id",
            dump(assign(data, rng.choice(string_paths), rng.choice([["a", "b"], {"k": "v"}, [[1]]]))),
        )
        yield emit("huge integer", dump(assign(data, rng.choice(number_paths), 10 ** rng.randint(310, 4000))))
        yield emit("required field deleted", dump(delete(data, rng.choice(required_paths(data)))))
        issue = rng.choice(list(data["issues"]))
        wide = assign(data, ("issues", issue, "bounds"), [-1.7e308, 1.7e308])
        yield emit("bounds whose width overflows", dump(wide))
        name, _ = pick()
        text = bases[name]
        yield emit("YAML 1.1 base-60 number", replace_scalar_text_numeric(text, rng, "1:30"))
        yield emit("YAML 1.1 octal number", replace_scalar_text_numeric(text, rng, "010"))
        tag = rng.choice(
            [
                "!!float abc",
                "!!timestamp x",
                "!!int 1.5",
                "!!bool maybe",
                "!!binary ###",
                "!!python/object:os.system x",
                "!!set {a: null}",
                "!!omap [a: 1]",
                "!custom 3",
                "!!float .nan",
                "!!timestamp 2001-12-14",
            ]
        )
        yield emit("explicit tag", replace_scalar_text(text, rng, tag))
        yield emit(
            "merge key onto a scalar", text.replace("issues:\n", f"issues:\n  <<: {rng.randint(0, 9)}\n", 1)
        )
        width = rng.choice([8, 10, 12])
        bomb = "".join(f"b{n}: &b{n} [{', '.join([f'*b{n - 1}'] * width)}]\n" for n in range(1, 10))
        yield emit("alias bomb", f"b0: &b0 [lol]\n{bomb}" + text)
        yield emit("recursive alias", text.replace("issues:\n", "extra: &loop [*loop]\nissues:\n", 1))
        yield emit(
            "recursive alias in a mapping", text.replace("issues:\n", "extra: &m {a: *m}\nissues:\n", 1)
        )
        nesting = rng.randint(2_000, 20_000)
        deep = "[" * nesting + "]" * nesting if rng.random() < 0.5 else "{a: " * nesting + "1" + "}" * nesting
        yield emit("nesting thousands deep", text + f"\ndeep: {deep}\n")
        raw = text.encode("utf-8")
        yield emit("UTF-16 text", text.encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32"])))
        cut = rng.randrange(len(raw))
        yield emit(
            "invalid UTF-8 byte", raw[:cut] + bytes([rng.choice([0xFF, 0xFE, 0xC3, 0x80, 0xED])]) + raw[cut:]
        )
        yield emit("NUL byte", raw[:cut] + b"\x00" + raw[cut:])
        control = bytes([rng.choice([0x1B, 0x07, 0x08, 0x7F, 0x01, 0x0C])])
        yield emit(
            "control byte in a value", text.replace("name: ", "name: x" + control.decode() + "y", 1).encode()
        )
        yield emit("truncated file (no crash)", raw[: rng.randrange(len(raw))], must=False)
        yield emit(
            "id given as a number",
            dump(
                assign(
                    data,
                    ("rounds",),
                    {**data["rounds"], rng.randint(1, 9): next(iter(data["rounds"].values()))},
                )
            ),
        )
    yield from extends_cases(space, rng, per_class)
    yield from run_cases(space, rng, per_class)


def replace_scalar_text_numeric(text: str, rng: random.Random, new: str) -> str:
    """Replace one plain number written in the file (a `key: 12` value or a list item) with raw text."""
    plain = r"-?\d+(?:\.\d+)?"
    matches = [
        *re.finditer(rf"(?<=: ){plain}(?=\s*(?:#|$))", text, re.M),  # a whole block value
        *re.finditer(rf"(?<=[\[{{,] ){plain}(?=\s*[,\]}}])|(?<=\[){plain}(?=\s*[,\]])", text),  # in a flow
    ]
    # not in a comment: its number is not a value
    matches = [m for m in matches if "#" not in text[text.rfind("\n", 0, m.start()) + 1 : m.start()]]
    match = rng.choice(matches)
    return text[: match.start()] + new + text[match.end() :]


def extends_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    fifo = space.root / "scenarios" / "a_fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    (space.root / "scenarios" / "a_folder.yaml").mkdir(exist_ok=True)
    huge = space.root / "scenarios" / "huge.yaml"
    huge.write_text("name: huge\n" + "# padding\n" * 5_000_000)
    targets = [
        ("/dev/zero", True),
        ("/dev/urandom", True),
        (str(fifo), True),
        ("a_folder.yaml", True),
        ("missing.yaml", True),
        (str(huge), True),
        ("[a.yaml, b.yaml]", True),
        ("{a: b}", True),
        ("5", True),
        ("../seeds/000_47a2f3d50c8c75a0.txt", True),
    ]
    for _ in range(per_class):
        target, must = rng.choice(targets)
        path = space.write("scenarios", ".yaml", f"extends: {target}\nname: variant\n")
        yield Case("scenario", "extends a non-scenario file", ("validate", str(path)), must)
        self_path = space.path("scenarios", ".yaml")
        self_path.write_text(f"extends: {self_path.name}\nname: loop\n")
        yield Case("scenario", "extends itself", ("validate", str(self_path)))
    for target in ("/dev/zero", str(fifo), str(space.root / "scenarios")):
        yield Case("scenario", "scenario path is not a file", ("validate", target))
    yield Case("scenario", "oversized file (no crash)", ("validate", str(huge)), must_refuse=False)


def run_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    """The same bad values through `dipsim run`, which must also refuse before writing anything."""
    data = yaml.safe_load((space.root / "scenarios" / "iran_talks.yaml").read_text())
    for _ in range(max(1, per_class // 3)):
        number_paths = [p for p, v in leaves(data) if numeric(v)]
        bad = assign(data, rng.choice(number_paths), rng.choice([float("nan"), float("inf"), True]))
        path = space.write("scenarios", ".yaml", dump(bad))
        out = space.root / "runs" / path.stem
        yield Case("scenario", "bad value through run", ("run", str(path), "--out", str(out)))


# --------------------------------------------------------------------------- evidence mutations


def evidence_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    evidence_text = (space.root / "seeds" / "evidence.yaml").read_text()
    evidence = yaml.safe_load(evidence_text)
    scenario = (space.root / "scenarios" / "iran_talks.yaml").read_text()

    def emit(kind: str, content: str | bytes) -> Case:
        path = space.write("seeds", ".yaml", content)
        variant = space.write(
            "scenarios", ".yaml", scenario.replace("../seeds/evidence.yaml", f"../seeds/{path.name}")
        )
        return Case("evidence", kind, ("validate", str(variant)))

    values = [
        p
        for p, v in leaves(evidence)
        if (p[0] == "actors" and p[-1] == "value") or (p[0] == "actors" and "value" in p and numeric(v))
    ]
    for _ in range(per_class):
        path = rng.choice(values)
        yield emit(
            "non-finite evidence value",
            dump(assign(evidence, path, rng.choice([float("nan"), float("-inf")]))),
        )
        yield emit("boolean evidence value", dump(assign(evidence, path, True)))
        citations = [p for p, _ in leaves(evidence) if p[-1] == "article"]
        yield emit("unhashable article id", dump(assign(evidence, rng.choice(citations), ["x", "y"])))
        yield emit(
            "unhashable rule id",
            dump(assign(evidence, rng.choice([p for p, _ in leaves(evidence) if p[-1] == "rule"]), {"a": 1})),
        )
        yield emit("evidence as UTF-16", evidence_text.encode("utf-16"))
        yield emit(
            "evidence alias bomb",
            "b0: &b0 [x]\n"
            + "".join(f"b{n}: &b{n} [{', '.join([f'*b{n - 1}'] * 10)}]\n" for n in range(1, 10))
            + evidence_text,
        )
        yield emit("evidence explicit tag", replace_scalar_text(evidence_text, rng, "!!float abc"))


# --------------------------------------------------------------------------- import tables


def table_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    text = (space.root / "scenarios" / "eu_emissions_1994.csv").read_text()
    rows = text.splitlines()

    def emit(kind: str, content: str | bytes, *extra: str) -> Case:
        path = space.write("tables", ".csv", content)
        return Case("table", kind, ("import", str(path), "--issue", "cap", *extra))

    for _ in range(per_class):
        line = rng.randrange(1, len(rows))
        cells = rows[line].split(",")
        column = rng.randrange(1, len(cells))
        for bad in ("nan", "inf", "-inf", "1e400", "true", "0x10", "1_0", "1:30", ""):
            broken = list(rows)
            cells_copy = list(cells)
            cells_copy[column] = bad
            broken[line] = ",".join(cells_copy)
            yield emit(f"table cell {bad or 'empty'}", "\n".join(broken) + "\n")
        wide = list(rows)
        first, second = wide[1].split(","), wide[2].split(",")
        first[2], second[2] = "-1.7e308", "1.7e308"
        wide[1], wide[2] = ",".join(first), ",".join(second)
        yield emit("positions whose range overflows", "\n".join(wide) + "\n")
        yield emit("table as UTF-16", text.encode("utf-16"))
        raw = text.encode()
        cut = rng.randrange(len(raw))
        yield emit("table with a NUL byte", raw[:cut] + b"\x00" + raw[cut:])
        yield emit("table with a control byte", text.replace("Germany", "Ger\x1b]0;pwned\x07many"))
        yield emit("table scale overflows", text, "--scale", "-1.7e308", "1.7e308")
    fifo = space.root / "tables" / "fifo.csv"
    if not fifo.exists():
        os.mkfifo(fifo)
    for target in ("/dev/zero", str(fifo)):
        yield Case("table", "table path is not a file", ("import", target, "--issue", "cap"))


# --------------------------------------------------------------------------- backtest cases


def backtest_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    source = (space.root / "scenarios" / "cases" / "jpoa_2013.yaml").read_text()
    data = yaml.safe_load(source)
    issue = next(iter(data["actual"]))

    def emit(kind: str, content: str | bytes) -> Case:
        folder = space.root / "cases" / f"set{space.count:04d}"
        folder.mkdir(parents=True)
        shutil.copytree(space.root / "scenarios" / "cases" / "jpoa_2013", folder / "jpoa_2013")
        space.count += 1
        (folder / "case.yaml").write_bytes(content if isinstance(content, bytes) else content.encode())
        return Case("case", kind, ("backtest", str(folder), "--out", str(space.root / "bt" / folder.name)))

    for _ in range(max(1, per_class // 2)):
        yield emit(
            "non-finite actual",
            dump(assign(data, ("actual", issue), rng.choice([float("nan"), float("inf")]))),
        )
        yield emit("boolean actual", dump(assign(data, ("actual", issue), True)))
        yield emit("list as scenario", dump(assign(data, ("scenario",), ["a.yaml"])))
        yield emit("mapping as case id", dump(assign(data, ("case",), {"a": 1})))
        yield emit("scenario is a device", dump(assign(data, ("scenario",), "/dev/zero")))
        yield emit("case as UTF-16", source.encode("utf-16"))
        yield emit(
            "case alias bomb",
            "b0: &b0 [x]\n"
            + "".join(f"b{n}: &b{n} [{', '.join([f'*b{n - 1}'] * 10)}]\n" for n in range(1, 10))
            + source,
        )
        yield emit("case explicit tag", replace_scalar_text(source, rng, "!!timestamp x"))


# --------------------------------------------------------------------------- results folders


def _quiet(argv: list[str]) -> None:
    from sim.cli import main as dipsim

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert dipsim(argv) == 0, argv


def _manifest_edit(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        import json

        path = folder / "manifest.json"
        document = json.loads(path.read_text())
        edit(document)
        path.write_text(json.dumps(document, indent=2))

    return apply


def _part(folder: Path, table: str, batch: int) -> Path:
    return folder / table / f"part-{batch:05d}.parquet"


def _fewer_rows(folder: Path) -> None:
    import pyarrow.parquet as pq

    path = _part(folder, "outcomes", 1)
    table = pq.read_table(path)
    pq.write_table(table.slice(0, len(table) // 2).replace_schema_metadata(table.schema.metadata), path)


def results_cases(space: Workspace, rng: random.Random, per_class: int) -> Iterator[Case]:
    """Corrupted copies of a finished sweep under report, sensitivity, compare and --resume."""
    base = space.root / "sweeps"
    scenario = str(space.root / "scenarios" / "iran_talks.yaml")
    settings = [
        "--samples",
        "48",
        "--replicates",
        "2",
        "--design",
        "lhs",
        "--batch-replicates",
        "16",
        "--workers",
        "1",
    ]
    sweep = ["sweep", scenario, *settings, "--seed", "3"]
    reference, other, run = base / "reference", base / "other", base / "run"
    _quiet([*sweep, "--out", str(reference)])
    _quiet(["sweep", scenario, *settings, "--seed", "4", "--out", str(other)])
    _quiet(["run", scenario, "--out", str(run)])
    batches = len(list((reference / "outcomes").glob("part-*.parquet")))
    last = batches - 1

    def write(path: Path, data: bytes) -> None:
        path.write_bytes(data)

    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle] ^= 0xFF
        path.write_bytes(bytes(data))

    repairable: dict[str, Callable[[Path], None]] = {
        "truncated outcomes part": lambda f: write(
            _part(f, "outcomes", 2), _part(f, "outcomes", 2).read_bytes()[:300]
        ),
        "truncated rounds part": lambda f: write(
            _part(f, "rounds", 1), _part(f, "rounds", 1).read_bytes()[:-40]
        ),
        "garbage part": lambda f: write(
            _part(f, "events", 0), bytes(rng.randrange(256) for _ in range(2000))
        ),
        "zero-byte part": lambda f: write(_part(f, "samples", 3), b""),
        "bit flipped in a part's data": lambda f: flip(_part(f, "outcomes", 1)),
        "outcomes part missing": lambda f: _part(f, "outcomes", 3).unlink(),
        "rounds part missing": lambda f: _part(f, "rounds", 2).unlink(),
        "killed: running, last batch missing": lambda f: (
            _manifest_edit(lambda d: d.update(status="running"))(f),
            _part(f, "outcomes", last).unlink(),
        ),
        "a part with too few rows": _fewer_rows,
        "every outcomes part missing": lambda f: [p.unlink() for p in (f / "outcomes").glob("*.parquet")],
    }
    refuse: dict[str, Callable[[Path], None]] = {
        "part from another sweep": lambda f: shutil.copy(
            _part(other, "outcomes", 2), _part(f, "outcomes", 2)
        ),
        "symlink to another sweep's part": lambda f: (
            _part(f, "texts", 1).unlink(),
            _part(f, "texts", 1).symlink_to(_part(other, "texts", 1)),
        ),
        "copy of part 0 as part 3": lambda f: shutil.copy(_part(f, "outcomes", 0), _part(f, "outcomes", 3)),
        "duplicate part under another name": lambda f: shutil.copy(
            _part(f, "outcomes", 3), f / "outcomes" / "part-0003.parquet"
        ),
        "non-numeric part index": lambda f: shutil.copy(
            _part(f, "outcomes", 1), f / "outcomes" / "part-abc.parquet"
        ),
        "part beyond the plan": lambda f: shutil.copy(
            _part(f, "outcomes", 1), f / "outcomes" / "part-00099.parquet"
        ),
        "stray file in a table folder": lambda f: (f / "events" / "notes.txt").write_text("mine"),
        "manifest missing": lambda f: (f / "manifest.json").unlink(),
        "manifest not JSON": lambda f: write(f / "manifest.json", (f / "manifest.json").read_bytes()[:500]),
        "manifest without signature": _manifest_edit(lambda d: d.pop("tool")),
        "manifest says run": _manifest_edit(lambda d: d.update(kind="run")),
        "manifest missing the plan": _manifest_edit(lambda d: d["sweep"].pop("batches")),
        "manifest of a newer format": _manifest_edit(lambda d: d.update(format=99)),
        "manifest with a shorter plan": _manifest_edit(
            lambda d: d["sweep"].update(batches=d["sweep"]["batches"][:-1])
        ),
        "manifest with another identity": _manifest_edit(lambda d: d.update(identity="0" * 64)),
        "manifest is a folder": lambda f: ((f / "manifest.json").unlink(), (f / "manifest.json").mkdir()),
        "manifest with a non-numeric field": _manifest_edit(lambda d: d["sweep"].update(replicates="two")),
    }
    harmless = {
        "killed after its last part (status running)": _manifest_edit(lambda d: d.update(status="running"))
    }
    reports = space.root / "reports"
    reports.mkdir(exist_ok=True)

    def copies(kind: str, corrupt: Callable[[Path], None]) -> Iterator[Path]:
        for operation in range(4):
            target = base / f"{slug(kind)}-{operation}"
            shutil.copytree(reference, target, symlinks=True)
            corrupt(target)
            yield target

    for group, must in ((repairable, True), (refuse, True), (harmless, False)):
        for kind, corrupt in group.items():
            report, sensitivity, compare, resume = copies(kind, corrupt)
            mode = "one_line" if must else "located"
            yield Case(
                "results",
                f"{kind} / report",
                ("report", str(report), "--out", str(reports / f"{report.name}.html")),
                must,
                mode,
            )
            yield Case("results", f"{kind} / sensitivity", ("sensitivity", str(sensitivity)), must, mode)
            yield Case(
                "results",
                f"{kind} / compare",
                ("compare", str(reference), str(compare), "--out", str(reports / f"{compare.name}.html")),
                must,
                mode,
            )
            resume_mode = "one_line" if group is refuse else "repair"
            yield Case(
                "results",
                f"{kind} / --resume",
                (*sweep, "--out", str(resume), "--resume"),
                group is refuse,
                resume_mode,
                str(reference),
            )
    yield Case("results", "run folder given to sensitivity", ("sensitivity", str(run)), True, "one_line")
    yield Case(
        "results", "run folder given to --resume", (*sweep, "--out", str(run), "--resume"), True, "one_line"
    )
    yield Case(
        "results",
        "backtest folder given to compare",
        ("compare", str(reference), str(space.root)),
        True,
        "one_line",
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


GROUPS: dict[str, Callable[[Workspace, random.Random, int], Iterator[Case]]] = {
    "scenario": scenario_cases,
    "evidence": evidence_cases,
    "table": table_cases,
    "case": backtest_cases,
    "results": results_cases,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-class", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--verbose", action="store_true", help="print every case that is not refused")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="dipsim-robustness-") as folder:
        os.chdir(folder)
        space = Workspace(Path(folder))
        cases = [
            case for group in args.groups.split(",") for case in GROUPS[group](space, rng, args.per_class)
        ]
        runner = Runner(args.timeout)
        tally: Counter[tuple[str, str]] = Counter()
        verdicts: Counter[str] = Counter()
        started = time.perf_counter()
        try:
            for case in cases:
                verdict, message = runner.run(case)
                tally[(f"{case.group}: {case.kind}", verdict)] += 1
                verdicts[verdict] += 1
                if args.verbose and verdict not in ("refused", "accepted"):
                    print(f"  {verdict:<10} {case.group}/{case.kind}: {' '.join(case.argv)}\n    {message}")
        finally:
            runner.close()
        kinds = sorted({kind for kind, _ in tally})
        columns = ("refused", "repaired", "accepted", "traceback", "hang", "memory", "silent", "unlocated")
        print(f"{len(cases)} malformed inputs (seed {args.seed}), {time.perf_counter() - started:.0f} s")
        print(f"{'class':<52}" + "".join(f"{c:>10}" for c in columns))
        for kind in kinds:
            print(f"{kind[:51]:<52}" + "".join(f"{tally[(kind, c)] or '':>10}" for c in columns))
        print(f"{'total':<52}" + "".join(f"{verdicts[c]:>10}" for c in columns))
    failures = sum(verdicts[c] for c in ("traceback", "hang", "memory", "silent", "unlocated"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
