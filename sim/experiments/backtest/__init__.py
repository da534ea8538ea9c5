"""``dipsim backtest``: run every protocol on past cases and score the predictions against what happened.

A case is a scenario plus the known outcome on some of its issues, with the
source of that outcome (docs/backtest.md). Every case is validated before
anything runs, so a typo in the last case costs nothing. Each case is then run
under each protocol into an ordinary run folder (``OUT/runs/<case>/<protocol>``)
and the predictions are read back from those folders, never from a live model:
every number in the score table can be traced to a run that ``dipsim report``
can show on its own. The whole backtest folder is built under a temporary name
and renamed into place, so a reader never sees half a backtest.
"""
