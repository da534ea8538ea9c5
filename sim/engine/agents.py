"""Actors as Mesa agents whose state carries a leading replicate axis.

An ``ActorAgent`` is one actor across all R replicates at once: every attribute
is an array ``[R]`` or ``[R, I]``. Agents *answer* questions (how good is this
text to me, do I accept it, which way do I press) and never change the shared
state of the negotiation themselves: the protocol applies their answers. This
keeps a single run (R = 1) and a Monte Carlo batch on exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.engine.calendar import Layout
from sim.engine.draws import ParameterDraw
from sim.scenario.schema import Actor, RedLine
from sim.solvers.utility import curvature, normalised_weights, utility


@dataclass
class RedLineState:
    """A red line on the normalised scale, with its per-replicate firing probability."""

    spec: RedLine
    issue_index: int
    threshold: np.ndarray  # [R], normalised
    probability: np.ndarray  # [R]

    def crossed_by(self, text: np.ndarray) -> np.ndarray:
        """Whether each replicate's text [R, I] crosses this line -> bool [R]."""
        value = text[:, self.issue_index]
        if self.spec.above is not None:
            return value > self.threshold + 1e-9
        return value < self.threshold - 1e-9


class ActorAgent(mesa.Agent):
    """One actor of the scenario, vectorized over replicates."""

    def __init__(
        self,
        model: mesa.Model,
        actor_id: str,
        spec: Actor,
        index: int,
        draw: ParameterDraw,
        layout: Layout,
    ) -> None:
        super().__init__(model)
        self.actor_id = actor_id
        self.spec = spec
        self.index = index
        self.role = spec.role
        mine = draw.actors[actor_id]
        replicates = draw.replicates
        self.capability = mine.capability.copy()
        self.patience = mine.patience.copy()
        self.risk = mine.risk.copy()
        self.reservation = mine.reservation.copy()
        issues = len(layout.issue_ids)
        self.has_stance = np.zeros(issues, dtype=bool)
        self.ideal = np.full((replicates, issues), 0.5)
        self.salience = np.zeros((replicates, issues))
        for issue_id in spec.stances:
            i = layout.issue_ids.index(issue_id)
            self.has_stance[i] = True
            self.ideal[:, i] = layout.normalise(mine.position[issue_id], i)
            self.salience[:, i] = mine.salience[issue_id]
        self.position = self.ideal.copy()  # the effective position, moved by pressure and events
        self.preferences_changed()
        self.aspiration = np.ones(replicates)
        self.red_lines = [
            RedLineState(
                spec=line,
                issue_index=layout.issue_ids.index(line.issue),
                threshold=layout.normalise(drawn.threshold, layout.issue_ids.index(line.issue)),
                probability=drawn.probability.copy(),
            )
            for line, drawn in zip(spec.red_lines, mine.red_lines, strict=True)
        ]
        self.deadline_step = (
            layout.end_step_of(spec.deadline) if spec.deadline is not None else layout.total_steps
        )
        # [R] the step its concession clock runs to: its own deadline, or an earlier one it believes
        self.concession_step = np.full(draw.replicates, self.deadline_step)
        self.outside_option = mine.outside_option

    # --- preferences -----------------------------------------------------------------

    def preferences_changed(self) -> None:
        """Recompute what follows from salience, risk and capability; call after an event changes them.

        The weights w_ai, the curvature gamma_a and the pressure weight
        capability x salience are read in every exchange, and change only when
        an event sets one of their inputs, so they are computed once per change.
        """
        self.weights = normalised_weights(self.salience)
        self.gamma = curvature(self.risk)
        self._pressure_weight = self.capability[:, None] * self.salience

    def utility_of(self, text: np.ndarray, *, welfare: bool = False) -> np.ndarray:
        """Utility [R] of a text [R, I]: against current positions, or original ideals for welfare."""
        anchor = self.ideal if welfare else self.position
        return utility(text[:, None, :], anchor[:, None, :], self.weights[:, None, :], self.gamma[:, None])[
            :, 0, 0
        ]

    # --- behaviour ---------------------------------------------------------------------

    def aspiration_at(self, step: int) -> np.ndarray:
        """Time-dependent concession from 1 down to the reservation value.

        Faratin, Sierra & Jennings (1998): a(t) = r + (1 - r) * (1 - (t/T) ** (1/beta)),
        with t/T = (step - 1) / (concession_step - 1) so the first exchange opens at full aspiration;
        beta = 10 ** (1 - 2 * patience): patient actors are Boulware (beta < 1),
        impatient ones Conceders (beta > 1). T is the earliest deadline the actor
        believes, per replicate: its own, or a counterpart's (the deadline
        effect, docs/model.md section 4).
        """
        span = self.concession_step - 1
        progress = np.where(span > 0, np.minimum((step - 1) / np.maximum(span, 1), 1.0), 1.0)
        beta = np.power(10.0, 1.0 - 2.0 * self.patience)
        conceded = np.power(progress, 1.0 / beta)
        return self.reservation + (1.0 - self.reservation) * (1.0 - conceded)

    def rejects_by_red_line(self, text: np.ndarray) -> np.ndarray:
        """Replicates whose text crosses one of this principal's 'reject' red lines -> bool [R]."""
        refused = np.zeros(len(text), dtype=bool)
        for line in self.red_lines:
            if line.spec.action == "reject":
                refused |= line.crossed_by(text)
        return refused

    def perceive(self, text: np.ndarray, noise_sd: np.ndarray) -> np.ndarray:
        """The utility the actor believes a text has: the true value misread by Gaussian noise."""
        return self.utility_of(text) + self.model.rng.normal(0.0, 1.0, len(text)) * noise_sd

    def accepts(self, text: np.ndarray, perceived: np.ndarray) -> np.ndarray:
        """Accept when the perceived utility reaches the aspiration and no red line is crossed."""
        return (perceived >= self.aspiration) & ~self.rejects_by_red_line(text)

    def pressure_weight(self) -> np.ndarray:
        """How hard this actor pushes (or resists) on each issue: capability x salience -> [R, I]."""
        return self._pressure_weight
