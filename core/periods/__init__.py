"""Assessment windows: months, quarters, years; their keys, bounds, and close/lock state."""
