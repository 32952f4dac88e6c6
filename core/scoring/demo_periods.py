"""Demo only: seed the year's rule set and close the months (and full quarters) before
today, so a fresh demo shows rankings, stars, trends and radar charts right away."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.indicators.catalogue import active_ruleset, seed_ruleset
from core.periods.keys import PeriodKey
from core.scoring.close import close_period


def windows_to_close(today: date) -> list[PeriodKey]:
    """Every month of today's year that has ended, each quarter right after its third
    month: the order the close rules require (a quarter needs its months)."""
    out: list[PeriodKey] = []
    for month in range(1, today.month):
        out.append(PeriodKey(today.year, "month", month))
        if month % 3 == 0:
            out.append(PeriodKey(today.year, "quarter", month // 3))
    return out


def close_demo_periods(session: Session, registry, today: date) -> list[str]:
    """Seed `today.year`'s rule set if it has none, then close the ended windows."""
    if active_ruleset(session, today.year) is None:
        seed_ruleset(session, today.year, registry=registry)
    closed = []
    for pk in windows_to_close(today):
        close_period(session, pk, kinds=registry)
        closed.append(pk.key)
    return closed
