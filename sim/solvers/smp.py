"""KTAB's Spatial Model of Politics: one turn of challenges and bargains, vectorized over replicates.

A port of KAPSARC's KTAB (``examples/smp/libsrc/smp.cpp`` and ``smpbcn.cpp``,
on ``KTAB/kmodel``), as described by Wise, Lester & Efird (2015, "An
introduction to the KAPSARC Toolkit for Behavioral Analysis (KTAB) using
one-dimensional spatial models") and Efird, Lester & Wise (2016, "Multidimensional
bargaining using KTAB"). docs/model.md section 14 gives the equations; in short,
with positions x_i in [0, 1]^D, saliences s_ik, capabilities c_i:

* distance (``SMPModel::bvDiff``): d_ij = sqrt(sum_k (s_ik (x_ik - x_jk))^2 / sum_k s_ik^2),
  from i's ideal (which tracks its position: KTAB's identity accommodation) to j's position;
* utility (``bsUtil``): u = (1 - d)(1 + d R) for risk attitude R in [-1/2, 1] ("Mid" range);
* risk attitudes are inferred (``setAllAUtil``): the risk-neutral PCE over the actors'
  positions gives p_i, and R_i = (3 p_i - (p_max + 2 p_min)) / (2 (p_max - p_min)); actor h
  believes j's risk is (2 R_h + R_j) / 3 ("OneThird"), so h's estimate of i's utility
  of j's position is U^h_ij = bsUtil(d_ij, (2 R_h + R_i) / 3);
* each actor i challenges the j of highest expected gain (``probEduChlg``,
  ``bestChallenge``), if that gain exceeds 1e-5; i and j bargain, and the bargain
  interpolates their positions dimension by dimension, weighted by s^2 P^2 with
  P = i's estimate of its chance of winning ("S2P2", ``interpBrgnSnPm``), rounded to 4 decimals;
* each actor then takes, among the status quo and the bargains it is part of,
  the one the PCE of all actors (votes by capability over the resulting states'
  average utilities) makes most likely ("Deterministic", ``updateBestBrgnPositions``).

Arrays carry the replicate axis first: positions and saliences [R, N, D],
capabilities [R, N]. Where KTAB throws (every probability equal, an actor with
no salience anywhere), the port stays defined and says how in the function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.solvers.pce import (
    ANTISYMMETRIC_RULES,
    VictoryModel,
    VotingRule,
    coalitions,
    scalar_pce,
    victory_matrix,
    vote,
)

# The names are validated where a scenario is loaded (sim.scenario.protocols.SmpSettings).
BigRRange = str  # min, mid, max
BigRAdjust = str  # full, two_thirds, half, one_third, none
ThirdPartyCommit = str  # full, semi, none
Interpolation = str  # s1p1, s2p2, s2pmax
Transitions = str  # deterministic, stochastic

MIN_GAIN = 1e-5  # SMPState::bestChallenge: a challenge must be worth more than this
POSITION_TOLERANCE = 1e-3  # SMPModel::posTol: positions closer than this are the same option
_MIN_COALITION = 1e-10  # SMPState::probEduChlg: each side of a challenge starts with this
_MIN_WEIGHT = 1e-6  # SMPActor::interpBrgnSnPm: keeps 0 / 0 out of a bargain nobody cares about


@dataclass(frozen=True)
class Rules:
    """The model parameters KTAB's SMP can vary; the defaults are KTAB's defaults."""

    voting_rule: VotingRule = "proportional"
    victory_model: VictoryModel = "linear"
    big_r_range: BigRRange = "mid"
    big_r_adjust: BigRAdjust = "one_third"
    third_party_commit: ThirdPartyCommit = "semi"
    interpolation: Interpolation = "s2p2"
    transitions: Transitions = "deterministic"


@dataclass(frozen=True)
class Assessment:
    """What every actor makes of one state: distances, risk attitudes and perceived utilities."""

    distance: np.ndarray  # [R, N, N]: d_ij, from i's ideal to j's position
    risk: np.ndarray  # [R, N]: R_i
    utilities: np.ndarray  # [R, H, N, N]: U^h_ij


@dataclass(frozen=True)
class Turn:
    """One turn's result: the new positions and what each actor did."""

    positions: np.ndarray  # [R, N, D]
    partner: np.ndarray  # [R, N]: the other party of the bargain each actor took, -1 for the status quo
    target: np.ndarray  # [R, N]: whom each actor challenged, -1 for nobody


def distances(ideals: np.ndarray, positions: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """d[r, i, j]: salience-weighted distance from i's ideal to position j (KTAB ``bvDiff``).

    ideals, salience [R, N, D]; positions [R, M, D] -> [R, N, M]. An actor with
    no salience on any dimension (KTAB throws) is indifferent: distance 0.
    """
    weighted = (ideals[:, :, None, :] - positions[:, None, :, :]) * salience[:, :, None, :]
    total = (salience * salience).sum(axis=2)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.sqrt((weighted * weighted).sum(axis=3) / total), 0.0)


def utility(distance: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """u = (1 - d)(1 + d R), with d capped at 1 inside the risk term (KTAB ``bsUtil``)."""
    return np.where(distance <= 1, (1 - distance) * (1 + distance * risk), (1 - distance) * (1 + risk))


def risk_from_probability(p: np.ndarray, scale: BigRRange) -> np.ndarray:
    """R_i from the risk-neutral probability of i's position (KTAB ``Model::bigRfromProb``).

    The most likely position's holder is the most risk-averse: R = 1 on every
    scale; the least likely gets 0 (Min), -1/2 (Mid) or -1 (Max). When every
    position is equally likely (KTAB divides by zero) everyone is risk-neutral.
    """
    low, high = p.min(axis=1, keepdims=True), p.max(axis=1, keepdims=True)
    spread = high - low
    safe = np.where(spread > 0, spread, 1.0)
    if scale == "min":
        r = (p - low) / safe
    elif scale == "mid":
        r = (3 * p - (high + 2 * low)) / (2 * safe)
    else:
        r = (2 * p - (high + low)) / safe
    return np.where(spread > 0, r, 0.0)


def estimated_risk(own: np.ndarray, other: np.ndarray, adjust: BigRAdjust) -> np.ndarray:
    """h's estimate of i's risk attitude, anchored on its own (KTAB ``Model::estNRA``)."""
    if adjust == "full":
        return other + 0.0 * own  # [R, h, i], like the others
    if adjust == "two_thirds":
        return (own + (2.0 * other)) / 3.0
    if adjust == "half":
        return (own + other) / 2
    if adjust == "one_third":
        return ((2.0 * own) + other) / 3.0
    return own + 0.0 * other


def assess(rules: Rules, positions: np.ndarray, salience: np.ndarray, capability: np.ndarray) -> Assessment:
    """Distances, inferred risk attitudes and every actor's view of every utility (KTAB ``setAllAUtil``)."""
    distance = distances(positions, positions, salience)
    neutral = utility(distance, 0.0)
    p = scalar_pce(rules.voting_rule, rules.victory_model, capability, neutral)
    risk = risk_from_probability(p, rules.big_r_range)
    believed = estimated_risk(risk[:, :, None], risk[:, None, :], rules.big_r_adjust)  # [R, h, i]
    return Assessment(distance, risk, utility(distance[:, None, :, :], believed[:, :, :, None]))


def challenges(
    rules: Rules, assessment: Assessment, salience_total: np.ndarray, capability: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """i's estimate of its chance of beating j, and of its gain from challenging j: both [R, i, j].

    KTAB ``SMPState::probEduChlg(h=i, k=i, i, j)``. The principals' coalitions
    C(i:j), C(j:i) start at 1e-10 and take i's and j's own votes, weighted by
    salience x capability. Each third party n then votes in the "little contest"
    of i, j and itself: with p_n = its share of (principals + its own vote), it
    compares what it expects from joining i against joining j (SemiCommit:
    a third party that joins the winner keeps its own position once). Then
    P = C(i:j) / (C(i:j) + C(j:i)) and, with s_j the target's total salience
    (its chance of resisting), E[gain] = (1 - s_j) 2U_ii + s_j (P 2U_ii + (1 - P) 2U_ij)
    - (U_ii + U_ij).
    """
    u = assessment.utilities  # [R, h, a, b]
    n_actors = u.shape[1]
    actors = np.arange(n_actors)
    own_row = u[:, actors, actors, :]  # [R, i, b] = U^i_ib
    own_column = np.swapaxes(u, 2, 3)[:, actors, actors, :]  # [R, i, a] = U^i_ai
    diagonal = np.diagonal(u, axis1=2, axis2=3)  # [R, h, n] = U^h_nn
    u_ii = own_row[:, actors, actors][:, :, None]  # [R, i, 1]
    u_ij = own_row  # [R, i, j]
    u_ji = own_column  # [R, i, j] = U^i_ji
    u_jj = diagonal  # [R, i, j] = U^i_jj
    weight = salience_total * capability  # [R, n]
    rule = rules.voting_rule
    contrib_i = vote(rule, weight[:, :, None], u_ii, u_ij)
    contrib_j = vote(rule, weight[:, None, :], u_ji, u_jj)
    for_i = _MIN_COALITION + np.where(contrib_i > 0, contrib_i, 0.0)
    for_j = _MIN_COALITION + np.where(contrib_i < 0, -contrib_i, 0.0)
    for_i = for_i + np.where(contrib_j > 0, contrib_j, 0.0)
    for_j = for_j + np.where(contrib_j < 0, -contrib_j, 0.0)
    principals_i, principals_j = for_i, for_j
    for n in range(n_actors):
        third = (actors[:, None] != n) & (actors[None, :] != n)  # [i, j]: n is neither
        u_ni = own_column[:, :, n][:, :, None]  # U^i_ni, [R, i, 1]
        u_nj = u[:, :, n, :]  # U^i_nj, [R, i, j]
        u_nn = diagonal[:, :, n][:, :, None]  # U^i_nn
        w_n = weight[:, n][:, None, None]
        little = vote(rule, w_n, u_ni, u_nj)
        with_i = principals_i + np.where(little > 0, little, 0.0)
        with_j = principals_j + np.where(little < 0, -little, 0.0)
        p_i = with_i / (with_i + with_j)
        v_n = _third_party_vote(rules, w_n, p_i, 1.0 - p_i, u_ni, u_nj, u_nn)
        for_i = np.where(third & (v_n > 0), for_i + v_n, for_i)
        for_j = np.where(third & (v_n < 0), for_j - v_n, for_j)
    p_win = for_i / (for_i + for_j)
    p_lose = for_j / (for_i + for_j)
    resist = salience_total[:, None, :]  # s_j
    victory, status_quo = u_ii + u_ii, u_ii + u_ij
    contest = p_win * victory + p_lose * (u_ij + u_ij)
    return p_win, ((1 - resist) * victory + resist * contest) - status_quo


def _third_party_vote(
    rules: Rules,
    weight: np.ndarray,
    p_i: np.ndarray,
    p_j: np.ndarray,
    u_ni: np.ndarray,
    u_nj: np.ndarray,
    u_nn: np.ndarray,
) -> np.ndarray:
    """n's vote in the i:j contest, from the sum of three positions' utilities (KTAB ``thirdPartyVoteSU``)."""
    commit = rules.third_party_commit
    i_with_n = u_ni + u_ni + (u_ni if commit == "full" else u_nn)  # n joins i, i wins
    j_beats_in = u_nj + u_nj + (u_nn if commit == "none" else u_nj)
    i_beats_jn = u_ni + u_ni + (u_nn if commit == "none" else u_ni)
    j_with_n = u_nj + u_nj + (u_nj if commit == "full" else u_nn)  # n joins j, j wins
    joins_i = (p_i * i_with_n) + (p_j * j_beats_in)
    joins_j = (p_i * i_beats_jn) + (p_j * j_with_n)
    return vote(rules.voting_rule, weight, joins_i, joins_j)


def best_targets(p_win: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each i's target (-1: none worth more than 1e-5) and its chance of winning: both [R, N].

    KTAB ``bestChallenge`` scans the targets in order and keeps a strictly better
    gain, so of equal gains the first target wins, as argmax does.
    """
    n_actors = gain.shape[1]
    eligible = ~np.eye(n_actors, dtype=bool)[None] & (gain > MIN_GAIN)
    scored = np.where(eligible, gain, -np.inf)
    target = np.argmax(scored, axis=2)
    rows = np.arange(gain.shape[0])[:, None], np.arange(n_actors)[None, :]
    chosen = eligible[rows[0], rows[1], target]
    return np.where(chosen, target, -1), p_win[rows[0], rows[1], target]


def interpolate(
    rules: Rules, positions: np.ndarray, salience: np.ndarray, target: np.ndarray, p_win: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The bargain each initiator i proposes to its target j: (i's new position, j's), both [R, N, D].

    S2P2 (KTAB ``interpBrgnSnPm(2, 2, ...)``): on each dimension, w_i = s_ik^2 P^2,
    w_j = s_jk^2 (1 - P)^2 and both take (w_i x_ik + w_j x_jk) / (w_i + w_j), with a
    1e-6 nudge towards their own side and rounded to 4 decimals. Rows of
    actors that challenge nobody are meaningless.
    """
    rows = np.arange(positions.shape[0])[:, None]
    j = np.where(target >= 0, target, 0)
    x_i, s_i = positions, salience
    x_j, s_j = positions[rows, j], salience[rows, j]
    p_i = p_win[:, :, None]
    p_j = 1 - p_i
    if rules.interpolation == "s2pmax":
        d_i = np.where(p_j > p_i, p_j - p_i, 0.0)
        d_j = np.where(p_i > p_j, p_i - p_j, 0.0)
        s_i2, s_j2 = s_i * s_i, s_j * s_j
        move_i = (d_i * s_j2) / ((d_i * s_j2) + _MIN_WEIGHT + ((1 - d_i) * s_i2))
        move_j = (d_j * s_i2) / ((d_j * s_i2) + _MIN_WEIGHT + ((1 - d_j) * s_j2))
        return x_i + move_i * (x_j - x_i), x_j + move_j * (x_i - x_j)
    power = 1 if rules.interpolation == "s1p1" else 2
    w_i = np.power(s_i, power) * np.power(p_i, power)
    w_j = np.power(s_j, power) * np.power(p_j, power)
    total = w_i + _MIN_WEIGHT + w_j
    return (
        _round4(((w_i + _MIN_WEIGHT) * x_i + w_j * x_j) / total),
        _round4((w_i * x_i + (_MIN_WEIGHT + w_j) * x_j) / total),
    )


def _round4(x: np.ndarray) -> np.ndarray:
    """KTAB's round4: (int)(0.5 + 10000 x) / 10000, truncating towards zero as C does."""
    return np.trunc(0.5 + x * 10000.0) / 10000.0


def choose_bargains(
    rules: Rules,
    assessment: Assessment,
    positions: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    target: np.ndarray,
    proposals: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator | None = None,
) -> Turn:
    """Each actor k takes the status quo or a bargain it is part of (KTAB ``updateBestBrgnPositions``).

    Options are the status quo (slot 0) and the bargain initiated by each i
    (slot 1 + i), valid for k if i challenged and k is i or i's target. A
    state's value to actor a is the average of a's utility over the N positions
    it leaves (the bargain's two, everyone else's unchanged); all actors vote
    over k's options by capability, and k takes the most probable option (the
    first of equals in its list, :func:`option_order`) or, with stochastic
    transitions, draws one, going down its list.
    """
    n_rep, n_actors, _ = positions.shape
    own = assessment.utilities[:, np.arange(n_actors), np.arange(n_actors), :]  # [R, a, n] = U^a_an
    init_pos, rcvr_pos = proposals
    risk = assessment.risk[:, :, None]
    u_init = utility(distances(positions, init_pos, salience), risk)  # [R, a, i]
    u_rcvr = utility(distances(positions, rcvr_pos, salience), risk)
    challenged = target >= 0
    j = np.where(challenged, target, -1)
    values = np.empty((n_rep, n_actors, 1 + n_actors))
    status_quo = np.zeros((n_rep, n_actors))
    bargain = u_init + u_rcvr
    initiators = np.arange(n_actors)[None, None, :]
    for n in range(n_actors):  # position by position, in KTAB's order of summation
        status_quo = status_quo + own[:, :, n]
        untouched = (initiators != n) & (j[:, None, :] != n)
        bargain = np.where(untouched, bargain + own[:, :, n][:, :, None], bargain)
    values[:, :, 0] = status_quo / n_actors
    values[:, :, 1:] = bargain / n_actors
    k = np.arange(n_actors)[None, :, None]
    part_of = challenged[:, None, :] & ((initiators == k) | (j[:, None, :] == k))  # [R, k, i]
    present = np.concatenate([np.ones((n_rep, n_actors, 1), dtype=bool), part_of], axis=2)  # [R, k, 1+N]
    order = option_order(n_actors)
    p = _per_actor_pce(rules, capability, values, present, order)
    listed = np.take_along_axis(p, np.broadcast_to(order, p.shape), axis=2)  # [R, k, place in k's list]
    if rules.transitions == "stochastic":
        if rng is None:
            raise ValueError("stochastic state transitions need a random generator")
        draws = rng.random((n_rep, n_actors, 1))
        place = np.minimum((np.cumsum(listed, axis=2) < draws).sum(axis=2), n_actors)
        place = np.where(np.take_along_axis(listed, place[:, :, None], axis=2)[:, :, 0] > 0, place, -1)
    else:
        place = np.argmax(listed, axis=2)  # KTAB ndxMaxAbs: the first of equals in k's list
    choice = np.where(place >= 0, order[np.arange(n_actors)[None, :], np.maximum(place, 0)], 0)
    initiator = choice - 1
    took = initiator >= 0
    rows = np.arange(n_rep)[:, None]
    safe = np.where(took, initiator, 0)
    mine = safe == np.arange(n_actors)[None, :]
    new = np.where(
        (took & mine)[:, :, None],
        init_pos[rows, safe],
        np.where((took & ~mine)[:, :, None], rcvr_pos[rows, safe], positions),
    )
    partner = np.where(took, np.where(mine, j[rows, safe], safe), -1)
    return Turn(new, partner, j)


def option_order(n_actors: int) -> np.ndarray:
    """order[k, place]: the option slot at each place of actor k's list of bargains, as KTAB lists them.

    Slot 0 is k's status quo and slot 1 + i the bargain initiated by i. KTAB's
    ``doBCN`` appends, actor by actor (i = 0, 1, ...), i's status quo to i's own
    list and then i's bargain to the lists of i and of its target. So k's list
    holds the bargains from initiators before k, its status quo, its own bargain,
    then the bargains from initiators after k. (KTAB runs ``doBCN`` in parallel
    threads, so its lists are in this order only when the threads happen to run
    in turn; docs/model.md section 14 says where that matters.)
    """
    order = np.empty((n_actors, n_actors + 1), dtype=np.intp)
    for k in range(n_actors):
        order[k] = [*range(1, k + 1), 0, *range(k + 1, n_actors + 1)]
    return order


def _per_actor_pce(
    rules: Rules, capability: np.ndarray, values: np.ndarray, present: np.ndarray, order: np.ndarray
) -> np.ndarray:
    """The PCE over each actor's own options at once: values [R, a, M], present [R, k, M] -> p [R, k, M].

    Under an antisymmetric voting rule the coalitions for one option against
    another do not depend on whose list they are in, nor on the list's order, so
    the victory matrix is computed once; otherwise each actor's list gets its own
    coalitions, read in KTAB's order (:func:`option_order`). Each actor's PCE
    then keeps only its own options.
    """
    if rules.voting_rule in ANTISYMMETRIC_RULES:
        strength = coalitions(rules.voting_rule, capability, values)[:, None]  # [R, 1, M, M]
    else:
        rank = np.argsort(order, axis=1)  # [k, slot]: the place of each slot in k's list
        strength = coalitions(rules.voting_rule, capability, values, rank)  # [R, k, M, M]
    victory = victory_matrix(rules.victory_model, strength)
    factors = np.where(present[:, :, None, :], victory, 1.0)  # [R, k, m, m']
    p = np.where(present, np.prod(factors, axis=3), 0.0)
    return p / p.sum(axis=2, keepdims=True)


def take_turn(
    rules: Rules,
    positions: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    assessment: Assessment | None = None,
    rng: np.random.Generator | None = None,
) -> Turn:
    """One KTAB turn (``SMPState::doBCN``): challenges, bargains, and every actor's choice among them."""
    if assessment is None:
        assessment = assess(rules, positions, salience, capability)
    salience_total = salience.sum(axis=2)
    p_win, gain = challenges(rules, assessment, salience_total, capability)
    target, p_target = best_targets(p_win, gain)
    proposals = interpolate(rules, positions, salience, target, p_target)
    return choose_bargains(rules, assessment, positions, salience, capability, target, proposals, rng)


def equivalent(positions: np.ndarray) -> np.ndarray:
    """e[r, i, j]: positions i and j are the same option (Euclidean distance < 1e-3; KTAB ``equivNdx``)."""
    gap = positions[:, :, None, :] - positions[:, None, :, :]
    return np.sqrt((gap * gap).sum(axis=3)) < POSITION_TOLERANCE


def unique_options(same: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which positions are options of their own, and which option each actor's position counts as.

    KTAB ``ueIndices``: scanning in order, a position is new unless it is the same
    as an earlier new one; ``posProb`` then reads an actor's probability off the
    last new position its own is the same as. Returns (unique [R, N], option [R, N]).
    """
    n_rep, n_actors, _ = same.shape
    unique = np.zeros((n_rep, n_actors), dtype=bool)
    for i in range(n_actors):
        unique[:, i] = ~(same[:, i, :i] & unique[:, :i]).any(axis=1)
    candidates = same & unique[:, None, :]
    last = n_actors - 1 - np.argmax(candidates[:, :, ::-1], axis=2)
    return unique, last


def position_probabilities(
    rules: Rules, assessment: Assessment, positions: np.ndarray, capability: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The probability that each option wins, and that each actor's position does: both [R, N].

    KTAB ``SMPState::pDist(-1)``: every actor judges the distinct positions by
    its own utilities U^i_ij and votes by capability; the conditional PCE over
    the distinct positions gives each one's probability (0 for repeats).
    """
    n_actors = positions.shape[1]
    own = assessment.utilities[:, np.arange(n_actors), np.arange(n_actors), :]
    unique, option = unique_options(equivalent(positions))
    p = scalar_pce(rules.voting_rule, rules.victory_model, capability, own, unique)
    return p, np.take_along_axis(p, option, axis=1)


def state_distance(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Sum over actors of how far each moved (Euclidean, [0, 1] scale): KTAB ``SMPModel::stateDist``."""
    gap = after - before
    return np.sqrt((gap * gap).sum(axis=2)).sum(axis=1)
