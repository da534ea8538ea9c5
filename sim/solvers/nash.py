"""The asymmetric Nash bargaining package, found by coordinate ascent on a two-level grid.

The mediator's text (docs/model.md section 6) maximises the weighted log Nash
product (Nash 1950; Kalai 1977) ``sum_p pi_p log(u_p(x) - d_p)``, continued
linearly below a small surplus so that texts some party would refuse are still
ranked by how far short they fall.

This is the engine's hot loop (about 2,500 evaluations of one grid point for
one principal per replicate-run), so it is laid out for numpy: every array has
the replicate axis innermost and contiguous (``[G, n]`` per principal), the
replicates are processed in cache-sized blocks with preallocated buffers, and
the coarse grid's per-issue utilities are computed once per call and reused by
every sweep. The arithmetic, and the order of every sum, is exactly that of the
straightforward formulation (tests/test_solvers.py compares them bit for bit),
including the order in which the principals' terms are added, which follows
numpy's einsum on x86-64 (``principal_sum``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SURPLUS_FLOOR = 1e-3
_LOG_FLOOR = float(np.log(SURPLUS_FLOOR))
BLOCK = 1024  # replicates per block: a block's [grid, BLOCK] buffers stay in a core's L2 cache


def nash_objective(surplus: np.ndarray, power: np.ndarray) -> np.ndarray:
    """Weighted log Nash product, continued linearly below a small surplus (the reference form).

    surplus: [R, K, P]; power: [R, P] -> [R, K]. ``nash_text`` computes the same
    numbers, block by block, without the [R, K, P] temporaries.
    """
    floor = SURPLUS_FLOOR
    safe = np.maximum(surplus, floor)
    value = np.where(surplus >= floor, np.log(safe), np.log(floor) + (surplus - floor) / floor)
    return np.einsum("rkp,rp->rk", value, power)


def principal_sum(terms: list[np.ndarray]) -> np.ndarray:
    """Sum the principals' terms in the order numpy's einsum sums them (x86-64, two float64 lanes).

    einsum accumulates a contiguous product sum in two lanes (even and odd
    terms), eight at a time in reverse within each block of eight, then adds
    the lanes; for two principals that is simply ``t0 + t1``. Owning the order
    keeps the results bitwise identical to the reference form and independent
    of how a future numpy vectorises einsum. The lanes start from the first
    terms rather than from zero, which can change only the sign of an exact
    zero, invisible to the comparisons that use the sum. The terms are
    consumed: the sum is built in their buffers.
    """
    count = len(terms)
    lanes: list[np.ndarray | None] = [None, None]
    i = 0
    while count - i >= 8:
        for lane in (0, 1):
            block = [terms[i + 2 * k + lane] for k in range(4)]
            if lanes[lane] is not None:
                np.add(block[3], lanes[lane], out=block[3])
            np.add(block[2], block[3], out=block[2])
            np.add(block[1], block[2], out=block[1])
            np.add(block[0], block[1], out=block[0])
            lanes[lane] = block[0]
        i += 8
    while i < count:
        for lane in (0, 1):
            if i + lane < count:
                term = terms[i + lane]
                current = lanes[lane]
                if current is not None:
                    np.add(term, current, out=term)
                lanes[lane] = term
        i += 2
    if lanes[1] is None:
        assert lanes[0] is not None
        return lanes[0]
    return np.add(lanes[0], lanes[1], out=lanes[0])


def nash_text(
    start: np.ndarray,
    movable: np.ndarray,
    ideal: np.ndarray,
    weights: np.ndarray,
    gamma: np.ndarray,
    disagreement: np.ndarray,
    power: np.ndarray,
    grid: int,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    sweeps: int = 2,
) -> np.ndarray:
    """The asymmetric Nash bargaining package over the movable issues.

    start: [R, I] current text (immovable issues keep these values);
    movable: [I] bool; ideal/weights: [R, P, I]; gamma, disagreement, power: [R, P].
    Coordinate ascent: for each movable issue, a coarse grid over [lower, upper],
    then a fine grid one coarse step either side of the best point. Resolution
    is 2 / (grid - 1) ** 2 of that interval. Utility is additive over issues,
    so moving one issue only re-evaluates that issue's term. ``lower`` and
    ``upper`` ([I] or [R, I], normalised) confine each issue, e.g. to the
    principals' declared red lines.
    """
    text = start.copy()
    lower = np.broadcast_to(0.0 if lower is None else lower, start.shape)
    upper = np.broadcast_to(1.0 if upper is None else upper, start.shape)
    problem = _Problem(
        movable=np.flatnonzero(movable),
        ideal=np.ascontiguousarray(ideal.transpose(1, 2, 0)),  # [P, I, R]
        weights=np.ascontiguousarray(weights.transpose(1, 2, 0)),
        gamma=np.ascontiguousarray(gamma.T),  # [P, R]
        disagreement=np.ascontiguousarray(disagreement.T),
        power=np.ascontiguousarray(power.T),
        lower=np.ascontiguousarray(lower.T),  # [I, R]
        upper=np.ascontiguousarray(upper.T),
        coarse=np.linspace(0.0, 1.0, grid)[:, None],
        fine=np.linspace(-1.0, 1.0, grid)[:, None],
        sweeps=sweeps,
    )
    terms = _issue_terms(text, ideal, weights, gamma)  # [R, P, I]
    for first in range(0, len(text), BLOCK):
        rows = slice(first, min(first + BLOCK, len(text)))
        problem.solve(text, terms, rows)
    return text


def _buffers(count: int, grid: int, n: int) -> list[np.ndarray]:
    return [np.empty((grid, n)) for _ in range(count)]


def _issue_terms(text: np.ndarray, ideal: np.ndarray, weights: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Each principal's utility from each issue of the text: [R, I] -> [R, P, I]."""
    distance = np.abs(text[:, None, :] - ideal)
    return weights * (1.0 - np.power(distance, gamma[:, :, None]))


@dataclass(frozen=True)
class _Problem:
    """One call's arrays, replicate axis last; ``solve`` runs the ascent on one block of replicates."""

    movable: np.ndarray  # indices of the issues to move
    ideal: np.ndarray  # [P, I, R]
    weights: np.ndarray  # [P, I, R]
    gamma: np.ndarray  # [P, R]
    disagreement: np.ndarray  # [P, R]
    power: np.ndarray  # [P, R]
    lower: np.ndarray  # [I, R]
    upper: np.ndarray  # [I, R]
    coarse: np.ndarray  # [G, 1] fractions of [lower, upper]
    fine: np.ndarray  # [G, 1] fractions of one coarse step either side
    sweeps: int

    def solve(self, text: np.ndarray, terms: np.ndarray, rows: slice) -> None:
        principals = self.ideal.shape[0]
        n = rows.stop - rows.start
        grid = self.coarse.shape[0]
        columns = np.arange(n)
        values = np.empty((grid, n))
        scratch = np.empty((grid, n))
        surplus = np.empty((grid, n))
        logged = _buffers(principals, grid, n)
        fine = (np.empty((grid, n)), _buffers(principals, grid, n))
        cached: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}  # the coarse grid's utilities, per issue
        for _ in range(self.sweeps):
            for issue in self.movable:
                low, high = self.lower[issue, rows], self.upper[issue, rows]
                step = (high - low) / (grid - 1)
                for coarse in (True, False):
                    if coarse and issue in cached:
                        values, own = cached[issue]
                    else:
                        values, own = (np.empty((grid, n)), _buffers(principals, grid, n)) if coarse else fine
                        if coarse:
                            np.multiply(high - low, self.coarse, out=values)
                            np.add(low, values, out=values)
                        else:
                            np.multiply(step, self.fine, out=values)
                            np.add(text[rows, issue], values, out=values)
                            np.clip(values, low, high, out=values)
                        for p in range(principals):
                            self._own(values, p, issue, rows, own[p])
                        if coarse:
                            cached[issue] = (values, own)
                    totals = terms[rows].sum(axis=2)  # [n, P], summed exactly as the reference does
                    for p in range(principals):
                        others = totals[:, p] - terms[rows, p, issue]
                        np.add(others, own[p], out=surplus)
                        np.subtract(surplus, self.disagreement[p, rows], out=surplus)
                        self._log_term(surplus, logged[p], scratch)
                        np.multiply(logged[p], self.power[p, rows], out=logged[p])
                    best = np.argmax(principal_sum(logged).T, axis=1)
                    text[rows, issue] = values[best, columns]
                    for p in range(principals):
                        terms[rows, p, issue] = own[p][best, columns]

    def _own(self, values: np.ndarray, p: int, issue: int, rows: slice, own: np.ndarray) -> None:
        """Principal p's utility from this issue at each grid point: w (1 - |x - ideal| ** gamma)."""
        np.subtract(values, self.ideal[p, issue, rows], out=own)
        np.abs(own, out=own)
        np.power(own, self.gamma[p, rows], out=own)
        np.subtract(1.0, own, out=own)
        np.multiply(self.weights[p, issue, rows], own, out=own)

    @staticmethod
    def _log_term(surplus: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
        """log(max(s, floor)) + min(s - floor, 0) / floor: the reference's two branches, exactly.

        Above the floor the second term is +0.0 and leaves log(s) as it is; below
        it, log(floor) + (s - floor) / floor, term for term the reference's value.
        """
        np.maximum(surplus, SURPLUS_FLOOR, out=out)
        np.log(out, out=out)
        np.subtract(surplus, SURPLUS_FLOOR, out=scratch)
        np.minimum(scratch, 0.0, out=scratch)
        np.divide(scratch, SURPLUS_FLOOR, out=scratch)
        np.add(out, scratch, out=out)
