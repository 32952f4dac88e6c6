"""Plugin modules used by the tests (loaded explicitly through PLUGINS)."""
