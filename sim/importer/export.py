"""Back to a table: one issue of a loaded scenario as the standard CSV (for round trips)."""

from __future__ import annotations

import csv
import io

from sim.importer.options import identifier
from sim.scenario import LoadedScenario
from sim.scenario.distributions import is_uncertain

# --------------------------------------------------------------------------- back to a table


def export_table(loaded: LoadedScenario, issue: str) -> str:
    """The standard CSV of one issue from a loaded scenario, capabilities as stored.

    Every actor with a stance on the issue is written (roles are not part of
    the table). The Actor column holds the display name when the import would
    turn it back into the same id; otherwise it holds the id and a Name
    column keeps the display name, so that import -> export -> import is exact.
    """
    scenario = loaded.scenario
    if issue not in scenario.issues:
        raise ValueError(
            f"no issue {issue!r} in scenario {scenario.name!r} (known: {', '.join(scenario.issues)})"
        )
    rows = []
    for actor_id, actor in scenario.actors.items():
        stance = actor.stances.get(issue)
        if stance is None:
            continue
        values = {"capability": actor.capability, "position": stance.position, "salience": stance.salience}
        uncertain = [key for key, value in values.items() if is_uncertain(value)]
        if uncertain:
            raise ValueError(
                f"actor {actor_id!r}: {', '.join(uncertain)} is a distribution; "
                "a table holds plain numbers only"
            )
        rows.append((actor_id, actor.name, *(float(v) for v in values.values())))
    with_names = any(identifier(name, "actor") != actor_id for actor_id, name, *_ in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Actor", "Name", *STANDARD_HEADER[1:]] if with_names else STANDARD_HEADER)
    for actor_id, name, *numbers in rows:
        cells = [actor_id, name] if with_names else [name]
        writer.writerow([*cells, *(repr(n) for n in numbers)])
    return buffer.getvalue()


STANDARD_HEADER = ["Actor", "Capability", "Position", "Salience"]
