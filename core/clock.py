"""Today's date: the one clock the app asks where a test or a demonstration must be
able to move it.

Services take `today=` and never read the clock themselves; views, jobs and the demo
ask here. The app setting TODAY (a date or "YYYY-MM-DD") fixes the date — tests and
demonstrations use it to walk through a notice period; unset, it is the server's date.
Outside an app context it is the system date.
"""
from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context


def today() -> date:
    fixed = current_app.config.get("TODAY") if has_app_context() else None
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(str(fixed))
    return date.today()
