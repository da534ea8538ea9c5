"""Mediated single negotiating text, with an alternating-offers variant for direct rounds.

Raiffa (1982, *The Art and Science of Negotiation*, ch. 14) describes the
single negotiating text: a mediator drafts one package, the parties criticise
it, and it is revised until all can sign. Here the mediator's draft is the
asymmetric Nash bargaining package of the principals' current positions (power
= capability, disagreement = reservation value), the principals accept once the
text reaches an aspiration that falls with time (Faratin, Sierra & Jennings
1998), and influencers pull the principals' positions towards their own
(capability x salience weighted, in the spirit of Stokman & Van Oosten 1994).
In a direct round there is no mediator: principals take turns to propose,
conceding from their own ideal towards the Nash package only as far as their
aspiration allows (Rubinstein 1982 turn-taking, Zeuthen-style concession).
See docs/model.md for the equations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.engine.calendar import Slot
from sim.engine.log import RESPONSES
from sim.protocols.base import Protocol
from sim.solvers.utility import concession_path_offer, nash_text

if TYPE_CHECKING:
    from sim.engine.agents import ActorAgent
    from sim.engine.model import NegotiationModel


class SingleTextProtocol(Protocol):
    name: ClassVar[str] = "single_text"
    citation: ClassVar[str] = "Raiffa 1982; Faratin, Sierra & Jennings 1998; Stokman & Van Oosten 1994"

    def exchange(self, model: NegotiationModel, slot: Slot) -> None:
        model.fire_events(slot)
        active = model.active()
        if not active.any():
            return
        principals = model.principals
        for principal in principals:
            principal.update_aspiration(slot.step)
        round_spec = model.spec.rounds[slot.round_id]
        agenda = model.layout.agendas[slot.round_id]
        live = np.flatnonzero(active)  # finished replicates cost nothing from here on
        # A round's first exchange searches from the last round's text; later ones start
        # from the previous draft, already close to the optimum, so one sweep suffices.
        sweeps = 2 if slot.exchange == 1 else 1
        target = self._nash_package(model, agenda, live, sweeps)
        if round_spec.format == "indirect":
            proposer = model.agent_by_id[round_spec.mediator]
            proposal = target
        else:
            proposer = principals[(slot.step - 1) % len(principals)]
            proposal = concession_path_offer(
                proposer.position[live],
                target,
                agenda,
                proposer.weights[live],
                proposer.gamma[live],
                proposer.aspiration[live],
                model.spec.protocol.grid,
            )
        model.text[live] = proposal

        noise = model.draw["protocol.noise"]
        perceived = np.array([p.perceive(model.text, noise) for p in principals])
        accepts = np.array(
            [p.accepts(model.text, seen) for p, seen in zip(principals, perceived, strict=True)]
        )
        if proposer.role == "principal":
            accepts[principals.index(proposer)] = ~proposer.rejects_by_red_line(model.text)
        model.conclude(active & accepts.all(axis=0), slot)
        model.fire_text_red_lines(slot)
        model.walk_outs(slot)

        self._record(model, slot, active, accepts, perceived, proposer)
        self._press(model, model.active())

    @staticmethod
    def _nash_package(
        model: NegotiationModel, agenda: np.ndarray, live: np.ndarray, sweeps: int
    ) -> np.ndarray:
        """The mediator's Nash package for the live replicates only -> [len(live), I]."""
        principals = model.principals
        return nash_text(
            start=model.text[live],
            movable=agenda,
            ideal=np.stack([p.position[live] for p in principals], axis=1),
            weights=np.stack([p.weights[live] for p in principals], axis=1),
            gamma=np.stack([p.gamma[live] for p in principals], axis=1),
            disagreement=np.stack([p.reservation[live] for p in principals], axis=1),
            power=np.stack([p.capability[live] for p in principals], axis=1),
            grid=model.spec.protocol.grid,
            lower=model.signable_range[0][live],
            upper=model.signable_range[1][live],
            sweeps=sweeps,
        )

    @staticmethod
    def _press(model: NegotiationModel, active: np.ndarray) -> None:
        """Move each principal's position towards the influencers that press it.

        p_j += lambda * sum_k w_k (p_k - p_j) / (w_j + sum_k w_k), w = capability x salience:
        a convex combination, so positions never leave the issue's bounds.
        """
        rate = model.draw["protocol.pressure_rate"][active, None]
        for principal in model.principals:
            pressers = model.pressers_of(principal)
            if not pressers:
                continue
            resistance = principal.pressure_weight()[active]
            pull = np.zeros_like(resistance)
            total = resistance.copy()
            for influencer in pressers:
                weight = influencer.pressure_weight()[active]
                pull += weight * (influencer.position[active] - principal.position[active])
                total += weight
            shift = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
            principal.position[active] += rate * shift

    @staticmethod
    def _record(
        model: NegotiationModel,
        slot: Slot,
        active: np.ndarray,
        accepts: np.ndarray,
        perceived: np.ndarray,
        proposer: ActorAgent,
    ) -> None:
        if not model.recorder.enabled:
            return
        replicates = np.flatnonzero(active)
        codes = np.empty((len(replicates), len(model.actors)), dtype=np.int8)
        for agent in model.actors:
            if agent is proposer:
                code = "propose" if agent.role == "principal" else "draft"
            else:
                code = {"influencer": "press", "mediator": "observe"}.get(agent.role, "")
            codes[:, agent.index] = RESPONSES.index(code) if code else 0
        for n, principal in enumerate(model.principals):
            if principal is not proposer:
                codes[:, principal.index] = np.where(
                    accepts[n, replicates], RESPONSES.index("accept"), RESPONSES.index("reject")
                )
        seen = np.full((len(replicates), len(model.actors)), np.nan)
        for n, principal in enumerate(model.principals):
            seen[:, principal.index] = perceived[n, replicates]
        model.recorder.exchange(
            slot,
            replicates,
            positions=np.stack(
                [np.where(a.has_stance, a.position[replicates], np.nan) for a in model.actors], axis=1
            ),
            aspiration=np.stack(
                [
                    a.aspiration[replicates] if a.role == "principal" else np.full(len(replicates), np.nan)
                    for a in model.actors
                ],
                axis=1,
            ),
            utility=np.stack([model.utility_on_table(a)[replicates] for a in model.actors], axis=1),
            perceived=seen,
            response=codes,
            text=model.text[replicates],
            proposer=proposer.index,
        )
