"""Analyst tools over the evidence file: the calibration report and passage suggestions.

Reading and validating the evidence itself is part of loading a scenario
(``sim.scenario.evidence`` and ``sim.scenario.calibration``).
"""
