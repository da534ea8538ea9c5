"""Plotly figures built from results tables. Each takes DataFrames, never a model.

Titles and axes carry units; actors, outcomes and scenarios keep one colour
each across every figure (sim.report.palette). One module per question a
figure answers: how the talks end (outcomes), what ended them (causes), where
the actors stand (positions), who moved towards whom in a forecasting model
(moves), which inputs matter (inputs) and how each outcome's share follows its
most influential inputs (drivers), where in the inputs an outcome concentrates
(discovery), several models' predictions as dots (models), several folders side by
side (compare), and terms per issue, zoomed to where they land (terms).
"""

from sim.report.figures.causes import outcome_causes
from sim.report.figures.common import FAN_REPLICATE_LIMIT, TEMPLATE, Share, outcome_shares, wilson_interval
from sim.report.figures.compare import compare_probabilities, difference_rows
from sim.report.figures.discovery import discover_for, discovery_figure
from sim.report.figures.drivers import Driver, driver_lines, find_drivers, outcome_drivers
from sim.report.figures.inputs import sensitivity_ranking
from sim.report.figures.models import model_dots
from sim.report.figures.moves import who_moved
from sim.report.figures.outcomes import outcome_probabilities, rounds_ecdf
from sim.report.figures.positions import position_fans, run_positions, run_utilities
from sim.report.figures.terms import compare_terms, terms_distribution

__all__ = [
    "FAN_REPLICATE_LIMIT",
    "TEMPLATE",
    "Driver",
    "Share",
    "compare_probabilities",
    "compare_terms",
    "difference_rows",
    "discover_for",
    "discovery_figure",
    "driver_lines",
    "find_drivers",
    "model_dots",
    "outcome_causes",
    "outcome_drivers",
    "outcome_probabilities",
    "outcome_shares",
    "position_fans",
    "rounds_ecdf",
    "run_positions",
    "run_utilities",
    "sensitivity_ranking",
    "terms_distribution",
    "who_moved",
    "wilson_interval",
]
