"""Tell what happened in a run, from its logged tables alone.

The story is built from the run folder (manifest + Parquet), never from a live
model, so ``dipsim run`` prints exactly what a later reader of the folder would
reconstruct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.protocols import FORECASTING_PROTOCOLS
from sim.store.results import Results

_VERDICT = {
    "deal": "DEAL: every principal signed the same text",
    "stalemate": "STALEMATE: the deadline passed with talks still open",
    "breakdown": "BREAKDOWN: a principal walked out",
    "escalation": "ESCALATION: an actor took its outside option by force",
    "forecast": "FORECAST: the model's prediction of the group decision",
}


CAUSE_COLUMNS = ("outcome", "signed", "cause", "label", "count", "share", "share_of_outcome")
_TIMING = {False: "during talks", True: "after a signed text"}


def has_causes(outcomes: pd.DataFrame) -> bool:
    """Folders written before dipsim logged why each replicate ended have no signed/cause columns."""
    return {"signed", "cause", "cause_label"} <= set(outcomes.columns)


def outcome_heading(outcome: str, signed: bool) -> str:
    """An outcome class, with escalation always split by when it came: a strike during the talks and a
    strike on a text every principal signed are different stories. Any other end that came after a
    signed text (a walk-out red line on a deal) says so too."""
    if outcome == "escalation":
        return f"escalation {_TIMING[signed]}"
    return f"{outcome} {_TIMING[True]}" if signed and outcome != "deal" else outcome


def cause_counts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome class, signed or not, and cause: how many replicates ended that way.

    ``share`` is of all replicates, ``share_of_outcome`` of the replicates of that class; rows run in
    the order of the outcome classes, then by count, largest first.
    """
    total = len(outcomes)
    keys = ["outcome", "signed", "cause", "cause_label"]
    table = outcomes[keys].astype({"outcome": str, "cause": str, "cause_label": str})
    counts = table.groupby(keys).size().rename("count").reset_index().rename(columns={"cause_label": "label"})
    counts["share"] = counts["count"] / total
    counts["share_of_outcome"] = counts["count"] / counts.groupby("outcome")["count"].transform("sum")
    counts["order"] = counts.outcome.map({label: n for n, label in enumerate(_VERDICT)})
    ordered = counts.sort_values(["order", "signed", "count"], ascending=[True, True, False])
    return ordered[list(CAUSE_COLUMNS)].reset_index(drop=True)


def escalation_counts(outcomes: pd.DataFrame) -> dict[str, int]:
    """Replicates that escalated during the talks, and after every principal had signed one text."""
    escalated = outcomes.outcome == "escalation"
    return {
        "during_talks": int((escalated & ~outcomes.signed).sum()),
        "after_signed_text": int((escalated & outcomes.signed).sum()),
    }


def escalation_timing(outcomes: pd.DataFrame) -> dict[str, float]:
    """:func:`escalation_counts` as shares of all replicates."""
    return {timing: count / len(outcomes) for timing, count in escalation_counts(outcomes).items()}


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "n/a"
    magnitude = abs(value)
    return f"{value:.0f}" if magnitude >= 100 else f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"


def _issue_text(run: Results, issue_id: str, value: float) -> str:
    unit = run.manifest["issues"][issue_id]["unit"]
    short_unit = unit.split(" (")[0]
    return f"{issue_id} {_fmt(value)} {short_unit}"


def replicate_story(run: Results, replicate: int = 0) -> list[str]:
    """The round-by-round narrative of one replicate."""
    rounds = run.table("rounds")
    texts = run.table("texts")
    events = run.table("events")
    rounds = rounds[rounds.replicate == replicate]
    texts = texts[texts.replicate == replicate]
    events = events[events.replicate == replicate]
    actors = run.manifest["actors"]
    lines: list[str] = []
    for number, spec in enumerate(run.manifest["rounds"], start=1):
        round_texts = texts[texts["round"] == number]
        round_events = events[events["round"] == number]
        if round_texts.empty and round_events.empty:
            continue
        via = f"via {spec['mediator']}" if spec["format"] == "indirect" else "direct, alternating offers"
        lines.append("")
        lines.append(
            f"Round {number} - {spec['id']} - {spec['venue']} ({spec['format']}, {via}); "
            f"agenda: {', '.join(spec['agenda'])}"
        )
        for exchange in sorted(set(round_texts.exchange) | set(round_events.exchange)):
            lines.extend(
                _exchange_lines(run, spec, rounds, round_texts, round_events, number, exchange, actors)
            )
    return lines


def _exchange_lines(
    run: Results,
    spec: dict[str, Any],
    rounds: pd.DataFrame,
    texts: pd.DataFrame,
    events: pd.DataFrame,
    number: int,
    exchange: int,
    actors: dict[str, Any],
) -> list[str]:
    lines = []
    text = texts[texts.exchange == exchange]
    before = events[(events.exchange == exchange) & (events.kind == "event")]
    for n, (_, event) in enumerate(before.iterrows()):
        who = f" ({event.actor})" if event.actor else ""
        marker = f"{exchange}." if text.empty and n == 0 else "  "
        lines.append(f"  {marker} ! {event.detail or event.event}{who}")
    if not text.empty:
        row = text.iloc[0]
        if not row.proposer:
            return [*lines, *_forecast_lines(run, events, row, exchange)]
        verb = "drafts" if actors[row.proposer]["role"] == "mediator" else "proposes"
        terms = "; ".join(_issue_text(run, issue, row[issue]) for issue in spec["agenda"])
        lines.append(f"  {exchange}. {row.proposer} {verb}: {terms}")
        step = rounds[(rounds["round"] == number) & (rounds.exchange == exchange)]
        replies = []
        for _, reply in step[step.role == "principal"].iterrows():
            if reply.response == "propose":
                replies.append(f"{reply.actor} proposes it (utility {reply.utility:.2f})")
            else:
                relation = ">=" if reply.perceived >= reply.aspiration else "<"
                misread = (reply.perceived >= reply.aspiration) != (reply.utility >= reply.aspiration)
                replies.append(
                    f"{reply.actor} {reply.response}s (reads it as {reply.perceived:.2f} {relation} "
                    f"aspiration {reply.aspiration:.2f}"
                    + (f"; misread, true value {reply.utility:.2f})" if misread else ")")
                )
        lines.append("     " + "; ".join(replies))
    after = events[(events.exchange == exchange) & (events.kind != "event")]
    for _, event in after.iterrows():
        who = f"{event.actor}: " if event.actor else ""
        lines.append(f"  > {event.kind.replace('_', ' ')} - {who}{event.detail}")
    return lines


def _forecast_lines(run: Results, events: pd.DataFrame, row: pd.Series, exchange: int) -> list[str]:
    """A forecasting model's exchange: who moved (expected utility), then the forecast."""
    lines = []
    moves = events[(events.exchange == exchange) & (events.kind == "move")]
    if not moves.empty:
        lines.append("     " + "; ".join(f"{m.actor} {m.detail}" for m in moves.itertuples()))
    terms = "; ".join(_issue_text(run, issue, row[issue]) for issue in run.manifest["issues"])
    lines.append(f"  {exchange}. forecast: {terms}")
    return lines


def outcome_lines(run: Results, replicate: int = 0) -> list[str]:
    outcomes = run.table("outcomes")
    row = outcomes[outcomes.replicate == replicate].iloc[0]
    total = sum(r["exchanges"] for r in run.manifest["rounds"])
    lines = [
        "",
        f"Outcome: {_VERDICT[row.outcome]}"
        + (f" ({row.by})" if row.by else "")
        + f", in round {row['round']} ({row.round_id}), exchange {row.exchanges} of {total}.",
    ]
    if has_causes(outcomes):
        lines.append(f"  Cause: {row.cause_label}")
    if row.outcome in ("deal", "forecast"):
        lines.append("  Terms: " + "; ".join(_issue_text(run, i, row[i]) for i in run.manifest["issues"]))
    utilities = [
        f"{actor_id} {row[f'utility_{actor_id}']:.2f}"
        for actor_id in run.manifest["actors"]
        if not np.isnan(row[f"utility_{actor_id}"])
    ]
    lines.append("  Utility of the result (0-1): " + ", ".join(utilities))
    return lines


def distribution_lines(run: Results) -> list[str]:
    """Across replicates: how often each outcome, what ended the talks, and the spread of agreed terms.

    The shares are said to be shares of simulated replicates, since that is all they are.
    """
    outcomes = run.table("outcomes")
    count = len(outcomes)
    shares = outcomes.outcome.value_counts().reindex(list(_VERDICT), fill_value=0)
    meaning = f"  ({run.share_meaning}; not a probability of the world)"
    lines = ["", f"Across {count} replicates:", meaning]
    causes = has_causes(outcomes)
    for label, n in shares.items():
        lines.append(f"  {label:<21} {n:>7}  {n / count:6.1%}")
        if label == "escalation" and n and causes:
            for timing, part in zip(_TIMING.values(), escalation_counts(outcomes).values(), strict=True):
                lines.append(f"    {timing:<19} {part:>7}  {part / count:6.1%}")
    if causes:
        lines.extend(_signed_and_cause_lines(run, outcomes))
    # a signed deal and a forecast are both terms, of different kinds: each gets its own spread
    for label, heading in (("deal", "Agreed terms"), ("forecast", "Forecast terms")):
        settled = outcomes[outcomes.outcome == label]
        if settled.empty:
            continue
        lines.append(f"  {heading} (median [5%, 95%] over {len(settled)} {label}s of {count} replicates):")
        for issue_id, info in run.manifest["issues"].items():
            q = settled[issue_id].quantile([0.5, 0.05, 0.95])
            lines.append(
                f"    {issue_id:<17} {_fmt(q[0.5])} [{_fmt(q[0.05])}, {_fmt(q[0.95])}] {info['unit']}"
            )
    return lines


def _signed_and_cause_lines(run: Results, outcomes: pd.DataFrame) -> list[str]:
    """How many replicates reached a text every principal signed, then what ended each outcome class."""
    count = len(outcomes)
    lines = []
    if run.manifest["protocol"] not in FORECASTING_PROTOCOLS:  # a forecast is never signed
        signed = int(outcomes.signed.sum())
        share = signed / count
        lines.append(f"  Every principal signed one text in {signed} of {count} replicates ({share:.1%})")
    lines.append("  What ended them (count, share of all replicates):")
    table = cause_counts(outcomes)
    width = min(max(table.label.str.len()), 72)
    heading = None
    for row in table.itertuples():
        if outcome_heading(row.outcome, row.signed) != heading:
            heading = outcome_heading(row.outcome, row.signed)
            lines.append(f"    {heading}")
        lines.append(f"      {row.label:<{width}} {row.count:>7}  {row.share:6.1%}")
    return lines


def summary(run: Results) -> dict[str, Any]:
    """The JSON summary: replicate 0's outcome and terms, plus shares across replicates."""
    outcomes = run.table("outcomes")
    first = outcomes.iloc[0]
    issues = list(run.manifest["issues"])
    deals = outcomes[outcomes.outcome == "deal"]

    def number(value: float) -> float | None:
        return None if pd.isna(value) else float(value)

    result = {
        "run": str(run.path),
        "scenario": run.manifest["scenario"]["name"],
        "seed": run.manifest["seed"],
        "replicates": len(outcomes),
        "protocol": run.manifest["protocol"],
        "outcome": str(first.outcome),
        "terms": {issue: number(first[issue]) for issue in issues},
        "round": int(first["round"]),
        "round_id": str(first.round_id),
        "exchanges": int(first.exchanges),
        "by": str(first.by) or None,
        "utilities": {a: number(first[f"utility_{a}"]) for a in run.manifest["actors"]},
        "outcome_shares": {label: float((outcomes.outcome == label).mean()) for label in _VERDICT},
        "outcome_shares_meaning": run.share_meaning,
        "signed_share": float(outcomes.signed.mean()),
        "escalation_timing": escalation_timing(outcomes),
        "outcomes_by_cause": [
            {name: _plain_json(value) for name, value in row.items()}
            for row in cause_counts(outcomes).to_dict("records")
        ],
        "median_terms_given_deal": {
            issue: number(deals[issue].median()) if not deals.empty else None for issue in issues
        },
    }
    if run.manifest["protocol"] in FORECASTING_PROTOCOLS:
        result["forecast"] = forecast_summary(run, number)
    return result


def _plain_json(value: Any) -> Any:
    """numpy scalars as the Python numbers json can write."""
    return value.item() if isinstance(value, np.generic) else value


def forecast_summary(run: Results, number: Callable[[float], float | None]) -> dict[str, Any]:
    """Replicate 0's final forecast per issue and its path, plus the spread across replicates."""
    issues = list(run.manifest["issues"])
    outcomes = run.table("outcomes")
    forecasts = outcomes[outcomes.outcome == "forecast"]
    texts = run.table("texts")
    path = texts[texts.replicate == 0].sort_values("step")
    return {
        "position": {issue: number(outcomes.iloc[0][issue]) for issue in issues},
        "path": [
            {
                "step": int(row.step),
                "round": int(row["round"]),
                "round_id": str(row.round_id),
                "exchange": int(row.exchange),
                **{issue: number(row[issue]) for issue in issues},
            }
            for _, row in path.iterrows()
        ],
        "across_replicates": {
            issue: {
                "median": number(forecasts[issue].median()),
                "p05": number(forecasts[issue].quantile(0.05)),
                "p95": number(forecasts[issue].quantile(0.95)),
            }
            for issue in issues
        }
        if not forecasts.empty
        else None,
    }
