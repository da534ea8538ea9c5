"""Bargaining protocols: each one runs one exchange of a round on a NegotiationModel.

One scenario schema, several mechanisms: a protocol reads the model's agents
and text and applies their answers. New protocols register here by name.
"""

from __future__ import annotations

from sim.protocols.base import Protocol
from sim.protocols.forecasts import (
    CompromiseProtocol,
    ExpectedUtilityProtocol,
    NashProtocol,
    WeightedMedianProtocol,
)
from sim.protocols.single_text import SingleTextProtocol

PROTOCOLS: dict[str, type[Protocol]] = {
    protocol.name: protocol
    for protocol in (
        SingleTextProtocol,
        ExpectedUtilityProtocol,
        CompromiseProtocol,
        WeightedMedianProtocol,
        NashProtocol,
    )
}


def protocol_named(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]()
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise ValueError(f"unknown protocol {name!r} (known: {known})") from None


__all__ = ["PROTOCOLS", "Protocol", "protocol_named"]
