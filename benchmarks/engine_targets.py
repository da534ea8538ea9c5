"""The engine-core targets (issue 12), measured side by side in one run and printed against each target.

    .venv/bin/python benchmarks/engine_targets.py [--quick]

Every figure is CPU time (user + system over the whole process tree) unless it
says wall, because the machine is shared; see benchmarks/measure.py.

  1. engine + outcome log per replicate-run, by the issue's method:
     ``dipsim sweep scenarios/iran_talks.yaml --samples 25000 --replicates 8
     --workers 1 --log outcomes`` minus a one-replicate sweep, over 200,000;
     the same with the Nash scores in float32 (``protocol: {precision: float32}``);
  2. 1,000,000 replicate-runs with full per-exchange logs on 2 workers: CPU and
     peak memory of the process tree;
  3. ``dipsim --help`` and ``dipsim validate``: CPU of a fresh process (best of 3);
  4. ``dipsim report`` on the 1,000,000-run sweep: peak memory and CPU.

``--quick`` divides the sweep sizes by 10 (figures then do not answer the targets).
It prints figures and asserts nothing: speed is never a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from measure import Measured, run_measured

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "iran_talks.yaml"
DIPSIM = [sys.executable, "-m", "sim"]
GIB = 2**30


def sweep(scenario: Path, out: Path, samples: int, replicates: int, *options: str) -> Measured:
    command = [*DIPSIM, "sweep", str(scenario), "--samples", str(samples), "--replicates", str(replicates)]
    return run_measured([*command, "--seed", "1", "--out", str(out), *options], ROOT)


def per_replicate_us(scenario: Path, work: Path, samples: int) -> float:
    """(CPU of samples x 8 replicate-runs) - (CPU of a 1-replicate sweep), per replicate-run, in µs."""
    options = ("--workers", "1", "--log", "outcomes")
    big = sweep(scenario, work / f"{scenario.stem}-big", samples, 8, *options)
    one = sweep(scenario, work / f"{scenario.stem}-one", 1, 1, *options)
    return (big.cpu - one.cpu) / (samples * 8 - 1) * 1e6


def best_cpu(arguments: list[str], tries: int = 3) -> float:
    return min(run_measured([*DIPSIM, *arguments], ROOT, watch_memory=False).cpu for _ in range(tries))


def row(measure: str, figure: str, target: str, met: bool | None) -> None:
    verdict = "" if met is None else ("met" if met else "NOT MET")
    print(f"  {measure:<58} {figure:>16}   {target:<12} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one tenth of the sweep sizes")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        single = work / "iran_talks_float32.yaml"
        single.write_text(f"extends: {DEFAULT}\nname: iran_talks_float32\nprotocol:\n  precision: float32\n")
        float64_us = per_replicate_us(DEFAULT, work, 25_000 // scale)
        float32_us = per_replicate_us(single, work, 25_000 // scale)
        help_cpu = best_cpu(["--help"])
        validate_cpu = best_cpu(["validate", str(DEFAULT)])
        million = 1_000_000 // scale
        full = sweep(DEFAULT, work / "million", million // 8, 8, "--workers", "2", "--log", "full")
        report = run_measured([*DIPSIM, "report", str(work / "million"), "--out", str(work / "r.html")], ROOT)
    quick = " - QUICK, not the targets" if scale > 1 else ""
    print(f"engine-core targets, default scenario ({DEFAULT.name}){quick}")
    row("engine + outcome log per replicate-run (CPU)", f"{float64_us:.1f} µs", "≤ 20 µs", float64_us <= 20)
    row("  the same, Nash scores in float32 (explicit option)", f"{float32_us:.1f} µs", "", None)
    cpu_met, memory_met = full.cpu <= 150, full.peak < 2 * GIB
    row(f"{million:,} replicate-runs, full logs, 2 workers: CPU", f"{full.cpu:.0f} s", "≤ 150 s", cpu_met)
    row("  the same: peak memory of the process tree", f"{full.peak / GIB:.2f} GiB", "< 2 GiB", memory_met)
    row("  the same: wall time", f"{full.wall:.0f} s", "", None)
    row("dipsim --help (CPU, best of 3)", f"{help_cpu:.2f} s", "≤ 0.5 s", help_cpu <= 0.5)
    row("dipsim validate (CPU, best of 3)", f"{validate_cpu:.2f} s", "", None)
    row(f"dipsim report on the {million:,}-run sweep: peak memory", f"{report.peak / GIB:.2f} GiB", "< 1 GiB",
        report.peak < GIB)  # fmt: skip
    row("  the same: CPU", f"{report.cpu:.1f} s", "", None)


if __name__ == "__main__":
    main()
