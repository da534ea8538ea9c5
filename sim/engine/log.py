"""Accumulate what happened into long Arrow tables, the run's source of truth.

Chunks are kept as numpy arrays (one per column per exchange) and turned into
Arrow tables once, at the end of a batch, so logging costs a few array copies
per exchange rather than a Python object per row. Categorical columns (actor,
round, response...) are dictionary-encoded, which keeps Parquet files small
and loads as pandas categoricals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.engine.agents import ActorAgent
from sim.engine.calendar import Layout, Slot
from sim.engine.draws import ParameterDraw
from sim.engine.outcomes import STATUS_LABELS, Status
from sim.engine.state import TalksState
from sim.engine.tracks import TrackState

RESPONSES = (
    "accept",
    "reject",
    "propose",
    "draft",
    "press",
    "observe",
    "hold",
    "confront",
    "compromise",
    "capitulate",
)
EVENT_KINDS = ("event", "red_line", "walk_out", "deal", "stalemate", "move", "forecast", "outside_option")


@dataclass(frozen=True)
class RunTables:
    """Everything a run produced; reports and analysis read only these."""

    rounds: pa.Table
    texts: pa.Table
    events: pa.Table
    outcomes: pa.Table
    samples: pa.Table | None


def _categorical(codes: list[np.ndarray], labels: tuple[str, ...]) -> pa.DictionaryArray:
    indices = np.concatenate(codes).astype(np.int32) if codes else np.zeros(0, np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(list(labels), pa.string()))


def _concat(chunks: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(chunks).astype(dtype) if chunks else np.zeros(0, dtype)


class Recorder:
    """Collects per-exchange snapshots; ``enabled=False`` keeps only events and outcomes."""

    def __init__(
        self,
        layout: Layout,
        roles: tuple[str, ...],
        enabled: bool = True,
        tracks: dict[str, TrackState] | None = None,
    ) -> None:
        self.layout = layout
        self.tracks = tracks or {}
        self.roles = roles
        self.enabled = enabled
        self._rounds: dict[str, list[np.ndarray]] = defaultdict(list)
        self._texts: dict[str, list[np.ndarray]] = defaultdict(list)
        self._events: dict[str, list[np.ndarray]] = defaultdict(list)
        self._event_names: list[str] = []
        self._event_details: list[str] = []

    # --- collection ----------------------------------------------------------------

    def exchange(
        self,
        slot: Slot,
        replicates: np.ndarray,
        positions: np.ndarray,
        aspiration: np.ndarray,
        utility: np.ndarray,
        perceived: np.ndarray,
        response: np.ndarray,
        text: np.ndarray,
        proposer: int,
        win_probability: np.ndarray | None = None,
    ) -> None:
        """Log one exchange for the given replicates.

        positions: [n, A, I] normalised; aspiration, utility, perceived: [n, A];
        response: [n, A] codes into RESPONSES; text: [n, I] normalised;
        proposer -1 marks a forecast that nobody proposed. ``win_probability``
        [n, A] is logged by protocols that give each actor's position a
        probability of winning (KTAB's SMP); the rounds table then has that
        column, and other protocols' tables are as before.
        """
        if not self.enabled or len(replicates) == 0:
            return
        n, actors = aspiration.shape
        rows = self._rounds
        _append_slot(rows, slot, np.repeat(replicates, actors))
        rows["actor"].append(np.tile(np.arange(actors), n))
        in_units = self.layout.to_units(positions)
        for i, issue_id in enumerate(self.layout.issue_ids):
            rows[f"position_{issue_id}"].append(in_units[:, :, i].reshape(-1))
        rows["aspiration"].append(aspiration.reshape(-1))
        rows["utility"].append(utility.reshape(-1))
        rows["perceived"].append(perceived.reshape(-1))
        if win_probability is not None:
            rows["win_probability"].append(win_probability.reshape(-1))
        rows["response"].append(response.reshape(-1))
        texts = self._texts
        _append_slot(texts, slot, replicates)
        texts["proposer"].append(np.full(n, proposer))
        text_units = self.layout.to_units(text)
        for i, issue_id in enumerate(self.layout.issue_ids):
            texts[issue_id].append(text_units[:, i])
        for track_id, track in self.tracks.items():  # the world's state beside the text, in its unit
            texts[f"track_{track_id}"].append(track.value[replicates])

    def event(
        self, slot: Slot, replicates: np.ndarray, name: str, kind: str, actor: int, detail: str
    ) -> None:
        if len(replicates) == 0:
            return
        n = len(replicates)
        rows = self._events
        _append_slot(rows, slot, replicates)
        rows["event"].append(np.full(n, self._intern(self._event_names, name)))
        rows["kind"].append(np.full(n, EVENT_KINDS.index(kind)))
        rows["actor"].append(np.full(n, actor))
        rows["detail"].append(np.full(n, self._intern(self._event_details, detail)))

    @staticmethod
    def _intern(values: list[str], value: str) -> int:
        if value not in values:
            values.append(value)
        return values.index(value)

    # --- tables --------------------------------------------------------------------

    def rounds_table(self, round_ids: tuple[str, ...]) -> pa.Table:
        rows = self._rounds
        actor_ids = self.layout.actor_ids
        roles = np.array([("principal", "influencer", "mediator").index(r) for r in self.roles])
        actor_codes = _concat(rows["actor"], np.int32)
        columns: dict[str, pa.Array] = {
            **_slot_columns(rows, round_ids),
            "actor": _categorical(rows["actor"], actor_ids),
            "role": _categorical([roles[actor_codes]], ("principal", "influencer", "mediator")),
        }
        for issue_id in self.layout.issue_ids:
            columns[f"position_{issue_id}"] = pa.array(_concat(rows[f"position_{issue_id}"], np.float64))
        columns["aspiration"] = pa.array(_concat(rows["aspiration"], np.float64))
        columns["utility"] = pa.array(_concat(rows["utility"], np.float64))
        columns["perceived"] = pa.array(_concat(rows["perceived"], np.float64))
        if "win_probability" in rows:
            columns["win_probability"] = pa.array(_concat(rows["win_probability"], np.float64))
        columns["response"] = _categorical(rows["response"], RESPONSES)
        return pa.table(columns)

    def texts_table(self, round_ids: tuple[str, ...]) -> pa.Table:
        rows = self._texts
        columns: dict[str, pa.Array] = {
            **_slot_columns(rows, round_ids),
            "proposer": _actor_or_blank(rows["proposer"], self.layout.actor_ids),
        }
        for issue_id in self.layout.issue_ids:
            columns[issue_id] = pa.array(_concat(rows[issue_id], np.float64))
        for track_id in self.tracks:
            columns[f"track_{track_id}"] = pa.array(_concat(rows[f"track_{track_id}"], np.float64))
        return pa.table(columns)

    def events_table(self, round_ids: tuple[str, ...]) -> pa.Table:
        rows = self._events
        return pa.table(
            {
                **_slot_columns(rows, round_ids),
                "event": _categorical(rows["event"], tuple(self._event_names)),
                "kind": _categorical(rows["kind"], EVENT_KINDS),
                "actor": _actor_or_blank(rows["actor"], self.layout.actor_ids),
                "detail": _categorical(rows["detail"], tuple(self._event_details)),
            }
        )


def _append_slot(rows: dict[str, list[np.ndarray]], slot: Slot, replicates: np.ndarray) -> None:
    """Where and when, for every row logged at this slot: the leading columns of each table."""
    n = len(replicates)
    rows["replicate"].append(replicates)
    rows["step"].append(np.full(n, slot.step))
    rows["round"].append(np.full(n, slot.round_number))
    rows["round_id"].append(np.full(n, slot.round_number - 1))
    rows["exchange"].append(np.full(n, slot.exchange))


def _slot_columns(rows: dict[str, list[np.ndarray]], round_ids: tuple[str, ...]) -> dict[str, pa.Array]:
    return {
        "replicate": pa.array(_concat(rows["replicate"], np.int32)),
        "step": pa.array(_concat(rows["step"], np.int16)),
        "round": pa.array(_concat(rows["round"], np.int16)),
        "round_id": _categorical(rows["round_id"], round_ids),
        "exchange": pa.array(_concat(rows["exchange"], np.int16)),
    }


def _actor_or_blank(codes: list[np.ndarray], actor_ids: tuple[str, ...]) -> pa.DictionaryArray:
    """Actor codes where -1 means 'no particular actor'."""
    shifted = [c + 1 for c in codes]
    return _categorical(shifted, ("", *actor_ids))


def outcomes_table(
    state: TalksState, layout: Layout, actors: tuple[ActorAgent, ...], round_ids: tuple[str, ...]
) -> pa.Table:
    """One row per replicate: how it ended, when, by whom and why, the terms, and each actor's utility of it.

    ``signed`` says whether every principal signed one text before the talks
    ended (a deal, or a signed text that a red line then overturned); ``cause``
    names the rule, event or actor that ended them (``red_line:Israel:0``,
    ``event:israeli_strike``, ``walk_out:US``, ``deal``, ``deadline``,
    ``forecast``) and ``cause_label`` says it in words.
    """
    calendar = layout.calendar
    round_number = np.array([0] + [slot.round_number for slot in calendar], dtype=np.int16)
    ended = state.ended_step.astype(np.int64)
    settled = (state.status == Status.DEAL) | (state.status == Status.FORECAST)
    terms = layout.to_units(state.settled_text)
    columns: dict[str, pa.Array] = {
        "replicate": pa.array(np.arange(state.replicates, dtype=np.int32)),
        "outcome": pa.DictionaryArray.from_arrays(
            pa.array(state.status.astype(np.int32)), pa.array(list(STATUS_LABELS))
        ),
        "round": pa.array(round_number[ended]),
        "round_id": pa.DictionaryArray.from_arrays(
            pa.array(np.maximum(round_number[ended] - 1, 0).astype(np.int32)), pa.array(list(round_ids))
        ),
        "exchanges": pa.array(state.ended_step),
        "by": pa.DictionaryArray.from_arrays(
            pa.array((state.ended_by + 1).astype(np.int32)), pa.array(["", *layout.actor_ids])
        ),
        "signed": pa.array(state.signed),
        "cause": _cause_column(state, 0),
        "cause_label": _cause_column(state, 1),
    }
    for i, issue_id in enumerate(layout.issue_ids):
        columns[issue_id] = pa.array(terms[:, i])
    for agent in actors:
        if agent.has_stance.any():
            welfare = np.where(
                settled, agent.utility_of(np.nan_to_num(state.settled_text), welfare=True), agent.reservation
            )
        else:
            welfare = np.full(state.replicates, np.nan)
        columns[f"utility_{agent.actor_id}"] = pa.array(welfare)
    return pa.table(columns)


def _cause_column(state: TalksState, part: int) -> pa.DictionaryArray:
    """The cause id (part 0) or its label (part 1) of each replicate's end; empty while open."""
    labels = ["", *(cause[part] for cause in state.causes)]
    return pa.DictionaryArray.from_arrays(pa.array((state.cause + 1).astype(np.int32)), pa.array(labels))


def samples_table(draw: ParameterDraw) -> pa.Table | None:
    """One row per replicate with each sampled parameter's value; None when nothing was sampled."""
    if not draw.sampled:
        return None
    return pa.table(
        {"replicate": pa.array(np.arange(draw.replicates, dtype=np.int32))}
        | {str(key): pa.array(draw[key]) for key in draw.sampled}
    )
