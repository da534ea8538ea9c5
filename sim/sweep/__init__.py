"""Monte Carlo sweeps: designs, seeded batches, executors, and a streamed Parquet dataset."""
