"""Self-contained HTML reports (plotly) of runs, sweeps and comparisons, read from results folders."""
