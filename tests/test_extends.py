"""`extends:` deep-merges a variant onto its base, and the shipped variants stay small."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.scenario import load_scenario
from sim.scenario.distributions import Triangular, Uniform
from tests.conftest import MINIMAL, SCENARIOS


def test_mapping_keys_merge_and_scalars_replace(write_scenario):
    write_scenario(MINIMAL, "base.yaml")
    variant = write_scenario("extends: base.yaml\nname: v\nactors:\n  B:\n    patience: 0.9\n", "v.yaml")
    scenario = load_scenario(variant).scenario
    assert scenario.name == "v"
    assert scenario.actors["B"].patience == 0.9
    assert scenario.actors["B"].capability == 0.5  # untouched keys survive
    assert scenario.actors["B"].stances["cap"].position == 100


def test_a_distribution_replaces_the_base_value_whole(write_scenario):
    base = MINIMAL.replace("capability: 0.5", "capability: {dist: uniform, low: 0.2, high: 0.8}")
    write_scenario(base, "base.yaml")
    variant = write_scenario(
        "extends: base.yaml\nname: v\nactors:\n  B:\n"
        "    capability: {dist: triangular, low: 0.1, mode: 0.3, high: 0.9}\n",
        "v.yaml",
    )
    capability = load_scenario(variant).scenario.actors["B"].capability
    assert isinstance(capability, Triangular)
    assert (capability.low, capability.mode, capability.high) == (0.1, 0.3, 0.9)


def test_null_deletes_and_lists_replace(write_scenario):
    base = MINIMAL + "events:\n  e1:\n    at: {round: only}\n    effects: [{end_talks: breakdown}]\n"
    write_scenario(base, "base.yaml")
    variant = write_scenario(
        "extends: base.yaml\nname: v\nevents:\n  e1: null\nrounds:\n  only:\n    agenda: [cap]\n"
        "    exchanges: 5\n",
        "v.yaml",
    )
    scenario = load_scenario(variant).scenario
    assert scenario.events == {}
    assert scenario.rounds["only"].exchanges == 5
    assert scenario.rounds["only"].venue == "Somewhere"


def test_sha_covers_every_file_read(write_scenario):
    base_path = write_scenario(MINIMAL, "base.yaml")
    variant = write_scenario("extends: base.yaml\nname: v\n", "v.yaml")
    before = load_scenario(variant)
    assert set(before.files) == {str(base_path), str(variant)}
    base_path.write_text(MINIMAL.replace("capability: 0.5", "capability: 0.4"))
    assert load_scenario(variant).sha256 != before.sha256


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    load_scenario(path)


def test_at_least_three_shipped_variants_extend_the_default():
    variants = [p for p in SCENARIOS.glob("*.yaml") if "extends: iran_talks.yaml" in p.read_text()]
    assert len(variants) >= 3


def test_models_are_frozen():
    scenario = load_scenario(SCENARIOS / "iran_talks.yaml").scenario
    with pytest.raises(ValidationError):
        scenario.name = "changed"
    with pytest.raises(ValidationError):
        scenario.actors["US"].capability = 0.1
    assert isinstance(scenario.actors["US"].reservation, Uniform)


def test_a_protocol_block_naming_another_protocol_replaces_the_base_block(write_scenario):
    """The base's settings belong to its protocol: switching protocol in a variant starts afresh,
    while the same protocol's block still merges key by key."""
    write_scenario(MINIMAL + "protocol: {name: single_text, grid: 31, noise: 0.0}\n", "base.yaml")
    switched = write_scenario(
        "extends: base.yaml\nname: switched\nprotocol: {name: smp, quiet_ratio: 0.05}\n"
    )
    protocol = load_scenario(switched).scenario.protocol
    assert protocol.name == "smp" and protocol.quiet_ratio == 0.05 and protocol.voting_rule == "proportional"
    tuned = write_scenario(
        "extends: base.yaml\nname: tuned\nprotocol: {name: single_text, noise: 0.01}\n", "t.yaml"
    )
    kept = load_scenario(tuned).scenario.protocol
    assert (kept.grid, kept.noise) == (31, 0.01)
