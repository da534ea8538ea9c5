"""How a running sweep says how far it is: a bar on a terminal, a line every so often in a log.

A sweep on a cluster or under ``nohup`` writes its stdout to a file, where a progress bar is a
stream of carriage returns nobody can read. There, a plain line every ``every`` seconds says how
many batches and runs are done, the rate, and the time left at that rate.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

from sim.terminal import raw_stderr

PROGRESS_EVERY = 30.0  # seconds between progress lines when stdout is not a terminal


class Progress:
    """Counts finished batches and runs, and reports them as a bar (stderr is a TTY), lines, or both."""

    def __init__(
        self,
        *,
        total_runs: int,
        done_runs: int,
        total_batches: int,
        done_batches: int,
        enabled: bool = True,
        every: float = PROGRESS_EVERY,
        lines_to: TextIO | None = None,
    ) -> None:
        self.total_runs, self.done_runs = total_runs, done_runs
        self.total_batches, self.done_batches = total_batches, done_batches
        self.every = every
        self.lines_to = lines_to or sys.stdout
        self.lines = enabled and not self.lines_to.isatty()
        self.started = self.last = time.monotonic()
        self.runs_at_start = done_runs
        self.bar = tqdm(
            total=total_runs,
            initial=done_runs,
            unit="rep",
            unit_scale=True,
            desc=self._batches(),
            file=raw_stderr(),
            disable=not (enabled and sys.stderr.isatty()),
        )

    def _batches(self) -> str:
        return f"{self.done_batches}/{self.total_batches} batches"

    def batch_done(self, runs: int) -> None:
        self.done_batches += 1
        self.done_runs += runs
        self.bar.update(runs)
        self.bar.set_description(self._batches())
        now = time.monotonic()
        if self.lines and now - self.last >= self.every and self.done_batches < self.total_batches:
            self.last = now
            print(self.line(now), file=self.lines_to, flush=True)

    def line(self, now: float) -> str:
        elapsed = now - self.started
        rate = (self.done_runs - self.runs_at_start) / elapsed if elapsed > 0 else 0.0
        left = (self.total_runs - self.done_runs) / rate if rate > 0 else float("nan")
        return (
            f"  progress: {self._batches()}, {self.done_runs:,} of {self.total_runs:,} runs "
            f"({self.done_runs / self.total_runs:.0%}) after {elapsed:,.0f} s, {rate:,.0f} runs/s, "
            f"about {left:,.0f} s left"
        )

    def close(self) -> None:
        self.bar.close()
