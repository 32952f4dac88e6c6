"""Today's date, the one place the app asks for it where a test or a demo must be able to
move the clock: `FROZEN_TODAY` in the app config (a date or an ISO text) overrides the
system date. Outside an app context it is the system date."""
from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context


def today() -> date:
    """The app's today: config FROZEN_TODAY when set, else the system date."""
    if has_app_context():
        frozen = current_app.config.get("FROZEN_TODAY")
        if frozen:
            return frozen if isinstance(frozen, date) else date.fromisoformat(str(frozen))
    return date.today()
