"""``dipsim explore``: a live page that re-runs a scenario's replicates on every move of a slider.

The page is a view of run folders, like every report: each move runs the scenario into a temporary
run folder and reads it back through :class:`sim.store.results.Results`, so what the page shows is
what a later reader of that folder would see. One job per module:

* ``session``: which parameters are fixed and at what value, and running a move into a folder;
* ``views``: what the page shows of a run folder (shares, figures, one replicate's story);
* ``live``: one run at a time, always the newest request, published part by part;
* ``plot``: a plotly figure on the page, drawn by the plotly.js the server itself serves;
* ``app``: the Solara components;
* ``server``: serving the page offline on host:port.

Only ``plot``, ``app`` and ``server`` import Solara; the others are plain Python, so the tests and
the latency benchmark can drive them without a browser.
"""
