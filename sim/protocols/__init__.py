"""Bargaining protocols: each one runs one exchange of a round on a NegotiationModel.

One scenario schema, several mechanisms: a protocol reads the batch through the World view
and applies the agents' answers to the talks' state. A protocol is declared in
sim.scenario.protocols and implemented in a module imported here.
"""

from __future__ import annotations

import numpy as np

from sim.engine.model import NegotiationModel
from sim.protocols import forecasts, single_text, smp
from sim.protocols.base import IMPLEMENTATIONS, Protocol
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.scenario.schema import Scenario

# Defining a protocol class registers it (Protocol.__init_subclass__); these imports define them all.
PROTOCOLS: dict[str, type[Protocol]] = {name: IMPLEMENTATIONS[name] for name in PROTOCOL_NAMES}
MODULES = (single_text, forecasts, smp)


def protocol_named(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]()
    except KeyError:
        known = ", ".join(PROTOCOLS)
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
