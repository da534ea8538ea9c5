"""Allow ``python -m sim`` as well as the ``dipsim`` console script."""

from sim.cli import main

raise SystemExit(main())
