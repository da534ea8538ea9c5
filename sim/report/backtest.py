"""The report of a backtest folder: predicted against actual, the error per protocol, the per-case table.

Everything is drawn from ``backtest.parquet`` and the manifest, like every
other report: the printed backtest, this report and the table say the same.
Issues have different units, so the scatter puts each on its own range (0 =
the issue's low bound, 1 = its high bound); the hover gives the units.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.experiments.backtest.scores import BASELINES, protocol_order, protocol_scores
from sim.report.backtest_text import case_lines, error_lines, source_lines
from sim.report.figures import TEMPLATE
from sim.report.html import Section
from sim.report.palette import scenario_colour
from sim.report.plain import plain
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.store.results import Results

_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")


def protocol_colour(name: str) -> str:
    """One colour per protocol, the same in every backtest report (by its place in PROTOCOL_NAMES)."""
    index = PROTOCOL_NAMES.index(name) if name in PROTOCOL_NAMES else len(PROTOCOL_NAMES)
    return scenario_colour(index)


def _symbol(name: str) -> str:
    index = PROTOCOL_NAMES.index(name) if name in PROTOCOL_NAMES else len(PROTOCOL_NAMES)
    return _SYMBOLS[index % len(_SYMBOLS)]


def predicted_vs_actual(table: pd.DataFrame) -> go.Figure:
    """One point per case x issue x protocol, on the issue's range; on the diagonal is a perfect forecast."""
    figure = go.Figure(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"color": "#bbbbbb", "dash": "dash"},
            name="prediction = actual",
            hoverinfo="skip",
        )
    )
    span = table.high - table.low
    protocols = protocol_order(table)
    for order, name in enumerate(protocols):
        mine = table.protocol == name
        rows = table[mine]
        figure.add_trace(
            go.Scatter(
                x=((rows.actual - rows.low) / span[mine]).to_numpy(),
                y=((rows.predicted - rows.low) / span[mine]).to_numpy(),
                mode="markers",
                name=name + (" (baseline)" if name in BASELINES else ""),
                marker={
                    "color": protocol_colour(name),
                    "symbol": _symbol(name),
                    # later protocols drawn smaller, so equal predictions show as nested marks, not one
                    "size": 8 + 3 * (len(protocols) - order),
                    "line": {"color": "white", "width": 1},
                },
                customdata=rows[
                    ["case", "issue", "unit", "predicted", "actual", "abs_error", "normalised_error"]
                ]
                .assign(unit=rows.unit.map(plain))
                .to_numpy(),
                hovertemplate=f"<b>{name}</b><br>%{{customdata[0]}}: %{{customdata[1]}}<br>"
                "predicted %{customdata[3]:.4g} %{customdata[2]}<br>"
                "actual %{customdata[4]:.4g} %{customdata[2]}<br>"
                "error %{customdata[5]:.4g} %{customdata[2]} "
                "(%{customdata[6]:.1%} of the range)<extra></extra>",
            )
        )
    axis = {"range": [-0.04, 1.04], "tickformat": ".0%", "zeroline": False, "constrain": "domain"}
    figure.update_layout(
        template=TEMPLATE,
        title="Predicted against actual outcome, each issue on its own range (0% = low bound, 100% = high)",
        xaxis={**axis, "title": "actual outcome (share of the issue's range)"},
        yaxis={**axis, "title": "predicted outcome (share of the issue's range)", "scaleanchor": "x"},
        legend_title_text="protocol",
        hovermode="x",  # every protocol's prediction for the case-issues at that actual value
        height=620,
    )
    return figure


def error_ranking(table: pd.DataFrame) -> go.Figure:
    """Mean normalised error per protocol, best first, with the better baseline drawn as a line to beat."""
    scores = protocol_scores(table)
    figure = go.Figure(
        go.Bar(
            x=[s.protocol + (" (baseline)" if s.protocol in BASELINES else "") for s in scores],
            y=[s.mae for s in scores],
            marker_color=[protocol_colour(s.protocol) for s in scores],
            text=[f"{s.mae:.3f}" for s in scores],
            textposition="outside",
            customdata=[[s.count] for s in scores],
            hovertemplate="%{x}: mean error %{y:.4f} of the issue's range "
            "over %{customdata[0]} case-issues<extra></extra>",
        )
    )
    baselines = [s.mae for s in scores if s.protocol in BASELINES]
    if baselines:
        figure.add_hline(
            y=min(baselines),
            line_dash="dot",
            line_color="#777777",
            annotation_text="best baseline",
            annotation_position="top right",
        )
    top = max((s.mae for s in scores), default=0.0)
    figure.update_layout(
        template=TEMPLATE,
        title="Mean absolute error per protocol, normalised by each issue's range (lower is better), ranked",
        xaxis_title="protocol (best first)",
        yaxis={"title": "mean absolute error (share of the issue's range)", "range": [0, top * 1.2 or 1]},
    )
    return figure


def case_text(table: pd.DataFrame, results: Results) -> str:
    """The per-case tables and the error summary, exactly as `dipsim backtest` prints them."""
    lines = []
    for case_id, info in results.manifest["cases"].items():
        lines += [f"{case_id}  ({info['file']})", *("  " + line for line in case_lines(table, case_id))]
        lines += ["  " + line for line in source_lines(info["source"])] + [""]
    return "\n".join(lines + error_lines(table))


def report_parts(results: Results) -> tuple[str, dict[str, str], list[Section]]:
    """Title, header facts and sections of a backtest report (sim.report.build wraps them in a Report)."""
    table = results.backtest()
    cases = len(results.manifest["cases"])
    sections = [
        Section(
            "Predicted against actual",
            "One point per case, issue and protocol. Points on the dashed diagonal are perfect forecasts; "
            "hover for the case, the issue and the values in its unit.",
            [predicted_vs_actual(table)],
        ),
        Section(
            "Error by protocol",
            "The compromise (capability x salience weighted mean) and the weighted median are the baselines "
            "to beat: a richer model earns its keep only by a lower error than theirs.",
            [error_ranking(table)],
        ),
        Section(
            "Per case",
            "Predicted (median over replicates of what holds at the end: the terms of a deal or forecast, "
            "else the status quo) against the actual outcome, in each issue's unit.",
            preformatted=case_text(table, results),
        ),
    ]
    return f"dipsim backtest report: {results.manifest['cases_dir']}", _facts(results, cases), sections


def _facts(results: Results, cases: int) -> dict[str, str]:
    manifest = results.manifest
    versions = manifest.get("versions", {})
    return {
        "cases": f"{cases} in {manifest['cases_dir']} ({', '.join(manifest['cases'])})",
        "results": str(results.path),
        "kind": "backtest",
        "protocols": ", ".join(manifest["protocols"]),
        "seed": str(manifest["seed"]),
        "replicates": f"{manifest['replicates']:,} per case and protocol"
        + (", uncertain parameters sampled" if manifest["sampled"] else ", central parameter values"),
        "versions": ", ".join(
            f"{k} {v}" for k, v in versions.items() if k in ("dipsim", "python", "mesa", "numpy", "pyarrow")
        ),
        "date": manifest.get("started_at", ""),
    }
