"""Demo only: the whole previous year, closed, with its public notice ended and its
grades final — so that after `make run` every document can be issued at once
(`starbranch documents issue certificates 2025 -o certs.zip`).

It reuses the modules' own demo builders for that year (ledger records, attendance,
appraisals, bonus/deduction records, targets), seeds the year's rule set, and then
walks the year as a real one goes: each window is computed (试算), its manual items are
verified by the reviewers (线下质量验收: 60–100 % of the points, deterministic), then
it is closed — months, quarters, the year. The public notice runs in the past (5 days
ending before today) and is finalised. Deterministic, like the rest of the demo.
"""
from __future__ import annotations

from datetime import date, timedelta

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.periods.services import get_period
from core.points import to_points
from core.scoring.models import Evaluation

from core.indicators.catalogue import active_ruleset, seed_ruleset
from core.periods.keys import PeriodKey
from core.scoring.close import close_period, recompute
from core.scoring.notice import finalise_grades, start_notice

NOTICE_DAYS = 5


def year_windows(year: int) -> list[PeriodKey]:
    """Every window of `year` in the order the close rules require."""
    out = []
    for month in range(1, 13):
        out.append(PeriodKey(year, "month", month))
        if month % 3 == 0:
            out.append(PeriodKey(year, "quarter", month // 3))
    out.append(PeriodKey(year, "year", 0))
    return out


def _verify_manual_items(session: Session, pk: PeriodKey) -> None:
    """The reviewers' verification of the window's manual items (no automatic score)."""
    period = get_period(session, pk)
    rows = session.scalars(select(Evaluation).where(Evaluation.period_id == period.id,
                                                    Evaluation.auto_earned.is_(None),
                                                    Evaluation.verified_earned.is_(None)))
    now = utcnow()
    for ev in rows:
        share = Decimal(60 + (ev.branch_id * 7 + ev.indicator_id * 13) % 41) / 100
        ev.verified_earned = to_points(ev.points * share)
        ev.verify_reason = "（演示数据）线下质量验收"
        ev.verified_at = now
    session.flush()


def build_closed_year(session: Session, registry, units, branches, today: date | None = None) -> list[str]:
    """Add the year before `today`'s data, close it and make its grades final. Returns
    the keys it closed."""
    from core.ledger.demo import add_demo as ledger_demo
    from core.targets.demo import add_demo as targets_demo

    today = today or date.today()
    year = today.year - 1
    year_end = date(year, 12, 31)
    ledger_demo(session, units, branches, today=year_end)
    targets_demo(session, units, branches, today=year_end)
    if active_ruleset(session, year) is None:
        seed_ruleset(session, year, registry=registry)
    closed = []
    for pk in year_windows(year):
        period = recompute(session, pk, registry).key
        _verify_manual_items(session, pk)
        close_period(session, pk, kinds=registry)
        closed.append(period)
    starts_on = min(date(year + 1, 1, 5), today - timedelta(days=NOTICE_DAYS + 1))
    notice = start_notice(session, year, starts_on=starts_on, days=NOTICE_DAYS)
    finalise_grades(session, notice.id, today=today)
    return closed
