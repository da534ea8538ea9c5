"""dipsim: multi-party diplomacy as an agent-based, Monte Carlo negotiation simulator."""

__version__ = "0.1.0"
