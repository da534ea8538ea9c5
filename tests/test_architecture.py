"""The layout shows the flow, and the code keeps to it: checked from the source, not from a drawing.

scenario -> solvers -> engine -> protocols -> experiments -> store -> report -> cli, with importer/ and
calibration/ beside them. The import graph is read with ``ast`` from every module, counting imports
inside functions and under ``TYPE_CHECKING``: there is no cycle, and no package imports one it may
not. Modules stay small enough to read in one sitting.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sim"
# What each part of sim/ may import (besides itself and the root `sim` for __version__).
ALLOWED = {
    "errors": set(),
    "terminal": set(),
    "text_input": {"errors"},
    "scenario": {"errors", "text_input"},
    "solvers": set(),
    "engine": {"scenario", "solvers"},
    "protocols": {"engine", "scenario", "solvers"},
    "store": {"engine", "scenario", "errors", "text_input"},
    "experiments": {
        "protocols",
        "engine",
        "scenario",
        "solvers",
        "store",
        "errors",
        "terminal",
        "text_input",
    },
    "report": {"store", "engine", "scenario", "experiments", "errors", "terminal"},
    "importer": {"scenario", "store", "errors", "text_input"},
    "calibration": {"scenario"},
    "explore": {"scenario", "engine", "experiments", "store", "report", "errors"},
    "cli": {
        name
        for name in (
            "scenario",
            "engine",
            "protocols",
            "experiments",
            "store",
            "report",
            "importer",
            "calibration",
            "explore",
            "errors",
            "terminal",
            "text_input",
        )
    },
    "__main__": {"cli"},
}
MAX_LINES = 450


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("sim"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                targets.add(sub if sub in known else node.module)
        elif isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names if alias.name.startswith("sim")}
    return targets


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_no_import_cycle_even_counting_type_checking_and_local_imports():
    known = modules()
    graph = {name: imports(path, known) & set(known) for name, path in known.items()}
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            assert state.get(target) != 1, "import cycle: " + " -> ".join([*path, node, target])
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_each_part_imports_only_what_the_flow_allows():
    known = modules()
    wrong = []
    for name, path in known.items():
        if name == "sim":
            continue
        mine = part(name)
        for target in imports(path, known):
            theirs = part(target)
            if target != "sim" and theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_modules_stay_readable():
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_readme_lists_every_module_of_the_layout():
    readme = (ROOT / "README.md").read_text()
    missing = [str(p.relative_to(ROOT)) for p in sorted(PACKAGE.rglob("*.py"))
               if p.name != "__init__.py" and str(p.relative_to(PACKAGE)) not in readme]  # fmt: skip
    assert missing == []
