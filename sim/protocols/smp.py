"""KTAB's Spatial Model of Politics as a dipsim protocol: one exchange on the calendar is one KTAB turn.

The actors with a stake (a stance on at least one issue) are KTAB's actors;
every issue is one of its dimensions, on the issue's normalised scale; an
actor's capability times ``capability_scale`` is KTAB's power, and its
saliences are KTAB's. A turn is ``sim.solvers.smp.take_turn``. After it, the forecast on the table is the
expected outcome of KTAB's election over the positions actors now hold (each
distinct position weighted by its probability of winning), and the rounds
table logs every actor's position and that probability (``win_probability``).

KTAB's stopping rule (``smpStopFn``) ends a replicate's run, as a forecast,
from the second turn on, once a turn moves the actors (the sum of their
Euclidean moves) by less than ``quiet_ratio`` (2 %, drawn per replicate when
uncertain) of the first turn's move plus 1e-4; the scenario's calendar is the
upper bound, as KTAB's 100 turns are.

Two readings are needed where a dipsim scenario says less than a KTAB table:
- an actor with no stance on an issue holds that issue's status quo, with no
  salience (it cares nothing for it, but others judge its position there);
- KTAB reads salience as a share of attention, at most 100 % over all
  dimensions; an actor whose saliences add up to more than 1 has them scaled
  down to sum to 1 (a KTAB table never needs this).
"""

from __future__ import annotations

import numpy as np

from sim.engine.agents import ActorAgent
from sim.engine.calendar import Slot
from sim.engine.events import fire_events
from sim.engine.log import RESPONSES
from sim.engine.outcomes import Status
from sim.engine.world import World
from sim.protocols.forecasts import ForecastProtocol
from sim.scenario.protocols import SmpSettings
from sim.solvers import smp

_FIRST_MOVE_FLOOR = 1e-4  # smpStopFn's minSigDelta: no 0 / 0 when the first turn moves nobody
_HOLD, _BARGAIN = RESPONSES.index("hold"), RESPONSES.index("compromise")


class SmpProtocol(ForecastProtocol):
    """Each exchange: events, one KTAB turn for every live replicate, its forecast, the stopping rule."""

    settings = SmpSettings

    def __init__(self) -> None:
        self._first_move: np.ndarray | None = None  # [R]: the first turn's movement, per replicate
        self._opened = False

    def exchange(self, model: World, slot: Slot) -> None:
        fire_events(model, slot)
        active = model.state.active()
        if not active.any():
            return
        settings = model.spec.protocol
        players = [a for a in model.actors if a.has_stance.any()]
        if not self._opened:
            self._open(model, players)
        live = np.flatnonzero(active)
        rules = _rules(settings)
        positions = np.stack([a.position[live] for a in players], axis=1)  # [n, N, D]
        salience = _attention(np.stack([a.salience[live] for a in players], axis=1))
        capability = np.stack([a.capability[live] for a in players], axis=1) * settings.capability_scale
        if len(players) >= 2:
            rng = model.rng if rules.transitions == "stochastic" else None
            turn = smp.take_turn(rules, positions, salience, capability, rng=rng)
        else:  # one actor alone has nobody to challenge
            none = np.full((len(live), len(players)), -1)
            turn = smp.Turn(positions, none, none)
        for n, agent in enumerate(players):
            agent.position[live] = turn.positions[:, n]
        assessment = smp.assess(rules, turn.positions, salience, capability)
        p_option, p_actor = smp.position_probabilities(rules, assessment, turn.positions, capability)
        model.state.text[live] = np.einsum("rn,rnd->rd", p_option, turn.positions)
        self._record_turn(model, slot, live, players, turn, p_actor)
        self._stop_when_quiet(model, slot, live, smp.state_distance(positions, turn.positions))

    def _open(self, model: World, players: list[ActorAgent]) -> None:
        """Before the first turn: issues without a stance start at their status quo (module docstring)."""
        self._first_move = np.full(model.replicates, np.nan)
        for agent in players:
            agent.position[:, ~agent.has_stance] = model.layout.status_quo[~agent.has_stance]
        self._opened = True

    def _stop_when_quiet(self, model: World, slot: Slot, live: np.ndarray, moved: np.ndarray) -> None:
        """KTAB ``smpStopFn``: from the second turn, stop once moves fall below a share of the first."""
        assert self._first_move is not None
        if slot.step == 1:
            self._first_move[live] = moved + _FIRST_MOVE_FLOOR
            return
        quiet = np.zeros(model.replicates, dtype=bool)
        quiet[live] = moved / self._first_move[live] < model.draw.protocol["quiet_ratio"][live]
        ended = model.state.settle(quiet, Status.FORECAST, ("forecast:quiet", "KTAB's stopping rule"))
        model.log.event(
            slot,
            np.flatnonzero(ended),
            "forecast",
            "forecast",
            -1,
            "KTAB's stopping rule: this turn moved the actors less than the quiet ratio "
            "times as far as the first",
        )

    @staticmethod
    def _record_turn(
        model: World,
        slot: Slot,
        live: np.ndarray,
        players: list[ActorAgent],
        turn: smp.Turn,
        p_actor: np.ndarray,
    ) -> None:
        if not model.log.enabled:
            return
        actors = len(model.actors)
        responses = np.full((len(live), actors), RESPONSES.index("observe"), dtype=np.int8)
        probability = np.full((len(live), actors), np.nan)
        for n, agent in enumerate(players):
            took = turn.partner[:, n] >= 0
            responses[:, agent.index] = np.where(took, _BARGAIN, _HOLD)
            probability[:, agent.index] = p_actor[:, n]
            for m, other in enumerate(players):
                rows = live[turn.partner[:, n] == m]
                if len(rows):
                    model.log.event(
                        slot, rows, f"move:{agent.actor_id}", "move", agent.index,
                        f"takes its bargain with {other.actor_id}",
                    )  # fmt: skip
        ForecastProtocol._record(model, slot, live, responses, win_probability=probability)


def _rules(settings: SmpSettings) -> smp.Rules:
    return smp.Rules(
        voting_rule=settings.voting_rule,
        victory_model=settings.victory_model,
        big_r_range=settings.big_r_range,
        big_r_adjust=settings.big_r_adjust,
        third_party_commit=settings.third_party_commit,
        interpolation=settings.interpolation,
        transitions=settings.transitions,
    )


def _attention(salience: np.ndarray) -> np.ndarray:
    """Saliences as KTAB reads them, shares of attention summing to at most 1 per actor: [n, N, D]."""
    total = salience.sum(axis=2, keepdims=True)
    return np.where(total > 1.0, salience / np.where(total > 0, total, 1.0), salience)
