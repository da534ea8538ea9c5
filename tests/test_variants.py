"""Each Iran variant moves the outcome the way its sources imply, beyond Monte Carlo noise.

Every variant file states in its header the direction it expects; these tests
check those directions on 2,000 sampled replicates (seed 1), with 95 % Wilson
score intervals (Wilson 1927; computed by scipy) that must not overlap. They
are directional oracles, not golden values: no share is pinned, and a failure
means the model or the variant is wrong (docs/model.md section 9 says what each
variant tests). The interim-freeze variant's direction is too small to separate
at this size (its header says why); its mechanism is checked instead.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from sim.experiments.run import RunSettings, run_scenario
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

REPLICATES = 2000
SETTINGS = RunSettings(seed=1, replicates=REPLICATES, sample=True)


@cache
def outcomes(name: str) -> pd.DataFrame:
    tables, _ = run_scenario(load_scenario(SCENARIOS / f"{name}.yaml"), SETTINGS)
    return tables.outcomes.to_pandas()


def wilson(hits: int, total: int) -> tuple[float, float]:
    interval = binomtest(hits, total).proportion_ci(confidence_level=0.95, method="wilson")
    return interval.low, interval.high


def share_interval(frame: pd.DataFrame, mask: pd.Series) -> tuple[float, float]:
    return wilson(int(mask.sum()), len(frame))


def assert_below(lower_name: str, higher_name: str, event) -> None:
    """The first scenario's 95 % interval lies wholly below the second's."""
    low_frame, high_frame = outcomes(lower_name), outcomes(higher_name)
    below = share_interval(low_frame, event(low_frame))
    above = share_interval(high_frame, event(high_frame))
    assert below[1] < above[0], f"{lower_name} {below} should lie below {higher_name} {above}"


def test_dismantlement_makes_a_deal_less_likely():
    """The US will not sign any enrichment, Tehran will not sign zero: P(deal) falls."""
    assert_below("iran_talks_dismantlement", "iran_talks", lambda o: o.outcome == "deal")


def test_restraining_israel_makes_escalation_less_likely():
    assert_below("iran_talks_israel_restrained", "iran_talks", lambda o: o.outcome == "escalation")


def test_a_us_deadline_makes_breakdown_more_likely():
    """Where Tehran does not believe the deadline, the US walks out at the end of round 2."""
    assert_below("iran_talks", "iran_talks_us_deadline", lambda o: o.outcome == "breakdown")


def test_a_us_deadline_brings_deals_forward_the_deadline_effect():
    """Where Tehran believes it, both concession clocks run to it: deals by the end of round 2 rise."""
    assert_below("iran_talks", "iran_talks_us_deadline", lambda o: (o.outcome == "deal") & (o["round"] <= 2))


def test_escalation_happens_during_the_talks_in_the_default_scenario():
    """Israel's outside option fires while the talks go on, before anyone signs; its red line after."""
    frame = outcomes("iran_talks")
    during = frame[(frame.outcome == "escalation") & ~frame.signed]
    after = frame[(frame.outcome == "escalation") & frame.signed]
    assert share_interval(frame, (frame.outcome == "escalation") & ~frame.signed)[0] > 0
    assert set(during.cause) == {"outside_option:Israel"}
    assert set(after.cause) == {"red_line:Israel:0"}
    assert (frame.signed == (frame.outcome == "deal") | frame.cause.str.startswith("red_line")).all()


def test_the_interim_freeze_stops_the_stock_from_the_european_round():
    """The stock grows by its drawn rate every exchange of Muscat, then not at all."""
    settings = RunSettings(seed=3, replicates=20, sample=True)
    tables, _ = run_scenario(load_scenario(SCENARIOS / "iran_talks_interim_freeze.yaml"), settings)
    texts = tables.texts.to_pandas()
    samples = tables.samples.to_pandas().set_index("replicate")
    rate = samples["actors.Iran.tracks.heu_stock.rate"]
    initial = samples["actors.Iran.tracks.heu_stock.initial"]
    for replicate, path in texts.groupby("replicate"):
        stock = path.sort_values("step").set_index("step").track_heu_stock
        expected_muscat = initial[replicate] + rate[replicate] * (stock.index[stock.index <= 3] - 1)
        np.testing.assert_allclose(stock[stock.index <= 3], expected_muscat, rtol=1e-12)
        assert (stock[stock.index >= 3] == stock[3]).all()


@pytest.mark.parametrize(
    "variant",
    sorted(path.stem for path in SCENARIOS.glob("iran_talks_*.yaml")),
)
def test_every_variant_states_the_direction_it_expects(variant):
    lines = (SCENARIOS / f"{variant}.yaml").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert any("Expected direction" in line for line in header), variant
