"""Which report a results folder gets, and what goes in it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import pyarrow.compute as pc

from sim.engine.outcomes import SETTLED
from sim.experiments.discovery import sentences
from sim.experiments.model_form import differ_in_protocol, model_form_lines, prediction, ranges
from sim.experiments.noise import NOISE_TOLERANCE
from sim.report import backtest, figures
from sim.report.figures.drivers import MIN_SHARE
from sim.report.html import Section, page
from sim.report.palette import scenario_colour
from sim.report.story import escalation_counts, has_causes, outcome_lines, replicate_story
from sim.scenario.protocols import FORECASTING_PROTOCOLS
from sim.store.results import Results

_MOVES_INTRO = (
    "Each cell counts the exchanges in which the actor of its row moved its position towards the actor of "
    "its column (hover for how: compromise, capitulation, giving way). A forecasting model has no "
    "aspirations and nobody signs, so there is no chart of acceptance."
)


_SPREAD_INTRO = "Each model's terms over its settled replicates, where it has more than one."


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
    forecasting = results.manifest.get("protocol") in FORECASTING_PROTOCOLS
    sections = [Section("What happened", "The round-by-round story, as logged.", preformatted=story)]
    if forecasting:
        sections.append(
            Section(
                "Positions and the forecast",
                "Each actor's position on each issue after every exchange, the model's forecast of the group "
                "decision (dashed), and the events that struck, in each issue's own unit.",
                [figures.run_positions(rounds, texts, events, results)],
            )
        )
        moved = figures.who_moved(events, results)
        if moved is not None:
            sections.append(
                Section(
                    "Who moved towards whom",
                    _MOVES_INTRO,
                    [moved],
                )
            )
        return Report(f"dipsim run report: {results.scenario}", facts(results), sections)
    sections.append(
        Section(
            "Positions, texts and responses",
            "Each actor's position on each issue, the text on the table (dashed) with every principal's "
            "accept or reject, and the events that struck, in each issue's own unit.",
            [figures.run_positions(rounds, texts, events, results)],
        )
    )
    if rounds.aspiration.notna().any():  # a protocol without aspirations has no reason to draw
        sections.append(
            Section(
                "Why the principals said yes or no",
                "A principal accepts when the text is worth at least its aspiration, which falls towards its "
                "reservation value as its deadline nears (faster for impatient actors).",
                [figures.run_utilities(rounds, results)],
            )
        )
    return Report(f"dipsim run report: {results.scenario}", facts(results), sections)


def distribution_report(results: Results) -> Report:
    outcomes = results.table("outcomes")
    meaning = results.share_meaning
    sections = [
        Section(
            "Outcomes",
            _outcomes_intro(outcomes, meaning),
            [figures.outcome_probabilities(outcomes, meaning=meaning)],
        ),
        *_cause_sections(outcomes, meaning),
        Section(
            "Forecast terms" if results.manifest.get("protocol") in FORECASTING_PROTOCOLS else "Agreed terms",
            "",
            [figures.terms_distribution(outcomes, results)],
        ),
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
            Section(
                "Sensitivity",
                _sensitivity_intro(sensitivity),
                [figures.sensitivity_ranking(sensitivity, results.manifest)],
            )
        )
    if results.has("samples"):
        samples = results.table("samples")
        sections.extend(_driver_sections(results, samples, outcomes, meaning))
    kind = "sweep" if results.kind == "sweep" else "batch run"
    partial = " (partial)" if results.is_partial else ""
    return Report(f"dipsim {kind} report{partial}: {results.scenario}", facts(results), sections)


def _outcomes_intro(outcomes: Any, meaning: str) -> str:
    """What the bars are (and are not), and when escalation came, in numbers."""
    intro = (
        f"Each bar is the {meaning}: a property of the model under the inputs it was given, not a "
        "probability of the world. The error bars are 95% Wilson intervals of that simulated share: they "
        "narrow with more replicates, which says nothing about whether the coded inputs are right."
    )
    if not has_causes(outcomes):
        return intro
    total = len(outcomes)
    during, after = escalation_counts(outcomes).values()
    return (
        f"{intro} Every principal signed one text in {outcomes.signed.sum() / total:.1%} of the replicates. "
        f"Escalation during the talks: {during / total:.1%}; after a text every principal had signed: "
        f"{after / total:.1%}."
    )


def _cause_sections(outcomes: Any, meaning: str) -> list[Section]:
    """What ended the talks, for folders that logged it (dipsim wrote no cause before it did)."""
    if not has_causes(outcomes):
        return []
    intro = (
        "Each outcome's replicates, split by the red line, event, walk-out or deadline that ended them; "
        "escalation is split into escalation during the talks and escalation after a text every principal "
        "had signed. Each bar is 100% of its outcome's replicates; hover for counts and shares of all "
        "replicates."
    )
    return [Section("What ended the talks", intro, [figures.outcome_causes(outcomes, meaning)])]


def _sensitivity_intro(sensitivity: Any) -> str:
    """Where the table came from, and how much of each output's variance its replicates left as noise."""
    intro = "From `dipsim sensitivity` (docs/sensitivity.md says how to read each index)."
    noise = sensitivity[(sensitivity.method == "noise") & (sensitivity["index"] == "noise_share")].dropna()
    loud = noise[noise.value > NOISE_TOLERANCE]
    if loud.empty:
        return intro
    return (
        f"{intro} For {len(loud)} of {len(noise)} outputs more than {NOISE_TOLERANCE:.0%} of the variance "
        "analysed is replicate "
        f"noise (up to {loud.value.max():.0%}, shown in each panel's title): noise adds about that share to "
        "every input's total-order index and takes it from every first-order index, so there the ranking "
        "is mostly noise; `dipsim sensitivity` says how many replicates per design point would do."
    )


def _driver_sections(results: Results, samples: Any, outcomes: Any, meaning: str) -> list[Section]:
    """Each outcome's share along its most influential sampled inputs, and where it concentrates (PRIM)."""
    drivers = figures.find_drivers(samples, outcomes)
    if not drivers:
        return []
    intro = (
        f"For each outcome of at least {MIN_SHARE:.0%} of replicates, the sampled inputs with "
        "the largest first-order effect on whether a replicate ends that way, estimated from the given data "
        "as the correlation ratio η² = Var(E[Y | X-bin]) / Var(Y) over quantile bins of the input (Plischke, "
        "Borgonovo & Smith 2013): the first, and up to two more whose η² is significant (N η² is the "
        "chi-square of the outcome against the input's bins; 5%, Bonferroni-corrected over the inputs). "
        "Each curve is the outcome's share in each bin, at the bin's mid value; the "
        "band its 95% Wilson interval, which treats replicates as independent (a sweep's replicates of one "
        "design point share its inputs, so there the band is somewhat too narrow). The first inputs by η² "
        "are listed below."
    )
    lines = "\n".join(figures.driver_lines(drivers, results.manifest))
    figure = figures.outcome_drivers(drivers, results.manifest, meaning)
    sections = [Section("What moves each outcome", intro, [figure], preformatted=lines)]
    found = figures.discover_for(results, drivers)
    if found:
        shown = [figures.discovery_figure(f, meaning) for f in found if f.boxes]
        text = "\n".join(line for f in found for line in sentences(f, numbered=False))
        sections.append(
            Section("Where each outcome concentrates", _DISCOVERY_INTRO, shown, preformatted=text)
        )
    return sections


_DISCOVERY_INTRO = (
    "Scenario discovery with PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010), for the outcomes whose "
    "top input moves them most: the box of input ranges in which the outcome is most concentrated, read as "
    "a sentence. Density is the share of the box's runs that end in the outcome, coverage the share of all "
    "the outcome's runs that fall in the box. PRIM peels on half the design points; the box is chosen, and "
    "each of its limits kept only if significant (quasi-p-value under 0.05), on the other half. One box "
    "per outcome here; `dipsim discover SWEEP --outcome NAME` looks for more (docs/sensitivity.md)."
)


def _fan_rows(results: Results) -> Any:
    columns = ["step", "actor", *[f"position_{i}" for i in results.issues]]
    if results.kind == "sweep":
        per_sample = results.manifest["sweep"]["replicates"]
        keep = math.ceil(figures.FAN_REPLICATE_LIMIT / per_sample)
        return results.table("rounds", columns=["sample", *columns], rows=pc.field("sample") < keep)
    limit = figures.FAN_REPLICATE_LIMIT
    return results.table("rounds", columns=["replicate", *columns], rows=pc.field("replicate") < limit)


def comparison_report(all_results: list[Results], baseline: int = 0) -> Report:
    """Several folders side by side: outcome shares, the differences from a baseline folder in numbers,
    then terms as dots per model and/or ECDFs.

    Folders that differ in protocol are one question put to several models: their terms are a dot
    per model with the model-form range behind them. ECDFs are kept for folders whose replicates
    really make a distribution; the distribution of one value says nothing.
    """
    models = differ_in_protocol(all_results)
    names = _protocol_names(all_results) if models else _unique_names(all_results)
    colours = {name: scenario_colour(n) for n, name in enumerate(names)}
    named = [(name, r.table("outcomes"), colours[name]) for name, r in zip(names, all_results, strict=True)]
    issues: dict[str, dict] = {}
    for results in all_results:
        for issue_id, info in results.issues.items():
            issues.setdefault(issue_id, info)
    by = "model" if models else "scenario"
    sections = [
        Section("Outcomes", f"One colour per {by} throughout.", [figures.compare_probabilities(named, by)]),
        Section(
            f"Differences from {names[baseline]}",
            "Each folder's outcome shares (95% Wilson intervals) and median settled terms, and each one's "
            f"difference from the baseline ({names[baseline]}), in percentage points with Newcombe's 95% "
            "interval for a difference of two shares (1998, method 10). That interval treats the folders "
            "as independent samples; runs made with the same seed share their random numbers, so for them "
            "it errs wide. Differences of median terms carry no interval.",
            table=figures.difference_rows(named, issues, baseline),
        ),
    ]
    single = all(r.replicates == 1 for r in all_results)
    if models or any(r.replicates == 1 for r in all_results):
        predictions = [
            prediction(r, name, outcomes) for (name, outcomes, _), r in zip(named, all_results, strict=True)
        ]
        found = ranges(predictions, issues) if models else None
        sections.append(
            Section(
                "Predicted terms by model" if models else "Terms",
                _dots_intro(models, single),
                [figures.model_dots(predictions, issues, colours, found)],
                preformatted="\n".join(model_form_lines(predictions, issues)) if models else "",
            )
        )
    spread = [entry for entry in named if entry[1].outcome.isin(SETTLED).sum() > 1]
    if spread:
        title, intro = ("Terms over replicates", _SPREAD_INTRO) if models else ("Agreed terms", "")
        baseline_manifest = all_results[baseline].manifest
        sections.append(Section(title, intro, [figures.compare_terms(spread, issues, baseline_manifest, by)]))
    compared = {
        f"{name}": f"{r.path} ({r.kind}, {r.replicates:,} replicates)"
        for name, r in zip(names, all_results, strict=True)
    }
    return Report("dipsim comparison: " + " vs ".join(names), compared, sections)


def _dots_intro(models: bool, single: bool) -> str:
    """What the dots are, and -- for models -- that their spread is a kind of uncertainty of its own."""
    dots = (
        "One dot per model: a forecasting protocol's forecast, or the median terms given a deal of a "
        "protocol that simulates signatures"
        if models
        else "One dot per folder: its terms"
    )
    bars = (
        "" if single else "; the bar through a dot is that model's Monte Carlo 5-95% interval over replicates"
    )
    if not models:
        return dots + bars + "."
    monte_carlo = (
        "the Monte Carlo spread of one model over sampled parameters (run with --replicates N --sample to "
        "see it)"
        if single
        else "the Monte Carlo intervals"
    )
    return (
        f"{dots}{bars}. The shaded band between the lowest and the highest dot is the model-form range: "
        f"model-form uncertainty, the spread across models, is a separate kind of uncertainty from "
        f"{monte_carlo}. It says how much the prediction depends on which model of the talks is right, "
        "which no number of replicates of one model can show or narrow."
    )


def _protocol_names(all_results: list[Results]) -> list[str]:
    """A protocol comparison names each folder by its protocol (and scenario, when scenarios differ too)."""
    protocols = [str(r.manifest.get("protocol", "")) for r in all_results]
    if len({r.scenario for r in all_results}) == 1 and len(set(protocols)) == len(protocols):
        return protocols
    labels = [f"{r.scenario} ({p})" for r, p in zip(all_results, protocols, strict=True)]
    return [
        label if labels.count(label) == 1 else f"{label} {r.path.name}"
        for label, r in zip(labels, all_results, strict=True)
    ]


def _unique_names(all_results: list[Results]) -> list[str]:
    names = [r.scenario for r in all_results]
    return [
        name if names.count(name) == 1 else f"{name} ({r.path.name})"
        for name, r in zip(names, all_results, strict=True)
    ]
