"""Which report a results folder gets, and what goes in it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import pyarrow.compute as pc

from sim.report import backtest, figures
from sim.report.html import Section, page
from sim.report.palette import scenario_colour
from sim.report.story import outcome_lines, replicate_story
from sim.store.results import Results


@dataclass
class Report:
    title: str
    facts: dict[str, str]
    sections: list[Section]

    def html(self) -> str:
        return page(self.title, self.facts, self.sections)

    def named_figures(self) -> list[tuple[str, go.Figure]]:
        named = []
        for section in self.sections:
            for n, figure in enumerate(section.figures, start=1):
                slug = re.sub(r"[^a-z0-9]+", "-", section.title.lower()).strip("-")
                named.append(
                    (f"{len(named) + 1:02d}-{slug}" + (f"-{n}" if len(section.figures) > 1 else ""), figure)
                )
        return named


def report_for(results: Results) -> Report:
    if results.kind == "backtest":
        return Report(*backtest.report_parts(results))
    if results.kind == "run" and results.replicates == 1:
        return run_report(results)
    return distribution_report(results)


def facts(results: Results) -> dict[str, str]:
    manifest = results.manifest
    versions = manifest.get("versions", {})
    shown = {
        "scenario": f"{results.scenario}  ({manifest['scenario']['path']}, sha256 "
        f"{manifest['scenario']['sha256'][:12]}...)",
        "results": str(results.path),
        "kind": results.kind,
        "protocol": manifest.get("protocol", ""),
        "seed": str(manifest.get("seed", manifest.get("sweep", {}).get("seed", ""))),
        "replicates": f"{results.replicates:,}",
    }
    if results.is_partial:
        shown["partial"] = (
            f"partial: {len(results.batches)} of {len(results.sweep.sweep.batches)} batches "
            "(an unfinished sweep, read with --partial)"
        )
    if results.kind == "sweep":
        sweep = manifest["sweep"]
        shown["design"] = (
            f"{sweep['design']}, {sweep['samples']:,} base samples -> "
            f"{sweep['design_points']:,} design points x {sweep['replicates']} replicates; "
            f"{len(sweep['uncertain_parameters'])} uncertain parameters"
        )
    elif manifest.get("sampled"):
        shown["sampling"] = (
            f"{len(manifest['uncertain_parameters'])} uncertain parameters sampled per replicate"
        )
    shown["versions"] = ", ".join(
        f"{k} {v}" for k, v in versions.items() if k in ("dipsim", "python", "mesa", "numpy", "pyarrow")
    )
    shown["date"] = manifest.get("started_at", "")
    return shown


def run_report(results: Results) -> Report:
    rounds = results.table("rounds")
    texts = results.table("texts")
    events = results.table("events")
    story = "\n".join(line for line in replicate_story(results) + outcome_lines(results)).strip("\n")
    sections = [
        Section("What happened", "The round-by-round story, as logged.", preformatted=story),
        Section(
            "Positions, texts and responses",
            "Each actor's position on each issue, the text on the table (dashed) with every principal's "
            "accept or reject, and the events that struck, in each issue's own unit.",
            [figures.run_positions(rounds, texts, events, results)],
        ),
        Section(
            "Why the principals said yes or no",
            "A principal accepts when the text is worth at least its aspiration, which falls towards its "
            "reservation value as its deadline nears (faster for impatient actors).",
            [figures.run_utilities(rounds, results)],
        ),
    ]
    return Report(f"dipsim run report: {results.scenario}", facts(results), sections)


def distribution_report(results: Results) -> Report:
    outcomes = results.table("outcomes")
    sections = [
        Section("Outcomes", "", [figures.outcome_probabilities(outcomes)]),
        Section("Agreed terms", "", [figures.terms_distribution(outcomes, results)]),
        Section("Timing", "", [figures.rounds_ecdf(outcomes, results)]),
    ]
    if results.has("rounds"):
        sections.append(
            Section(
                "Positions over the talks",
                f"Summarises at most the first {figures.FAN_REPLICATE_LIMIT:,} replicate-runs. "
                "A replicate drops out of the bands once its talks have ended.",
                [figures.position_fans(_fan_rows(results), results)],
            )
        )
    sensitivity = results.sensitivity()
    if sensitivity is not None:
        sections.append(
            Section("Sensitivity", "From `dipsim sensitivity`.", [figures.sensitivity_ranking(sensitivity)])
        )
    if results.has("samples"):
        samples = results.table("samples")
        parameters = figures.influential_parameters(samples, outcomes, sensitivity)
        if parameters:
            sections.append(
                Section(
                    "Sampled inputs",
                    "The most influential inputs (by sensitivity if computed, else by rank correlation with "
                    "P(deal)) of each design point.",
                    [figures.parallel_inputs(samples, outcomes, parameters)],
                )
            )
    kind = "sweep" if results.kind == "sweep" else "batch run"
    partial = " (partial)" if results.is_partial else ""
    return Report(f"dipsim {kind} report{partial}: {results.scenario}", facts(results), sections)


def _fan_rows(results: Results) -> Any:
    columns = ["step", "actor", *[f"position_{i}" for i in results.issues]]
    if results.kind == "sweep":
        per_sample = results.manifest["sweep"]["replicates"]
        keep = math.ceil(figures.FAN_REPLICATE_LIMIT / per_sample)
        return results.table("rounds", columns=["sample", *columns], rows=pc.field("sample") < keep)
    limit = figures.FAN_REPLICATE_LIMIT
    return results.table("rounds", columns=["replicate", *columns], rows=pc.field("replicate") < limit)


def comparison_report(all_results: list[Results]) -> Report:
    names = _unique_names(all_results)
    named = [
        (name, r.table("outcomes"), scenario_colour(n))
        for n, (name, r) in enumerate(zip(names, all_results, strict=True))
    ]
    issues: dict[str, dict] = {}
    for results in all_results:
        for issue_id, info in results.issues.items():
            issues.setdefault(issue_id, info)
    sections = [
        Section("Outcomes", "One colour per scenario throughout.", [figures.compare_probabilities(named)]),
        Section("Agreed terms", "", [figures.compare_terms(named, issues)]),
    ]
    compared = {
        f"{name}": f"{r.path} ({r.kind}, {r.replicates:,} replicates)"
        for name, r in zip(names, all_results, strict=True)
    }
    return Report("dipsim comparison: " + " vs ".join(names), compared, sections)


def _unique_names(all_results: list[Results]) -> list[str]:
    names = [r.scenario for r in all_results]
    return [
        name if names.count(name) == 1 else f"{name} ({r.path.name})"
        for name, r in zip(names, all_results, strict=True)
    ]
