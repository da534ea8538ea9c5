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
BLOCK = 512  # replicates per block: a block's dozen [grid, BLOCK] buffers (~1 MB) stay in a core's L2 cache


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


def issue_sum(terms: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Sum ``terms`` [P, I, n] over the issues into ``out`` [P, n], in numpy's pairwise order.

    ``terms.sum(axis=-1)`` on the reference's [R, P, I] layout adds each row's I
    values by numpy's pairwise summation: left to right below 8 terms; up to 128,
    eight interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
    plus the remainder left to right; beyond that, two halves (a multiple of 8
    first) summed the same way. Here the same additions run with the replicates
    innermost, so every add is one contiguous vector operation.
    """
    count = terms.shape[1]
    if count > 128:
        half = count // 2
        half -= half % 8
        head = issue_sum(terms[:, :half], np.empty_like(out))
        return np.add(head, issue_sum(terms[:, half:], out), out=out)
    if count < 8:
        np.copyto(out, terms[:, 0])
        for i in range(1, count):
            np.add(out, terms[:, i], out=out)
        return out
    lanes = terms[:, :8].copy()
    stop = count - count % 8
    for i in range(8, stop, 8):
        np.add(lanes, terms[:, i : i + 8], out=lanes)
    pairs = lanes[:, 0::2] + lanes[:, 1::2]  # r0+r1, r2+r3, r4+r5, r6+r7
    np.add(pairs[:, 0] + pairs[:, 1], pairs[:, 2] + pairs[:, 3], out=out)
    for i in range(stop, count):
        np.add(out, terms[:, i], out=out)
    return out


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
    precision: str = "float64",
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

    ``precision="float32"`` scores the grid points in single precision (the
    engine is about 1.5x faster, docs/performance.md) while the grid points and the text stay
    in double precision, so a text is always exactly one of the float64 grid
    points; where two points score within float32 rounding of each other the
    choice can differ from float64's.
    """
    text = start.copy()
    lower = np.broadcast_to(0.0 if lower is None else lower, start.shape)
    upper = np.broadcast_to(1.0 if upper is None else upper, start.shape)
    dtype = np.dtype(precision)  # the scenario's protocol settings say which (sim.scenario.protocols)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"precision must be float64 or float32, not {precision!r}")

    def laid_out(array: np.ndarray, axes: tuple[int, ...], kind: np.dtype = dtype) -> np.ndarray:
        return np.ascontiguousarray(array.transpose(axes), dtype=kind)

    problem = _Problem(
        movable=np.flatnonzero(movable),
        ideal=laid_out(ideal, (1, 2, 0)),  # [P, I, R]
        weights=laid_out(weights, (1, 2, 0)),
        gamma=laid_out(gamma, (1, 0)),  # [P, R]
        disagreement=laid_out(disagreement, (1, 0)),
        power=laid_out(power, (1, 0)),
        lower=laid_out(lower, (1, 0), np.dtype(np.float64)),  # [I, R]
        upper=laid_out(upper, (1, 0), np.dtype(np.float64)),
        coarse=np.linspace(0.0, 1.0, grid)[:, None],
        fine=np.linspace(-1.0, 1.0, grid)[:, None],
        sweeps=sweeps,
    )
    for first in range(0, len(text), BLOCK):
        rows = slice(first, min(first + BLOCK, len(text)))
        text[rows] = problem.solve(np.ascontiguousarray(text[rows].T), rows).T
    return text


@dataclass(frozen=True)
class _Problem:
    """One call's arrays, replicate axis last; ``solve`` runs the ascent on one block of replicates.

    Grid points, bounds and the text are float64; the utilities (ideal to power)
    are in the call's precision.
    """

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

    def solve(self, text: np.ndarray, rows: slice) -> np.ndarray:
        """The ascent on one block: text [I, n] (modified and returned) for replicates ``rows``.

        Every principal is scored in the same ufunc call ([P, G, n] arrays), so
        the number of numpy calls does not grow with the number of principals.
        """
        principals = self.ideal.shape[0]
        n = rows.stop - rows.start
        grid = self.coarse.shape[0]
        kind = self.ideal.dtype
        columns = np.arange(n)
        ideal, weights = self.ideal[:, :, rows], self.weights[:, :, rows]
        gamma = self.gamma[:, None, rows]  # [P, 1, n]: broadcast over the grid
        disagreement, power = self.disagreement[:, None, rows], self.power[:, None, rows]
        # Each principal's utility from each issue of the text: [P, I, n], as the reference computes it.
        terms = np.abs(text.astype(kind, copy=False)[None] - ideal)
        np.power(terms, gamma, out=terms)
        np.subtract(1.0, terms, out=terms)
        np.multiply(weights, terms, out=terms)

        def scores() -> np.ndarray:
            return np.empty((principals, grid, n), dtype=kind)

        others = np.empty((principals, n), dtype=kind)
        scratch, logged = scores(), scores()
        points = np.empty((grid, n), dtype=kind) if kind != np.float64 else None  # grid points, scored
        fine = (np.empty((grid, n)), scores())
        cached: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # the coarse grid's utilities, per issue
        for _ in range(self.sweeps):
            for issue in self.movable:
                low, high = self.lower[issue, rows], self.upper[issue, rows]
                step = (high - low) / (grid - 1)
                for coarse in (True, False):
                    if coarse and issue in cached:
                        values, own = cached[issue]
                    else:
                        values, own = (np.empty((grid, n)), scores()) if coarse else fine
                        if coarse:
                            np.multiply(high - low, self.coarse, out=values)
                            np.add(low, values, out=values)
                        else:
                            np.multiply(step, self.fine, out=values)
                            np.add(text[issue], values, out=values)
                            np.maximum(values, low, out=values)  # np.clip's arithmetic, without its
                            np.minimum(values, high, out=values)  # Python-level dispatch
                        scored = values if points is None else np.copyto(points, values) or points
                        _own(scored, ideal[:, issue, None], gamma, weights[:, issue, None], own)
                        if coarse:
                            cached[issue] = (values, own)
                    issue_sum(terms, out=others)  # every issue's utility, summed as the reference does
                    np.subtract(others, terms[:, issue], out=others)  # ... but this one's
                    np.add(others[:, None], own, out=logged)  # the surplus, first
                    np.subtract(logged, disagreement, out=logged)
                    _log_term(logged, scratch)
                    np.multiply(logged, power, out=logged)
                    best = np.argmax(principal_sum(list(logged)), axis=0)
                    text[issue] = values[best, columns]
                    terms[:, issue] = own[:, best, columns]
        return text


def _own(
    values: np.ndarray, ideal: np.ndarray, gamma: np.ndarray, weight: np.ndarray, out: np.ndarray
) -> None:
    """Every principal's utility from one issue per grid point: w (1 - |x - ideal| ** gamma), [P, G, n]."""
    np.subtract(values, ideal, out=out)
    np.abs(out, out=out)
    np.power(out, gamma, out=out)
    np.subtract(1.0, out, out=out)
    np.multiply(weight, out, out=out)


def _log_term(surplus: np.ndarray, scratch: np.ndarray) -> None:
    """surplus -> log(max(s, floor)) + min(s - floor, 0) / floor, in place: the reference's two branches.

    Above the floor the second term is +0.0 and leaves log(s) as it is; below
    it, log(floor) + (s - floor) / floor, term for term the reference's value.
    """
    np.subtract(surplus, SURPLUS_FLOOR, out=scratch)
    np.minimum(scratch, 0.0, out=scratch)
    np.divide(scratch, SURPLUS_FLOOR, out=scratch)
    np.maximum(surplus, SURPLUS_FLOOR, out=surplus)
    np.log(surplus, out=surplus)
    np.add(surplus, scratch, out=surplus)
