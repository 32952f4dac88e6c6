"""Reopening a year cancels its public notice (core.scoring.notice.cancel_notice, called
by reopen_period): that year's current round only — another year's notice stands, and
an earlier round already cancelled is not cancelled (nor audited) again."""
from datetime import date, datetime

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.keys import PeriodKey
from core.periods.services import get_or_create_period
from core.scoring.models import AnnualNotice
from core.scoring.notice import cancel_notice


def _notice(db, period, status):
    n = AnnualNotice(period_id=period.id, starts_on=date(period.year + 1, 1, 11), ends_on=date(period.year + 1, 1, 15),
                     working_days=5, status=status, created_at=datetime(period.year + 1, 1, 11))
    db.add(n)
    db.flush()
    return n


def test_cancelling_a_years_notice_leaves_other_years_and_earlier_rounds_alone(db, make_user):
    admin = make_user(role="admin")
    y2025, y2026 = (get_or_create_period(db, PeriodKey(y, "year", 0)) for y in (2025, 2026))
    for p in (y2025, y2026):
        p.status = "closed"
    final_2025 = _notice(db, y2025, "final")
    first_round = _notice(db, y2026, "cancelled")
    second_round = _notice(db, y2026, "open")
    db.commit()

    cancel_notice(db, y2026, actor=admin, reason="更正年度得分")
    db.commit()
    assert [(n.id, n.status) for n in (final_2025, first_round, second_round)] == [
        (final_2025.id, "final"), (first_round.id, "cancelled"), (second_round.id, "cancelled")]
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.cancel")).all()
    assert [(e.user_id, e.object_id, e.old, e.new, e.reason) for e in entries] == [
        (admin.id, str(second_round.id), {"status": "open"}, {"status": "cancelled"}, "更正年度得分")]
