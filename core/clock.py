"""The one clock of the rules that depend on today's date: which windows have ended
(closing, 试算), what the demo may date. Services take `today=` and fall back to
`today()`; views, tasks and the CLI call `today()`.

Decided (README, "Scoring"): the app setting TODAY (environment STARBRANCH_TODAY, an
ISO date such as 2026-12-31) fixes the date for demonstrations and tests; without it
the machine's date is used. The test suite sets TODAY to a fixed date (tests/conftest.py)
so no test depends on the day it runs."""
from __future__ import annotations

from datetime import date


def parse_today(value) -> date | None:
    """A TODAY setting (date or ISO text) → date; None or '' → None (use the real date)."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def today() -> date:
    """Today for the rules: the app's TODAY setting inside an app context, else the
    machine's date."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is a dependency
        return date.today()
    if has_app_context():
        fixed = parse_today(current_app.config.get("TODAY"))
        if fixed is not None:
            return fixed
    return date.today()
