"""Demo: the official holiday schedules go back into the calendar (the demo's reset empties
every table, this one included)."""
from __future__ import annotations

from core.workdays.service import seed_official


def add_demo(session, units, branches) -> None:
    seed_official(session)
