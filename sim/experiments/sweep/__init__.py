"""Monte Carlo sweeps: designs, seeded batches, executors, streamed to a sweep folder."""
