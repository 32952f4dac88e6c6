"""A plugin whose import fails (the manager must report it, not crash)."""
raise RuntimeError("this plugin cannot be imported")
