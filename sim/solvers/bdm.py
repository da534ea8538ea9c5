"""Bueno de Mesquita's expected-utility challenge model: one round on one issue.

Follows the specification reconstructed by Scholz, Calbert & Smith (2011,
*Journal of Theoretical Politics* 23(4): 510-531; ICAART 2011), written here
from their equations (variant ``printed``: no replication's code was used). Every array has the
replicate axis first; ``n`` is the number of actors with a stake in the issue,
and positions are on the issue's normalised scale [0, 1]. In one round:

1. the forecast ``mu`` is the capability x salience weighted median;
2. each actor's risk exponent comes from its security level: how much its
   adversaries expect to gain by challenging it (risk-neutral utilities);
3. each actor i estimates, for every other actor j, its own expected utility of
   challenging j (with its own risk exponent) and j's of challenging i (with
   j's exponent, or with i's own: ``perspective``);
4. from those two numbers i reads off j's offer: confrontation, compromise,
   capitulation, or none (BDM's octants);
5. i accepts one offer (the most enforceable, ties broken by least movement)
   and every actor moves at once.

That is the ``printed`` variant: our reading of the printed equations. The
``scholz_2011`` variant is the computation behind Scholz et al.'s Table 2, as
recovered by the public port jmckib/bdm-scholz-expected-utility-model (read,
not copied; the tests compare against its output). It differs in four coupled
places, each a switch of :class:`Choices`: (a) ``probability="global"``, one
denominator for every P in the round (:func:`global_success_probability`);
(b) ``perspective="own"``; (c) ``conflict="loser_moves"``; (d)
``offer_choice="priority"`` (:func:`_priority_key`).

docs/model.md section 13 writes out each equation and every choice the
published specification leaves open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sim.solvers.forecasting import weighted_median


class Move(IntEnum):
    """What an actor did with its position in a round (codes stored in the logs)."""

    HOLD = 0
    CONFRONTED = 1  # lost a confrontation it expected both sides to want: moved to the winner
    COMPROMISED = 2  # moved part of the way towards the proposer
    CAPITULATED = 3  # moved all the way to the proposer


@dataclass(frozen=True)
class Choices:
    """The open choices of the specification; see ExpectedUtilitySettings for their meaning.

    ``probability`` is not a setting of its own: variant ``scholz_2011`` turns it
    to ``"global"`` together with perspective ``own``, conflict ``loser_moves``
    and offer_choice ``priority``, because only the four together reproduce the
    port's trajectory (docs/model.md section 13.4).
    """

    risk: str = "endogenous"
    distance_scale: str = "positions"
    perspective: str = "each"
    conflict: str = "no_move"
    offer_choice: str = "enforceable"  # or "smallest_move", or "priority" (variant scholz_2011)
    probability: str = "pairwise"  # or "global" (variant scholz_2011)


@dataclass(frozen=True)
class RoundResult:
    positions: np.ndarray  # [R, n] after the round
    move: np.ndarray  # [R, n] Move codes
    towards: np.ndarray  # [R, n] index of the actor whose offer was taken, -1 if none
    risk_exponent: np.ndarray  # [R, n] the r used this round


def _base_utility(distance: np.ndarray, sign: float, r: np.ndarray) -> np.ndarray:
    """BDM's utility scale 2 - 4 (0.5 +/- 0.5 d) ** r: from +1 (win everything) to -1 (lose it)."""
    return 2.0 - 4.0 * np.power(np.clip(0.5 + sign * 0.5 * distance, 0.0, 1.0), r)


def success_probability(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """P[r, a, b]: the chance that a prevails over b when the others take sides.

    Each actor k votes for the position it prefers, with weight c_k s_k times
    the difference in its (linear) utility of the two (Scholz eqs. 26-31):
    P_ab = sum_k max(v_k, 0) / sum_k |v_k|,  v_k = w_k (|x_k - x_b| - |x_k - x_a|).
    """
    to_b = np.abs(x[:, None, None, :] - x[:, None, :, None])  # [R, a?, b, k] -> |x_k - x_b|
    to_a = np.abs(x[:, None, None, :] - x[:, :, None, None])  # [R, a, b?, k] -> |x_k - x_a|
    votes = weight[:, None, None, :] * (to_b - to_a)  # [R, a, b, k]
    support = np.clip(votes, 0.0, None).sum(axis=3)
    total = np.abs(votes).sum(axis=3)
    return np.divide(support, total, out=np.zeros_like(support), where=total > 0)


def global_success_probability(
    x: np.ndarray, weight: np.ndarray, r: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """(a) P[r, a, b] with ONE denominator for the whole round, as in the code behind Scholz et al.'s Table 2.

    Voter k casts, between a and b, the vote (BDM 1994's c_k s_k (U^k_a - U^k_b),
    with k's own risk exponent r_k on the normalised distances):
    v^k_ab = w_k [(|x_k - x_b| / D)^{r_k} - (|x_k - x_a| / D)^{r_k}], and
    P_ab = sum_k max(v^k_ab, 0) / sum_{c, d, k} |v^k_cd|,
    the denominator summed over every voter k and every ordered pair (c, d) of
    actors. So P_ab + P_ba is not 1 but small (all the P of a round sum to 1/2),
    which, the port's author argues, is what keeps actors from confronting each
    other all the time; he reports it as faithful to Scholz's code (bdm_scholz_model.py,
    ``BDMScholzModel.probability``). Scholz et al.'s printed eqs. 26-31 give the
    pairwise denominator of :func:`success_probability` instead.
    x, weight, r: [R, n]; scale: [R], the distance normaliser D.
    """
    distance = np.abs(x[:, :, None] - x[:, None, :]) / scale[:, None, None]  # [R, a, k]
    felt = np.power(distance, r[:, None, :])  # (|x_a - x_k| / D)^{r_k}
    votes = weight[:, None, None, :] * (felt[:, None, :, :] - felt[:, :, None, :])  # [R, a, b, k]
    support = np.clip(votes, 0.0, None).sum(axis=3)
    total = np.abs(votes).sum(axis=(1, 2, 3))[:, None, None]
    return np.divide(support, total, out=np.zeros_like(support), where=total > 0)


def challenge_utility(
    x: np.ndarray,
    salience: np.ndarray,
    probability: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    mu: np.ndarray,
    scale: np.ndarray,
) -> np.ndarray:
    """EU[r, a, b]: a's expected utility of challenging b, evaluated with exponent r[R, a, b].

    E(U_ab) = s_b [P U_s + (1 - P) U_f] + (1 - s_b) U_s - [Q U_sq + (1 - Q)(T U_b + (1 - T) U_w)]
    (Scholz eqs. 6-23): b resists with probability s_b; if b does not resist, a
    wins outright. Without a challenge the status quo holds with probability Q,
    else it drifts better (T = 1: the forecast lies closer to a than b does) or worse.
    """
    gap = np.abs(x[:, :, None] - x[:, None, :]) / scale[:, None, None]  # [R, a, b]
    win = _base_utility(gap, -1.0, r)
    lose = _base_utility(gap, +1.0, r)
    status_quo = 2.0 - 4.0 * np.power(0.5, r)
    drift = (np.abs(x - mu[:, None])[:, :, None] / scale[:, None, None] + gap) / 2.0
    better = _base_utility(drift, -1.0, r)
    worse = _base_utility(drift, +1.0, r)
    closer = (np.abs(x - mu[:, None])[:, :, None] < np.abs(x[:, :, None] - x[:, None, :])).astype(float)
    resisted = probability * win + (1.0 - probability) * lose
    s_b = salience[:, None, :]
    q = q[:, None, None]
    no_challenge = q * status_quo + (1.0 - q) * (closer * better + (1.0 - closer) * worse)
    return s_b * resisted + (1.0 - s_b) * win - no_challenge


def risk_exponents(
    x: np.ndarray,
    salience: np.ndarray,
    probability: np.ndarray,
    q: np.ndarray,
    mu: np.ndarray,
    scale: np.ndarray,
) -> np.ndarray:
    """BDM's endogenous risk exponents r_i in [0.5, 2] -> [R, n].

    Security: what i's adversaries expect to gain by challenging it, with
    risk-neutral utilities, Sec_i = sum_{j != i} E(U_ji). Scaled to R_i in
    [-1, 1] against the most and least threatened actors, R_i = (2 Sec_i -
    max - min) / (max - min), then r_i = (1 - R_i / 3) / (1 + R_i / 3).
    """
    n = x.shape[1]
    neutral = np.ones((len(x), n, n))
    eu = challenge_utility(x, salience, probability, neutral, q, mu, scale)
    eu = np.where(np.eye(n, dtype=bool)[None], 0.0, eu)
    security = eu.sum(axis=1)  # column sums: everyone's EU of challenging i
    high, low = security.max(axis=1, keepdims=True), security.min(axis=1, keepdims=True)
    spread = high - low
    acceptance = np.divide(2.0 * security - high - low, spread, out=np.zeros_like(security), where=spread > 0)
    return (1.0 - acceptance / 3.0) / (1.0 + acceptance / 3.0)


def play_round(
    x: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    q: np.ndarray,
    choices: Choices,
    scenario_gamma: np.ndarray | None = None,
    issue_scale: float = 1.0,
) -> RoundResult:
    """One round of challenges and the resulting positions.

    x, capability, salience: [R, n]; q: [R]; scenario_gamma: [R, n], the
    actors' own risk curvature, used when ``choices.risk == "scenario"``.
    """
    replicates, n = x.shape
    weight = capability * salience
    mu = weighted_median(x, weight, fallback=x.mean(axis=1))
    if choices.distance_scale == "positions":
        spread = x.max(axis=1) - x.min(axis=1)
        scale = np.where(spread > 0, spread, 1.0)
    else:
        scale = np.full(replicates, issue_scale)
    if choices.probability == "global":  # (a); security is assessed with risk-neutral votes
        probability = global_success_probability(x, weight, np.ones((replicates, n)), scale)
    else:
        probability = success_probability(x, weight)
    if choices.risk == "endogenous":
        r = risk_exponents(x, salience, probability, q, mu, scale)
    elif choices.risk == "scenario" and scenario_gamma is not None:
        r = scenario_gamma
    else:
        r = np.ones((replicates, n))
    if choices.probability == "global":  # the challenges themselves: each voter with its own r_k
        probability = global_success_probability(x, weight, r, scale)
    own_view = np.broadcast_to(r[:, :, None], (replicates, n, n))
    mine = challenge_utility(x, salience, probability, own_view, q, mu, scale)  # [R, i, j], with r_i
    if choices.perspective == "each":
        theirs = mine.transpose(0, 2, 1)  # j's own expected utility of challenging i, with r_j
    else:  # (b) i's estimate of j's expected utility, made with i's own exponent: E^i(U_ji) at r_i
        theirs = challenge_utility(x, salience, probability, own_view.transpose(0, 2, 1), q, mu, scale)
        theirs = theirs.transpose(0, 2, 1)
    return _resolve_offers(x, mine, theirs, r, choices)


def _resolve_offers(
    x: np.ndarray, mine: np.ndarray, theirs: np.ndarray, r: np.ndarray, choices: Choices
) -> RoundResult:
    """Read j's offer to i off (a, b) = (E^i(U_ij), E^i(U_ji)) and let each i take one.

    * a > 0 and b > a: both expect to gain, j more: confrontation that i expects to lose.
      (c) With ``conflict="loser_moves"`` the expected loser moves to the winner's
      position, x_i' = x_j (Scholz et al. 2011, the confrontation octant; BDM 1994);
      with ``"no_move"`` nobody moves;
    * a < 0 < b and b > |a|: j has the upper hand but not by much: compromise, i moves
      a fraction |a| / b of the way to x_j;
    * a < 0 < b and b <= |a|: i capitulates and moves to x_j.
    """
    replicates, n = x.shape
    a, b = mine, theirs
    target = np.broadcast_to(x[:, None, :], (replicates, n, n))  # x_j for row i
    here = np.broadcast_to(x[:, :, None], (replicates, n, n))
    differs = np.abs(target - here) > 1e-12
    kind = np.zeros((replicates, n, n), dtype=np.int8)
    lost = (a > 0) & (b > a) & differs
    if choices.conflict == "loser_moves":
        kind[lost] = Move.CONFRONTED
    yields = (a < 0) & (b > 0) & differs
    compromise = yields & (b > -a)
    kind[compromise] = Move.COMPROMISED
    kind[yields & ~compromise] = Move.CAPITULATED
    fraction = np.divide(-a, b, out=np.zeros_like(a), where=b > 0)
    proposed = np.where(kind == Move.COMPROMISED, here + (target - here) * fraction, target)
    offered = kind > 0
    movement = np.abs(proposed - here)
    if choices.offer_choice == "enforceable":
        # the proposer best able to enforce its wish (highest expected gain b) prevails;
        # among equally enforceable offers, the actor moves least
        strength = np.where(offered, b, -np.inf)
        best = strength.max(axis=2, keepdims=True)
        tied = offered & (strength >= best - 1e-12 * np.maximum(np.abs(best), 1.0))
        choice_key = np.where(tied, movement, np.inf)
    elif choices.offer_choice == "priority":
        choice_key = _priority_key(kind, movement, a, b, here, target)
    else:
        choice_key = np.where(offered, movement, np.inf)
    chosen = np.argmin(choice_key, axis=2)  # [R, i]
    rows = np.arange(replicates)[:, None]
    cols = np.arange(n)[None, :]
    taken = offered[rows, cols, chosen]
    new_x = np.where(taken, proposed[rows, cols, chosen], x)
    move = np.where(taken, kind[rows, cols, chosen], Move.HOLD).astype(np.int8)
    towards = np.where(taken, chosen, -1)
    return RoundResult(positions=np.clip(new_x, 0.0, 1.0), move=move, towards=towards, risk_exponent=r)


_PRIORITY = (Move.CONFRONTED, Move.COMPROMISED, Move.CAPITULATED)


def _priority_key(
    kind: np.ndarray,
    movement: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    here: np.ndarray,
    target: np.ndarray,
) -> np.ndarray:
    """(d) Offers chosen by PRIORITY, the rule of the code behind Scholz et al.'s Table 2: [R, i, j] keys.

    i takes an offer from the first non-empty class, confrontations C_i (lost
    ones, which it cannot refuse), then compromises M_i, then capitulations K_i:
    in C_i and K_i the one nearest, j* = argmin_j |x_j - x_i|; in M_i the one
    with the lowest k_ij = (|a| x_i + |b| x_j) / (|a| + |b|), a point on the
    issue scale, so the compromise towards the lower end of the scale wins,
    not the smallest move. That choice among compromises is an artefact (it
    depends on the direction of the scale) which the port's author reports as
    faithful to Scholz's code (``Actor.best_offer``); reproducing the port
    needs it. Scholz et al. (2011, p. 251) print instead that actors take the
    most enforceable offer and otherwise move the least (``enforceable``).
    Ties go to the lowest actor index, as the port's ``min`` over actors does.
    """
    rank = np.full(kind.shape, len(_PRIORITY))
    for position, move in enumerate(_PRIORITY):
        rank[kind == move] = position
    first = rank.min(axis=2, keepdims=True)
    weight = np.abs(a) + np.abs(b)
    lowest = np.divide(np.abs(a) * here + np.abs(b) * target, weight, out=target.copy(), where=weight > 0)
    key = np.where(kind == Move.COMPROMISED, lowest, movement)
    return np.where((kind > 0) & (rank == first), key, np.inf)
