"""The organisation tree: group → subsidiary units → (general branches) → branches, and members."""
