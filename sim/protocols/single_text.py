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

import numpy as np

from sim.engine.agents import ActorAgent, RedLineState
from sim.engine.calendar import Slot
from sim.engine.events import fire_events
from sim.engine.log import RESPONSES
from sim.engine.outcomes import Status
from sim.engine.world import World
from sim.protocols.base import Protocol
from sim.scenario.protocols import SingleTextSettings
from sim.solvers.nash import nash_text
from sim.solvers.utility import concession_path_offer


class SingleTextProtocol(Protocol):
    """Its rules: events, the mediator's draft (or a proposer's offer), responses, red lines, deals,
    walk-outs at a principal's deadline, and influencers' pressure, in that order."""

    settings = SingleTextSettings

    def __init__(self) -> None:
        self._signable: tuple[np.ndarray, np.ndarray] | None = None

    def exchange(self, world: World, slot: Slot) -> None:
        fire_events(world, slot)
        state = world.state
        active = state.active()
        if not active.any():
            return
        principals = world.principals
        for principal in principals:
            principal.aspiration = principal.aspiration_at(slot.step)
        round_spec = world.spec.rounds[slot.round_id]
        agenda = world.layout.agendas[slot.round_id]
        live = np.flatnonzero(active)  # finished replicates cost nothing from here on
        # A round's first exchange searches from the last round's text; later ones start
        # from the previous draft, already close to the optimum, so one sweep suffices.
        sweeps = 2 if slot.exchange == 1 else 1
        target = self._nash_package(world, agenda, live, sweeps)
        if round_spec.format == "indirect":
            proposer = world.agent_by_id[round_spec.mediator]
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
                world.spec.protocol.grid,
            )
        state.text[live] = proposal

        noise = world.draw.protocol["noise"]
        perceived = np.array([p.perceive(state.text, noise) for p in principals])
        accepts = np.array(
            [p.accepts(state.text, seen) for p, seen in zip(principals, perceived, strict=True)]
        )
        if proposer.role == "principal":
            accepts[principals.index(proposer)] = ~proposer.rejects_by_red_line(state.text)
        self._conclude(world, active & accepts.all(axis=0), slot)
        self._text_red_lines(world, slot)
        self._walk_outs(world, slot)

        self._record(world, slot, active, accepts, perceived, proposer)
        self._press(world, state.active())

    # --- the rules ----------------------------------------------------------------------

    def signable_range(self, world: World) -> tuple[np.ndarray, np.ndarray]:
        """Per replicate and issue ([R, I]), the normalised interval no principal's 'reject' line rules out.

        Red lines are public commitments, so a mediator drafts inside them. Where
        they contradict each other the interval would be empty; the mediator then
        ignores them on that issue and the texts will be refused.
        """
        if self._signable is None:
            issues = len(world.layout.issue_ids)
            lower = np.zeros((world.replicates, issues))
            upper = np.ones((world.replicates, issues))
            for principal in world.principals:
                for line in principal.red_lines:
                    if line.spec.action != "reject":
                        continue
                    if line.spec.above is not None:
                        upper[:, line.issue_index] = np.minimum(upper[:, line.issue_index], line.threshold)
                    else:
                        lower[:, line.issue_index] = np.maximum(lower[:, line.issue_index], line.threshold)
            conflicting = lower > upper
            lower[conflicting], upper[conflicting] = 0.0, 1.0
            self._signable = (lower, upper)
        return self._signable

    def _conclude(self, world: World, agreed: np.ndarray, slot: Slot) -> None:
        """All principals accepted: a deal, unless someone's red line fires on it."""
        world.state.sign(agreed)
        remaining = agreed.copy()
        for agent in world.actors:
            for line in agent.red_lines:
                if line.spec.trigger != "deal" or line.spec.action == "reject":
                    continue
                remaining &= ~self._fire_red_line(world, agent, line, remaining, slot)
        world.state.settle(remaining, Status.DEAL, ("deal", "every principal signed the text"))
        world.log.event(slot, np.flatnonzero(remaining), "deal", "deal", -1, "all principals accepted")

    def _text_red_lines(self, world: World, slot: Slot) -> None:
        for agent in world.actors:
            for line in agent.red_lines:
                if line.spec.trigger == "text" and line.spec.action != "reject":
                    self._fire_red_line(world, agent, line, world.state.active(), slot)

    @staticmethod
    def _fire_red_line(
        world: World, agent: ActorAgent, line: RedLineState, candidates: np.ndarray, slot: Slot
    ) -> np.ndarray:
        crossed = candidates & line.crossed_by(world.state.text)
        if not crossed.any():
            return crossed
        fires = crossed & (world.rng.random(world.replicates) < line.probability)
        status = Status.ESCALATION if line.spec.action == "escalate" else Status.BREAKDOWN
        number = next(n for n, own in enumerate(agent.red_lines) if own is line)
        on = "a signed text" if line.spec.trigger == "deal" else "the text on the table"
        label = f"{agent.actor_id}'s red line, {line.spec.describe}, on {on} ({line.spec.action})"
        ended = world.state.end(fires, status, (f"red_line:{agent.actor_id}:{number}", label), agent.index)
        detail = f"{line.spec.describe}: {line.spec.action}"
        world.log.event(
            slot, np.flatnonzero(ended), f"red_line:{agent.actor_id}", "red_line", agent.index, detail
        )
        return ended

    @staticmethod
    def _walk_outs(world: World, slot: Slot) -> None:
        """A principal with its own deadline leaves when that deadline passes without a deal."""
        for principal in world.principals:
            if principal.spec.deadline is None or slot.step != principal.deadline_step:
                continue
            if principal.spec.deadline not in world.spec.round_ids:  # after the talks' own deadline
                continue
            cause = (
                f"walk_out:{principal.actor_id}",
                f"{principal.actor_id}'s own deadline (end of round {principal.spec.deadline}) passed",
            )
            ended = world.state.end(world.state.active(), Status.BREAKDOWN, cause, principal.index)
            world.log.event(
                slot,
                np.flatnonzero(ended),
                f"walk_out:{principal.actor_id}",
                "walk_out",
                principal.index,
                f"its deadline (end of round {principal.spec.deadline}) passed without a deal",
            )

    def _nash_package(self, world: World, agenda: np.ndarray, live: np.ndarray, sweeps: int) -> np.ndarray:
        """The mediator's Nash package for the live replicates only -> [len(live), I]."""
        principals = world.principals
        lower, upper = self.signable_range(world)
        return nash_text(
            start=world.state.text[live],
            movable=agenda,
            ideal=np.stack([p.position[live] for p in principals], axis=1),
            weights=np.stack([p.weights[live] for p in principals], axis=1),
            gamma=np.stack([p.gamma[live] for p in principals], axis=1),
            disagreement=np.stack([p.reservation[live] for p in principals], axis=1),
            power=np.stack([p.capability[live] for p in principals], axis=1),
            grid=world.spec.protocol.grid,
            lower=lower[live],
            upper=upper[live],
            sweeps=sweeps,
            precision=world.spec.protocol.precision,
        )

    @staticmethod
    def _press(world: World, active: np.ndarray) -> None:
        """Move each principal's position towards the influencers that press it.

        p_j += lambda * sum_k w_k (p_k - p_j) / (w_j + sum_k w_k), w = capability x salience:
        a convex combination, so positions never leave the issue's bounds.
        """
        live = slice(None) if active.all() else np.flatnonzero(active)  # a slice gathers nothing
        rate = world.draw.protocol["pressure_rate"][live, None]
        for principal in world.principals:
            pressers = world.pressers_of(principal)
            if not pressers:
                continue
            own = principal.position[live]
            resistance = principal.pressure_weight()[live]
            pull = np.zeros_like(resistance)
            total = resistance.copy()
            for influencer in pressers:
                weight = influencer.pressure_weight()[live]
                pull += weight * (influencer.position[live] - own)
                total += weight
            shift = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
            principal.position[live] = own + rate * shift

    @staticmethod
    def _record(
        world: World,
        slot: Slot,
        active: np.ndarray,
        accepts: np.ndarray,
        perceived: np.ndarray,
        proposer: ActorAgent,
    ) -> None:
        if not world.log.enabled:
            return
        replicates = np.flatnonzero(active)
        actors = world.actors
        codes = np.empty((len(replicates), len(actors)), dtype=np.int8)
        for agent in actors:
            if agent is proposer:
                code = "propose" if agent.role == "principal" else "draft"
            else:
                code = {"influencer": "press", "mediator": "observe"}.get(agent.role, "")
            codes[:, agent.index] = RESPONSES.index(code) if code else 0
        for n, principal in enumerate(world.principals):
            if principal is not proposer:
                codes[:, principal.index] = np.where(
                    accepts[n, replicates], RESPONSES.index("accept"), RESPONSES.index("reject")
                )
        seen = np.full((len(replicates), len(actors)), np.nan)
        for n, principal in enumerate(world.principals):
            seen[:, principal.index] = perceived[n, replicates]
        world.log.exchange(
            slot,
            replicates,
            positions=np.stack(
                [np.where(a.has_stance, a.position[replicates], np.nan) for a in actors], axis=1
            ),
            aspiration=np.stack(
                [
                    a.aspiration[replicates] if a.role == "principal" else np.full(len(replicates), np.nan)
                    for a in actors
                ],
                axis=1,
            ),
            utility=np.stack([world.utility_on_table(a)[replicates] for a in actors], axis=1),
            perceived=seen,
            response=codes,
            text=world.state.text[replicates],
            proposer=proposer.index,
        )
