"""Write the scenario as YAML with an emitter we control: every float round-trips, every string is quoted."""

from __future__ import annotations

import textwrap

from sim.importer.convert import Draft

# --------------------------------------------------------------------------- YAML


def render(draft: Draft) -> str:
    """The YAML text. Written by hand so that floats are repr-exact and comments sit where they help."""
    data = draft.data
    lines = [f"# {line}".rstrip() for line in draft.header]
    lines += [f"name: {quote(data['name'])}", *_text_field("description", data["description"])]
    lines += [f"sources: [{', '.join(quote(s) for s in data['sources'])}]", ""]
    protocol = data["protocol"]
    extra = "".join(f", {key}: {number(value)}" for key, value in protocol.items() if key != "name")
    lines += [f"protocol: {{name: {quote(protocol['name'])}{extra}}}", "", "issues:"]
    for issue_id, issue in data["issues"].items():
        low, high = issue["bounds"]
        lines += [
            f"  {issue_id}:",
            f"    label: {quote(issue['label'])}",
            f"    unit: {quote(issue['unit'])}",
            f"    bounds: [{number(low)}, {number(high)}]  # {draft.bounds_notes[issue_id]}",
            f"    status_quo: {number(issue['status_quo'])}  # {draft.status_quo_notes[issue_id]}",
        ]
    lines += [
        "",
        "# capability = the table's capability / its largest (see the header): the schema wants 0-1,",
        "# and the forecasting models use capability only in ratios. Every actor is a principal.",
        "actors:",
    ]
    for actor_id, actor in data["actors"].items():
        lines += [
            f"  {actor_id}:",
            f"    name: {quote(actor['name'])}",
            f"    role: {actor['role']}",
            f"    capability: {number(actor['capability'])}",
            "    stances:",
        ]
        for issue_id, stance in actor["stances"].items():
            lines.append(
                f"      {issue_id}: {{position: {number(stance['position'])}, "
                f"salience: {number(stance['salience'])}}}"
            )
        if "note" in actor:
            lines.append(f"    note: {quote(actor['note'])}")
    lines += ["", "rounds:"]
    for round_id, spec in data["rounds"].items():
        lines += [
            f"  {round_id}:",
            f"    venue: {quote(spec['venue'])}",
            f"    format: {spec['format']}  # no mediator: the actors bargain directly",
            f"    agenda: [{', '.join(spec['agenda'])}]",
            f"    exchanges: {spec['exchanges']}",
        ]
    return "\n".join(lines) + "\n"


def number(value: float) -> str:
    """repr() round-trips a float exactly; YAML 1.1 also needs a '.' in '1e-05' to read it as a float."""
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def _printable(char: str) -> bool:
    """Characters PyYAML reads literally inside a double-quoted scalar (no line breaks, no BOM)."""
    code = ord(char)
    return (
        0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def quote(text: str) -> str:
    """A double-quoted YAML scalar: nothing in a name or label can be read as YAML syntax."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02X}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(f"\\U{ord(char):08X}")
    return '"' + "".join(out) + '"'


def _text_field(key: str, text: str) -> list[str]:
    """Long prose as a folded block, when folding gives back exactly the same text; else quoted."""
    lines = textwrap.wrap(text, width=96, break_long_words=False, break_on_hyphens=False)
    foldable = (
        len(text) > 80
        and all(_printable(c) for c in text)
        and "  " not in text
        and text == text.strip()
        and " ".join(lines) == text
    )
    if not foldable:
        return [f"{key}: {quote(text)}"]
    return [f"{key}: >-", *(f"  {line}" for line in lines)]
