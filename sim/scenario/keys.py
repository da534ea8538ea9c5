"""The one name for a number in a scenario: its path in the file, as a value type.

Every numeric parameter a run draws, an evidence file calibrates, a sweep
samples or a figure labels is a :class:`ParameterKey`. Its text form is the
dotted path of the number in the scenario document, so it reads the same
everywhere and points at the line that sets it::

    actors.Israel.capability
    actors.Israel.stances.enrichment.salience
    actors.Israel.red_lines.0.above          (or .below: the side the red line is drawn on)
    actors.Israel.red_lines.0.probability
    actors.Israel.outside_option.hazard
    actors.Israel.outside_option.rises_with.0.ratio
    actors.Iran.tracks.nuclear_progress.initial  (or .rate)
    events.strike.probability
    protocol.noise
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PathKey = tuple[str | int, ...]
Kind = Literal[
    "capability",
    "patience",
    "risk",
    "reservation",
    "position",
    "salience",
    "threshold",
    "probability",
    "ratio",
    "level",
    "rate",
    "setting",
]
ACTOR_SCALARS = ("capability", "patience", "risk", "reservation")
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_GRAMMAR = re.compile(
    rf"^(?:actors\.(?P<actor>{_ID})\.(?:(?P<scalar>capability|patience|risk|reservation|deadline_believed)"
    rf"|stances\.(?P<issue>{_ID})\.(?P<stance>position|salience)"
    rf"|red_lines\.(?P<line>\d+)\.(?P<field>above|below|probability)"
    rf"|outside_option\.(?:hazard|rises_with\.\d+\.ratio)"
    rf"|tracks\.{_ID}\.(?:initial|rate))"
    rf"|events\.(?P<event>{_ID})\.probability"
    rf"|protocol\.(?P<setting>[a-z_]+))$"
)


@dataclass(frozen=True, order=True)
class ParameterKey:
    """One numeric parameter of a scenario, addressed by its path in the document."""

    path: PathKey

    @classmethod
    def parse(cls, text: str) -> ParameterKey:
        """The key a dotted path names; ValueError if the path is no numeric parameter."""
        if _GRAMMAR.match(text) is None:
            raise ValueError(
                f"{text!r} is not a parameter: use "
                "actors.<id>.capability|patience|risk|reservation|deadline_believed, "
                "actors.<id>.stances.<issue>.position|salience, "
                "actors.<id>.red_lines.<n>.above|below|probability, actors.<id>.outside_option.hazard, "
                "actors.<id>.outside_option.rises_with.<n>.ratio, actors.<id>.tracks.<track>.initial|rate, "
                "events.<id>.probability or protocol.<setting>"
            )
        return cls(tuple(int(part) if part.isdigit() else part for part in text.split(".")))

    @classmethod
    def of_actor(cls, actor: str, relative: str) -> ParameterKey:
        """An evidence file's key (``stances.enrichment.position``) under the actor it belongs to."""
        return cls.parse(f"actors.{actor}.{relative}")

    def __str__(self) -> str:
        return ".".join(str(part) for part in self.path)

    # --- what the key addresses ----------------------------------------------------------

    @property
    def actor(self) -> str | None:
        return str(self.path[1]) if self.path[0] == "actors" else None

    @property
    def issue(self) -> str | None:
        return str(self.path[3]) if self.path[0] == "actors" and self.path[2] == "stances" else None

    @property
    def line(self) -> int | None:
        return int(self.path[3]) if self.path[0] == "actors" and self.path[2] == "red_lines" else None

    @property
    def track(self) -> str | None:
        return str(self.path[3]) if self.path[0] == "actors" and self.path[2] == "tracks" else None

    @property
    def covariate(self) -> int | None:
        """The covariate's number, for an outside option's hazard ratio."""
        if self.path[0] == "actors" and self.path[2:4] == ("outside_option", "rises_with"):
            return int(self.path[4])
        return None

    @property
    def field(self) -> str:
        return str(self.path[-1])

    @property
    def relative(self) -> str:
        """The key below its actor, as evidence files write it (``red_lines.0.above``)."""
        return ".".join(str(part) for part in self.path[2:]) if self.actor is not None else str(self)

    @property
    def kind(self) -> Kind:
        """What sort of number it is: the evidence file's coding rules are per kind."""
        if self.path[0] == "protocol":
            return "setting"
        if self.path[0] == "events" or self.field in ("probability", "hazard", "deadline_believed"):
            return "probability"
        if self.field in ("above", "below"):
            return "threshold"
        if self.field == "initial":
            return "level"
        return self.field  # type: ignore[return-value]
