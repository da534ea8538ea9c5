"""The whole import: read, convert, render, then load the YAML through the real loader and compare.

An import that does not validate, or that loads back to different numbers,
is reported instead of written.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sim.importer.convert import Draft, build_draft
from sim.importer.errors import ImportBugError, TableError
from sim.importer.options import Options
from sim.importer.render import render
from sim.importer.tables import read_table
from sim.scenario import LoadedScenario, ScenarioError, load_scenario, resolved

# --------------------------------------------------------------------------- the whole import


def import_table(path: Path, options: Options) -> tuple[str, LoadedScenario]:
    """Read, convert, render, then load the YAML through the real loader and compare it to the draft."""
    table = read_table(path)
    draft = build_draft(table, options)
    text = render(draft)
    return text, _validated(text, draft, options)


def _validated(text: str, draft: Draft, options: Options) -> LoadedScenario:
    with tempfile.TemporaryDirectory(prefix="dipsim-import-") as folder:
        path = Path(folder) / f"{draft.data['name']}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = load_scenario(path)
        except ScenarioError as error:
            if all(p.path[:1] == ("protocol",) for p in error.problems):
                messages = "; ".join(p.message for p in error.problems)
                raise TableError(f"--protocol {options.protocol}: {messages}") from None
            details = "\n".join(f"  {p}" for p in error.problems)
            raise ImportBugError(
                "internal error: the generated scenario does not validate (a bug in dipsim import):\n"
                + details
            ) from None
    differences = _differences(draft.data, resolved(loaded.scenario), ())
    if differences:
        raise ImportBugError(
            "internal error: the generated scenario loads back different from the table (a bug in dipsim "
            "import):\n" + "\n".join(f"  {d}" for d in differences)
        )
    return loaded


def _differences(expected: Any, actual: Any, path: tuple[str, ...]) -> list[str]:
    """Every place where the loaded scenario differs from what was meant to be written."""
    where = ".".join(path) or "<document>"
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) - set(actual):
            return [f"{where}: expected keys {list(expected)}, got {actual!r}"]
        order = [k for k in actual if k in expected]
        found = [] if order == list(expected) else [f"{where}: order {order} != {list(expected)}"]
        for key, value in expected.items():
            found += _differences(value, actual.get(key), (*path, key))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [d for i, v in enumerate(expected) for d in _differences(v, actual[i], (*path, str(i)))]
    if type(expected) is float and (type(actual) is not float or expected != actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]
