"""What the page shows of a move's run folder, built with the report's own code.

The shares, the agreed terms, what ended the talks, one replicate's story and its "why" chart are
the ones ``dipsim report`` draws (sim.report), read from the same kind of folder, so the page and a
report of the folder cannot disagree. Figures leave here as plotly JSON that has been through
:func:`sim.report.plain.plain_figure`, so no text from the scenario reaches the page as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow.compute as pc

from sim.engine.outcomes import OUTCOME_LABELS
from sim.report import figures
from sim.report.plain import plain_figure
from sim.report.story import escalation_timing, has_causes, outcome_lines, replicate_story
from sim.scenario.protocols import FORECASTING_PROTOCOLS
from sim.store.results import Results


@dataclass(frozen=True)
class Story:
    """One replicate's round-by-round story and its "why" chart (None where nobody has aspirations)."""

    replicate: int
    text: str
    why: str | None  # plotly JSON


def share_lines(outcomes: pd.DataFrame, protocol: str) -> list[figures.Share]:
    """Each outcome class the protocol can end in, with its share and 95 % Wilson interval (``text()``
    is the line the page shows); a forecast only for forecasting models."""
    shown = [label for label in OUTCOME_LABELS if label != "forecast" or protocol in FORECASTING_PROTOCOLS]
    return [share for share in figures.outcome_shares(outcomes) if share.label in shown]


def escalation_note(outcomes: pd.DataFrame) -> str:
    """When escalation came: during the talks, or after every principal had signed one text."""
    if not has_causes(outcomes):
        return ""
    timing = escalation_timing(outcomes)
    return (
        f"Escalation during the talks: {timing['during_talks']:.1%} of the replicates; after a text "
        f"every principal had signed: {timing['after_signed_text']:.1%}."
    )


def figure_json(figure: go.Figure) -> str:
    """The figure as the page's plotly.js takes it, with scenario text escaped (never markup)."""
    return pio.to_json(plain_figure(figure), validate=False)


def terms_figure(outcomes: pd.DataFrame, results: Results) -> str:
    return figure_json(figures.terms_distribution(outcomes, results))


def causes_figure(outcomes: pd.DataFrame, results: Results) -> str | None:
    """What ended the talks, for folders that log it."""
    if not has_causes(outcomes):
        return None
    return figure_json(figures.outcome_causes(outcomes, results.share_meaning))


def story(results: Results, replicate: int) -> Story:
    """The story of one replicate, reading only that replicate's rows of the logs.

    :func:`sim.report.story.replicate_story` reads whole tables and keeps one replicate; a move's
    folder holds thousands, so it is handed a view of the folder whose tables are read with that
    replicate's filter (the same rows, a fraction of the reading).
    """
    one = OneReplicate.of(results, replicate)
    lines = replicate_story(one, replicate) + outcome_lines(one, replicate)
    rounds = one.table("rounds")
    why = None
    if "aspiration" in rounds.columns and rounds.aspiration.notna().any():
        why = figure_json(figures.run_utilities(rounds, results))
    return Story(replicate, "\n".join(lines).strip("\n"), why)


@dataclass(frozen=True)
class OneReplicate(Results):
    """A run folder read as if it held one replicate: every per-replicate table is filtered to it."""

    replicate: int = 0

    @classmethod
    def of(cls, results: Results, replicate: int) -> OneReplicate:
        return cls(results.path, results.manifest, results.info, results.batches, replicate)

    def table(
        self, name: str, columns: list[str] | None = None, rows: pc.Expression | None = None
    ) -> pd.DataFrame:
        mine = pc.field("replicate") == self.replicate
        return super().table(name, columns, mine if rows is None else rows & mine)
