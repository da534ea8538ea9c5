"""Global sensitivity of a finished sweep's declared outputs, with SALib, and how far noise spoils it.

Reads only the sweep folder: the manifest (design, seed, parameters, and the resolved scenario with
its declared outputs, sim.scenario.outputs) and the outcomes table. Each design point's R replicates
are combined into one value per output (sim.experiments.outputs), and the SALib analyser that fits
the design is applied on the unit cube, where the design was drawn (the inverse-CDF mapping to each
parameter's distribution is monotone, so rankings carry over to the parameters themselves):

* sobol design  -> Sobol first-order (S1) and total-order (ST) indices (Saltelli et al. 2010);
* morris design -> Morris elementary effects, mu* and sigma (Morris 1991; Campolongo et al. 2007);
* mc / lhs      -> first-order indices by RBD-FAST (Tarantola et al. 2006; Plischke 2010) and the
  moment-independent PAWN median (Pianosi & Wagener 2015), both computed from a given sample.

Every analysis also estimates how much of each output's variance is replicate noise
(sim.experiments.noise), from the sweep's own replicates or, with one replicate per point, from a
noise probe (sim.experiments.noise_probe), and the table it writes carries those estimates too.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from SALib.analyze import morris, pawn, rbd_fast, sobol

from sim.errors import UsageError
from sim.experiments.batch import split_seed
from sim.experiments.noise import NOISE_TOLERANCE, NoiseEstimate, anova, from_probe, noise_lines
from sim.experiments.noise_probe import run_probe
from sim.experiments.outputs import choose_outputs, folder_outputs, point_values, sweep_replicates
from sim.experiments.sweep.designs import MORRIS_LEVELS, design_points, unit_problem
from sim.experiments.sweep.executors import SweepError
from sim.scenario.labels import parameter_label
from sim.scenario.outputs import OutputSpec
from sim.store.atomic import write_parquet
from sim.store.results import Results

METHODS = ("sobol", "morris", "rbd_fast", "pawn")
FITS = {"sobol": ("sobol",), "morris": ("morris",), "rbd_fast": ("mc", "lhs"), "pawn": ("mc", "lhs")}
DEFAULT_METHODS = {
    "sobol": ("sobol",),
    "morris": ("morris",),
    "mc": ("rbd_fast", "pawn"),
    "lhs": ("rbd_fast", "pawn"),
}
PREFERRED = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1", "pawn": "median"}
INDEX_MEANING = {
    "ST": "total-order index",
    "S1": "first-order index",
    "mu_star": "mean absolute elementary effect on the unit cube",
    "median": "median Kolmogorov-Smirnov distance",
}
RBD_FAST_HARMONICS = 10  # SALib's default M
# SALib's bias correction divides by 1 - 2M/N, and its bootstrap draws N/2 points: N must exceed 4M.
RBD_FAST_MIN_POINTS = 4 * RBD_FAST_HARMONICS
COLUMNS = ["output", "output_label", "parameter", "method", "index", "value", "confidence"]


@dataclass
class Sensitivity:
    """A sweep's indices per output and method, and each output's replicate-noise estimate."""

    table: pd.DataFrame  # COLUMNS; method "noise" rows hold the variance components
    noise: list[NoiseEstimate]
    specs: list[OutputSpec]
    design: str
    methods: tuple[str, ...]
    tolerance: float
    probe: str = ""  # how the noise probe was drawn, if one ran
    constant: list[str] = field(default_factory=list)


def analyse(
    folder: Path,
    outputs: Sequence[str] | None = None,
    method: str | None = None,
    tolerance: float = NOISE_TOLERANCE,
    probe: bool = True,
) -> Sensitivity:
    """Indices of the named outputs (all by default) by ``method`` (the design's own by default)."""
    results = Results.open(folder, ("sweep",))  # complete sweeps only: every design needs all its points
    sweep = results.manifest["sweep"]
    design, keys = sweep["design"], sweep["uncertain_parameters"]
    if sweep.get("vary"):
        raise SweepError(
            f"{folder} is a --vary sweep (a grid over one parameter); sensitivity indices need a "
            "sampling design: read its report's curve instead"
        )
    if not keys:
        raise SweepError("the scenario has no uncertain parameters: nothing to analyse")
    methods = _methods(design, method)
    if "rbd_fast" in methods and sweep["design_points"] <= RBD_FAST_MIN_POINTS:
        raise SweepError(
            f"{folder} has {sweep['design_points']} design points; RBD-FAST needs more than "
            f"{RBD_FAST_MIN_POINTS} (its bootstrap uses half of them, and {RBD_FAST_HARMONICS} harmonics "
            "need twice as many points); run the sweep with more --samples"
        )
    specs = choose_outputs(folder_outputs(results), outputs)
    seed, _ = split_seed(sweep["seed"])  # the inputs stream: the design, drawn again
    points = design_points(design, sweep["samples"], keys, seed)
    replicates = sweep_replicates(results, specs)
    values = point_values(replicates["sample"], replicates[[s.name for s in specs]], specs)
    if len(values) != len(points):
        raise SweepError(
            f"{folder} has {len(values)} design points with outcomes; its design has {len(points)}"
        )
    problem = unit_problem(keys)
    rows, constant = [], []
    for spec in specs:
        column = values[spec.name].to_numpy(dtype=float)
        if np.nanstd(column) == 0:
            constant.append(spec.name)
            rows += [
                (spec.name, spec.label, name, m, "constant", np.nan, np.nan) for m in methods for name in keys
            ]
            continue
        for name in methods:
            rows += _indices(name, problem, points, column, spec, sweep["seed"])
    noise, described = _noise(results, replicates, values, specs, points, probe)
    rows += [_noise_row(e, specs, index) for e in noise for index in _NOISE_INDICES]
    table = pd.DataFrame(rows, columns=COLUMNS)
    write_parquet(pa.Table.from_pandas(table, preserve_index=False), results.path / "sensitivity.parquet")
    return Sensitivity(table, noise, specs, design, methods, tolerance, described, constant)


def _methods(design: str, method: str | None) -> tuple[str, ...]:
    """The design's own methods, or the one asked for if the design can support it."""
    if method is None:
        if design not in DEFAULT_METHODS:
            raise SweepError(f"no sensitivity method fits a {design!r} design")
        return DEFAULT_METHODS[design]
    if method not in FITS:
        raise UsageError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    if design not in FITS[method]:
        needed = " or ".join(f"--design {d}" for d in FITS[method])
        raise UsageError(
            f"{method} needs a sweep run with {needed}; this sweep's design is {design} "
            f"(its methods: {', '.join(DEFAULT_METHODS.get(design, ()))})"
        )
    return (method,)


def _indices(
    method: str, problem: dict, points: np.ndarray, values: np.ndarray, spec: OutputSpec, seed: int
) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about small samples; the confidence says so
        if method == "sobol":
            result = sobol.analyze(problem, values, calc_second_order=False, seed=seed)
            pairs: list[tuple[str, str | None]] = [("S1", "S1_conf"), ("ST", "ST_conf")]
        elif method == "morris":
            result = morris.analyze(problem, points, values, num_levels=MORRIS_LEVELS, seed=seed)
            pairs = [("mu_star", "mu_star_conf"), ("sigma", None)]
        elif method == "rbd_fast":
            result = rbd_fast.analyze(problem, points, values, M=RBD_FAST_HARMONICS, seed=seed)
            pairs = [("S1", "S1_conf")]
        else:
            result = pawn.analyze(problem, points, values, seed=seed)
            pairs = [("median", None)]
    rows = []
    for index, confidence in pairs:
        for n, name in enumerate(problem["names"]):
            conf = float(result[confidence][n]) if confidence else np.nan
            rows.append((spec.name, spec.label, name, method, index, float(result[index][n]), conf))
    return rows


_NOISE_INDICES = (
    "replicate_variance",
    "between_variance",
    "between_variance_se",
    "replicates",
    "noise_share",
    "needed_replicates",
)


def _noise(
    results: Results,
    replicates: pd.DataFrame,
    values: pd.DataFrame,
    specs: list[OutputSpec],
    points: np.ndarray,
    probe: bool,
) -> tuple[list[NoiseEstimate], str]:
    """Each mean-aggregated output's noise estimate: ANOVA of the sweep's replicates, else a probe."""
    measured = [s for s in specs if s.aggregate == "mean"]
    per_point = int(results.manifest["sweep"]["replicates"])
    if not measured:
        return [], ""
    if per_point >= 2:
        estimates = []
        for spec in measured:
            shaped = replicates[spec.name].to_numpy().reshape(len(values), per_point)
            estimates.append(anova(spec.name, shaped))
        return estimates, ""
    if not probe:
        return [], ""
    found = run_probe(results.manifest, points, measured)
    estimates = [from_probe(s.name, values[s.name].to_numpy(), found.values[s.name]) for s in measured]
    return estimates, found.describe()


def _noise_row(estimate: NoiseEstimate, specs: list[OutputSpec], index: str) -> tuple:
    label = next(s.label for s in specs if s.name == estimate.output)
    value = {
        "replicate_variance": estimate.within,
        "between_variance": estimate.between,
        "between_variance_se": estimate.between_se,
        "replicates": float(estimate.replicates),
        "noise_share": estimate.share,
        "needed_replicates": estimate.needed(),
    }[index]
    return (estimate.output, label, "", "noise", index, value, np.nan)


def ranking_lines(result: Sensitivity, resolved: dict, top: int = 8) -> list[str]:
    """A noise warning (one line, if any), then the most influential parameters per output, then details."""
    labels = {spec.name: spec.label for spec in result.specs}
    details = noise_lines(result.noise, labels, result.tolerance) if result.noise else []
    loud = [e for e in result.noise if e.dominates(result.tolerance)]
    lines = []
    if loud:
        worst = max(loud, key=lambda e: e.share)
        needed = max(e.needed(result.tolerance) for e in loud)
        fix = (
            f"about {needed:,.0f} replicates per design point would bring every output under "
            f"{result.tolerance:.0%} (this sweep: {worst.replicates})"
            if math.isfinite(needed)
            else "for some outputs no number of replicates would (see the end)"
        )
        lines.append(
            f"WARNING: replicate noise is over {result.tolerance:.0%} of the variance analysed for "
            f"{len(loud)} of {len(result.noise)} outputs (up to {worst.share:.0%}, {labels[worst.output]}), "
            f"so about that share of what each index there measures is noise (total-order indices gain it, "
            f"first-order ones lose it); {fix}. Details at the end."
        )
    elif result.noise:
        lines.append(details[0])
    table = result.table
    for spec in result.specs:
        if spec.name in result.constant:
            lines += ["", f"{spec.label}: constant across the sweep, no sensitivity"]
            continue
        method = result.methods[0]
        key = PREFERRED[method]
        rows = table[(table.output == spec.name) & (table.method == method) & (table["index"] == key)]
        ranked = rows.sort_values("value", ascending=False).head(top)
        lines += ["", f"{spec.label} - {method} {key} ({INDEX_MEANING[key]}):"]
        for row in ranked.itertuples():
            conf = f" +/- {row.confidence:.3f}" if not np.isnan(row.confidence) else ""
            lines.append(f"  {row.value:7.3f}{conf}  {parameter_label(row.parameter, resolved)}")
    if loud:
        lines += ["", *details]
    if result.probe:
        lines.append(f"(replicate variance of the one-replicate sweep measured by a {result.probe})")
    return lines


def sensitivity_json(result: Sensitivity, resolved: dict) -> dict:
    """The analysis as plain data: per output its label, noise estimate and indices (with human labels)."""
    table = result.table[result.table.method != "noise"]
    noise = {e.output: e for e in result.noise}
    outputs = []
    for spec in result.specs:
        rows = table[table.output == spec.name]
        estimate = noise.get(spec.name)
        outputs.append(
            {
                "name": spec.name,
                "label": spec.label,
                "constant": spec.name in result.constant,
                "noise": None
                if estimate is None
                else {
                    "replicate_variance": estimate.within,
                    "between_variance": estimate.between,
                    "between_variance_se": _finite(estimate.between_se),
                    "replicates": estimate.replicates,
                    "noise_share": None if math.isnan(estimate.share) else estimate.share,
                    "needed_replicates": _finite(estimate.needed(result.tolerance)),
                    "needed_replicates_range": [_finite(v) for v in estimate.needed_range(result.tolerance)],
                    "warning": estimate.dominates(result.tolerance),
                    "source": estimate.source,
                },
                "indices": [
                    {
                        "parameter": row.parameter,
                        "label": parameter_label(row.parameter, resolved),
                        "method": row.method,
                        "index": row.index,
                        "value": _finite(row.value),
                        "confidence": _finite(row.confidence),
                    }
                    for row in rows[rows["index"] != "constant"].itertuples(index=False)
                ],
            }
        )
    return {
        "design": result.design,
        "methods": list(result.methods),
        "noise_tolerance": result.tolerance,
        "noise_probe": result.probe or None,
        "outputs": outputs,
    }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
