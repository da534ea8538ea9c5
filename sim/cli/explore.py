"""`dipsim explore SCENARIO`: a live page with a slider per uncertain parameter, re-run on every move."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.arguments import count, examples, positive_int

DEFAULT_PORT = 8765


def register(commands: argparse._SubParsersAction) -> None:
    explore = commands.add_parser(
        "explore",
        help="a live page: move a parameter's slider, see the outcome shares of thousands of replicates",
        description="Serve a page (Solara, the stack of Mesa's SolaraViz) with one slider per uncertain "
        "parameter of the scenario, each sampled over its range or fixed at the slider. Every move re-runs "
        "the replicates with the same seed into a temporary run folder (removed on exit) and shows, from "
        "that folder, the outcome shares with 95 % Wilson intervals, the agreed terms, what ended the talks, "
        "and one replicate's story. The page works offline: every file it loads comes from this server.",
        **examples(
            (
                "dipsim explore scenarios/iran_talks.yaml",
                "serve the page on http://127.0.0.1:8765/ and open it",
            ),
            (
                "dipsim explore scenarios/iran_talks.yaml --replicates 10000 --port 8800",
                "10,000 replicates per move, on another port",
            ),
            (
                "dipsim explore scenarios/iran_talks.yaml --no-browser",
                "print 'dipsim explorer: URL' once the page is served, and open nothing",
            ),
        ),
    )
    explore.add_argument(
        "scenario", type=Path, help="scenario YAML file whose uncertain parameters get sliders"
    )
    explore.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; the page has no login)",
    )
    explore.add_argument(
        "--port",
        type=count,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 lets the system pick a free one)",
    )
    explore.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="do not open a browser; the URL is printed as 'dipsim explorer: URL' once the page is served",
    )
    explore.add_argument(
        "--replicates",
        type=positive_int,
        default=2000,
        help="replicates per move, to start with (default 2000; the page can change it, up to 100000)",
    )
    explore.add_argument("--seed", type=int, default=0, help="root random seed of every move (default 0)")
    explore.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.explore.server import serve
    from sim.explore.session import Explorer

    explorer = Explorer(args.scenario, replicates=args.replicates, seed=args.seed)
    return serve(explorer, args.host, args.port, open_browser=args.browser)
