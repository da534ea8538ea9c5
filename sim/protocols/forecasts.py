"""Forecasting models from the literature, run on the same scenario and engine as the bargaining protocol.

They predict the group's decision on each issue from the actors' capability,
salience and position, rather than simulating who signs what. Each exchange on
the calendar is one iteration: events fire as in any run, the forecast is
recomputed from the actors' current positions, and the forecast is what lies
"on the table" (logged in the texts table). At the end of the calendar every
replicate still running closes with the outcome ``forecast`` and the final
forecast as its terms. Red lines, deadlines and aspirations belong to the
bargaining protocol and play no part here; an event that ends the talks still
ends them. Every issue is forecast at every exchange, whatever the agenda.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from sim.engine.agents import ActorAgent
from sim.engine.calendar import Slot
from sim.engine.events import fire_events
from sim.engine.log import RESPONSES
from sim.engine.outcomes import Status
from sim.engine.world import World
from sim.protocols.base import Protocol
from sim.scenario.protocols import (
    CompromiseSettings,
    ExpectedUtilitySettings,
    NashSettings,
    WeightedMedianSettings,
)
from sim.solvers.bdm import Choices, Move, RoundResult, play_round
from sim.solvers.forecasting import weighted_mean, weighted_median
from sim.solvers.nash import nash_text


class ForecastProtocol(Protocol):
    """Shared loop: events, forecast from current positions, log; subclasses say how to forecast."""

    def exchange(self, model: World, slot: Slot) -> None:
        fire_events(model, slot)
        active = model.state.active()
        if not active.any():
            return
        live = np.flatnonzero(active)
        responses = self.update_positions(model, live, slot)
        model.state.text[live] = self.forecast(model, live)
        self._record(model, slot, live, responses)

    def close(self, model: World, slot: Slot) -> None:
        """The calendar has run out: every replicate still open ends with its forecast as the terms."""
        ended = model.state.settle(
            model.state.active(), Status.FORECAST, ("forecast", "the forecast at the end of the calendar")
        )
        model.log.event(slot, np.flatnonzero(ended), "forecast", "forecast", -1, "final forecast")

    def update_positions(self, model: World, live: np.ndarray, slot: Slot) -> np.ndarray:
        """Let the actors move, if the model has them move; returns response codes [len(live), A]."""
        return np.full((len(live), len(model.actors)), RESPONSES.index("observe"), dtype=np.int8)

    def forecast(self, model: World, live: np.ndarray) -> np.ndarray:
        """The forecast package [len(live), I] from the actors' current positions."""
        raise NotImplementedError

    @staticmethod
    def _record(
        model: World,
        slot: Slot,
        live: np.ndarray,
        responses: np.ndarray,
        win_probability: np.ndarray | None = None,
    ) -> None:
        """Log the exchange: positions, the forecast on the table, each actor's response.

        ``win_probability`` [len(live), A] is for models that give each position a
        probability of winning (KTAB's SMP); the others' rounds tables lack the column.
        """
        if not model.log.enabled:
            return
        nothing = np.full((len(live), len(model.actors)), np.nan)
        model.log.exchange(
            slot,
            live,
            positions=np.stack(
                [np.where(a.has_stance, a.position[live], np.nan) for a in model.actors], axis=1
            ),
            aspiration=nothing,
            utility=np.stack([model.utility_on_table(a)[live] for a in model.actors], axis=1),
            perceived=nothing,
            response=responses,
            text=model.state.text[live],
            proposer=-1,
            win_probability=win_probability,
        )


def _stakes(model: World, live: np.ndarray, issue: int) -> tuple[np.ndarray, ...]:
    """Positions, capability, salience [len(live), n] of the actors with a stake in one issue."""
    holders = [a for a in model.actors if a.has_stance[issue]]
    positions = np.stack([a.position[live, issue] for a in holders], axis=1)
    capability = np.stack([a.capability[live] for a in holders], axis=1)
    salience = np.stack([a.salience[live, issue] for a in holders], axis=1)
    return positions, capability, salience


Rule = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def per_issue_forecast(model: World, live: np.ndarray, rule: Rule) -> np.ndarray:
    """Apply a one-issue rule (positions, c x s weights, fallback) to every issue -> [len(live), I]."""
    result = model.state.text[live].copy()
    for issue in range(len(model.layout.issue_ids)):
        if not any(a.has_stance[issue] for a in model.actors):
            continue  # nobody cares: the last forecast (at first the status quo) stands
        positions, capability, salience = _stakes(model, live, issue)
        result[:, issue] = rule(positions, capability * salience, result[:, issue])
    return result


class _PerIssueForecast(ForecastProtocol):
    """Forecasts that treat each issue on its own, from capability x salience weights."""

    rule: ClassVar[Rule]

    def forecast(self, model: World, live: np.ndarray) -> np.ndarray:
        return per_issue_forecast(model, live, type(self).rule)


class CompromiseProtocol(_PerIssueForecast):
    settings = CompromiseSettings
    rule = staticmethod(weighted_mean)


class WeightedMedianProtocol(_PerIssueForecast):
    settings = WeightedMedianSettings
    rule = staticmethod(weighted_median)


class NashProtocol(ForecastProtocol):
    """The asymmetric Nash bargaining package over every actor with a stake.

    Utilities are dipsim's (salience-weighted spatial utility, curvature from
    risk attitude), the disagreement point is each actor's reservation value,
    and bargaining power is capability x the actor's mean salience over the
    issues it cares about. On a single issue this is Achen's (2006) c x s
    weighted Nash solution: salience cannot act through utility there, because
    Nash's solution ignores a rescaling of any one party's utility.
    """

    settings = NashSettings

    def forecast(self, model: World, live: np.ndarray) -> np.ndarray:
        holders = [a for a in model.actors if a.has_stance.any()]
        weights = np.stack([a.weights[live] for a in holders], axis=1)
        salience = np.stack([a.salience[live] for a in holders], axis=1)
        stakes = np.stack([a.has_stance for a in holders])  # [P, I]
        mean_salience = salience.sum(axis=2) / stakes.sum(axis=1)[None, :]
        start = per_issue_forecast(model, live, weighted_mean)  # near the optimum of a concave objective
        return nash_text(
            start=start,
            movable=np.ones(len(model.layout.issue_ids), dtype=bool) & stakes.any(axis=0),
            ideal=np.stack([a.position[live] for a in holders], axis=1),
            weights=weights,
            gamma=np.stack([a.gamma[live] for a in holders], axis=1),
            disagreement=np.stack([a.reservation[live] for a in holders], axis=1),
            power=np.stack([a.capability[live] for a in holders], axis=1) * mean_salience,
            grid=model.spec.protocol.grid,
            sweeps=3,
            precision=model.spec.protocol.precision,
        )


# Move code -> response code in the rounds log, and the verb the story uses for a move
_MOVE_CODES = np.array(
    [RESPONSES.index(r) for r in ("hold", "confront", "compromise", "capitulate")], dtype=np.int8
)
_MOVE_VERBS = {
    Move.CONFRONTED: "gives way to",
    Move.COMPROMISED: "compromises with",
    Move.CAPITULATED: "capitulates to",
}


class ExpectedUtilityProtocol(ForecastProtocol):
    """Bueno de Mesquita's challenge model: actors move, then the forecast is read off.

    The settings' ``variant`` arrives already applied to perspective, conflict
    and offer_choice (the settings model fills them in); what it adds here is
    the one mechanism that is not a setting, scholz_2011's global denominator
    of success probabilities.
    """

    settings = ExpectedUtilitySettings

    def update_positions(self, model: World, live: np.ndarray, slot: Slot) -> np.ndarray:
        settings = model.spec.protocol
        choices = Choices(
            risk=settings.risk,
            distance_scale=settings.distance_scale,
            perspective=settings.perspective,
            conflict=settings.conflict,
            offer_choice=settings.offer_choice,
            probability="global" if settings.variant == "scholz_2011" else "pairwise",
        )
        q = model.draw.protocol["q"][live]
        responses = np.full((len(live), len(model.actors)), RESPONSES.index("observe"), dtype=np.int8)
        strongest = np.zeros((len(live), len(model.actors)), dtype=np.int8)  # the largest move per actor
        for issue, issue_id in enumerate(model.layout.issue_ids):
            holders = [a for a in model.actors if a.has_stance[issue]]
            if len(holders) < 2:
                continue
            positions, capability, salience = _stakes(model, live, issue)
            gamma = np.stack([a.gamma[live] for a in holders], axis=1)
            result = play_round(positions, capability, salience, q, choices, gamma)
            for n, agent in enumerate(holders):
                agent.position[live, issue] = result.positions[:, n]
                strongest[:, agent.index] = np.maximum(strongest[:, agent.index], result.move[:, n])
                self._log_moves(model, slot, live, issue_id, agent.actor_id, holders, result, n)
        for agent in model.actors:
            if agent.has_stance.any():
                responses[:, agent.index] = _MOVE_CODES[strongest[:, agent.index]]
        return responses

    @staticmethod
    def _log_moves(
        model: World,
        slot: Slot,
        live: np.ndarray,
        issue_id: str,
        actor_id: str,
        holders: list[ActorAgent],
        result: RoundResult,
        n: int,
    ) -> None:
        """One 'move' event per actor that changed position, naming whom it moved towards."""
        if not model.log.enabled:
            return
        for m, verb in _MOVE_VERBS.items():
            for k, other in enumerate(holders):
                rows = live[(result.move[:, n] == m) & (result.towards[:, n] == k)]
                if len(rows):
                    model.log.event(
                        slot,
                        rows,
                        f"move:{actor_id}",
                        "move",
                        model.agent_by_id[actor_id].index,
                        f"{verb} {other.actor_id} on {issue_id}",
                    )

    def forecast(self, model: World, live: np.ndarray) -> np.ndarray:
        rule = weighted_median if model.spec.protocol.forecast == "median" else weighted_mean
        return per_issue_forecast(model, live, rule)
