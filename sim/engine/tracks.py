"""States of the world that move while the talks go on, such as a nuclear programme's progress.

A track starts at its drawn ``initial`` value and moves by its drawn ``rate`` at
the start of every exchange after the first, within its bounds, unless its
``frozen_when`` condition holds in that exchange (docs/model.md section 9). The
values are kept in the track's own unit, per replicate, and logged with the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Track


@dataclass
class TrackState:
    """One track across replicates: its spec, who owns it, where it stands and how fast it moves."""

    track_id: str
    owner: str
    spec: Track
    value: np.ndarray  # [R], in the track's unit
    rate: np.ndarray  # [R], per exchange

    @property
    def low(self) -> float:
        return self.spec.bounds[0]

    @property
    def high(self) -> float:
        return self.spec.bounds[1]

    def progress(self) -> np.ndarray:
        """The value scaled to [0, 1] over the track's bounds: the covariate an outside option reads."""
        return (self.value - self.low) / (self.high - self.low)

    def advance(self, moving: np.ndarray) -> None:
        """One exchange's move in the masked replicates, kept within the bounds."""
        self.value[moving] = np.clip(self.value[moving] + self.rate[moving], self.low, self.high)
