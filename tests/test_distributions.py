"""Uncertain numbers: each family's inverse CDF is scipy.stats' own, to the last bit.

scipy.stats is the oracle. Triangular is written out in closed form (so that
loading a scenario does not import scipy.stats) and must equal
``scipy.stats.triang`` exactly, at the edges 0 and 1 too; the others call scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.scenario.distributions import Beta, Triangular, TruncNormal, Uniform

QUANTILES = np.concatenate([[0.0, 1e-300, 1e-9, 0.5, 1 - 1e-16, 1.0], np.random.default_rng(0).random(2000)])


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(1e-6, 1e6),
    where=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0),
)
def test_triangular_equals_scipy_bit_for_bit(low, width, where):
    high = low + width
    mode = min(max(low + where * (high - low), low), high)
    if not low < high:
        return
    ours = Triangular(dist="triangular", low=low, mode=mode, high=high)
    c = (mode - low) / (high - low)
    expected = stats.triang(c, loc=low, scale=high - low).ppf(QUANTILES)
    assert np.array_equal(ours.ppf(QUANTILES), expected)


def test_triangular_outside_the_unit_interval_is_nan_as_in_scipy():
    ours = Triangular(dist="triangular", low=0.0, mode=0.3, high=2.0)
    probes = np.array([-0.1, 1.1, np.nan])
    assert np.isnan(ours.ppf(probes)).all()
    assert np.isnan(stats.triang(0.15, loc=0.0, scale=2.0).ppf(probes)).all()


@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (Uniform(dist="uniform", low=2.0, high=5.0), stats.uniform(loc=2.0, scale=3.0)),
        (
            TruncNormal(dist="truncnormal", mean=0.4, sd=0.2, low=0.0, high=1.0),
            stats.truncnorm(-2.0, 3.0, loc=0.4, scale=0.2),
        ),
        (
            Beta(dist="beta", alpha=2.0, beta=5.0, low=0.0, high=10.0),
            stats.beta(2.0, 5.0, loc=0.0, scale=10.0),
        ),
    ],
)
def test_other_families_agree_with_scipy(ours, reference):
    # truncnorm and beta are scipy's own; uniform is low + (high - low) u, scipy's to rounding
    probes = QUANTILES[QUANTILES != 1e-300]  # boost's beta inverse gives up that deep in the tail
    assert np.allclose(ours.ppf(probes), reference.ppf(probes), rtol=1e-12, atol=1e-12)
    assert ours.central == pytest.approx(float(reference.median()), rel=1e-12)
