"""Bargaining protocols: each one runs one exchange of a round on a NegotiationModel.

One scenario schema, several mechanisms: a protocol reads the model's agents
and text and applies their answers. New protocols register here by name.
"""

from __future__ import annotations

import numpy as np

from sim.engine.model import NegotiationModel
from sim.protocols.base import Protocol
from sim.protocols.forecasts import (
    CompromiseProtocol,
    ExpectedUtilityProtocol,
    NashProtocol,
    WeightedMedianProtocol,
)
from sim.protocols.single_text import SingleTextProtocol
from sim.scenario.schema import Scenario

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


def build_model(
    scenario: Scenario,
    *,
    replicates: int = 1,
    seed: int | np.random.SeedSequence = 0,
    unit_points: np.ndarray | None = None,
    record: bool = True,
) -> NegotiationModel:
    """The Mesa model of a scenario under the protocol the scenario names."""
    return NegotiationModel(
        scenario,
        protocol_named(scenario.protocol.name),
        replicates=replicates,
        seed=seed,
        unit_points=unit_points,
        record=record,
    )


__all__ = ["PROTOCOLS", "Protocol", "build_model", "protocol_named"]
