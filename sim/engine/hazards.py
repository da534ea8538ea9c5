"""Outside options taken during the talks: a per-exchange hazard that rises with covariates.

An actor's outside option fires at any exchange with probability

    h = 1 - (1 - h0) ** (prod_k ratio_k ** z_k),

the discrete-time proportional-hazards (complementary log-log) model of event
history analysis (Prentice & Gloeckler 1978; Beck, Katz & Tucker 1998;
Box-Steffensmeier & Jones 2004): the underlying rate -log(1 - h0) is multiplied
by ratio_k ** z_k for each covariate z_k in [0, 1], so ``ratio_k`` is the hazard
ratio between z_k = 1 and z_k = 0, and h0 is the hazard when every covariate is
0. The covariates are a track's progress (a programme nearing breakout makes
preventive action more tempting: Fearon 1995; Bas & Coe 2016) and how little the
text on the table gives the actor (its shortfall). docs/model.md section 9.
"""

from __future__ import annotations

import numpy as np

from sim.engine.agents import ActorAgent
from sim.engine.draws import OutsideOptionDraw
from sim.engine.world import World
from sim.scenario.schema import Covariate
from sim.solvers.utility import utility


def hazard(draw: OutsideOptionDraw, covariates: list[np.ndarray]) -> np.ndarray:
    """h = 1 - (1 - h0) ** prod_k ratio_k ** z_k, per replicate -> [R]; z_k in [0, 1]."""
    log_multiplier = np.zeros_like(draw.hazard)
    for ratio, z in zip(draw.ratios, covariates, strict=True):
        log_multiplier = log_multiplier + z * np.log(ratio)
    with np.errstate(divide="ignore"):
        base_rate = -np.log1p(-draw.hazard)  # inf where h0 = 1: then h = 1
    return -np.expm1(-base_rate * np.exp(log_multiplier))


def shortfall(agent: ActorAgent, text: np.ndarray, issues: np.ndarray) -> np.ndarray:
    """1 - the actor's utility of the text on these issues alone (weights renormalised over them) -> [R].

    0 when the text sits on the actor's (effective) positions, 1 at the far end
    of every issue; an actor that cares about none of them has no shortfall.
    """
    salience = np.where(issues, agent.salience, 0.0)
    total = salience.sum(axis=1, keepdims=True)
    weights = np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)
    value = utility(text[:, None, :], agent.position[:, None, :], weights[:, None, :], agent.gamma[:, None])
    return np.where(total[:, 0] > 0, 1.0 - value[:, 0, 0], 0.0)


def covariate_values(world: World, agent: ActorAgent) -> list[np.ndarray]:
    """Each covariate of the actor's outside option, in [0, 1], from the state left by the last exchange."""
    assert agent.spec.outside_option is not None
    return [_covariate(world, agent, c) for c in agent.spec.outside_option.rises_with]


def _covariate(world: World, agent: ActorAgent, covariate: Covariate) -> np.ndarray:
    if covariate.track is not None:
        return np.clip(world.tracks[covariate.track].progress(), 0.0, 1.0)
    assert covariate.shortfall is not None
    issues = np.isin(np.array(world.layout.issue_ids), covariate.shortfall)
    return shortfall(agent, world.state.text, issues)
