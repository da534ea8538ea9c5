"""What a user runs: one batch, protocols side by side, sweeps, sensitivity, backtests."""
