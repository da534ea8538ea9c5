"""Global sensitivity of a finished sweep's main outputs, with SALib.

Reads only the sweep folder: the manifest (design, seed, parameters) and the
outcomes table. Each design point's R replicates are averaged into one value
per output, and the matching SALib analyser is applied on the unit cube, where
the design was drawn (the inverse-CDF mapping to each parameter's distribution
is monotone, so rankings carry over to the parameters themselves):

* sobol design  -> Sobol first-order (S1) and total-order (ST) indices;
* morris design -> Morris elementary effects (mu_star, sigma);
* mc / lhs      -> first-order indices by RBD-FAST (Tarantola et al. 2006; Plischke 2010)
  and the moment-independent PAWN median (Pianosi & Wagener 2015), both of which
  SALib computes from an arbitrary sample.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from SALib.analyze import morris, pawn, rbd_fast, sobol

from sim.experiments.batch import split_seed
from sim.experiments.sweep.designs import MORRIS_LEVELS, design_points, unit_problem
from sim.experiments.sweep.executors import SweepError
from sim.store.atomic import write_parquet
from sim.store.results import Results

ENRICHMENT = "enrichment"
RBD_FAST_HARMONICS = 10  # SALib's default M
# SALib's bias correction divides by 1 - 2M/N, and its bootstrap draws N/2 points: N must exceed 4M.
RBD_FAST_MIN_POINTS = 4 * RBD_FAST_HARMONICS


def output_table(sweep: Results) -> pd.DataFrame:
    """Per design point: P(deal), P(escalation), and the enrichment cap that results.

    The resulting cap is the agreed term where there is a deal and the status
    quo otherwise, so it is defined for every replicate (SALib needs a value
    for every design point); ``agreed_enrichment`` (the cap given a deal) is
    reported alongside for reading, but not analysed.
    """
    manifest = sweep.manifest
    outcomes = sweep.table("outcomes", columns=["sample", "outcome", *_enrichment_column(manifest)])
    outcomes["deal"] = outcomes.outcome == "deal"
    outcomes["escalation"] = outcomes.outcome == "escalation"
    grouped = outcomes.groupby("sample")
    table = pd.DataFrame({"p_deal": grouped.deal.mean(), "p_escalation": grouped.escalation.mean()})
    if ENRICHMENT in manifest["issues"]:
        status_quo = manifest["issues"][ENRICHMENT]["status_quo"]
        outcomes["resulting"] = outcomes[ENRICHMENT].where(outcomes.deal, status_quo)
        table["enrichment_cap"] = outcomes.groupby("sample").resulting.mean()
        table["agreed_enrichment"] = outcomes.groupby("sample")[ENRICHMENT].mean()
    return table


def _enrichment_column(manifest: dict) -> list[str]:
    return [ENRICHMENT] if ENRICHMENT in manifest["issues"] else []


OUTPUT_LABELS = {
    "p_deal": "P(deal)",
    "p_escalation": "P(escalation)",
    "enrichment_cap": "resulting enrichment cap (% U-235; status quo if no deal)",
}


def analyse(folder: Path) -> pd.DataFrame:
    results = Results.open(folder, ("sweep",))  # complete sweeps only: every design needs all its points
    sweep = results.manifest["sweep"]
    keys = sweep["uncertain_parameters"]
    if not keys:
        raise SweepError("the scenario has no uncertain parameters: nothing to analyse")
    if sweep["design"] in ("mc", "lhs") and sweep["design_points"] <= RBD_FAST_MIN_POINTS:
        raise SweepError(
            f"{folder} has {sweep['design_points']} design points; RBD-FAST needs more than "
            f"{RBD_FAST_MIN_POINTS} (its bootstrap uses half of them, and {RBD_FAST_HARMONICS} harmonics "
            "need twice as many points); run the sweep with more --samples"
        )
    seed, _ = split_seed(sweep["seed"])  # the inputs stream: the design, drawn again
    points = design_points(sweep["design"], sweep["samples"], keys, seed)
    outputs = output_table(results)
    problem = unit_problem(keys)
    rows = []
    for output in OUTPUT_LABELS:
        if output not in outputs:
            continue
        values = outputs[output].to_numpy(dtype=float)
        rows += _indices(sweep["design"], problem, points, values, output, sweep["seed"])
    result = pd.DataFrame(rows, columns=["output", "parameter", "method", "index", "value", "confidence"])
    write_parquet(pa.Table.from_pandas(result, preserve_index=False), results.path / "sensitivity.parquet")
    return result


def _indices(
    design: str, problem: dict, points: np.ndarray, values: np.ndarray, output: str, seed: int
) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant outputs give NaN indices: reported, not fatal
        if np.nanstd(values) == 0:
            return [(output, name, design, "constant", np.nan, np.nan) for name in problem["names"]]
        if design == "sobol":
            result = sobol.analyze(problem, values, calc_second_order=False, seed=seed)
            pairs = [("S1", "S1_conf"), ("ST", "ST_conf")]
            method = "sobol"
        elif design == "morris":
            result = morris.analyze(problem, points, values, num_levels=MORRIS_LEVELS, seed=seed)
            pairs = [("mu_star", "mu_star_conf"), ("sigma", None)]
            method = "morris"
        else:
            first_order = rbd_fast.analyze(problem, points, values, M=RBD_FAST_HARMONICS, seed=seed)
            spread = pawn.analyze(problem, points, values, seed=seed)
            return _rows(output, problem, "rbd_fast", first_order, [("S1", "S1_conf")]) + _rows(
                output, problem, "pawn", spread, [("median", None)]
            )
    return _rows(output, problem, method, result, pairs)


def _rows(
    output: str, problem: dict, method: str, result: dict, pairs: list[tuple[str, str | None]]
) -> list[tuple]:
    rows = []
    for index, confidence in pairs:
        for n, name in enumerate(problem["names"]):
            conf = float(result[confidence][n]) if confidence else np.nan
            rows.append((output, name, method, index, float(result[index][n]), conf))
    return rows


def ranking_lines(result: pd.DataFrame, top: int = 8) -> list[str]:
    """The most influential parameters per output, by total-order or main index."""
    lines = []
    preferred = {"sobol": "ST", "morris": "mu_star", "rbd_fast": "S1"}
    for output, label in OUTPUT_LABELS.items():
        rows = result[result.output == output]
        if rows.empty:
            continue
        method = next((m for m in rows.method if m in preferred), rows.method.iloc[0])
        if method not in preferred:
            lines += ["", f"{label}: constant across the sweep, no sensitivity"]
            continue
        key = preferred[method]
        ranked = rows[(rows.method == method) & (rows["index"] == key)]
        ranked = ranked.sort_values("value", ascending=False).head(top)
        lines += ["", f"{label} - {method} {key}:"]
        for row in ranked.itertuples():
            conf = f" +/- {row.confidence:.3f}" if not np.isnan(row.confidence) else ""
            lines.append(f"  {row.value:7.3f}{conf}  {row.parameter}")
    return lines
