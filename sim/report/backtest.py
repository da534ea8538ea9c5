"""The report of a backtest folder: predicted against actual, the error per protocol, the per-case table.

Everything is drawn from ``backtest.parquet`` and the manifest, like every
other report: the printed backtest, this report and the table say the same.
Issues have different units, so the scatter puts each on its own range (0 =
the issue's low bound, 1 = its high bound); the hover gives the units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.backtest.predictions import BASELINES
from sim.experiments.backtest.scores import METRICS, Score, Scores, score_tables
from sim.report.backtest_text import METRIC_NAMES, backtest_lines, verdict_lines
from sim.report.figures import TEMPLATE
from sim.report.html import Section
from sim.report.palette import scenario_colour
from sim.report.plain import plain
from sim.scenario.protocols import PROTOCOL_NAMES
from sim.store.results import Results

_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")
_BASELINE_GREYS = ("#111111", "#555555", "#888888", "#bbbbbb")  # naive baselines: greys, hollow marks


_PREDICTORS = (*PROTOCOL_NAMES, *BASELINES)


def protocol_colour(name: str) -> str:
    """One colour per predictor, the same in every backtest report (protocols first, then the baselines)."""
    index = _PREDICTORS.index(name) if name in _PREDICTORS else len(_PREDICTORS)
    return _BASELINE_GREYS[BASELINES.index(name) % 4] if name in BASELINES else scenario_colour(index)


def _symbol(name: str) -> str:
    index = _PREDICTORS.index(name) if name in _PREDICTORS else len(_PREDICTORS)
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
    protocols = list(dict.fromkeys(table.predictor))
    for order, name in enumerate(protocols):
        mine = table.predictor == name
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
        legend_title_text="predictor",
        hovermode="x",  # every protocol's prediction for the case-issues at that actual value
        height=620,
    )
    return figure


def score_dots(scores: Scores) -> go.Figure:
    """One panel per score: each predictor's mean over the cases with its 95 % bootstrap interval.

    Baselines are hollow marks; the dotted line is the best baseline, the one a
    protocol has to beat (coverage has no line: it is read, not ranked).
    """
    metrics = [m for m in METRICS if any(s.metric == m for s in scores.scores)]
    columns = 2
    rows = (len(metrics) + 1) // columns
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[METRIC_NAMES[m] for m in metrics],
        horizontal_spacing=0.22,
        vertical_spacing=0.14,
    )
    shown: set[str] = set()
    for index, metric in enumerate(metrics):
        row, column = index // columns + 1, index % columns + 1
        mine = [s for s in scores.scores if s.metric == metric]
        for score in mine:
            figure.add_trace(_score_dot(score, metric, score.predictor not in shown), row=row, col=column)
            shown.add(score.predictor)
        # each panel lists its own predictors, best-known order: protocols first, then baselines
        figure.update_yaxes(
            categoryorder="array", categoryarray=[s.predictor for s in mine][::-1], row=row, col=column
        )
        best = next((c.baseline for c in scores.comparisons if c.metric == metric), None)
        reference = scores.of(best, metric) if best is not None else None
        if reference is not None:
            figure.add_vline(x=reference.value, line_dash="dot", line_color="#777777", row=row, col=column)
        if metric == "coverage":
            figure.update_xaxes(range=[-0.05, 1.05], tickformat=".0%", row=row, col=column)
    tallest = max(sum(s.metric == m for s in scores.scores) for m in metrics)
    figure.update_layout(
        template=TEMPLATE,
        title="Scores over the cases: mean and 95% bootstrap interval over cases "
        "(lower is better, except coverage; hollow: baselines; dotted: the best baseline)",
        height=120 + rows * (90 + 28 * tallest),
        legend_title_text="predictor",
    )
    return figure


def _score_dot(score: Score, metric: str, legend: bool) -> go.Scatter:
    return go.Scatter(
        x=[score.value],
        y=[score.predictor],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [score.high - score.value],
            "arrayminus": [score.value - score.low],
        },
        mode="markers",
        marker={
            "color": protocol_colour(score.predictor),
            "size": 10,
            "symbol": "circle-open" if score.kind == "baseline" else "circle",
            "line": {"width": 2},
        },
        name=score.predictor,
        legendgroup=score.predictor,
        showlegend=legend,
        hovertemplate=f"{score.predictor}: %{{x:.3f}} [{score.low:.3f}, {score.high:.3f}] "
        f"over {score.count}<extra>{METRIC_NAMES[metric]}</extra>",
    )


def outcome_heatmap(classes: pd.DataFrame) -> go.Figure:
    """The share each predictor gave to what actually happened, case by case."""
    cases = list(dict.fromkeys(classes.case))
    predictors = list(dict.fromkeys(classes.predictor))
    actual = classes.drop_duplicates("case").set_index("case").actual
    given = np.array(
        [
            [
                float(
                    classes[(classes.case == case) & (classes.predictor == p)][f"share_{actual[case]}"].iloc[
                        0
                    ]
                )
                for p in predictors
            ]
            for case in cases
        ]
    )
    figure = go.Figure(
        go.Heatmap(
            z=given,
            x=predictors,
            y=[f"{case} ({actual[case]})" for case in cases],
            zmin=0,
            zmax=1,
            colorscale="Blues",
            text=[[f"{v:.0%}" for v in row] for row in given],
            texttemplate="%{text}",
            colorbar={"title": "share", "tickformat": ".0%"},
            hovertemplate="%{y}<br>%{x} gave it %{z:.0%}<extra></extra>",
        )
    )
    figure.update_layout(
        template=TEMPLATE,
        title="The share of replicates each predictor gave to the outcome that happened (case: outcome)",
        height=160 + 40 * len(cases),
        xaxis={"tickangle": -30},
    )
    return figure


def report_parts(results: Results) -> tuple[str, dict[str, str], list[Section]]:
    """Title, header facts and sections of a backtest report (sim.report.build wraps them in a Report)."""
    terms = results.backtest()
    if "predictor" not in terms.columns:  # written before the baselines joined the protocols
        terms = terms.rename(columns={"protocol": "predictor"})
    manifest = results.manifest
    if not results.has("classes"):  # a backtest written before outcome classes were scored
        sections = [Section("Predicted against actual", _SCATTER_INTRO, [predicted_vs_actual(terms)])]
        return (
            f"dipsim backtest report: {manifest['cases_dir']}",
            _facts(results, len(manifest["cases"])),
            sections,
        )
    classes = results.backtest_classes()
    scores = score_tables(classes, terms, manifest["seed"])
    verdicts = verdict_lines(scores)
    sections = [
        Section(
            "Scores against the naive baselines",
            "Brier and log scores of the predicted outcome class over every case; the normalised error and "
            "the interval coverage of the agreed terms over the deals. " + (verdicts[-1] if verdicts else ""),
            [score_dots(scores)],
        ),
        Section(
            "What each predictor gave to what happened",
            "A forecasting model predicts the group's decision, so its forecast counts as a deal.",
            [outcome_heatmap(classes)],
        ),
    ]
    if not terms.empty:
        sections.append(
            Section("Predicted against actual terms", _SCATTER_INTRO, [predicted_vs_actual(terms)])
        )
    sections.append(
        Section(
            "Per case, and the scores",
            "Exactly what `dipsim backtest` prints.",
            preformatted="\n".join(backtest_lines(classes, terms, manifest, scores)),
        )
    )
    return (
        f"dipsim backtest report: {manifest['cases_dir']}",
        _facts(results, len(manifest["cases"])),
        sections,
    )


_SCATTER_INTRO = (
    "One point per deal, agreed issue and predictor (the median over replicates). Points on the dashed "
    "diagonal are perfect forecasts; hover for the case, the issue and the values in its unit."
)


def _facts(results: Results, cases: int) -> dict[str, str]:
    manifest = results.manifest
    versions = manifest.get("versions", {})
    return {
        "cases": f"{cases} in {manifest['cases_dir']} ({', '.join(manifest['cases'])})",
        "results": str(results.path),
        "kind": "backtest",
        "protocols": ", ".join(manifest["protocols"]),
        "baselines": ", ".join(manifest.get("baselines", [])),
        "seed": str(manifest["seed"]),
        "replicates": f"{manifest['replicates']:,} per case and protocol"
        + (", uncertain parameters sampled" if manifest["sampled"] else ", central parameter values"),
        "versions": ", ".join(
            f"{k} {v}" for k, v in versions.items() if k in ("dipsim", "python", "mesa", "numpy", "pyarrow")
        ),
        "date": manifest.get("started_at", ""),
    }
