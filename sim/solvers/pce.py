"""Votes, coalitions and Probabilistic Condorcet Elections, as KTAB computes them, over replicates.

KTAB (KAPSARC Toolkit for Behavioral Analysis; Wise, Lester & Efird 2015;
source ``KTAB/kmodel/libsrc/kmodel.cpp``) decides every collective choice (which
option wins, which bargain an actor takes) by a Probabilistic Condorcet
Election. With actors k of strength w_k and utilities u_k(option):

* actor k's vote for option i over option j (``Model::vote``) is
  v_k(i:j) = w_k f(u_k(i) - u_k(j)), with f the voting rule;
* the coalition for i against j (``Model::coalitions``) is
  c(i:j) = 1e-8 + sum over k with v_k(i:j) > 0 of v_k(i:j), and c(j:i) the
  same over the votes against, both read off v_k(i:j) for i > j only;
* i beats j with probability P(i > j) = g(c(i:j)) / (g(c(i:j)) + g(c(j:i)))
  (``Model::vProb``, g the victory-probability model), P(i > i) = 1/2;
* the conditional PCE (``Model::condPCE``) gives option i the probability that
  it beats every option, normalised: p_i = prod_j P(i > j) / sum_m prod_j P(m > j).

Arrays carry the replicate axis first: strengths [R, K], utilities [R, K, M]
(actor k's utility of option m), an optional mask [R, M] of the options that
exist in each replicate (absent options take no part: their rows and columns
are left out of every product). Names of rules and models are KTAB's, in
lower case.
"""

from __future__ import annotations

import numpy as np

# The names are validated where a scenario is loaded (sim.scenario.protocols.SmpSettings):
# voting rules binary, prop_bin, proportional, prop_cubic, cubic, asym_prospect;
# victory models linear, square, quartic, octic, binary.
VotingRule = str
VictoryModel = str

_MIN_COALITION = 1e-8  # Model::coalitions: every coalition starts with this, so no 0 / 0
_BINARY_SLOPE = 1e-8  # Model::vote: a binary vote is linear within this much utility difference
_BINARY_VICTORY = 1.10  # Model::vProb: a 10 % advantage in strength makes victory certain
_MIN_VICTORY = 1e-6
_VICTORY_POWERS = {"linear": 1, "square": 2, "quartic": 4, "octic": 8}


def vote(rule: VotingRule, weight: np.ndarray, u_i: np.ndarray, u_j: np.ndarray) -> np.ndarray:
    """v(i:j) = w f(u_i - u_j) (KTAB ``Model::vote``); arguments broadcast."""
    du = u_i - u_j
    if rule == "proportional":
        return weight * du
    binary = np.clip(du / _BINARY_SLOPE, -1.0, 1.0)
    if rule == "binary":
        return weight * binary
    if rule == "prop_bin":
        return weight * ((1 - 0.2) * du + 0.2 * binary)
    if rule == "prop_cubic":
        return weight * ((1 - 0.5) * du + 0.5 * (du * du * du))
    if rule == "cubic":
        return weight * (du * du * du)
    if rule == "asym_prospect":  # losses weigh fully, gains two thirds (a prospect-theory asymmetry)
        return np.where(du < 0.0, weight * du, np.where(du > 0.0, (2.0 * weight * du) / 3.0, 0.0))
    raise ValueError(f"unknown voting rule {rule!r}")


def victory_probability(model: VictoryModel, strength_i: np.ndarray, strength_j: np.ndarray) -> np.ndarray:
    """P(i beats j) from the two coalitions' strengths (KTAB ``Model::vProb``, first of its pair)."""
    if model == "binary":
        share = strength_i / (strength_i + strength_j)
        p = (share * (_BINARY_VICTORY + 1.0) - 1.0) / (_BINARY_VICTORY - 1.0)
        p = np.where(strength_i >= _BINARY_VICTORY * strength_j, 1.0, p)
        x_i = np.where(strength_j >= _BINARY_VICTORY * strength_i, _MIN_VICTORY, p)
        x_j = np.where(
            strength_i >= _BINARY_VICTORY * strength_j,
            _MIN_VICTORY,
            np.where(strength_j >= _BINARY_VICTORY * strength_i, 1.0, 1 - p),
        )
    else:
        power = _VICTORY_POWERS[model]
        x_i, x_j = strength_i**power, strength_j**power
    return x_i / (x_i + x_j)


# Voting rules with v(i:j) = -v(j:i) exactly (IEEE negation of a difference, and odd functions of it):
# for them the order in which KTAB lists the options does not change any coalition.
ANTISYMMETRIC_RULES = frozenset({"proportional", "binary", "prop_bin", "prop_cubic", "cubic"})


def coalitions(
    rule: VotingRule, weights: np.ndarray, utilities: np.ndarray, rank: np.ndarray | None = None
) -> np.ndarray:
    """c[r, i, j]: the strength of the coalition for option i against option j (KTAB ``Model::coalitions``).

    weights [R, K]; utilities [R, K, M] -> [R, M, M]. KTAB reads both coalitions
    of a pair off one set of votes, v_k(a:b) with a listed after b: c(a:b) sums
    the votes for a, c(b:a) those against. Which option of a pair is listed
    later matters only for a voting rule that is not antisymmetric
    (``asym_prospect``). ``rank`` gives each option's place in the list
    (default: the order of the options); a rank of shape [..., M] gives one
    list per leading index, and the result gets those axes after R:
    rank [N, M] -> [R, N, M, M]. Under an antisymmetric rule the result is the
    same for every order, and ``rank`` is not used.
    """
    votes = vote(rule, weights[:, :, None, None], utilities[:, :, :, None], utilities[:, :, None, :])
    support = _MIN_COALITION + np.where(votes > 0, votes, 0.0).sum(axis=1)  # [R, a, b]: for a, from v(a:b)
    diagonal = np.eye(utilities.shape[2], dtype=bool)
    if rule in ANTISYMMETRIC_RULES:  # the votes against a in v(a:b) are exactly those for b in v(b:a)
        return np.where(diagonal, _MIN_COALITION, support)
    against = _MIN_COALITION + np.where(votes < 0, -votes, 0.0).sum(axis=1)  # [R, a, b]: for b, from v(a:b)
    if rank is None:
        rank = np.arange(utilities.shape[2])
    lead = (slice(None),) + (None,) * (rank.ndim - 1)
    later = rank[..., :, None] > rank[..., None, :]  # [..., a, b]: a is listed after b
    earlier = rank[..., :, None] < rank[..., None, :]
    strength = np.where(later, support[lead], _MIN_COALITION)
    return np.where(earlier, np.swapaxes(against, 1, 2)[lead], strength)


def victory_matrix(model: VictoryModel, strength: np.ndarray) -> np.ndarray:
    """P[..., i, j] = P(option i beats option j), 1/2 on the diagonal (KTAB ``Model::vProb``, matrix form)."""
    p = victory_probability(model, strength, np.swapaxes(strength, -1, -2))
    diagonal = np.eye(strength.shape[-1], dtype=bool)
    return np.where(diagonal, 0.5, p)


def conditional_pce(victory: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """p[r, i]: the probability that option i beats all others, given that one does (KTAB ``condPCE``).

    victory [R, M, M]; present [R, M] (default: all). Absent options get 0 and
    take no part in the others' products.
    """
    if present is None:
        present = np.ones(victory.shape[:2], dtype=bool)
    factors = np.where(present[:, None, :], victory, 1.0)
    p = np.where(present, np.prod(factors, axis=2), 0.0)
    return p / p.sum(axis=1, keepdims=True)


def scalar_pce(
    rule: VotingRule,
    model: VictoryModel,
    weights: np.ndarray,
    utilities: np.ndarray,
    present: np.ndarray | None = None,
) -> np.ndarray:
    """The probability of each option [R, M] when actors of strength w vote by utility (``scalarPCE``)."""
    return conditional_pce(victory_matrix(model, coalitions(rule, weights, utilities)), present)
