"""One batch of R replicates in memory: draws, calendar, agents, events, the log, and the Mesa model."""
