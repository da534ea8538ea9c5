"""The contract every protocol keeps, checked for each registered protocol over generated scenarios.

Learned from Axelrod's ``TestPlayer``: one base class states what any
mechanism must do, and every protocol's test class inherits it, so a new
protocol is tested the moment it is registered (the last test fails if one
has no contract class). The scenarios are hypothesis-generated
(tests/strategies.py), with the protocol swapped in; none of the expected
values comes from the engine itself: they are properties of any correct run.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.outcomes import Status
from sim.protocols import PROTOCOLS, build_model
from sim.scenario import Scenario
from sim.scenario.parameters import uncertain_keys
from sim.scenario.protocols import PROTOCOL_NAMES, REGISTRY
from tests.strategies import scenarios

ROOT = Path(__file__).resolve().parent.parent
# Each protocol's class runs the same inherited methods: that is the point of a contract, so
# hypothesis's warning about one test run from several classes does not apply.
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
REPLICATES = 5
SIGNED = {"deal", "stalemate", "breakdown", "escalation"}
FORECAST = {"forecast", "breakdown", "escalation"}  # an event may still end a forecasting model's talks


def _same(first: pd.DataFrame, second: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(first, second, check_exact=True)


class ProtocolContract:
    protocol: ClassVar[str]

    def under_protocol(self, scenario: Scenario) -> Scenario:
        if scenario.protocol.name == self.protocol:
            return scenario
        return scenario.model_copy(update={"protocol": REGISTRY[self.protocol]()})

    def model(self, scenario: Scenario, seed: int):
        scenario = self.under_protocol(scenario)
        points = np.random.default_rng(seed).random((REPLICATES, len(uncertain_keys(scenario))))
        return build_model(scenario, replicates=REPLICATES, seed=seed, unit_points=points)

    # --- what it declares ----------------------------------------------------------------

    def test_declares_its_settings_citation_and_has_a_section_in_the_model_docs(self) -> None:
        implementation = PROTOCOLS[self.protocol]
        assert implementation.settings is REGISTRY[self.protocol]
        assert implementation.name == self.protocol
        assert len(implementation.citation) > 10 and re.search(r"\d{4}", implementation.citation)
        docs = (ROOT / "docs" / "model.md").read_text()
        headings = [line for line in docs.splitlines() if line.startswith("#")]
        assert any(f"`{self.protocol}`" in line for line in headings), "no docs/model.md heading names it"

    # --- what it does ----------------------------------------------------------------------

    @EXAMPLES
    @given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
    def test_finished_replicates_stay_untouched_and_texts_stay_in_bounds(
        self, scenario: Scenario, seed: int
    ) -> None:
        model = self.model(scenario, seed)
        state = model.state
        follows_agenda = PROTOCOLS[self.protocol].settings.follows_agenda
        while model.running:
            done = ~state.active()
            frozen = (
                state.text[done].copy(),
                state.settled_text[done].copy(),
                state.ended_step[done].copy(),
                state.ended_by[done].copy(),
                [agent.position[done].copy() for agent in model.actors],
            )
            slot = model.layout.calendar[model.steps]
            text_before = state.text.copy()
            model.step()
            assert np.array_equal(state.text[done], frozen[0])
            assert np.array_equal(state.settled_text[done], frozen[1], equal_nan=True)
            assert np.array_equal(state.ended_step[done], frozen[2])
            assert np.array_equal(state.ended_by[done], frozen[3])
            for agent, position in zip(model.actors, frozen[4], strict=True):
                assert np.array_equal(agent.position[done], position)
            assert (state.text >= -1e-12).all() and (state.text <= 1 + 1e-12).all()
            if follows_agenda:
                off = ~model.layout.agendas[slot.round_id]
                assert np.array_equal(state.text[:, off], text_before[:, off])
        assert not state.active().any()

    @EXAMPLES
    @given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
    def test_logs_only_live_replicates_and_ends_in_its_declared_statuses(
        self, scenario: Scenario, seed: int
    ) -> None:
        tables = self.model(scenario, seed).run()
        outcomes = tables.outcomes.to_pandas()
        ended = outcomes.set_index("replicate").exchanges
        for name in ("rounds", "texts", "events"):
            rows = getattr(tables, name).to_pandas()
            assert (rows.step.to_numpy() <= ended.loc[rows.replicate].to_numpy()).all(), name
        allowed = FORECAST if PROTOCOLS[self.protocol].forecasts else SIGNED
        assert set(outcomes.outcome) <= allowed
        assert Status.ACTIVE.label not in set(outcomes.outcome)
        settled = outcomes.outcome.isin(["deal", "forecast"])
        for issue_id, issue in self.under_protocol(scenario).issues.items():
            low, high = issue.bounds
            assert outcomes.loc[settled, issue_id].between(low - 1e-9, high + 1e-9).all()
            assert outcomes.loc[~settled, issue_id].isna().all()

    @EXAMPLES
    @given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1), steps=st.integers(0, 4))
    def test_a_model_pickled_mid_run_continues_identically(
        self, scenario: Scenario, seed: int, steps: int
    ) -> None:
        model = self.model(scenario, seed)
        for _ in range(steps):
            if model.running:
                model.step()
        clone = pickle.loads(pickle.dumps(model))
        original, copied = model.run(), clone.run()
        for name in ("rounds", "texts", "events", "outcomes"):
            _same(getattr(original, name).to_pandas(), getattr(copied, name).to_pandas())

    @EXAMPLES
    @given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
    def test_the_same_seed_gives_the_same_run(self, scenario: Scenario, seed: int) -> None:
        first, second = self.model(scenario, seed).run(), self.model(scenario, seed).run()
        for name in ("rounds", "texts", "events", "outcomes"):
            _same(getattr(first, name).to_pandas(), getattr(second, name).to_pandas())


class TestSingleText(ProtocolContract):
    protocol = "single_text"


class TestExpectedUtility(ProtocolContract):
    protocol = "expected_utility"


class TestCompromise(ProtocolContract):
    protocol = "compromise"


class TestWeightedMedian(ProtocolContract):
    protocol = "weighted_median"


class TestNash(ProtocolContract):
    protocol = "nash"


class TestSmp(ProtocolContract):
    protocol = "smp"


def test_every_registered_protocol_has_a_contract_class():
    covered = {cls.protocol for cls in ProtocolContract.__subclasses__()}
    assert covered == set(PROTOCOL_NAMES) == set(PROTOCOLS)
