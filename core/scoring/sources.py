"""Where the engine finds scoring methods and star gates: a plugin registry (the app's
`app.extensions["starbranch.plugins"]`), or plain lists/dicts in tests and scripts.
The engine never reaches for Flask itself, so it runs from the CLI, the UI, Celery."""
from __future__ import annotations

from core.scoring.gates import gates_from
from core.scoring.kinds import IndicatorKind


def kinds_from(source) -> dict[str, IndicatorKind]:
    """method code → IndicatorKind from a registry, a list of kinds or a dict."""
    if source is None:
        raise ValueError("kinds is required: pass the plugin registry or a list of IndicatorKind")
    if isinstance(source, dict):
        return dict(source)
    if hasattr(source, "hook"):
        source = [k for batch in source.hook.starbranch_indicator_kinds() for k in (batch or [])]
    out: dict[str, IndicatorKind] = {}
    for kind in source:
        if kind.method in out:
            raise ValueError(f"评分方法代码重复：{kind.method}")
        out[kind.method] = kind
    return out


def resolve(kinds, gates=None):
    """(kinds dict, gates dict). When `gates` is None and `kinds` is a registry, the
    registry's gates are used too."""
    if gates is None and hasattr(kinds, "hook"):
        gates = kinds
    return kinds_from(kinds), gates_from(gates)


def app_sources(app=None):
    """The registry of the current Flask app (for views and tasks)."""
    if app is None:
        from flask import current_app
        app = current_app
    return app.extensions["starbranch.plugins"]
