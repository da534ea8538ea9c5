"""Hypothesis strategies shared by the invariant and protocol-contract tests: random valid scenarios."""

from __future__ import annotations

from hypothesis import strategies as st

from sim.scenario import Scenario

unit = st.floats(0.0, 1.0)
signed = st.floats(-1.0, 1.0)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    issue_count = draw(st.integers(1, 3))
    issues = {}
    for n in range(issue_count):
        low = draw(st.floats(-100, 100))
        width = draw(st.floats(1, 1000))
        issues[f"i{n}"] = {
            "label": f"Issue {n}",
            "unit": "u",
            "bounds": [low, low + width],
            "status_quo": low + width * draw(unit),
        }

    def position(issue: dict) -> float | dict:
        low, high = issue["bounds"]
        if draw(st.booleans()):
            return low + (high - low) * draw(unit)
        return {"dist": "uniform", "low": low, "high": high}

    def stances(issue_ids: list[str]) -> dict:
        return {
            i: {"position": position(issues[i]), "salience": draw(st.floats(0.05, 1.0))} for i in issue_ids
        }

    round_count = draw(st.integers(1, 3))
    round_ids = [f"r{n}" for n in range(round_count)]
    actors = {}
    principal_count = draw(st.integers(2, 3))
    for n in range(principal_count):
        red_lines = []
        if draw(st.booleans()):
            issue_id = draw(st.sampled_from(list(issues)))
            low, high = issues[issue_id]["bounds"]
            side = draw(st.sampled_from(["above", "below"]))
            action = draw(st.sampled_from(["reject", "walk_out", "escalate"]))
            conditional = (
                {"trigger": draw(st.sampled_from(["deal", "text"])), "probability": draw(unit)}
                if action != "reject"
                else {}
            )
            at = low + (high - low) * draw(unit)
            threshold = (
                at if draw(st.booleans()) else {"dist": "uniform", "low": low, "high": max(at, low + 1e-6)}
            )
            red_lines.append({"issue": issue_id, side: threshold, "action": action} | conditional)
        actors[f"P{n}"] = {
            "name": f"Principal {n}",
            "role": "principal",
            "capability": draw(st.floats(0.01, 1.0)),
            "patience": draw(unit),
            "risk": draw(signed),
            "reservation": draw(st.floats(0.0, 0.9)),
            "deadline": draw(st.one_of(st.none(), st.sampled_from(round_ids))),
            "stances": stances(list(issues)),
            "red_lines": red_lines,
        }
    for n in range(draw(st.integers(0, 2))):
        chosen = draw(st.lists(st.sampled_from(list(issues)), min_size=1, unique=True))
        actors[f"K{n}"] = {
            "name": f"Influencer {n}",
            "role": "influencer",
            "capability": draw(unit),
            "stances": stances(chosen),
            "red_lines": [
                {
                    "issue": chosen[0],
                    "above": issues[chosen[0]]["bounds"][0],
                    "action": "escalate",
                    "probability": draw(unit),
                }
            ]
            if draw(st.booleans())
            else [],
        }
    actors["M"] = {"name": "Mediator", "role": "mediator", "capability": 0.1}
    rounds = {
        round_id: {
            "venue": "v",
            "format": (fmt := draw(st.sampled_from(["indirect", "direct"]))),
            **({"mediator": "M"} if fmt == "indirect" else {}),
            "agenda": draw(st.lists(st.sampled_from(list(issues)), min_size=1, unique=True)),
            "exchanges": draw(st.integers(1, 4)),
        }
        for round_id in round_ids
    }
    events = {}
    if draw(st.booleans()):
        issue_id = draw(st.sampled_from(list(issues)))
        low, high = issues[issue_id]["bounds"]
        events["shock"] = {
            "when": {"text": {"issue": issue_id, "above": low + (high - low) * draw(unit)}},
            "probability": draw(unit),
            "effects": [{"end_talks": draw(st.sampled_from(["breakdown", "escalation"])), "actor": "P0"}],
        }
    return Scenario.model_validate(
        {
            "name": "generated",
            "protocol": {"noise": draw(st.floats(0, 0.2)), "pressure_rate": draw(unit), "grid": 7},
            "issues": issues,
            "actors": actors,
            "rounds": rounds,
            "deadline": draw(st.sampled_from(round_ids)),
            "events": events,
        }
    )
