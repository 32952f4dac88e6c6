"""The audit log: who changed what, when, old and new values, and why."""
