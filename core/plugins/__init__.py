"""The plugin system: hookspecs, the manager that loads plugins in `depends` order, and
per-unit enabling (installed is global, enabled is a row per subsidiary unit)."""
